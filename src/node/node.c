/* The node runtime: creation, init, composition (elements), the timers the
 * node owns, logging through the port, and the seed API's node half
 * (init, set_node_prov, reset_node_prov, create_element).
 *
 * Invariants: every field lives in struct bm_node; the platform is the only
 * way out; a node is provisioned exactly when `provisioned` is set, and then
 * net holds at least one subnet and addr is unicast. */
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "node.h"
#include "models/models.h"
#include "storage/records.h"

size_t bm_node_size(void)
{
    return sizeof(struct bm_node);
}

uint64_t bm_node_clock64(const struct bm_node *node)
{
    return node->plat.now_ms(node->plat.ctx);
}

bm_ms_t bm_node_now(const struct bm_node *node)
{
    return (bm_ms_t)bm_node_clock64(node);
}

void bm_node_log_line(const struct bm_node *node, enum bm_log_level level, const char *layer,
                      const char *fmt, ...)
{
    if (!node->plat.log)
        return;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    node->plat.log(node->plat.ctx, level, layer, line);
}

void bm_node_timer_set(struct bm_node *node, enum bm_timer_id id, uint32_t delay_ms)
{
    node->timers[id] = bm_ms_after(bm_node_now(node), delay_ms); /* never 0 (= stopped) */
}

void bm_node_timer_stop(struct bm_node *node, enum bm_timer_id id)
{
    node->timers[id] = 0;
}

int bm_node_send_ad(struct bm_node *node, uint8_t ad_type, const uint8_t *data, size_t len,
                    const struct bm_adv_xmit *xmit)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    if (len > BM_AD_MAX_DATA)
        return BM_EINVAL;
    adv[0] = (uint8_t)(len + 1);
    adv[1] = ad_type;
    memcpy(adv + 2, data, len);
    node->stats.adv_tx++;
    return node->plat.adv_send(node->plat.ctx, adv, len + 2, xmit ? xmit : &node->net_xmit);
}

struct bm_node *bm_node_create(void *mem, size_t mem_len, const struct bm_platform *plat)
{
    if (!mem || !plat || mem_len < sizeof(struct bm_node) ||
        ((uintptr_t)mem % alignof(max_align_t)) != 0)
        return NULL;
    if (!plat->now_ms || !plat->random || !plat->adv_send)
        return NULL;
    struct bm_node *node = mem;
    memset(node, 0, sizeof(*node));
    node->plat = *plat;
    node->default_ttl = 7;
    node->net_beacon = true;
    /* Network Transmit default: 3 transmissions 20 ms apart (Mesh Profile
     * 4.2.19 leaves the default to the implementation). */
    node->net_xmit.count = 3;
    node->net_xmit.interval_ms = 20;
    node->prov_bearers = BM_PROV_NONE;
    node->out_actions = 1u << BM_OOB_ACT_NUMERIC | 1u << BM_OOB_ACT_BLINK;
    node->out_size = 4;
    node->relay_xmit.count = 3;
    node->relay_xmit.interval_ms = 20;
    node->relay = BM_FEAT_STATE_UNSUPPORTED;
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        node->model_slot[i] = 0xffff; /* no record slot yet */
    /* zeroed above: the network state (IV index 0, Normal Operation, no
     * subnet) and the reassembly pool need no init of their own */
    /* the Friend and LPN states, untouched in an image without them */
    if (BM_CFG_FRIEND)
        bm_frnd_init(&node->frnd);
    if (BM_CFG_LPN)
        bm_lpn_init(&node->lpn);
    bm_node_prov_link_setup(node);
    return node;
}

static void wipe_secrets(struct bm_node *node)
{
    bm_net_deinit(&node->net);
    bm_crypto_wipe(node->dev_key, sizeof(node->dev_key));
    bm_crypto_wipe(node->app_keys, sizeof(node->app_keys));
    node->app_count = 0;
    /* the provisioner's database, never filled without the role */
    if (BM_CFG_PROVISIONER)
        for (size_t i = 0; i < BM_CFG_PROV_NODES; i++)
            bm_crypto_wipe(node->db[i].dev_key, sizeof(node->db[i].dev_key));
    bm_prov_link_reset(&node->link);
    if (BM_CFG_FRIEND)
        bm_frnd_reset(&node->frnd);
    if (BM_CFG_LPN)
        bm_lpn_reset(&node->lpn);
}

void bm_node_destroy(struct bm_node *node)
{
    if (!node)
        return;
    wipe_secrets(node);
    bm_crypto_wipe(node, sizeof(*node));
}

/* A version 4 (random) UUID, RFC 4122 section 4.4. */
static int make_uuid(struct bm_node *node, uint8_t uuid[16])
{
    if (node->plat.random(node->plat.ctx, uuid, 16) != 0)
        return BM_ECRYPTO;
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
    return BM_OK;
}

static int load_or_make_uuid(struct bm_node *node)
{
    size_t len = 0;
    if (bm_store_get(node, BM_REC_UUID, node->uuid, sizeof(node->uuid), &len) == BM_OK &&
        len == sizeof(node->uuid))
        return BM_OK;
    int rc = make_uuid(node, node->uuid);
    if (rc == BM_OK)
        rc = bm_store_put(node, BM_REC_UUID, node->uuid, sizeof(node->uuid));
    return rc;
}

int bm_init(struct bm_node *node, const char *name, uint8_t auth)
{
    if (!node || !name)
        return BM_EINVAL;
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > BM_NAME_MAX)
        return BM_EINVAL;
    if (auth != BM_OOB_NONE && auth != BM_OOB_OUTPUT && auth != BM_OOB_INPUT)
        return BM_EINVAL;
    if (auth == BM_OOB_INPUT)
        return BM_ENOTSUP; /* Input OOB: refused clearly until a board can take input */
    if (node->initialized)
        return BM_ESTATE;
    int rc = load_or_make_uuid(node);
    if (rc != BM_OK)
        return rc;
    memcpy(node->name, name, nlen + 1);
    node->auth = auth;
    /* installed only here: a device initialised without Output OOB links
     * none of its code */
    if (auth == BM_OOB_OUTPUT)
        bm_node_prov_offer_output_oob(node);
    node->initialized = true;
    rc = bm_node_load_provisioning(node);
    if (rc != BM_OK) {
        /* Not provisioned (or PROV is unreadable, which leaves the node
         * unable to join anyway): whatever a reset cut short by a power
         * cut left behind goes now, keys first of all. */
        if (rc != BM_ENOENT)
            bm_node_log(node, BM_LOG_WRN, "node", "stored provisioning unreadable: %d", rc);
        bm_persist_erase(node);
    }
    if (node->provisioned) {
        bm_node_log(node, BM_LOG_INF, "node", "restored addr=0x%04x", node->addr);
        if (node->net_beacon)
            bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    }
    return BM_OK;
}

int bm_set_uuid(struct bm_node *node, const uint8_t uuid[16])
{
    if (!node || !uuid)
        return BM_EINVAL;
    if (node->provisioned)
        return BM_ESTATE;
    memcpy(node->uuid, uuid, 16);
    return bm_store_put(node, BM_REC_UUID, node->uuid, 16);
}

int bm_get_uuid(const struct bm_node *node, uint8_t uuid[16])
{
    if (!node || !uuid)
        return BM_EINVAL;
    memcpy(uuid, node->uuid, 16);
    return BM_OK;
}

static void start_unprov_beacon(struct bm_node *node)
{
    if (node->provisioned || bm_node_is_provisioner(node) || !(node->prov_bearers & BM_PROV_ADV))
        bm_node_timer_stop(node, BM_TIMER_UNPROV_BEACON);
    else
        bm_node_timer_set(node, BM_TIMER_UNPROV_BEACON, 0);
}

int bm_set_output_oob(struct bm_node *node, uint8_t actions, uint8_t size)
{
    if (!node || actions == 0 || (actions & ~0x1fu) || size < 1 || size > 8)
        return BM_EINVAL;
    node->out_actions = actions;
    node->out_size = size;
    if (node->initialized && (node->prov_bearers & (BM_PROV_ADV | BM_PROV_GATT)))
        bm_node_prov_device_enable(node, true);
    return BM_OK;
}

int bm_set_node_prov(struct bm_node *node, uint8_t bearers, bm_prov_fn cb, void *user)
{
    if (!node)
        return BM_EINVAL;
    if (bearers & ~(BM_PROV_ADV | BM_PROV_GATT | BM_PROV_NONE))
        return BM_EINVAL;
    if ((bearers & BM_PROV_NONE) && (bearers & (BM_PROV_ADV | BM_PROV_GATT)))
        return BM_EINVAL;
    /* PB-GATT needs a port with GATT (platform.h gatt_*) */
    if ((bearers & BM_PROV_GATT) && !(node->plat.gatt_send && node->plat.gatt_adv))
        return BM_ENOTSUP;
    if (!node->initialized)
        return BM_ESTATE;
    node->prov_bearers = bearers;
    /* installed only here (and by the provisioner's PB-GATT): an image
     * that never offers PB-GATT links none of it */
    if (bearers & BM_PROV_GATT)
        bm_node_gatt_pb_enable(node);
    node->prov_cb = cb;
    node->prov_user = user;
    bm_node_prov_device_enable(node, (bearers & (BM_PROV_ADV | BM_PROV_GATT)) != 0);
    start_unprov_beacon(node);
    bm_node_gatt_process(node, bm_node_now(node)); /* connectable advertising */
    return BM_OK;
}

int bm_reset_node_prov(struct bm_node *node)
{
    if (!node)
        return BM_EINVAL;
    /* durably first: a node that forgot its keys in memory but not in
     * storage would come back provisioned */
    int rc = bm_persist_erase(node);
    if (rc != BM_OK)
        return rc;
    bool was = node->provisioned;
    wipe_secrets(node);
    if (BM_CFG_PROVISIONER) { /* without the role, never set */
        node->is_provisioner = false;
        for (size_t i = 0; i < BM_CFG_PROV_NODES; i++)
            node->db[i].used = false;
    }
    node->iv_recovered = false;
    node->iv_want_normal = false;
    bm_node_timer_stop(node, BM_TIMER_IV);
    node->provisioned = false;
    node->addr = 0;
    node->seq = 0;
    node->seq_reserved = 0;
    node->rpl_count = 0;
    memset(node->sar_tx, 0, sizeof(node->sar_tx));
    memset(node->label_refs, 0, sizeof(node->label_refs));
    memset(&node->hb_pub, 0, sizeof(node->hb_pub));
    memset(&node->hb_sub, 0, sizeof(node->hb_sub));
    node->reset_due_ms = 0;
    /* configuration goes with the keys: models forget keys, subs, pub */
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        m->key_count = 0;
        m->sub_count = 0;
        memset(&m->pub, 0, sizeof(m->pub));
        m->pub.ttl = BM_TTL_DEFAULT;
    }
    bm_net_init(&node->net, 0, false);
    bm_lower_reasm_init(&node->reasm);
    bm_node_timer_stop(node, BM_TIMER_NET_BEACON);
    bm_node_prov_device_enable(node, (node->prov_bearers & (BM_PROV_ADV | BM_PROV_GATT)) != 0);
    start_unprov_beacon(node);
    bm_node_log(node, BM_LOG_INF, "node", "reset: unprovisioned");
    if (was && node->prov_cb) {
        struct bm_prov_info info = {.event = BM_PROV_EVT_RESET};
        node->prov_cb(node->prov_user, &info);
    }
    return BM_OK;
}

int bm_create_element(struct bm_node *node, bool primary, uint8_t feature, bool beacon,
                      uint8_t ttl, int *index)
{
    if (!node)
        return BM_EINVAL;
    if (feature & ~(BM_RELAY | BM_GATT_PROXY | BM_LOW_POWER | BM_FRIEND))
        return BM_EINVAL;
    /* features compiled out of this image (config.h) */
    if ((!BM_CFG_FRIEND && (feature & BM_FRIEND)) || (!BM_CFG_LPN && (feature & BM_LOW_POWER)))
        return BM_ENOTSUP;
    /* Mesh Profile 4.2.7: Default TTL is 0x00 or 0x02..0x7F */
    if (ttl == 1 || ttl > BM_TTL_MAX)
        return BM_EINVAL;
    if (primary && node->element_count > 0)
        return BM_EINVAL; /* one primary element, and it comes first */
    if (!primary && node->element_count == 0)
        return BM_EINVAL;
    if (node->element_count >= BM_CFG_ELEMENTS)
        return BM_ENOSPC;
    /* Composition is fixed once provisioned: after a restart that restored
     * provisioning, the script may create again the elements it had, not
     * more than the addresses the provisioner gave it. */
    if (node->provisioned && node->element_count >= node->prov_elements)
        return BM_ESTATE;
    int idx = node->element_count++;
    node->elements[idx].used = true;
    node->elements[idx].primary = primary;
    if (primary) {
        int rc = bm_models_add_foundation(node);
        if (rc != BM_OK) {
            node->element_count--;
            node->elements[idx].used = false;
            return rc;
        }
        node->features = feature;
        node->relay = (feature & BM_RELAY) ? BM_FEAT_STATE_ENABLED : BM_FEAT_STATE_UNSUPPORTED;
        /* Friend and Low Power start enabled with their feature; an LPN
         * looks for a friend once provisioned (lpn.c) */
        node->frnd.enabled = (feature & BM_FRIEND) != 0;
        node->lpn.enabled = (feature & BM_LOW_POWER) != 0;
        node->net_beacon = beacon;
        node->default_ttl = ttl;
        /* created again after a restart: the stored configuration wins */
        bm_persist_reapply_cfg(node);
    }
    if (index)
        *index = idx;
    /* the Capabilities a provisioner sees count our elements */
    if (node->initialized && (node->prov_bearers & (BM_PROV_ADV | BM_PROV_GATT)))
        bm_node_prov_device_enable(node, true);
    return BM_OK;
}

int bm_node_element_count(const struct bm_node *node)
{
    return node->element_count;
}

uint8_t bm_node_friend_get(const struct bm_node *node)
{
    /* (bm_create_element() refuses a feature compiled out of the image) */
    if (!BM_CFG_FRIEND || !(node->features & BM_FRIEND))
        return BM_FEAT_STATE_UNSUPPORTED;
    return node->frnd.enabled ? BM_FEAT_STATE_ENABLED : BM_FEAT_STATE_DISABLED;
}

bool bm_node_is_provisioned(const struct bm_node *node)
{
    return node && node->provisioned;
}

uint16_t bm_node_addr(const struct bm_node *node)
{
    return node && node->provisioned ? node->addr : 0;
}

void bm_node_get_stats(const struct bm_node *node, struct bm_node_stats *stats)
{
    *stats = node->stats;
}

static void run_timer(struct bm_node *node, enum bm_timer_id id, bm_ms_t now)
{
    switch (id) {
    case BM_TIMER_UNPROV_BEACON:
        /* quiet while a provisioning link is open: the provisioner found us */
        if (!bm_prov_link_active(&node->link))
            bm_node_send_unprov_beacon(node);
        bm_node_timer_set(node, id, BM_UNPROV_BEACON_MS);
        break;
    case BM_TIMER_NET_BEACON:
        bm_node_send_net_beacons(node);
        bm_node_timer_set(node, id, BM_NET_BEACON_MS);
        break;
    case BM_TIMER_PROV_LINK:
        bm_node_prov_process(node, now);
        break;
    case BM_TIMER_SAR_TX:
        bm_node_sar_process(node, now);
        break;
    case BM_TIMER_MODELS:
        break; /* a kick: bm_access_process runs on every call below */
    case BM_TIMER_IV:
        bm_node_iv_process(node, now);
        break;
    case BM_TIMER_COUNT:
        break;
    }
}

uint64_t bm_node_process(struct bm_node *node, uint64_t now_ms)
{
    bm_ms_t now = (bm_ms_t)now_ms; /* the one conversion to core time (bm_time.h) */
    for (int id = 0; id < BM_TIMER_COUNT; id++) {
        if (bm_ms_due(now, node->timers[id])) {
            node->timers[id] = 0;
            run_timer(node, (enum bm_timer_id)id, now);
        }
    }
    bm_lower_reasm_expire(&node->reasm, now);
    bm_ms_t next = node->provisioned ? bm_access_process(node, now) : 0;
    if (BM_CFG_FRIEND)
        next = bm_ms_min(now, next, bm_frnd_process(node, now));
    if (BM_CFG_LPN)
        next = bm_ms_min(now, next, bm_lpn_process(node, now));
    next = bm_ms_min(now, next, bm_node_gatt_process(node, now));
    bm_persist_model_states(node);
    for (int id = 0; id < BM_TIMER_COUNT; id++)
        next = bm_ms_min(now, next, node->timers[id]);
    if (!next)
        return UINT64_MAX;
    /* back to the platform's 64-bit clock: next is within 2^31 ms of now,
     * either side (an overdue deadline answers a time <= now_ms) */
    return bm_ms_reached(now, next) ? now_ms - (now - next) : now_ms + (next - now);
}
