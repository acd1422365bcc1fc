/* The mesh security toolbox (Mesh Profile 3.8): AES primitives, the key
 * derivation functions s1/k1..k4, nonces, header obfuscation and ECDH P-256.
 *
 * This is the only interface the rest of the core uses for cryptography; one
 * backend file implements the primitives (crypto_mbedtls.c), everything else
 * in this folder is built from those primitives, so another backend (PSA,
 * hardware AES) replaces one file. All functions return 0 or a negative
 * BM_E* code. */
#ifndef BM_CRYPTO_H
#define BM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"

#define BM_KEY_LEN 16
#define BM_NONCE_LEN 13
#define BM_P256_PRIV_LEN 32
#define BM_P256_PUB_LEN 64 /* X || Y, big-endian, no 0x04 prefix */
#define BM_P256_SECRET_LEN 32

/* Randomness comes from the caller (the platform), never from the backend. */
typedef int (*bm_rng_fn)(void *ctx, uint8_t *buf, size_t len);

/* --- primitives (backend) --- */
int bm_crypto_aes_ecb(const uint8_t key[BM_KEY_LEN], const uint8_t in[16], uint8_t out[16]);
int bm_crypto_cmac(const uint8_t key[BM_KEY_LEN], const uint8_t *msg, size_t len,
                   uint8_t out[16]);
/* CCM with a 13-byte nonce; mic_len is 4, 8 or 16. out may equal in. */
int bm_crypto_ccm_encrypt(const uint8_t key[BM_KEY_LEN], const uint8_t nonce[BM_NONCE_LEN],
                          const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                          uint8_t *out, uint8_t *mic, size_t mic_len);
/* Returns BM_EAUTH when the MIC does not verify; out is then zeroed. */
int bm_crypto_ccm_decrypt(const uint8_t key[BM_KEY_LEN], const uint8_t nonce[BM_NONCE_LEN],
                          const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                          uint8_t *out, const uint8_t *mic, size_t mic_len);
int bm_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                          uint8_t out[32]);
int bm_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32]);

/* ECDH P-256 (Mesh Profile 5.4.2.3). Generates a key pair from rng. */
int bm_crypto_p256_keygen(bm_rng_fn rng, void *rng_ctx, uint8_t priv[BM_P256_PRIV_LEN],
                          uint8_t pub[BM_P256_PUB_LEN]);
/* Derives the public key of priv (for tests with the spec's fixed keys). */
int bm_crypto_p256_public(const uint8_t priv[BM_P256_PRIV_LEN], uint8_t pub[BM_P256_PUB_LEN]);
/* Returns 0 if pub is a valid point on P-256, else BM_EBADKEY. */
int bm_crypto_p256_check(const uint8_t pub[BM_P256_PUB_LEN]);
/* Validates peer_pub (BM_EBADKEY if invalid) and computes the X coordinate
 * of priv * peer_pub. */
int bm_crypto_p256_ecdh(const uint8_t priv[BM_P256_PRIV_LEN],
                        const uint8_t peer_pub[BM_P256_PUB_LEN],
                        uint8_t secret[BM_P256_SECRET_LEN]);

/* --- prepared keys (BM_CFG_CRYPTO_KEY_CACHE) ---
 * A key whose AES schedule is expanded once and kept, for the keys used on
 * every packet (a subnet's EncryptionKey and PrivacyKey), so the per-packet
 * calls do no key expansion and no allocation. The backend keeps an mbed TLS
 * cipher (or CCM) context in ctx; mbed TLS allocates the AES context behind
 * it with its own allocator (calloc on a host; on a microcontroller,
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C over a static arena) when the key is
 * prepared, never per packet.
 *
 * Ownership: all-zero is "not prepared". Whoever holds the struct frees it
 * with bm_crypto_key_free() exactly once; it is never copied (a copy would
 * share mbed TLS's allocation): to move a key, prepare the destination
 * from the raw key and free the source. When the knob is 0, or preparing
 * failed, the _k calls below fall back to the raw key (the slow path).
 * RAM: ctx below, plus about 280 octets of mbed TLS heap per prepared key. */
#define BM_CRYPTO_KEY_CTX_SIZE (8 * sizeof(void *) + 48)
struct bm_crypto_key {
    /* aligned as the pointers and size_t of mbed TLS's context; two octets
     * in all when the knob is 0 */
    _Alignas(BM_CFG_CRYPTO_KEY_CACHE ? sizeof(void *) : 1) unsigned char
        ctx[BM_CFG_CRYPTO_KEY_CACHE ? BM_CRYPTO_KEY_CTX_SIZE : 1];
    uint8_t ready; /* 0 not prepared, else the BM_CRYPTO_KEY_* use + 1 */
};

#define BM_CRYPTO_KEY_ECB 0 /* single AES-128 blocks (header privacy) */
#define BM_CRYPTO_KEY_CCM 1 /* AES-CCM */

/* Prepares k (all-zero or freed) for use with key. Returns 0, BM_ENOTSUP
 * when BM_CFG_CRYPTO_KEY_CACHE is 0, BM_ECRYPTO if mbed TLS failed
 * (allocation): k then stays unprepared, which still works. */
int bm_crypto_key_prepare(struct bm_crypto_key *k, int use, const uint8_t key[BM_KEY_LEN]);
/* Frees mbed TLS's context (which zeroizes the schedule) and wipes k.
 * Accepts an unprepared k. */
void bm_crypto_key_free(struct bm_crypto_key *k);
/* As bm_crypto_aes_ecb / ccm_encrypt / ccm_decrypt, with pk's kept schedule
 * when pk is prepared for that use, else with key. pk may be NULL. */
int bm_crypto_aes_ecb_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                        const uint8_t in[16], uint8_t out[16]);
int bm_crypto_ccm_encrypt_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                            const uint8_t nonce[BM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                            const uint8_t *in, size_t len, uint8_t *out, uint8_t *mic,
                            size_t mic_len);
int bm_crypto_ccm_decrypt_k(const struct bm_crypto_key *pk, const uint8_t key[BM_KEY_LEN],
                            const uint8_t nonce[BM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                            const uint8_t *in, size_t len, uint8_t *out, const uint8_t *mic,
                            size_t mic_len);

/* Overwrites len bytes with zeros in a way the compiler cannot elide. */
void bm_crypto_wipe(void *p, size_t len);
/* Constant-time comparison: 0 when equal. */
int bm_crypto_memcmp(const void *a, const void *b, size_t len);

/* --- key derivation (Mesh Profile 3.8.2) --- */
int bm_crypto_s1(const uint8_t *m, size_t len, uint8_t out[16]);
int bm_crypto_k1(const uint8_t *n, size_t n_len, const uint8_t salt[16], const uint8_t *p,
                 size_t p_len, uint8_t out[16]);
/* p = 0x00 for master credentials, 0x01||LPN||Friend||LPNCounter||FriendCounter
 * for friendship credentials. p_len 1..16. */
int bm_crypto_k2(const uint8_t n[BM_KEY_LEN], const uint8_t *p, size_t p_len, uint8_t *nid,
                 uint8_t enc_key[BM_KEY_LEN], uint8_t privacy_key[BM_KEY_LEN]);
int bm_crypto_k3(const uint8_t n[BM_KEY_LEN], uint8_t network_id[8]);
int bm_crypto_k4(const uint8_t n[BM_KEY_LEN], uint8_t *aid);
/* Mesh Protocol 1.1: s2 and k5 for BTM_ECDH_P256_HMAC_SHA256_AES_CCM. */
int bm_crypto_s2(const uint8_t *m, size_t len, uint8_t out[32]);
int bm_crypto_k5(const uint8_t *n, size_t n_len, const uint8_t salt[32], const uint8_t *p,
                 size_t p_len, uint8_t out[32]);

/* IdentityKey = k1(NetKey, s1("nkik"), "id128"||0x01); BeaconKey with "nkbk". */
int bm_crypto_identity_key(const uint8_t net_key[BM_KEY_LEN], uint8_t out[BM_KEY_LEN]);
int bm_crypto_beacon_key(const uint8_t net_key[BM_KEY_LEN], uint8_t out[BM_KEY_LEN]);
/* Virtual address of a Label UUID (Mesh Profile 3.4.2.3). */
int bm_crypto_virtual_addr(const uint8_t label_uuid[16], uint16_t *addr);

/* --- nonces (Mesh Profile 3.8.5) --- */
#define BM_NONCE_NETWORK 0x00
#define BM_NONCE_APP 0x01
#define BM_NONCE_DEVICE 0x02
#define BM_NONCE_PROXY 0x03

void bm_crypto_net_nonce(uint8_t nonce[BM_NONCE_LEN], uint8_t ctl_ttl, uint32_t seq,
                         uint16_t src, uint32_t iv_index);
void bm_crypto_proxy_nonce(uint8_t nonce[BM_NONCE_LEN], uint32_t seq, uint16_t src,
                           uint32_t iv_index);
/* Application (type BM_NONCE_APP) or device (BM_NONCE_DEVICE) nonce. */
void bm_crypto_access_nonce(uint8_t nonce[BM_NONCE_LEN], uint8_t type, int szmic, uint32_t seq,
                            uint16_t src, uint16_t dst, uint32_t iv_index);

/* --- network header privacy (Mesh Profile 3.8.7.3) --- */
/* XORs octets 1..6 (CTL/TTL, SEQ, SRC) of a network PDU with the PECB made
 * from its octets 7..13. Obfuscation and deobfuscation are the same
 * operation. pdu_len must be at least 14. */
int bm_crypto_obfuscate(const uint8_t privacy_key[BM_KEY_LEN], uint32_t iv_index,
                        uint8_t *pdu, size_t pdu_len);
/* The same with the PrivacyKey prepared (pk may be NULL or unprepared). */
int bm_crypto_obfuscate_k(const struct bm_crypto_key *pk, const uint8_t privacy_key[BM_KEY_LEN],
                          uint32_t iv_index, uint8_t *pdu, size_t pdu_len);

#endif
