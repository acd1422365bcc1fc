/* See transport_checks.h. */
#include "transport_checks.h"

#include <string.h>

#include "crypto/crypto.h"
#include "fuzz_common.h"

int fz_lower_roundtrip(uint8_t ctl, const uint8_t *pdu, size_t len, struct bm_lower_hdr *hdr,
                       const uint8_t **payload, size_t *payload_len)
{
    int rc = bm_lower_parse(ctl, pdu, len, hdr, payload, payload_len);
    if (rc != BM_OK) {
        FZ_CHECK(rc == BM_EMALFORMED);
        return rc;
    }
    FZ_CHECK(*payload >= pdu && *payload + *payload_len <= pdu + len);
    FZ_CHECK(bm_lower_check(hdr, *payload_len) == BM_OK);
    uint8_t out[32];
    size_t out_len = 0;
    FZ_CHECK(bm_lower_build(hdr, *payload, *payload_len, out, sizeof(out), &out_len) == BM_OK);
    /* Mesh Profile 3.5.2.4: a segmented control PDU's RFU bit (octet 1,
     * bit 7) is ignored on receipt and sent as zero */
    FZ_CHECK(out_len == len);
    for (size_t i = 0; i < len; i++) {
        uint8_t want = (ctl && hdr->seg && i == 1) ? (uint8_t)(pdu[i] & 0x7f) : pdu[i];
        FZ_CHECK(out[i] == want);
    }
    if (ctl && !hdr->seg && hdr->opcode == BM_CTL_OP_SEG_ACK) {
        struct bm_seg_ack ack;
        if (bm_lower_ack_decode(*payload, *payload_len, &ack) == BM_OK) {
            uint8_t enc[BM_SEG_ACK_LEN];
            FZ_CHECK(bm_lower_ack_encode(&ack, enc) == BM_OK);
            /* the two RFU bits are ignored on receipt, sent as zero */
            FZ_CHECK(enc[0] == (*payload)[0] && enc[1] == ((*payload)[1] & 0xfc) &&
                     memcmp(enc + 2, *payload + 2, 4) == 0);
        }
    }
    return rc;
}

void fz_upper_check(uint8_t akf, uint8_t aid, uint8_t szmic, uint32_t seq, uint16_t src,
                    uint16_t dst, uint32_t iv_index, const uint8_t *upper, size_t upper_len)
{
    static struct bm_upper_appkey app;
    static struct bm_upper_devkey dev;
    static uint8_t labels[1][16] = {{0xf4, 0xa0, 0x02, 0xc7, 0xfb, 0x1e, 0x4c, 0xa0, 0xa4, 0x69,
                                     0xa0, 0x21, 0xde, 0x0d, 0xb8, 0x75}};
    if (!app.key[0]) {
        app.app_idx = FZ_APP_IDX;
        memcpy(app.key, fz_app_key, 16);
        FZ_CHECK(bm_crypto_k4(fz_app_key, &app.aid) == BM_OK);
        dev.addr = FZ_NODE_ADDR;
        dev.key = fz_dev_key;
    }
    struct bm_upper_keyring ring = {.app = &app,
                                    .app_count = 1,
                                    .dev = &dev,
                                    .dev_count = 1,
                                    .labels = (const uint8_t(*)[16])labels,
                                    .label_count = 1};
    struct bm_upper_params p = {.szmic = szmic, .seq = seq, .src = src, .dst = dst,
                                .iv_index = iv_index};
    uint8_t out[BM_LOWER_MAX_UPPER];
    size_t out_len = 0;
    struct bm_upper_match match;
    int rc = bm_upper_decrypt_any(&ring, akf, aid, p, upper, upper_len, out, sizeof(out),
                                  &out_len, &match);
    if (rc != BM_OK) {
        FZ_CHECK(rc == BM_ENOKEY || rc == BM_EAUTH || rc == BM_EMALFORMED);
        return;
    }
    size_t mic = szmic ? BM_TRANSMIC_LONG : BM_TRANSMIC_SHORT;
    FZ_CHECK(upper_len > mic && out_len == upper_len - mic);
    /* encrypting what came out gives the PDU back */
    p.dev_key = match.dev_key;
    p.label = match.label;
    uint8_t again[BM_LOWER_MAX_UPPER + 8];
    size_t again_len = 0;
    const uint8_t *key = match.dev_key ? dev.key : app.key;
    FZ_CHECK(bm_upper_encrypt(key, &p, out, out_len, again, sizeof(again), &again_len) == BM_OK);
    FZ_CHECK(again_len == upper_len && memcmp(again, upper, upper_len) == 0);
}
