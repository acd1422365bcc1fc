/* Crypto backend over mbed TLS: the only file of the core that includes a
 * crypto library. Every context is freed (and thereby zeroized by mbed TLS)
 * before return, so no key schedule outlives a call, except in a prepared
 * key (struct bm_crypto_key), whose owner frees it with
 * bm_crypto_key_free(). A prepared key holds an mbed TLS cipher context
 * (ECB) or CCM context (itself one cipher context); mbed TLS allocates the
 * AES context behind it in mbedtls_cipher_setup(), at prepare time only. */
#include <stdbool.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/ccm.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "blemesh/errors.h"
#include "crypto.h"

void bm_crypto_wipe(void *p, size_t len)
{
    mbedtls_platform_zeroize(p, len);
}

int bm_crypto_memcmp(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff != 0;
}

_Static_assert(sizeof(mbedtls_ccm_context) <= BM_CRYPTO_KEY_CTX_SIZE,
               "BM_CRYPTO_KEY_CTX_SIZE too small for mbedtls_ccm_context");
_Static_assert(sizeof(mbedtls_cipher_context_t) <= BM_CRYPTO_KEY_CTX_SIZE,
               "BM_CRYPTO_KEY_CTX_SIZE too small for mbedtls_cipher_context_t");
_Static_assert(!BM_CFG_CRYPTO_KEY_CACHE ||
                   _Alignof(mbedtls_ccm_context) <= _Alignof(struct bm_crypto_key),
               "struct bm_crypto_key under-aligned for mbed TLS's context");

/* mbed TLS takes non-const contexts, but single-block ECB and CCM only read
 * a set-up context: a prepared key stays unchanged by use. */
static void *ctx_of(const struct bm_crypto_key *k)
{
    return (void *)k->ctx;
}

static bool ready_for(const struct bm_crypto_key *k, int use)
{
    return BM_CFG_CRYPTO_KEY_CACHE && k && k->ready == use + 1;
}

int bm_crypto_key_prepare(struct bm_crypto_key *k, int use, const uint8_t key[BM_KEY_LEN])
{
    if (!k || !key || (use != BM_CRYPTO_KEY_ECB && use != BM_CRYPTO_KEY_CCM))
        return BM_EINVAL;
    bm_crypto_key_free(k);
    if (!BM_CFG_CRYPTO_KEY_CACHE)
        return BM_ENOTSUP;
    int rc;
    if (use == BM_CRYPTO_KEY_CCM) {
        mbedtls_ccm_context *ccm = ctx_of(k);
        mbedtls_ccm_init(ccm);
        rc = mbedtls_ccm_setkey(ccm, MBEDTLS_CIPHER_ID_AES, key, 128);
        if (rc != 0)
            mbedtls_ccm_free(ccm);
    } else {
        mbedtls_cipher_context_t *c = ctx_of(k);
        mbedtls_cipher_init(c);
        rc = mbedtls_cipher_setup(c, mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB));
        if (rc == 0)
            rc = mbedtls_cipher_setkey(c, key, 128, MBEDTLS_ENCRYPT);
        if (rc != 0)
            mbedtls_cipher_free(c);
    }
    if (rc != 0) {
        bm_crypto_wipe(k, sizeof(*k));
        return BM_ECRYPTO;
    }
    k->ready = (uint8_t)(use + 1);
    return BM_OK;
}

void bm_crypto_key_free(struct bm_crypto_key *k)
{
    if (!k)
        return;
    if (ready_for(k, BM_CRYPTO_KEY_CCM))
        mbedtls_ccm_free(ctx_of(k));
    else if (ready_for(k, BM_CRYPTO_KEY_ECB))
        mbedtls_cipher_free(ctx_of(k));
    bm_crypto_wipe(k, sizeof(*k));
}

int bm_crypto_aes_ecb_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                        const uint8_t in[16], uint8_t out[16])
{
    if (ready_for(pk, BM_CRYPTO_KEY_ECB)) {
        size_t olen = 0;
        int rc = mbedtls_cipher_update(ctx_of(pk), in, 16, out, &olen);
        return rc == 0 && olen == 16 ? BM_OK : BM_ECRYPTO;
    }
    return bm_crypto_aes_ecb(key, in, out);
}

int bm_crypto_aes_ecb(const uint8_t key[BM_KEY_LEN], const uint8_t in[16], uint8_t out[16])
{
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    int rc = mbedtls_aes_setkey_enc(&aes, key, 128);
    if (rc == 0)
        rc = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, in, out);
    mbedtls_aes_free(&aes);
    return rc == 0 ? BM_OK : BM_ECRYPTO;
}

int bm_crypto_cmac(const uint8_t key[BM_KEY_LEN], const uint8_t *msg, size_t len,
                   uint8_t out[16])
{
    const mbedtls_cipher_info_t *info = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    if (!info)
        return BM_ECRYPTO;
    return mbedtls_cipher_cmac(info, key, 128, msg, len, out) == 0 ? BM_OK : BM_ECRYPTO;
}

static int valid_mic_len(size_t mic_len)
{
    return mic_len == 4 || mic_len == 8 || mic_len == 16;
}

int bm_crypto_ccm_encrypt(const uint8_t key[BM_KEY_LEN], const uint8_t nonce[BM_NONCE_LEN],
                          const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                          uint8_t *out, uint8_t *mic, size_t mic_len)
{
    return bm_crypto_ccm_encrypt_k(NULL, key, nonce, aad, aad_len, in, len, out, mic, mic_len);
}

int bm_crypto_ccm_decrypt(const uint8_t key[BM_KEY_LEN], const uint8_t nonce[BM_NONCE_LEN],
                          const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                          uint8_t *out, const uint8_t *mic, size_t mic_len)
{
    return bm_crypto_ccm_decrypt_k(NULL, key, nonce, aad, aad_len, in, len, out, mic, mic_len);
}

/* In place (out == in) is part of the interface (crypto.h) and the upper
 * transport's sends rely on it: mbed TLS 2.28's CCM (ccm_auth_crypt) reads
 * each 16-octet block of in into the CBC-MAC and the CTR XOR before it
 * writes that block of out, and writes mic only at the end. A backend
 * without that property must copy. */
int bm_crypto_ccm_encrypt_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                            const uint8_t nonce[BM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                            const uint8_t *in, size_t len, uint8_t *out, uint8_t *mic,
                            size_t mic_len)
{
    if (!valid_mic_len(mic_len))
        return BM_EINVAL;
    int rc;
    if (ready_for(pk, BM_CRYPTO_KEY_CCM)) {
        rc = mbedtls_ccm_encrypt_and_tag(ctx_of(pk), len, nonce, BM_NONCE_LEN, aad, aad_len, in,
                                         out, mic, mic_len);
    } else {
        mbedtls_ccm_context ccm;
        mbedtls_ccm_init(&ccm);
        rc = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, key, 128);
        if (rc == 0)
            rc = mbedtls_ccm_encrypt_and_tag(&ccm, len, nonce, BM_NONCE_LEN, aad, aad_len, in, out,
                                             mic, mic_len);
        mbedtls_ccm_free(&ccm);
    }
    return rc == 0 ? BM_OK : BM_ECRYPTO;
}

int bm_crypto_ccm_decrypt_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                            const uint8_t nonce[BM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                            const uint8_t *in, size_t len, uint8_t *out, const uint8_t *mic,
                            size_t mic_len)
{
    if (!valid_mic_len(mic_len))
        return BM_EINVAL;
    int rc;
    if (ready_for(pk, BM_CRYPTO_KEY_CCM)) {
        rc = mbedtls_ccm_auth_decrypt(ctx_of(pk), len, nonce, BM_NONCE_LEN, aad, aad_len, in, out,
                                      mic, mic_len);
    } else {
        mbedtls_ccm_context ccm;
        mbedtls_ccm_init(&ccm);
        rc = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, key, 128);
        if (rc == 0)
            rc = mbedtls_ccm_auth_decrypt(&ccm, len, nonce, BM_NONCE_LEN, aad, aad_len, in, out,
                                          mic, mic_len);
        mbedtls_ccm_free(&ccm);
    }
    if (rc == MBEDTLS_ERR_CCM_AUTH_FAILED)
        return BM_EAUTH;
    return rc == 0 ? BM_OK : BM_ECRYPTO;
}

int bm_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                          uint8_t out[32])
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (!info)
        return BM_ECRYPTO;
    return mbedtls_md_hmac(info, key, key_len, msg, len, out) == 0 ? BM_OK : BM_ECRYPTO;
}

int bm_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    return mbedtls_sha256_ret(msg, len, out, 0) == 0 ? BM_OK : BM_ECRYPTO;
}

/* --- P-256 --- */

static int load_point(mbedtls_ecp_group *grp, mbedtls_ecp_point *pt,
                      const uint8_t pub[BM_P256_PUB_LEN])
{
    uint8_t raw[1 + BM_P256_PUB_LEN];
    raw[0] = 0x04; /* uncompressed SEC1 point */
    memcpy(raw + 1, pub, BM_P256_PUB_LEN);
    if (mbedtls_ecp_point_read_binary(grp, pt, raw, sizeof(raw)) != 0)
        return BM_EBADKEY;
    if (mbedtls_ecp_check_pubkey(grp, pt) != 0)
        return BM_EBADKEY;
    return BM_OK;
}

static int store_point(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *pt,
                       uint8_t pub[BM_P256_PUB_LEN])
{
    uint8_t raw[1 + BM_P256_PUB_LEN];
    size_t olen = 0;
    if (mbedtls_ecp_point_write_binary(grp, pt, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, raw,
                                       sizeof(raw)) != 0 ||
        olen != sizeof(raw))
        return BM_ECRYPTO;
    memcpy(pub, raw + 1, BM_P256_PUB_LEN);
    return BM_OK;
}

int bm_crypto_p256_keygen(bm_rng_fn rng, void *rng_ctx, uint8_t priv[BM_P256_PRIV_LEN],
                          uint8_t pub[BM_P256_PUB_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    int rc = BM_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_ecp_gen_keypair(&grp, &d, &q, rng, rng_ctx) == 0 &&
        mbedtls_mpi_write_binary(&d, priv, BM_P256_PRIV_LEN) == 0)
        rc = store_point(&grp, &q, pub);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int bm_crypto_p256_public(const uint8_t priv[BM_P256_PRIV_LEN], uint8_t pub[BM_P256_PUB_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    int rc = BM_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_mpi_read_binary(&d, priv, BM_P256_PRIV_LEN) == 0) {
        if (mbedtls_ecp_check_privkey(&grp, &d) != 0)
            rc = BM_EINVAL;
        else if (mbedtls_ecp_mul(&grp, &q, &d, &grp.G, NULL, NULL) == 0)
            rc = store_point(&grp, &q, pub);
    }
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int bm_crypto_p256_check(const uint8_t pub[BM_P256_PUB_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    int rc = BM_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0)
        rc = load_point(&grp, &q, pub);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int bm_crypto_p256_ecdh(const uint8_t priv[BM_P256_PRIV_LEN],
                        const uint8_t peer_pub[BM_P256_PUB_LEN],
                        uint8_t secret[BM_P256_SECRET_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d, z;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&q);
    int rc = BM_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
        goto out;
    /* Invalid-curve attacks (CVE-2020-26560 family): the peer's point must
     * be on the curve before we multiply by our private key. */
    rc = load_point(&grp, &q, peer_pub);
    if (rc != BM_OK)
        goto out;
    rc = BM_ECRYPTO;
    if (mbedtls_mpi_read_binary(&d, priv, BM_P256_PRIV_LEN) != 0)
        goto out;
    /* NULL rng: mbed TLS 2.28 then blinds with an internal DRBG. */
    if (mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, NULL, NULL) != 0)
        goto out;
    if (mbedtls_mpi_write_binary(&z, secret, BM_P256_SECRET_LEN) != 0)
        goto out;
    rc = BM_OK;
out:
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}
