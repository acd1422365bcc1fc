/* Access payload framing (Mesh Profile 3.7.3): opcode || parameters.
 *
 * Opcodes are handled as the number formed by their octets as sent,
 * big-endian: 1 octet 0x00..0x7e (0x7f is RFU), 2 octets 0b10xxxxxx
 * (0x8000..0xbfff), 3 octets 0b11xxxxxx followed by the 16-bit company ID
 * in the order it is sent (0xc00000..0xffffff), so "ea0a00" is 0xea0a00.
 * The first octet alone gives the opcode's length (3.7.3.1).
 *
 * Invariants: parse accepts exactly what build produces (1..380 octets with
 * a valid opcode), and parse(build(op, params)) == (op, params). */
#include "access/access.h"

#include <string.h>

#include "blemesh/errors.h"

#define OPCODE_RFU 0x7f

/* Opcode length from its first octet, or 0 for the RFU opcode. */
static size_t len_from_first(uint8_t first)
{
    if (first == OPCODE_RFU)
        return 0;
    if ((first & 0x80) == 0)
        return 1;
    return (first & 0x40) ? 3 : 2;
}

int bm_access_opcode_len(uint32_t opcode)
{
    if (opcode < OPCODE_RFU)
        return 1;
    if (opcode >= 0x8000 && opcode <= 0xbfff)
        return 2;
    if (opcode >= 0xc00000 && opcode <= 0xffffff)
        return 3;
    return BM_EINVAL;
}

int bm_access_parse(const uint8_t *payload, size_t len, uint32_t *opcode, const uint8_t **params,
                    size_t *params_len)
{
    if (!opcode || !params || !params_len)
        return BM_EINVAL;
    if (!payload || len < 1 || len > BM_ACCESS_MAX_PAYLOAD)
        return BM_EMALFORMED;
    size_t n = len_from_first(payload[0]);
    if (n == 0 || len < n)
        return BM_EMALFORMED;
    uint32_t op = 0;
    for (size_t i = 0; i < n; i++)
        op = op << 8 | payload[i];
    *opcode = op;
    *params = payload + n;
    *params_len = len - n;
    return BM_OK;
}

int bm_access_build(uint32_t opcode, const uint8_t *params, size_t params_len, uint8_t *out,
                    size_t out_size, size_t *out_len)
{
    int n = bm_access_opcode_len(opcode);
    if (n < 0 || (!params && params_len) || !out || !out_len)
        return BM_EINVAL;
    if (params_len > BM_ACCESS_MAX_PAYLOAD - (size_t)n) /* no overflow: n <= 3 */
        return BM_EINVAL;
    size_t total = (size_t)n + params_len;
    if (out_size < total)
        return BM_ENOSPC;
    if (params_len)
        memcpy(out + n, params, params_len);
    for (int i = n - 1; i >= 0; i--, opcode >>= 8)
        out[i] = (uint8_t)opcode; /* the last octet first */
    *out_len = total;
    return BM_OK;
}
