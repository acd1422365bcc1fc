/* Mesh key derivation, nonces and header privacy (Mesh Profile 3.8), built
 * only from the primitives of crypto.h. Intermediate values that depend on
 * a key are wiped before return. */
#include <string.h>

#include "blemesh/errors.h"
#include "crypto.h"

/* The all-zero key of s1 (16 octets) and of s2 (32 octets). */
static const uint8_t zero_key[32];

int bm_crypto_s1(const uint8_t *m, size_t len, uint8_t out[16])
{
    return bm_crypto_cmac(zero_key, m, len, out);
}

/* T = CMAC_{s1(salt)}(N): the first step of k2, k3, k4, the IdentityKey,
 * the BeaconKey and the virtual address. Every salt is 4 characters. */
static int salted_cmac(const char salt[4], const uint8_t *n, size_t n_len, uint8_t t[16])
{
    uint8_t s[16];
    int rc = bm_crypto_s1((const uint8_t *)salt, 4, s);
    if (rc == BM_OK)
        rc = bm_crypto_cmac(s, n, n_len, t);
    return rc;
}

int bm_crypto_k1(const uint8_t *n, size_t n_len, const uint8_t salt[16], const uint8_t *p,
                 size_t p_len, uint8_t out[16])
{
    uint8_t t[16];
    int rc = bm_crypto_cmac(salt, n, n_len, t);
    if (rc == BM_OK)
        rc = bm_crypto_cmac(t, p, p_len, out);
    bm_crypto_wipe(t, sizeof(t));
    return rc;
}

/* k1(N, s1(salt), info) = CMAC_T(info) with T = CMAC_{s1(salt)}(N): the
 * common shape of k3, k4, the IdentityKey and the BeaconKey. */
static int salted_k1(const char salt[4], const uint8_t n[BM_KEY_LEN], const uint8_t *info,
                     size_t info_len, uint8_t out[16])
{
    uint8_t s[16];
    int rc = bm_crypto_s1((const uint8_t *)salt, 4, s);
    if (rc == BM_OK)
        rc = bm_crypto_k1(n, BM_KEY_LEN, s, info, info_len, out);
    return rc;
}

int bm_crypto_k2(const uint8_t n[BM_KEY_LEN], const uint8_t *p, size_t p_len, uint8_t *nid,
                 uint8_t enc_key[BM_KEY_LEN], uint8_t privacy_key[BM_KEY_LEN])
{
    /* T1 = CMAC_T(P||1), Tn = CMAC_T(Tn-1||P||n); the message is at most
     * 16 + 16 + 1 octets. */
    uint8_t t[16], msg[16 + 16 + 1], tn[16];
    if (!p || p_len < 1 || p_len > 16)
        return BM_EINVAL;
    int rc = salted_cmac("smk2", n, BM_KEY_LEN, t);
    size_t prev = 0;
    for (uint8_t i = 1; i <= 3 && rc == BM_OK; i++) {
        memcpy(msg + prev, p, p_len);
        msg[prev + p_len] = i;
        rc = bm_crypto_cmac(t, msg, prev + p_len + 1, tn);
        if (rc != BM_OK)
            break;
        memcpy(msg, tn, 16);
        prev = 16;
        if (i == 1)
            *nid = tn[15] & 0x7f;
        else
            memcpy(i == 2 ? enc_key : privacy_key, tn, 16);
    }
    bm_crypto_wipe(t, sizeof(t));
    bm_crypto_wipe(tn, sizeof(tn));
    bm_crypto_wipe(msg, sizeof(msg));
    return rc;
}

int bm_crypto_k3(const uint8_t n[BM_KEY_LEN], uint8_t network_id[8])
{
    static const uint8_t id64[] = {'i', 'd', '6', '4', 0x01};
    uint8_t out[16];
    int rc = salted_k1("smk3", n, id64, sizeof(id64), out);
    if (rc == BM_OK)
        memcpy(network_id, out + 8, 8);
    return rc;
}

int bm_crypto_k4(const uint8_t n[BM_KEY_LEN], uint8_t *aid)
{
    static const uint8_t id6[] = {'i', 'd', '6', 0x01};
    uint8_t out[16];
    int rc = salted_k1("smk4", n, id6, sizeof(id6), out);
    if (rc == BM_OK)
        *aid = out[15] & 0x3f;
    return rc;
}

int bm_crypto_s2(const uint8_t *m, size_t len, uint8_t out[32])
{
    return bm_crypto_hmac_sha256(zero_key, sizeof(zero_key), m, len, out);
}

int bm_crypto_k5(const uint8_t *n, size_t n_len, const uint8_t salt[32], const uint8_t *p,
                 size_t p_len, uint8_t out[32])
{
    uint8_t t[32];
    int rc = bm_crypto_hmac_sha256(salt, 32, n, n_len, t);
    if (rc == BM_OK)
        rc = bm_crypto_hmac_sha256(t, sizeof(t), p, p_len, out);
    bm_crypto_wipe(t, sizeof(t));
    return rc;
}

static const uint8_t id128[] = {'i', 'd', '1', '2', '8', 0x01};

int bm_crypto_identity_key(const uint8_t net_key[BM_KEY_LEN], uint8_t out[BM_KEY_LEN])
{
    return salted_k1("nkik", net_key, id128, sizeof(id128), out);
}

int bm_crypto_beacon_key(const uint8_t net_key[BM_KEY_LEN], uint8_t out[BM_KEY_LEN])
{
    return salted_k1("nkbk", net_key, id128, sizeof(id128), out);
}

int bm_crypto_virtual_addr(const uint8_t label_uuid[16], uint16_t *addr)
{
    uint8_t h[16];
    int rc = salted_cmac("vtad", label_uuid, 16, h);
    if (rc == BM_OK)
        *addr = (uint16_t)(0x8000 | ((h[14] & 0x3f) << 8) | h[15]);
    return rc;
}

static void put_be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* All four nonces share: type(1) | x(1) | SEQ(3) | SRC(2) | y(2) | IV(4);
 * the network nonce has y = 0x0000, and the others are built from it. */
void bm_crypto_net_nonce(uint8_t out[BM_NONCE_LEN], uint8_t ctl_ttl, uint32_t seq, uint16_t src,
                         uint32_t iv_index)
{
    out[0] = BM_NONCE_NETWORK;
    out[1] = ctl_ttl;
    put_be24(out + 2, seq);
    put_be16(out + 5, src);
    put_be16(out + 7, 0x0000);
    put_be32(out + 9, iv_index);
}

void bm_crypto_proxy_nonce(uint8_t out[BM_NONCE_LEN], uint32_t seq, uint16_t src,
                           uint32_t iv_index)
{
    bm_crypto_net_nonce(out, 0x00, seq, src, iv_index);
    out[0] = BM_NONCE_PROXY;
}

void bm_crypto_access_nonce(uint8_t out[BM_NONCE_LEN], uint8_t type, int szmic, uint32_t seq,
                            uint16_t src, uint16_t dst, uint32_t iv_index)
{
    bm_crypto_net_nonce(out, szmic ? 0x80 : 0x00, seq, src, iv_index);
    out[0] = type;
    put_be16(out + 7, dst);
}

int bm_crypto_obfuscate(const uint8_t privacy_key[BM_KEY_LEN], uint32_t iv_index, uint8_t *pdu,
                        size_t pdu_len)
{
    return bm_crypto_obfuscate_k(NULL, privacy_key, iv_index, pdu, pdu_len);
}

int bm_crypto_obfuscate_k(const struct bm_crypto_key *pk, const uint8_t privacy_key[BM_KEY_LEN],
                          uint32_t iv_index, uint8_t *pdu, size_t pdu_len)
{
    uint8_t plain[16] = {0}, pecb[16];
    if (pdu_len < 14)
        return BM_EINVAL;
    put_be32(plain + 5, iv_index);
    memcpy(plain + 9, pdu + 7, 7); /* Privacy Random */
    int rc = bm_crypto_aes_ecb_k(pk, privacy_key, plain, pecb);
    if (rc != BM_OK)
        return rc;
    for (int i = 0; i < 6; i++)
        pdu[1 + i] ^= pecb[i];
    return BM_OK;
}
