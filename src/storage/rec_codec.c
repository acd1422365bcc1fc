/* Encoders and decoders of the stored records (layout in records.h).
 *
 * Stored bytes are untrusted: flash can rot and a port can hand back
 * anything. Every decoder reads through a cursor that fails safely, checks
 * the version, the exact length and each field's range, and fills its
 * output only when the whole record is sound; otherwise BM_EMALFORMED. */
#include <string.h>

#include "blemesh/errors.h"
#include "storage/records.h"

struct wr {
    uint8_t *p;
    size_t n;
};

static void w8(struct wr *w, uint8_t v)
{
    w->p[w->n++] = v;
}

static void w16(struct wr *w, uint16_t v)
{
    w8(w, (uint8_t)v);
    w8(w, (uint8_t)(v >> 8));
}

static void w32(struct wr *w, uint32_t v)
{
    w16(w, (uint16_t)v);
    w16(w, (uint16_t)(v >> 16));
}

static void wbytes(struct wr *w, const uint8_t *b, size_t len)
{
    memcpy(w->p + w->n, b, len);
    w->n += len;
}

struct rd {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static uint8_t r8(struct rd *r)
{
    if (r->left < 1) {
        r->bad = true;
        return 0;
    }
    r->left--;
    return *r->p++;
}

static uint16_t r16(struct rd *r)
{
    uint16_t lo = r8(r);
    return (uint16_t)(lo | r8(r) << 8);
}

static uint32_t r32(struct rd *r)
{
    uint32_t lo = r16(r);
    return lo | (uint32_t)r16(r) << 16;
}

static void rbytes(struct rd *r, uint8_t *out, size_t len)
{
    if (r->left < len) {
        r->bad = true;
        memset(out, 0, len);
        return;
    }
    memcpy(out, r->p, len);
    r->p += len;
    r->left -= len;
}

/* Starts a versioned record: false if the version is not ours. */
static bool rd_start(struct rd *r, const uint8_t *in, size_t len)
{
    r->p = in;
    r->left = in ? len : 0;
    r->bad = false;
    return r8(r) == BM_REC_VERSION && !r->bad;
}

/* The whole record was read, nothing more, nothing less. */
static bool rd_done(const struct rd *r)
{
    return !r->bad && r->left == 0;
}

static bool idx_ok(uint16_t idx)
{
    return idx <= 0x0fff;
}

static bool unicast(uint16_t a)
{
    return a != 0 && a < 0x8000;
}

/* --- PROV --- */

size_t bm_rec_prov_encode(const struct bm_rec_prov *r, uint8_t out[BM_REC_PROV_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->addr);
    wbytes(&w, r->dev_key, 16);
    w8(&w, r->elements);
    return w.n;
}

int bm_rec_prov_decode(const uint8_t *in, size_t len, struct bm_rec_prov *out)
{
    struct bm_rec_prov r;
    struct rd d = {in, in ? len : 0, false};
    memset(&r, 0, sizeof(r));
    uint8_t ver = r8(&d);
    if (ver == 1 && len == BM_REC_PROV_V1_LEN) {
        /* v1: ver addr net_idx net_key dev_key iv_index flags elements */
        r.v1 = true;
        r.addr = r16(&d);
        r.net_idx = r16(&d);
        rbytes(&d, r.net_key, 16);
        rbytes(&d, r.dev_key, 16);
        r.iv_index = r32(&d);
        r.flags = r8(&d);
        r.elements = r8(&d);
        if (!idx_ok(r.net_idx) || (r.flags & ~0x03u))
            d.bad = true;
    } else if (ver == BM_REC_VERSION) {
        r.addr = r16(&d);
        rbytes(&d, r.dev_key, 16);
        r.elements = r8(&d);
    } else {
        d.bad = true;
    }
    if (!rd_done(&d) || !unicast(r.addr) || r.elements == 0 ||
        r.addr + r.elements - 1 > 0x7fff) {
        memset(&r, 0, sizeof(r));
        return BM_EMALFORMED;
    }
    *out = r;
    memset(&r, 0, sizeof(r));
    return BM_OK;
}

/* --- IV --- */

size_t bm_rec_iv_encode(const struct bm_rec_iv *r, uint8_t out[BM_REC_IV_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w32(&w, r->iv_index);
    w8(&w, (uint8_t)((r->iv_update ? 1 : 0) | (r->recovered ? 2 : 0)));
    w16(&w, r->hours);
    return w.n;
}

int bm_rec_iv_decode(const uint8_t *in, size_t len, struct bm_rec_iv *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_iv r;
    r.iv_index = r32(&d);
    uint8_t flags = r8(&d);
    r.hours = r16(&d);
    r.iv_update = flags & 1;
    r.recovered = (flags & 2) != 0;
    /* IV Update in Progress at IV index 0 has no previous index to send with */
    if (!ok || !rd_done(&d) || (flags & ~0x03u) || (r.iv_update && r.iv_index == 0))
        return BM_EMALFORMED;
    *out = r;
    return BM_OK;
}

/* --- NET --- */

size_t bm_rec_net_encode(const struct bm_rec_net *r, uint8_t out[BM_REC_NET_MAX])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->net_idx);
    w8(&w, r->phase);
    wbytes(&w, r->key, 16);
    if (r->phase == 1 || r->phase == 2)
        wbytes(&w, r->new_key, 16);
    return w.n;
}

int bm_rec_net_decode(const uint8_t *in, size_t len, struct bm_rec_net *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_net r;
    memset(&r, 0, sizeof(r));
    r.net_idx = r16(&d);
    r.phase = r8(&d);
    rbytes(&d, r.key, 16);
    if (r.phase == 1 || r.phase == 2)
        rbytes(&d, r.new_key, 16);
    bool good = ok && rd_done(&d) && idx_ok(r.net_idx) && r.phase <= 2;
    if (good)
        *out = r;
    memset(&r, 0, sizeof(r));
    return good ? BM_OK : BM_EMALFORMED;
}

/* --- APP --- */

size_t bm_rec_app_encode(const struct bm_rec_app *r, uint8_t out[BM_REC_APP_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->app_idx);
    w16(&w, r->net_idx);
    w8(&w, r->is_new ? 1 : 0);
    wbytes(&w, r->key, 16);
    return w.n;
}

int bm_rec_app_decode(const uint8_t *in, size_t len, struct bm_rec_app *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_app r;
    r.app_idx = r16(&d);
    r.net_idx = r16(&d);
    uint8_t is_new = r8(&d);
    r.is_new = is_new == 1;
    rbytes(&d, r.key, 16);
    bool good = ok && rd_done(&d) && idx_ok(r.app_idx) && idx_ok(r.net_idx) && is_new <= 1;
    if (good)
        *out = r;
    memset(&r, 0, sizeof(r));
    return good ? BM_OK : BM_EMALFORMED;
}

/* --- CFG --- */

size_t bm_rec_cfg_encode(const struct bm_rec_cfg *r, uint8_t out[BM_REC_CFG_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w8(&w, r->relay);
    w8(&w, r->relay_count);
    w16(&w, r->relay_interval_ms);
    w8(&w, r->net_count);
    w16(&w, r->net_interval_ms);
    w8(&w, r->beacon ? 1 : 0);
    w8(&w, r->ttl);
    return w.n;
}

/* Network Transmit / Relay Retransmit as the Config messages can set them
 * (4.2.19-4.2.20): 1..8 transmissions, 10..320 ms in 10 ms steps. */
static bool xmit_ok(uint8_t count, uint16_t interval_ms)
{
    return count >= 1 && count <= 8 && interval_ms >= 10 && interval_ms <= 320 &&
           interval_ms % 10 == 0;
}

int bm_rec_cfg_decode(const uint8_t *in, size_t len, struct bm_rec_cfg *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_cfg r;
    r.relay = r8(&d);
    r.relay_count = r8(&d);
    r.relay_interval_ms = r16(&d);
    r.net_count = r8(&d);
    r.net_interval_ms = r16(&d);
    uint8_t beacon = r8(&d);
    r.beacon = beacon == 1;
    r.ttl = r8(&d);
    if (!ok || !rd_done(&d) || r.relay > 2 || beacon > 1 || r.ttl == 1 || r.ttl > 127 ||
        !xmit_ok(r.relay_count, r.relay_interval_ms) || !xmit_ok(r.net_count, r.net_interval_ms))
        return BM_EMALFORMED;
    *out = r;
    return BM_OK;
}

/* --- HB --- */

size_t bm_rec_hb_encode(const struct bm_rec_hb *r, uint8_t out[BM_REC_HB_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->pub_dst);
    w16(&w, r->pub_count);
    w8(&w, r->pub_period_log);
    w8(&w, r->pub_ttl);
    w16(&w, r->pub_features);
    w16(&w, r->pub_net_idx);
    w16(&w, r->sub_src);
    w16(&w, r->sub_dst);
    return w.n;
}

int bm_rec_hb_decode(const uint8_t *in, size_t len, struct bm_rec_hb *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_hb r;
    r.pub_dst = r16(&d);
    r.pub_count = r16(&d);
    r.pub_period_log = r8(&d);
    r.pub_ttl = r8(&d);
    r.pub_features = r16(&d);
    r.pub_net_idx = r16(&d);
    r.sub_src = r16(&d);
    r.sub_dst = r16(&d);
    /* 4.2.17-4.2.18: no virtual publication, period log <= 0x11, TTL <= 127;
     * a subscription names a unicast source */
    if (!ok || !rd_done(&d) || (r.pub_dst & 0xc000) == 0x8000 || r.pub_period_log > 0x11 ||
        r.pub_ttl > 127 || (r.pub_features & ~0x000fu) || !idx_ok(r.pub_net_idx) ||
        (r.sub_src != 0 && !unicast(r.sub_src)) || (r.sub_dst & 0xc000) == 0x8000)
        return BM_EMALFORMED;
    *out = r;
    return BM_OK;
}

/* --- MODEL_CFG / MODEL_STATE --- */

static void w_mid(struct wr *w, const struct bm_rec_model_id *m)
{
    w8(w, m->elem);
    w16(w, m->company);
    w16(w, m->id);
}

static void r_mid(struct rd *d, struct bm_rec_model_id *m)
{
    m->elem = r8(d);
    m->company = r16(d);
    m->id = r16(d);
    if (m->elem >= BM_CFG_ELEMENTS)
        d->bad = true;
}

static bool is_virtual(uint16_t a)
{
    return (a & 0xc000) == 0x8000;
}

size_t bm_rec_model_cfg_encode(const struct bm_rec_model_cfg *r,
                               uint8_t out[BM_REC_MODEL_CFG_MAX])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w_mid(&w, &r->mid);
    w8(&w, r->key_count);
    for (uint8_t i = 0; i < r->key_count; i++)
        w16(&w, r->keys[i]);
    w8(&w, r->sub_count);
    for (uint8_t i = 0; i < r->sub_count; i++) {
        w16(&w, r->subs[i]);
        if (is_virtual(r->subs[i]))
            wbytes(&w, r->sub_labels[i], 16);
    }
    w16(&w, r->pub_addr);
    if (is_virtual(r->pub_addr))
        wbytes(&w, r->pub_label, 16);
    w16(&w, r->pub_app_idx);
    w8(&w, r->pub_cred ? 1 : 0);
    w8(&w, r->pub_ttl);
    w8(&w, r->pub_period);
    w8(&w, r->pub_retransmit);
    return w.n;
}

int bm_rec_model_cfg_decode(const uint8_t *in, size_t len, struct bm_rec_model_cfg *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_model_cfg r;
    memset(&r, 0, sizeof(r));
    r_mid(&d, &r.mid);
    r.key_count = r8(&d);
    if (r.key_count > BM_CFG_MODEL_KEYS)
        d.bad = true;
    for (uint8_t i = 0; i < r.key_count && !d.bad; i++) {
        r.keys[i] = r16(&d);
        if (!idx_ok(r.keys[i]))
            d.bad = true;
    }
    r.sub_count = r8(&d);
    if (r.sub_count > BM_CFG_MODEL_SUBS)
        d.bad = true;
    for (uint8_t i = 0; i < r.sub_count && !d.bad; i++) {
        r.subs[i] = r16(&d);
        /* 4.2.3: groups (not all-nodes) or virtual addresses */
        if (is_virtual(r.subs[i]))
            rbytes(&d, r.sub_labels[i], 16);
        else if ((r.subs[i] & 0xc000) != 0xc000 || r.subs[i] == 0xffff)
            d.bad = true;
    }
    r.pub_addr = r16(&d);
    if (is_virtual(r.pub_addr))
        rbytes(&d, r.pub_label, 16);
    r.pub_app_idx = r16(&d);
    uint8_t cred = r8(&d);
    r.pub_cred = cred == 1;
    r.pub_ttl = r8(&d);
    r.pub_period = r8(&d);
    r.pub_retransmit = r8(&d);
    bool good = ok && rd_done(&d) && idx_ok(r.pub_app_idx) && cred <= 1 &&
                (r.pub_ttl <= 127 || r.pub_ttl == 0xff);
    if (good)
        *out = r;
    return good ? BM_OK : BM_EMALFORMED;
}

size_t bm_rec_model_state_encode(const struct bm_rec_model_state *r,
                                 uint8_t out[BM_REC_MODEL_STATE_MAX])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w_mid(&w, &r->mid);
    size_t n = r->len <= BM_MODEL_SAVED_MAX ? r->len : BM_MODEL_SAVED_MAX;
    wbytes(&w, r->state, n);
    return w.n;
}

int bm_rec_model_state_decode(const uint8_t *in, size_t len, struct bm_rec_model_state *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_model_state r;
    memset(&r, 0, sizeof(r));
    r_mid(&d, &r.mid);
    if (!ok || d.bad || d.left < 1 || d.left > BM_MODEL_SAVED_MAX)
        return BM_EMALFORMED;
    r.len = (uint8_t)d.left;
    rbytes(&d, r.state, r.len);
    *out = r;
    return BM_OK;
}

int bm_rec_model_id_decode(const uint8_t *in, size_t len, struct bm_rec_model_id *mid)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_model_id m;
    r_mid(&d, &m);
    if (!ok || d.bad)
        return BM_EMALFORMED;
    *mid = m;
    return BM_OK;
}

/* --- PROVISIONER / PROV_DB --- */

size_t bm_rec_provisioner_encode(const struct bm_rec_provisioner *r,
                                 uint8_t out[BM_REC_PROVISIONER_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->net_idx);
    w16(&w, r->next_addr);
    return w.n;
}

int bm_rec_provisioner_decode(const uint8_t *in, size_t len, struct bm_rec_provisioner *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_provisioner r;
    r.net_idx = r16(&d);
    r.next_addr = r16(&d);
    /* next_addr may be one past the last unicast address when all are used */
    if (!ok || !rd_done(&d) || !idx_ok(r.net_idx) || r.next_addr == 0 || r.next_addr > 0x8000)
        return BM_EMALFORMED;
    *out = r;
    return BM_OK;
}

size_t bm_rec_db_encode(const struct bm_rec_db *r, uint8_t out[BM_REC_DB_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    wbytes(&w, r->uuid, 16);
    w16(&w, r->addr);
    w8(&w, r->elements);
    wbytes(&w, r->dev_key, 16);
    return w.n;
}

int bm_rec_db_decode(const uint8_t *in, size_t len, struct bm_rec_db *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_db r;
    rbytes(&d, r.uuid, 16);
    r.addr = r16(&d);
    r.elements = r8(&d);
    rbytes(&d, r.dev_key, 16);
    bool good = ok && rd_done(&d) && unicast(r.addr) && r.elements > 0 &&
                r.addr + r.elements - 1 <= 0x7fff;
    if (good)
        *out = r;
    memset(&r, 0, sizeof(r));
    return good ? BM_OK : BM_EMALFORMED;
}

/* --- RPL --- */

size_t bm_rec_rpl_encode(const struct bm_rec_rpl *r, uint8_t out[BM_REC_RPL_LEN])
{
    struct wr w = {out, 0};
    w8(&w, BM_REC_VERSION);
    w16(&w, r->src);
    w32(&w, r->seq);
    w32(&w, r->iv_index);
    return w.n;
}

int bm_rec_rpl_decode(const uint8_t *in, size_t len, struct bm_rec_rpl *out)
{
    struct rd d;
    bool ok = rd_start(&d, in, len);
    struct bm_rec_rpl r;
    r.src = r16(&d);
    r.seq = r32(&d);
    r.iv_index = r32(&d);
    /* the mark may run past the 24-bit space by at most one block */
    if (!ok || !rd_done(&d) || !unicast(r.src) ||
        r.seq > 0xffffffu + (uint32_t)BM_CFG_RPL_STORE_BLOCK)
        return BM_EMALFORMED;
    *out = r;
    return BM_OK;
}
