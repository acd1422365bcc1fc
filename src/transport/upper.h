/* Upper transport layer (Mesh Profile 3.6): access payload encryption with
 * an application key (AKF=1, AID) or a device key (AKF=0), TransMIC of 32
 * or 64 bits (SZMIC), virtual address labels as additional data, and
 * transport control message framing. */
#ifndef BM_UPPER_H
#define BM_UPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"
#include "crypto/crypto.h"

#define BM_TRANSMIC_SHORT 4
#define BM_TRANSMIC_LONG 8

/* Parameters of the application/device nonce and the additional data. */
struct bm_upper_params {
    bool dev_key;       /* AKF = 0: device nonce */
    uint8_t szmic;      /* 1: 64-bit TransMIC (segmented only) */
    uint32_t seq;       /* SEQ of the first segment */
    uint16_t src, dst;
    uint32_t iv_index;
    const uint8_t *label; /* 16-octet Label UUID when dst is virtual, else NULL */
};

/* Encrypts access (1..380 octets) into out: ciphertext || TransMIC.
 * out may equal access (in place: bm_crypto_ccm_encrypt allows it), but
 * must not overlap it otherwise. Returns 0, BM_EINVAL or BM_ENOSPC. */
int bm_upper_encrypt(const uint8_t key[BM_KEY_LEN], const struct bm_upper_params *p,
                     const uint8_t *access, size_t access_len, uint8_t *out, size_t out_size,
                     size_t *out_len);

/* Decrypts an upper transport access PDU. BM_EMALFORMED if too short for
 * the TransMIC, BM_EAUTH if it does not verify (out is then zeroed). */
int bm_upper_decrypt(const uint8_t key[BM_KEY_LEN], const struct bm_upper_params *p,
                     const uint8_t *upper, size_t upper_len, uint8_t *out, size_t out_size,
                     size_t *out_len);

/* The keys a receiver may try, for bm_upper_decrypt_any(). */
struct bm_upper_appkey {
    uint16_t app_idx;
    uint8_t aid;
    uint8_t key[BM_KEY_LEN];
};
struct bm_upper_devkey {
    uint16_t addr;      /* the node whose device key this is */
    const uint8_t *key; /* BM_KEY_LEN octets, owned by the caller */
};
struct bm_upper_keyring {
    const struct bm_upper_appkey *app;
    size_t app_count;
    const struct bm_upper_devkey *dev;
    size_t dev_count;
    const uint8_t (*labels)[16];
    size_t label_count;
};

/* Which key decrypted a message. */
struct bm_upper_match {
    bool dev_key;
    uint16_t index;     /* app_idx, or the device key's address */
    const uint8_t *label; /* the matching label for a virtual dst, else NULL */
};

/* Tries every application key whose AID matches (AKF=1) or every device key
 * of src or dst (AKF=0), and for a virtual dst every label with that hash.
 * p->dev_key and p->label are chosen here. Returns 0, BM_ENOKEY (no
 * candidate) or BM_EAUTH (candidates, none verified; out is zeroed), or
 * BM_EMALFORMED as bm_upper_decrypt(). out must not overlap upper: a
 * failed attempt zeroes out before the next key is tried. */
int bm_upper_decrypt_any(const struct bm_upper_keyring *ring, uint8_t akf, uint8_t aid,
                         struct bm_upper_params p, const uint8_t *upper, size_t upper_len,
                         uint8_t *out, size_t out_size, size_t *out_len,
                         struct bm_upper_match *match);

#endif
