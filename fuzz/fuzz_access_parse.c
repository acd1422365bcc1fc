/* Fuzz target: access payload framing (access/access.c). Input: an access
 * payload. Properties: parse never reads past the end, parameters lie
 * inside the payload, and build(parse(x)) == x. */
#include <string.h>

#include "access/access.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t opcode;
    const uint8_t *params;
    size_t params_len;
    if (bm_access_parse(data, size, &opcode, &params, &params_len) != BM_OK)
        return 0;
    int olen = bm_access_opcode_len(opcode);
    FZ_CHECK(olen >= 1 && olen <= 3);
    FZ_CHECK(params == data + olen && params_len == size - (size_t)olen);
    uint8_t out[BM_ACCESS_MAX_PAYLOAD + 8];
    size_t out_len = 0;
    int rc = bm_access_build(opcode, params, params_len, out, sizeof(out), &out_len);
    if (size > BM_ACCESS_MAX_PAYLOAD) {
        FZ_CHECK(rc != BM_OK);
        return 0;
    }
    FZ_CHECK(rc == BM_OK);
    FZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    return 0;
}
