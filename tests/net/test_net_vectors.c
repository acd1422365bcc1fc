/* Mesh Profile 8.3 sample data for the network layer (3.4.4): every network
 * PDU of messages.json (each lower transport PDU of Messages #1-#24, the
 * alternative values of #11/#13) and the proxy configuration message sample
 * are encoded from their fields to the exact printed PDU and decoded back
 * to every field. Every expected byte comes from the vectors.
 *
 * Documented inconsistencies of the sample data, handled explicitly:
 * - Message #16: the printed privacy plaintext and PECB are wrong (the
 *   plaintext's Privacy Random does not match EncDST||EncTransportPDU); the
 *   printed network PDU is right. The PECB and plaintext checks use the
 *   entry's spec_inconsistencies[].consistent_values instead.
 * - Messages #11/#13: printed two ways (AKF=0 in Mesh Protocol 1.1, AKF=1 in
 *   BlueZ). Both are internally consistent, so both are checked: the primary
 *   values, then alternative_values with its own transport PDU.
 * - Messages #22/#23: one table row prints the first transport octet as
 *   0x34; the JSON network.transport_pdu already holds 0x66, the value the
 *   network PDU is computed from. Nothing to do here beyond using it. */
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *root, *msgs;

/* The fields of one network PDU vector. */
struct netvec {
    const char *name;
    struct bm_net_creds creds;
    uint32_t iv_index;
    struct bm_net_hdr hdr;
    uint8_t transport[32];
    size_t transport_len;
    uint8_t pdu[40];
    size_t pdu_len;
};

static void load_fields(const cJSON *n, struct netvec *v)
{
    v->iv_index = bm_vec_num(n, "iv_index");
    memset(&v->hdr, 0, sizeof(v->hdr));
    v->hdr.ctl = (uint8_t)bm_vec_int(n, "ctl");
    v->hdr.ttl = (uint8_t)bm_vec_num(n, "ttl");
    v->hdr.seq = bm_vec_num(n, "seq");
    v->hdr.src = (uint16_t)bm_vec_num(n, "src");
    v->hdr.dst = (uint16_t)bm_vec_num(n, "dst");
}

/* Master or friendship credentials of a message, checked against the
 * printed NID, EncryptionKey and PrivacyKey. */
static void load_creds(const cJSON *m, const cJSON *n, struct bm_net_creds *c)
{
    uint8_t nk[16], want[16];
    bm_vec_hex(m, "net_key", nk, 16);
    if (strcmp(bm_vec_str(m, "security_credentials"), "friendship") == 0) {
        const cJSON *f = bm_vec_get(m, "friendship_credentials");
        CHECK_EQ(bm_net_creds_friend(c, nk, (uint16_t)bm_vec_num(f, "lpn_address"),
                                     (uint16_t)bm_vec_num(f, "friend_address"),
                                     (uint16_t)bm_vec_num(f, "lpn_counter"),
                                     (uint16_t)bm_vec_num(f, "friend_counter")),
                 BM_OK);
    } else {
        CHECK_EQ(bm_net_creds_master(c, nk), BM_OK);
    }
    CHECK_EQ(c->nid, bm_vec_num(n, "nid"));
    bm_vec_hex(n, "encryption_key", want, 16);
    CHECK_MEM("encryption key", c->enc_key, 16, want, 16);
    bm_vec_hex(n, "privacy_key", want, 16);
    CHECK_MEM("privacy key", c->privacy_key, 16, want, 16);
}

/* Encodes v and compares with v->pdu; decodes v->pdu and compares every
 * field; the decoder must leave its input untouched. */
static void check_round_trip(const struct netvec *v, enum bm_net_nonce_kind kind, uint8_t *out,
                             size_t *out_len)
{
    CHECK_EQ(bm_net_encode(&v->creds, v->iv_index, kind, &v->hdr, v->transport, v->transport_len,
                           out, 29, out_len),
             BM_OK);
    CHECK_MEM(v->name, out, *out_len, v->pdu, v->pdu_len);

    uint8_t copy[40], tp[BM_NET_MAX_TRANSPORT];
    struct bm_net_hdr h;
    size_t tl = 0;
    memcpy(copy, v->pdu, v->pdu_len);
    CHECK_EQ(bm_net_decode(&v->creds, v->iv_index, kind, copy, v->pdu_len, &h, tp, &tl), BM_OK);
    CHECK_MEM("decode leaves input", copy, v->pdu_len, v->pdu, v->pdu_len);
    CHECK_EQ(h.ivi, v->iv_index & 1);
    CHECK_EQ(h.nid, v->creds.nid);
    CHECK_EQ(h.ctl, v->hdr.ctl);
    CHECK_EQ(h.ttl, v->hdr.ttl);
    CHECK_EQ(h.seq, v->hdr.seq);
    CHECK_EQ(h.src, v->hdr.src);
    CHECK_EQ(h.dst, v->hdr.dst);
    CHECK_MEM("decoded transport", tp, tl, v->transport, v->transport_len);
}

/* Intermediate values of 3.4.4 / 3.8.7, each read from the vector object
 * `iv` (or, where given, from `fix`, the consistent values). */
static void check_intermediates(const cJSON *iv, const cJSON *fix, const struct netvec *v,
                                const uint8_t *out, size_t out_len)
{
    uint8_t want[32], nonce[BM_NONCE_LEN];
    size_t mic = v->hdr.ctl ? 8 : 4, wl;

    CHECK_EQ(bm_vec_int(iv, "net_mic_size_bits"), mic * 8);
    CHECK_EQ(out[0], bm_vec_num(iv, "ivi_nid"));
    wl = bm_vec_hex(iv, "enc_dst_transport_pdu", want, sizeof(want));
    CHECK_MEM("EncDST||EncTransportPDU", out + 7, out_len - 7 - mic, want, wl);
    wl = bm_vec_hex(iv, "net_mic", want, sizeof(want));
    CHECK_MEM("NetMIC", out + out_len - mic, mic, want, wl);
    wl = bm_vec_hex(iv, "obfuscated_ctl_ttl_seq_src", want, sizeof(want));
    CHECK_MEM("obfuscated header", out + 1, 6, want, wl);

    /* PECB = obfuscated ^ clear CTL|TTL, SEQ, SRC (3.8.7.3) */
    uint8_t clear[6], pecb[6];
    wl = bm_vec_hex(iv, "ctl_ttl_seq_src", clear, sizeof(clear));
    CHECK_EQ(wl, 6);
    for (int i = 0; i < 6; i++)
        pecb[i] = (uint8_t)(out[1 + i] ^ clear[i]);
    wl = bm_vec_hex(fix ? fix : iv, "pecb", want, sizeof(want));
    CHECK_MEM("PECB", pecb, 6, want, wl);

    /* Privacy Plaintext = 0x0000000000 || IV index || Privacy Random */
    uint8_t pp[16] = {0};
    pp[5] = (uint8_t)(v->iv_index >> 24);
    pp[6] = (uint8_t)(v->iv_index >> 16);
    pp[7] = (uint8_t)(v->iv_index >> 8);
    pp[8] = (uint8_t)v->iv_index;
    memcpy(pp + 9, out + 7, 7);
    wl = bm_vec_hex(fix ? fix : iv, "privacy_plaintext", want, sizeof(want));
    CHECK_MEM("privacy plaintext", pp, 16, want, wl);

    if (bm_vec_find(iv, "network_nonce")) {
        bm_crypto_net_nonce(nonce, (uint8_t)(v->hdr.ctl << 7 | v->hdr.ttl), v->hdr.seq, v->hdr.src,
                            v->iv_index);
        wl = bm_vec_hex(iv, "network_nonce", want, sizeof(want));
        CHECK_MEM("network nonce", nonce, BM_NONCE_LEN, want, wl);
    }
}

/* The consistent_values object of a message's spec_inconsistencies entry
 * for the privacy plaintext, or NULL (Message #16 only). */
static const cJSON *consistent_values(const cJSON *m)
{
    const cJSON *e, *list = bm_vec_find(m, "spec_inconsistencies");
    if (!list)
        return NULL;
    cJSON_ArrayForEach(e, list)
    {
        const cJSON *cv = bm_vec_find(e, "consistent_values");
        if (cv && bm_vec_find(cv, "privacy_plaintext"))
            return cv;
    }
    return NULL;
}

static void test_s8_3_every_network_pdu(void)
{
    const cJSON *m;
    int n_pdus = 0, n_fixed = 0;
    cJSON_ArrayForEach(m, msgs)
    {
        const cJSON *lt;
        const cJSON *fix = consistent_values(m);
        n_fixed += fix != NULL;
        cJSON_ArrayForEach(lt, bm_vec_get(m, "lower_transport_pdus"))
        {
            const cJSON *n = bm_vec_get(lt, "network");
            struct netvec v;
            uint8_t out[29];
            size_t out_len = 0;
            v.name = "network pdu";
            load_creds(m, n, &v.creds);
            load_fields(n, &v);
            v.transport_len = bm_vec_hex(n, "transport_pdu", v.transport, sizeof(v.transport));
            v.pdu_len = bm_vec_hex(n, "network_pdu", v.pdu, sizeof(v.pdu));
            /* network.transport_pdu is the lower transport PDU. */
            uint8_t ltp[32];
            size_t ltl = bm_vec_hex(lt, "lower_transport_pdu", ltp, sizeof(ltp));
            CHECK_MEM("transport = lower transport", v.transport, v.transport_len, ltp, ltl);
            check_round_trip(&v, BM_NET_NONCE_NETWORK, out, &out_len);
            check_intermediates(n, fix, &v, out, out_len);
            n_pdus++;
        }
    }
    CHECK_EQ(n_pdus, 26); /* 24 messages, #6 and #24 have two segments */
    CHECK_EQ(n_fixed, 1); /* Message #16 */
}

/* Messages #11/#13 as BlueZ prints them (AKF=1): same header fields, the
 * alternative lower transport PDU, the alternative network PDU. */
static void test_s8_3_11_and_13_alternative_values(void)
{
    const cJSON *m;
    int seen = 0;
    cJSON_ArrayForEach(m, msgs)
    {
        const cJSON *alts = bm_vec_find(m, "alternative_values"), *a;
        if (!alts)
            continue;
        const cJSON *n = bm_vec_get(m, "lower_transport_pdus.0.network");
        cJSON_ArrayForEach(a, alts)
        {
            struct netvec v;
            uint8_t out[29], want[32];
            size_t out_len = 0, wl;
            v.name = "alternative network pdu";
            load_creds(m, n, &v.creds);
            load_fields(n, &v);
            v.transport_len =
                bm_vec_hex(a, "lower_transport_pdu", v.transport, sizeof(v.transport));
            v.pdu_len = bm_vec_hex(a, "network_pdu", v.pdu, sizeof(v.pdu));
            check_round_trip(&v, BM_NET_NONCE_NETWORK, out, &out_len);
            wl = bm_vec_hex(a, "enc_dst_transport_pdu", want, sizeof(want));
            CHECK_MEM("alt EncDST||EncTransportPDU", out + 7, out_len - 11, want, wl);
            wl = bm_vec_hex(a, "net_mic", want, sizeof(want));
            CHECK_MEM("alt NetMIC", out + out_len - 4, 4, want, wl);
            seen++;
        }
    }
    CHECK_EQ(seen, 2);
}

/* Proxy configuration message (Mesh Protocol 1.1 8.9.1): proxy nonce,
 * CTL=1, TTL=0, DST unassigned. */
static void test_s8_9_proxy_configuration_message(void)
{
    const cJSON *p;
    int seen = 0;
    cJSON_ArrayForEach(p, bm_vec_get(root, "proxy_configuration_messages"))
    {
        struct netvec v;
        uint8_t nk[16], want[32], out[29], nonce[BM_NONCE_LEN];
        size_t out_len = 0, wl;
        v.name = "proxy network pdu";
        bm_vec_hex(p, "net_key", nk, 16);
        CHECK_EQ(bm_net_creds_master(&v.creds, nk), BM_OK);
        CHECK_EQ(v.creds.nid, bm_vec_num(p, "nid"));
        bm_vec_hex(p, "encryption_key", want, 16);
        CHECK_MEM("proxy encryption key", v.creds.enc_key, 16, want, 16);
        bm_vec_hex(p, "privacy_key", want, 16);
        CHECK_MEM("proxy privacy key", v.creds.privacy_key, 16, want, 16);
        load_fields(p, &v);
        v.transport_len =
            bm_vec_hex(p, "proxy_configuration_pdu", v.transport, sizeof(v.transport));
        v.pdu_len = bm_vec_hex(p, "proxy_message_network_pdu", v.pdu, sizeof(v.pdu));
        check_round_trip(&v, BM_NET_NONCE_PROXY, out, &out_len);

        bm_crypto_proxy_nonce(nonce, v.hdr.seq, v.hdr.src, v.iv_index);
        wl = bm_vec_hex(p, "proxy_nonce", want, sizeof(want));
        CHECK_MEM("proxy nonce", nonce, BM_NONCE_LEN, want, wl);
        CHECK_EQ(out[0], bm_vec_num(p, "ivi_nid"));
        CHECK_EQ(bm_vec_int(p, "net_mic_size_bits"), 64);
        wl = bm_vec_hex(p, "enc_dst_transport_pdu", want, sizeof(want));
        CHECK_MEM("proxy EncDST||EncTransportPDU", out + 7, out_len - 15, want, wl);
        wl = bm_vec_hex(p, "net_mic", want, sizeof(want));
        CHECK_MEM("proxy NetMIC", out + out_len - 8, 8, want, wl);
        wl = bm_vec_hex(p, "obfuscated_ctl_ttl_seq_src", want, sizeof(want));
        CHECK_MEM("proxy obfuscated header", out + 1, 6, want, wl);
        /* The spec prints the full 16-octet PECB; the first 6 are used. */
        uint8_t clear[6], pecb[16];
        bm_vec_hex(p, "ctl_ttl_seq_src", clear, 6);
        bm_vec_hex(p, "pecb_full", pecb, 16);
        for (int i = 0; i < 6; i++)
            CHECK_EQ(out[1 + i] ^ clear[i], pecb[i]);
        /* The Proxy PDU is 0x02 (SAR complete, proxy configuration) || PDU. */
        wl = bm_vec_hex(p, "proxy_pdu", want, sizeof(want));
        CHECK_MEM("proxy pdu tail", want + 1, wl - 1, out, out_len);

        /* The same fields under the network nonce are refused: DST is
         * unassigned (3.4.4.7). */
        CHECK_EQ(bm_net_encode(&v.creds, v.iv_index, BM_NET_NONCE_NETWORK, &v.hdr, v.transport,
                               v.transport_len, out, sizeof(out), &out_len),
                 BM_EINVAL);
        seen++;
    }
    CHECK_EQ(seen, 1);
}

int main(void)
{
    root = bm_vec_load("messages.json");
    msgs = bm_vec_get(root, "messages");
    BM_RUN(test_s8_3_every_network_pdu);
    BM_RUN(test_s8_3_11_and_13_alternative_values);
    BM_RUN(test_s8_9_proxy_configuration_message);
    return bm_test_done();
}
