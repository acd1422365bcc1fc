/* Fuzz target: PB-ADV PDUs and the transaction reassembler
 * (prov/pb_adv.c). Input: a sequence of PB-ADV PDUs, each one length
 * octet then the PDU, parsed and, when a Transaction Start or
 * Continuation, fed to one reassembler the way the link feeds it (a
 * segment of another transaction resets it). Properties: parse writes
 * nothing on failure, segment data stays inside the input, every error
 * but the FCS failure leaves the reassembler byte-identical, a completed
 * PDU has the announced length and FCS and needs SegN + 1 segments, and
 * bearer control/ack PDUs rebuild to the same octets. */
#include <string.h>

#include "fuzz_common.h"
#include "prov/pb_adv.h"

static void check_ctl(const struct bm_pbadv_pdu *p, const uint8_t *buf, size_t len)
{
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t out_len = 0;
    int rc = BM_EINVAL;
    if (p->gpcf == BM_PBADV_GPCF_ACK) {
        rc = bm_pbadv_build_tx_ack(p->link_id, p->tn, out, sizeof(out), &out_len);
    } else if (p->tn == BM_PBADV_TN_BEARER_CTL) {
        if (p->u.ctl.opcode == BM_PBADV_LINK_OPEN)
            rc = bm_pbadv_build_link_open(p->link_id, p->u.ctl.uuid, out, sizeof(out), &out_len);
        else if (p->u.ctl.opcode == BM_PBADV_LINK_ACK)
            rc = bm_pbadv_build_link_ack(p->link_id, out, sizeof(out), &out_len);
        else if (p->u.ctl.opcode == BM_PBADV_LINK_CLOSE)
            rc = bm_pbadv_build_link_close(p->link_id, p->u.ctl.reason, out, sizeof(out),
                                           &out_len);
    } else {
        return; /* control PDUs with another transaction number: nothing to rebuild */
    }
    FZ_CHECK(rc == BM_OK);
    FZ_CHECK(out_len == len && memcmp(out, buf, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    fz_init(&f, data, size);
    struct bm_pbadv_rx rx;
    memset(&rx, 0, sizeof(rx));
    bm_pbadv_rx_reset(&rx);
    uint8_t segs_seen = 0;
    while (fz_more(&f)) {
        uint8_t buf[64];
        size_t len = fz_chunk(&f, buf, sizeof(buf));
        struct bm_pbadv_pdu p, untouched;
        memset(&p, 0x5a, sizeof(p));
        untouched = p;
        int rc = bm_pbadv_parse(buf, len, &p);
        if (rc != BM_OK) {
            FZ_CHECK(memcmp(&p, &untouched, sizeof(p)) == 0);
            continue;
        }
        FZ_CHECK(len <= BM_PBADV_MAX_LEN);
        if (p.gpcf == BM_PBADV_GPCF_ACK || p.gpcf == BM_PBADV_GPCF_CTL) {
            check_ctl(&p, buf, len);
            continue;
        }
        if (p.gpcf == BM_PBADV_GPCF_START) {
            FZ_CHECK(p.u.start.data >= buf && p.u.start.data + p.u.start.data_len <= buf + len);
            FZ_CHECK(p.u.start.data_len >= 1 && p.u.start.data_len <= BM_PBADV_START_DATA_MAX);
        } else {
            FZ_CHECK(p.u.cont.data >= buf && p.u.cont.data + p.u.cont.data_len <= buf + len);
            FZ_CHECK(p.u.cont.seg_index >= 1 && p.u.cont.seg_index <= BM_PBADV_SEG_N_MAX);
        }
        struct bm_pbadv_rx before = rx;
        const uint8_t *pdu = NULL;
        size_t pdu_len = 0;
        rc = bm_pbadv_rx_add(&rx, &p, &pdu, &pdu_len);
        if (rc == BM_ESTATE) {
            FZ_CHECK(memcmp(&before, &rx, sizeof(rx)) == 0);
            bm_pbadv_rx_reset(&rx);
            segs_seen = 0;
            before = rx;
            rc = bm_pbadv_rx_add(&rx, &p, &pdu, &pdu_len);
        }
        switch (rc) {
        case BM_OK: {
            segs_seen++;
            FZ_CHECK(pdu >= (const uint8_t *)&rx && pdu + pdu_len <= rx.buf + sizeof(rx.buf));
            FZ_CHECK(pdu_len == rx.total_len && pdu_len >= 1);
            FZ_CHECK(bm_pbadv_fcs(pdu, pdu_len) == rx.fcs);
            FZ_CHECK(bm_pbadv_seg_count(pdu_len) == rx.seg_n + 1u);
            /* the rebuilt Transaction Start carries the same first data */
            uint8_t seg[BM_PBADV_MAX_LEN];
            size_t seg_len;
            FZ_CHECK(bm_pbadv_build_segment(0x01020304, rx.tn, pdu, pdu_len, 0, seg, sizeof(seg),
                                            &seg_len) == BM_OK);
            struct bm_pbadv_pdu q;
            FZ_CHECK(bm_pbadv_parse(seg, seg_len, &q) == BM_OK);
            FZ_CHECK(q.u.start.total_len == pdu_len && q.u.start.seg_n == rx.seg_n &&
                     q.u.start.fcs == rx.fcs);
            break;
        }
        case BM_EINCOMPLETE:
            segs_seen++;
            break;
        case BM_EMALFORMED: {
            /* only an FCS failure may change the reassembler, back to idle */
            struct bm_pbadv_rx idle;
            memset(&idle, 0, sizeof(idle));
            bm_pbadv_rx_reset(&idle);
            FZ_CHECK(memcmp(&before, &rx, sizeof(rx)) == 0 || memcmp(&idle, &rx, sizeof(rx)) == 0);
            break;
        }
        default:
            FZ_CHECK(memcmp(&before, &rx, sizeof(rx)) == 0);
            break;
        }
        /* sometimes start over, as the link does after a completed one */
        if (rc == BM_OK && (buf[0] & 1))
            bm_pbadv_rx_reset(&rx);
    }
    (void)segs_seen;
    return 0;
}
