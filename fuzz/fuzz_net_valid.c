/* Fuzz target: network decode past the NetMIC (structure-aware). Input:
 * selector, CTL|TTL, SEQ(3), SRC(2), DST(2), mutation, then a transport
 * PDU. The harness encrypts the transport PDU with the sample credentials
 * (or key 2, the friendship credentials, the proxy nonce, the previous IV
 * index), optionally flips one bit, and feeds the result to bm_net_decode
 * and bm_net_rx, then the decrypted transport PDU to the lower transport
 * parser, the segment acknowledgement decoder, a reassembler and the
 * upper transport decryption. Properties: an unmodified PDU decodes to
 * exactly what was encoded, and a modified one never does; see also
 * transport_checks.h. */
#include <string.h>

#include "fuzz_common.h"
#include "net_fixture.h"
#include "transport_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    fz_init(&f, data, size);
    uint8_t sel = fz_u8(&f);
    uint8_t ctl_ttl = fz_u8(&f);
    struct bm_net_hdr hdr = {.ctl = ctl_ttl >> 7, .ttl = ctl_ttl & 0x7f};
    hdr.seq = fz_u24(&f);
    hdr.src = fz_u16(&f);
    hdr.dst = fz_u16(&f);
    uint8_t mut = fz_u8(&f);
    uint8_t transport[BM_NET_MAX_TRANSPORT];
    size_t transport_len = fz_take(&f, transport, sizeof(transport));

    const struct bm_net_creds *c;
    bool rx_key = true; /* a key the subnet table has */
    switch (sel & 3) {
    case 1:
        c = fz_creds_key2();
        break;
    case 2:
        c = fz_creds_friend();
        rx_key = false;
        break;
    default:
        c = fz_creds_sample();
        break;
    }
    uint32_t iv = (sel & 4) ? FZ_IV_INDEX - 1 : FZ_IV_INDEX;
    enum bm_net_nonce_kind kind = (sel & 8) ? BM_NET_NONCE_PROXY : BM_NET_NONCE_NETWORK;
    enum fz_net_variant variant = (enum fz_net_variant)((sel >> 4) & 3);

    uint8_t pdu[BM_NET_MAX_PDU_LEN];
    size_t len;
    if (bm_net_encode(c, iv, kind, &hdr, transport, transport_len, pdu, sizeof(pdu), &len) !=
        BM_OK)
        return 0;
    bool mutated = (mut & 0x80) != 0;
    if (mutated)
        pdu[(mut & 0x1f) % len] ^= (uint8_t)(1u << ((mut >> 5) & 3));

    struct bm_net_hdr got;
    uint8_t t2[BM_NET_MAX_TRANSPORT];
    size_t t2_len = 0;
    int rc = bm_net_decode(c, iv, kind, pdu, len, &got, t2, &t2_len);
    if (mutated) {
        FZ_CHECK(rc != BM_OK);
    } else {
        FZ_CHECK(rc == BM_OK);
        FZ_CHECK(got.ctl == hdr.ctl && got.ttl == hdr.ttl && got.seq == hdr.seq &&
                 got.src == hdr.src && got.dst == hdr.dst && got.nid == c->nid &&
                 got.ivi == (iv & 1));
        FZ_CHECK(t2_len == transport_len && memcmp(t2, transport, t2_len) == 0);
    }

    struct bm_net net = *fz_net_fixture(variant);
    struct bm_net before = net;
    struct bm_net_rx rx;
    rc = bm_net_rx(&net, BM_NET_NONCE_NETWORK, pdu, len, &rx);
    if (rc != BM_OK) {
        FZ_CHECK(memcmp(&net, &before, sizeof(net)) == 0);
        bool expect_ok = !mutated && rx_key && kind == BM_NET_NONCE_NETWORK &&
                         variant != FZ_NET_IV_ZERO;
        FZ_CHECK(!expect_ok);
        return 0;
    }
    FZ_CHECK(!mutated);
    FZ_CHECK(rx.iv_index == iv && rx.transport_len == transport_len &&
             memcmp(rx.transport, transport, transport_len) == 0);

    struct bm_lower_hdr lh;
    const uint8_t *payload;
    size_t plen;
    if (fz_lower_roundtrip(rx.hdr.ctl, rx.transport, rx.transport_len, &lh, &payload, &plen) !=
        BM_OK)
        return 0;
    if (lh.seg) {
        static struct bm_reasm_pool pool;
        bm_lower_reasm_init(&pool);
        struct bm_lower_msg msg;
        const struct bm_lower_msg seg = {.hdr = lh,
                                         .src = rx.hdr.src,
                                         .dst = rx.hdr.dst,
                                         .ttl = rx.hdr.ttl,
                                         .seq = rx.hdr.seq,
                                         .iv_index = rx.iv_index,
                                         .upper = payload,
                                         .upper_len = plen};
        rc = bm_lower_reasm_rx(&pool, &seg, 0, &msg);
        FZ_CHECK(rc == BM_OK || rc == BM_EINCOMPLETE || rc == BM_EMALFORMED ||
                 rc == BM_ENOSPC);
        if (rc == BM_OK && !msg.hdr.ctl)
            fz_upper_check(msg.hdr.akf, msg.hdr.aid, msg.hdr.szmic, msg.seq, msg.src, msg.dst,
                           msg.iv_index, msg.upper, msg.upper_len);
    } else if (!lh.ctl) {
        fz_upper_check(lh.akf, lh.aid, 0, rx.hdr.seq, rx.hdr.src, rx.hdr.dst, rx.iv_index,
                       payload, plen);
    }
    return 0;
}
