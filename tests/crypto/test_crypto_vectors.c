/* Mesh Profile 8.1/8.2 sample data for every function of crypto.h, from
 * ../shared/vectors/crypto-functions.json: each table row is one check. */
#include <string.h>

#include "blemesh/errors.h"
#include "crypto/crypto.h"
#include "test.h"
#include "vectors.h"

static cJSON *cf;

static void test_s1_8_1_1_and_salts(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "s1"))
    {
        uint8_t in[256], want[16], got[16];
        size_t n = bm_vec_hex(e, "input_hex", in, sizeof(in));
        bm_vec_hex(e, "output", want, sizeof(want));
        CHECK_EQ(bm_crypto_s1(in, n, got), BM_OK);
        CHECK_MEM(bm_vec_str(e, "id"), got, 16, want, 16);
    }
}

static void test_k1_8_1_2_and_derived_keys(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "k1"))
    {
        uint8_t n[32], salt[16], p[32], want[16], got[16];
        size_t nl = bm_vec_hex(e, "n", n, sizeof(n));
        bm_vec_hex(e, "salt", salt, sizeof(salt));
        size_t pl = bm_vec_hex(e, "p", p, sizeof(p));
        CHECK_EQ(bm_crypto_k1(n, nl, salt, p, pl, got), BM_OK);
        if (bm_vec_find(e, "output")) {
            bm_vec_hex(e, "output", want, sizeof(want));
            CHECK_MEM(bm_vec_str(e, "id"), got, 16, want, 16);
        } else {
            /* SessionNonce: the 13 least significant octets */
            size_t wl = bm_vec_hex(e, "output_truncated_13_octets", want, sizeof(want));
            CHECK_EQ(wl, 13);
            CHECK_MEM(bm_vec_str(e, "id"), got + 3, 13, want, 13);
        }
    }
    /* IdentityKey (8.2.6) and BeaconKey (8.2.7) through their own helpers */
    uint8_t nk[16], want[16], got[16];
    bm_vec_hex(cf, "k1.1.n", nk, 16);
    bm_vec_hex(cf, "k1.1.output", want, 16);
    CHECK_EQ(bm_crypto_identity_key(nk, got), BM_OK);
    CHECK_MEM("identity key", got, 16, want, 16);
    bm_vec_hex(cf, "k1.2.output", want, 16);
    CHECK_EQ(bm_crypto_beacon_key(nk, got), BM_OK);
    CHECK_MEM("beacon key", got, 16, want, 16);
}

static void check_k2(const cJSON *e)
{
    uint8_t n[16], p[16], enc[16], priv[16], want_enc[16], want_priv[16], nid = 0xff;
    bm_vec_hex(e, "n", n, 16);
    size_t pl = bm_vec_hex(e, "p", p, sizeof(p));
    bm_vec_hex(e, "encryption_key", want_enc, 16);
    bm_vec_hex(e, "privacy_key", want_priv, 16);
    CHECK_EQ(bm_crypto_k2(n, p, pl, &nid, enc, priv), BM_OK);
    CHECK_EQ(nid, bm_vec_num(e, "nid"));
    CHECK_MEM("k2 encryption key", enc, 16, want_enc, 16);
    CHECK_MEM("k2 privacy key", priv, 16, want_priv, 16);
}

static void test_k2_8_1_3_master_and_8_1_4_friendship(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "k2")) check_k2(e);
    cJSON_ArrayForEach(e, bm_vec_get(cf, "mesh_protocol_1_1_only.k2_directed")) check_k2(e);
}

static void test_k2_rejects_bad_p(void)
{
    uint8_t n[16] = {0}, p[17] = {0}, enc[16], priv[16], nid;
    CHECK_EQ(bm_crypto_k2(n, p, 0, &nid, enc, priv), BM_EINVAL);
    CHECK_EQ(bm_crypto_k2(n, p, 17, &nid, enc, priv), BM_EINVAL);
    CHECK_EQ(bm_crypto_k2(n, NULL, 1, &nid, enc, priv), BM_EINVAL);
}

static void test_k3_8_1_5_network_id(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "k3"))
    {
        uint8_t n[16], want[8], got[8];
        bm_vec_hex(e, "n", n, 16);
        bm_vec_hex(e, "network_id", want, 8);
        CHECK_EQ(bm_crypto_k3(n, got), BM_OK);
        CHECK_MEM(bm_vec_str(e, "id"), got, 8, want, 8);
    }
}

static void test_k4_8_1_6_aid(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "k4"))
    {
        uint8_t n[16], aid = 0xff;
        bm_vec_hex(e, "n", n, 16);
        CHECK_EQ(bm_crypto_k4(n, &aid), BM_OK);
        CHECK_EQ(aid, bm_vec_num(e, "aid"));
    }
}

static void test_private_beacon_key_1_1(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "mesh_protocol_1_1_only.k1_private_beacon_key"))
    {
        uint8_t n[16], salt[16], p[16], want[16], got[16], s1salt[16];
        bm_vec_hex(e, "n", n, 16);
        bm_vec_hex(e, "salt", salt, 16);
        size_t pl = bm_vec_hex(e, "p", p, sizeof(p));
        bm_vec_hex(e, "output", want, 16);
        /* the salt is s1("nkpk") */
        CHECK_EQ(bm_crypto_s1((const uint8_t *)"nkpk", 4, s1salt), BM_OK);
        CHECK_MEM("s1(nkpk)", s1salt, 16, salt, 16);
        CHECK_EQ(bm_crypto_k1(n, 16, salt, p, pl, got), BM_OK);
        CHECK_MEM(bm_vec_str(e, "id"), got, 16, want, 16);
    }
}

static void test_aes_cmac_rows(void)
{
    const cJSON *e;
    int rows = 0;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "aes_cmac"))
    {
        uint8_t key[16], msg[256], want[16], got[16];
        bm_vec_hex(e, "key", key, 16);
        size_t ml = bm_vec_hex(e, "message", msg, sizeof(msg));
        size_t wl = bm_vec_hex(e, "output", want, sizeof(want));
        CHECK_EQ(bm_crypto_cmac(key, msg, ml, got), BM_OK);
        /* some rows print only the truncated value (beacon auth, k3) */
        CHECK_MEM(bm_vec_str(e, "source_row"), got, wl, want, wl);
        rows++;
    }
    CHECK(rows >= 20);
}

static void test_aes_ccm_rows_both_directions(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "aes_ccm"))
    {
        uint8_t key[16], nonce[13], pt[400], ad[16], ct[400], mic[16], got[400], gmic[16];
        bm_vec_hex(e, "key", key, 16);
        CHECK_EQ(bm_vec_hex(e, "nonce", nonce, 13), 13);
        size_t pl = bm_vec_hex(e, "plaintext", pt, sizeof(pt));
        size_t al = bm_vec_hex(e, "additional_data", ad, sizeof(ad));
        size_t cl = bm_vec_hex(e, "ciphertext", ct, sizeof(ct));
        size_t ml = bm_vec_hex(e, "mic", mic, sizeof(mic));
        CHECK_EQ(ml * 8, (size_t)bm_vec_int(e, "mic_size_bits"));
        CHECK_EQ(pl, cl);
        const char *row = bm_vec_str(e, "source_row");
        CHECK_EQ(bm_crypto_ccm_encrypt(key, nonce, al ? ad : NULL, al, pt, pl, got, gmic, ml),
                 BM_OK);
        CHECK_MEM(row, got, pl, ct, cl);
        CHECK_MEM(row, gmic, ml, mic, ml);
        CHECK_EQ(bm_crypto_ccm_decrypt(key, nonce, al ? ad : NULL, al, ct, cl, got, mic, ml),
                 BM_OK);
        CHECK_MEM(row, got, cl, pt, pl);
        /* one flipped MIC bit must fail authentication and zero the output */
        mic[0] ^= 0x01;
        CHECK_EQ(bm_crypto_ccm_decrypt(key, nonce, al ? ad : NULL, al, ct, cl, got, mic, ml),
                 BM_EAUTH);
    }
}

static void test_aes_ecb_rows(void)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, bm_vec_get(cf, "aes_ecb"))
    {
        uint8_t key[16], pt[16], want[16], got[16];
        bm_vec_hex(e, "key", key, 16);
        bm_vec_hex(e, "plaintext", pt, 16);
        CHECK_EQ(bm_crypto_aes_ecb(key, pt, got), BM_OK);
        const char *row = bm_vec_str(e, "source_row");
        if (bm_vec_find(e, "output")) {
            bm_vec_hex(e, "output", want, 16);
            CHECK_MEM(row, got, 16, want, 16);
        } else if (bm_vec_find(e, "output_first_6_octets")) {
            bm_vec_hex(e, "output_first_6_octets", want, 6);
            CHECK_MEM(row, got, 6, want, 6);
        } else {
            bm_vec_hex(e, "output_last_8_octets", want, 8);
            CHECK_MEM(row, got + 8, 8, want, 8);
        }
    }
}

static void test_ccm_rejects_bad_mic_len(void)
{
    uint8_t k[16] = {0}, n[13] = {0}, b[4] = {0}, m[16];
    CHECK_EQ(bm_crypto_ccm_encrypt(k, n, NULL, 0, b, 4, b, m, 6), BM_EINVAL);
    CHECK_EQ(bm_crypto_ccm_decrypt(k, n, NULL, 0, b, 4, b, m, 2), BM_EINVAL);
}

static void test_wipe_and_memcmp(void)
{
    uint8_t k[16];
    memset(k, 0xa5, sizeof(k));
    bm_crypto_wipe(k, sizeof(k));
    static const uint8_t zero[16];
    CHECK(memcmp(k, zero, 16) == 0);
    CHECK_EQ(bm_crypto_memcmp(k, zero, 16), 0);
    k[15] = 1;
    CHECK(bm_crypto_memcmp(k, zero, 16) != 0);
}

int main(void)
{
    cf = bm_vec_load("crypto-functions.json");
    BM_RUN(test_s1_8_1_1_and_salts);
    BM_RUN(test_k1_8_1_2_and_derived_keys);
    BM_RUN(test_k2_8_1_3_master_and_8_1_4_friendship);
    BM_RUN(test_k2_rejects_bad_p);
    BM_RUN(test_k3_8_1_5_network_id);
    BM_RUN(test_k4_8_1_6_aid);
    BM_RUN(test_private_beacon_key_1_1);
    BM_RUN(test_aes_cmac_rows);
    BM_RUN(test_aes_ccm_rows_both_directions);
    BM_RUN(test_aes_ecb_rows);
    BM_RUN(test_ccm_rejects_bad_mic_len);
    BM_RUN(test_wipe_and_memcmp);
    return bm_test_done();
}
