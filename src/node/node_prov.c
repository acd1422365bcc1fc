/* Provisioning glue of a node: connects the PB-ADV link state machine
 * (prov/prov_link.c) to the platform, the seed API's callback and the
 * node's keys, and implements the provisioner role's public API (network
 * creation, scanning, provisioning, the network database).
 *
 * What provisioning leaves in storage, and how a restart reads it back, is
 * storage/persist.c (layout in storage/records.h). */
#include <string.h>

#include "node.h"
#include "prov/prov_crypto.h"
#include "storage/records.h"

static struct bm_node *node_of(void *ctx)
{
    return ctx;
}

static int link_send(void *ctx, const uint8_t *pdu, size_t len)
{
    struct bm_node *node = node_of(ctx);
    /* PB-ADV PDUs go out once per call: the link retransmits on its own
     * timer, and a short burst makes a lost advertisement cheap. */
    static const struct bm_adv_xmit burst = {.count = 2, .interval_ms = 20};
    return bm_node_send_ad(node, BM_AD_PB_ADV, pdu, len, &burst);
}

static int link_random(void *ctx, uint8_t *buf, size_t len)
{
    struct bm_node *node = node_of(ctx);
    return node->plat.random(node->plat.ctx, buf, len);
}

/* The link's output_oob (a device offering Output OOB): draws the value
 * and shows it through the seed API's callback. */
static int link_output_oob(struct bm_prov_link *l)
{
    struct bm_node *node = node_of(l->ctx);
    struct bm_prov_oob oob;
    int rc = bm_prov_link_output_value(l, &oob);
    if (rc == BM_OK) {
        uint8_t action = l->start.auth_action;
        bm_node_log(node, BM_LOG_INF, "prov", "output OOB action=%u", action);
        if (node->prov_cb) {
            struct bm_prov_info info = {.event = BM_PROV_EVT_OUTPUT_OOB,
                                        .oob_action = action,
                                        .oob_number = oob.number,
                                        .oob_string = oob.alphanumeric ? oob.str : NULL};
            node->prov_cb(node->prov_user, &info);
        }
    }
    bm_crypto_wipe(&oob, sizeof(oob));
    return rc;
}

void bm_node_prov_offer_output_oob(struct bm_node *node)
{
    node->link.output_oob = link_output_oob;
}

static void link_oob_needed(void *ctx, uint8_t action, uint8_t size)
{
    struct bm_node *node = node_of(ctx);
    /* only a provisioner's link asks (prov_link.c) */
    if (!bm_node_is_provisioner(node) || !node->provision_cb)
        return;
    struct bm_provision_result r = {.event = BM_PROVISION_EVT_OOB_NEEDED,
                                    .oob_action = action,
                                    .oob_size = size};
    memcpy(r.uuid, node->link.pv_cfg.uuid, 16);
    node->provision_cb(node->provision_user, &r);
}

int bm_node_provisioned(struct bm_node *node, const uint8_t net_key[BM_KEY_LEN], uint16_t net_idx,
                        uint8_t flags, uint32_t iv_index, uint16_t addr,
                        const uint8_t dev_key[BM_KEY_LEN])
{
    if (!bm_addr_is_unicast(addr))
        return BM_EINVAL;
    bm_net_deinit(&node->net); /* frees any prepared keys it held */
    bm_net_init(&node->net, iv_index, (flags & 0x02) != 0);
    int rc = bm_net_subnet_add(&node->net, net_idx, net_key);
    if (rc != BM_OK)
        return rc;
    if (flags & 0x01) {
        /* Key Refresh flag: the key handed over is already the new one,
         * and we are in phase 2 (Mesh Profile 5.4.2.5). */
        rc = bm_net_subnet_set_phase(&node->net, net_idx, BM_KR_PHASE2);
        (void)rc; /* phase 2 without an old key: treat as normal */
    }
    node->addr = addr;
    memcpy(node->dev_key, dev_key, BM_KEY_LEN);
    node->seq = 0;
    node->seq_reserved = 0;
    node->provisioned = true;
    node->prov_elements = node->element_count ? node->element_count : 1;
    /* Mesh Profile 3.10.5: a node added in Normal Operation stays there
     * for 96 hours; one added during an IV Update is free to leave it. */
    node->iv_recovered = false;
    bm_node_iv_reset_clock(node, node->net.iv_update ? BM_IV_MIN_MS : 0);
    rc = bm_persist_provisioned(node);
    if (rc != BM_OK)
        bm_node_log(node, BM_LOG_ERR, "node", "store provisioning failed: %d", rc);
    bm_node_timer_stop(node, BM_TIMER_UNPROV_BEACON);
    if (node->net_beacon)
        bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    bm_node_timer_set(node, BM_TIMER_IV, 0);
    return BM_OK;
}

int bm_node_load_provisioning(struct bm_node *node)
{
    int rc = bm_persist_load(node);
    if (rc != BM_OK)
        return rc;
    bm_node_timer_stop(node, BM_TIMER_UNPROV_BEACON);
    bm_node_timer_set(node, BM_TIMER_IV, 0);
    return BM_OK;
}

static void link_complete(void *ctx, const uint8_t uuid[16], const struct bm_prov_result_data *d,
                          uint8_t elements)
{
    struct bm_node *node = node_of(ctx);
    if (!bm_node_is_provisioner(node)) {
        const struct bm_prov_data *pd = &d->data;
        int rc = bm_node_provisioned(node, pd->net_key, pd->net_key_index, pd->flags, pd->iv_index,
                                     pd->unicast_addr, d->dev_key);
        bm_node_log(node, BM_LOG_INF, "prov", "provisioned addr=0x%04x rc=%d", pd->unicast_addr,
                    rc);
        if (node->prov_cb) {
            struct bm_prov_info info = {.event = BM_PROV_EVT_COMPLETE, .addr = pd->unicast_addr};
            node->prov_cb(node->prov_user, &info);
        }
        return;
    }
    /* provisioner: record the device in the network database */
    struct bm_prov_db_node *slot = NULL;
    for (size_t i = 0; i < BM_CFG_PROV_NODES && !slot; i++)
        if (!node->db[i].used)
            slot = &node->db[i];
    struct bm_provision_result r = {.event = BM_PROVISION_EVT_COMPLETE,
                                    .addr = d->data.unicast_addr,
                                    .elements = elements,
                                    .algorithm = d->algorithm == BM_PROV_ALG_HMAC
                                                     ? BM_PROV_ALG_HMAC_SHA256
                                                     : BM_PROV_ALG_CMAC_AES128};
    memcpy(r.uuid, uuid, 16);
    if (slot) {
        slot->used = true;
        memcpy(slot->uuid, uuid, 16);
        slot->addr = d->data.unicast_addr;
        slot->elements = elements;
        memcpy(slot->dev_key, d->dev_key, BM_KEY_LEN);
        node->next_addr = (uint16_t)(d->data.unicast_addr + elements);
        bm_persist_sync(node);
    } else {
        r.event = BM_PROVISION_EVT_FAILED;
        r.err = BM_ENOSPC;
    }
    bm_node_log(node, BM_LOG_INF, "prov", "device provisioned addr=0x%04x elements=%u",
                d->data.unicast_addr, elements);
    if (node->provision_cb)
        node->provision_cb(node->provision_user, &r);
}

static void link_failed(void *ctx, const uint8_t uuid[16], int err, uint8_t reason)
{
    struct bm_node *node = node_of(ctx);
    bm_node_log(node, BM_LOG_WRN, "prov", "failed: %s (reason 0x%02x)", bm_strerror(err), reason);
    if (bm_node_is_provisioner(node)) {
        if (node->provision_cb) {
            struct bm_provision_result r = {.event = BM_PROVISION_EVT_FAILED,
                                            .err = err,
                                            .reason = reason};
            memcpy(r.uuid, uuid, 16);
            node->provision_cb(node->provision_user, &r);
        }
        return;
    }
    if (node->prov_cb) {
        struct bm_prov_info info = {.event = BM_PROV_EVT_FAILED, .reason = reason};
        node->prov_cb(node->prov_user, &info);
    }
}

static void link_log(void *ctx, const char *event)
{
    bm_node_log(node_of(ctx), BM_LOG_DBG, "prov", "%s", event);
}

static const struct bm_prov_link_ops link_ops = {
    .send = link_send,
    .random = link_random,
    /* only a provisioner's link asks, and only debug lines log: where
     * neither can happen, no stub is linked in (prov_link.c checks log) */
    .oob_needed = BM_CFG_PROVISIONER ? link_oob_needed : NULL,
    .complete = link_complete,
    .failed = link_failed,
    .log = (int)BM_LOG_DBG < BM_CFG_LOG_LEVEL ? link_log : NULL,
};

static void schedule_link(struct bm_node *node, bm_ms_t next)
{
    node->timers[BM_TIMER_PROV_LINK] = next; /* 0: none, as the timer's stop */
}

void bm_node_prov_link_setup(struct bm_node *node)
{
    bm_prov_link_init(&node->link, &link_ops, node);
}

/* The capabilities the seed's auth setting offers (Mesh Profile 5.4.1.2). */
static void device_caps(const struct bm_node *node, struct bm_prov_caps *caps)
{
    memset(caps, 0, sizeof(*caps));
    caps->num_elements = node->element_count ? node->element_count : 1;
    caps->algorithms = BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC) | BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    if (node->auth == BM_OOB_OUTPUT) {
        /* BM_OOB_ACT_* equal the spec's Output OOB action numbers */
        caps->output_oob_size = node->out_size;
        caps->output_oob_action = node->out_actions;
    }
}

void bm_node_prov_device_enable(struct bm_node *node, bool enable)
{
    /* written in place: what the link's copy of cfg would be */
    struct bm_prov_device_cfg *cfg = &node->link.dev_cfg;
    memcpy(cfg->uuid, node->uuid, 16);
    device_caps(node, &cfg->caps);
    bm_prov_link_device_enable(&node->link, NULL, enable && !node->provisioned);
}

void bm_node_prov_process(struct bm_node *node, bm_ms_t now)
{
    schedule_link(node, bm_prov_link_process(&node->link, now));
}

void bm_node_prov_rx(struct bm_node *node, const uint8_t *data, size_t len)
{
    /* a device takes PB-ADV only when it offers that bearer */
    if (!bm_node_is_provisioner(node) && !(node->prov_bearers & BM_PROV_ADV))
        return;
    bm_ms_t now = bm_node_now(node);
    bm_prov_link_rx(&node->link, data, len, now);
    schedule_link(node, bm_prov_link_process(&node->link, now));
}

/* --- provisioner API --- */

int bm_prov_create_network(struct bm_node *node, const uint8_t net_key[16], uint16_t net_idx,
                           uint32_t iv_index, uint16_t own_addr)
{
    if (!node || !bm_addr_is_unicast(own_addr) || net_idx > 0xfff)
        return BM_EINVAL;
    if (!BM_CFG_PROVISIONER)
        return BM_ENOTSUP;
    if (!node->initialized)
        return BM_ESTATE;
    if (node->provisioned)
        return BM_EEXIST;
    uint8_t key[BM_KEY_LEN], dev_key[BM_KEY_LEN];
    if (net_key)
        memcpy(key, net_key, BM_KEY_LEN);
    else if (node->plat.random(node->plat.ctx, key, BM_KEY_LEN) != 0)
        return BM_ECRYPTO;
    if (node->plat.random(node->plat.ctx, dev_key, BM_KEY_LEN) != 0)
        return BM_ECRYPTO;
    node->is_provisioner = true;
    bm_prov_link_device_enable(&node->link, NULL, false);
    int rc = bm_node_provisioned(node, key, net_idx, 0, iv_index, own_addr, dev_key);
    bm_crypto_wipe(key, sizeof(key));
    bm_crypto_wipe(dev_key, sizeof(dev_key));
    if (rc != BM_OK)
        return rc;
    node->prov_net_idx = net_idx;
    uint8_t count = node->element_count ? node->element_count : 1;
    node->next_addr = (uint16_t)(own_addr + count);
    return bm_persist_sync(node);
}

int bm_prov_scan_start(struct bm_node *node, bm_scan_fn cb, void *user)
{
    if (!node || !cb)
        return BM_EINVAL;
    if (!bm_node_is_provisioner(node))
        return BM_ESTATE;
    node->scan_cb = cb;
    node->scan_user = user;
    return BM_OK;
}

int bm_prov_scan_stop(struct bm_node *node)
{
    if (!node)
        return BM_EINVAL;
    node->scan_cb = NULL;
    return BM_OK;
}

int bm_prov_scan_results(const struct bm_node *node, struct bm_unprov_device *out, size_t max,
                         size_t *count)
{
    if (!node || (!out && max) || !count)
        return BM_EINVAL;
    size_t n = 0;
    for (size_t i = 0; i < BM_CFG_SCAN_RESULTS && n < max; i++)
        if (node->scan[i].used)
            out[n++] = node->scan[i].dev;
    *count = n;
    return BM_OK;
}

int bm_node_prov_begin(struct bm_node *node, const uint8_t uuid[16],
                       const struct bm_provision_opts *opts, bm_provision_fn cb, void *user,
                       struct bm_prov_provisioner_cfg *cfg)
{
    if (!bm_node_is_provisioner(node))
        return BM_ESTATE;
    if (bm_prov_link_active(&node->link))
        return BM_EBUSY;
    const struct bm_subnet *sub = bm_net_subnet_find(&node->net, node->prov_net_idx);
    if (!sub)
        return BM_ESTATE;
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->uuid, uuid, 16);
    if (opts) {
        cfg->attention_s = opts->attention_s;
        cfg->refuse_no_oob = opts->refuse_no_oob;
        if (opts->algorithms & BM_PROV_ALG_CMAC_AES128)
            cfg->algorithms |= BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC);
        if (opts->algorithms & BM_PROV_ALG_HMAC_SHA256)
            cfg->algorithms |= BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    }
    if (!cfg->algorithms)
        cfg->algorithms = BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC) | BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    memcpy(cfg->net_key, bm_net_tx_keys(sub)->net_key, BM_KEY_LEN);
    cfg->net_idx = node->prov_net_idx;
    cfg->iv_index = node->net.iv_index;
    cfg->flags = (uint8_t)(node->net.iv_update ? 0x02 : 0x00);
    cfg->addr = node->next_addr;
    node->provision_cb = cb;
    node->provision_user = user;
    return BM_OK;
}

int bm_prov_provision(struct bm_node *node, const uint8_t uuid[16],
                      const struct bm_provision_opts *opts, bm_provision_fn cb, void *user)
{
    if (!node || !uuid)
        return BM_EINVAL;
    struct bm_prov_provisioner_cfg cfg;
    int rc = bm_node_prov_begin(node, uuid, opts, cb, user, &cfg);
    if (rc != BM_OK)
        return rc;
    bm_ms_t now = bm_node_now(node);
    rc = bm_prov_link_open(&node->link, &cfg, now);
    bm_crypto_wipe(&cfg, sizeof(cfg));
    if (rc == BM_OK)
        schedule_link(node, bm_prov_link_process(&node->link, now));
    return rc;
}

int bm_prov_input_oob(struct bm_node *node, const char *value)
{
    if (!node || !value)
        return BM_EINVAL;
    bm_ms_t now = bm_node_now(node);
    int rc = bm_prov_link_input_oob(&node->link, value, now);
    schedule_link(node, bm_prov_link_process(&node->link, now));
    return rc;
}

int bm_prov_nodes(const struct bm_node *node, struct bm_prov_node_info *out, size_t max,
                  size_t *count)
{
    if (!node || (!out && max) || !count)
        return BM_EINVAL;
    size_t n = 0;
    for (size_t i = 0; i < BM_CFG_PROV_NODES && n < max; i++) {
        if (!node->db[i].used)
            continue;
        memcpy(out[n].uuid, node->db[i].uuid, 16);
        out[n].addr = node->db[i].addr;
        out[n].elements = node->db[i].elements;
        n++;
    }
    *count = n;
    return BM_OK;
}

int bm_prov_net_key(const struct bm_node *node, uint16_t *net_idx, uint8_t net_key[16])
{
    if (!node || !net_idx || !net_key)
        return BM_EINVAL;
    if (!bm_node_is_provisioner(node))
        return BM_ESTATE;
    const struct bm_subnet *sub =
        bm_net_subnet_find((struct bm_net *)&node->net, node->prov_net_idx);
    if (!sub)
        return BM_ESTATE;
    *net_idx = node->prov_net_idx;
    memcpy(net_key, bm_net_tx_keys(sub)->net_key, BM_KEY_LEN);
    return BM_OK;
}
