/* Configuration Server (Mesh Profile 4.4.1), the per-model states: Model
 * Publication (4.2.2; messages 4.3.2.15-4.3.2.18), Subscription List
 * (4.2.3; 4.3.2.19-4.3.2.30) and AppKey bindings (4.2.4; 4.3.2.46-4.3.2.50).
 *
 * Every message names a model by its element's unicast address (first)
 * and its model identifier (last): 2 octets for a SIG model, 4 (company,
 * then model) for a vendor one, the message length telling which. Every
 * Status has the same frame: Status Code, element address, the message's
 * own fields, the model identifier as received, then any list; one
 * function parses the request and builds that frame for all sixteen
 * messages. Errors are checked in the order the fields name things:
 * element (Invalid Address), model (Invalid Model), then the request's own
 * fields. The configuration models travel under the device key only, so
 * they take no AppKey (Cannot Bind), no publication (Invalid Publish
 * Parameters) and no subscription (Not a Subscribe Model). */
#include <string.h>

#include "access/access.h"
#include "crypto/crypto.h"
#include "models/cfg_srv.h"
#include "models/models.h"
#include "node/node.h"

/* The messages, in the order of forms[]. A message with a SIG and a
 * vendor form (4 and 6 octets), or a plain and a virtual one (the Label
 * UUID, 16 octets, where the 2-octet address goes), takes one handler:
 * the length tells the form. */
enum kind {
    PUB_GET,
    PUB_SET,
    SUB_ADD,
    SUB_DEL,
    SUB_OVERWRITE,
    SUB_DEL_ALL,
    SUB_GET,
    APP_BIND,
    APP_UNBIND,
    APP_GET,
};

/* The parameters of a virtual form: 20 octets or more; a plain form has
 * at most 13. */
#define VIRTUAL_LEN 20

/* sig_len: the plain SIG form's parameter length (the vendor form is 2
 * longer, the virtual form 14); mid: Status octets between the element
 * address and the model identifier; status_op: the Status's opcode, 0x80xx
 * (the vendor List's is 2 more); op, op2: the low octets of the message's
 * opcodes, 0x80xx (Publication Set's is 0x03): the plain or SIG form, then
 * the virtual or vendor one (op again when there is none). */
static const struct {
    uint8_t sig_len, mid, status_op, op, op2;
} forms[] = {
    [PUB_GET] = {4, 7, BM_CFG_OP_PUB_STATUS & 0xff, BM_CFG_OP_PUB_GET & 0xff,
                 BM_CFG_OP_PUB_GET & 0xff},
    [PUB_SET] = {11, 7, BM_CFG_OP_PUB_STATUS & 0xff, BM_CFG_OP_PUB_SET,
                 BM_CFG_OP_PUB_VA_SET & 0xff},
    [SUB_ADD] = {6, 2, BM_CFG_OP_SUB_STATUS & 0xff, BM_CFG_OP_SUB_ADD & 0xff,
                 BM_CFG_OP_SUB_VA_ADD & 0xff},
    [SUB_DEL] = {6, 2, BM_CFG_OP_SUB_STATUS & 0xff, BM_CFG_OP_SUB_DEL & 0xff,
                 BM_CFG_OP_SUB_VA_DEL & 0xff},
    [SUB_OVERWRITE] = {6, 2, BM_CFG_OP_SUB_STATUS & 0xff, BM_CFG_OP_SUB_OVERWRITE & 0xff,
                       BM_CFG_OP_SUB_VA_OVERWRITE & 0xff},
    [SUB_DEL_ALL] = {4, 2, BM_CFG_OP_SUB_STATUS & 0xff, BM_CFG_OP_SUB_DEL_ALL & 0xff,
                     BM_CFG_OP_SUB_DEL_ALL & 0xff},
    [SUB_GET] = {4, 0, BM_CFG_OP_SIG_SUB_LIST & 0xff, BM_CFG_OP_SIG_SUB_GET & 0xff,
                 BM_CFG_OP_VND_SUB_GET & 0xff},
    [APP_BIND] = {6, 2, BM_CFG_OP_APP_STATUS & 0xff, BM_CFG_OP_APP_BIND & 0xff,
                  BM_CFG_OP_APP_BIND & 0xff},
    [APP_UNBIND] = {6, 2, BM_CFG_OP_APP_STATUS & 0xff, BM_CFG_OP_APP_UNBIND & 0xff,
                    BM_CFG_OP_APP_UNBIND & 0xff},
    [APP_GET] = {4, 0, BM_CFG_OP_SIG_APP_LIST & 0xff, BM_CFG_OP_SIG_APP_GET & 0xff,
                 BM_CFG_OP_VND_APP_GET & 0xff},
};

/* What a message asks, once its model is looked up. */
struct req {
    struct bm_node *node;
    enum kind kind;
    struct bm_model *model; /* the model named, when status is Success */
    uint8_t status;         /* of the element and model lookup */
    uint16_t addr;          /* the subscription address, or the AppKey index */
    const uint8_t *label;   /* the Label UUID of a virtual form, else NULL */
};

static uint8_t sub_rc_status(int rc)
{
    if (rc == BM_OK)
        return BM_CFG_ST_SUCCESS;
    if (rc == BM_EINVAL)
        return BM_CFG_ST_INVALID_ADDRESS;
    return rc == BM_ENOSPC ? BM_CFG_ST_INSUFFICIENT_RESOURCES : BM_CFG_ST_UNSPECIFIED;
}

/* Publication Set and Virtual Address Set (4.3.2.16-17): f points at the
 * AppKeyIndex field, label is the Label UUID of the virtual form. */
static int pub_set(struct req *r, const uint8_t *f, const uint8_t *label)
{
    uint16_t idx_cred = bm_cfg_get_le16(f);
    uint16_t app_idx = idx_cred & 0x0fff; /* bits 13-15 are RFU */
    uint8_t ttl = f[2];
    if (ttl > BM_TTL_MAX && ttl != BM_TTL_DEFAULT)
        return BM_EMALFORMED; /* 4.2.2.5: 0x80..0xfe prohibited */
    if (r->status != BM_CFG_ST_SUCCESS)
        return r->status;
    struct bm_model *m = r->model;
    if (m->type->dev_key)
        return BM_CFG_ST_INVALID_PUBLISH_PARAMS;
    struct bm_model_pub *pub = &m->pub;
    if (r->addr != BM_ADDR_UNASSIGNED) {
        /* the key must exist and be bound to the model (4.2.2.2, 4.2.4) */
        if (!bm_node_app_key(r->node, app_idx, NULL) || !bm_access_is_bound(m, app_idx))
            return BM_CFG_ST_INVALID_APPKEY;
    }
    memset(pub, 0, sizeof(*pub)); /* an unassigned address: publication off (4.2.2.1) */
    if (r->addr == BM_ADDR_UNASSIGNED)
        return BM_CFG_ST_SUCCESS;
    pub->addr = r->addr;
    if (label)
        memcpy(pub->label, label, 16);
    pub->app_idx = app_idx;
    /* 4.2.2.4: without friendship credentials the master ones are used */
    pub->cred = (idx_cred >> 12) & 1;
    pub->ttl = ttl;
    pub->period = f[3];
    pub->retransmit = f[4];
    bm_node_timer_set(r->node, BM_TIMER_MODELS, 0);
    bm_node_log(r->node, BM_LOG_INF, "cfg", "pub addr=0x%04x app=0x%03x", r->addr, app_idx);
    return BM_CFG_ST_SUCCESS;
}

/* The three Subscription changes, plain or virtual (4.3.2.19-4.3.2.25). */
static int sub_change(struct req *r)
{
    const uint8_t *label = r->label;
    struct bm_node *node = r->node;
    struct bm_model *m = r->model;
    uint16_t addr = r->addr;
    /* 4.2.3: group addresses other than all-nodes, or virtual addresses */
    if (!label && (!bm_addr_is_group(addr) || addr == BM_ADDR_ALL_NODES))
        return BM_CFG_ST_INVALID_ADDRESS;
    int rc = BM_OK;
    if (r->kind == SUB_OVERWRITE)
        bm_access_sub_clear(node, m);
    if (r->kind == SUB_DEL)
        bm_access_sub_del(node, m, addr); /* not there: a repeated Delete, success */
    else
        rc = bm_access_sub_add(node, m, addr, label);
    bm_node_log(node, BM_LOG_INF, "cfg", "sub kind=%d addr=0x%04x rc=%d", (int)r->kind, addr, rc);
    return sub_rc_status(rc);
}

/* The Status Code of the request, after doing what it asks; or
 * BM_EMALFORMED for a prohibited field value (no Status). */
static int act(struct req *r, const uint8_t *p)
{
    enum kind k = r->kind;
    const uint8_t *label = r->label;
    r->addr = bm_cfg_get_le16(p + 2);
    if (label && bm_crypto_virtual_addr(label, &r->addr) != BM_OK) {
        r->addr = 0;
        return BM_CFG_ST_UNSPECIFIED;
    }
    if (k == PUB_SET && !label && bm_addr_is_virtual(r->addr))
        return BM_EMALFORMED; /* 4.3.2.16: a virtual address takes the VA Set */
    if (k == PUB_SET)
        return pub_set(r, label ? p + 18 : p + 4, label);
    if ((k == APP_BIND || k == APP_UNBIND) && r->addr > 0x0fff)
        return BM_EMALFORMED;
    if (k == SUB_DEL_ALL)
        r->addr = BM_ADDR_UNASSIGNED;
    if (r->status != BM_CFG_ST_SUCCESS || k == PUB_GET || k == APP_GET)
        return r->status;
    struct bm_model *m = r->model;
    if (k == APP_BIND || k == APP_UNBIND) {
        if (!bm_node_app_key(r->node, r->addr, NULL))
            return BM_CFG_ST_INVALID_APPKEY;
        /* 4.4.1.2.9: the configuration models use the device key only */
        if (m->type->dev_key)
            return BM_CFG_ST_CANNOT_BIND;
        if (k == APP_UNBIND) {
            bm_access_unbind(m, r->addr); /* not bound: already done, success */
            return BM_CFG_ST_SUCCESS;
        }
        return bm_access_bind(m, r->addr) == BM_OK ? BM_CFG_ST_SUCCESS
                                                   : BM_CFG_ST_INSUFFICIENT_RESOURCES;
    }
    /* the Subscription messages */
    if (m->type->dev_key)
        return BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL;
    if (k == SUB_DEL_ALL)
        bm_access_sub_clear(r->node, m);
    if (k == SUB_DEL_ALL || k == SUB_GET)
        return BM_CFG_ST_SUCCESS;
    return sub_change(r);
}

int bm_cfg_srv_model_msg(struct bm_node *node, struct bm_model *srv, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, size_t len, uint32_t opcode)
{
    /* the opcodes' low octets tell the sixteen messages apart */
    enum kind k = PUB_GET;
    while (k < APP_GET && forms[k].op != (uint8_t)opcode && forms[k].op2 != (uint8_t)opcode)
        k++;
    bool virt = len >= VIRTUAL_LEN;
    size_t id_at = forms[k].sig_len - 2u + (virt ? 14u : 0u), id_len = len - id_at;
    if (id_len != 2 && id_len != 4)
        return BM_EMALFORMED; /* between the SIG and vendor forms */
    struct req r;
    r.node = node;
    r.kind = k;
    r.model = NULL;
    r.status = BM_CFG_ST_INVALID_ADDRESS;
    r.label = virt ? p + 2 : NULL;
    uint16_t elem = bm_cfg_get_le16(p);
    uint16_t company = BM_COMPANY_SIG, id = bm_cfg_get_le16(p + id_at);
    if (id_len == 4) {
        company = id;
        id = bm_cfg_get_le16(p + id_at + 2);
    }
    if (bm_addr_is_unicast(elem) && bm_node_is_local(node, elem)) {
        r.model = bm_access_model_find(node, elem, company, id);
        r.status = r.model ? BM_CFG_ST_SUCCESS : BM_CFG_ST_INVALID_MODEL;
    }
    int st = act(&r, p);
    if (st < 0)
        return st;
    uint8_t out[14 + 2 * BM_CFG_MODEL_SUBS + 2 * BM_CFG_MODEL_KEYS] = {(uint8_t)st, p[0], p[1]};
    size_t mid = forms[k].mid, n = 3 + mid;
    if (mid == 2)
        bm_cfg_put_le16(out + 3, r.addr);
    /* a state is reported with Success only; the publication, when there
     * is one: off reads as all zeros (4.2.2: unassigned publish address) */
    const struct bm_model *m = st == BM_CFG_ST_SUCCESS ? r.model : NULL;
    if (m && mid == 7 && m->pub.addr != BM_ADDR_UNASSIGNED) {
        const struct bm_model_pub *pub = &m->pub;
        bm_cfg_put_le16(out + 3, pub->addr);
        bm_cfg_put_le16(out + 5, (uint16_t)(pub->app_idx | (pub->cred ? 1u << 12 : 0)));
        out[7] = pub->ttl;
        out[8] = pub->period;
        out[9] = pub->retransmit;
    }
    memcpy(out + n, p + id_at, id_len);
    n += id_len;
    uint32_t op = 0x8000u | forms[k].status_op;
    if (k == APP_GET || k == SUB_GET) {
        if (id_len == 4)
            op += 2; /* the Vendor Model App or Subscription List */
        if (m && k == APP_GET)
            n += bm_cfg_pack_indexes(m->keys, m->key_count, out + n);
        for (uint8_t i = 0; m && k == SUB_GET && i < m->sub_count; i++, n += 2)
            bm_cfg_put_le16(out + n, m->subs[i]);
    }
    return bm_cfg_srv_reply(node, srv, ctx, op, out, n);
}
