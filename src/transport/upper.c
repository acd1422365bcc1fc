/* Upper transport access PDUs (Mesh Profile 3.6.2, 3.8.7.1): AES-CCM of the
 * access payload under an application key (application nonce) or a device
 * key (device nonce), with a 32- or 64-bit TransMIC and, for a virtual
 * destination, the Label UUID as additional data. Transport control
 * messages (3.6.3) are not encrypted at this layer: their opcode and
 * parameters go straight to the lower transport (bm_lower_build).
 *
 * Invariants: an upper transport access PDU is ciphertext || TransMIC with
 * 1..380 octets of ciphertext and at most 384 octets in all (32 segments
 * of 12). A PDU that does not verify never leaves plaintext behind: the
 * output is zeroed and *out_len is 0. No key is copied or kept. */
#include "transport/upper.h"

#include <string.h>

#include "blemesh/errors.h"

#define UPPER_ACCESS_MAX 384 /* 32 segments x 12 octets (3.5.2.2) */
#define LABEL_LEN 16

static size_t mic_len(uint8_t szmic)
{
    return szmic ? BM_TRANSMIC_LONG : BM_TRANSMIC_SHORT;
}

static bool is_virtual(uint16_t addr)
{
    return (addr & 0xc000) == 0x8000; /* 3.4.2.3 */
}

static int check_params(const struct bm_upper_params *p)
{
    if (p->szmic > 1 || p->seq > 0xffffffu)
        return BM_EINVAL;
    /* 3.8.7.1: the Label UUID is the additional data exactly when the
     * destination is a virtual address. */
    if (is_virtual(p->dst) != (p->label != NULL))
        return BM_EINVAL;
    return BM_OK;
}

static void make_nonce(const struct bm_upper_params *p, uint8_t nonce[BM_NONCE_LEN])
{
    /* 3.8.5.2/3.8.5.3: both nonces carry ASZMIC = SZMIC of the message. */
    bm_crypto_access_nonce(nonce, p->dev_key ? BM_NONCE_DEVICE : BM_NONCE_APP, p->szmic, p->seq,
                           p->src, p->dst, p->iv_index);
}

int bm_upper_encrypt(const uint8_t key[BM_KEY_LEN], const struct bm_upper_params *p,
                     const uint8_t *access, size_t access_len, uint8_t *out, size_t out_size,
                     size_t *out_len)
{
    if (!key || !p || !access || !out || !out_len || check_params(p) != BM_OK)
        return BM_EINVAL;
    size_t mic = mic_len(p->szmic);
    if (access_len < 1 || access_len + mic > UPPER_ACCESS_MAX)
        return BM_EINVAL;
    if (out_size < access_len + mic)
        return BM_ENOSPC;

    uint8_t nonce[BM_NONCE_LEN];
    make_nonce(p, nonce);
    int rc = bm_crypto_ccm_encrypt(key, nonce, p->label, p->label ? LABEL_LEN : 0, access,
                                   access_len, out, out + access_len, mic);
    if (rc != BM_OK) {
        bm_crypto_wipe(out, access_len + mic);
        return rc;
    }
    *out_len = access_len + mic;
    return BM_OK;
}

/* Length checks shared by decrypt and decrypt_any. */
static int check_upper(uint8_t szmic, size_t upper_len, size_t out_size)
{
    size_t mic = mic_len(szmic);
    if (upper_len < mic + 1 || upper_len > UPPER_ACCESS_MAX)
        return BM_EMALFORMED;
    if (out_size < upper_len - mic)
        return BM_ENOSPC;
    return BM_OK;
}

/* Decrypts an upper transport PDU whose parameters and lengths were
 * checked (check_params, check_upper). */
static int decrypt(const uint8_t key[BM_KEY_LEN], const struct bm_upper_params *p,
                   const uint8_t *upper, size_t upper_len, uint8_t *out, size_t *out_len)
{
    size_t mic = mic_len(p->szmic);
    size_t n = upper_len - mic;
    uint8_t nonce[BM_NONCE_LEN];
    make_nonce(p, nonce);
    int rc = bm_crypto_ccm_decrypt(key, nonce, p->label, p->label ? LABEL_LEN : 0, upper, n, out,
                                   upper + n, mic);
    if (rc != BM_OK) {
        bm_crypto_wipe(out, n);
        return rc;
    }
    *out_len = n;
    return BM_OK;
}

int bm_upper_decrypt(const uint8_t key[BM_KEY_LEN], const struct bm_upper_params *p,
                     const uint8_t *upper, size_t upper_len, uint8_t *out, size_t out_size,
                     size_t *out_len)
{
    if (!key || !p || !upper || !out || !out_len || check_params(p) != BM_OK)
        return BM_EINVAL;
    *out_len = 0;
    int rc = check_upper(p->szmic, upper_len, out_size);
    if (rc != BM_OK)
        return rc;
    return decrypt(key, p, upper, upper_len, out, out_len);
}

struct attempt {
    const uint8_t *upper;
    size_t upper_len;
    uint8_t *out;
    size_t *out_len;
    bool tried; /* at least one key was a candidate */
};

/* Tries one key; BM_EAUTH means "try the next one". bm_upper_decrypt_any
 * checked the lengths and SZMIC once and sets the label exactly for a
 * virtual destination; the rest of check_params() (SEQ) is checked here,
 * per key, as bm_upper_decrypt would. */
static int try_key(struct attempt *a, const uint8_t key[BM_KEY_LEN],
                   const struct bm_upper_params *p)
{
    a->tried = true;
    if (p->seq > 0xffffffu)
        return BM_EINVAL;
    return decrypt(key, p, a->upper, a->upper_len, a->out, a->out_len);
}

/* Every key of the ring that fits akf/aid (or src/dst), under one label. */
static int try_keys(struct attempt *a, const struct bm_upper_keyring *ring, uint8_t akf,
                    uint8_t aid, const struct bm_upper_params *p, struct bm_upper_match *match)
{
    size_t count = akf ? ring->app_count : ring->dev_count;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key;
        uint16_t index;
        if (akf) {
            const struct bm_upper_appkey *k = &ring->app[i];
            if ((k->aid & 0x3f) != (aid & 0x3f))
                continue;
            key = k->key;
            index = k->app_idx;
        } else {
            /* A device key belongs to one node, which is either the source
             * or the destination of a message secured with it. */
            const struct bm_upper_devkey *k = &ring->dev[i];
            if (k->addr != p->src && k->addr != p->dst)
                continue;
            key = k->key;
            index = k->addr;
        }
        int rc = try_key(a, key, p);
        if (rc == BM_OK) {
            match->dev_key = !akf;
            match->index = index;
            match->label = p->label;
        }
        if (rc != BM_EAUTH)
            return rc;
    }
    return BM_EAUTH;
}

int bm_upper_decrypt_any(const struct bm_upper_keyring *ring, uint8_t akf, uint8_t aid,
                         struct bm_upper_params p, const uint8_t *upper, size_t upper_len,
                         uint8_t *out, size_t out_size, size_t *out_len,
                         struct bm_upper_match *match)
{
    if (!ring || !upper || !out || !out_len || !match || akf > 1 || p.szmic > 1 ||
        (ring->app_count && !ring->app) || (ring->dev_count && !ring->dev) ||
        (ring->label_count && !ring->labels))
        return BM_EINVAL;
    *out_len = 0;
    int rc = check_upper(p.szmic, upper_len, out_size);
    if (rc != BM_OK)
        return rc;

    struct attempt a = {upper, upper_len, out, out_len, false};
    p.dev_key = (akf == 0);
    p.label = NULL;
    if (!is_virtual(p.dst)) {
        rc = try_keys(&a, ring, akf, aid, &p, match);
    } else {
        /* 3.4.2.3: the 14-bit hash of a virtual address can collide, so
         * every label with that hash is tried. */
        rc = BM_EAUTH;
        for (size_t i = 0; i < ring->label_count && rc == BM_EAUTH; i++) {
            uint16_t addr;
            int vrc = bm_crypto_virtual_addr(ring->labels[i], &addr);
            if (vrc != BM_OK)
                return vrc;
            if (addr != p.dst)
                continue;
            p.label = ring->labels[i];
            rc = try_keys(&a, ring, akf, aid, &p, match);
        }
    }
    if (rc == BM_EAUTH && !a.tried)
        return BM_ENOKEY;
    return rc;
}
