/* bm_net_rx / bm_net_tx over struct bm_net: the 8.3 sample PDUs received on
 * a node, the IV index rule (Mesh Profile 3.10.5), subnets whose NIDs
 * collide, key refresh phases 1-3 (3.10.4) and the network message cache
 * (3.4.6.5). Expected bytes come from messages.json; where a PDU is needed
 * that the sample data lacks (another key), it is made with bm_net_encode,
 * whose output the vector tests pin down, and only its acceptance is
 * checked. */
#include <stdio.h>
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *root;

/* Network vector of Message #num (1-based), lower transport PDU seg. */
static const cJSON *netvec(int num, int seg)
{
    char path[80];
    snprintf(path, sizeof(path), "messages.%d.lower_transport_pdus.%d.network", num - 1, seg);
    return bm_vec_get(root, path);
}

static size_t vec_pdu(int num, int seg, uint8_t pdu[40])
{
    return bm_vec_hex(netvec(num, seg), "network_pdu", pdu, 40);
}

static void vec_hdr(const cJSON *n, struct bm_net_hdr *h)
{
    memset(h, 0, sizeof(*h));
    h->ctl = (uint8_t)bm_vec_int(n, "ctl");
    h->ttl = (uint8_t)bm_vec_num(n, "ttl");
    h->seq = bm_vec_num(n, "seq");
    h->src = (uint16_t)bm_vec_num(n, "src");
    h->dst = (uint16_t)bm_vec_num(n, "dst");
}

static void sample_net_key(uint8_t nk[16])
{
    bm_vec_hex(root, "keys.net_key", nk, 16);
}

/* The proxy sample's NetKey: a second real key, NID 0x10. */
static void other_net_key(uint8_t nk[16])
{
    bm_vec_hex(root, "proxy_configuration_messages.0.net_key", nk, 16);
}

static uint8_t nid_of(const uint8_t nk[16])
{
    struct bm_net_creds c;
    CHECK_EQ(bm_net_creds_master(&c, nk), BM_OK);
    return c.nid;
}

/* Derives from base a different NetKey whose master NID equals nid. NIDs
 * are 7 bits, so a few hundred tries at most. */
static void key_with_nid(const uint8_t base[16], uint8_t nid, uint8_t out[16])
{
    memcpy(out, base, 16);
    for (int i = 0; i < 4096; i++) {
        out[15] = (uint8_t)(out[15] + 1);
        out[14] = (uint8_t)(out[14] + (out[15] == 0));
        if (nid_of(out) == nid)
            return;
    }
    CHECK(!"no key found");
}

/* As key_with_nid, for a NID equal to neither a nor b. */
static void key_without_nids(const uint8_t base[16], uint8_t a, uint8_t b, uint8_t out[16])
{
    memcpy(out, base, 16);
    do {
        out[15] = (uint8_t)(out[15] + 1);
    } while (nid_of(out) == a || nid_of(out) == b);
}

/* A PDU on key nk with message num's header but sequence number seq and
 * the first tl_max octets of its transport PDU (all of it if 0). */
static size_t make_pdu_tl(const uint8_t nk[16], int num, uint32_t seq, uint32_t iv_index,
                          size_t tl_max, uint8_t out[29])
{
    struct bm_net_creds c;
    struct bm_net_hdr h;
    uint8_t tp[32];
    size_t tl, len = 0;
    const cJSON *n = netvec(num, 0);
    vec_hdr(n, &h);
    h.seq = seq;
    tl = bm_vec_hex(n, "transport_pdu", tp, sizeof(tp));
    if (tl_max && tl > tl_max)
        tl = tl_max;
    CHECK_EQ(bm_net_creds_master(&c, nk), BM_OK);
    CHECK_EQ(bm_net_encode(&c, iv_index, BM_NET_NONCE_NETWORK, &h, tp, tl, out, 29, &len), BM_OK);
    return len;
}

static size_t make_pdu(const uint8_t nk[16], int num, uint32_t seq, uint32_t iv_index,
                       uint8_t out[29])
{
    return make_pdu_tl(nk, num, seq, iv_index, 0, out);
}

/* bm_net_rx that must fail with want and leave *net byte-identical. */
static void rx_rejected(struct bm_net *net, const uint8_t *pdu, size_t len, int want)
{
    static const struct bm_net_rx poison = {.net_idx = 0xabc, .transport_len = 99};
    struct bm_net before;
    struct bm_net_rx rx = poison;
    memcpy(&before, net, sizeof(before));
    CHECK_EQ(bm_net_rx(net, BM_NET_NONCE_NETWORK, pdu, len, &rx), want);
    CHECK(memcmp(&before, net, sizeof(before)) == 0);
    CHECK(memcmp(&rx, &poison, sizeof(rx)) == 0);
}

static int rx_ok(struct bm_net *net, const uint8_t *pdu, size_t len, struct bm_net_rx *rx)
{
    int rc = bm_net_rx(net, BM_NET_NONCE_NETWORK, pdu, len, rx);
    CHECK_EQ(rc, BM_OK);
    return rc;
}

/* Every sample PDU under master credentials is received on a node holding
 * the sample NetKey at IV index 0x12345678, with every field as printed.
 * Messages #20-#24 were sent with IV index 0x12345677 (IVI = 1): the rule
 * of 3.10.5 maps IVI 1 to iv_index - 1. Message #17 is Message #16 relayed
 * (same SRC and SEQ, TTL one less): the cache drops it. Friendship PDUs
 * (NID 0x5e) match no key on this node. */
static void test_rx_s8_3_sample_pdus(void)
{
    struct bm_net net;
    uint8_t nk[16];
    uint16_t seen_src[40];
    uint32_t seen_seq[40];
    int n_seen = 0, n_ok = 0, n_dup = 0, n_nokey = 0;

    sample_net_key(nk);
    bm_net_init(&net, 0x12345678, false);
    CHECK_EQ(bm_net_subnet_add(&net, 0x000, nk), BM_OK);

    const cJSON *m;
    cJSON_ArrayForEach(m, bm_vec_get(root, "messages"))
    {
        const cJSON *lt;
        bool friendship = strcmp(bm_vec_str(m, "security_credentials"), "friendship") == 0;
        cJSON_ArrayForEach(lt, bm_vec_get(m, "lower_transport_pdus"))
        {
            const cJSON *n = bm_vec_get(lt, "network");
            uint8_t pdu[40], tp[32];
            size_t len = bm_vec_hex(n, "network_pdu", pdu, sizeof(pdu));
            size_t tl = bm_vec_hex(n, "transport_pdu", tp, sizeof(tp));
            struct bm_net_hdr h;
            vec_hdr(n, &h);
            if (friendship) {
                rx_rejected(&net, pdu, len, BM_ENOKEY);
                n_nokey++;
                continue;
            }
            bool dup = false;
            for (int i = 0; i < n_seen; i++)
                dup = dup || (seen_src[i] == h.src && seen_seq[i] == h.seq);
            if (dup) {
                rx_rejected(&net, pdu, len, BM_EDUP);
                n_dup++;
                continue;
            }
            struct bm_net_rx rx;
            if (rx_ok(&net, pdu, len, &rx) != BM_OK)
                continue;
            seen_src[n_seen] = h.src;
            seen_seq[n_seen++] = h.seq;
            n_ok++;
            CHECK_EQ(rx.iv_index, bm_vec_num(n, "iv_index"));
            CHECK_EQ(rx.hdr.ivi, bm_vec_num(n, "iv_index") & 1);
            CHECK_EQ(rx.hdr.nid, bm_vec_num(n, "nid"));
            CHECK_EQ(rx.hdr.ctl, h.ctl);
            CHECK_EQ(rx.hdr.ttl, h.ttl);
            CHECK_EQ(rx.hdr.seq, h.seq);
            CHECK_EQ(rx.hdr.src, h.src);
            CHECK_EQ(rx.hdr.dst, h.dst);
            CHECK_EQ(rx.net_idx, 0x000);
            CHECK_EQ(rx.key_set, 0);
            CHECK_MEM("rx transport", rx.transport, rx.transport_len, tp, tl);
        }
    }
    CHECK_EQ(n_ok, 17);   /* 16 master messages, #6 and #24 in two segments, less #17 */
    CHECK_EQ(n_dup, 1);   /* Message #17 */
    CHECK_EQ(n_nokey, 8); /* Messages #4, #5, #10-#15 */
    bm_net_deinit(&net);
}

/* Mesh Profile 3.10.5, as a table: (our IV index, IV Update flag, IVI) ->
 * the receive IV index, and the transmit IV index. */
static void test_iv_index_rule_3_10_5(void)
{
    struct bm_net net;
    bm_net_init(&net, 0x12345678, false);
    CHECK_EQ(bm_net_rx_iv_index(&net, 0), 0x12345678);
    CHECK_EQ(bm_net_rx_iv_index(&net, 1), 0x12345677);
    CHECK_EQ(bm_net_tx_iv_index(&net), 0x12345678);
    bm_net_init(&net, 0x12345679, false);
    CHECK_EQ(bm_net_rx_iv_index(&net, 1), 0x12345679);
    CHECK_EQ(bm_net_rx_iv_index(&net, 0), 0x12345678);
    CHECK_EQ(bm_net_tx_iv_index(&net), 0x12345679);
    bm_net_init(&net, 0x12345679, true);
    CHECK_EQ(bm_net_rx_iv_index(&net, 1), 0x12345679);
    CHECK_EQ(bm_net_rx_iv_index(&net, 0), 0x12345678);
    CHECK_EQ(bm_net_tx_iv_index(&net), 0x12345678);
}

/* The rule applied to sample PDUs: Message #1 (IV index 0x12345678, IVI 0)
 * and Message #24 (0x12345677, IVI 1) on nodes at several IV indices. */
static void test_rx_ivi_selects_current_or_previous(void)
{
    struct bm_net net;
    struct bm_net_rx rx;
    uint8_t nk[16], p1[40], p24[40];
    size_t l1 = vec_pdu(1, 0, p1), l24 = vec_pdu(24, 0, p24);
    sample_net_key(nk);

    /* 0x12345678: IVI 0 is current, IVI 1 is previous (0x12345677). */
    bm_net_init(&net, 0x12345678, false);
    bm_net_subnet_add(&net, 0, nk);
    if (rx_ok(&net, p1, l1, &rx) == BM_OK)
        CHECK_EQ(rx.iv_index, 0x12345678);
    if (rx_ok(&net, p24, l24, &rx) == BM_OK)
        CHECK_EQ(rx.iv_index, 0x12345677);

    /* 0x12345679 (IV updated): #1 is from the previous index; #24 (IVI 1)
     * would be 0x12345679, two behind: it does not authenticate. */
    bm_net_deinit(&net);
    bm_net_init(&net, 0x12345679, false);
    bm_net_subnet_add(&net, 0, nk);
    if (rx_ok(&net, p1, l1, &rx) == BM_OK)
        CHECK_EQ(rx.iv_index, 0x12345678);
    rx_rejected(&net, p24, l24, BM_EAUTH);

    /* 0x12345677: #24 is current; #1 (IVI 0) would be 0x12345676. */
    bm_net_deinit(&net);
    bm_net_init(&net, 0x12345677, false);
    bm_net_subnet_add(&net, 0, nk);
    if (rx_ok(&net, p24, l24, &rx) == BM_OK)
        CHECK_EQ(rx.iv_index, 0x12345677);
    rx_rejected(&net, p1, l1, BM_EAUTH);

    /* During IV Update in Progress (0x12345678, update) both still arrive. */
    bm_net_deinit(&net);
    bm_net_init(&net, 0x12345678, true);
    bm_net_subnet_add(&net, 0, nk);
    CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p1, l1, &rx), BM_OK);
    CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p24, l24, &rx), BM_OK);

    /* IV index 0 has no previous index: an IVI 1 PDU is never accepted,
     * even one really sent with 0xffffffff. */
    uint8_t p[29];
    size_t l = make_pdu(nk, 1, 0x000100, 0xffffffff, p);
    bm_net_deinit(&net);
    bm_net_init(&net, 0, false);
    bm_net_subnet_add(&net, 0, nk);
    rx_rejected(&net, p, l, BM_EAUTH);
    bm_net_deinit(&net);
}

/* Transmit uses iv_index, or iv_index - 1 during IV Update in Progress:
 * Message #1's fields give Message #1's PDU on a node at 0x12345678, and
 * Message #20's fields give Message #20's PDU (sent with 0x12345677) on a
 * node at 0x12345678 in IV Update in Progress. */
static void test_tx_s8_3_iv_index(void)
{
    static const struct {
        int num;
        uint32_t iv_index;
        bool iv_update;
    } rows[] = {{1, 0x12345678, false},
                {6, 0x12345678, false},
                {20, 0x12345678, true},
                {24, 0x12345678, true},
                {3, 0x12345679, true}};
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        struct bm_net net;
        struct bm_net_hdr h;
        uint8_t nk[16], tp[32], want[40], out[29];
        size_t tl, wl, len = 0;
        const cJSON *n = netvec(rows[r].num, 0);
        sample_net_key(nk);
        bm_net_init(&net, rows[r].iv_index, rows[r].iv_update);
        CHECK_EQ(bm_net_subnet_add(&net, 0x123, nk), BM_OK);
        vec_hdr(n, &h);
        tl = bm_vec_hex(n, "transport_pdu", tp, sizeof(tp));
        wl = bm_vec_hex(n, "network_pdu", want, sizeof(want));
        CHECK_EQ(bm_net_tx(&net, 0x123, &h, tp, tl, out, sizeof(out), &len), BM_OK);
        CHECK_MEM("tx pdu", out, len, want, wl);
        CHECK_EQ(bm_net_tx(&net, 0x124, &h, tp, tl, out, sizeof(out), &len), BM_ENOENT);
        bm_net_deinit(&net);
    }
}

/* Two subnets share NID 0x68 (the sample key and a key found to collide);
 * a third has another NID. Every matching key is tried, in either table
 * order; a colliding key we do not hold gives BM_EAUTH, an unknown NID
 * BM_ENOKEY. */
static void test_rx_colliding_nids(void)
{
    uint8_t ka[16], kb[16], kc[16], kx[16], ky[16];
    sample_net_key(ka);
    key_with_nid(ka, nid_of(ka), kb);
    key_with_nid(kb, nid_of(ka), kx); /* collides too, never added */
    other_net_key(kc);
    CHECK_EQ(nid_of(kb), nid_of(ka));
    CHECK(memcmp(ka, kb, 16) != 0 && memcmp(kb, kx, 16) != 0 && memcmp(ka, kx, 16) != 0);
    CHECK(nid_of(kc) != nid_of(ka));

    for (int order = 0; order < 2; order++) {
        struct bm_net net;
        struct bm_net_rx rx;
        uint8_t p[40];
        size_t l;
        bm_net_init(&net, 0x12345678, false);
        if (order == 0) {
            CHECK_EQ(bm_net_subnet_add(&net, 0x001, kb), BM_OK);
            CHECK_EQ(bm_net_subnet_add(&net, 0x002, ka), BM_OK);
        } else {
            CHECK_EQ(bm_net_subnet_add(&net, 0x002, ka), BM_OK);
            CHECK_EQ(bm_net_subnet_add(&net, 0x001, kb), BM_OK);
        }
        CHECK_EQ(bm_net_subnet_add(&net, 0x003, kc), BM_OK);

        l = vec_pdu(1, 0, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK)
            CHECK_EQ(rx.net_idx, 0x002);
        l = make_pdu(kb, 2, 0x000200, 0x12345678, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK) {
            CHECK_EQ(rx.net_idx, 0x001);
            CHECK_EQ(rx.hdr.seq, 0x000200);
        }
        l = make_pdu(kc, 3, 0x000300, 0x12345678, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK)
            CHECK_EQ(rx.net_idx, 0x003);

        l = make_pdu(kx, 1, 0x000400, 0x12345678, p);
        rx_rejected(&net, p, l, BM_EAUTH);
        /* Short access PDUs (14..17 octets, Message #18's header): a wrong
         * key deobfuscates CTL into 1 about half the time, which leaves no
         * room for the 8-octet NetMIC; that must still read as BM_EAUTH,
         * not BM_EMALFORMED, as nothing authenticated. */
        for (size_t tl = 1; tl <= 4; tl++) {
            for (uint32_t q = 0; q < 16; q++) {
                l = make_pdu_tl(kx, 18, 0x000410 + (uint32_t)(tl << 4) + q, 0x12345678, tl, p);
                CHECK_EQ(l, 13 + tl);
                rx_rejected(&net, p, l, BM_EAUTH);
            }
        }
        key_without_nids(kc, nid_of(ka), nid_of(kc), ky);
        l = make_pdu(ky, 1, 0x000500, 0x12345678, p);
        rx_rejected(&net, p, l, BM_ENOKEY);
        bm_net_deinit(&net);
    }
}

/* Key refresh (3.10.4): old key = sample NetKey, new key with another NID
 * (variant 0) or the same NID (variant 1, both key sets must be tried).
 * Phase 1 and 2 receive with both; phase 1 transmits old, phase 2 new;
 * phase 3 revokes and wipes the old key. */
static void test_rx_key_refresh_phases(void)
{
    for (int variant = 0; variant < 2; variant++) {
        struct bm_net net;
        struct bm_net_rx rx;
        struct bm_net_creds cnew;
        uint8_t kold[16], knew[16], p[40], out[29], zero[sizeof(struct bm_net_keyset)] = {0};
        size_t l, ol = 0;
        uint32_t seq = 0x001000;
        sample_net_key(kold);
        if (variant == 0)
            other_net_key(knew);
        else
            key_with_nid(kold, nid_of(kold), knew);
        CHECK_EQ(bm_net_creds_master(&cnew, knew), BM_OK);
        int old_gone = variant == 0 ? BM_ENOKEY : BM_EAUTH;

        bm_net_init(&net, 0x12345678, false);
        CHECK_EQ(bm_net_subnet_add(&net, 0x456, kold), BM_OK);
        struct bm_subnet *s = bm_net_subnet_find(&net, 0x456);
        CHECK(s != NULL);
        if (!s)
            return;

        /* Normal: new key unknown. */
        l = make_pdu(knew, 1, seq++, 0x12345678, p);
        rx_rejected(&net, p, l, old_gone);

        /* Phase 1: rx old and new, tx old (Message #1 exactly). */
        CHECK_EQ(bm_net_subnet_update(&net, 0x456, knew), BM_OK);
        CHECK_EQ(s->kr_phase, BM_KR_PHASE1);
        l = vec_pdu(1, 0, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK)
            CHECK_EQ(rx.key_set, 0);
        l = make_pdu(knew, 2, seq++, 0x12345678, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK) {
            CHECK_EQ(rx.key_set, 1);
            CHECK_EQ(rx.net_idx, 0x456);
        }
        {
            struct bm_net_hdr h;
            uint8_t tp[32], want[40];
            const cJSON *n = netvec(1, 0);
            vec_hdr(n, &h);
            size_t tl = bm_vec_hex(n, "transport_pdu", tp, sizeof(tp));
            size_t wl = bm_vec_hex(n, "network_pdu", want, sizeof(want));
            CHECK_EQ(bm_net_tx(&net, 0x456, &h, tp, tl, out, sizeof(out), &ol), BM_OK);
            CHECK_MEM("phase 1 tx = old key", out, ol, want, wl);

            /* Phase 2: rx both, tx new. */
            CHECK_EQ(bm_net_subnet_set_phase(&net, 0x456, BM_KR_PHASE2), BM_OK);
            CHECK_EQ(s->kr_phase, BM_KR_PHASE2);
            l = vec_pdu(2, 0, p);
            if (rx_ok(&net, p, l, &rx) == BM_OK)
                CHECK_EQ(rx.key_set, 0);
            l = make_pdu(knew, 3, seq++, 0x12345678, p);
            if (rx_ok(&net, p, l, &rx) == BM_OK)
                CHECK_EQ(rx.key_set, 1);
            CHECK_EQ(bm_net_tx(&net, 0x456, &h, tp, tl, out, sizeof(out), &ol), BM_OK);
            CHECK(memcmp(out, want, wl) != 0);
            struct bm_net_hdr dh;
            uint8_t dtp[BM_NET_MAX_TRANSPORT];
            size_t dtl = 0;
            CHECK_EQ(
                bm_net_decode(&cnew, 0x12345678, BM_NET_NONCE_NETWORK, out, ol, &dh, dtp, &dtl),
                BM_OK);
            CHECK_MEM("phase 2 tx = new key", dtp, dtl, tp, tl);
        }

        /* Phase 3: old key revoked and wiped, the new one is keys[0]. */
        CHECK_EQ(bm_net_subnet_set_phase(&net, 0x456, BM_KR_PHASE3), BM_OK);
        CHECK_EQ(s->kr_phase, BM_KR_NORMAL);
        CHECK(memcmp(&s->keys[1], zero, sizeof(zero)) == 0);
        CHECK_MEM("new key kept", s->keys[0].net_key, 16, knew, 16);
        l = vec_pdu(3, 0, p);
        rx_rejected(&net, p, l, old_gone);
        l = make_pdu(knew, 7, seq++, 0x12345678, p);
        if (rx_ok(&net, p, l, &rx) == BM_OK)
            CHECK_EQ(rx.key_set, 0);
        bm_net_deinit(&net);
    }
}

/* 3.4.6.5: an accepted PDU is cached by (SRC, SEQ); the same PDU again is
 * BM_EDUP and changes nothing; after BM_CFG_NET_CACHE_SIZE newer PDUs it
 * has been evicted and is accepted again. */
static void test_rx_cache_duplicate_and_eviction(void)
{
    struct bm_net net;
    struct bm_net_rx rx;
    uint8_t nk[16], p1[40], p[29];
    size_t l1 = vec_pdu(1, 0, p1), l = 0;
    sample_net_key(nk);
    bm_net_init(&net, 0x12345678, false);
    bm_net_subnet_add(&net, 0, nk);

    CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p1, l1, &rx), BM_OK);
    rx_rejected(&net, p1, l1, BM_EDUP);
    for (uint32_t i = 0; i < BM_CFG_NET_CACHE_SIZE - 1; i++) {
        l = make_pdu(nk, 2, 0x020000 + i, 0x12345678, p);
        CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p, l, &rx), BM_OK);
    }
    rx_rejected(&net, p1, l1, BM_EDUP); /* still the oldest entry */
    l = make_pdu(nk, 2, 0x030000, 0x12345678, p);
    CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p, l, &rx), BM_OK);
    CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p1, l1, &rx), BM_OK); /* evicted, so new again */
    rx_rejected(&net, p1, l1, BM_EDUP);
    rx_rejected(&net, p, l, BM_EDUP);
    bm_net_deinit(&net);
}

/* The cache on its own: a bounded ring that forgets the oldest entry. */
static void test_cache_ring(void)
{
    struct bm_net_cache c;
    memset(&c, 0, sizeof(c));
    CHECK(!bm_net_cache_has(&c, 0, 0));
    for (uint32_t i = 0; i < BM_CFG_NET_CACHE_SIZE; i++)
        bm_net_cache_add(&c, (uint16_t)(0x100 + i), 0x10 * i);
    CHECK_EQ(c.count, BM_CFG_NET_CACHE_SIZE);
    int present = 0;
    for (uint32_t i = 0; i < BM_CFG_NET_CACHE_SIZE; i++)
        present += bm_net_cache_has(&c, (uint16_t)(0x100 + i), 0x10 * i);
    CHECK_EQ(present, BM_CFG_NET_CACHE_SIZE);
    CHECK(!bm_net_cache_has(&c, 0x100, 0x11));
    CHECK(!bm_net_cache_has(&c, 0x101, 0x00));
    for (uint32_t k = 0; k < 3; k++) {
        bm_net_cache_add(&c, 0x7000, k);
        CHECK_EQ(c.count, BM_CFG_NET_CACHE_SIZE);
        CHECK(!bm_net_cache_has(&c, (uint16_t)(0x100 + k), 0x10 * k));
        if (k + 1 < BM_CFG_NET_CACHE_SIZE)
            CHECK(bm_net_cache_has(&c, (uint16_t)(0x100 + k + 1), 0x10 * (k + 1)));
        CHECK(bm_net_cache_has(&c, 0x7000, k));
    }
}

/* Every fill level, so a lookup that scans the tags several at a time
 * meets each entry in every position of a step and in the tail: each
 * entry added is found, nothing else is. */
static void test_cache_every_fill(void)
{
    for (uint32_t fill = 1; fill <= 9; fill++) {
        struct bm_net_cache c;
        memset(&c, 0, sizeof(c));
        for (uint32_t i = 0; i < fill; i++)
            bm_net_cache_add(&c, (uint16_t)(0x200 + i), 7 * i);
        for (uint32_t i = 0; i < fill; i++) {
            CHECK(bm_net_cache_has(&c, (uint16_t)(0x200 + i), 7 * i));
            CHECK(!bm_net_cache_has(&c, (uint16_t)(0x200 + i), 7 * i + 1));
        }
        CHECK(!bm_net_cache_has(&c, (uint16_t)(0x200 + fill), 7 * fill));
    }
}

int main(void)
{
    root = bm_vec_load("messages.json");
    BM_RUN(test_rx_s8_3_sample_pdus);
    BM_RUN(test_iv_index_rule_3_10_5);
    BM_RUN(test_rx_ivi_selects_current_or_previous);
    BM_RUN(test_tx_s8_3_iv_index);
    BM_RUN(test_rx_colliding_nids);
    BM_RUN(test_rx_key_refresh_phases);
    BM_RUN(test_rx_cache_duplicate_and_eviction);
    BM_RUN(test_cache_ring);
    BM_RUN(test_cache_every_fill);
    return bm_test_done();
}
