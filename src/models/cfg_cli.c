/* Configuration Client (Mesh Profile 4.4.2): builds the Configuration
 * messages of 4.3.2, sends them to one target under its device key, waits
 * for the matching Status (by opcode and source), retransmits on a timeout
 * and decodes the Status for the callback (see blemesh/cfg_client.h).
 *
 * Invariants: at most one request is in flight; its parameters are kept
 * for the retransmissions and wiped when it ends (they can hold a key);
 * the callback runs after the request is closed, so it may send the next
 * one. A Status that matches but does not parse ends the request with
 * BM_EMALFORMED. */
#include <string.h>

#include "access/access.h"
#include "crypto/crypto.h"
#include "models/cfg_srv.h"
#include "models/models.h"
#include "node/node.h"

#define REQ_MAX 40 /* largest request: Publication VA Set, 27 octets; raw tests more */

struct cli_state {
    bm_cfg_cli_fn cb;
    void *user;
    bm_ms_t deadline_ms;
    uint32_t op;
    uint32_t status_op;
    uint16_t dst;
    uint16_t net_idx;
    bool net_set;
    bool busy;
    uint8_t retries_left;
    uint8_t len;
    uint8_t params[REQ_MAX];
};

_Static_assert(sizeof(struct cli_state) <= BM_MODEL_STATE_MAX, "client state too large");

static struct bm_model *cli_model(const struct bm_node *node)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used && node->models[i].type == &bm_cfg_cli_type)
            return (struct bm_model *)&node->models[i];
    return NULL;
}

static struct cli_state *cli_state(struct bm_model *m)
{
    return (struct cli_state *)(void *)m->st.bytes;
}

static uint16_t default_net_idx(const struct bm_node *node)
{
    if (bm_node_is_provisioner(node))
        return node->prov_net_idx;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        if (node->net.subnets[i].used)
            return node->net.subnets[i].net_idx;
    return 0;
}

static int transmit(struct bm_node *node, struct bm_model *m, struct cli_state *s)
{
    struct bm_msg_ctx ctx = {.net_idx = s->net_set ? s->net_idx : default_net_idx(node),
                             .app_idx = BM_APP_IDX_DEV,
                             .dst = s->dst,
                             .ttl = BM_TTL_DEFAULT};
    int rc = bm_access_send(node, m, &ctx, s->op, s->params, s->len);
    bm_node_log(node, BM_LOG_DBG, "cfg", "client tx op=0x%04x dst=0x%04x rc=%d", (unsigned)s->op,
                s->dst, rc);
    return rc;
}

static void finish(struct cli_state *s)
{
    s->busy = false;
    bm_crypto_wipe(s->params, sizeof(s->params));
}

static int request(struct bm_node *node, uint16_t dst, uint32_t op, const uint8_t *params,
                   size_t len, uint32_t status_op)
{
    if (!node)
        return BM_EINVAL;
    struct bm_model *m = cli_model(node);
    if (!m || !node->provisioned)
        return BM_ESTATE;
    struct cli_state *s = cli_state(m);
    if (s->busy)
        return BM_EBUSY;
    if (len > REQ_MAX || !bm_addr_is_unicast(dst))
        return BM_EINVAL;
    uint16_t net_idx = s->net_set ? s->net_idx : default_net_idx(node);
    if (!bm_node_dev_key(node, dst) || !bm_net_subnet_find(&node->net, net_idx))
        return BM_ENOKEY;
    s->op = op;
    s->status_op = status_op;
    s->dst = dst;
    s->len = (uint8_t)len;
    if (len)
        memcpy(s->params, params, len);
    int rc = transmit(node, m, s);
    if (rc != BM_OK) {
        finish(s);
        return rc;
    }
    s->busy = true;
    s->retries_left = BM_CFG_CLI_RETRIES;
    s->deadline_ms = bm_ms_after(bm_node_now(node), BM_CFG_CLI_TIMEOUT_MS);
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    return BM_OK;
}

static bm_ms_t cli_process(struct bm_node *node, struct bm_model *m, bm_ms_t now)
{
    struct cli_state *s = cli_state(m);
    if (!s->busy)
        return 0;
    if (!bm_ms_reached(now, s->deadline_ms))
        return s->deadline_ms;
    if (s->retries_left) {
        s->retries_left--;
        transmit(node, m, s); /* a busy bearer: the next deadline retries */
        s->deadline_ms = bm_ms_after(now, BM_CFG_CLI_TIMEOUT_MS);
        return s->deadline_ms;
    }
    struct bm_cfg_rsp rsp = {.err = BM_ETIMEOUT, .req = s->op};
    finish(s);
    bm_node_log(node, BM_LOG_WRN, "cfg", "client op=0x%04x to 0x%04x: no status", (unsigned)rsp.req,
                s->dst);
    if (s->cb)
        s->cb(s->user, &rsp);
    return 0;
}

/* --- decoding --- */

static void get_model(const uint8_t *p, bool vnd, struct bm_cfg_model_id *id)
{
    if (vnd) {
        id->company = bm_cfg_get_le16(p);
        id->id = bm_cfg_get_le16(p + 2);
    } else {
        id->company = BM_CFG_SIG;
        id->id = bm_cfg_get_le16(p);
    }
}

static int decode_indexes(const uint8_t *p, size_t len, struct bm_cfg_list *l)
{
    if (len % 3 == 1)
        return BM_EMALFORMED;
    for (size_t i = 0; i < len; i += 3) {
        uint16_t a = (uint16_t)(p[i] | (p[i + 1] & 0x0f) << 8);
        uint16_t b = 0;
        bool two = i + 2 < len;
        if (two)
            b = (uint16_t)(p[i + 1] >> 4 | p[i + 2] << 4);
        for (int k = 0; k < (two ? 2 : 1); k++) {
            if (l->count < BM_CFG_CLI_LIST_MAX)
                l->items[l->count++] = k ? b : a;
            l->total++;
        }
    }
    return BM_OK;
}

static int decode_comp(const uint8_t *p, size_t len, struct bm_cfg_comp *c)
{
    if (len < 1)
        return BM_EMALFORMED;
    c->page = p[0];
    if (c->page != 0)
        return BM_OK; /* only page 0 has a known layout */
    if (len < 11)
        return BM_EMALFORMED;
    c->cid = bm_cfg_get_le16(p + 1);
    c->pid = bm_cfg_get_le16(p + 3);
    c->vid = bm_cfg_get_le16(p + 5);
    c->crpl = bm_cfg_get_le16(p + 7);
    c->features = bm_cfg_get_le16(p + 9);
    size_t n = 11;
    while (n < len) {
        if (len - n < 4)
            return BM_EMALFORMED;
        uint16_t loc = bm_cfg_get_le16(p + n);
        uint8_t nsig = p[n + 2], nvnd = p[n + 3];
        n += 4;
        if (len - n < (size_t)nsig * 2 + (size_t)nvnd * 4)
            return BM_EMALFORMED;
        struct bm_cfg_comp_elem *e = NULL;
        if (c->elem_count < BM_CFG_CLI_COMP_ELEMS)
            e = &c->elems[c->elem_count++];
        else
            c->truncated = true;
        if (e) {
            e->loc = loc;
            e->nsig = nsig;
            e->nvnd = nvnd;
        }
        for (uint8_t i = 0; i < nsig; i++, n += 2) {
            if (e && i < BM_CFG_CLI_COMP_MODELS)
                e->sig[i] = bm_cfg_get_le16(p + n);
            else
                c->truncated = true;
        }
        for (uint8_t i = 0; i < nvnd; i++, n += 4) {
            if (e && i < BM_CFG_CLI_COMP_MODELS)
                get_model(p + n, true, &e->vnd[i]);
            else
                c->truncated = true;
        }
    }
    return BM_OK;
}

static int decode(uint32_t op, const uint8_t *p, size_t len, struct bm_cfg_rsp *r)
{
    bool vnd;
    switch (op) {
    case BM_CFG_OP_COMP_STATUS:
        return decode_comp(p, len, &r->u.comp);
    case BM_CFG_OP_BEACON_STATUS:
    case BM_CFG_OP_TTL_STATUS:
    case BM_CFG_OP_PROXY_STATUS:
    case BM_CFG_OP_FRIEND_STATUS:
        r->u.value = p[0];
        return BM_OK;
    case BM_CFG_OP_RELAY_STATUS:
        r->u.xmit.state = p[0];
        r->u.xmit.count = p[1] & 0x07;
        r->u.xmit.steps = p[1] >> 3;
        return BM_OK;
    case BM_CFG_OP_NET_TX_STATUS:
        r->u.xmit.count = p[0] & 0x07;
        r->u.xmit.steps = p[0] >> 3;
        return BM_OK;
    case BM_CFG_OP_PUB_STATUS: {
        struct bm_cfg_pub *pub = &r->u.pub;
        r->status = p[0];
        pub->elem_addr = bm_cfg_get_le16(p + 1);
        pub->addr = bm_cfg_get_le16(p + 3);
        uint16_t f = bm_cfg_get_le16(p + 5);
        pub->app_idx = f & 0x0fff;
        pub->cred = (f >> 12) & 1;
        pub->ttl = p[7];
        pub->period = p[8];
        pub->retx_count = p[9] & 0x07;
        pub->retx_steps = p[9] >> 3;
        get_model(p + 10, len == 14, &pub->model);
        return BM_OK;
    }
    case BM_CFG_OP_SUB_STATUS:
        r->status = p[0];
        r->u.sub.elem_addr = bm_cfg_get_le16(p + 1);
        r->u.sub.addr = bm_cfg_get_le16(p + 3);
        get_model(p + 5, len == 9, &r->u.sub.model);
        return BM_OK;
    case BM_CFG_OP_APP_STATUS:
        r->status = p[0];
        r->u.app.elem_addr = bm_cfg_get_le16(p + 1);
        r->u.app.app_idx = bm_cfg_get_le16(p + 3);
        get_model(p + 5, len == 9, &r->u.app.model);
        return BM_OK;
    case BM_CFG_OP_SIG_SUB_LIST:
    case BM_CFG_OP_VND_SUB_LIST:
        vnd = op == BM_CFG_OP_VND_SUB_LIST;
        r->status = p[0];
        r->u.list.elem_addr = bm_cfg_get_le16(p + 1);
        get_model(p + 3, vnd, &r->u.list.model);
        {
            size_t n = vnd ? 7 : 5;
            if ((len - n) % 2)
                return BM_EMALFORMED;
            for (; n < len; n += 2) {
                if (r->u.list.count < BM_CFG_CLI_LIST_MAX)
                    r->u.list.items[r->u.list.count++] = bm_cfg_get_le16(p + n);
                r->u.list.total++;
            }
        }
        return BM_OK;
    case BM_CFG_OP_SIG_APP_LIST:
    case BM_CFG_OP_VND_APP_LIST:
        vnd = op == BM_CFG_OP_VND_APP_LIST;
        r->status = p[0];
        r->u.list.elem_addr = bm_cfg_get_le16(p + 1);
        get_model(p + 3, vnd, &r->u.list.model);
        return decode_indexes(p + (vnd ? 7 : 5), len - (vnd ? 7 : 5), &r->u.list);
    case BM_CFG_OP_NETKEY_LIST:
        return decode_indexes(p, len, &r->u.list);
    case BM_CFG_OP_APPKEY_LIST:
        r->status = p[0];
        r->u.list.net_idx = bm_cfg_get_le16(p + 1);
        return decode_indexes(p + 3, len - 3, &r->u.list);
    case BM_CFG_OP_NETKEY_STATUS:
        r->status = p[0];
        r->u.key.net_idx = bm_cfg_get_le16(p + 1);
        return BM_OK;
    case BM_CFG_OP_APPKEY_STATUS:
        r->status = p[0];
        r->u.key.net_idx = (uint16_t)(p[1] | (p[2] & 0x0f) << 8);
        r->u.key.app_idx = (uint16_t)(p[2] >> 4 | p[3] << 4);
        return BM_OK;
    case BM_CFG_OP_KRP_STATUS:
    case BM_CFG_OP_IDENTITY_STATUS:
        r->status = p[0];
        r->u.idx.net_idx = bm_cfg_get_le16(p + 1);
        r->u.idx.value = p[3];
        return BM_OK;
    case BM_CFG_OP_HB_PUB_STATUS:
        r->status = p[0];
        r->u.hb_pub.dst = bm_cfg_get_le16(p + 1);
        r->u.hb_pub.count_log = p[3];
        r->u.hb_pub.period_log = p[4];
        r->u.hb_pub.ttl = p[5];
        r->u.hb_pub.features = bm_cfg_get_le16(p + 6);
        r->u.hb_pub.net_idx = bm_cfg_get_le16(p + 8);
        return BM_OK;
    case BM_CFG_OP_HB_SUB_STATUS:
        r->status = p[0];
        r->u.hb_sub.src = bm_cfg_get_le16(p + 1);
        r->u.hb_sub.dst = bm_cfg_get_le16(p + 3);
        r->u.hb_sub.period_log = p[5];
        r->u.hb_sub.count_log = p[6];
        r->u.hb_sub.min_hops = p[7];
        r->u.hb_sub.max_hops = p[8];
        return BM_OK;
    case BM_CFG_OP_LPN_TIMEOUT_STATUS:
        r->u.lpn.lpn_addr = bm_cfg_get_le16(p);
        r->u.lpn.poll_timeout = (uint32_t)(p[2] | p[3] << 8 | (uint32_t)p[4] << 16);
        return BM_OK;
    case BM_CFG_OP_NODE_RESET_STATUS:
        return BM_OK;
    default:
        return BM_EMALFORMED;
    }
}

/* Every Status of the table below. */
static int on_status(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                     const uint8_t *p, size_t len, uint32_t op)
{
    struct cli_state *s = cli_state(m);
    if (!s->busy || s->status_op != op || ctx->src != s->dst)
        return BM_OK; /* late, repeated or unasked: nobody waits for it */
    /* large (a composition holds up to 8 x 16 models): static storage is
     * not allowed in src/, so the callback's struct lives on this frame */
    struct bm_cfg_rsp rsp;
    memset(&rsp, 0, sizeof(rsp));
    rsp.req = s->op;
    rsp.opcode = op;
    rsp.src = ctx->src;
    rsp.raw = p;
    rsp.raw_len = len;
    rsp.err = decode(op, p, len, &rsp);
    finish(s);
    bm_node_log(node, BM_LOG_DBG, "cfg", "client rx op=0x%04x src=0x%04x status=%u err=%d",
                (unsigned)op, ctx->src, rsp.status, rsp.err);
    if (s->cb)
        s->cb(s->user, &rsp);
    return BM_OK;
}

/* Status lengths from 4.3.2 (SIG|vendor forms give min|max). */
static const struct bm_model_op cfg_cli_ops[] = {
    {BM_CFG_OP_COMP_STATUS, 1, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_BEACON_STATUS, 1, 1, on_status},
    {BM_CFG_OP_TTL_STATUS, 1, 1, on_status},
    {BM_CFG_OP_PROXY_STATUS, 1, 1, on_status},
    {BM_CFG_OP_FRIEND_STATUS, 1, 1, on_status},
    {BM_CFG_OP_RELAY_STATUS, 2, 2, on_status},
    {BM_CFG_OP_NET_TX_STATUS, 1, 1, on_status},
    {BM_CFG_OP_PUB_STATUS, 12, 14, on_status},
    {BM_CFG_OP_SUB_STATUS, 7, 9, on_status},
    {BM_CFG_OP_SIG_SUB_LIST, 5, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_VND_SUB_LIST, 7, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_APP_STATUS, 7, 9, on_status},
    {BM_CFG_OP_SIG_APP_LIST, 5, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_VND_APP_LIST, 7, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_NETKEY_STATUS, 3, 3, on_status},
    {BM_CFG_OP_NETKEY_LIST, 0, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_APPKEY_STATUS, 4, 4, on_status},
    {BM_CFG_OP_APPKEY_LIST, 3, BM_OP_LEN_ANY, on_status},
    {BM_CFG_OP_KRP_STATUS, 4, 4, on_status},
    {BM_CFG_OP_IDENTITY_STATUS, 4, 4, on_status},
    {BM_CFG_OP_HB_PUB_STATUS, 10, 10, on_status},
    {BM_CFG_OP_HB_SUB_STATUS, 9, 9, on_status},
    {BM_CFG_OP_LPN_TIMEOUT_STATUS, 5, 5, on_status},
    {BM_CFG_OP_NODE_RESET_STATUS, 0, 0, on_status},
};

const struct bm_model_type bm_cfg_cli_type = {.company = BM_COMPANY_SIG,
                                              .id = BM_MODEL_CFG_CLI,
                                              .ops = cfg_cli_ops,
                                              .op_count =
                                                  sizeof(cfg_cli_ops) / sizeof(cfg_cli_ops[0]),
                                              .dev_key = true,
                                              .process = cli_process};

/* --- the public API --- */

int bm_cfg_cli_enable(struct bm_node *node, bm_cfg_cli_fn cb, void *user)
{
    if (!node)
        return BM_EINVAL;
    if (node->element_count == 0)
        return BM_ESTATE;
    struct bm_model *m;
    int rc = bm_access_model_add(node, 0, &bm_cfg_cli_type, &m);
    if (rc != BM_OK)
        return rc;
    struct cli_state *s = cli_state(m);
    memset(s, 0, sizeof(*s));
    s->cb = cb;
    s->user = user;
    return BM_OK;
}

int bm_cfg_cli_set_net_idx(struct bm_node *node, uint16_t net_idx)
{
    struct bm_model *m = node ? cli_model(node) : NULL;
    if (!m)
        return BM_ESTATE;
    if (net_idx > 0x0fff)
        return BM_EINVAL;
    cli_state(m)->net_idx = net_idx;
    cli_state(m)->net_set = true;
    return BM_OK;
}

bool bm_cfg_cli_busy(const struct bm_node *node)
{
    struct bm_model *m = node ? cli_model(node) : NULL;
    return m && cli_state(m)->busy;
}

void bm_cfg_cli_cancel(struct bm_node *node)
{
    struct bm_model *m = node ? cli_model(node) : NULL;
    if (m)
        finish(cli_state(m));
}

int bm_cfg_cli_send_raw(struct bm_node *node, uint16_t dst, uint32_t opcode, const uint8_t *params,
                        size_t len, uint32_t status_op)
{
    if (bm_access_opcode_len(opcode) < 0)
        return BM_EINVAL;
    return request(node, dst, opcode, params, len, status_op);
}

int bm_cfg_comp_get(struct bm_node *node, uint16_t dst, uint8_t page)
{
    return request(node, dst, BM_CFG_OP_COMP_GET, &page, 1, BM_CFG_OP_COMP_STATUS);
}

int bm_cfg_beacon_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_BEACON_GET, NULL, 0, BM_CFG_OP_BEACON_STATUS);
}

int bm_cfg_beacon_set(struct bm_node *node, uint16_t dst, uint8_t beacon)
{
    return request(node, dst, BM_CFG_OP_BEACON_SET, &beacon, 1, BM_CFG_OP_BEACON_STATUS);
}

int bm_cfg_ttl_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_TTL_GET, NULL, 0, BM_CFG_OP_TTL_STATUS);
}

int bm_cfg_ttl_set(struct bm_node *node, uint16_t dst, uint8_t ttl)
{
    return request(node, dst, BM_CFG_OP_TTL_SET, &ttl, 1, BM_CFG_OP_TTL_STATUS);
}

int bm_cfg_proxy_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_PROXY_GET, NULL, 0, BM_CFG_OP_PROXY_STATUS);
}

int bm_cfg_proxy_set(struct bm_node *node, uint16_t dst, uint8_t proxy)
{
    return request(node, dst, BM_CFG_OP_PROXY_SET, &proxy, 1, BM_CFG_OP_PROXY_STATUS);
}

int bm_cfg_friend_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_FRIEND_GET, NULL, 0, BM_CFG_OP_FRIEND_STATUS);
}

int bm_cfg_friend_set(struct bm_node *node, uint16_t dst, uint8_t friend_state)
{
    return request(node, dst, BM_CFG_OP_FRIEND_SET, &friend_state, 1, BM_CFG_OP_FRIEND_STATUS);
}

int bm_cfg_relay_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_RELAY_GET, NULL, 0, BM_CFG_OP_RELAY_STATUS);
}

int bm_cfg_relay_set(struct bm_node *node, uint16_t dst, uint8_t relay, uint8_t count,
                     uint8_t steps)
{
    if (count > 7 || steps > 31)
        return BM_EINVAL;
    uint8_t p[2] = {relay, (uint8_t)(count | steps << 3)};
    return request(node, dst, BM_CFG_OP_RELAY_SET, p, 2, BM_CFG_OP_RELAY_STATUS);
}

int bm_cfg_net_transmit_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_NET_TX_GET, NULL, 0, BM_CFG_OP_NET_TX_STATUS);
}

int bm_cfg_net_transmit_set(struct bm_node *node, uint16_t dst, uint8_t count, uint8_t steps)
{
    if (count > 7 || steps > 31)
        return BM_EINVAL;
    uint8_t v = (uint8_t)(count | steps << 3);
    return request(node, dst, BM_CFG_OP_NET_TX_SET, &v, 1, BM_CFG_OP_NET_TX_STATUS);
}

/* Writes the model identifier (2 or 4 octets); returns its length. */
static size_t put_model(struct bm_cfg_model_id model, uint8_t *out)
{
    if (model.company == BM_CFG_SIG) {
        bm_cfg_put_le16(out, model.id);
        return 2;
    }
    bm_cfg_put_le16(out, model.company);
    bm_cfg_put_le16(out + 2, model.id);
    return 4;
}

int bm_cfg_pub_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model)
{
    uint8_t p[6];
    bm_cfg_put_le16(p, elem_addr);
    size_t n = 2 + put_model(model, p + 2);
    return request(node, dst, BM_CFG_OP_PUB_GET, p, n, BM_CFG_OP_PUB_STATUS);
}

int bm_cfg_pub_set(struct bm_node *node, uint16_t dst, const struct bm_cfg_pub *pub)
{
    if (!pub || pub->app_idx > 0x0fff || pub->retx_count > 7 || pub->retx_steps > 31)
        return BM_EINVAL;
    uint8_t p[27];
    size_t n = 0;
    bm_cfg_put_le16(p, pub->elem_addr);
    n = 2;
    if (pub->virt) {
        memcpy(p + n, pub->label, 16);
        n += 16;
    } else {
        bm_cfg_put_le16(p + n, pub->addr);
        n += 2;
    }
    bm_cfg_put_le16(p + n, (uint16_t)(pub->app_idx | (pub->cred ? 1u << 12 : 0)));
    p[n + 2] = pub->ttl;
    p[n + 3] = pub->period;
    p[n + 4] = (uint8_t)(pub->retx_count | pub->retx_steps << 3);
    n += 5;
    n += put_model(pub->model, p + n);
    return request(node, dst, pub->virt ? BM_CFG_OP_PUB_VA_SET : BM_CFG_OP_PUB_SET, p, n,
                   BM_CFG_OP_PUB_STATUS);
}

static int sub_req(struct bm_node *node, uint16_t dst, uint32_t op, uint16_t elem_addr,
                   const uint8_t *addr_or_label, size_t alen, struct bm_cfg_model_id model)
{
    uint8_t p[22];
    bm_cfg_put_le16(p, elem_addr);
    if (alen)
        memcpy(p + 2, addr_or_label, alen);
    size_t n = 2 + alen + put_model(model, p + 2 + alen);
    return request(node, dst, op, p, n, BM_CFG_OP_SUB_STATUS);
}

int bm_cfg_sub_add(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                   struct bm_cfg_model_id model)
{
    uint8_t a[2];
    bm_cfg_put_le16(a, addr);
    return sub_req(node, dst, BM_CFG_OP_SUB_ADD, elem_addr, a, 2, model);
}

int bm_cfg_sub_del(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                   struct bm_cfg_model_id model)
{
    uint8_t a[2];
    bm_cfg_put_le16(a, addr);
    return sub_req(node, dst, BM_CFG_OP_SUB_DEL, elem_addr, a, 2, model);
}

int bm_cfg_sub_overwrite(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t addr,
                         struct bm_cfg_model_id model)
{
    uint8_t a[2];
    bm_cfg_put_le16(a, addr);
    return sub_req(node, dst, BM_CFG_OP_SUB_OVERWRITE, elem_addr, a, 2, model);
}

int bm_cfg_sub_va_add(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                      const uint8_t label[16], struct bm_cfg_model_id model)
{
    if (!label)
        return BM_EINVAL;
    return sub_req(node, dst, BM_CFG_OP_SUB_VA_ADD, elem_addr, label, 16, model);
}

int bm_cfg_sub_va_del(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                      const uint8_t label[16], struct bm_cfg_model_id model)
{
    if (!label)
        return BM_EINVAL;
    return sub_req(node, dst, BM_CFG_OP_SUB_VA_DEL, elem_addr, label, 16, model);
}

int bm_cfg_sub_va_overwrite(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                            const uint8_t label[16], struct bm_cfg_model_id model)
{
    if (!label)
        return BM_EINVAL;
    return sub_req(node, dst, BM_CFG_OP_SUB_VA_OVERWRITE, elem_addr, label, 16, model);
}

int bm_cfg_sub_del_all(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                       struct bm_cfg_model_id model)
{
    return sub_req(node, dst, BM_CFG_OP_SUB_DEL_ALL, elem_addr, NULL, 0, model);
}

int bm_cfg_sub_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model)
{
    uint8_t p[6];
    bm_cfg_put_le16(p, elem_addr);
    size_t n = 2 + put_model(model, p + 2);
    bool vnd = model.company != BM_CFG_SIG;
    return request(node, dst, vnd ? BM_CFG_OP_VND_SUB_GET : BM_CFG_OP_SIG_SUB_GET, p, n,
                   vnd ? BM_CFG_OP_VND_SUB_LIST : BM_CFG_OP_SIG_SUB_LIST);
}

static int key_req(struct bm_node *node, uint16_t dst, uint32_t op, const uint8_t *idx,
                   size_t idx_len, const uint8_t *key, uint32_t status_op)
{
    uint8_t p[19];
    memcpy(p, idx, idx_len);
    size_t n = idx_len;
    if (key) {
        memcpy(p + n, key, 16);
        n += 16;
    }
    int rc = request(node, dst, op, p, n, status_op);
    bm_crypto_wipe(p, sizeof(p));
    return rc;
}

static void put_pair(uint8_t *p, uint16_t net_idx, uint16_t app_idx)
{
    p[0] = (uint8_t)net_idx;
    p[1] = (uint8_t)((net_idx >> 8 & 0x0f) | (app_idx & 0x0f) << 4);
    p[2] = (uint8_t)(app_idx >> 4);
}

int bm_cfg_net_key_add(struct bm_node *node, uint16_t dst, uint16_t net_idx, const uint8_t key[16])
{
    if (net_idx > 0x0fff || !key)
        return BM_EINVAL;
    uint8_t i[2];
    bm_cfg_put_le16(i, net_idx);
    return key_req(node, dst, BM_CFG_OP_NETKEY_ADD, i, 2, key, BM_CFG_OP_NETKEY_STATUS);
}

int bm_cfg_net_key_update(struct bm_node *node, uint16_t dst, uint16_t net_idx,
                          const uint8_t key[16])
{
    if (net_idx > 0x0fff || !key)
        return BM_EINVAL;
    uint8_t i[2];
    bm_cfg_put_le16(i, net_idx);
    return key_req(node, dst, BM_CFG_OP_NETKEY_UPDATE, i, 2, key, BM_CFG_OP_NETKEY_STATUS);
}

int bm_cfg_net_key_del(struct bm_node *node, uint16_t dst, uint16_t net_idx)
{
    if (net_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t i[2];
    bm_cfg_put_le16(i, net_idx);
    return key_req(node, dst, BM_CFG_OP_NETKEY_DEL, i, 2, NULL, BM_CFG_OP_NETKEY_STATUS);
}

int bm_cfg_net_key_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_NETKEY_GET, NULL, 0, BM_CFG_OP_NETKEY_LIST);
}

int bm_cfg_app_key_add(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx,
                       const uint8_t key[16])
{
    if (net_idx > 0x0fff || app_idx > 0x0fff || !key)
        return BM_EINVAL;
    uint8_t i[3];
    put_pair(i, net_idx, app_idx);
    return key_req(node, dst, BM_CFG_OP_APPKEY_ADD, i, 3, key, BM_CFG_OP_APPKEY_STATUS);
}

int bm_cfg_app_key_update(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx,
                          const uint8_t key[16])
{
    if (net_idx > 0x0fff || app_idx > 0x0fff || !key)
        return BM_EINVAL;
    uint8_t i[3];
    put_pair(i, net_idx, app_idx);
    return key_req(node, dst, BM_CFG_OP_APPKEY_UPDATE, i, 3, key, BM_CFG_OP_APPKEY_STATUS);
}

int bm_cfg_app_key_del(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint16_t app_idx)
{
    if (net_idx > 0x0fff || app_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t i[3];
    put_pair(i, net_idx, app_idx);
    return key_req(node, dst, BM_CFG_OP_APPKEY_DEL, i, 3, NULL, BM_CFG_OP_APPKEY_STATUS);
}

int bm_cfg_app_key_get(struct bm_node *node, uint16_t dst, uint16_t net_idx)
{
    if (net_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t i[2];
    bm_cfg_put_le16(i, net_idx);
    return request(node, dst, BM_CFG_OP_APPKEY_GET, i, 2, BM_CFG_OP_APPKEY_LIST);
}

static int app_req(struct bm_node *node, uint16_t dst, uint32_t op, uint16_t elem_addr,
                   uint16_t app_idx, struct bm_cfg_model_id model)
{
    if (app_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t p[8];
    bm_cfg_put_le16(p, elem_addr);
    bm_cfg_put_le16(p + 2, app_idx);
    size_t n = 4 + put_model(model, p + 4);
    return request(node, dst, op, p, n, BM_CFG_OP_APP_STATUS);
}

int bm_cfg_app_bind(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t app_idx,
                    struct bm_cfg_model_id model)
{
    return app_req(node, dst, BM_CFG_OP_APP_BIND, elem_addr, app_idx, model);
}

int bm_cfg_app_unbind(struct bm_node *node, uint16_t dst, uint16_t elem_addr, uint16_t app_idx,
                      struct bm_cfg_model_id model)
{
    return app_req(node, dst, BM_CFG_OP_APP_UNBIND, elem_addr, app_idx, model);
}

int bm_cfg_app_get(struct bm_node *node, uint16_t dst, uint16_t elem_addr,
                   struct bm_cfg_model_id model)
{
    uint8_t p[6];
    bm_cfg_put_le16(p, elem_addr);
    size_t n = 2 + put_model(model, p + 2);
    bool vnd = model.company != BM_CFG_SIG;
    return request(node, dst, vnd ? BM_CFG_OP_VND_APP_GET : BM_CFG_OP_SIG_APP_GET, p, n,
                   vnd ? BM_CFG_OP_VND_APP_LIST : BM_CFG_OP_SIG_APP_LIST);
}

static int idx_req(struct bm_node *node, uint16_t dst, uint32_t op, uint16_t net_idx,
                   const uint8_t *extra, uint32_t status_op)
{
    if (net_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t p[3];
    bm_cfg_put_le16(p, net_idx);
    if (extra)
        p[2] = *extra;
    return request(node, dst, op, p, extra ? 3 : 2, status_op);
}

int bm_cfg_identity_get(struct bm_node *node, uint16_t dst, uint16_t net_idx)
{
    return idx_req(node, dst, BM_CFG_OP_IDENTITY_GET, net_idx, NULL, BM_CFG_OP_IDENTITY_STATUS);
}

int bm_cfg_identity_set(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint8_t identity)
{
    return idx_req(node, dst, BM_CFG_OP_IDENTITY_SET, net_idx, &identity,
                   BM_CFG_OP_IDENTITY_STATUS);
}

int bm_cfg_krp_get(struct bm_node *node, uint16_t dst, uint16_t net_idx)
{
    return idx_req(node, dst, BM_CFG_OP_KRP_GET, net_idx, NULL, BM_CFG_OP_KRP_STATUS);
}

int bm_cfg_krp_set(struct bm_node *node, uint16_t dst, uint16_t net_idx, uint8_t transition)
{
    return idx_req(node, dst, BM_CFG_OP_KRP_SET, net_idx, &transition, BM_CFG_OP_KRP_STATUS);
}

int bm_cfg_hb_pub_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_HB_PUB_GET, NULL, 0, BM_CFG_OP_HB_PUB_STATUS);
}

int bm_cfg_hb_pub_set(struct bm_node *node, uint16_t dst, const struct bm_cfg_hb_pub *pub)
{
    if (!pub || pub->net_idx > 0x0fff)
        return BM_EINVAL;
    uint8_t p[9];
    bm_cfg_put_le16(p, pub->dst);
    p[2] = pub->count_log;
    p[3] = pub->period_log;
    p[4] = pub->ttl;
    bm_cfg_put_le16(p + 5, pub->features);
    bm_cfg_put_le16(p + 7, pub->net_idx);
    return request(node, dst, BM_CFG_OP_HB_PUB_SET, p, 9, BM_CFG_OP_HB_PUB_STATUS);
}

int bm_cfg_hb_sub_get(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_HB_SUB_GET, NULL, 0, BM_CFG_OP_HB_SUB_STATUS);
}

int bm_cfg_hb_sub_set(struct bm_node *node, uint16_t dst, uint16_t src, uint16_t sub_dst,
                      uint8_t period_log)
{
    uint8_t p[5];
    bm_cfg_put_le16(p, src);
    bm_cfg_put_le16(p + 2, sub_dst);
    p[4] = period_log;
    return request(node, dst, BM_CFG_OP_HB_SUB_SET, p, 5, BM_CFG_OP_HB_SUB_STATUS);
}

int bm_cfg_lpn_timeout_get(struct bm_node *node, uint16_t dst, uint16_t lpn_addr)
{
    uint8_t p[2];
    bm_cfg_put_le16(p, lpn_addr);
    return request(node, dst, BM_CFG_OP_LPN_TIMEOUT_GET, p, 2, BM_CFG_OP_LPN_TIMEOUT_STATUS);
}

int bm_cfg_node_reset(struct bm_node *node, uint16_t dst)
{
    return request(node, dst, BM_CFG_OP_NODE_RESET, NULL, 0, BM_CFG_OP_NODE_RESET_STATUS);
}
