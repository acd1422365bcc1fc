/* Provisioning security functions (Mesh Profile 1.0.1 5.4.2.4-5.4.2.5,
 * Mesh Protocol 1.1 5.4.2.4 for BTM_ECDH_P256_HMAC_SHA256_AES_CCM) and the
 * OOB values behind the AuthValue.
 *
 * Invariants: no state; every secret copied into a local (key material,
 * concatenated inputs, decrypted data) is wiped before return on every
 * path; outputs meant for the caller are written only on success where the
 * header says so. */
#include "prov/prov_crypto.h"

#include <string.h>

#include "blemesh/errors.h"

int bm_prov_conf_inputs(const uint8_t invite[BM_PROV_INVITE_LEN],
                        const uint8_t caps[BM_PROV_CAPS_LEN],
                        const uint8_t start[BM_PROV_START_LEN],
                        const uint8_t prov_pub[BM_P256_PUB_LEN],
                        const uint8_t dev_pub[BM_P256_PUB_LEN],
                        uint8_t out[BM_PROV_CONF_INPUTS_LEN])
{
    if (!invite || !caps || !start || !prov_pub || !dev_pub || !out)
        return BM_EINVAL;
    uint8_t *p = out;
    memcpy(p, invite, BM_PROV_INVITE_LEN);
    p += BM_PROV_INVITE_LEN;
    memcpy(p, caps, BM_PROV_CAPS_LEN);
    p += BM_PROV_CAPS_LEN;
    memcpy(p, start, BM_PROV_START_LEN);
    p += BM_PROV_START_LEN;
    memcpy(p, prov_pub, BM_P256_PUB_LEN);
    p += BM_P256_PUB_LEN;
    memcpy(p, dev_pub, BM_P256_PUB_LEN);
    return BM_OK;
}

int bm_prov_conf_salt(uint8_t alg, const uint8_t inputs[BM_PROV_CONF_INPUTS_LEN], uint8_t *salt)
{
    if (!inputs || !salt)
        return BM_EINVAL;
    switch (alg) {
    case BM_PROV_ALG_CMAC:
        return bm_crypto_s1(inputs, BM_PROV_CONF_INPUTS_LEN, salt);
    case BM_PROV_ALG_HMAC:
        return bm_crypto_s2(inputs, BM_PROV_CONF_INPUTS_LEN, salt);
    default:
        return BM_EINVAL;
    }
}

int bm_prov_conf_key(uint8_t alg, const uint8_t ecdh[BM_P256_SECRET_LEN], const uint8_t *salt,
                     const uint8_t *auth_value, uint8_t *conf_key)
{
    static const uint8_t prck[] = {'p', 'r', 'c', 'k'};
    static const uint8_t prck256[] = {'p', 'r', 'c', 'k', '2', '5', '6'};
    if (!ecdh || !salt || !conf_key)
        return BM_EINVAL;
    if (alg == BM_PROV_ALG_CMAC)
        return bm_crypto_k1(ecdh, BM_P256_SECRET_LEN, salt, prck, sizeof(prck), conf_key);
    if (alg != BM_PROV_ALG_HMAC || !auth_value)
        return BM_EINVAL;
    /* Mesh Protocol 1.1 5.4.2.4: the AuthValue enters the key, not the
     * confirmation, with this algorithm. */
    uint8_t n[BM_P256_SECRET_LEN + 32];
    memcpy(n, ecdh, BM_P256_SECRET_LEN);
    memcpy(n + BM_P256_SECRET_LEN, auth_value, 32);
    int rc = bm_crypto_k5(n, sizeof(n), salt, prck256, sizeof(prck256), conf_key);
    bm_crypto_wipe(n, sizeof(n));
    return rc;
}

int bm_prov_confirmation(uint8_t alg, const uint8_t *conf_key, const uint8_t *random,
                         const uint8_t *auth_value, uint8_t *conf)
{
    if (!conf_key || !random || !conf)
        return BM_EINVAL;
    if (alg == BM_PROV_ALG_HMAC)
        return bm_crypto_hmac_sha256(conf_key, 32, random, 32, conf);
    if (alg != BM_PROV_ALG_CMAC || !auth_value)
        return BM_EINVAL;
    uint8_t m[32];
    memcpy(m, random, 16);
    memcpy(m + 16, auth_value, 16);
    int rc = bm_crypto_cmac(conf_key, m, sizeof(m), conf);
    bm_crypto_wipe(m, sizeof(m));
    return rc;
}

bool bm_prov_is_reflection(const uint8_t *own, const uint8_t *peer, size_t len)
{
    return bm_crypto_memcmp(own, peer, len) == 0;
}

int bm_prov_confirmation_check(uint8_t alg, const uint8_t *conf_key, const uint8_t *peer_random,
                               const uint8_t *auth_value, const uint8_t *peer_conf,
                               const uint8_t *own_random)
{
    size_t n = bm_prov_auth_len(alg);
    if (n == 0 || !peer_conf || !own_random)
        return BM_EINVAL;
    uint8_t want[BM_PROV_AUTH_MAX_LEN];
    int rc = bm_prov_confirmation(alg, conf_key, peer_random, auth_value, want);
    if (rc == BM_OK) {
        bool match = bm_crypto_memcmp(want, peer_conf, n) == 0;
        bool reflected = bm_prov_is_reflection(own_random, peer_random, n);
        rc = match && !reflected ? BM_OK : BM_EAUTH;
    }
    bm_crypto_wipe(want, sizeof(want));
    return rc;
}

int bm_prov_prov_salt(uint8_t alg, const uint8_t *conf_salt, const uint8_t *random_prov,
                      const uint8_t *random_dev, uint8_t prov_salt[BM_PROV_SALT_LEN])
{
    size_t n = bm_prov_auth_len(alg);
    if (n == 0 || !conf_salt || !random_prov || !random_dev || !prov_salt)
        return BM_EINVAL;
    /* Mesh Protocol 1.1 5.4.2.5: s1 for both algorithms, over the longer
     * salt and randoms with HMAC, so the session keys stay 128-bit. */
    uint8_t m[3 * BM_PROV_AUTH_MAX_LEN];
    memcpy(m, conf_salt, n);
    memcpy(m + n, random_prov, n);
    memcpy(m + 2 * n, random_dev, n);
    int rc = bm_crypto_s1(m, 3 * n, prov_salt);
    bm_crypto_wipe(m, sizeof(m));
    return rc;
}

int bm_prov_session_derive(const uint8_t ecdh[BM_P256_SECRET_LEN],
                           const uint8_t prov_salt[BM_PROV_SALT_LEN], struct bm_prov_session *s)
{
    /* SessionKey, SessionNonce (its last 13 octets), DeviceKey */
    static const uint8_t labels[3][4] = {
        {'p', 'r', 's', 'k'}, {'p', 'r', 's', 'n'}, {'p', 'r', 'd', 'k'}};
    if (!ecdh || !prov_salt || !s)
        return BM_EINVAL;
    uint8_t nonce[16];
    uint8_t *out[3] = {s->session_key, nonce, s->dev_key};
    int rc = BM_OK;
    for (int i = 0; i < 3 && rc == BM_OK; i++)
        rc = bm_crypto_k1(ecdh, BM_P256_SECRET_LEN, prov_salt, labels[i], 4, out[i]);
    if (rc == BM_OK)
        memcpy(s->session_nonce, nonce + 16 - BM_NONCE_LEN, BM_NONCE_LEN);
    else
        bm_crypto_wipe(s, sizeof(*s));
    bm_crypto_wipe(nonce, sizeof(nonce));
    return rc;
}

static bool data_fields_valid(const struct bm_prov_data *d)
{
    /* A NetKey index is 12 bits (Mesh Profile 4.3.1.1); the address is the
     * primary element's, so unicast (3.4.2.2). */
    return d->net_key_index <= 0x0fff && d->unicast_addr != 0 && d->unicast_addr < 0x8000;
}

int bm_prov_data_encode(const struct bm_prov_data *d, uint8_t out[BM_PROV_DATA_ENC_LEN])
{
    if (!d || !out || !data_fields_valid(d))
        return BM_EINVAL;
    memcpy(out, d->net_key, BM_KEY_LEN);
    out[16] = (uint8_t)(d->net_key_index >> 8);
    out[17] = (uint8_t)d->net_key_index;
    out[18] = d->flags;
    out[19] = (uint8_t)(d->iv_index >> 24);
    out[20] = (uint8_t)(d->iv_index >> 16);
    out[21] = (uint8_t)(d->iv_index >> 8);
    out[22] = (uint8_t)d->iv_index;
    out[23] = (uint8_t)(d->unicast_addr >> 8);
    out[24] = (uint8_t)d->unicast_addr;
    return BM_OK;
}

int bm_prov_data_decode(const uint8_t in[BM_PROV_DATA_ENC_LEN], struct bm_prov_data *d)
{
    if (!in || !d)
        return BM_EINVAL;
    /* the fields checked where they lie, so *d is written only when valid */
    struct bm_prov_data t = {.net_key_index = (uint16_t)(in[16] << 8 | in[17]),
                             .unicast_addr = (uint16_t)(in[23] << 8 | in[24])};
    if (!data_fields_valid(&t))
        return BM_EMALFORMED;
    memcpy(d->net_key, in, BM_KEY_LEN);
    d->net_key_index = t.net_key_index;
    d->flags = in[18];
    d->iv_index = (uint32_t)in[19] << 24 | (uint32_t)in[20] << 16 | (uint32_t)in[21] << 8 | in[22];
    d->unicast_addr = t.unicast_addr;
    return BM_OK;
}

int bm_prov_data_encrypt(const struct bm_prov_session *s, const struct bm_prov_data *d,
                         uint8_t enc[BM_PROV_DATA_ENC_LEN], uint8_t mic[BM_PROV_DATA_MIC_LEN])
{
    if (!s || !d || !enc || !mic)
        return BM_EINVAL;
    uint8_t plain[BM_PROV_DATA_ENC_LEN];
    int rc = bm_prov_data_encode(d, plain);
    if (rc == BM_OK)
        rc = bm_crypto_ccm_encrypt(s->session_key, s->session_nonce, NULL, 0, plain, sizeof(plain),
                                   enc, mic, BM_PROV_DATA_MIC_LEN);
    bm_crypto_wipe(plain, sizeof(plain));
    return rc;
}

int bm_prov_data_decrypt(const struct bm_prov_session *s, const uint8_t enc[BM_PROV_DATA_ENC_LEN],
                         const uint8_t mic[BM_PROV_DATA_MIC_LEN], struct bm_prov_data *d)
{
    if (!s || !enc || !mic || !d)
        return BM_EINVAL;
    uint8_t plain[BM_PROV_DATA_ENC_LEN];
    int rc = bm_crypto_ccm_decrypt(s->session_key, s->session_nonce, NULL, 0, enc,
                                   BM_PROV_DATA_ENC_LEN, plain, mic, BM_PROV_DATA_MIC_LEN);
    if (rc == BM_OK)
        rc = bm_prov_data_decode(plain, d);
    bm_crypto_wipe(plain, sizeof(plain));
    return rc;
}

/* --- OOB values --- */

enum oob_kind { OOB_NONE, OOB_COUNT, OOB_NUMERIC, OOB_ALNUM };

/* Mesh Profile 5.4.2.4: blink/beep/vibrate and push/twist are counts,
 * output/input numeric a number, output/input alphanumeric a string. */
static enum oob_kind oob_kind_of(const struct bm_prov_start *st)
{
    if (st->auth_size < 1 || st->auth_size > BM_PROV_OOB_SIZE_MAX)
        return OOB_NONE;
    if (st->auth_method == BM_PROV_AUTH_OUTPUT) {
        switch (st->auth_action) {
        case BM_PROV_OUT_BLINK:
        case BM_PROV_OUT_BEEP:
        case BM_PROV_OUT_VIBRATE:
            return OOB_COUNT;
        case BM_PROV_OUT_NUMERIC:
            return OOB_NUMERIC;
        case BM_PROV_OUT_ALPHANUMERIC:
            return OOB_ALNUM;
        default:
            return OOB_NONE;
        }
    }
    if (st->auth_method == BM_PROV_AUTH_INPUT) {
        switch (st->auth_action) {
        case BM_PROV_IN_PUSH:
        case BM_PROV_IN_TWIST:
            return OOB_COUNT;
        case BM_PROV_IN_NUMERIC:
            return OOB_NUMERIC;
        case BM_PROV_IN_ALPHANUMERIC:
            return OOB_ALNUM;
        default:
            return OOB_NONE;
        }
    }
    return OOB_NONE;
}

static uint32_t pow10_u32(uint8_t n)
{
    uint32_t v = 1;
    while (n--)
        v *= 10;
    return v;
}

static const char alnum_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define ALNUM_COUNT 36

static bool number_fits(enum oob_kind kind, uint8_t size, uint32_t number)
{
    if (number >= pow10_u32(size))
        return false;
    return kind == OOB_NUMERIC || number >= 1;
}

/* Divides the big-endian number v by d in place and returns the
 * remainder: 64-bit v % d and v / d without a 64-bit division (libgcc's
 * costs a small device almost 1 KB). Long division 4 bits at a time, so
 * with d below 2^27 every step fits 32 bits. */
static uint32_t divide(uint8_t v[BM_PROV_OOB_RANDOM_LEN], uint32_t d)
{
    uint32_t r = 0;
    for (int i = 0; i < BM_PROV_OOB_RANDOM_LEN; i++) {
        uint32_t q = 0;
        for (int shift = 4; shift >= 0; shift -= 4) {
            r = r << 4 | ((uint32_t)v[i] >> shift & 0xf);
            q = q << 4 | r / d;
            r %= d;
        }
        v[i] = (uint8_t)q;
    }
    return r;
}

int bm_prov_oob_generate(const struct bm_prov_start *start,
                         const uint8_t rnd[BM_PROV_OOB_RANDOM_LEN], struct bm_prov_oob *oob)
{
    if (!start || !rnd || !oob)
        return BM_EINVAL;
    enum oob_kind kind = oob_kind_of(start);
    if (kind == OOB_NONE)
        return BM_EINVAL;
    uint8_t v[BM_PROV_OOB_RANDOM_LEN];
    memcpy(v, rnd, sizeof(v));
    /* Reducing 64 random bits modulo at most 10^8 or 36^8 (< 2^42) leaves
     * a bias below 2^-22 per value, negligible against a guess. */
    memset(oob, 0, sizeof(*oob));
    if (kind == OOB_ALNUM) {
        oob->alphanumeric = true;
        oob->str_len = start->auth_size;
        for (uint8_t i = 0; i < start->auth_size; i++)
            oob->str[i] = alnum_chars[divide(v, ALNUM_COUNT)];
    } else {
        uint32_t range = pow10_u32(start->auth_size);
        if (kind == OOB_COUNT)
            oob->number = 1 + divide(v, range - 1); /* 1..10^size-1 */
        else
            oob->number = divide(v, range);
    }
    bm_crypto_wipe(v, sizeof(v));
    return BM_OK;
}

int bm_prov_oob_from_number(const struct bm_prov_start *start, uint32_t number,
                            struct bm_prov_oob *oob)
{
    if (!start || !oob)
        return BM_EINVAL;
    enum oob_kind kind = oob_kind_of(start);
    if (kind != OOB_COUNT && kind != OOB_NUMERIC)
        return BM_EINVAL;
    if (!number_fits(kind, start->auth_size, number))
        return BM_EINVAL;
    memset(oob, 0, sizeof(*oob));
    oob->number = number;
    return BM_OK;
}

int bm_prov_oob_from_text(const struct bm_prov_start *start, const char *text, size_t len,
                          struct bm_prov_oob *oob)
{
    if (!start || !text || !oob)
        return BM_EINVAL;
    enum oob_kind kind = oob_kind_of(start);
    if (kind == OOB_NONE || len < 1 || len > start->auth_size)
        return BM_EINVAL;
    struct bm_prov_oob t;
    memset(&t, 0, sizeof(t));
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        char c = text[i];
        if (kind == OOB_ALNUM && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        bool digit = c >= '0' && c <= '9';
        if (kind == OOB_ALNUM) {
            ok = digit || (c >= 'A' && c <= 'Z');
            t.str[i] = c;
        } else {
            ok = digit;
            t.number = t.number * 10 + (uint32_t)(c - '0'); /* len <= 8: no overflow */
        }
    }
    if (kind == OOB_ALNUM) {
        t.alphanumeric = true;
        t.str_len = (uint8_t)len;
    } else if (ok) {
        ok = number_fits(kind, start->auth_size, t.number);
    }
    if (ok)
        *oob = t;
    bm_crypto_wipe(&t, sizeof(t));
    return ok ? BM_OK : BM_EINVAL;
}

int bm_prov_auth_from_oob(uint8_t alg, const struct bm_prov_oob *oob, uint8_t *auth)
{
    size_t n = bm_prov_auth_len(alg);
    if (n == 0 || !oob || !auth)
        return BM_EINVAL;
    bool ok = oob->alphanumeric ? oob->str_len >= 1 && oob->str_len <= BM_PROV_OOB_SIZE_MAX
                                : oob->number < pow10_u32(BM_PROV_OOB_SIZE_MAX);
    if (!ok)
        return BM_EINVAL;
    memset(auth, 0, n);
    if (oob->alphanumeric) {
        memcpy(auth, oob->str, oob->str_len);
    } else {
        auth[n - 4] = (uint8_t)(oob->number >> 24);
        auth[n - 3] = (uint8_t)(oob->number >> 16);
        auth[n - 2] = (uint8_t)(oob->number >> 8);
        auth[n - 1] = (uint8_t)oob->number;
    }
    return BM_OK;
}

int bm_prov_auth_static(uint8_t alg, const uint8_t *oob_data, size_t len, uint8_t *auth)
{
    size_t n = bm_prov_auth_len(alg);
    if (n == 0 || !oob_data || !auth || len != n)
        return BM_EINVAL;
    memcpy(auth, oob_data, n);
    return BM_OK;
}

int bm_prov_auth_no_oob(uint8_t alg, uint8_t *auth)
{
    size_t n = bm_prov_auth_len(alg);
    if (n == 0 || !auth)
        return BM_EINVAL;
    memset(auth, 0, n);
    return BM_OK;
}
