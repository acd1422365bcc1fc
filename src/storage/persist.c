/* The node's persistence: what struct bm_node holds that must survive a
 * power cut, written to and read from the records of records.h.
 *
 * Invariants:
 * - nothing is written while the node is not provisioned (persist_live
 *   false), except the UUID (node.c);
 * - a record is rewritten only when its encoding changed (compared with
 *   the stored bytes, or for model states with the copy in model_saved), so
 *   a Get or a repeated Set costs reads, not flash wear;
 * - a stored record that does not decode is ignored (logged), never
 *   trusted in part: the node starts without what it held;
 * - key material passes through stack buffers that are wiped after use
 *   and never reaches the log. */
#include <string.h>

#include "access/model.h"
#include "node/node.h"
#include "storage/records.h"

#define SLOT_NONE 0xffffu
#define HOUR_MS 3600000ull

static int put_if_changed(struct bm_node *node, uint16_t key, const uint8_t *data, size_t len)
{
    uint8_t cur[BM_REC_MODEL_CFG_MAX + 1];
    size_t clen = 0;
    int rc = bm_store_get(node, key, cur, sizeof(cur), &clen);
    bool same = rc == BM_OK && clen == len && memcmp(cur, data, len) == 0;
    bm_crypto_wipe(cur, sizeof(cur));
    return same ? BM_OK : bm_store_put(node, key, data, len);
}

static int del_rec(struct bm_node *node, uint16_t key)
{
    int rc = bm_store_del(node, key);
    return rc == BM_ENOENT ? BM_OK : rc;
}

static void keep_first(int *first, int rc)
{
    if (*first == BM_OK && rc != BM_OK)
        *first = rc;
}

/* Reads a record into buf; BM_ENOENT if absent, BM_EMALFORMED if longer
 * than any valid one. */
static int get_rec(struct bm_node *node, uint16_t key, uint8_t *buf, size_t size, size_t *len)
{
    int rc = bm_store_get(node, key, buf, size, len);
    if (rc == BM_ENOSPC || (rc == BM_OK && *len > size))
        return BM_EMALFORMED;
    return rc;
}

static void log_bad(struct bm_node *node, uint16_t key)
{
    bm_node_log(node, BM_LOG_WRN, "store", "record 0x%04x corrupt: ignored", key);
}

/* --- encoders from the node --- */

static size_t enc_net(const struct bm_subnet *s, uint8_t out[BM_REC_NET_MAX])
{
    struct bm_rec_net r;
    memset(&r, 0, sizeof(r));
    r.net_idx = s->net_idx;
    r.phase = s->kr_phase;
    memcpy(r.key, s->keys[0].net_key, 16);
    if (s->kr_phase == BM_KR_PHASE1 || s->kr_phase == BM_KR_PHASE2)
        memcpy(r.new_key, s->keys[1].net_key, 16);
    size_t n = bm_rec_net_encode(&r, out);
    bm_crypto_wipe(&r, sizeof(r));
    return n;
}

static size_t enc_cfg(const struct bm_node *node, uint8_t out[BM_REC_CFG_LEN])
{
    struct bm_rec_cfg r = {.relay = node->relay,
                           .relay_count = node->relay_xmit.count,
                           .relay_interval_ms = node->relay_xmit.interval_ms,
                           .net_count = node->net_xmit.count,
                           .net_interval_ms = node->net_xmit.interval_ms,
                           .beacon = node->net_beacon,
                           .ttl = node->default_ttl};
    return bm_rec_cfg_encode(&r, out);
}

static size_t enc_hb(const struct bm_node *node, uint8_t out[BM_REC_HB_LEN])
{
    struct bm_rec_hb r = {.pub_dst = node->hb_pub.dst,
                          .pub_count = node->hb_pub.count,
                          .pub_period_log = node->hb_pub.period_log,
                          .pub_ttl = node->hb_pub.ttl,
                          .pub_features = node->hb_pub.features,
                          .pub_net_idx = node->hb_pub.net_idx,
                          .sub_src = node->hb_sub.src,
                          .sub_dst = node->hb_sub.dst};
    return bm_rec_hb_encode(&r, out);
}

static struct bm_rec_model_id mid_of(const struct bm_model *m)
{
    struct bm_rec_model_id mid = {.elem = m->elem, .company = m->type->company, .id = m->type->id};
    return mid;
}

static bool mid_eq(const struct bm_rec_model_id *a, const struct bm_rec_model_id *b)
{
    return a->elem == b->elem && a->company == b->company && a->id == b->id;
}

/* The Label UUID of a virtual subscription (the node's label table). */
static void sub_label(const struct bm_node *node, uint16_t va, uint8_t out[16])
{
    uint8_t labels[1][16];
    if (bm_access_labels(node, va, labels, 1) == 1)
        memcpy(out, labels[0], 16);
    else
        memset(out, 0, 16);
}

/* Encodes a model's configuration; returns 0 when it has none. */
static size_t enc_model_cfg(const struct bm_node *node, const struct bm_model *m,
                            uint8_t out[BM_REC_MODEL_CFG_MAX])
{
    if (!m->key_count && !m->sub_count && m->pub.addr == BM_ADDR_UNASSIGNED)
        return 0;
    struct bm_rec_model_cfg r;
    memset(&r, 0, sizeof(r));
    r.mid = mid_of(m);
    r.key_count = m->key_count;
    memcpy(r.keys, m->keys, sizeof(r.keys));
    r.sub_count = m->sub_count;
    for (uint8_t i = 0; i < m->sub_count; i++) {
        r.subs[i] = m->subs[i];
        if (bm_addr_is_virtual(m->subs[i]))
            sub_label(node, m->subs[i], r.sub_labels[i]);
    }
    r.pub_addr = m->pub.addr;
    if (bm_addr_is_virtual(m->pub.addr))
        memcpy(r.pub_label, m->pub.label, 16);
    r.pub_app_idx = m->pub.app_idx;
    r.pub_cred = m->pub.cred;
    r.pub_ttl = m->pub.ttl;
    r.pub_period = m->pub.period;
    r.pub_retransmit = m->pub.retransmit;
    return bm_rec_model_cfg_encode(&r, out);
}

/* --- model record slots --- */

static bool slot_claimed(const struct bm_node *node, uint16_t k, size_t except)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (i != except && node->models[i].used && node->model_slot[i] == k)
            return true;
    return false;
}

/* The identity stored at slot k (in the cfg or the state record). */
static int slot_owner(struct bm_node *node, uint16_t k, struct bm_rec_model_id *mid)
{
    uint8_t buf[BM_REC_MODEL_CFG_MAX];
    size_t len = 0;
    int rc = get_rec(node, (uint16_t)(BM_REC_MODEL_CFG + k), buf, sizeof(buf), &len);
    if (rc == BM_OK && bm_rec_model_id_decode(buf, len, mid) == BM_OK)
        return BM_OK;
    rc = get_rec(node, (uint16_t)(BM_REC_MODEL_STATE + k), buf, sizeof(buf), &len);
    if (rc == BM_OK && bm_rec_model_id_decode(buf, len, mid) == BM_OK)
        return BM_OK;
    return BM_ENOENT;
}

/* The slot of models[i]: the one found when it was restored, else the
 * first that holds neither another model's records nor a live model. */
static uint16_t model_slot(struct bm_node *node, size_t i)
{
    if (node->model_slot[i] != SLOT_NONE)
        return node->model_slot[i];
    struct bm_rec_model_id me = mid_of(&node->models[i]);
    for (uint16_t k = 0; k < BM_CFG_MODELS; k++) {
        if (slot_claimed(node, k, i))
            continue;
        struct bm_rec_model_id mid;
        if (slot_owner(node, k, &mid) == BM_ENOENT || mid_eq(&mid, &me)) {
            node->model_slot[i] = k;
            return k;
        }
    }
    bm_node_log(node, BM_LOG_ERR, "store", "no record slot for model %04x:%04x", me.company,
                me.id);
    return SLOT_NONE;
}

static int save_model_cfg(struct bm_node *node, size_t i)
{
    uint8_t buf[BM_REC_MODEL_CFG_MAX];
    size_t n = enc_model_cfg(node, &node->models[i], buf);
    if (!n) {
        if (node->model_slot[i] == SLOT_NONE)
            return BM_OK;
        return del_rec(node, (uint16_t)(BM_REC_MODEL_CFG + node->model_slot[i]));
    }
    uint16_t k = model_slot(node, i);
    if (k == SLOT_NONE)
        return BM_ENOSPC;
    return put_if_changed(node, (uint16_t)(BM_REC_MODEL_CFG + k), buf, n);
}

/* --- writing --- */

int bm_persist_seq(struct bm_node *node, uint32_t mark)
{
    uint8_t rec[4];
    for (int i = 0; i < 4; i++)
        rec[i] = (uint8_t)(mark >> (8 * i));
    return bm_store_put(node, BM_REC_SEQ, rec, sizeof(rec));
}

int bm_persist_iv(struct bm_node *node)
{
    if (!node->persist_live)
        return BM_OK;
    uint64_t hours = bm_node_iv_elapsed(node) / HOUR_MS;
    struct bm_rec_iv r = {.iv_index = node->net.iv_index,
                          .iv_update = node->net.iv_update,
                          .recovered = node->iv_recovered,
                          .hours = (uint16_t)(hours > 0xffff ? 0xffff : hours)};
    uint8_t buf[BM_REC_IV_LEN];
    size_t n = bm_rec_iv_encode(&r, buf);
    int rc = bm_store_put(node, BM_REC_IV, buf, n);
    if (rc == BM_OK)
        node->iv_hours_saved = r.hours;
    return rc;
}

int bm_persist_sync(struct bm_node *node)
{
    if (!node->persist_live)
        return BM_OK;
    int first = BM_OK;
    uint8_t buf[BM_REC_MODEL_CFG_MAX];
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        uint16_t key = (uint16_t)(BM_REC_NET + i);
        const struct bm_subnet *s = &node->net.subnets[i];
        if (!s->used) {
            keep_first(&first, del_rec(node, key));
            continue;
        }
        size_t len = enc_net(s, buf);
        keep_first(&first, put_if_changed(node, key, buf, len));
    }
    for (size_t i = 0; i < BM_CFG_APP_KEYS; i++) {
        uint16_t key = (uint16_t)(BM_REC_APP + i);
        if (i >= node->app_count) {
            keep_first(&first, del_rec(node, key));
            continue;
        }
        struct bm_rec_app r = {.app_idx = node->app_keys[i].app_idx,
                               .net_idx = node->app_net_idx[i],
                               .is_new = node->app_new[i]};
        memcpy(r.key, node->app_keys[i].key, 16);
        keep_first(&first, put_if_changed(node, key, buf, bm_rec_app_encode(&r, buf)));
        bm_crypto_wipe(&r, sizeof(r));
    }
    keep_first(&first, put_if_changed(node, BM_REC_CFG, buf, enc_cfg(node, buf)));
    keep_first(&first, put_if_changed(node, BM_REC_HB, buf, enc_hb(node, buf)));
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used)
            keep_first(&first, save_model_cfg(node, i));
    if (bm_node_is_provisioner(node)) {
        struct bm_rec_provisioner p = {.net_idx = node->prov_net_idx,
                                       .next_addr = node->next_addr};
        keep_first(&first, put_if_changed(node, BM_REC_PROVISIONER, buf,
                                          bm_rec_provisioner_encode(&p, buf)));
        for (size_t i = 0; i < BM_CFG_PROV_NODES; i++) {
            uint16_t key = (uint16_t)(BM_REC_PROV_DB + i);
            const struct bm_prov_db_node *d = &node->db[i];
            if (!d->used) {
                keep_first(&first, del_rec(node, key));
                continue;
            }
            struct bm_rec_db r = {.addr = d->addr, .elements = d->elements};
            memcpy(r.uuid, d->uuid, 16);
            memcpy(r.dev_key, d->dev_key, 16);
            keep_first(&first, put_if_changed(node, key, buf, bm_rec_db_encode(&r, buf)));
            bm_crypto_wipe(&r, sizeof(r));
        }
    }
    bm_crypto_wipe(buf, sizeof(buf));
    if (first != BM_OK)
        bm_node_log(node, BM_LOG_ERR, "store", "sync failed: %d", first);
    return first;
}

void bm_persist_model_states(struct bm_node *node)
{
    if (!node->persist_live)
        return;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (!m->used || !m->type->state_save)
            continue;
        struct bm_rec_model_state r = {.mid = mid_of(m)};
        size_t n = m->type->state_save(m, r.state);
        if (n == 0 || n > BM_MODEL_SAVED_MAX)
            continue;
        if (n == node->model_saved_len[i] && memcmp(node->model_saved[i], r.state, n) == 0)
            continue;
        uint16_t k = model_slot(node, i);
        if (k == SLOT_NONE)
            continue;
        r.len = (uint8_t)n;
        uint8_t buf[BM_REC_MODEL_STATE_MAX];
        size_t len = bm_rec_model_state_encode(&r, buf);
        if (bm_store_put(node, (uint16_t)(BM_REC_MODEL_STATE + k), buf, len) == BM_OK) {
            memcpy(node->model_saved[i], r.state, n);
            node->model_saved_len[i] = (uint8_t)n;
        }
    }
}

void bm_persist_rpl(struct bm_node *node, uint16_t i)
{
    struct bm_rpl_entry *e = &node->rpl[i];
    if (!node->persist_live)
        return;
    /* Store the exact last accepted SEQ: storing ahead of it would make a
     * restarted node refuse the sender's next genuine messages. With a
     * block above 1, only every block-th message is written, which leaves
     * a window of up to block - 1 replays after a power cut. */
    if (e->marked && e->iv_index == e->mark_iv &&
        e->seq < e->mark_seq + (uint32_t)BM_CFG_RPL_STORE_BLOCK)
        return;
    struct bm_rec_rpl r = {.src = e->src, .seq = e->seq, .iv_index = e->iv_index};
    uint8_t buf[BM_REC_RPL_LEN];
    size_t n = bm_rec_rpl_encode(&r, buf);
    if (bm_store_put(node, (uint16_t)(BM_REC_RPL + i), buf, n) != BM_OK) {
        bm_node_log(node, BM_LOG_ERR, "store", "rpl src=0x%04x not stored", e->src);
        return;
    }
    e->marked = true;
    e->mark_seq = r.seq;
    e->mark_iv = r.iv_index;
}

int bm_persist_erase(struct bm_node *node)
{
    int first = BM_OK;
    /* PROV first: a crash part way leaves an unprovisioned node, whose
     * next provisioning (or boot) erases the rest */
    static const uint16_t singles[] = {BM_REC_PROV, BM_REC_SEQ, BM_REC_IV, BM_REC_CFG,
                                       BM_REC_HB,   BM_REC_PROVISIONER};
    for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
        keep_first(&first, del_rec(node, singles[i]));
    for (uint16_t i = 0; i < BM_CFG_SUBNETS; i++)
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_NET + i)));
    for (uint16_t i = 0; i < BM_CFG_APP_KEYS; i++)
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_APP + i)));
    for (uint16_t i = 0; i < BM_CFG_MODELS; i++) {
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_MODEL_CFG + i)));
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_MODEL_STATE + i)));
    }
    for (uint16_t i = 0; i < BM_CFG_PROV_NODES; i++)
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_PROV_DB + i)));
    for (uint16_t i = 0; i < BM_CFG_RPL_SIZE; i++)
        keep_first(&first, del_rec(node, (uint16_t)(BM_REC_RPL + i)));
    node->persist_live = false;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        node->model_slot[i] = SLOT_NONE;
        node->model_saved_len[i] = 0;
    }
    return first;
}

int bm_persist_provisioned(struct bm_node *node)
{
    int first = bm_persist_erase(node);
    struct bm_rec_prov p = {.addr = node->addr, .elements = node->prov_elements};
    memcpy(p.dev_key, node->dev_key, 16);
    uint8_t buf[BM_REC_PROV_LEN];
    size_t n = bm_rec_prov_encode(&p, buf);
    bm_crypto_wipe(&p, sizeof(p));
    node->persist_live = true;
    /* keys and IV before PROV: a crash before PROV leaves no node */
    keep_first(&first, bm_persist_sync(node));
    keep_first(&first, bm_persist_iv(node));
    keep_first(&first, bm_persist_seq(node, node->seq_reserved));
    keep_first(&first, bm_store_put(node, BM_REC_PROV, buf, n));
    bm_crypto_wipe(buf, sizeof(buf));
    return first;
}

/* --- reading --- */

static void apply_model_cfg(struct bm_node *node, struct bm_model *m,
                            const struct bm_rec_model_cfg *r)
{
    m->key_count = 0;
    for (uint8_t i = 0; i < r->key_count; i++)
        bm_access_bind(m, r->keys[i]);
    bm_access_sub_clear(node, m);
    for (uint8_t i = 0; i < r->sub_count; i++)
        if (bm_access_sub_add(node, m, r->subs[i],
                              bm_addr_is_virtual(r->subs[i]) ? r->sub_labels[i] : NULL) != BM_OK)
            bm_node_log(node, BM_LOG_WRN, "store", "sub 0x%04x not restored", r->subs[i]);
    memset(&m->pub, 0, sizeof(m->pub));
    m->pub.ttl = BM_TTL_DEFAULT;
    if (r->pub_addr != BM_ADDR_UNASSIGNED) {
        m->pub.addr = r->pub_addr;
        memcpy(m->pub.label, r->pub_label, 16);
        m->pub.app_idx = r->pub_app_idx;
        m->pub.cred = r->pub_cred;
        m->pub.ttl = r->pub_ttl;
        m->pub.period = r->pub_period;
        m->pub.retransmit = r->pub_retransmit;
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    }
}

void bm_persist_model_created(struct bm_node *node, struct bm_model *model)
{
    if (!node->persist_live || !model)
        return;
    size_t i = (size_t)(model - node->models);
    struct bm_rec_model_id me = mid_of(model);
    uint8_t buf[BM_REC_MODEL_CFG_MAX];
    for (uint16_t k = 0; k < BM_CFG_MODELS; k++) {
        struct bm_rec_model_id mid;
        if (slot_claimed(node, k, i) || slot_owner(node, k, &mid) != BM_OK || !mid_eq(&mid, &me))
            continue;
        node->model_slot[i] = k;
        size_t len = 0;
        uint16_t key = (uint16_t)(BM_REC_MODEL_CFG + k);
        int rc = get_rec(node, key, buf, sizeof(buf), &len);
        struct bm_rec_model_cfg cfg;
        if (rc == BM_OK && bm_rec_model_cfg_decode(buf, len, &cfg) == BM_OK)
            apply_model_cfg(node, model, &cfg);
        else if (rc != BM_ENOENT)
            log_bad(node, key);
        key = (uint16_t)(BM_REC_MODEL_STATE + k);
        rc = get_rec(node, key, buf, sizeof(buf), &len);
        struct bm_rec_model_state st;
        if (rc == BM_OK && bm_rec_model_state_decode(buf, len, &st) == BM_OK &&
            model->type->state_load && model->type->state_load(model, st.state, st.len) == BM_OK) {
            memcpy(node->model_saved[i], st.state, st.len);
            node->model_saved_len[i] = st.len;
        } else if (rc != BM_ENOENT) {
            log_bad(node, key);
        }
        return;
    }
}

void bm_persist_reapply_cfg(struct bm_node *node)
{
    if (!node->persist_live)
        return;
    uint8_t buf[BM_REC_CFG_LEN + 1];
    size_t len = 0;
    struct bm_rec_cfg r;
    int rc = get_rec(node, BM_REC_CFG, buf, sizeof(buf), &len);
    if (rc == BM_ENOENT)
        return;
    if (rc != BM_OK || bm_rec_cfg_decode(buf, len, &r) != BM_OK) {
        log_bad(node, BM_REC_CFG);
        return;
    }
    /* 4.2.8: without the feature the state stays "not supported" */
    if (node->relay != BM_FEAT_STATE_UNSUPPORTED && r.relay != BM_FEAT_STATE_UNSUPPORTED)
        node->relay = r.relay;
    node->relay_xmit.count = r.relay_count;
    node->relay_xmit.interval_ms = r.relay_interval_ms;
    node->net_xmit.count = r.net_count;
    node->net_xmit.interval_ms = r.net_interval_ms;
    node->net_beacon = r.beacon;
    node->default_ttl = r.ttl;
    if (node->net_beacon && node->provisioned)
        bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    else if (!node->net_beacon)
        bm_node_timer_stop(node, BM_TIMER_NET_BEACON);
}

static void load_hb(struct bm_node *node)
{
    uint8_t buf[BM_REC_HB_LEN + 1];
    size_t len = 0;
    struct bm_rec_hb r;
    int rc = get_rec(node, BM_REC_HB, buf, sizeof(buf), &len);
    if (rc == BM_ENOENT)
        return;
    if (rc != BM_OK || bm_rec_hb_decode(buf, len, &r) != BM_OK ||
        (r.pub_dst != BM_ADDR_UNASSIGNED && !bm_net_subnet_find(&node->net, r.pub_net_idx))) {
        log_bad(node, BM_REC_HB);
        return;
    }
    memset(&node->hb_pub, 0, sizeof(node->hb_pub));
    if (r.pub_dst != BM_ADDR_UNASSIGNED) {
        node->hb_pub.dst = r.pub_dst;
        node->hb_pub.count = r.pub_count;
        node->hb_pub.period_log = r.pub_period_log;
        node->hb_pub.ttl = r.pub_ttl;
        node->hb_pub.features = r.pub_features;
        node->hb_pub.net_idx = r.pub_net_idx;
        if (r.pub_count && r.pub_period_log) {
            node->hb_pub.next_ms = bm_node_now(node);
            bm_node_timer_set(node, BM_TIMER_MODELS, 0);
        }
    }
    /* the subscription period was running on the old clock: it is over */
    memset(&node->hb_sub, 0, sizeof(node->hb_sub));
    if (r.sub_src != BM_ADDR_UNASSIGNED) {
        node->hb_sub.src = r.sub_src;
        node->hb_sub.dst = r.sub_dst;
    }
}

static void load_net(struct bm_node *node)
{
    uint8_t buf[BM_REC_NET_MAX + 1];
    for (uint16_t i = 0; i < BM_CFG_SUBNETS; i++) {
        uint16_t key = (uint16_t)(BM_REC_NET + i);
        size_t len = 0;
        struct bm_rec_net r;
        int rc = get_rec(node, key, buf, sizeof(buf), &len);
        if (rc == BM_ENOENT)
            continue;
        if (rc != BM_OK || bm_rec_net_decode(buf, len, &r) != BM_OK) {
            log_bad(node, key);
            continue;
        }
        rc = bm_net_subnet_add(&node->net, r.net_idx, r.key);
        if (rc == BM_OK && r.phase != BM_KR_NORMAL)
            rc = bm_net_subnet_update(&node->net, r.net_idx, r.new_key);
        if (rc == BM_OK && r.phase == BM_KR_PHASE2)
            rc = bm_net_subnet_set_phase(&node->net, r.net_idx, BM_KR_PHASE2);
        if (rc != BM_OK)
            log_bad(node, key);
        bm_crypto_wipe(&r, sizeof(r));
    }
    bm_crypto_wipe(buf, sizeof(buf));
}

static void load_app(struct bm_node *node)
{
    uint8_t buf[BM_REC_APP_LEN + 1];
    for (uint16_t i = 0; i < BM_CFG_APP_KEYS; i++) {
        uint16_t key = (uint16_t)(BM_REC_APP + i);
        size_t len = 0;
        struct bm_rec_app r;
        int rc = get_rec(node, key, buf, sizeof(buf), &len);
        if (rc == BM_ENOENT)
            continue;
        uint8_t aid;
        if (rc != BM_OK || bm_rec_app_decode(buf, len, &r) != BM_OK ||
            !bm_net_subnet_find(&node->net, r.net_idx) || bm_crypto_k4(r.key, &aid) != BM_OK) {
            log_bad(node, key);
            continue;
        }
        uint8_t n = node->app_count++;
        node->app_keys[n].app_idx = r.app_idx;
        node->app_keys[n].aid = aid;
        memcpy(node->app_keys[n].key, r.key, 16);
        node->app_net_idx[n] = r.net_idx;
        node->app_new[n] = r.is_new;
        bm_crypto_wipe(&r, sizeof(r));
    }
    bm_crypto_wipe(buf, sizeof(buf));
}

static void load_provisioner(struct bm_node *node)
{
    uint8_t buf[BM_REC_DB_LEN + 1];
    size_t len = 0;
    struct bm_rec_provisioner p;
    if (!BM_CFG_PROVISIONER)
        return; /* a device-only image ignores a provisioner's records */
    int rc = get_rec(node, BM_REC_PROVISIONER, buf, sizeof(buf), &len);
    if (rc == BM_ENOENT)
        return;
    if (rc != BM_OK || bm_rec_provisioner_decode(buf, len, &p) != BM_OK) {
        log_bad(node, BM_REC_PROVISIONER);
        return;
    }
    node->is_provisioner = true;
    node->prov_net_idx = p.net_idx;
    node->next_addr = p.next_addr;
    for (uint16_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        uint16_t key = (uint16_t)(BM_REC_PROV_DB + i);
        struct bm_rec_db r;
        rc = get_rec(node, key, buf, sizeof(buf), &len);
        if (rc == BM_ENOENT)
            continue;
        if (rc != BM_OK || bm_rec_db_decode(buf, len, &r) != BM_OK) {
            log_bad(node, key);
            continue;
        }
        struct bm_prov_db_node *d = &node->db[i];
        d->used = true;
        memcpy(d->uuid, r.uuid, 16);
        d->addr = r.addr;
        d->elements = r.elements;
        memcpy(d->dev_key, r.dev_key, 16);
        bm_crypto_wipe(&r, sizeof(r));
    }
    bm_crypto_wipe(buf, sizeof(buf));
}

static void load_rpl(struct bm_node *node)
{
    uint8_t buf[BM_REC_RPL_LEN + 1];
    node->rpl_count = 0;
    for (uint16_t i = 0; i < BM_CFG_RPL_SIZE; i++) {
        uint16_t key = (uint16_t)(BM_REC_RPL + i);
        size_t len = 0;
        struct bm_rec_rpl r;
        int rc = get_rec(node, key, buf, sizeof(buf), &len);
        if (rc == BM_ENOENT)
            continue;
        if (rc != BM_OK || bm_rec_rpl_decode(buf, len, &r) != BM_OK) {
            log_bad(node, key);
            continue;
        }
        /* entries are compact in memory: one that moved is written at
         * its new slot and its old record goes */
        uint16_t n = node->rpl_count++;
        struct bm_rpl_entry *e = &node->rpl[n];
        e->src = r.src;
        e->seq = r.seq; /* conservative: the mark, not the last one seen */
        e->iv_index = r.iv_index;
        e->mark_seq = r.seq;
        e->mark_iv = r.iv_index;
        e->marked = true;
        if (n != i && bm_store_put(node, (uint16_t)(BM_REC_RPL + n), buf, len) == BM_OK)
            del_rec(node, key);
    }
}

static int load_seq_iv(struct bm_node *node, const struct bm_rec_prov *p)
{
    uint8_t buf[BM_REC_IV_LEN + 1];
    size_t len = 0;
    struct bm_rec_iv iv = {.iv_index = p->iv_index, .iv_update = (p->flags & 0x02) != 0};
    int rc = get_rec(node, BM_REC_IV, buf, sizeof(buf), &len);
    if (rc == BM_OK && bm_rec_iv_decode(buf, len, &iv) != BM_OK)
        rc = BM_EMALFORMED;
    if (rc != BM_OK && !p->v1) {
        /* without the IV index the node cannot talk: it stays
         * unprovisioned rather than guess */
        log_bad(node, BM_REC_IV);
        return BM_EMALFORMED;
    }
    bm_net_deinit(&node->net); /* frees any prepared keys it held */
    bm_net_init(&node->net, iv.iv_index, iv.iv_update);
    node->iv_recovered = iv.recovered;
    bm_node_iv_reset_clock(node, (uint64_t)iv.hours * HOUR_MS);
    node->iv_hours_saved = iv.hours;
    uint8_t seq[4];
    node->seq = 0;
    if (bm_store_get(node, BM_REC_SEQ, seq, sizeof(seq), &len) == BM_OK && len == sizeof(seq)) {
        /* resume at the reserved mark: numbers below it may have been used */
        node->seq = (uint32_t)seq[0] | (uint32_t)seq[1] << 8 | (uint32_t)seq[2] << 16 |
                    (uint32_t)seq[3] << 24;
    }
    node->seq_reserved = node->seq;
    return BM_OK;
}

int bm_persist_load(struct bm_node *node)
{
    uint8_t buf[BM_REC_PROV_V1_LEN + 1];
    size_t len = 0;
    struct bm_rec_prov p;
    int rc = get_rec(node, BM_REC_PROV, buf, sizeof(buf), &len);
    if (rc == BM_OK)
        rc = bm_rec_prov_decode(buf, len, &p);
    bm_crypto_wipe(buf, sizeof(buf));
    if (rc != BM_OK) {
        if (rc != BM_ENOENT)
            log_bad(node, BM_REC_PROV);
        return rc;
    }
    rc = load_seq_iv(node, &p);
    if (rc == BM_OK) {
        load_net(node);
        if (p.v1 && !bm_net_subnet_find(&node->net, p.net_idx))
            bm_net_subnet_add(&node->net, p.net_idx, p.net_key);
        bool any = false;
        for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
            any = any || node->net.subnets[i].used;
        if (!any) {
            bm_node_log(node, BM_LOG_WRN, "store", "no NetKey stored: not provisioned");
            rc = BM_EMALFORMED;
        }
    }
    if (rc != BM_OK) {
        bm_crypto_wipe(&p, sizeof(p));
        bm_net_deinit(&node->net);
        bm_net_init(&node->net, 0, false);
        return rc;
    }
    node->addr = p.addr;
    memcpy(node->dev_key, p.dev_key, 16);
    node->prov_elements = p.elements;
    node->provisioned = true;
    bm_crypto_wipe(&p, sizeof(p));
    load_app(node);
    node->persist_live = true;
    bm_persist_reapply_cfg(node);
    load_hb(node);
    load_provisioner(node);
    load_rpl(node);
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used)
            bm_persist_model_created(node, &node->models[i]);
    return BM_OK;
}
