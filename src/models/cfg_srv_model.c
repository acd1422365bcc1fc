/* Configuration Server (Mesh Profile 4.4.1), the per-model states: Model
 * Publication (4.2.2; messages 4.3.2.15-4.3.2.18), Subscription List
 * (4.2.3; 4.3.2.19-4.3.2.30) and AppKey bindings (4.2.4; 4.3.2.46-4.3.2.50).
 *
 * Every message names a model by its element's unicast address and its
 * model identifier: 2 octets for a SIG model, 4 (company, then model) for
 * a vendor one, the message length telling which. Errors are checked in
 * the order the fields name things: element (Invalid Address), model
 * (Invalid Model), then the request's own fields. The configuration models
 * travel under the device key only, so they take no AppKey (Cannot Bind),
 * no publication (Invalid Publish Parameters) and no subscription (Not a
 * Subscribe Model). */
#include <string.h>

#include "access/access.h"
#include "crypto/crypto.h"
#include "models/cfg_srv.h"
#include "models/models.h"
#include "node/node.h"

/* The model a message names, and the Status Code when it names none. */
struct target {
    uint16_t elem;
    uint16_t company;
    uint16_t id;
    bool vnd;
    const uint8_t *id_raw; /* the identifier as received, echoed in the Status */
    struct bm_model *model;
    uint8_t status;
};

/* id_at: offset of the model identifier; sig_len: the SIG form's length. */
static int find_target(struct bm_node *node, const uint8_t *p, size_t len, size_t id_at,
                       size_t sig_len, struct target *t)
{
    if (len != sig_len && len != sig_len + 2)
        return BM_EMALFORMED; /* between the two forms */
    memset(t, 0, sizeof(*t));
    t->elem = bm_cfg_get_le16(p);
    t->vnd = len == sig_len + 2;
    t->id_raw = p + id_at;
    if (t->vnd) {
        t->company = bm_cfg_get_le16(p + id_at);
        t->id = bm_cfg_get_le16(p + id_at + 2);
    } else {
        t->company = BM_COMPANY_SIG;
        t->id = bm_cfg_get_le16(p + id_at);
    }
    if (!bm_addr_is_unicast(t->elem) || !bm_node_is_local(node, t->elem)) {
        t->status = BM_CFG_ST_INVALID_ADDRESS;
        return BM_OK;
    }
    t->model = bm_access_model_find(node, t->elem, t->company, t->id);
    t->status = t->model ? BM_CFG_ST_SUCCESS : BM_CFG_ST_INVALID_MODEL;
    return BM_OK;
}

static size_t put_model_id(const struct target *t, uint8_t *out)
{
    size_t n = t->vnd ? 4 : 2;
    memcpy(out, t->id_raw, n);
    return n;
}

/* --- Model Publication --- */

static int pub_status(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const struct target *t, uint8_t status)
{
    uint8_t out[14] = {status};
    bm_cfg_put_le16(out + 1, t->elem);
    /* the state, when there is one to report: publication off reads as
     * all zeros (4.2.2: unassigned publish address) */
    const struct bm_model_pub *pub = t->model ? &t->model->pub : NULL;
    if (status == BM_CFG_ST_SUCCESS && pub->addr != BM_ADDR_UNASSIGNED) {
        bm_cfg_put_le16(out + 3, pub->addr);
        bm_cfg_put_le16(out + 5, (uint16_t)(pub->app_idx | (pub->cred ? 1u << 12 : 0)));
        out[7] = pub->ttl;
        out[8] = pub->period;
        out[9] = pub->retransmit;
    }
    size_t n = 10 + put_model_id(t, out + 10);
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_PUB_STATUS, out, n);
}

int bm_cfg_srv_pub_get(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                       const uint8_t *p, size_t len)
{
    struct target t;
    if (find_target(node, p, len, 2, 4, &t) != BM_OK)
        return BM_EMALFORMED;
    return pub_status(node, model, ctx, &t, t.status);
}

/* Common part of Publication Set and Virtual Address Set: f points at the
 * AppKeyIndex field. */
static int pub_set(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const struct target *t, uint16_t addr, const uint8_t *label, const uint8_t *f)
{
    uint16_t idx_cred = bm_cfg_get_le16(f);
    uint16_t app_idx = idx_cred & 0x0fff; /* bits 13-15 are RFU */
    uint8_t ttl = f[2];
    if (ttl > BM_TTL_MAX && ttl != BM_TTL_DEFAULT)
        return BM_EMALFORMED; /* 4.2.2.5: 0x80..0xfe prohibited */
    if (t->status != BM_CFG_ST_SUCCESS)
        return pub_status(node, model, ctx, t, t->status);
    struct bm_model *m = t->model;
    if (m->type->dev_key)
        return pub_status(node, model, ctx, t, BM_CFG_ST_INVALID_PUBLISH_PARAMS);
    if (addr == BM_ADDR_UNASSIGNED) {
        memset(&m->pub, 0, sizeof(m->pub)); /* 4.2.2.1: publication off */
        return pub_status(node, model, ctx, t, BM_CFG_ST_SUCCESS);
    }
    /* the key must exist and be bound to the model (4.2.2.2, 4.2.4) */
    if (!bm_node_app_key(node, app_idx, NULL) || !bm_access_is_bound(m, app_idx))
        return pub_status(node, model, ctx, t, BM_CFG_ST_INVALID_APPKEY);
    struct bm_model_pub *pub = &m->pub;
    memset(pub, 0, sizeof(*pub));
    pub->addr = addr;
    if (label)
        memcpy(pub->label, label, 16);
    pub->app_idx = app_idx;
    /* 4.2.2.4: without friendship credentials the master ones are used */
    pub->cred = (idx_cred >> 12) & 1;
    pub->ttl = ttl;
    pub->period = f[3];
    pub->retransmit = f[4];
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    bm_node_log(node, BM_LOG_INF, "cfg", "pub elem=0x%04x model=%04x:%04x addr=0x%04x app=0x%03x",
                t->elem, t->company, t->id, addr, app_idx);
    return pub_status(node, model, ctx, t, BM_CFG_ST_SUCCESS);
}

int bm_cfg_srv_pub_set(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                       const uint8_t *p, size_t len)
{
    struct target t;
    if (find_target(node, p, len, 9, 11, &t) != BM_OK)
        return BM_EMALFORMED;
    uint16_t addr = bm_cfg_get_le16(p + 2);
    if (bm_addr_is_virtual(addr))
        return BM_EMALFORMED; /* 4.3.2.16: a virtual address takes the VA Set */
    return pub_set(node, model, ctx, &t, addr, NULL, p + 4);
}

int bm_cfg_srv_pub_va_set(struct bm_node *node, struct bm_model *model,
                          const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    struct target t;
    if (find_target(node, p, len, 23, 25, &t) != BM_OK)
        return BM_EMALFORMED;
    uint16_t va;
    if (bm_crypto_virtual_addr(p + 2, &va) != BM_OK)
        return pub_status(node, model, ctx, &t, BM_CFG_ST_UNSPECIFIED);
    return pub_set(node, model, ctx, &t, va, p + 2, p + 18);
}

/* --- Subscription List --- */

static int sub_status(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const struct target *t, uint8_t status, uint16_t addr)
{
    uint8_t out[9] = {status};
    bm_cfg_put_le16(out + 1, t->elem);
    bm_cfg_put_le16(out + 3, addr);
    size_t n = 5 + put_model_id(t, out + 5);
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_SUB_STATUS, out, n);
}

static uint8_t sub_rc_status(int rc)
{
    switch (rc) {
    case BM_OK:
        return BM_CFG_ST_SUCCESS;
    case BM_EINVAL:
        return BM_CFG_ST_INVALID_ADDRESS;
    case BM_ENOSPC:
        return BM_CFG_ST_INSUFFICIENT_RESOURCES;
    default:
        return BM_CFG_ST_UNSPECIFIED;
    }
}

enum sub_op { SUB_ADD, SUB_DEL, SUB_OVERWRITE };

/* label: the Label UUID of the virtual forms, else NULL. */
static int sub_change(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const struct target *t, enum sub_op op, uint16_t addr, const uint8_t *label)
{
    if (t->status != BM_CFG_ST_SUCCESS)
        return sub_status(node, model, ctx, t, t->status, addr);
    struct bm_model *m = t->model;
    if (m->type->dev_key)
        return sub_status(node, model, ctx, t, BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL, addr);
    /* 4.2.3: group addresses other than all-nodes, or virtual addresses */
    if (!label && (!bm_addr_is_group(addr) || addr == BM_ADDR_ALL_NODES))
        return sub_status(node, model, ctx, t, BM_CFG_ST_INVALID_ADDRESS, addr);
    int rc = BM_OK;
    switch (op) {
    case SUB_ADD:
        rc = bm_access_sub_add(node, m, addr, label);
        break;
    case SUB_DEL:
        /* deleting what is not there: a repeated Delete, success */
        bm_access_sub_del(node, m, addr);
        break;
    case SUB_OVERWRITE:
        bm_access_sub_clear(node, m);
        rc = bm_access_sub_add(node, m, addr, label);
        break;
    }
    bm_node_log(node, BM_LOG_INF, "cfg", "sub op=%d elem=0x%04x addr=0x%04x rc=%d", (int)op,
                t->elem, addr, rc);
    return sub_status(node, model, ctx, t, sub_rc_status(rc), addr);
}

static int sub_plain(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                     const uint8_t *p, size_t len, enum sub_op op)
{
    struct target t;
    if (find_target(node, p, len, 4, 6, &t) != BM_OK)
        return BM_EMALFORMED;
    return sub_change(node, model, ctx, &t, op, bm_cfg_get_le16(p + 2), NULL);
}

static int sub_virtual(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                       const uint8_t *p, size_t len, enum sub_op op)
{
    struct target t;
    if (find_target(node, p, len, 18, 20, &t) != BM_OK)
        return BM_EMALFORMED;
    uint16_t va;
    if (bm_crypto_virtual_addr(p + 2, &va) != BM_OK)
        return sub_status(node, model, ctx, &t, BM_CFG_ST_UNSPECIFIED, 0);
    return sub_change(node, model, ctx, &t, op, va, p + 2);
}

int bm_cfg_srv_sub_add(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                       const uint8_t *p, size_t len)
{
    return sub_plain(node, model, ctx, p, len, SUB_ADD);
}

int bm_cfg_srv_sub_del(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                       const uint8_t *p, size_t len)
{
    return sub_plain(node, model, ctx, p, len, SUB_DEL);
}

int bm_cfg_srv_sub_overwrite(struct bm_node *node, struct bm_model *model,
                             const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return sub_plain(node, model, ctx, p, len, SUB_OVERWRITE);
}

int bm_cfg_srv_sub_va_add(struct bm_node *node, struct bm_model *model,
                          const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return sub_virtual(node, model, ctx, p, len, SUB_ADD);
}

int bm_cfg_srv_sub_va_del(struct bm_node *node, struct bm_model *model,
                          const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return sub_virtual(node, model, ctx, p, len, SUB_DEL);
}

int bm_cfg_srv_sub_va_overwrite(struct bm_node *node, struct bm_model *model,
                                const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return sub_virtual(node, model, ctx, p, len, SUB_OVERWRITE);
}

int bm_cfg_srv_sub_del_all(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    struct target t;
    if (find_target(node, p, len, 2, 4, &t) != BM_OK)
        return BM_EMALFORMED;
    if (t.status != BM_CFG_ST_SUCCESS)
        return sub_status(node, model, ctx, &t, t.status, BM_ADDR_UNASSIGNED);
    if (t.model->type->dev_key)
        return sub_status(node, model, ctx, &t, BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL,
                          BM_ADDR_UNASSIGNED);
    bm_access_sub_clear(node, t.model);
    return sub_status(node, model, ctx, &t, BM_CFG_ST_SUCCESS, BM_ADDR_UNASSIGNED);
}

static int sub_get(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, size_t sig_len, uint32_t op)
{
    struct target t;
    if (find_target(node, p, len, 2, sig_len, &t) != BM_OK)
        return BM_EMALFORMED;
    uint8_t out[7 + BM_CFG_MODEL_SUBS * 2] = {t.status};
    bm_cfg_put_le16(out + 1, t.elem);
    size_t n = 3 + put_model_id(&t, out + 3);
    if (t.status == BM_CFG_ST_SUCCESS && t.model->type->dev_key) {
        out[0] = BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL;
    } else if (t.status == BM_CFG_ST_SUCCESS) {
        for (uint8_t i = 0; i < t.model->sub_count; i++) {
            bm_cfg_put_le16(out + n, t.model->subs[i]);
            n += 2;
        }
    }
    return bm_cfg_srv_reply(node, model, ctx, op, out, n);
}

int bm_cfg_srv_sig_sub_get(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return sub_get(node, model, ctx, p, len, 4, BM_CFG_OP_SIG_SUB_LIST);
}

int bm_cfg_srv_vnd_sub_get(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    /* only the vendor form: a 4-octet model identifier */
    return sub_get(node, model, ctx, p, len, 4, BM_CFG_OP_VND_SUB_LIST);
}

/* --- AppKey bindings --- */

static int app_status(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const struct target *t, uint8_t status, uint16_t app_idx)
{
    uint8_t out[9] = {status};
    bm_cfg_put_le16(out + 1, t->elem);
    bm_cfg_put_le16(out + 3, app_idx);
    size_t n = 5 + put_model_id(t, out + 5);
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_APP_STATUS, out, n);
}

static int app_change(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, bool bind)
{
    struct target t;
    if (find_target(node, p, len, 4, 6, &t) != BM_OK)
        return BM_EMALFORMED;
    uint16_t app_idx = bm_cfg_get_le16(p + 2);
    if (app_idx > 0x0fff)
        return BM_EMALFORMED;
    if (t.status != BM_CFG_ST_SUCCESS)
        return app_status(node, model, ctx, &t, t.status, app_idx);
    if (!bm_node_app_key(node, app_idx, NULL))
        return app_status(node, model, ctx, &t, BM_CFG_ST_INVALID_APPKEY, app_idx);
    /* 4.4.1.2.9: the configuration models use the device key only */
    if (t.model->type->dev_key)
        return app_status(node, model, ctx, &t, BM_CFG_ST_CANNOT_BIND, app_idx);
    uint8_t st = BM_CFG_ST_SUCCESS;
    if (bind)
        st = bm_access_bind(t.model, app_idx) == BM_OK ? BM_CFG_ST_SUCCESS
                                                       : BM_CFG_ST_INSUFFICIENT_RESOURCES;
    else
        bm_access_unbind(t.model, app_idx); /* not bound: already done, success */
    bm_node_log(node, BM_LOG_INF, "cfg", "%s elem=0x%04x app=0x%03x st=%u",
                bind ? "bind" : "unbind", t.elem, app_idx, st);
    return app_status(node, model, ctx, &t, st, app_idx);
}

int bm_cfg_srv_app_bind(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                        const uint8_t *p, size_t len)
{
    return app_change(node, model, ctx, p, len, true);
}

int bm_cfg_srv_app_unbind(struct bm_node *node, struct bm_model *model,
                          const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return app_change(node, model, ctx, p, len, false);
}

static int app_get(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, size_t sig_len, uint32_t op)
{
    struct target t;
    if (find_target(node, p, len, 2, sig_len, &t) != BM_OK)
        return BM_EMALFORMED;
    uint8_t out[7 + BM_CFG_MODEL_KEYS * 2] = {t.status};
    bm_cfg_put_le16(out + 1, t.elem);
    size_t n = 3 + put_model_id(&t, out + 3);
    if (t.status == BM_CFG_ST_SUCCESS)
        n += bm_cfg_pack_indexes(t.model->keys, t.model->key_count, out + n);
    return bm_cfg_srv_reply(node, model, ctx, op, out, n);
}

int bm_cfg_srv_sig_app_get(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return app_get(node, model, ctx, p, len, 4, BM_CFG_OP_SIG_APP_LIST);
}

int bm_cfg_srv_vnd_app_get(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len)
{
    return app_get(node, model, ctx, p, len, 4, BM_CFG_OP_VND_APP_LIST);
}
