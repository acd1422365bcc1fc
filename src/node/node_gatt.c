/* The GATT side of a node (Mesh Profile 6, 7; 5.2.2): its connections and
 * the roles they play, Proxy PDUs in and out through the port, the proxy
 * server (filters, proxy configuration, forwarding between the GATT and
 * advertising bearers, secure network beacons to clients), the connectable
 * advertising of the Mesh Provisioning and Mesh Proxy Services (Network ID,
 * Node Identity for 60 s), PB-GATT on either side, and the proxy client
 * role of a phone.
 *
 * Forwarding (6.4, 3.4.6.3): a network PDU from a proxy client enters the
 * node's normal receive path; if the GATT Proxy state is enabled it is
 * relayed (TTL - 1) to the advertising bearer and to the other clients.
 * A PDU from the advertising bearer, or one we send, goes to every client
 * whose filter takes its destination; one to a unicast address a client
 * took does not also go out on advertising. A phone (a node with a proxy
 * client connection) sends everything over that connection only.
 *
 * Invariants: a slot is free exactly when its role is NONE; rx_conn names
 * the connection of the PDU being processed and is 0 otherwise; the port
 * advertises exactly gatt.adv (adv_len 0: nothing); a PDU is never sent
 * back on the connection it came from. */
#include <string.h>

#include "bearer/proxy.h"
#include "net/beacon.h"
#include "node.h"

#define NODE_ID_MS 60000u /* 4.2.12: Node Identity advertising lasts 60 s */

/* PB-GATT as the rest of this file reaches it: through node->pb_gatt
 * only (the PB-GATT section below), which stays NULL on a node that never
 * enables PB-GATT, so an image whose nodes never do links none of it. */
struct bm_node_pb_gatt {
    /* an unprovisioned node: connection c (free) is offered to us */
    int (*accept)(struct bm_node *node, struct bm_gatt_conn *c, uint16_t conn, uint16_t mtu,
                  bm_ms_t now);
    /* a message of type on a connection to a Mesh Provisioning Service */
    void (*rx)(struct bm_node *node, const struct bm_gatt_conn *c, uint8_t type,
               const uint8_t *msg, size_t len, bm_ms_t now);
    /* connection c ended */
    void (*disconnected)(struct bm_node *node, const struct bm_gatt_conn *c, bm_ms_t now);
    /* what an unprovisioned node advertises, if anything */
    void (*adv)(const struct bm_node *node, uint8_t *out, size_t *len);
};

/* The phone's side as the rest of this file reaches it: through
 * node->gatt.client only (the proxy client section below), installed by
 * bm_gatt_client_connected. */
struct bm_node_gatt_client {
    /* a proxy configuration message m from src on a client connection c */
    void (*cfg_rx)(const struct bm_gatt *g, const struct bm_gatt_conn *c,
                   const struct bm_proxy_cfg_msg *m, uint16_t src);
    /* connection conn, which played role, ended */
    void (*disconnected)(const struct bm_gatt *g, uint16_t conn, uint8_t role);
};

static bool has_gatt(const struct bm_node *node)
{
    return node->plat.gatt_send && node->plat.gatt_disconnect && node->plat.gatt_adv;
}

static struct bm_gatt_conn *conn_find(struct bm_node *node, uint16_t handle)
{
    struct bm_gatt *g = &node->gatt;
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++)
        if (g->conns[i].role != BM_GATT_ROLE_NONE && g->conns[i].handle == handle)
            return &g->conns[i];
    return NULL;
}

/* rx_conn and prov_conn name a connection by 1 + its index, 0 for none */
static uint8_t conn_num(const struct bm_node *node, const struct bm_gatt_conn *c)
{
    return (uint8_t)(c - node->gatt.conns + 1);
}

static struct bm_gatt_conn *conn_at(struct bm_node *node, uint8_t num)
{
    return num ? &node->gatt.conns[num - 1] : NULL;
}

static struct bm_gatt_conn *slot_free(struct bm_node *node)
{
    struct bm_gatt *g = &node->gatt;
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++)
        if (g->conns[i].role == BM_GATT_ROLE_NONE)
            return &g->conns[i];
    return NULL;
}

static void conn_open(struct bm_gatt_conn *c, uint16_t handle, uint16_t mtu, uint8_t role)
{
    /* all zero: no message in reassembly, an empty accept list
     * (bm_proxy_filter_init) */
    _Static_assert(BM_PROXY_FILTER_ACCEPT == 0, "a zeroed filter is an empty accept list");
    memset(c, 0, sizeof(*c));
    c->role = role;
    c->handle = handle;
    c->mtu = mtu;
}

/* Sends one proxy message of type (1 octet or more) on c, segmented over
 * its MTU (checked when c opened). */
static int conn_send(struct bm_node *node, const struct bm_gatt_conn *c, uint8_t type,
                     const uint8_t *msg, size_t len)
{
    return bm_proxy_sar_send_valid(type, msg, len, c->mtu, node->plat.gatt_send, node->plat.ctx,
                                   c->handle);
}

/* --- the GATT Proxy and Node Identity states (4.2.11, 4.2.12) --- */

uint8_t bm_node_gatt_proxy_get(const struct bm_node *node)
{
    if (!(node->features & BM_GATT_PROXY) || !has_gatt(node))
        return BM_FEAT_STATE_UNSUPPORTED;
    return node->gatt.proxy_disabled ? BM_FEAT_STATE_DISABLED : BM_FEAT_STATE_ENABLED;
}

bool bm_node_gatt_proxy_on(const struct bm_node *node)
{
    return bm_node_gatt_proxy_get(node) == BM_FEAT_STATE_ENABLED;
}

void bm_node_gatt_proxy_set(struct bm_node *node, uint8_t value)
{
    struct bm_gatt *g = &node->gatt;
    if (bm_node_gatt_proxy_get(node) == BM_FEAT_STATE_UNSUPPORTED || value > 1)
        return;
    bool was = !g->proxy_disabled;
    g->proxy_disabled = value == BM_FEAT_STATE_DISABLED;
    /* 4.2.11: going to disabled ends the proxy connections (after the
     * Status that answers the Set has gone out) */
    if (was && g->proxy_disabled)
        g->drop_clients = true;
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
}

static int subnet_slot(struct bm_node *node, uint16_t net_idx)
{
    /* a search, not a pointer difference: that divides by the struct's
     * size (a multiplication and a literal on Thumb-1) */
    const struct bm_subnet *s = bm_net_subnet_find(&node->net, net_idx);
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        if (s == &node->net.subnets[i])
            return (int)i;
    return -1;
}

/* Node Identity runs on subnet slot i until identity_until_ms[i]. */
static bool identity_on(const struct bm_gatt *g, size_t i, bm_ms_t now)
{
    return g->identity_until_ms[i] && !bm_ms_reached(now, g->identity_until_ms[i]);
}

uint8_t bm_node_gatt_identity_get(struct bm_node *node, uint16_t net_idx)
{
    if (bm_node_gatt_proxy_get(node) == BM_FEAT_STATE_UNSUPPORTED)
        return BM_FEAT_STATE_UNSUPPORTED;
    int i = subnet_slot(node, net_idx);
    return i >= 0 && identity_on(&node->gatt, (size_t)i, bm_node_now(node))
               ? BM_FEAT_STATE_ENABLED
               : BM_FEAT_STATE_DISABLED;
}

void bm_node_gatt_identity_set(struct bm_node *node, uint16_t net_idx, uint8_t value)
{
    struct bm_gatt *g = &node->gatt;
    int i = subnet_slot(node, net_idx);
    if (i < 0 || value > 1 || bm_node_gatt_proxy_get(node) == BM_FEAT_STATE_UNSUPPORTED)
        return;
    if (value == BM_FEAT_STATE_ENABLED) {
        /* 7.2.2.2.4: a fresh Random each time the advertising starts */
        if (node->plat.random(node->plat.ctx, g->id_random, 8) != 0)
            return;
        g->identity_until_ms[i] = bm_ms_after(bm_node_now(node), NODE_ID_MS);
    } else {
        g->identity_until_ms[i] = 0;
    }
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
}

bool bm_proxy_node_identity_match(const struct bm_node *node, uint16_t net_idx, uint16_t addr,
                                  const struct bm_gatt_adv_info *info)
{
    if (!node || !info || info->service != BM_GATT_SVC_PROXY || info->id_type != BM_PROXY_ID_NODE)
        return false;
    struct bm_subnet *s = bm_net_subnet_find((struct bm_net *)&node->net, net_idx);
    if (!s)
        return false;
    uint8_t hash[8];
    return bm_net_node_identity_hash(bm_net_tx_keys(s)->identity_key, info->random, addr, hash) ==
               BM_OK &&
           memcmp(hash, info->hash, 8) == 0;
}

/* --- connectable advertising (7.1.2.2, 7.2.2.2) --- */

/* What we should advertise now; *len 0 for nothing. */
static void adv_wanted(struct bm_node *node, bm_ms_t now, uint8_t *out, size_t *len)
{
    struct bm_gatt *g = &node->gatt;
    *len = 0;
    if (!node->initialized || !slot_free(node))
        return;
    if (!node->provisioned) {
        if (node->pb_gatt)
            node->pb_gatt->adv(node, out, len);
        return;
    }
    uint8_t proxy = bm_node_gatt_proxy_get(node);
    if (proxy == BM_FEAT_STATE_UNSUPPORTED)
        return;
    /* Node Identity while it runs on a subnet, else the Network ID of the
     * first subnet when the proxy is enabled (one subnet at a time; a
     * rotation over several is left to issue #6's follow-ups). */
    const struct bm_subnet *first = NULL;
    const uint8_t *random = NULL;
    uint8_t hash[8];
    for (size_t i = 0; i < BM_CFG_SUBNETS && !random; i++) {
        const struct bm_subnet *s = &node->net.subnets[i];
        if (!s->used)
            continue;
        if (!first)
            first = s;
        if (!identity_on(g, i, now))
            continue;
        if (bm_net_node_identity_hash(bm_net_tx_keys(s)->identity_key, g->id_random, node->addr,
                                      hash) != BM_OK)
            return;
        random = g->id_random;
    }
    const uint8_t *id = hash;
    if (!random) {
        if (!first || proxy != BM_FEAT_STATE_ENABLED)
            return;
        id = bm_net_tx_keys(first)->network_id;
    }
    bm_gatt_adv_proxy(id, random, out, BM_ADV_MAX_LEN, len);
}

/* Callers have checked has_gatt(): a connection exists only if it held. */
static void adv_update(struct bm_node *node, bm_ms_t now)
{
    struct bm_gatt *g = &node->gatt;
    uint8_t want[BM_ADV_MAX_LEN];
    size_t len;
    adv_wanted(node, now, want, &len);
    if (len == g->adv_len && memcmp(want, g->adv, len) == 0)
        return;
    if (node->plat.gatt_adv(node->plat.ctx, want, len) != BM_OK)
        return;
    memcpy(g->adv, want, len);
    g->adv_len = (uint8_t)len;
    bm_node_log(node, BM_LOG_DBG, "proxy", "advertising %s",
                len == 0 ? "off"
                : want[BM_GATT_ADV_SVC_DATA_OFF + 2] == (BM_GATT_SVC_PROV & 0xff)
                    ? "provisioning service"
                    : "proxy service");
}

/* --- secure network beacons to proxy clients (6.4, 3.9.3) --- */

static uint8_t beacon_flags(const struct bm_node *node)
{
    uint8_t f = node->net.iv_update ? 1 : 0;
    for (size_t i = 0; i < BM_CFG_SUBNETS && i < 7; i++)
        if (node->net.subnets[i].used && node->net.subnets[i].kr_phase == BM_KR_PHASE2)
            f = (uint8_t)(f | 2u << i);
    return f;
}

static void send_beacons(struct bm_node *node, const struct bm_gatt_conn *c)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        uint8_t out[BM_SNB_LEN];
        if (node->net.subnets[i].used &&
            bm_node_net_beacon(node, &node->net.subnets[i], out) == BM_OK)
            conn_send(node, c, BM_PROXY_TYPE_BEACON, out, sizeof(out));
    }
}

/* --- forwarding (6.4) --- */

uint8_t bm_node_gatt_rx_role(const struct bm_node *node)
{
    const struct bm_gatt_conn *c = conn_at((struct bm_node *)node, node->gatt.rx_conn);
    return c ? c->role : BM_GATT_ROLE_NONE;
}

bool bm_node_gatt_net_out(struct bm_node *node, const uint8_t *pdu, size_t len, uint16_t dst,
                          bool relayed)
{
    struct bm_gatt *g = &node->gatt;
    bool skip_adv = false;
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++) {
        struct bm_gatt_conn *c = &g->conns[i];
        if (relayed && i + 1 == g->rx_conn)
            continue;
        /* a phone has only this bearer; a client whose filter took a
         * unicast address is where that address is */
        bool phone = c->role == BM_GATT_ROLE_PROXY_CLIENT;
        if ((phone ||
             (c->role == BM_GATT_ROLE_PROXY_SERVER && bm_proxy_filter_match(&c->filter, dst))) &&
            conn_send(node, c, BM_PROXY_TYPE_NET, pdu, len) == BM_OK &&
            (phone || bm_addr_is_unicast(dst)))
            skip_adv = true;
    }
    return skip_adv;
}

void bm_node_gatt_rx_accepted(struct bm_node *node, uint16_t src)
{
    struct bm_gatt_conn *c = conn_at(node, node->gatt.rx_conn);
    if (!c || c->role != BM_GATT_ROLE_PROXY_SERVER)
        return;
    /* 6.7: what the client sends from goes on an accept list and off a
     * reject list, so its answers find it */
    struct bm_proxy_filter *f = &c->filter;
    bm_proxy_filter_edit(f, src, f->type == BM_PROXY_FILTER_ACCEPT);
}

/* --- proxy configuration (6.5, 6.6) --- */

/* Sends the proxy configuration message msg (len octets) on c, encrypted
 * on subnet s. */
static int send_cfg(struct bm_node *node, const struct bm_gatt_conn *c, const struct bm_subnet *s,
                    const uint8_t *msg, size_t len)
{
    if (!s)
        return BM_ESTATE;
    uint32_t seq;
    int rc = bm_node_seq_alloc(node, &seq);
    if (rc != BM_OK)
        return rc;
    uint8_t pdu[BM_NET_MAX_PDU_LEN];
    size_t plen;
    rc = bm_proxy_cfg_encode(&bm_net_tx_keys(s)->master, bm_net_tx_iv_index(&node->net), node->addr,
                             seq, msg, len, pdu, sizeof(pdu), &plen);
    if (rc != BM_OK)
        return rc;
    bm_net_cache_add(&node->net.cache, node->addr, seq);
    return conn_send(node, c, BM_PROXY_TYPE_CONFIG, pdu, plen);
}

static void rx_cfg(struct bm_node *node, struct bm_gatt_conn *c, const uint8_t *pdu, size_t len)
{
    struct bm_gatt *g = &node->gatt;
    uint8_t msg[BM_PROXY_CFG_MAX_LEN];
    size_t mlen;
    uint16_t src, net_idx;
    if (!node->provisioned ||
        bm_proxy_cfg_decode(&node->net, pdu, len, &src, &net_idx, msg, &mlen) != BM_OK)
        return;
    struct bm_proxy_cfg_msg m;
    if (bm_proxy_cfg_parse(msg, mlen, &m) != BM_OK)
        return;
    bm_node_log(node, BM_LOG_DBG, "proxy", "cfg rx src=0x%04x op=0x%02x", src, m.opcode);
    if (c->role == BM_GATT_ROLE_PROXY_SERVER) {
        if (m.opcode == BM_PROXY_OP_FILTER_STATUS)
            return;
        bm_proxy_filter_apply(&c->filter, &m);
        /* 6.5.4: Filter Status, FilterType and ListSize (big-endian; the
         * filter holds at most 255) */
        const uint8_t st[4] = {BM_PROXY_OP_FILTER_STATUS, c->filter.type, 0, c->filter.count};
        send_cfg(node, c, bm_net_subnet_find(&node->net, net_idx), st, sizeof(st));
        return;
    }
    if (g->client) /* a client connection: it exists only installed */
        g->client->cfg_rx(g, c, &m, src);
}

/* --- PB-GATT (5.2.2) --- */

/* The link's way out (ctx is the node): the connection it runs on. */
static int pb_send(void *ctx, const uint8_t *pdu, size_t len)
{
    struct bm_node *node = ctx;
    const struct bm_gatt_conn *c = conn_at(node, node->gatt.prov_conn);
    return c ? conn_send(node, c, BM_PROXY_TYPE_PROV, pdu, len) : BM_ESTATE;
}

static void pb_close(void *ctx)
{
    struct bm_node *node = ctx;
    const struct bm_gatt_conn *c = conn_at(node, node->gatt.prov_conn);
    if (c)
        node->plat.gatt_disconnect(node->plat.ctx, c->handle);
}

static const struct bm_pb_gatt_ops pb_link_ops = {.send = pb_send, .close = pb_close};

/* A device offering PB-GATT takes the connection as its link. */
static int pb_accept(struct bm_node *node, struct bm_gatt_conn *c, uint16_t conn, uint16_t mtu,
                     bm_ms_t now)
{
    if (bm_node_is_provisioner(node) || !(node->prov_bearers & BM_PROV_GATT))
        return BM_ENOTSUP;
    int rc = bm_pb_gatt_device_open(&node->link, &pb_link_ops, now);
    if (rc != BM_OK)
        return rc == BM_ESTATE ? BM_ENOTSUP : rc;
    conn_open(c, conn, mtu, BM_GATT_ROLE_PROV_SERVER);
    node->gatt.prov_conn = conn_num(node, c);
    bm_node_prov_process(node, now); /* runs the link, sets its timer */
    return BM_OK;
}

/* 7.1: the Provisioning Service carries Provisioning PDUs, to the link
 * when it runs on c; other types are ignored. */
static void pb_rx(struct bm_node *node, const struct bm_gatt_conn *c, uint8_t type,
                  const uint8_t *msg, size_t len, bm_ms_t now)
{
    if (type != BM_PROXY_TYPE_PROV || node->gatt.prov_conn != conn_num(node, c))
        return;
    bm_pb_gatt_rx(&node->link, msg, len, now);
    bm_node_prov_process(node, now);
}

/* 5.2.2: the link ends with its connection. */
static void pb_disconnected(struct bm_node *node, const struct bm_gatt_conn *c, bm_ms_t now)
{
    if (node->gatt.prov_conn != conn_num(node, c))
        return;
    node->gatt.prov_conn = 0;
    bm_pb_gatt_closed(&node->link);
    bm_node_prov_process(node, now);
}

/* 7.1.2.2.1: a device offering PB-GATT advertises the Mesh Provisioning
 * Service while it waits for a link. */
static void pb_adv(const struct bm_node *node, uint8_t *out, size_t *len)
{
    if (!bm_node_is_provisioner(node) && (node->prov_bearers & BM_PROV_GATT) &&
        !bm_prov_link_active(&node->link))
        bm_gatt_adv_prov(node->uuid, 0, out, BM_ADV_MAX_LEN, len);
}

static const struct bm_node_pb_gatt pb_gatt = {
    .accept = pb_accept,
    .rx = pb_rx,
    .disconnected = pb_disconnected,
    .adv = pb_adv,
};

void bm_node_gatt_pb_enable(struct bm_node *node)
{
    node->pb_gatt = &pb_gatt;
}

/* --- connections --- */

static bool mtu_ok(uint16_t mtu)
{
    return mtu >= BM_ATT_MTU_MIN && mtu <= BM_ATT_MTU_MAX;
}

int bm_node_gatt_connected(struct bm_node *node, uint16_t conn, uint16_t mtu)
{
    if (!node || !mtu_ok(mtu) || conn_find(node, conn))
        return BM_EINVAL;
    if (!node->initialized || !has_gatt(node))
        return BM_ENOTSUP;
    struct bm_gatt_conn *c = slot_free(node);
    if (!c)
        return BM_ENOSPC;
    bm_ms_t now = bm_node_now(node);
    if (node->provisioned) {
        if (bm_node_gatt_proxy_get(node) == BM_FEAT_STATE_UNSUPPORTED)
            return BM_ENOTSUP;
        conn_open(c, conn, mtu, BM_GATT_ROLE_PROXY_SERVER);
        send_beacons(node, c);
    } else {
        /* before provisioning, only for PB-GATT (a device offering it
         * has it installed, bm_set_node_prov) */
        int rc = node->pb_gatt ? node->pb_gatt->accept(node, c, conn, mtu, now) : BM_ENOTSUP;
        if (rc != BM_OK)
            return rc;
    }
    bm_node_log(node, BM_LOG_INF, "proxy", "connected conn=%u mtu=%u role=%u", conn, mtu, c->role);
    adv_update(node, now);
    return BM_OK;
}

/* --- the phone: what its proxy client connections add (installed below) --- */

/* rx_cfg's messages on a proxy client connection: a Filter Status goes to
 * the callback, if any. */
static void client_cfg_rx(const struct bm_gatt *g, const struct bm_gatt_conn *c,
                          const struct bm_proxy_cfg_msg *m, uint16_t src)
{
    if (m->opcode != BM_PROXY_OP_FILTER_STATUS || !g->client_cb)
        return;
    struct bm_proxy_client_info info = {.event = BM_PROXY_EVT_FILTER_STATUS,
                                        .conn = c->handle,
                                        .filter_type = m->filter_type,
                                        .list_size = m->list_size,
                                        .src = src};
    g->client_cb(g->client_user, &info);
}

static void client_disconnected(const struct bm_gatt *g, uint16_t conn, uint8_t role)
{
    if (role != BM_GATT_ROLE_PROXY_CLIENT || !g->client_cb)
        return;
    struct bm_proxy_client_info info = {.event = BM_PROXY_EVT_DISCONNECTED, .conn = conn};
    g->client_cb(g->client_user, &info);
}

static const struct bm_node_gatt_client gatt_client = {
    .cfg_rx = client_cfg_rx,
    .disconnected = client_disconnected,
};

int bm_gatt_client_connected(struct bm_node *node, uint16_t conn, uint16_t mtu, uint16_t service)
{
    if (!node || !mtu_ok(mtu) || conn_find(node, conn) ||
        (service != BM_GATT_SVC_PROV && service != BM_GATT_SVC_PROXY))
        return BM_EINVAL;
    if (!node->initialized || !has_gatt(node))
        return BM_ENOTSUP;
    struct bm_gatt_conn *c = slot_free(node);
    if (!c)
        return BM_ENOSPC;
    conn_open(c, conn, mtu,
              service == BM_GATT_SVC_PROV ? BM_GATT_ROLE_PROV_CLIENT : BM_GATT_ROLE_PROXY_CLIENT);
    node->gatt.client = &gatt_client;
    bm_node_log(node, BM_LOG_INF, "proxy", "client connected conn=%u mtu=%u service=0x%04x", conn,
                mtu, service);
    return BM_OK;
}

void bm_node_gatt_disconnected(struct bm_node *node, uint16_t conn)
{
    if (!node)
        return;
    struct bm_gatt *g = &node->gatt;
    struct bm_gatt_conn *c = conn_find(node, conn);
    if (!c)
        return;
    uint8_t role = c->role;
    c->role = BM_GATT_ROLE_NONE;
    bm_proxy_sar_rx_reset(&c->sar);
    bm_ms_t now = bm_node_now(node);
    bm_node_log(node, BM_LOG_INF, "proxy", "disconnected conn=%u", conn);
    /* a PB-GATT link may have run on it (prov_conn is only ever set with
     * pb_gatt installed) */
    if (node->pb_gatt)
        node->pb_gatt->disconnected(node, c, now);
    if (g->client)
        g->client->disconnected(g, conn, role);
    adv_update(node, now);
}

void bm_node_gatt_rx(struct bm_node *node, uint16_t conn, const uint8_t *data, size_t len)
{
    if (!node || !data)
        return;
    struct bm_gatt *g = &node->gatt;
    struct bm_gatt_conn *c = conn_find(node, conn);
    if (!c || len > (size_t)c->mtu - 3)
        return;
    bm_ms_t now = bm_node_now(node);
    uint8_t type;
    const uint8_t *msg;
    size_t mlen;
    if (bm_proxy_sar_rx_add(&c->sar, data, len, now, &type, &msg, &mlen) != BM_OK)
        return;
    /* copy out: handling may send, and reassembly state may be reused;
     * the message (in c->sar) is wiped there, so whatever it was, the
     * reassembly state is as the connection began */
    uint8_t buf[BM_PROXY_MSG_MAX];
    memcpy(buf, msg, mlen);
    bm_proxy_sar_rx_reset(&c->sar);
    bool prov = c->role == BM_GATT_ROLE_PROV_SERVER || c->role == BM_GATT_ROLE_PROV_CLIENT;
    /* 6.3.1 / 7.1: each service carries its own message types; others
     * are ignored */
    if (prov) {
        if (node->pb_gatt) /* installed where such a connection can exist */
            node->pb_gatt->rx(node, c, type, buf, mlen, now);
    } else if (type == BM_PROXY_TYPE_NET) {
        g->rx_conn = conn_num(node, c);
        bm_node_rx_network(node, buf, mlen, 0);
        g->rx_conn = 0;
    } else if (type == BM_PROXY_TYPE_BEACON) {
        bm_node_rx_beacon(node, buf, mlen, 0, "");
    } else if (type == BM_PROXY_TYPE_CONFIG) {
        rx_cfg(node, c, buf, mlen);
    }
    bm_crypto_wipe(buf, sizeof(buf));
}

bm_ms_t bm_node_gatt_process(struct bm_node *node, bm_ms_t now)
{
    struct bm_gatt *g = &node->gatt;
    /* wake when a Node Identity ends; one that ended is turned off (left
     * standing, its end would seem ahead again 2^31 ms later, bm_time.h) */
    bm_ms_t next = 0;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        if (bm_ms_due(now, g->identity_until_ms[i]))
            g->identity_until_ms[i] = 0;
        next = bm_ms_min(now, next, g->identity_until_ms[i]);
    }
    if (!has_gatt(node))
        return next;
    uint8_t flags = beacon_flags(node);
    bool beacons =
        node->provisioned && (g->beacon_iv != node->net.iv_index || g->beacon_flags != flags);
    g->beacon_iv = node->net.iv_index;
    g->beacon_flags = flags;
    for (size_t i = 0; i < BM_CFG_GATT_CONNS; i++) {
        struct bm_gatt_conn *c = &g->conns[i];
        if (c->role == BM_GATT_ROLE_NONE)
            continue;
        /* 6.3.2: a message not completed within 20 s ends the connection */
        if (c->sar.busy) {
            if (bm_ms_reached(now, c->sar.deadline_ms)) {
                bm_proxy_sar_rx_reset(&c->sar);
                node->plat.gatt_disconnect(node->plat.ctx, c->handle);
                continue;
            }
            next = bm_ms_min(now, next, c->sar.deadline_ms);
        }
        if (c->role != BM_GATT_ROLE_PROXY_SERVER)
            continue;
        if (g->drop_clients)
            node->plat.gatt_disconnect(node->plat.ctx, c->handle);
        else if (beacons)
            send_beacons(node, c); /* the IV index or a key refresh flag changed */
    }
    g->drop_clients = false;
    adv_update(node, now);
    return next;
}

/* --- the phone: proxy client API --- */

static struct bm_gatt_conn *client_conn(struct bm_node *node, uint16_t conn, uint8_t role)
{
    struct bm_gatt_conn *c = conn_find(node, conn);
    return c && c->role == role ? c : NULL;
}

int bm_proxy_client_set_cb(struct bm_node *node, bm_proxy_client_fn cb, void *user)
{
    if (!node)
        return BM_EINVAL;
    struct bm_gatt *g = &node->gatt;
    g->client_cb = cb;
    g->client_user = user;
    return BM_OK;
}

static int client_cfg(struct bm_node *node, uint16_t conn, const struct bm_proxy_cfg_msg *m)
{
    if (!node)
        return BM_EINVAL;
    struct bm_gatt_conn *c = client_conn(node, conn, BM_GATT_ROLE_PROXY_CLIENT);
    if (!c || !node->provisioned)
        return BM_ESTATE;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        if (!node->net.subnets[i].used)
            continue;
        uint8_t msg[BM_PROXY_CFG_MAX_LEN];
        size_t len;
        int rc = bm_proxy_cfg_build(m, msg, sizeof(msg), &len);
        if (rc != BM_OK)
            return rc;
        return send_cfg(node, c, &node->net.subnets[i], msg, len);
    }
    return BM_ESTATE;
}

int bm_proxy_client_set_filter_type(struct bm_node *node, uint16_t conn, uint8_t type)
{
    if (type > BM_PROXY_FILTER_REJECT)
        return BM_EINVAL;
    struct bm_proxy_cfg_msg m = {.opcode = BM_PROXY_OP_SET_FILTER_TYPE, .filter_type = type};
    return client_cfg(node, conn, &m);
}

static int client_addrs(struct bm_node *node, uint16_t conn, uint8_t op, const uint16_t *addrs,
                        size_t count)
{
    if (!addrs || count < 1 || count > BM_PROXY_CFG_MAX_ADDRS)
        return BM_EINVAL;
    struct bm_proxy_cfg_msg m = {.opcode = op, .count = (uint8_t)count};
    memcpy(m.addrs, addrs, count * sizeof(addrs[0]));
    return client_cfg(node, conn, &m);
}

int bm_proxy_client_add_addrs(struct bm_node *node, uint16_t conn, const uint16_t *addrs,
                              size_t count)
{
    return client_addrs(node, conn, BM_PROXY_OP_ADD_ADDRS, addrs, count);
}

int bm_proxy_client_remove_addrs(struct bm_node *node, uint16_t conn, const uint16_t *addrs,
                                 size_t count)
{
    return client_addrs(node, conn, BM_PROXY_OP_REMOVE_ADDRS, addrs, count);
}

int bm_gatt_client_disconnect(struct bm_node *node, uint16_t conn)
{
    if (!node || !conn_find(node, conn))
        return BM_EINVAL;
    return node->plat.gatt_disconnect(node->plat.ctx, conn);
}

int bm_prov_provision_gatt(struct bm_node *node, uint16_t conn, const uint8_t uuid[16],
                           const struct bm_provision_opts *opts, bm_provision_fn cb, void *user)
{
    if (!node || !uuid)
        return BM_EINVAL;
    struct bm_gatt *g = &node->gatt;
    struct bm_gatt_conn *c = client_conn(node, conn, BM_GATT_ROLE_PROV_CLIENT);
    if (!c)
        return BM_ESTATE;
    struct bm_prov_provisioner_cfg cfg;
    int rc = bm_node_prov_begin(node, uuid, opts, cb, user, &cfg);
    if (rc != BM_OK)
        return rc;
    bm_node_gatt_pb_enable(node); /* for what arrives on the connection */
    g->prov_conn = conn_num(node, c);
    bm_ms_t now = bm_node_now(node);
    rc = bm_pb_gatt_provision(&node->link, &pb_link_ops, &cfg, now);
    bm_crypto_wipe(&cfg, sizeof(cfg));
    if (rc != BM_OK)
        g->prov_conn = 0;
    bm_node_prov_process(node, now);
    return rc;
}
