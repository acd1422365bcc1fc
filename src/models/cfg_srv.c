/* Configuration Server (Mesh Profile 4.4.1), node-wide states: Composition
 * Data (4.2.1), Secure Network Beacon, Default TTL, GATT Proxy, Friend,
 * Relay and Network Transmit (4.2.7-4.2.11, 4.2.19-4.2.20), the NetKey and
 * AppKey lists with key refresh (4.2.13-4.2.14), Node Identity (4.2.12),
 * the LPN PollTimeout (4.2.21) and Node Reset; and the opcode table of the
 * whole model (the per-model states are in cfg_srv_model.c, heartbeats in
 * heartbeat.c).
 *
 * Rules every handler follows (4.3.2, 4.4.1.2): a message of the wrong
 * length is dropped by the access layer's length check (or here, where
 * the two lengths of SIG and vendor forms leave a gap); a message with a
 * prohibited field value is ignored; every other message is answered with
 * its Status, whose Status Code (4.3.5) names the first error found. A
 * rejected request changes nothing. Key material is never logged. */
#include <string.h>

#include "access/access.h"
#include "models/cfg_srv.h"
#include "models/models.h"
#include "node/node.h"

#define IDX_MAX 0x0fff
/* Node Reset: the Status leaves before the keys go (4.4.1.2.12). */
#define RESET_DELAY_MS 100u

int bm_cfg_srv_reply(struct bm_node *node, const struct bm_model *model,
                     const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                     size_t len)
{
    /* every handler answers through here: what it changed is stored
     * before the Status says it is done (unchanged records are not
     * rewritten); the request came under the device key, and so does the
     * Status */
    bm_persist_sync(node);
    int rc = bm_access_reply(node, model, ctx, opcode, params, len);
    bm_node_log(node, rc == BM_OK ? BM_LOG_DBG : BM_LOG_WRN, "cfg",
                "status op=0x%04x dst=0x%04x len=%u rc=%d", (unsigned)opcode, ctx->src,
                (unsigned)len, rc);
    return rc;
}

size_t bm_cfg_pack_indexes(const uint16_t *idx, size_t count, uint8_t *out)
{
    uint8_t *q = out;
    for (size_t i = 0; i < count; i += 2) {
        *q++ = (uint8_t)idx[i];
        if (i + 1 < count) {
            *q++ = (uint8_t)((idx[i] >> 8 & 0x0f) | (idx[i + 1] & 0x0f) << 4);
            *q++ = (uint8_t)(idx[i + 1] >> 4);
        } else {
            *q++ = (uint8_t)(idx[i] >> 8);
        }
    }
    return (size_t)(q - out);
}

/* --- Composition Data (4.2.1, 4.3.2.4-4.3.2.5) --- */

/* Features field bits of Composition Data page 0 (4.2.1.1). */
#define COMP_FEAT_RELAY 0x0001
#define COMP_FEAT_FRIEND 0x0004
#define COMP_FEAT_LOW_POWER 0x0008
/* Composition Data page 0 (4.2.1) in a Status: where it ends, as the
 * opcode takes 2 octets of the payload; an element that runs past it is
 * dropped whole. */
#define COMP_FIT (BM_ACCESS_MAX_PAYLOAD - 2)
/* The most comp_get writes: the 11-octet header, then per element (at most
 * BM_CFG_ELEMENTS) Loc, NumS and NumV (4 octets), and per model (at most
 * BM_CFG_MODELS over all elements) 2 octets, 4 for a vendor model; or, if
 * that is more, COMP_FIT plus the one element written past it. Sized to
 * the image's limits, not to a whole access payload, as this frame lies on
 * the node's deepest stack path (a Composition Data Get answered in
 * segments). */
#define COMP_MAX (11 + 4 * BM_CFG_ELEMENTS + 4 * BM_CFG_MODELS)
#define COMP_PAST_FIT (COMP_FIT + 4 + 4 * BM_CFG_MODELS)
#define COMP_OUT_LEN (COMP_MAX < COMP_PAST_FIT ? COMP_MAX : COMP_PAST_FIT)

/* The Composition Data Status (4.3.2.5): page 0 (4.2.1.1) after its page
 * number. Only page 0 exists: any other page is answered with it (the
 * highest page the node has). out has room for one element past what a
 * message holds: an element that does not fit is written there, then
 * dropped (whole elements only). */
static int comp_get(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                    const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    (void)p;
    (void)len;
    uint8_t out[COMP_OUT_LEN];
    /* a feature is listed when supported: relay today; proxy, friend and
     * low power come with their issues (#6) */
    uint16_t feat = (node->features & BM_RELAY) ? COMP_FEAT_RELAY : 0;
    /* (bm_create_element() refuses a feature compiled out of the image) */
    if (BM_CFG_FRIEND && (node->features & BM_FRIEND))
        feat |= COMP_FEAT_FRIEND;
    if (BM_CFG_LPN && (node->features & BM_LOW_POWER))
        feat |= COMP_FEAT_LOW_POWER;
    if (bm_node_gatt_proxy_get(node) != BM_FEAT_STATE_UNSUPPORTED)
        feat |= 0x0002; /* 4.2.1.1: Proxy feature bit */
    uint16_t cid = BM_CFG_DEFAULT_CID, pid = BM_CFG_DEFAULT_PID, vid = BM_CFG_DEFAULT_VID;
    if (node->comp_ids_set) {
        cid = node->comp_cid;
        pid = node->comp_pid;
        vid = node->comp_vid;
    }
    out[0] = 0;
    bm_cfg_put_le16(out + 1, cid);
    bm_cfg_put_le16(out + 3, pid);
    bm_cfg_put_le16(out + 5, vid);
    bm_cfg_put_le16(out + 7, BM_CFG_RPL_SIZE);
    bm_cfg_put_le16(out + 9, feat);
    uint8_t *q = out + 11;
    for (uint8_t e = 0; e < node->element_count; e++) {
        /* Loc (0x0000: unknown, GATT namespace), NumS, NumV, the SIG
         * model IDs, then the vendor ones (company first) */
        uint8_t *elem = q;
        memset(elem, 0, 4);
        q += 4;
        for (uint8_t vnd = 0; vnd < 2; vnd++) {
            for (size_t i = 0; i < BM_CFG_MODELS; i++) {
                const struct bm_model *m = &node->models[i];
                if (!m->used || m->elem != e || (m->type->company != BM_COMPANY_SIG) != vnd)
                    continue;
                if (vnd) {
                    bm_cfg_put_le16(q, m->type->company);
                    q += 2;
                }
                bm_cfg_put_le16(q, m->type->id);
                q += 2;
                elem[2 + vnd]++;
            }
        }
        if ((size_t)(q - out) > COMP_FIT) {
            q = elem;
            break;
        }
    }
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_COMP_STATUS, out, (size_t)(q - out));
}

/* --- one-octet states (and Relay's two) --- */

/* Count (3 bits, transmissions - 1) and interval steps (5 bits, (n + 1) *
 * 10 ms) of the Relay Retransmit and Network Transmit states (4.2.19-20). */
static uint8_t xmit_encode(const struct bm_adv_xmit *x)
{
    uint8_t count = x->count ? (uint8_t)(x->count - 1) : 0;
    /* interval_ms / 10 without a division: x * 0xcccd >> 19 is x / 10 for
     * every 16-bit x (checked for all of them) */
    uint32_t tens = (uint32_t)x->interval_ms * 0xcccdu >> 19;
    uint8_t steps = tens ? (uint8_t)(tens - 1) : 0;
    return (uint8_t)((count & 0x07) | (steps & 0x1f) << 3);
}

static void xmit_decode(uint8_t v, struct bm_adv_xmit *x)
{
    x->count = (uint8_t)((v & 0x07) + 1);
    x->interval_ms = (uint16_t)(((v >> 3) + 1) * 10);
}

/* Get (no parameters) and Set (the access layer checked their lengths) of
 * Secure Network Beacon, Default TTL, GATT Proxy, Friend, Network
 * Transmit and Relay (4.2.7-4.2.11, 4.2.19-4.2.20): a Set with a
 * prohibited value is ignored, else it changes the state; both are
 * answered with the Status, whose opcode (4.3.4) follows the Set's and is
 * 2 past the Get's. */
static int node_state(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    uint32_t status = opcode + (len ? 1u : 2u);
    /* 0x02..0xff are prohibited in every Set but Default TTL's and Network
     * Transmit's (4.2.8, 4.2.10-4.2.11, 4.2.13): each of those cases
     * checks it (one check before the switch costs more code) */
    bool prohibited = len && p[0] > 1;
    uint8_t out[2];
    size_t n = 1;
    /* (the opcodes are all 0x80xx: their low octets tell them apart) */
    switch ((uint8_t)opcode) {
    case BM_CFG_OP_BEACON_GET & 0xff:
    case BM_CFG_OP_BEACON_SET & 0xff:
        if (prohibited)
            return BM_EMALFORMED;
        if (len && (p[0] == 1) != node->net_beacon) {
            node->net_beacon = p[0] == 1;
            if (node->net_beacon)
                bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
            else
                bm_node_timer_stop(node, BM_TIMER_NET_BEACON);
        }
        out[0] = node->net_beacon ? 1 : 0;
        break;
    case BM_CFG_OP_TTL_GET & 0xff:
    case BM_CFG_OP_TTL_SET & 0xff:
        if (len) {
            if (p[0] == 1 || p[0] > BM_TTL_MAX)
                return BM_EMALFORMED; /* 4.2.7: 0x01 and 0x80..0xff prohibited */
            node->default_ttl = p[0];
        }
        out[0] = node->default_ttl;
        break;
    case BM_CFG_OP_PROXY_GET & 0xff:
    case BM_CFG_OP_PROXY_SET & 0xff:
        /* 0/1 with the GATT_PROXY feature on a port with GATT, else 0x02,
         * and then a Set changes nothing (node_gatt.c) */
        if (prohibited)
            return BM_EMALFORMED;
        if (len)
            bm_node_gatt_proxy_set(node, p[0]);
        out[0] = bm_node_gatt_proxy_get(node);
        break;
    case BM_CFG_OP_FRIEND_GET & 0xff:
    case BM_CFG_OP_FRIEND_SET & 0xff:
        /* 0/1 with the Friend feature, 0x02 without it; a Set of 0 ends
         * every friendship (friend.c) */
        if (prohibited)
            return BM_EMALFORMED;
        if (len && BM_CFG_FRIEND && (node->features & BM_FRIEND))
            bm_frnd_set_enabled(node, p[0] == 1);
        out[0] = bm_node_friend_get(node);
        break;
    case BM_CFG_OP_NET_TX_GET & 0xff:
    case BM_CFG_OP_NET_TX_SET & 0xff:
        if (len)
            xmit_decode(p[0], &node->net_xmit);
        out[0] = xmit_encode(&node->net_xmit);
        break;
    default: /* Relay and Relay Retransmit */
        /* 4.4.1.2.7: without the feature the state stays "not supported"
         * and the Status reports it */
        if (prohibited)
            return BM_EMALFORMED;
        if (len && node->relay != BM_FEAT_STATE_UNSUPPORTED) {
            bool changed = node->relay != p[0];
            node->relay = p[0];
            xmit_decode(p[1], &node->relay_xmit);
            if (changed)
                bm_heartbeat_features_changed(node, 0x0001);
        }
        out[0] = node->relay;
        out[1] = xmit_encode(&node->relay_xmit);
        n = 2;
        break;
    }
    return bm_cfg_srv_reply(node, model, ctx, status, out, n);
}

/* --- NetKeys and AppKeys (4.3.2.31-4.3.2.42) --- */

static uint8_t key_rc_status(int rc)
{
    switch (rc) {
    case BM_OK:
        return BM_CFG_ST_SUCCESS;
    case BM_EEXIST:
        return BM_CFG_ST_KEY_INDEX_ALREADY_STORED;
    case BM_ENOSPC:
        return BM_CFG_ST_INSUFFICIENT_RESOURCES;
    case BM_ESTATE:
        return BM_CFG_ST_CANNOT_UPDATE;
    default:
        return BM_CFG_ST_UNSPECIFIED;
    }
}

/* Forgets an AppKey: its bindings, and publications that used it. */
static void app_key_forget(struct bm_node *node, uint16_t app_idx)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used)
            bm_access_unbind(&node->models[i], app_idx);
    bm_node_app_key_del(node, app_idx);
}

/* NetKey Delete of a key we have (4.4.1.2.8). */
static uint8_t netkey_remove(struct bm_node *node, const struct bm_msg_ctx *ctx, uint16_t idx)
{
    int subnets = 0;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        subnets += node->net.subnets[i].used;
    /* the key that carried the request, or the last one, would cut the
     * node off */
    if (idx == ctx->net_idx || subnets <= 1)
        return BM_CFG_ST_CANNOT_REMOVE;
    /* 4.3.2.34: the AppKeys bound to it go with it */
    for (uint8_t i = 0; i < node->app_count;) {
        if (node->app_net_idx[i] == idx)
            app_key_forget(node, node->app_keys[i].app_idx);
        else
            i++;
    }
    bm_heartbeat_subnet_deleted(node, idx);
    bm_net_subnet_del(&node->net, idx);
    bm_node_log(node, BM_LOG_INF, "cfg", "netkey del idx=0x%03x", idx);
    return BM_CFG_ST_SUCCESS;
}

/* NetKey Add, Update and Delete: NetKeyIndex, then the key (4.3.2.31-33);
 * the Status is the Status Code and the index. */
static int netkey_change(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, size_t len, uint32_t op)
{
    (void)len;
    uint16_t idx = bm_cfg_get_le16(p);
    if (idx > IDX_MAX)
        return BM_EMALFORMED;
    uint8_t out[3] = {BM_CFG_ST_SUCCESS, p[0], p[1]};
    bool known = bm_net_subnet_find(&node->net, idx) != NULL;
    /* (the three opcodes are 0x80xx: their low octets tell them apart) */
    if ((uint8_t)op == (BM_CFG_OP_NETKEY_ADD & 0xff))
        out[0] = key_rc_status(bm_net_subnet_add(&node->net, idx, p + 2));
    else if ((uint8_t)op == (BM_CFG_OP_NETKEY_UPDATE & 0xff))
        out[0] = known ? key_rc_status(bm_net_subnet_update(&node->net, idx, p + 2))
                       : BM_CFG_ST_INVALID_NETKEY;
    else if (known) /* a repeated Delete whose Status was lost finds nothing: success */
        out[0] = netkey_remove(node, ctx, idx);
    bm_node_log(node, BM_LOG_INF, "cfg", "netkey op=0x%04x idx=0x%03x st=%u", (unsigned)op, idx,
                out[0]);
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_NETKEY_STATUS, out, 3);
}

/* The NetKeyIndex and AppKeyIndex packed in three octets (4.3.1.1). */
static uint16_t net_idx_of(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] & 0x0f) << 8);
}

static uint16_t app_idx_of(const uint8_t *p)
{
    return (uint16_t)(p[1] >> 4 | p[2] << 4);
}

/* The Status Code of an AppKey Add, Update or Delete, after doing what it
 * asks. */
static uint8_t appkey_apply(struct bm_node *node, uint32_t op, const uint8_t *p)
{
    uint16_t net_idx = net_idx_of(p), app_idx = app_idx_of(p);
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, net_idx);
    /* the NetKey index of app_idx's first entry, or -1 */
    int bound = -1;
    for (uint8_t i = 0; i < node->app_count && bound < 0; i++)
        if (node->app_keys[i].app_idx == app_idx)
            bound = node->app_net_idx[i];
    if (!sub)
        return BM_CFG_ST_INVALID_NETKEY;
    /* 4.4.1.2.10: an AppKey index bound to another NetKey: Invalid NetKey
     * for an Add, Invalid Binding otherwise */
    if (bound >= 0 && bound != net_idx)
        return op == BM_CFG_OP_APPKEY_ADD ? BM_CFG_ST_INVALID_NETKEY : BM_CFG_ST_INVALID_BINDING;
    if (op == BM_CFG_OP_APPKEY_ADD)
        return key_rc_status(bm_node_app_key_add(node, net_idx, app_idx, p + 3));
    if (op == BM_CFG_OP_APPKEY_UPDATE) {
        if (bound < 0)
            return BM_CFG_ST_INVALID_APPKEY;
        if (sub->kr_phase != BM_KR_PHASE1)
            return BM_CFG_ST_CANNOT_UPDATE; /* 3.10.4.1: AppKeys update in phase 1 only */
        return key_rc_status(bm_node_app_key_update(node, app_idx, p + 3));
    }
    if (bound >= 0)
        app_key_forget(node, app_idx); /* unknown: a repeated Delete, success */
    return BM_CFG_ST_SUCCESS;
}

/* AppKey Add, Update and Delete: NetKeyIndex and AppKeyIndex packed in
 * three octets, then the key (4.3.2.37-39); the Status is the Status Code
 * and those three octets. */
static int appkey_change(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, size_t len, uint32_t op)
{
    (void)len;
    uint8_t out[4] = {appkey_apply(node, op, p), p[0], p[1], p[2]};
    bm_node_log(node, BM_LOG_INF, "cfg", "appkey op=0x%04x net=0x%03x app=0x%03x st=%u",
                (unsigned)op, net_idx_of(p), app_idx_of(p), out[0]);
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_APPKEY_STATUS, out, 4);
}

/* room for either list */
#define KEYS_MAX (BM_CFG_SUBNETS + BM_CFG_APP_KEYS)

/* NetKey Get (no parameters) and AppKey Get (a NetKeyIndex): the List of
 * indexes, packed (4.3.2.36, 4.3.2.42). AppKey List starts with the
 * Status Code and the NetKeyIndex; a key in refresh is listed once. */
static int key_list(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                    const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    uint8_t out[3 + KEYS_MAX * 2];
    uint16_t idx[KEYS_MAX];
    size_t n = 0;
    uint8_t *list = out; /* where the packed indexes go */
    uint32_t op = BM_CFG_OP_NETKEY_LIST;
    if (!len) {
        for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
            if (node->net.subnets[i].used)
                idx[n++] = node->net.subnets[i].net_idx;
    } else {
        uint16_t net_idx = bm_cfg_get_le16(p);
        if (net_idx > IDX_MAX)
            return BM_EMALFORMED;
        op = BM_CFG_OP_APPKEY_LIST;
        out[0] = BM_CFG_ST_INVALID_NETKEY;
        out[1] = p[0];
        out[2] = p[1];
        list = out + 3;
        if (bm_net_subnet_find(&node->net, net_idx)) {
            out[0] = BM_CFG_ST_SUCCESS;
            for (uint8_t i = 0; i < node->app_count; i++)
                if (node->app_net_idx[i] == net_idx && !node->app_new[i])
                    idx[n++] = node->app_keys[i].app_idx;
        }
    }
    list += bm_cfg_pack_indexes(idx, n, list);
    return bm_cfg_srv_reply(node, model, ctx, op, out, (size_t)(list - out));
}

/* --- Node Identity, Key Refresh Phase (4.3.2.43-45, 4.3.2.54-56) --- */

/* Node Identity and Key Refresh Phase Status: Status Code, NetKeyIndex,
 * the subnet's state (4.3.2.45, 4.3.2.56). */
static int subnet_status(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, uint32_t op)
{
    uint16_t idx = bm_cfg_get_le16(p);
    if (idx > IDX_MAX)
        return BM_EMALFORMED;
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, idx);
    uint8_t out[4] = {BM_CFG_ST_INVALID_NETKEY, p[0], p[1], 0};
    if (sub) {
        out[0] = BM_CFG_ST_SUCCESS;
        out[3] = (uint8_t)op == (BM_CFG_OP_KRP_STATUS & 0xff) ? sub->kr_phase
                                                             : bm_node_gatt_identity_get(node, idx);
    }
    return bm_cfg_srv_reply(node, model, ctx, op, out, 4);
}

/* Node Identity Get and Set (4.2.12): 0x02 without the Proxy feature; a
 * Set of 1 advertises it for 60 s (node_gatt.c). */
static int identity(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                    const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    if (len == 3) {
        if (p[2] > 1)
            return BM_EMALFORMED; /* 4.2.12: 0x02..0xff prohibited in a Set */
        bm_node_gatt_identity_set(node, bm_cfg_get_le16(p), p[2]); /* unknown index: no-op */
    }
    return subnet_status(node, model, ctx, p, BM_CFG_OP_IDENTITY_STATUS);
}

/* Key Refresh Phase Get and Set (4.2.14). */
static int krp(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
               const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    uint16_t idx = bm_cfg_get_le16(p);
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, idx);
    if (len == 3) {
        uint8_t transition = p[2];
        if (idx > IDX_MAX || (transition != BM_KR_PHASE2 && transition != BM_KR_PHASE3))
            return BM_EMALFORMED; /* only transitions 0x02 and 0x03 */
        /* the table of 4.2.14: phase 0 + transition 2 is prohibited:
         * ignored */
        if (sub && bm_net_subnet_set_phase(&node->net, idx, transition) == BM_ESTATE)
            return BM_EMALFORMED;
        if (sub && transition == BM_KR_PHASE3)
            bm_node_app_key_revoke(node, idx);
        if (sub)
            bm_node_log(node, BM_LOG_INF, "cfg", "key refresh idx=0x%03x phase=%u", idx,
                        sub->kr_phase);
    }
    return subnet_status(node, model, ctx, p, BM_CFG_OP_KRP_STATUS);
}

static int lpn_timeout_get(struct bm_node *node, struct bm_model *model,
                           const struct bm_msg_ctx *ctx, const uint8_t *p, size_t len,
                           uint32_t opcode)
{
    (void)opcode;
    (void)len;
    if (!bm_addr_is_unicast(bm_cfg_get_le16(p)))
        return BM_EMALFORMED; /* 4.3.2.67: the LPN address is unicast */
    /* 4.2.21: the PollTimeout timer left for that Low Power node, 0 if
     * we are not its friend */
    uint32_t t = BM_CFG_FRIEND ? bm_frnd_poll_timeout(node, bm_cfg_get_le16(p)) : 0;
    uint8_t out[5] = {p[0], p[1], (uint8_t)t, (uint8_t)(t >> 8), (uint8_t)(t >> 16)};
    return bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_LPN_TIMEOUT_STATUS, out, 5);
}

static int node_reset(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)opcode;
    (void)p;
    (void)len;
    int rc = bm_cfg_srv_reply(node, model, ctx, BM_CFG_OP_NODE_RESET_STATUS, NULL, 0);
    node->reset_due_ms = bm_ms_after(bm_node_now(node), RESET_DELAY_MS);
    bm_node_timer_set(node, BM_TIMER_MODELS, RESET_DELAY_MS);
    return rc;
}

static bm_ms_t cfg_srv_process(struct bm_node *node, struct bm_model *model, bm_ms_t now)
{
    (void)model;
    if (bm_ms_due(now, node->reset_due_ms)) {
        node->reset_due_ms = 0;
        bm_node_log(node, BM_LOG_INF, "cfg", "node reset");
        bm_reset_node_prov(node);
        return 0;
    }
    return bm_ms_min(now, bm_heartbeat_process(node, now), node->reset_due_ms);
}

int bm_cfg_srv_set_ids(struct bm_node *node, uint16_t cid, uint16_t pid, uint16_t vid)
{
    if (!node)
        return BM_EINVAL;
    if (node->provisioned)
        return BM_ESTATE; /* 4.2.1: composition is fixed while provisioned */
    node->comp_ids_set = true;
    node->comp_cid = cid;
    node->comp_pid = pid;
    node->comp_vid = vid;
    return BM_OK;
}

/* Parameter lengths from 4.3.2; SIG|vendor forms give min|max. */
static const struct bm_model_op cfg_srv_ops[] = {
    {BM_CFG_OP_COMP_GET, 1, 1, comp_get},
    {BM_CFG_OP_BEACON_GET, 0, 0, node_state},
    {BM_CFG_OP_BEACON_SET, 1, 1, node_state},
    {BM_CFG_OP_TTL_GET, 0, 0, node_state},
    {BM_CFG_OP_TTL_SET, 1, 1, node_state},
    {BM_CFG_OP_PROXY_GET, 0, 0, node_state},
    {BM_CFG_OP_PROXY_SET, 1, 1, node_state},
    {BM_CFG_OP_FRIEND_GET, 0, 0, node_state},
    {BM_CFG_OP_FRIEND_SET, 1, 1, node_state},
    {BM_CFG_OP_RELAY_GET, 0, 0, node_state},
    {BM_CFG_OP_RELAY_SET, 2, 2, node_state},
    {BM_CFG_OP_NET_TX_GET, 0, 0, node_state},
    {BM_CFG_OP_NET_TX_SET, 1, 1, node_state},
    {BM_CFG_OP_PUB_GET, 4, 6, bm_cfg_srv_model_msg},
    {BM_CFG_OP_PUB_SET, 11, 13, bm_cfg_srv_model_msg},
    {BM_CFG_OP_PUB_VA_SET, 25, 27, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_ADD, 6, 8, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_DEL, 6, 8, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_OVERWRITE, 6, 8, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_VA_ADD, 20, 22, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_VA_DEL, 20, 22, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_VA_OVERWRITE, 20, 22, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SUB_DEL_ALL, 4, 6, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SIG_SUB_GET, 4, 4, bm_cfg_srv_model_msg},
    {BM_CFG_OP_VND_SUB_GET, 6, 6, bm_cfg_srv_model_msg},
    {BM_CFG_OP_NETKEY_ADD, 18, 18, netkey_change},
    {BM_CFG_OP_NETKEY_UPDATE, 18, 18, netkey_change},
    {BM_CFG_OP_NETKEY_DEL, 2, 2, netkey_change},
    {BM_CFG_OP_NETKEY_GET, 0, 0, key_list},
    {BM_CFG_OP_APPKEY_ADD, 19, 19, appkey_change},
    {BM_CFG_OP_APPKEY_UPDATE, 19, 19, appkey_change},
    {BM_CFG_OP_APPKEY_DEL, 3, 3, appkey_change},
    {BM_CFG_OP_APPKEY_GET, 2, 2, key_list},
    {BM_CFG_OP_APP_BIND, 6, 8, bm_cfg_srv_model_msg},
    {BM_CFG_OP_APP_UNBIND, 6, 8, bm_cfg_srv_model_msg},
    {BM_CFG_OP_SIG_APP_GET, 4, 4, bm_cfg_srv_model_msg},
    {BM_CFG_OP_VND_APP_GET, 6, 6, bm_cfg_srv_model_msg},
    {BM_CFG_OP_IDENTITY_GET, 2, 2, identity},
    {BM_CFG_OP_IDENTITY_SET, 3, 3, identity},
    {BM_CFG_OP_KRP_GET, 2, 2, krp},
    {BM_CFG_OP_KRP_SET, 3, 3, krp},
    {BM_CFG_OP_HB_PUB_GET, 0, 0, bm_cfg_srv_hb_pub},
    {BM_CFG_OP_HB_PUB_SET, 9, 9, bm_cfg_srv_hb_pub},
    {BM_CFG_OP_HB_SUB_GET, 0, 0, bm_cfg_srv_hb_sub},
    {BM_CFG_OP_HB_SUB_SET, 5, 5, bm_cfg_srv_hb_sub},
    {BM_CFG_OP_LPN_TIMEOUT_GET, 2, 2, lpn_timeout_get},
    {BM_CFG_OP_NODE_RESET, 0, 0, node_reset},
};

const struct bm_model_type bm_cfg_srv_type = {.company = BM_COMPANY_SIG,
                                              .id = BM_MODEL_CFG_SRV,
                                              .ops = cfg_srv_ops,
                                              .op_count =
                                                  sizeof(cfg_srv_ops) / sizeof(cfg_srv_ops[0]),
                                              .dev_key = true,
                                              .process = cfg_srv_process};
