/* Provisioning PDUs (Mesh Profile 1.0.1 5.4.1, Mesh Protocol 1.1 5.4.1):
 * parse with exact-length and field-range checks, build with the same
 * checks, and the Start-versus-Capabilities rule.
 *
 * Invariants: the parser reads every octet through a bounds-checked cursor
 * and writes *pdu only after the whole PDU was accepted; the builder never
 * emits a PDU the parser would reject. */
#include "prov/prov_pdu.h"

#include <stdbool.h>
#include <string.h>

#include "blemesh/errors.h"

struct rd {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static uint8_t rd_u8(struct rd *r)
{
    if (r->left < 1) {
        r->bad = true;
        return 0;
    }
    uint8_t v = r->p[0];
    r->p++;
    r->left--;
    return v;
}

static uint16_t rd_be16(struct rd *r)
{
    if (r->left < 2) {
        r->bad = true;
        return 0;
    }
    uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);
    r->p += 2;
    r->left -= 2;
    return v;
}

static void rd_mem(struct rd *r, uint8_t *out, size_t n)
{
    if (r->left < n) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
}

size_t bm_prov_auth_len(uint8_t alg)
{
    switch (alg) {
    case BM_PROV_ALG_CMAC:
        return 16;
    case BM_PROV_ALG_HMAC:
        return 32;
    default:
        return 0;
    }
}

/* Mesh Profile 5.4.1.2 (with Mesh Protocol 1.1 Static
 * OOB bit 1). Prohibited values are a format error; RFU bits of the
 * algorithm and action bitmasks are kept, since a newer device may offer
 * more than we know, and we only ever select what we know. */
static bool caps_valid(const struct bm_prov_caps *c)
{
    if (c->num_elements == 0)
        return false;
    if (c->pub_key_type & ~BM_PROV_PUB_KEY_OOB_AVAILABLE)
        return false;
    if (c->static_oob_type & ~(BM_PROV_STATIC_OOB_AVAILABLE | BM_PROV_STATIC_OOB_AUTH_REQUIRED))
        return false;
    /* Sizes 0x09..0xff are RFU: a size we cannot interpret is a format
     * error, unlike an unknown bit in a mask. */
    if (c->output_oob_size > BM_PROV_OOB_SIZE_MAX || c->input_oob_size > BM_PROV_OOB_SIZE_MAX)
        return false;
    return true;
}

/* Mesh Profile 5.4.1.3: every value outside the listed
 * ones is prohibited or RFU, and a device cannot act on either. */
static bool start_valid(const struct bm_prov_start *s)
{
    if (bm_prov_auth_len(s->algorithm) == 0)
        return false;
    if (s->pub_key > BM_PROV_PUB_KEY_OOB)
        return false;
    switch (s->auth_method) {
    case BM_PROV_AUTH_NO_OOB:
    case BM_PROV_AUTH_STATIC:
        return s->auth_action == 0 && s->auth_size == 0;
    case BM_PROV_AUTH_OUTPUT:
        return s->auth_action < BM_PROV_OUT_COUNT && s->auth_size >= 1 &&
               s->auth_size <= BM_PROV_OOB_SIZE_MAX;
    case BM_PROV_AUTH_INPUT:
        return s->auth_action < BM_PROV_IN_COUNT && s->auth_size >= 1 &&
               s->auth_size <= BM_PROV_OOB_SIZE_MAX;
    default:
        return false;
    }
}

/* Confirmation and Random: 16 octets with the CMAC algorithm, 32 with HMAC
 * (Mesh Protocol 1.1 5.4.1.6/5.4.1.7). */
static bool auth_sized_len_ok(size_t n, uint8_t alg)
{
    if (alg == BM_PROV_ALG_UNKNOWN)
        return n == 16 || n == 32;
    return n == bm_prov_auth_len(alg);
}

int bm_prov_pdu_parse(const uint8_t *buf, size_t len, uint8_t alg, struct bm_prov_pdu *pdu,
                      uint8_t *fail_code)
{
    if (!buf || !pdu || !fail_code)
        return BM_EINVAL;
    if (alg != BM_PROV_ALG_UNKNOWN && bm_prov_auth_len(alg) == 0)
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
    struct rd r = {buf + 1, len - 1, false};
    bool ok = true;

    switch (out.type) {
    case BM_PROV_INVITE:
        out.u.attention_duration_s = rd_u8(&r);
        break;
    case BM_PROV_CAPABILITIES:
        out.u.caps.num_elements = rd_u8(&r);
        out.u.caps.algorithms = rd_be16(&r);
        out.u.caps.pub_key_type = rd_u8(&r);
        out.u.caps.static_oob_type = rd_u8(&r);
        out.u.caps.output_oob_size = rd_u8(&r);
        out.u.caps.output_oob_action = rd_be16(&r);
        out.u.caps.input_oob_size = rd_u8(&r);
        out.u.caps.input_oob_action = rd_be16(&r);
        ok = caps_valid(&out.u.caps);
        break;
    case BM_PROV_START:
        out.u.start.algorithm = rd_u8(&r);
        out.u.start.pub_key = rd_u8(&r);
        out.u.start.auth_method = rd_u8(&r);
        out.u.start.auth_action = rd_u8(&r);
        out.u.start.auth_size = rd_u8(&r);
        ok = start_valid(&out.u.start);
        break;
    case BM_PROV_PUB_KEY:
        rd_mem(&r, out.u.pub_key, BM_PROV_PUB_KEY_LEN);
        break;
    case BM_PROV_INPUT_COMPLETE:
    case BM_PROV_COMPLETE:
        break;
    case BM_PROV_CONFIRM:
    case BM_PROV_RANDOM:
        if (!auth_sized_len_ok(r.left, alg)) {
            ok = false;
            break;
        }
        /* confirm and random share one layout */
        out.u.confirm.len = (uint8_t)r.left;
        rd_mem(&r, out.u.confirm.value, r.left);
        break;
    case BM_PROV_DATA:
        rd_mem(&r, out.u.data.enc, BM_PROV_DATA_ENC_LEN);
        rd_mem(&r, out.u.data.mic, BM_PROV_DATA_MIC_LEN);
        break;
    case BM_PROV_FAILED:
        /* 0x00 is prohibited; RFU codes are still a failure to report. */
        out.u.error_code = rd_u8(&r);
        ok = out.u.error_code != 0;
        break;
    }
    /* Exact length: nothing missing, nothing left over. */
    if (r.bad || r.left != 0 || !ok) {
        *fail_code = BM_PROV_ERR_INVALID_FORMAT;
        return BM_EMALFORMED;
    }
    *pdu = out;
    return BM_OK;
}

struct wr {
    uint8_t *p;
    size_t left;
    bool bad;
};

static void wr_u8(struct wr *w, uint8_t v)
{
    if (w->left < 1) {
        w->bad = true;
        return;
    }
    *w->p++ = v;
    w->left--;
}

static void wr_be16(struct wr *w, uint16_t v)
{
    wr_u8(w, (uint8_t)(v >> 8));
    wr_u8(w, (uint8_t)v);
}

static void wr_mem(struct wr *w, const uint8_t *src, size_t n)
{
    if (w->left < n) {
        w->bad = true;
        return;
    }
    memcpy(w->p, src, n);
    w->p += n;
    w->left -= n;
}

int bm_prov_pdu_build(const struct bm_prov_pdu *pdu, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!pdu || !out || !out_len || pdu->type >= BM_PROV_TYPE_COUNT)
        return BM_EINVAL;
    struct wr w = {out, out_size, false};
    wr_u8(&w, pdu->type);
    switch (pdu->type) {
    case BM_PROV_INVITE:
        wr_u8(&w, pdu->u.attention_duration_s);
        break;
    case BM_PROV_CAPABILITIES: {
        const struct bm_prov_caps *c = &pdu->u.caps;
        if (!caps_valid(c))
            return BM_EINVAL;
        wr_u8(&w, c->num_elements);
        wr_be16(&w, c->algorithms);
        wr_u8(&w, c->pub_key_type);
        wr_u8(&w, c->static_oob_type);
        wr_u8(&w, c->output_oob_size);
        wr_be16(&w, c->output_oob_action);
        wr_u8(&w, c->input_oob_size);
        wr_be16(&w, c->input_oob_action);
        break;
    }
    case BM_PROV_START: {
        const struct bm_prov_start *s = &pdu->u.start;
        if (!start_valid(s))
            return BM_EINVAL;
        wr_u8(&w, s->algorithm);
        wr_u8(&w, s->pub_key);
        wr_u8(&w, s->auth_method);
        wr_u8(&w, s->auth_action);
        wr_u8(&w, s->auth_size);
        break;
    }
    case BM_PROV_PUB_KEY:
        wr_mem(&w, pdu->u.pub_key, BM_PROV_PUB_KEY_LEN);
        break;
    case BM_PROV_INPUT_COMPLETE:
    case BM_PROV_COMPLETE:
        break;
    case BM_PROV_CONFIRM:
    case BM_PROV_RANDOM:
        if (pdu->u.confirm.len != 16 && pdu->u.confirm.len != 32)
            return BM_EINVAL;
        wr_mem(&w, pdu->u.confirm.value, pdu->u.confirm.len);
        break;
    case BM_PROV_DATA:
        wr_mem(&w, pdu->u.data.enc, BM_PROV_DATA_ENC_LEN);
        wr_mem(&w, pdu->u.data.mic, BM_PROV_DATA_MIC_LEN);
        break;
    case BM_PROV_FAILED:
        if (pdu->u.error_code == 0)
            return BM_EINVAL;
        wr_u8(&w, pdu->u.error_code);
        break;
    }
    if (w.bad)
        return BM_ENOSPC;
    *out_len = out_size - w.left;
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
    switch (start->auth_method) {
    case BM_PROV_AUTH_STATIC:
        if (!(caps->static_oob_type & BM_PROV_STATIC_OOB_AVAILABLE))
            return BM_EMALFORMED;
        break;
    case BM_PROV_AUTH_OUTPUT:
        if (!(caps->output_oob_action & BM_PROV_ACTION_BIT(start->auth_action)) ||
            start->auth_size > caps->output_oob_size)
            return BM_EMALFORMED;
        break;
    case BM_PROV_AUTH_INPUT:
        if (!(caps->input_oob_action & BM_PROV_ACTION_BIT(start->auth_action)) ||
            start->auth_size > caps->input_oob_size)
            return BM_EMALFORMED;
        break;
    default:
        break;
    }
    return BM_OK;
}
