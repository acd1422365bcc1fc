/* Upper transport (Mesh Profile 3.6, 3.8.7.1) against the sample access
 * Messages #6, #16, #18-#24 of ../shared/vectors/messages.json: encryption
 * to the printed upper transport PDU (nonce, EncAccessPayload, TransMIC),
 * decryption back, and the key search of bm_upper_decrypt_any() over a
 * keyring with decoys. Then what must fail: flipped bits, short PDUs,
 * wrong parameters, no candidate key. */
#include <string.h>

#include "blemesh/errors.h"
#include "test.h"
#include "transport/upper.h"
#include "vectors.h"

static cJSON *mv;

/* One access message's inputs and expected values, from the vectors. */
struct sample {
    int number;
    uint8_t key[16];
    uint8_t label[16];
    bool has_label;
    uint8_t akf, aid;
    struct bm_upper_params p;
    uint8_t access[64];
    size_t access_len;
    uint8_t upper[64];
    size_t upper_len;
};

static void load(const cJSON *m, struct sample *s)
{
    memset(s, 0, sizeof(*s));
    const cJSON *u = bm_vec_get(m, "upper_transport");
    s->number = bm_vec_int(m, "message_number");
    bm_vec_hex(u, "access_key", s->key, 16);
    s->akf = (uint8_t)bm_vec_int(u, "akf");
    s->aid = (uint8_t)bm_vec_num(u, "aid");
    s->p.dev_key = s->akf == 0;
    s->p.szmic = (uint8_t)bm_vec_int(u, "szmic");
    s->p.seq = bm_vec_num(m, "seq");
    s->p.src = (uint16_t)bm_vec_num(m, "src");
    s->p.dst = (uint16_t)bm_vec_num(m, "dst");
    s->p.iv_index = bm_vec_num(m, "iv_index");
    if (bm_vec_find(m, "label_uuid")) {
        bm_vec_hex(m, "label_uuid", s->label, 16);
        s->has_label = true;
        s->p.label = s->label;
    }
    s->access_len = bm_vec_hex(m, "access_message.access_payload", s->access, sizeof(s->access));
    s->upper_len = bm_vec_hex(u, "upper_transport_pdu", s->upper, sizeof(s->upper));
}

static int for_each_access(void (*fn)(const cJSON *m, struct sample *s))
{
    const cJSON *m;
    int n = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (!bm_vec_find(m, "upper_transport"))
            continue;
        struct sample s;
        load(m, &s);
        fn(m, &s);
        n++;
    }
    return n;
}

static void check_encrypt(const cJSON *m, struct sample *s)
{
    const cJSON *u = bm_vec_get(m, "upper_transport");
    uint8_t nonce[BM_NONCE_LEN], want_nonce[BM_NONCE_LEN], want[64], out[64], ad[16];
    /* The nonce the sample prints is the one these parameters give. */
    bm_vec_hex(u, "nonce", want_nonce, sizeof(want_nonce));
    bm_crypto_access_nonce(nonce, s->akf ? BM_NONCE_APP : BM_NONCE_DEVICE, s->p.szmic, s->p.seq,
                           s->p.src, s->p.dst, s->p.iv_index);
    CHECK_MEM("nonce", nonce, sizeof(nonce), want_nonce, sizeof(want_nonce));
    size_t adn = bm_vec_hex(u, "additional_data", ad, sizeof(ad));
    CHECK_MEM("additional data", s->has_label ? s->label : ad, s->has_label ? 16u : 0u, ad, adn);
    if (s->has_label) {
        uint16_t va = 0;
        CHECK_EQ(bm_crypto_virtual_addr(s->label, &va), BM_OK);
        CHECK_EQ(va, bm_vec_num(m, "virtual_address"));
        CHECK_EQ(va, s->p.dst);
    }

    size_t out_len = 0;
    CHECK_EQ(bm_upper_encrypt(s->key, &s->p, s->access, s->access_len, out, sizeof(out), &out_len),
             BM_OK);
    CHECK_MEM("upper transport PDU", out, out_len, s->upper, s->upper_len);
    size_t wn = bm_vec_hex(u, "enc_access_payload", want, sizeof(want));
    CHECK_MEM("EncAccessPayload", out, s->access_len, want, wn);
    wn = bm_vec_hex(u, "trans_mic", want, sizeof(want));
    CHECK_EQ(wn * 8, (size_t)bm_vec_int(u, "trans_mic_size_bits"));
    CHECK_MEM("TransMIC", out + s->access_len, out_len - s->access_len, want, wn);
}

static void test_3_8_7_1_encrypt_every_access_message(void)
{
    CHECK_EQ(for_each_access(check_encrypt), 9);
}

static void check_decrypt(const cJSON *m, struct sample *s)
{
    (void)m;
    uint8_t out[64];
    size_t out_len = 0;
    CHECK_EQ(bm_upper_decrypt(s->key, &s->p, s->upper, s->upper_len, out, sizeof(out), &out_len),
             BM_OK);
    CHECK_MEM("access payload", out, out_len, s->access, s->access_len);
    /* The exact-size output buffer is enough; one less is not. */
    CHECK_EQ(bm_upper_decrypt(s->key, &s->p, s->upper, s->upper_len, out, s->access_len, &out_len),
             BM_OK);
    CHECK_EQ(
        bm_upper_decrypt(s->key, &s->p, s->upper, s->upper_len, out, s->access_len - 1, &out_len),
        BM_ENOSPC);
}

static void test_3_8_7_1_decrypt_every_access_message(void)
{
    CHECK_EQ(for_each_access(check_decrypt), 9);
}

/* The keyring: decoys first so the right key is never the first tried. */
struct ring_store {
    struct bm_upper_appkey app[3];
    struct bm_upper_devkey dev[3];
    uint8_t dev_keys[3][16]; /* dev[i].key points to dev_keys[i] */
    uint8_t labels[3][16];
    struct bm_upper_keyring ring;
};

static void make_ring(struct ring_store *r)
{
    memset(r, 0, sizeof(*r));
    uint8_t aid = (uint8_t)bm_vec_num(mv, "keys.app_key_aid");
    /* A different key announcing the same AID (AIDs are 6 bits: they collide). */
    memset(r->app[0].key, 0x5a, 16);
    r->app[0].aid = aid;
    r->app[0].app_idx = 0x001;
    memset(r->app[1].key, 0x33, 16);
    r->app[1].aid = (uint8_t)(aid ^ 1);
    r->app[1].app_idx = 0x002;
    bm_vec_hex(mv, "keys.app_key", r->app[2].key, 16);
    r->app[2].aid = aid;
    r->app[2].app_idx = 0x123;
    /* Another device key for node 0x1201 (as after a key change) and one
     * for an unrelated node. */
    for (int i = 0; i < 3; i++)
        r->dev[i].key = r->dev_keys[i];
    memset(r->dev_keys[0], 0x77, 16);
    r->dev[0].addr = 0x1201;
    memset(r->dev_keys[1], 0x88, 16);
    r->dev[1].addr = 0x0999;
    bm_vec_hex(mv, "keys.dev_key_node_1201", r->dev_keys[2], 16);
    r->dev[2].addr = 0x1201;
    /* A decoy label, then the labels of Messages #22 and #23/#24. */
    memset(r->labels[0], 0xc3, 16);
    bm_vec_hex(mv, "messages.21.label_uuid", r->labels[1], 16);
    bm_vec_hex(mv, "messages.22.label_uuid", r->labels[2], 16);
    r->ring.app = r->app;
    r->ring.app_count = 3;
    r->ring.dev = r->dev;
    r->ring.dev_count = 3;
    r->ring.labels = (const uint8_t(*)[16])r->labels;
    r->ring.label_count = 3;
}

static void check_decrypt_any(const cJSON *m, struct sample *s)
{
    (void)m;
    struct ring_store r;
    make_ring(&r);
    struct bm_upper_params p = s->p;
    /* Both are chosen by decrypt_any: pass wrong ones. */
    p.label = s->has_label ? NULL : s->label;
    p.dev_key = s->akf != 0;
    uint8_t out[64];
    size_t out_len = 0;
    struct bm_upper_match match;
    memset(&match, 0xee, sizeof(match));
    int rc = bm_upper_decrypt_any(&r.ring, s->akf, s->aid, p, s->upper, s->upper_len, out,
                                  sizeof(out), &out_len, &match);
    CHECK_EQ(rc, BM_OK);
    if (rc != BM_OK)
        return; /* match is not filled in */
    CHECK_MEM("decrypt_any payload", out, out_len, s->access, s->access_len);
    CHECK_EQ(match.dev_key, s->akf == 0);
    if (s->akf) {
        CHECK_EQ(match.index, 0x123);
    } else {
        /* The device key is node 0x1201's, whether it sends or receives. */
        CHECK_EQ(match.index, 0x1201);
        CHECK(s->p.src == 0x1201 || s->p.dst == 0x1201);
    }
    if (s->has_label) {
        CHECK(match.label != NULL);
        CHECK(match.label && memcmp(match.label, s->label, 16) == 0);
    } else {
        CHECK(match.label == NULL);
    }
}

static void test_3_6_decrypt_any_finds_the_key_among_decoys(void)
{
    CHECK_EQ(for_each_access(check_decrypt_any), 9);
}

static void check_no_candidate(const cJSON *m, struct sample *s)
{
    (void)m;
    struct ring_store r;
    make_ring(&r);
    uint8_t out[64];
    size_t out_len = 77;
    struct bm_upper_match match;
    struct bm_upper_keyring ring = r.ring;
    /* Only the decoys that can never match. */
    ring.app = &r.app[1];
    ring.app_count = 1;
    ring.dev = &r.dev[1];
    ring.dev_count = 1;
    CHECK_EQ(bm_upper_decrypt_any(&ring, s->akf, s->aid, s->p, s->upper, s->upper_len, out,
                                  sizeof(out), &out_len, &match),
             BM_ENOKEY);
    CHECK_EQ(out_len, 0);
    /* Candidates that do not verify: BM_EAUTH, and nothing readable. */
    ring = r.ring;
    ring.app_count = 2;
    ring.dev_count = 2;
    memset(out, 0xaa, sizeof(out));
    CHECK_EQ(bm_upper_decrypt_any(&ring, s->akf, s->aid, s->p, s->upper, s->upper_len, out,
                                  sizeof(out), &out_len, &match),
             BM_EAUTH);
    uint8_t zero[64] = {0};
    CHECK_MEM("zeroed after EAUTH", out, s->access_len, zero, s->access_len);
    CHECK_EQ(out_len, 0);
    /* A virtual destination with no known label: no candidate. */
    if (s->has_label) {
        ring = r.ring;
        ring.label_count = 1;
        CHECK_EQ(bm_upper_decrypt_any(&ring, s->akf, s->aid, s->p, s->upper, s->upper_len, out,
                                      sizeof(out), &out_len, &match),
                 BM_ENOKEY);
    }
}

static void test_3_6_decrypt_any_no_key_and_no_match(void)
{
    CHECK_EQ(for_each_access(check_no_candidate), 9);
}

static void check_flipped_bits(const cJSON *m, struct sample *s)
{
    (void)m;
    uint8_t pdu[64], out[64], zero[64] = {0};
    for (size_t bit = 0; bit < s->upper_len * 8; bit++) {
        memcpy(pdu, s->upper, s->upper_len);
        pdu[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        memset(out, 0xaa, sizeof(out));
        size_t out_len = 99;
        CHECK_EQ(bm_upper_decrypt(s->key, &s->p, pdu, s->upper_len, out, sizeof(out), &out_len),
                 BM_EAUTH);
        CHECK_MEM("zeroed", out, s->access_len, zero, s->access_len);
        CHECK_EQ(out_len, 0);
    }
}

static void test_3_8_7_1_flipped_bits_fail_and_zero_output(void)
{
    CHECK_EQ(for_each_access(check_flipped_bits), 9);
}

static void check_wrong_params(const cJSON *m, struct sample *s)
{
    (void)m;
    uint8_t out[64];
    size_t out_len;
    struct bm_upper_params p = s->p;
    p.iv_index ^= 1;
    CHECK_EQ(bm_upper_decrypt(s->key, &p, s->upper, s->upper_len, out, sizeof(out), &out_len),
             BM_EAUTH);
    p = s->p;
    p.seq ^= 1;
    CHECK_EQ(bm_upper_decrypt(s->key, &p, s->upper, s->upper_len, out, sizeof(out), &out_len),
             BM_EAUTH);
    p = s->p;
    p.dev_key = !p.dev_key; /* other nonce type */
    CHECK_EQ(bm_upper_decrypt(s->key, &p, s->upper, s->upper_len, out, sizeof(out), &out_len),
             BM_EAUTH);
    p = s->p;
    p.szmic = !p.szmic; /* other nonce and other MIC length */
    CHECK_EQ(bm_upper_decrypt(s->key, &p, s->upper, s->upper_len, out, sizeof(out), &out_len),
             BM_EAUTH);
    if (s->has_label) {
        uint8_t other[16];
        memcpy(other, s->label, 16);
        other[0] ^= 1;
        p = s->p;
        p.label = other;
        CHECK_EQ(bm_upper_decrypt(s->key, &p, s->upper, s->upper_len, out, sizeof(out), &out_len),
                 BM_EAUTH);
    }
}

static void test_3_8_7_1_wrong_nonce_fields_fail(void)
{
    CHECK_EQ(for_each_access(check_wrong_params), 9);
}

static void check_too_short(const cJSON *m, struct sample *s)
{
    (void)m;
    uint8_t out[64];
    size_t out_len;
    struct ring_store r;
    struct bm_upper_match match;
    make_ring(&r);
    size_t mic = s->p.szmic ? 8 : 4;
    for (size_t n = 0; n <= mic; n++) {
        CHECK_EQ(bm_upper_decrypt(s->key, &s->p, s->upper, n, out, sizeof(out), &out_len),
                 BM_EMALFORMED);
        CHECK_EQ(bm_upper_decrypt_any(&r.ring, s->akf, s->aid, s->p, s->upper, n, out, sizeof(out),
                                      &out_len, &match),
                 BM_EMALFORMED);
    }
    /* Every other truncation is a PDU that does not verify. */
    for (size_t n = mic + 1; n < s->upper_len; n++)
        CHECK_EQ(bm_upper_decrypt(s->key, &s->p, s->upper, n, out, sizeof(out), &out_len),
                 BM_EAUTH);
}

static void test_3_6_2_too_short_upper_pdu_is_malformed(void)
{
    CHECK_EQ(for_each_access(check_too_short), 9);
}

/* Sizes (3.6.2, 3.7.3): 1..380 octets with a 32-bit TransMIC, 1..376 with
 * a 64-bit one: 384 octets in 32 segments at most. */
static void test_3_6_2_size_limits_round_trip(void)
{
    static uint8_t access[400], upper[400], back[400];
    uint8_t key[16];
    bm_vec_hex(mv, "keys.app_key", key, 16);
    for (size_t i = 0; i < sizeof(access); i++)
        access[i] = (uint8_t)(i ^ 0x5c);
    struct bm_upper_params p = {.seq = 0x123456, .src = 0x0001, .dst = 0xc000, .iv_index = 7};
    size_t ul, bl;
    for (uint8_t szmic = 0; szmic <= 1; szmic++) {
        p.szmic = szmic;
        size_t max = 384 - (szmic ? 8u : 4u);
        CHECK_EQ(bm_upper_encrypt(key, &p, access, max, upper, sizeof(upper), &ul), BM_OK);
        CHECK_EQ(ul, 384);
        CHECK_EQ(bm_upper_decrypt(key, &p, upper, ul, back, sizeof(back), &bl), BM_OK);
        CHECK_MEM("max size", back, bl, access, max);
        CHECK_EQ(bm_upper_encrypt(key, &p, access, max + 1, upper, sizeof(upper), &ul), BM_EINVAL);
        CHECK_EQ(bm_upper_encrypt(key, &p, access, 0, upper, sizeof(upper), &ul), BM_EINVAL);
        CHECK_EQ(bm_upper_encrypt(key, &p, access, 1, upper, szmic ? 8u : 4u, &ul), BM_ENOSPC);
        CHECK_EQ(bm_upper_encrypt(key, &p, access, 1, upper, sizeof(upper), &ul), BM_OK);
        CHECK_EQ(ul, 1u + (szmic ? 8u : 4u));
        CHECK_EQ(bm_upper_decrypt(key, &p, upper, 385, back, sizeof(back), &bl), BM_EMALFORMED);
    }
    /* A virtual destination needs its label, and only it takes one. */
    uint8_t label[16];
    bm_vec_hex(mv, "messages.22.label_uuid", label, 16);
    p.szmic = 0;
    p.dst = 0x9736;
    CHECK_EQ(bm_upper_encrypt(key, &p, access, 5, upper, sizeof(upper), &ul), BM_EINVAL);
    p.label = label;
    CHECK_EQ(bm_upper_encrypt(key, &p, access, 5, upper, sizeof(upper), &ul), BM_OK);
    p.dst = 0x1201;
    CHECK_EQ(bm_upper_encrypt(key, &p, access, 5, upper, sizeof(upper), &ul), BM_EINVAL);
    p.label = NULL;
    p.szmic = 2;
    CHECK_EQ(bm_upper_encrypt(key, &p, access, 5, upper, sizeof(upper), &ul), BM_EINVAL);
    p.szmic = 0;
    p.seq = 0x1000000;
    CHECK_EQ(bm_upper_encrypt(key, &p, access, 5, upper, sizeof(upper), &ul), BM_EINVAL);
}

int main(void)
{
    mv = bm_vec_load("messages.json");
    BM_RUN(test_3_8_7_1_encrypt_every_access_message);
    BM_RUN(test_3_8_7_1_decrypt_every_access_message);
    BM_RUN(test_3_6_decrypt_any_finds_the_key_among_decoys);
    BM_RUN(test_3_6_decrypt_any_no_key_and_no_match);
    BM_RUN(test_3_8_7_1_flipped_bits_fail_and_zero_output);
    BM_RUN(test_3_8_7_1_wrong_nonce_fields_fail);
    BM_RUN(test_3_6_2_too_short_upper_pdu_is_malformed);
    BM_RUN(test_3_6_2_size_limits_round_trip);
    return bm_test_done();
}
