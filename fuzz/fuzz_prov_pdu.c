/* Fuzz target: Provisioning PDUs (prov/prov_pdu.c). Input: one octet that
 * picks the algorithm the parser is told (CMAC, HMAC, unknown, or the raw
 * value), then the PDU. Properties: a parse that fails sets a Provisioning
 * Failed code and writes nothing; a parse that succeeds builds back to the
 * same octets ("what we send always parses"); a Start checked against a
 * Capabilities parsed from the same input never crashes. */
#include <string.h>

#include "fuzz_common.h"
#include "prov/prov_pdu.h"

static uint8_t pick_alg(uint8_t b)
{
    switch (b & 3) {
    case 0:
        return BM_PROV_ALG_CMAC;
    case 1:
        return BM_PROV_ALG_HMAC;
    case 2:
        return BM_PROV_ALG_UNKNOWN;
    default:
        return b;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t alg = pick_alg(data[0]);
    const uint8_t *buf = data + 1;
    size_t len = size - 1;

    struct bm_prov_pdu pdu, untouched;
    memset(&pdu, 0xa5, sizeof(pdu));
    memcpy(&untouched, &pdu, sizeof(pdu));
    uint8_t fail = 0xee;
    int rc = bm_prov_pdu_parse(buf, len, alg, &pdu, &fail);
    if (rc != BM_OK) {
        FZ_CHECK(rc == BM_EMALFORMED || rc == BM_EINVAL);
        if (rc == BM_EMALFORMED)
            FZ_CHECK(fail == BM_PROV_ERR_INVALID_PDU || fail == BM_PROV_ERR_INVALID_FORMAT);
        FZ_CHECK(memcmp(&pdu, &untouched, sizeof(pdu)) == 0);
        return 0;
    }
    FZ_CHECK(pdu.type < BM_PROV_TYPE_COUNT);
    uint8_t out[BM_PROV_PDU_MAX_LEN + 8];
    size_t out_len = 0;
    FZ_CHECK(bm_prov_pdu_build(&pdu, out, sizeof(out), &out_len) == BM_OK);
    FZ_CHECK(out_len == len && memcmp(out, buf, len) == 0);

    /* Capabilities then Start, split by the Capabilities length. */
    if (pdu.type == BM_PROV_CAPABILITIES && len > 1 + BM_PROV_CAPS_LEN) {
        struct bm_prov_pdu start;
        const uint8_t *rest = buf + 1 + BM_PROV_CAPS_LEN;
        if (bm_prov_pdu_parse(rest, len - 1 - BM_PROV_CAPS_LEN, alg, &start, &fail) == BM_OK &&
            start.type == BM_PROV_START) {
            rc = bm_prov_start_fits_caps(&start.u.start, &pdu.u.caps);
            FZ_CHECK(rc == BM_OK || rc == BM_EMALFORMED);
        }
    }
    (void)bm_prov_auth_len(alg);
    return 0;
}
