/* Provisioning security (Mesh Profile 1.0.1 5.4.2.4-5.4.2.5 and 5.4.3,
 * Mesh Protocol 1.1 5.4.2.4 for the HMAC algorithm): confirmation inputs,
 * salts and keys, confirmation values, session key/nonce and device key,
 * provisioning data encryption, and the AuthValue of every OOB method.
 *
 * Everything here is stateless: the state machines keep the values and
 * pass them back in. Every function returns 0 or a negative BM_E* code.
 * Lengths that depend on the algorithm (BM_PROV_ALG_CMAC: 16 octets,
 * BM_PROV_ALG_HMAC: 32) are given by bm_prov_auth_len(alg); buffers sized
 * BM_PROV_AUTH_MAX_LEN fit both. All values here are secrets except the
 * confirmation inputs, salts, randoms and confirmations: never log them. */
#ifndef BM_PROV_CRYPTO_H
#define BM_PROV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "prov/prov_pdu.h"

#define BM_PROV_CONF_INPUTS_LEN 145 /* 1 + 11 + 5 + 64 + 64 */
#define BM_PROV_AUTH_MAX_LEN 32     /* AuthValue, Random, Confirmation, salts, keys */
#define BM_PROV_SALT_LEN 16         /* ProvisioningSalt (both algorithms) */

/* ConfirmationInputs = Invite || Capabilities || Start parameters (without
 * the type octet, as sent or received) || PublicKeyProvisioner ||
 * PublicKeyDevice (Mesh Profile 5.4.2.4). */
int bm_prov_conf_inputs(const uint8_t invite[BM_PROV_INVITE_LEN],
                        const uint8_t caps[BM_PROV_CAPS_LEN],
                        const uint8_t start[BM_PROV_START_LEN],
                        const uint8_t prov_pub[BM_P256_PUB_LEN],
                        const uint8_t dev_pub[BM_P256_PUB_LEN],
                        uint8_t out[BM_PROV_CONF_INPUTS_LEN]);

/* ConfirmationSalt: s1(inputs) (16 octets) or s2(inputs) (32 octets). */
int bm_prov_conf_salt(uint8_t alg, const uint8_t inputs[BM_PROV_CONF_INPUTS_LEN], uint8_t *salt);

/* ConfirmationKey: k1(ECDHSecret, salt, "prck") (16 octets), or
 * k5(ECDHSecret || AuthValue, salt, "prck256") (32 octets). auth_value is
 * read only by the HMAC algorithm (the CMAC one uses it in the
 * confirmation instead) and may then be NULL. */
int bm_prov_conf_key(uint8_t alg, const uint8_t ecdh[BM_P256_SECRET_LEN], const uint8_t *salt,
                     const uint8_t *auth_value, uint8_t *conf_key);

/* Confirmation of one side: AES-CMAC_ConfirmationKey(Random || AuthValue)
 * or HMAC-SHA-256_ConfirmationKey(Random); auth_value is read only by the
 * CMAC algorithm. */
int bm_prov_confirmation(uint8_t alg, const uint8_t *conf_key, const uint8_t *random,
                         const uint8_t *auth_value, uint8_t *conf);

/* Checks the peer's Random against the Confirmation it sent earlier, in
 * constant time. Returns 0, or BM_EAUTH (the caller reports
 * BM_PROV_ERR_CONFIRMATION_FAILED) when it does not match or when the
 * peer's Random equals our own: a peer reflecting our own Random and
 * Confirmation back would otherwise pass (Zephyr rejects the same case). */
int bm_prov_confirmation_check(uint8_t alg, const uint8_t *conf_key, const uint8_t *peer_random,
                               const uint8_t *auth_value, const uint8_t *peer_conf,
                               const uint8_t *own_random);

/* True when a value received from the peer equals the one we sent (public
 * key, confirmation): a reflection the state machine must reject (Zephyr
 * does both; PTS MESH/PVNR/PROV/BI-18-C tests the confirmation), with
 * BM_PROV_ERR_INVALID_FORMAT for a public key and
 * BM_PROV_ERR_CONFIRMATION_FAILED for a confirmation. Constant time. */
bool bm_prov_is_reflection(const uint8_t *own, const uint8_t *peer, size_t len);

/* ProvisioningSalt = s1(ConfirmationSalt || RandomProvisioner ||
 * RandomDevice), each of bm_prov_auth_len(alg) octets; always 16 octets. */
int bm_prov_prov_salt(uint8_t alg, const uint8_t *conf_salt, const uint8_t *random_prov,
                      const uint8_t *random_dev, uint8_t prov_salt[BM_PROV_SALT_LEN]);

/* Keys of a completed confirmation (Mesh Profile 5.4.2.5), the same for
 * both algorithms. Secret: wipe with bm_crypto_wipe() when done. */
struct bm_prov_session {
    uint8_t session_key[BM_KEY_LEN];     /* k1(ECDHSecret, ProvisioningSalt, "prsk") */
    uint8_t session_nonce[BM_NONCE_LEN]; /* 13 LSB of k1(.., "prsn") */
    uint8_t dev_key[BM_KEY_LEN];         /* k1(.., "prdk") */
};

int bm_prov_session_derive(const uint8_t ecdh[BM_P256_SECRET_LEN],
                           const uint8_t prov_salt[BM_PROV_SALT_LEN], struct bm_prov_session *s);

/* Provisioning Data (Mesh Profile 5.4.2.5). */
#define BM_PROV_FLAG_KEY_REFRESH 0x01
#define BM_PROV_FLAG_IV_UPDATE 0x02
struct bm_prov_data {
    uint8_t net_key[BM_KEY_LEN];
    uint16_t net_key_index; /* 0..0x0fff */
    uint8_t flags;          /* BM_PROV_FLAG_*; bits 2..7 RFU, kept as received */
    uint32_t iv_index;
    uint16_t unicast_addr; /* of the primary element: 0x0001..0x7fff */
};

/* Plain 25-octet form: NetKey || KeyIndex || Flags || IVIndex || Address,
 * big-endian. encode refuses (BM_EINVAL) what decode rejects
 * (BM_EMALFORMED): a key index above 0x0fff or a non-unicast address. */
int bm_prov_data_encode(const struct bm_prov_data *d, uint8_t out[BM_PROV_DATA_ENC_LEN]);
int bm_prov_data_decode(const uint8_t in[BM_PROV_DATA_ENC_LEN], struct bm_prov_data *d);

/* AES-CCM with SessionKey and SessionNonce, 8-octet MIC. */
int bm_prov_data_encrypt(const struct bm_prov_session *s, const struct bm_prov_data *d,
                         uint8_t enc[BM_PROV_DATA_ENC_LEN], uint8_t mic[BM_PROV_DATA_MIC_LEN]);
/* Returns BM_EAUTH when the MIC does not verify (report
 * BM_PROV_ERR_DECRYPTION_FAILED) and BM_EMALFORMED when the decrypted
 * fields are invalid (report BM_PROV_ERR_INVALID_FORMAT); *d is written
 * only on success. */
int bm_prov_data_decrypt(const struct bm_prov_session *s, const uint8_t enc[BM_PROV_DATA_ENC_LEN],
                         const uint8_t mic[BM_PROV_DATA_MIC_LEN], struct bm_prov_data *d);

/* --- OOB values and AuthValue (Mesh Profile 5.4.2.4) --- */

/* Random octets bm_prov_oob_generate() consumes (from the platform). */
#define BM_PROV_OOB_RANDOM_LEN 8

/* The value one side shows (blinks, beeps, displays) and the other enters.
 * Blink, beep, vibrate, push and twist are counts 1..10^size-1 (a count of
 * zero cannot be shown); numeric is 0..10^size-1; alphanumeric is size
 * characters from 0-9A-Z. */
struct bm_prov_oob {
    bool alphanumeric;
    uint32_t number;                    /* when !alphanumeric: below 10^8 */
    uint8_t str_len;                    /* when alphanumeric: 1..8 */
    char str[BM_PROV_OOB_SIZE_MAX + 1]; /* NUL-terminated */
};

/* Draws the OOB value for start (method Output or Input; action and size
 * as validated by bm_prov_pdu_parse) from rnd. The bias of the reduction of
 * 64 random bits is below 2^-22. BM_EINVAL for any other method. */
int bm_prov_oob_generate(const struct bm_prov_start *start,
                         const uint8_t rnd[BM_PROV_OOB_RANDOM_LEN], struct bm_prov_oob *oob);

/* What a user entered, as text: decimal digits (1..size of them) for the
 * numeric kinds, 1..size characters of 0-9A-Z for alphanumeric (lower case
 * is folded: the generator never emits it). BM_EINVAL for anything that
 * does not fit the action and size; *oob is written only on success. */
int bm_prov_oob_from_text(const struct bm_prov_start *start, const char *text, size_t len,
                          struct bm_prov_oob *oob);

/* What a device counted or a user entered as a number (numeric kinds
 * only): BM_EINVAL if it does not fit the action and size. */
int bm_prov_oob_from_number(const struct bm_prov_start *start, uint32_t number,
                            struct bm_prov_oob *oob);

/* AuthValue of bm_prov_auth_len(alg) octets: a number big-endian in the
 * last octets, a string left-aligned; zero padded. */
int bm_prov_auth_from_oob(uint8_t alg, const struct bm_prov_oob *oob, uint8_t *auth);

/* AuthValue of Static OOB: exactly bm_prov_auth_len(alg) octets (16 for
 * CMAC, 32 for HMAC, Mesh Protocol 1.1 5.4.2.4); other lengths are the
 * caller's error (BM_EINVAL), not silently padded or cut. */
int bm_prov_auth_static(uint8_t alg, const uint8_t *oob_data, size_t len, uint8_t *auth);

/* AuthValue of No OOB: zeros. */
int bm_prov_auth_no_oob(uint8_t alg, uint8_t *auth);

#endif
