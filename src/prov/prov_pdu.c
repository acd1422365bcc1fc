/* Provisioning PDUs (Mesh Profile 1.0.1 5.4.1, Mesh Protocol 1.1 5.4.1):
 * parse with exact-length and field-range checks, build with the same
 * checks, and the Start-versus-Capabilities rule.
 *
 * Invariants: the parser checks the exact length of a PDU against its
 * type's (param_len) before it reads a field, and writes *pdu only after
 * the whole PDU was accepted; the builder never
 * emits a PDU the parser would reject. */
#include "prov/prov_pdu.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "blemesh/errors.h"

_Static_assert(BM_PROV_ALG_CMAC == 0 && BM_PROV_ALG_HMAC == 1, "16 << alg is the length");

size_t bm_prov_auth_len(uint8_t alg)
{
    /* CMAC (0): 16 octets, HMAC (1): twice that */
    return alg <= BM_PROV_ALG_HMAC ? (size_t)16 << alg : 0;
}

/* Mesh Profile 5.4.1.2 (with Mesh Protocol 1.1 Static
 * OOB bit 1). Prohibited values are a format error; RFU bits of the
 * algorithm and action bitmasks are kept, since a newer device may offer
 * more than we know, and we only ever select what we know. */
static bool caps_valid(const struct bm_prov_caps *c)
{
    /* Sizes 0x09..0xff are RFU: a size we cannot interpret is a format
     * error, unlike an unknown bit in a mask. */
    return c->num_elements != 0 && !(c->pub_key_type & ~BM_PROV_PUB_KEY_OOB_AVAILABLE) &&
           !(c->static_oob_type &
             ~(BM_PROV_STATIC_OOB_AVAILABLE | BM_PROV_STATIC_OOB_AUTH_REQUIRED)) &&
           c->output_oob_size <= BM_PROV_OOB_SIZE_MAX && c->input_oob_size <= BM_PROV_OOB_SIZE_MAX;
}

/* Mesh Profile 5.4.1.3: every value outside the listed
 * ones is prohibited or RFU, and a device cannot act on either. */
static bool start_valid(const struct bm_prov_start *s)
{
    if (bm_prov_auth_len(s->algorithm) == 0 || s->pub_key > BM_PROV_PUB_KEY_OOB)
        return false;
    if (s->auth_method <= BM_PROV_AUTH_STATIC) /* No OOB, Static OOB */
        return s->auth_action == 0 && s->auth_size == 0;
    if (s->auth_method > BM_PROV_AUTH_INPUT)
        return false;
    uint8_t actions = s->auth_method == BM_PROV_AUTH_OUTPUT ? BM_PROV_OUT_COUNT : BM_PROV_IN_COUNT;
    return s->auth_action < actions && s->auth_size >= 1 && s->auth_size <= BM_PROV_OOB_SIZE_MAX;
}

/* Parameter length of each PDU type (5.4.1); AUTH_SIZED for Confirmation
 * and Random: 16 octets with the CMAC algorithm, 32 with HMAC (Mesh
 * Protocol 1.1 5.4.1.6/5.4.1.7). */
#define AUTH_SIZED 0xff
static const uint8_t param_len[BM_PROV_TYPE_COUNT] = {
    [BM_PROV_INVITE] = BM_PROV_INVITE_LEN, [BM_PROV_CAPABILITIES] = BM_PROV_CAPS_LEN,
    [BM_PROV_START] = BM_PROV_START_LEN,   [BM_PROV_PUB_KEY] = BM_PROV_PUB_KEY_LEN,
    [BM_PROV_INPUT_COMPLETE] = 0,          [BM_PROV_CONFIRM] = AUTH_SIZED,
    [BM_PROV_RANDOM] = AUTH_SIZED,         [BM_PROV_DATA] = BM_PROV_DATA_LEN,
    [BM_PROV_COMPLETE] = 0,                [BM_PROV_FAILED] = BM_PROV_FAILED_LEN,
};

/* Provisioning Data's encrypted data and MIC go out back to back. */
_Static_assert(offsetof(struct bm_prov_pdu, u.data.mic) ==
                   offsetof(struct bm_prov_pdu, u.data.enc) + BM_PROV_DATA_ENC_LEN,
               "Provisioning Data fields are contiguous");

/* Start's five fields are its five octets, in their order (5.4.1.3). */
_Static_assert(sizeof(struct bm_prov_start) == BM_PROV_START_LEN &&
                   offsetof(struct bm_prov_start, algorithm) == 0 &&
                   offsetof(struct bm_prov_start, pub_key) == 1 &&
                   offsetof(struct bm_prov_start, auth_method) == 2 &&
                   offsetof(struct bm_prov_start, auth_action) == 3 &&
                   offsetof(struct bm_prov_start, auth_size) == 4,
               "struct bm_prov_start is laid out as the Start parameters");

/* The parameters of the types that carry plain octets, as stored. */
static uint8_t *octets_of(struct bm_prov_pdu *p)
{
    switch (p->type) {
    case BM_PROV_INVITE:
        return &p->u.attention_duration_s;
    case BM_PROV_START:
        return (uint8_t *)&p->u.start;
    case BM_PROV_CONFIRM:
    case BM_PROV_RANDOM: /* confirm and random share one layout */
        return p->u.confirm.value;
    case BM_PROV_DATA:
        return p->u.data.enc;
    case BM_PROV_FAILED:
        return &p->u.error_code;
    default:
        return p->u.pub_key;
    }
}

static uint16_t get_be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static void put_be16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

int bm_prov_pdu_parse(const uint8_t *buf, size_t len, uint8_t alg, struct bm_prov_pdu *pdu,
                      uint8_t *fail_code)
{
    if (!buf || !pdu || !fail_code)
        return BM_EINVAL;
    size_t auth = bm_prov_auth_len(alg);
    if (alg != BM_PROV_ALG_UNKNOWN && auth == 0)
        return BM_EINVAL;
    if (len < 1) {
        *fail_code = BM_PROV_ERR_INVALID_FORMAT;
        return BM_EMALFORMED;
    }
    /* An octet with padding bits set is no PDU type we know: Invalid PDU,
     * the same answer as for an RFU type (Mesh Profile 5.4.1, 5.4.4). */
    if (buf[0] >= BM_PROV_TYPE_COUNT) {
        *fail_code = BM_PROV_ERR_INVALID_PDU;
        return BM_EMALFORMED;
    }

    struct bm_prov_pdu out;
    memset(&out, 0, sizeof(out));
    out.type = buf[0];
    const uint8_t *b = buf + 1;
    size_t n = len - 1;
    size_t want = param_len[out.type];
    if (want == AUTH_SIZED) {
        /* before an algorithm is agreed, either length */
        want = auth ? auth : (n == 16 ? 16 : 32);
        out.u.confirm.len = (uint8_t)n;
    }
    /* Exact length: nothing missing, nothing left over. */
    bool ok = n == want;
    if (ok && out.type == BM_PROV_CAPABILITIES) {
        struct bm_prov_caps *c = &out.u.caps;
        c->num_elements = b[0];
        c->algorithms = get_be16(b + 1);
        c->pub_key_type = b[3];
        c->static_oob_type = b[4];
        c->output_oob_size = b[5];
        c->output_oob_action = get_be16(b + 6);
        c->input_oob_size = b[8];
        c->input_oob_action = get_be16(b + 9);
        ok = caps_valid(c);
    } else if (ok) {
        memcpy(octets_of(&out), b, n);
        if (out.type == BM_PROV_START)
            ok = start_valid(&out.u.start);
        else /* Failed: 0x00 is prohibited; RFU codes are still a failure to report. */
            ok = out.type != BM_PROV_FAILED || out.u.error_code != 0;
    }
    if (!ok) {
        *fail_code = BM_PROV_ERR_INVALID_FORMAT;
        return BM_EMALFORMED;
    }
    *pdu = out;
    return BM_OK;
}

int bm_prov_pdu_build(const struct bm_prov_pdu *pdu, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!pdu || !out || !out_len || pdu->type >= BM_PROV_TYPE_COUNT)
        return BM_EINVAL;
    size_t n = param_len[pdu->type];
    bool ok = true;
    if (pdu->type == BM_PROV_CAPABILITIES)
        ok = caps_valid(&pdu->u.caps);
    else if (pdu->type == BM_PROV_START)
        ok = start_valid(&pdu->u.start);
    else if (pdu->type == BM_PROV_FAILED)
        ok = pdu->u.error_code != 0;
    if (n == AUTH_SIZED) {
        n = pdu->u.confirm.len;
        ok = n == 16 || n == 32;
    }
    if (!ok)
        return BM_EINVAL;
    if (out_size < 1 + n)
        return BM_ENOSPC;
    out[0] = pdu->type;
    uint8_t *b = out + 1;
    if (pdu->type == BM_PROV_CAPABILITIES) {
        const struct bm_prov_caps *c = &pdu->u.caps;
        b[0] = c->num_elements;
        put_be16(b + 1, c->algorithms);
        b[3] = c->pub_key_type;
        b[4] = c->static_oob_type;
        b[5] = c->output_oob_size;
        put_be16(b + 6, c->output_oob_action);
        b[8] = c->input_oob_size;
        put_be16(b + 9, c->input_oob_action);
    } else {
        memcpy(b, octets_of((struct bm_prov_pdu *)pdu), n);
    }
    *out_len = 1 + n;
    return BM_OK;
}

int bm_prov_start_fits_caps(const struct bm_prov_start *start, const struct bm_prov_caps *caps)
{
    if (!start || !caps)
        return BM_EINVAL;
    if (!start_valid(start) || !caps_valid(caps))
        return BM_EMALFORMED;
    if (!(caps->algorithms & BM_PROV_ALG_BIT(start->algorithm)))
        return BM_EMALFORMED;
    if (start->pub_key == BM_PROV_PUB_KEY_OOB &&
        !(caps->pub_key_type & BM_PROV_PUB_KEY_OOB_AVAILABLE))
        return BM_EMALFORMED;
    /* Mesh Protocol 1.1 5.4.1.2: a device that sets "OOB authentication
     * required" accepts only authenticated provisioning with the HMAC
     * algorithm; the CMAC algorithm and No OOB are what it rules out. */
    if ((caps->static_oob_type & BM_PROV_STATIC_OOB_AUTH_REQUIRED) &&
        (start->auth_method == BM_PROV_AUTH_NO_OOB || start->algorithm == BM_PROV_ALG_CMAC))
        return BM_EMALFORMED;
    if (start->auth_method == BM_PROV_AUTH_STATIC &&
        !(caps->static_oob_type & BM_PROV_STATIC_OOB_AVAILABLE))
        return BM_EMALFORMED;
    if (start->auth_method >= BM_PROV_AUTH_OUTPUT) { /* Output or Input OOB */
        bool output = start->auth_method == BM_PROV_AUTH_OUTPUT;
        uint16_t actions = output ? caps->output_oob_action : caps->input_oob_action;
        uint8_t size = output ? caps->output_oob_size : caps->input_oob_size;
        if (!(actions & BM_PROV_ACTION_BIT(start->auth_action)) || start->auth_size > size)
            return BM_EMALFORMED;
    }
    return BM_OK;
}
