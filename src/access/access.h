/* Access layer framing (Mesh Profile 3.7.3): 1-, 2- and 3-octet opcodes,
 * parameters, and the size limits of an access payload. */
#ifndef BM_ACCESS_H
#define BM_ACCESS_H

#include <stddef.h>
#include <stdint.h>

/* 32 segments x 12 octets - 4-octet TransMIC (Mesh Profile 3.7.3). */
#define BM_ACCESS_MAX_PAYLOAD 380
/* Opcodes as numbers: 1-octet 0x00..0x7e, 2-octet 0x8000..0xbfff,
 * 3-octet 0xc00000..0xffffff (opcode octet, then the company ID as sent). */
int bm_access_opcode_len(uint32_t opcode); /* 1..3, or BM_EINVAL */

/* Splits an access payload into opcode and parameters (params points into
 * payload). BM_EMALFORMED for an empty payload, the RFU opcode 0x7f or a
 * truncated multi-octet opcode. */
int bm_access_parse(const uint8_t *payload, size_t len, uint32_t *opcode, const uint8_t **params,
                    size_t *params_len);

/* Writes opcode || params (params must not overlap out). BM_EINVAL for a bad opcode or a payload over
 * BM_ACCESS_MAX_PAYLOAD, BM_ENOSPC if out is too small. */
int bm_access_build(uint32_t opcode, const uint8_t *params, size_t params_len, uint8_t *out,
                    size_t out_size, size_t *out_len);

#endif
