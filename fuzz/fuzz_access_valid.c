/* Fuzz target: upper transport and access dispatch into a provisioned
 * node (structure-aware). Each record of the input describes one message
 * from a peer: key (the sample AppKey or the node's device key), SZMIC,
 * forced segmentation, destination (primary or second element, the
 * subscribed group, the subscribed virtual address, all-nodes), source,
 * TTL, the order segments are sent in, and the access payload (opcode ||
 * parameters) itself. The harness encrypts, segments and network-encodes
 * it with the sample keys and fresh sequence numbers, so it passes the
 * NetMIC, reassembly, the TransMIC and the replay list, and hands it to
 * the node as advertising data; the models then parse fuzzed parameters.
 * A record can instead be a transport control message (a Segment
 * Acknowledgment for what the node is sending, a Heartbeat, or any
 * opcode). Properties: no sanitizer report, well-formed advertisements,
 * no timer livelock. */
#include <string.h>

#include "access/access.h"
#include "node_fixture.h"
#include "transport/upper.h"

static struct fz_node n;
static struct bm_net_creds creds;
static uint8_t app_aid;
static bool ready;
static uint32_t seqs[8];

static void send_pdu(uint8_t ctl, uint8_t ttl, uint32_t seq, uint16_t src, uint16_t dst,
                     const uint8_t *transport, size_t len)
{
    struct bm_net_hdr h = {.ctl = ctl, .ttl = ttl, .seq = seq, .src = src, .dst = dst};
    uint8_t pdu[BM_NET_MAX_PDU_LEN], adv[BM_ADV_MAX_LEN];
    size_t pdu_len;
    if (bm_net_encode(&creds, FZ_IV_INDEX, BM_NET_NONCE_NETWORK, &h, transport, len, pdu,
                      sizeof(pdu), &pdu_len) != BM_OK)
        return;
    size_t adv_len = fz_ad_wrap(BM_AD_MESH_MESSAGE, pdu, pdu_len, adv);
    bm_node_rx_adv(n.node, adv, adv_len, -50);
}

static void send_access(struct fz *f, uint8_t flags, uint16_t src, uint16_t dst, uint8_t ttl,
                        uint32_t *seq)
{
    uint8_t access[BM_ACCESS_MAX_PAYLOAD];
    uint8_t order = fz_u8(f);
    size_t len = fz_u16(f) % (BM_ACCESS_MAX_PAYLOAD + 1);
    len = fz_take(f, access, len);
    if (!len)
        return;
    bool dev = (flags & 1) == 0;
    struct bm_upper_params p = {.dev_key = dev,
                                .szmic = (flags >> 1) & 1,
                                .seq = *seq,
                                .src = src,
                                .dst = dst,
                                .iv_index = FZ_IV_INDEX,
                                .label = bm_addr_is_virtual(dst) ? fz_label : NULL};
    bool seg = (flags & 4) != 0;
    uint8_t upper[BM_LOWER_MAX_UPPER + 8];
    size_t upper_len;
    if (!seg && len + BM_TRANSMIC_SHORT > BM_LOWER_UNSEG_ACCESS_MAX)
        seg = true;
    if (!seg)
        p.szmic = 0;
    if (bm_upper_encrypt(dev ? fz_dev_key : fz_app_key, &p, access, len, upper, sizeof(upper),
                         &upper_len) != BM_OK)
        return;
    struct bm_lower_hdr h = {.ctl = 0, .akf = dev ? 0 : 1, .aid = dev ? 0 : app_aid,
                             .szmic = p.szmic};
    uint8_t t[BM_NET_MAX_TRANSPORT];
    size_t tlen;
    if (!seg) {
        if (bm_lower_build(&h, upper, upper_len, t, sizeof(t), &tlen) == BM_OK)
            send_pdu(0, ttl, (*seq)++, src, dst, t, tlen);
        return;
    }
    int count = bm_lower_seg_count(0, upper_len);
    if (count <= 0)
        return;
    uint32_t seq0 = *seq;
    h.seg = 1;
    h.seq_zero = bm_lower_seq_zero(seq0);
    /* order: the first segment sent, and whether one is sent twice */
    for (int k = 0; k < count + ((order & 0x80) ? 1 : 0); k++) {
        uint8_t i = (uint8_t)((k + (order & 0x1f)) % count);
        if (bm_lower_segment(&h, upper, upper_len, i, t, sizeof(t), &tlen) == BM_OK)
            send_pdu(0, ttl, seq0 + i, src, dst, t, tlen);
        if (order & 0x40)
            fz_node_advance(&n, 30);
    }
    *seq = seq0 + (uint32_t)count;
}

static void send_control(struct fz *f, uint16_t src, uint16_t dst, uint8_t ttl, uint32_t *seq)
{
    uint8_t kind = fz_u8(f);
    uint8_t params[BM_LOWER_UNSEG_CTL_MAX];
    size_t plen = fz_chunk(f, params, sizeof(params));
    struct bm_lower_hdr h = {.ctl = 1, .opcode = kind & 0x7f};
    if ((kind & 0x80) && plen >= 4) {
        /* a Segment Acknowledgment for the node's segmented message */
        const struct bm_sar_tx *t = &n.node->sar_tx[params[0] & 1];
        struct bm_seg_ack ack = {.obo = params[1] & 1, .seq_zero = t->hdr.seq_zero};
        ack.block_ack = (uint32_t)params[2] << 8 | params[3];
        if (params[1] & 2)
            ack.block_ack = 0xffffffffu;
        h.opcode = BM_CTL_OP_SEG_ACK;
        plen = BM_SEG_ACK_LEN;
        bm_lower_ack_encode(&ack, params);
        dst = t->src ? t->src : dst;
        src = t->dst && bm_addr_is_unicast(t->dst) ? t->dst : src;
    }
    uint8_t out[BM_NET_MAX_TRANSPORT];
    size_t olen;
    if (bm_lower_build(&h, params, plen, out, sizeof(out), &olen) == BM_OK)
        send_pdu(1, ttl, (*seq)++, src, dst, out, olen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        fz_node_setup_provisioned(&n, FZ_NODE_ADDR);
        fz_node_snapshot(&n);
        FZ_CHECK(bm_net_creds_master(&creds, fz_net_key) == BM_OK);
        FZ_CHECK(bm_crypto_k4(fz_app_key, &app_aid) == BM_OK);
        ready = true;
    }
    fz_node_restore(&n);
    for (int i = 0; i < 8; i++)
        seqs[i] = 0x000100;
    struct fz f;
    fz_init(&f, data, size);
    while (fz_more(&f)) {
        uint8_t flags = fz_u8(&f);
        uint8_t who = fz_u8(&f);
        uint8_t ttl = fz_u8(&f) & 0x7f;
        uint16_t src = (uint16_t)(0x0003 + (who & 7));
        uint16_t dsts[8] = {FZ_NODE_ADDR, FZ_NODE_ADDR + 1, FZ_GROUP, n.va,
                            0xffff,       0xfffe,           0xc0ff,   0x0100};
        uint16_t dst = dsts[(flags >> 3) & 7];
        uint32_t *seq = &seqs[who & 7];
        if (who & 0x80)
            send_control(&f, src, dst, ttl, seq);
        else
            send_access(&f, flags, src, dst, ttl, seq);
        static const uint32_t steps[4] = {0, 50, 400, 3000};
        fz_node_advance(&n, steps[(flags >> 6) & 3]);
    }
    return 0;
}
