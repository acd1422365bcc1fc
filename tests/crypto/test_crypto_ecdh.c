/* ECDH P-256 against the provisioning sample data (Mesh Profile 8.7), and
 * public-key validation against points that are not on the curve. */
#include <string.h>

#include "blemesh/errors.h"
#include "crypto/crypto.h"
#include "test.h"
#include "vectors.h"

static cJSON *pv;

static void load_pub(const char *who, uint8_t pub[64])
{
    char path[64];
    snprintf(path, sizeof(path), "keys_and_randoms.%s_public_key_x", who);
    bm_vec_hex(pv, path, pub, 32);
    snprintf(path, sizeof(path), "keys_and_randoms.%s_public_key_y", who);
    bm_vec_hex(pv, path, pub + 32, 32);
}

static void test_public_keys_8_7_from_private(void)
{
    const char *who[] = {"provisioner", "device"};
    for (int i = 0; i < 2; i++) {
        uint8_t priv[32], want[64], got[64];
        char path[64];
        snprintf(path, sizeof(path), "keys_and_randoms.%s_private_key", who[i]);
        bm_vec_hex(pv, path, priv, 32);
        load_pub(who[i], want);
        CHECK_EQ(bm_crypto_p256_public(priv, got), BM_OK);
        CHECK_MEM(who[i], got, 64, want, 64);
        CHECK_EQ(bm_crypto_p256_check(want), BM_OK);
    }
}

static void test_ecdh_secret_8_7_both_sides(void)
{
    uint8_t ppriv[32], dpriv[32], ppub[64], dpub[64], want[32], got[32];
    bm_vec_hex(pv, "keys_and_randoms.provisioner_private_key", ppriv, 32);
    bm_vec_hex(pv, "keys_and_randoms.device_private_key", dpriv, 32);
    load_pub("provisioner", ppub);
    load_pub("device", dpub);
    bm_vec_hex(pv, "keys_and_randoms.provisioner_ecdh_secret", want, 32);
    CHECK_EQ(bm_crypto_p256_ecdh(ppriv, dpub, got), BM_OK);
    CHECK_MEM("provisioner ECDH", got, 32, want, 32);
    bm_vec_hex(pv, "keys_and_randoms.device_ecdh_secret", want, 32);
    CHECK_EQ(bm_crypto_p256_ecdh(dpriv, ppub, got), BM_OK);
    CHECK_MEM("device ECDH", got, 32, want, 32);
}

static void test_ecdh_rejects_points_off_the_curve(void)
{
    uint8_t priv[32], pub[64], secret[32];
    bm_vec_hex(pv, "keys_and_randoms.device_private_key", priv, 32);
    load_pub("provisioner", pub);
    pub[63] ^= 0x01; /* y no longer matches x */
    CHECK_EQ(bm_crypto_p256_check(pub), BM_EBADKEY);
    CHECK_EQ(bm_crypto_p256_ecdh(priv, pub, secret), BM_EBADKEY);
    memset(pub, 0, sizeof(pub)); /* the point at infinity's encoding is not allowed */
    CHECK_EQ(bm_crypto_p256_ecdh(priv, pub, secret), BM_EBADKEY);
    memset(pub, 0xff, sizeof(pub)); /* coordinates above the field prime */
    CHECK_EQ(bm_crypto_p256_check(pub), BM_EBADKEY);
}

/* A counter-based stream: deterministic, good enough to exercise keygen. */
static int test_rng(void *ctx, uint8_t *buf, size_t len)
{
    uint32_t *state = ctx;
    for (size_t i = 0; i < len; i++) {
        *state = *state * 1103515245u + 12345u;
        buf[i] = (uint8_t)(*state >> 16);
    }
    return 0;
}

static void test_keygen_pairs_agree(void)
{
    uint32_t seed = 7;
    uint8_t a_priv[32], a_pub[64], b_priv[32], b_pub[64], s1[32], s2[32], derived[64];
    CHECK_EQ(bm_crypto_p256_keygen(test_rng, &seed, a_priv, a_pub), BM_OK);
    CHECK_EQ(bm_crypto_p256_keygen(test_rng, &seed, b_priv, b_pub), BM_OK);
    CHECK(memcmp(a_pub, b_pub, 64) != 0);
    CHECK_EQ(bm_crypto_p256_public(a_priv, derived), BM_OK);
    CHECK_MEM("keygen public", derived, 64, a_pub, 64);
    CHECK_EQ(bm_crypto_p256_ecdh(a_priv, b_pub, s1), BM_OK);
    CHECK_EQ(bm_crypto_p256_ecdh(b_priv, a_pub, s2), BM_OK);
    CHECK_MEM("shared secret", s1, 32, s2, 32);
}

static void test_invalid_private_key(void)
{
    uint8_t zero[32] = {0}, pub[64];
    CHECK_EQ(bm_crypto_p256_public(zero, pub), BM_EINVAL);
}

int main(void)
{
    pv = bm_vec_load("provisioning.json");
    BM_RUN(test_public_keys_8_7_from_private);
    BM_RUN(test_ecdh_secret_8_7_both_sides);
    BM_RUN(test_ecdh_rejects_points_off_the_curve);
    BM_RUN(test_keygen_pairs_agree);
    BM_RUN(test_invalid_private_key);
    return bm_test_done();
}
