/* Negative tests of the network PDU decoder and bm_net_rx (Mesh Profile
 * 3.4.4): every truncation, oversized PDUs, every single bit flipped, wrong
 * IV index, and PDUs that authenticate but break a field rule (built here
 * from the crypto primitives, after checking the builder reproduces a
 * sample PDU). A rejected PDU must leave struct bm_net byte-identical and
 * the decoder's outputs and input untouched. */
#include <stdio.h>
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *root;

/* One valid PDU from the sample data with its credentials. */
struct sample {
    const char *name;
    struct bm_net_creds creds;
    uint8_t net_key[16];
    uint32_t iv_index;
    enum bm_net_nonce_kind kind;
    bool master; /* receivable by bm_net_rx on a node with net_key */
    uint8_t pdu[40];
    size_t len;
};

static void load_message(struct sample *s, int num, int seg)
{
    char path[80];
    snprintf(path, sizeof(path), "messages.%d", num - 1);
    const cJSON *m = bm_vec_get(root, path);
    snprintf(path, sizeof(path), "lower_transport_pdus.%d.network", seg);
    const cJSON *n = bm_vec_get(m, path);
    bm_vec_hex(m, "net_key", s->net_key, 16);
    s->master = strcmp(bm_vec_str(m, "security_credentials"), "friendship") != 0;
    if (s->master) {
        CHECK_EQ(bm_net_creds_master(&s->creds, s->net_key), BM_OK);
    } else {
        const cJSON *f = bm_vec_get(m, "friendship_credentials");
        CHECK_EQ(bm_net_creds_friend(&s->creds, s->net_key, (uint16_t)bm_vec_num(f, "lpn_address"),
                                     (uint16_t)bm_vec_num(f, "friend_address"),
                                     (uint16_t)bm_vec_num(f, "lpn_counter"),
                                     (uint16_t)bm_vec_num(f, "friend_counter")),
                 BM_OK);
    }
    s->iv_index = bm_vec_num(n, "iv_index");
    s->kind = BM_NET_NONCE_NETWORK;
    s->len = bm_vec_hex(n, "network_pdu", s->pdu, sizeof(s->pdu));
}

static void load_proxy(struct sample *s)
{
    const cJSON *p = bm_vec_get(root, "proxy_configuration_messages.0");
    s->name = "proxy configuration";
    bm_vec_hex(p, "net_key", s->net_key, 16);
    CHECK_EQ(bm_net_creds_master(&s->creds, s->net_key), BM_OK);
    s->iv_index = bm_vec_num(p, "iv_index");
    s->kind = BM_NET_NONCE_PROXY;
    s->master = false; /* the proxy nonce never reaches bm_net_rx */
    s->len = bm_vec_hex(p, "proxy_message_network_pdu", s->pdu, sizeof(s->pdu));
}

/* Samples covering CTL=0 and 1, the shortest and longest PDUs, friendship
 * credentials and the proxy nonce. */
static int load_samples(struct sample s[6])
{
    load_message(&s[0], 1, 0);
    s[0].name = "#1 control, 28 octets";
    load_message(&s[1], 6, 0);
    s[1].name = "#6 segment, 29 octets";
    load_message(&s[2], 18, 0);
    s[2].name = "#18 access, 23 octets";
    load_message(&s[3], 4, 0);
    s[3].name = "#4 friendship control, 19 octets";
    load_message(&s[4], 24, 1);
    s[4].name = "#24 segment 1, IVI 1, 21 octets";
    load_proxy(&s[5]);
    return 6;
}

/* bm_net_decode that must fail with one of the allowed codes, without
 * touching its input or outputs. Returns the code. */
static int decode_rejected(const struct sample *s, uint32_t iv_index, const uint8_t *pdu,
                           size_t len)
{
    uint8_t in[40], tp[BM_NET_MAX_TRANSPORT], tp0[BM_NET_MAX_TRANSPORT];
    struct bm_net_hdr h, h0;
    size_t tl = 0x5a5a;
    memset(&h, 0xa5, sizeof(h));
    memset(tp, 0xa5, sizeof(tp));
    memcpy(&h0, &h, sizeof(h));
    memcpy(tp0, tp, sizeof(tp));
    if (len)
        memcpy(in, pdu, len < sizeof(in) ? len : sizeof(in));
    int rc = bm_net_decode(&s->creds, iv_index, s->kind, pdu, len, &h, tp, &tl);
    CHECK(rc == BM_EMALFORMED || rc == BM_EAUTH || rc == BM_ENOKEY);
    CHECK(memcmp(&h, &h0, sizeof(h)) == 0);
    CHECK(memcmp(tp, tp0, sizeof(tp)) == 0);
    CHECK_EQ(tl, 0x5a5a);
    if (len)
        CHECK(memcmp(in, pdu, len < sizeof(in) ? len : sizeof(in)) == 0);
    return rc;
}

/* bm_net_rx on a node holding s's key, expected to fail and change
 * nothing. Returns the code. */
static int rx_rejected(struct bm_net *net, const uint8_t *pdu, size_t len)
{
    struct bm_net before;
    struct bm_net_rx rx;
    memcpy(&before, net, sizeof(before));
    int rc = bm_net_rx(net, BM_NET_NONCE_NETWORK, pdu, len, &rx);
    CHECK(rc == BM_EMALFORMED || rc == BM_EAUTH || rc == BM_ENOKEY);
    CHECK(memcmp(&before, net, sizeof(before)) == 0);
    return rc;
}

static void node_for(const struct sample *s, struct bm_net *net)
{
    bm_net_init(net, s->iv_index, false);
    CHECK_EQ(bm_net_subnet_add(net, 0x001, s->net_key), BM_OK);
}

static void test_samples_decode(void)
{
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        struct bm_net_hdr h;
        uint8_t tp[BM_NET_MAX_TRANSPORT];
        size_t tl;
        CHECK_EQ(
            bm_net_decode(&s[i].creds, s[i].iv_index, s[i].kind, s[i].pdu, s[i].len, &h, tp, &tl),
            BM_OK);
    }
}

/* 3.4.4: fewer than 14 octets cannot hold a header, one transport octet
 * and a NetMIC; longer truncations lose MIC octets and fail to verify. */
static void test_every_truncation(void)
{
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        struct bm_net net;
        node_for(&s[i], &net);
        for (size_t len = 0; len < s[i].len; len++) {
            int rc = decode_rejected(&s[i], s[i].iv_index, s[i].pdu, len);
            if (len < BM_NET_MIN_PDU_LEN)
                CHECK_EQ(rc, BM_EMALFORMED);
            else
                CHECK(rc == BM_EAUTH || rc == BM_EMALFORMED);
            if (s[i].master) {
                rc = rx_rejected(&net, s[i].pdu, len);
                CHECK(len >= BM_NET_MIN_PDU_LEN || rc == BM_EMALFORMED);
            }
        }
        CHECK_EQ(decode_rejected(&s[i], s[i].iv_index, NULL, 0), BM_EMALFORMED);
        bm_net_deinit(&net);
    }
}

/* 3.4.4: at most 29 octets. A valid PDU with octets appended (30..40). */
static void test_oversized(void)
{
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        struct bm_net net;
        uint8_t big[40];
        node_for(&s[i], &net);
        memset(big, 0x00, sizeof(big));
        memcpy(big, s[i].pdu, s[i].len);
        for (size_t len = BM_NET_MAX_PDU_LEN + 1; len <= sizeof(big); len++) {
            CHECK_EQ(decode_rejected(&s[i], s[i].iv_index, big, len), BM_EMALFORMED);
            if (s[i].master)
                CHECK_EQ(rx_rejected(&net, big, len), BM_EMALFORMED);
        }
        bm_net_deinit(&net);
    }
}

/* Each single bit flipped in each octet: never accepted. The NID bits give
 * BM_ENOKEY (decode: NID differs; rx: no subnet with that NID, since the
 * node holds one key); everything else fails authentication or a field
 * rule. The IVI bit is not covered by the NetMIC, so it must be checked. */
static void test_every_bit_flip(void)
{
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        struct bm_net net;
        node_for(&s[i], &net);
        for (size_t b = 0; b < s[i].len; b++) {
            for (int bit = 0; bit < 8; bit++) {
                uint8_t p[40];
                memcpy(p, s[i].pdu, s[i].len);
                p[b] ^= (uint8_t)(1u << bit);
                bool nid_bit = b == 0 && bit < 7;
                int rc = decode_rejected(&s[i], s[i].iv_index, p, s[i].len);
                if (nid_bit)
                    CHECK_EQ(rc, BM_ENOKEY);
                else
                    CHECK(rc == BM_EAUTH || rc == BM_EMALFORMED);
                if (s[i].master) {
                    rc = rx_rejected(&net, p, s[i].len);
                    if (nid_bit)
                        CHECK_EQ(rc, BM_ENOKEY);
                    else
                        CHECK(rc == BM_EAUTH || rc == BM_EMALFORMED);
                }
            }
        }
        bm_net_deinit(&net);
    }
}

static void test_wrong_iv_index(void)
{
    static const uint32_t deltas[] = {1, 2, 0xffffffff, 0xfffffffe, 0x80000000, 0x100};
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++)
            CHECK_EQ(decode_rejected(&s[i], s[i].iv_index + deltas[d], s[i].pdu, s[i].len),
                     BM_EAUTH);
    }
}

/* Another key with a different NID: BM_ENOKEY; with the NID forced equal
 * (same NID, wrong EncryptionKey/PrivacyKey): BM_EAUTH or BM_EMALFORMED. */
static void test_wrong_key(void)
{
    struct sample s[6];
    int n = load_samples(s);
    for (int i = 0; i < n; i++) {
        struct sample w = s[i];
        w.creds.enc_key[0] ^= 1;
        int rc = decode_rejected(&w, w.iv_index, w.pdu, w.len);
        CHECK(rc == BM_EAUTH || rc == BM_EMALFORMED);
        w = s[i];
        w.creds.privacy_key[15] ^= 0x80;
        rc = decode_rejected(&w, w.iv_index, w.pdu, w.len);
        CHECK(rc == BM_EAUTH || rc == BM_EMALFORMED);
        w = s[i];
        w.creds.nid = (uint8_t)((w.creds.nid + 1) & 0x7f);
        CHECK_EQ(decode_rejected(&w, w.iv_index, w.pdu, w.len), BM_ENOKEY);
    }
}

/* Builds a network PDU from raw fields with the crypto primitives alone,
 * with no field rule applied: transport_len may be 0, SRC anything. */
static size_t seal_raw(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                       uint8_t ctl, uint8_t ttl, uint32_t seq, uint16_t src, uint16_t dst,
                       const uint8_t *tp, size_t tl, uint8_t *out)
{
    uint8_t nonce[BM_NONCE_LEN];
    size_t mic = ctl ? 8 : 4;
    out[0] = (uint8_t)((iv_index & 1) << 7 | c->nid);
    out[1] = (uint8_t)(ctl << 7 | ttl);
    out[2] = (uint8_t)(seq >> 16);
    out[3] = (uint8_t)(seq >> 8);
    out[4] = (uint8_t)seq;
    out[5] = (uint8_t)(src >> 8);
    out[6] = (uint8_t)src;
    out[7] = (uint8_t)(dst >> 8);
    out[8] = (uint8_t)dst;
    if (tl)
        memcpy(out + 9, tp, tl);
    if (kind == BM_NET_NONCE_PROXY)
        bm_crypto_proxy_nonce(nonce, seq, src, iv_index);
    else
        bm_crypto_net_nonce(nonce, out[1], seq, src, iv_index);
    CHECK_EQ(bm_crypto_ccm_encrypt(c->enc_key, nonce, NULL, 0, out + 7, 2 + tl, out + 7,
                                   out + 9 + tl, mic),
             BM_OK);
    /* Obfuscation needs 7 octets after the header start (3.8.7.3); a
     * 13-octet PDU is left clear, its length alone makes it malformed. */
    if (9 + tl + mic >= 14)
        CHECK_EQ(bm_crypto_obfuscate(c->privacy_key, iv_index, out, 9 + tl + mic), BM_OK);
    return 9 + tl + mic;
}

static void test_seal_raw_matches_sample(void)
{
    struct sample s[6];
    load_samples(s);
    const cJSON *n = bm_vec_get(root, "messages.0.lower_transport_pdus.0.network");
    uint8_t tp[32], out[40];
    size_t tl = bm_vec_hex(n, "transport_pdu", tp, sizeof(tp));
    size_t l = seal_raw(&s[0].creds, s[0].iv_index, BM_NET_NONCE_NETWORK, 1, 0, 0x000001, 0x1201,
                        0xfffd, tp, tl, out);
    CHECK_MEM("seal_raw = Message #1", out, l, s[0].pdu, s[0].len);
}

/* PDUs that authenticate but break a rule of 3.4.4 (or 6.6 for proxy
 * configuration messages): BM_EMALFORMED from the decoder and from
 * bm_net_rx, and nothing cached. */
static void test_authenticated_but_malformed(void)
{
    static const uint16_t bad_src[] = {0x0000, 0x8000, 0xb529, 0xc000, 0xfffd, 0xffff};
    struct sample s[6];
    load_samples(s);
    struct sample *m = &s[2]; /* Message #18, master, access */
    struct sample *px = &s[5];
    uint8_t tp[16] = {0x66, 1, 2, 3, 4, 5, 6, 7}, p[40];
    size_t l;
    struct bm_net net;
    node_for(m, &net);

    for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
        l = seal_raw(&m->creds, m->iv_index, m->kind, 0, 3, 0x000100 + (uint32_t)i, bad_src[i],
                     0xffff, tp, 8, p);
        CHECK_EQ(decode_rejected(m, m->iv_index, p, l), BM_EMALFORMED);
        CHECK_EQ(rx_rejected(&net, p, l), BM_EMALFORMED);
    }
    /* DST unassigned under the network nonce (3.4.4.7). */
    l = seal_raw(&m->creds, m->iv_index, m->kind, 0, 3, 0x000200, 0x1201, 0x0000, tp, 8, p);
    CHECK_EQ(decode_rejected(m, m->iv_index, p, l), BM_EMALFORMED);
    CHECK_EQ(rx_rejected(&net, p, l), BM_EMALFORMED);
    /* No transport octet: 13 octets (CTL=0), 17 octets (CTL=1). */
    l = seal_raw(&m->creds, m->iv_index, m->kind, 0, 3, 0x000300, 0x1201, 0xffff, tp, 0, p);
    CHECK_EQ(l, 13);
    CHECK_EQ(decode_rejected(m, m->iv_index, p, l), BM_EMALFORMED);
    CHECK_EQ(rx_rejected(&net, p, l), BM_EMALFORMED);
    l = seal_raw(&m->creds, m->iv_index, m->kind, 1, 3, 0x000400, 0x1201, 0xffff, tp, 0, p);
    CHECK_EQ(l, 17);
    CHECK_EQ(decode_rejected(m, m->iv_index, p, l), BM_EMALFORMED);
    /* The smallest valid PDUs: one transport octet, 14 and 18 octets. */
    {
        struct bm_net_rx rx;
        l = seal_raw(&m->creds, m->iv_index, m->kind, 0, 3, 0x000500, 0x1201, 0xffff, tp, 1, p);
        CHECK_EQ(l, 14);
        CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p, l, &rx), BM_OK);
        CHECK_EQ(rx.transport_len, 1);
        l = seal_raw(&m->creds, m->iv_index, m->kind, 1, 3, 0x000501, 0x1201, 0xffff, tp, 1, p);
        CHECK_EQ(l, 18);
        CHECK_EQ(bm_net_rx(&net, BM_NET_NONCE_NETWORK, p, l, &rx), BM_OK);
        CHECK_EQ(rx.hdr.ctl, 1);
    }

    /* Proxy configuration messages (6.6): CTL=1 and TTL=0. The proxy nonce
     * does not cover CTL|TTL, so these authenticate and must be refused
     * by the field check. DST unassigned is what they carry. */
    {
        struct bm_net_hdr h;
        uint8_t dtp[BM_NET_MAX_TRANSPORT];
        size_t dtl;
        l = seal_raw(&px->creds, px->iv_index, px->kind, 1, 0, 0x000002, 0x0001, 0x0000, tp, 2, p);
        CHECK_EQ(bm_net_decode(&px->creds, px->iv_index, px->kind, p, l, &h, dtp, &dtl), BM_OK);
        CHECK_EQ(h.dst, 0x0000);
        l = seal_raw(&px->creds, px->iv_index, px->kind, 1, 5, 0x000003, 0x0001, 0x0000, tp, 2, p);
        CHECK_EQ(decode_rejected(px, px->iv_index, p, l), BM_EMALFORMED);
        l = seal_raw(&px->creds, px->iv_index, px->kind, 0, 0, 0x000004, 0x0001, 0x0000, tp, 2, p);
        CHECK_EQ(decode_rejected(px, px->iv_index, p, l), BM_EMALFORMED);
        l = seal_raw(&px->creds, px->iv_index, px->kind, 1, 0, 0x000005, 0x8001, 0x0000, tp, 2, p);
        CHECK_EQ(decode_rejected(px, px->iv_index, p, l), BM_EMALFORMED);
    }
    bm_net_deinit(&net);
}

/* The encoder refuses out-of-range fields (BM_EINVAL) and a short buffer
 * (BM_ENOSPC), and leaves out untouched. */
static void test_encode_rejects(void)
{
    struct sample s[6];
    load_samples(s);
    const struct bm_net_creds *c = &s[0].creds;
    const struct bm_net_hdr ok = {.ctl = 0, .ttl = 3, .seq = 1, .src = 0x1201, .dst = 0xffff};
    uint8_t tp[20] = {0}, out[40], fill[40];
    size_t len = 0x77;
    memset(fill, 0xee, sizeof(fill));

    struct {
        struct bm_net_hdr h;
        size_t tl;
        enum bm_net_nonce_kind kind;
        size_t out_size;
        int want;
    } rows[] = {
        {ok, 16, BM_NET_NONCE_NETWORK, 29, BM_OK},
        {ok, 0, BM_NET_NONCE_NETWORK, 29, BM_EINVAL},
        {ok, 17, BM_NET_NONCE_NETWORK, 40, BM_EINVAL},
        {{.ctl = 1, .ttl = 3, .seq = 1, .src = 0x1201, .dst = 0xffff}, 12, 0, 29, BM_OK},
        {{.ctl = 1, .ttl = 3, .seq = 1, .src = 0x1201, .dst = 0xffff}, 13, 0, 40, BM_EINVAL},
        {{.ctl = 2, .ttl = 3, .seq = 1, .src = 0x1201, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 128, .seq = 1, .src = 0x1201, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 127, .seq = 0xffffff, .src = 0x7fff, .dst = 1}, 4, 0, 29, BM_OK},
        {{.ctl = 0, .ttl = 3, .seq = 0x1000000, .src = 0x1201, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 3, .seq = 1, .src = 0x0000, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 3, .seq = 1, .src = 0x8000, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 3, .seq = 1, .src = 0xc105, .dst = 0xffff}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 0, .ttl = 3, .seq = 1, .src = 0x1201, .dst = 0x0000}, 4, 0, 29, BM_EINVAL},
        {{.ctl = 1, .ttl = 0, .seq = 1, .src = 0x1201, .dst = 0x0000},
         4,
         BM_NET_NONCE_PROXY,
         29,
         BM_OK},
        {{.ctl = 1, .ttl = 1, .seq = 1, .src = 0x1201, .dst = 0x0000},
         4,
         BM_NET_NONCE_PROXY,
         29,
         BM_EINVAL},
        {{.ctl = 0, .ttl = 0, .seq = 1, .src = 0x1201, .dst = 0x0000},
         4,
         BM_NET_NONCE_PROXY,
         29,
         BM_EINVAL},
        {ok, 4, (enum bm_net_nonce_kind)2, 29, BM_EINVAL},
        {ok, 4, BM_NET_NONCE_NETWORK, 16, BM_ENOSPC},
        {ok, 4, BM_NET_NONCE_NETWORK, 17, BM_OK},
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        memcpy(out, fill, sizeof(out));
        len = 0x77;
        int rc = bm_net_encode(c, 0x12345678, rows[r].kind, &rows[r].h, tp, rows[r].tl, out,
                               rows[r].out_size, &len);
        CHECK_EQ(rc, rows[r].want);
        if (rc != BM_OK) {
            CHECK(memcmp(out, fill, sizeof(out)) == 0);
            CHECK_EQ(len, 0x77);
        } else {
            /* Round trip for the accepted rows. */
            struct bm_net_hdr h;
            uint8_t dtp[BM_NET_MAX_TRANSPORT];
            size_t dtl = 0;
            CHECK_EQ(bm_net_decode(c, 0x12345678, rows[r].kind, out, len, &h, dtp, &dtl), BM_OK);
            CHECK_EQ(h.ctl, rows[r].h.ctl);
            CHECK_EQ(h.ttl, rows[r].h.ttl);
            CHECK_EQ(h.seq, rows[r].h.seq);
            CHECK_EQ(h.src, rows[r].h.src);
            CHECK_EQ(h.dst, rows[r].h.dst);
            CHECK_EQ(dtl, rows[r].tl);
        }
    }
    struct bm_net_creds bad = *c;
    bad.nid = 0x80;
    CHECK_EQ(bm_net_encode(&bad, 0, BM_NET_NONCE_NETWORK, &ok, tp, 4, out, 29, &len), BM_EINVAL);
}

/* Random octets with a NID the node holds, every length 0..31: never
 * accepted, never a state change. A deterministic generator keeps the run
 * reproducible. */
static void test_random_pdus(void)
{
    struct sample s[6];
    load_samples(s);
    struct bm_net net;
    node_for(&s[0], &net);
    uint32_t x = 0x2545f491;
    for (int it = 0; it < 3000; it++) {
        uint8_t p[32];
        for (size_t i = 0; i < sizeof(p); i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p[i] = (uint8_t)x;
        }
        p[0] = (uint8_t)((p[0] & 0x80) | s[0].creds.nid);
        rx_rejected(&net, p, (size_t)(it % 32));
    }
    bm_net_deinit(&net);
}

int main(void)
{
    root = bm_vec_load("messages.json");
    BM_RUN(test_samples_decode);
    BM_RUN(test_every_truncation);
    BM_RUN(test_oversized);
    BM_RUN(test_every_bit_flip);
    BM_RUN(test_wrong_iv_index);
    BM_RUN(test_wrong_key);
    BM_RUN(test_seal_raw_matches_sample);
    BM_RUN(test_authenticated_but_malformed);
    BM_RUN(test_encode_rejects);
    BM_RUN(test_random_pdus);
    return bm_test_done();
}
