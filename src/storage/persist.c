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
/* An hour is 3,600,000 ms = 28,125 << 7: hours convert with 32-bit
 * arithmetic (no 64-bit division on small cores). */
#define HOUR_MS_SHR7 28125u

_Static_assert(BM_REC_MODEL_CFG_MAX >= BM_REC_PROV_V1_LEN, "one buffer holds any record");

/* The HB and RPL record structs start like the node's heartbeat states and
 * replay entries (same members at the same offsets), so what is stored
 * copies as one run of octets each way, and a replay entry encodes as its
 * record as it is. */
#define SAME_AT(a, am, b, bm)                                                                     \
    (offsetof(a, am) == offsetof(b, bm) && sizeof(((a *)0)->am) == sizeof(((b *)0)->bm))
_Static_assert(SAME_AT(struct bm_rec_hb, pub_dst, struct bm_hb_pub, dst) &&
                   SAME_AT(struct bm_rec_hb, pub_count, struct bm_hb_pub, count) &&
                   SAME_AT(struct bm_rec_hb, pub_period_log, struct bm_hb_pub, period_log) &&
                   SAME_AT(struct bm_rec_hb, pub_ttl, struct bm_hb_pub, ttl) &&
                   SAME_AT(struct bm_rec_hb, pub_features, struct bm_hb_pub, features) &&
                   SAME_AT(struct bm_rec_hb, pub_net_idx, struct bm_hb_pub, net_idx),
               "HB record's publication run");
#define HB_PUB_RUN offsetof(struct bm_rec_hb, sub_src)
_Static_assert(offsetof(struct bm_rec_hb, sub_dst) - HB_PUB_RUN ==
                       offsetof(struct bm_hb_sub, dst) &&
                   sizeof(((struct bm_hb_sub *)0)->src) == 2 &&
                   sizeof(((struct bm_hb_sub *)0)->dst) == 2,
               "HB record's subscription run");
#define HB_SUB_RUN 4
_Static_assert(SAME_AT(struct bm_rec_rpl, src, struct bm_rpl_entry, src) &&
                   SAME_AT(struct bm_rec_rpl, seq, struct bm_rpl_entry, seq) &&
                   SAME_AT(struct bm_rec_rpl, iv_index, struct bm_rpl_entry, iv_index) &&
                   sizeof(struct bm_rec_rpl) <= offsetof(struct bm_rpl_entry, mark_seq),
               "RPL record's run");
/* A model configuration record's run from keys to pub is the model's */
#define MODEL_RUN(m) (offsetof(struct bm_model, m) - offsetof(struct bm_model, keys))
#define REC_RUN(m) (offsetof(struct bm_rec_model_cfg, m) - offsetof(struct bm_rec_model_cfg, keys))
_Static_assert(MODEL_RUN(key_count) == REC_RUN(key_count) &&
                   MODEL_RUN(subs) == REC_RUN(subs) &&
                   MODEL_RUN(sub_count) == REC_RUN(sub_count) && MODEL_RUN(pub) == REC_RUN(pub),
               "model configuration record's run");
#define MODEL_CFG_RUN                                                                             \
    (offsetof(struct bm_model, pub) + sizeof(struct bm_model_pub) - offsetof(struct bm_model, keys))
#undef MODEL_RUN
#undef REC_RUN
#undef SAME_AT

static void log_bad(struct bm_node *node, uint16_t key)
{
    bm_node_log(node, BM_LOG_WRN, "store", "record 0x%04x corrupt: ignored", key);
}

/* Reads record key and decodes it as kind k into out: BM_ENOENT when
 * absent, BM_EMALFORMED when it does not decode or is longer than any
 * record. */
static int read_rec(struct bm_node *node, uint16_t key, enum bm_rec_kind k, void *out)
{
    uint8_t buf[BM_REC_MODEL_CFG_MAX + 1];
    size_t len = 0;
    int rc = bm_store_get(node, key, buf, sizeof(buf), &len);
    if (rc == BM_ENOSPC || (rc == BM_OK && len > sizeof(buf)))
        rc = BM_EMALFORMED;
    if (rc == BM_OK)
        rc = bm_rec_decode(k, buf, len, out);
    bm_crypto_wipe(buf, sizeof(buf));
    return rc;
}

/* read_rec, logging a record that is there but unusable. */
static int load_rec(struct bm_node *node, uint16_t key, enum bm_rec_kind k, void *out)
{
    int rc = read_rec(node, key, k, out);
    if (rc != BM_OK && rc != BM_ENOENT)
        log_bad(node, key);
    return rc;
}

/* Encodes rec as kind k and stores it under key. The records sync keeps
 * (NET, APP, CFG, HB, MODEL_CFG and the provisioner's) are written only
 * when their encoding differs from the stored bytes; the others (PROV, IV,
 * RPL, MODEL_STATE) whenever asked: their callers know they changed. */
static int save_rec(struct bm_node *node, uint16_t key, enum bm_rec_kind k, const void *rec)
{
    bool if_changed = k != BM_RK_PROV && k != BM_RK_IV && k != BM_RK_RPL &&
                      k != BM_RK_MODEL_STATE;
    /* the new encoding, then the stored one (one buffer, one wipe) */
    uint8_t buf[2 * BM_REC_MODEL_CFG_MAX + 1];
    uint8_t *cur = buf + BM_REC_MODEL_CFG_MAX;
    size_t len = bm_rec_encode(k, rec, buf);
    size_t clen = 0;
    bool same = if_changed &&
                bm_store_get(node, key, cur, BM_REC_MODEL_CFG_MAX + 1, &clen) == BM_OK &&
                clen == len && memcmp(cur, buf, len) == 0;
    int rc = same ? BM_OK : bm_store_put(node, key, buf, len);
    bm_crypto_wipe(buf, sizeof(buf));
    return rc;
}

static void keep_first(int *first, int rc)
{
    if (*first == BM_OK && rc != BM_OK)
        *first = rc;
}

/* sync: rec (kind k) stored under key if its bytes changed, or with rec
 * NULL (the slot is unused) the record deleted. */
static void sync_rec(struct bm_node *node, int *first, uint16_t key, enum bm_rec_kind k,
                     const void *rec)
{
    keep_first(first, rec ? save_rec(node, key, k, rec) : bm_store_del(node, key));
}

/* --- model record slots --- */

static struct bm_rec_model_id mid_of(const struct bm_model *m)
{
    struct bm_rec_model_id mid = {.elem = m->elem, .company = m->type->company, .id = m->type->id};
    return mid;
}

/* The record's identity is the model's. */
static bool mid_is(const struct bm_rec_model_id *mid, const struct bm_model *m)
{
    return mid->elem == m->elem && mid->company == m->type->company && mid->id == m->type->id;
}

static bool slot_claimed(const struct bm_node *node, uint16_t k, size_t except)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (i != except && node->models[i].used && node->model_slot[i] == k)
            return true;
    return false;
}

/* The first record slot no other live model claims that holds records
 * (in its cfg or its state record) of models[i], or with any_free also
 * one that holds none; SLOT_NONE if there is no such slot. */
static uint16_t find_slot(struct bm_node *node, size_t i, bool any_free)
{
    for (uint16_t k = 0; k < BM_CFG_MODELS; k++) {
        if (slot_claimed(node, k, i))
            continue;
        struct bm_rec_model_id mid;
        int rc = read_rec(node, (uint16_t)(BM_REC_MODEL_CFG + k), BM_RK_MODEL_ID, &mid);
        if (rc != BM_OK)
            rc = read_rec(node, (uint16_t)(BM_REC_MODEL_STATE + k), BM_RK_MODEL_ID, &mid);
        if (rc == BM_OK ? mid_is(&mid, &node->models[i]) : any_free)
            return k;
    }
    return SLOT_NONE;
}

/* Stores rec, a model record of kind k (MODEL_CFG, only when its bytes
 * changed, or MODEL_STATE, whose caller compared them with model_saved)
 * whose struct starts with the identity (filled here), under the slot of
 * models[i]: the one found when it was restored, else the first that holds
 * neither another model's records nor a live model. */
static int save_model_rec(struct bm_node *node, size_t i, enum bm_rec_kind k, void *rec)
{
    bool cfg = k == BM_RK_MODEL_CFG;
    uint16_t *slot = &node->model_slot[i];
    if (*slot == SLOT_NONE)
        *slot = find_slot(node, i, true);
    if (*slot == SLOT_NONE) {
        bm_node_log(node, BM_LOG_ERR, "store", "no record slot for model %04x:%04x",
                    node->models[i].type->company, node->models[i].type->id);
        return BM_ENOSPC;
    }
    *(struct bm_rec_model_id *)rec = mid_of(&node->models[i]);
    return save_rec(node, (uint16_t)((cfg ? BM_REC_MODEL_CFG : BM_REC_MODEL_STATE) + *slot), k,
                    rec);
}

/* A model's configuration record; deleted when it has none. */
static int save_model_cfg(struct bm_node *node, size_t i, struct bm_rec_model_cfg *r)
{
    const struct bm_model *m = &node->models[i];
    if (!m->key_count && !m->sub_count && m->pub.addr == BM_ADDR_UNASSIGNED) {
        if (node->model_slot[i] == SLOT_NONE)
            return BM_OK;
        return bm_store_del(node, (uint16_t)(BM_REC_MODEL_CFG + node->model_slot[i]));
    }
    memset(r, 0, sizeof(*r));
    /* keys, subs, their counts, pub (its label is encoded only with a
     * virtual address) */
    memcpy(r->keys, m->keys, MODEL_CFG_RUN);
    for (uint8_t s = 0; s < m->sub_count; s++) {
        /* the Label UUID of a virtual subscription (the node's label table) */
        if (bm_addr_is_virtual(m->subs[s]))
            bm_access_labels(node, m->subs[s], &r->sub_labels[s], 1);
    }
    return save_model_rec(node, i, BM_RK_MODEL_CFG, r);
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
    uint64_t ms = bm_node_iv_elapsed(node);
    struct bm_rec_iv r = {.iv_index = node->net.iv_index,
                          .flags = (uint8_t)(node->net.iv_update | node->iv_recovered << 1),
                          .hours = 0xffff};
    uint32_t into, hours = bm_node_iv_hours(ms, &into);
    if (hours < 0xffff)
        r.hours = (uint16_t)hours;
    int rc = save_rec(node, BM_REC_IV, BM_RK_IV, &r);
    if (rc == BM_OK)
        node->iv_hours_saved = r.hours;
    return rc;
}

int bm_persist_sync(struct bm_node *node)
{
    if (!node->persist_live)
        return BM_OK;
    int first = BM_OK;
    union bm_rec r;
    for (uint16_t i = 0; i < BM_CFG_SUBNETS; i++) {
        const struct bm_subnet *s = &node->net.subnets[i];
        r.net.net_idx = s->net_idx;
        r.net.phase = s->kr_phase;
        /* the new key is encoded in phases 1 and 2 only */
        memcpy(r.net.key, s->keys[0].net_key, 16);
        memcpy(r.net.new_key, s->keys[1].net_key, 16);
        sync_rec(node, &first, (uint16_t)(BM_REC_NET + i), BM_RK_NET, s->used ? &r : NULL);
    }
    for (uint16_t i = 0; i < BM_CFG_APP_KEYS; i++) {
        r.app.k = node->app_keys[i];
        r.app.net_idx = node->app_net_idx[i];
        r.app.is_new = node->app_new[i];
        sync_rec(node, &first, (uint16_t)(BM_REC_APP + i), BM_RK_APP,
                 i < node->app_count ? &r : NULL);
    }
    r.cfg.relay = node->relay;
    r.cfg.relay_xmit = node->relay_xmit;
    r.cfg.net_xmit = node->net_xmit;
    r.cfg.beacon = node->net_beacon;
    r.cfg.ttl = node->default_ttl;
    r.cfg.gatt_proxy = bm_node_gatt_proxy_get(node);
    r.cfg.friend_state = bm_node_friend_get(node);
    sync_rec(node, &first, BM_REC_CFG, BM_RK_CFG, &r);
    memcpy(&r.hb, &node->hb_pub, HB_PUB_RUN);
    memcpy(&r.hb.sub_src, &node->hb_sub, HB_SUB_RUN);
    sync_rec(node, &first, BM_REC_HB, BM_RK_HB, &r);
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used)
            keep_first(&first, save_model_cfg(node, i, &r.model_cfg));
    if (bm_node_is_provisioner(node)) {
        r.provisioner.net_idx = node->prov_net_idx;
        r.provisioner.next_addr = node->next_addr;
        sync_rec(node, &first, BM_REC_PROVISIONER, BM_RK_PROVISIONER, &r);
        for (uint16_t i = 0; i < BM_CFG_PROV_NODES; i++) {
            const struct bm_prov_db_node *d = &node->db[i];
            memcpy(r.db.uuid, d->uuid, 16);
            r.db.addr = d->addr;
            r.db.elements = d->elements;
            memcpy(r.db.dev_key, d->dev_key, 16);
            sync_rec(node, &first, (uint16_t)(BM_REC_PROV_DB + i), BM_RK_DB,
                     d->used ? &r : NULL);
        }
    }
    bm_crypto_wipe(&r, sizeof(r));
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
        struct bm_rec_model_state r;
        size_t n = m->type->state_save(m, r.state);
        if (n == 0 || n > BM_MODEL_SAVED_MAX)
            continue;
        if (n == node->model_saved_len[i] && memcmp(node->model_saved[i], r.state, n) == 0)
            continue;
        r.len = (uint8_t)n;
        if (save_model_rec(node, i, BM_RK_MODEL_STATE, &r) == BM_OK) {
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
    /* the entry starts like its record (asserted above) */
    if (save_rec(node, (uint16_t)(BM_REC_RPL + i), BM_RK_RPL, e) != BM_OK) {
        bm_node_log(node, BM_LOG_ERR, "store", "rpl src=0x%04x not stored", e->src);
        return;
    }
    e->marked = true;
    e->mark_seq = e->seq;
    e->mark_iv = e->iv_index;
}

int bm_persist_erase(struct bm_node *node)
{
    /* the single records 0x0002..0x0007, PROV first: a crash part way
     * leaves an unprovisioned node, whose next provisioning (or boot)
     * erases the rest; then every record set */
    _Static_assert(BM_REC_PROVISIONER - BM_REC_PROV == 5, "single records are contiguous");
    static const uint16_t ranges[][2] = {
        {BM_REC_PROV, 6},
        {BM_REC_NET, BM_CFG_SUBNETS},
        {BM_REC_APP, BM_CFG_APP_KEYS},
        {BM_REC_MODEL_CFG, BM_CFG_MODELS},
        {BM_REC_MODEL_STATE, BM_CFG_MODELS},
        {BM_REC_PROV_DB, BM_CFG_PROV_NODES},
        {BM_REC_RPL, BM_CFG_RPL_SIZE},
    };
    int first = BM_OK;
    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
        for (uint16_t i = 0; i < ranges[r][1]; i++)
            keep_first(&first, bm_store_del(node, (uint16_t)(ranges[r][0] + i)));
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
    node->persist_live = true;
    /* keys and IV before PROV: a crash before PROV leaves no node */
    keep_first(&first, bm_persist_sync(node));
    keep_first(&first, bm_persist_iv(node));
    keep_first(&first, bm_persist_seq(node, node->seq_reserved));
    keep_first(&first, save_rec(node, BM_REC_PROV, BM_RK_PROV, &p));
    bm_crypto_wipe(&p, sizeof(p));
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
    /* the decoded publication: what is not stored is 0 */
    m->pub = r->pub;
    if (r->pub.addr == BM_ADDR_UNASSIGNED) {
        memset(&m->pub, 0, sizeof(m->pub));
        m->pub.ttl = BM_TTL_DEFAULT;
    } else {
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    }
}

void bm_persist_model_created(struct bm_node *node, struct bm_model *model)
{
    if (!node->persist_live)
        return;
    size_t i = (size_t)(model - node->models);
    uint16_t k = find_slot(node, i, false);
    if (k == SLOT_NONE)
        return;
    node->model_slot[i] = k;
    union bm_rec r;
    if (load_rec(node, (uint16_t)(BM_REC_MODEL_CFG + k), BM_RK_MODEL_CFG, &r) == BM_OK)
        apply_model_cfg(node, model, &r.model_cfg);
    uint16_t key = (uint16_t)(BM_REC_MODEL_STATE + k);
    struct bm_rec_model_state *st = &r.model_state;
    if (load_rec(node, key, BM_RK_MODEL_STATE, st) != BM_OK)
        return;
    if (model->type->state_load && model->type->state_load(model, st->state, st->len) == BM_OK) {
        memcpy(node->model_saved[i], st->state, st->len);
        node->model_saved_len[i] = st->len;
    } else {
        log_bad(node, key);
    }
}

void bm_persist_reapply_cfg(struct bm_node *node)
{
    struct bm_rec_cfg r;
    if (!node->persist_live || load_rec(node, BM_REC_CFG, BM_RK_CFG, &r) != BM_OK)
        return;
    /* 4.2.8: without the feature the state stays "not supported" */
    if (node->relay != BM_FEAT_STATE_UNSUPPORTED && r.relay != BM_FEAT_STATE_UNSUPPORTED)
        node->relay = r.relay;
    node->relay_xmit = r.relay_xmit;
    node->net_xmit = r.net_xmit;
    node->net_beacon = r.beacon;
    node->default_ttl = r.ttl;
    /* 4.2.11, 4.2.12: likewise; "not supported" also stands for a record
     * written before these two were stored (records.h) */
    if (bm_node_gatt_proxy_get(node) != BM_FEAT_STATE_UNSUPPORTED &&
        r.gatt_proxy != BM_FEAT_STATE_UNSUPPORTED)
        node->gatt.proxy_disabled = r.gatt_proxy == BM_FEAT_STATE_DISABLED;
    if (bm_node_friend_get(node) != BM_FEAT_STATE_UNSUPPORTED &&
        r.friend_state != BM_FEAT_STATE_UNSUPPORTED)
        node->frnd.enabled = r.friend_state == BM_FEAT_STATE_ENABLED;
    if (node->net_beacon && node->provisioned)
        bm_node_timer_set(node, BM_TIMER_NET_BEACON, 0);
    else if (!node->net_beacon)
        bm_node_timer_stop(node, BM_TIMER_NET_BEACON);
}

static void load_hb(struct bm_node *node)
{
    struct bm_rec_hb r;
    int rc = read_rec(node, BM_REC_HB, BM_RK_HB, &r);
    if (rc == BM_ENOENT)
        return;
    if (rc != BM_OK ||
        (r.pub_dst != BM_ADDR_UNASSIGNED && !bm_net_subnet_find(&node->net, r.pub_net_idx))) {
        log_bad(node, BM_REC_HB);
        return;
    }
    memset(&node->hb_pub, 0, sizeof(node->hb_pub));
    if (r.pub_dst != BM_ADDR_UNASSIGNED) {
        memcpy(&node->hb_pub, &r, HB_PUB_RUN);
        if (r.pub_count && r.pub_period_log) {
            node->hb_pub.next_ms = bm_node_now(node);
            bm_node_timer_set(node, BM_TIMER_MODELS, 0);
        }
    }
    /* the subscription period was running on the old clock: it is over */
    memset(&node->hb_sub, 0, sizeof(node->hb_sub));
    if (r.sub_src != BM_ADDR_UNASSIGNED) {
        memcpy(&node->hb_sub, &r.sub_src, HB_SUB_RUN);
    }
}

static void load_net(struct bm_node *node)
{
    struct bm_rec_net r;
    for (uint16_t i = 0; i < BM_CFG_SUBNETS; i++) {
        uint16_t key = (uint16_t)(BM_REC_NET + i);
        if (load_rec(node, key, BM_RK_NET, &r) != BM_OK)
            continue;
        int rc = bm_net_subnet_add(&node->net, r.net_idx, r.key);
        if (rc == BM_OK && r.phase != BM_KR_NORMAL)
            rc = bm_net_subnet_update(&node->net, r.net_idx, r.new_key);
        if (rc == BM_OK && r.phase == BM_KR_PHASE2)
            rc = bm_net_subnet_set_phase(&node->net, r.net_idx, BM_KR_PHASE2);
        if (rc != BM_OK)
            log_bad(node, key);
    }
    bm_crypto_wipe(&r, sizeof(r));
}

static void load_app(struct bm_node *node)
{
    struct bm_rec_app r;
    for (uint16_t i = 0; i < BM_CFG_APP_KEYS; i++) {
        uint16_t key = (uint16_t)(BM_REC_APP + i);
        int rc = read_rec(node, key, BM_RK_APP, &r);
        if (rc == BM_ENOENT)
            continue;
        if (rc != BM_OK || !bm_net_subnet_find(&node->net, r.net_idx) ||
            bm_crypto_k4(r.k.key, &r.k.aid) != BM_OK) {
            log_bad(node, key);
            continue;
        }
        uint8_t n = node->app_count++;
        node->app_keys[n] = r.k;
        node->app_net_idx[n] = r.net_idx;
        node->app_new[n] = r.is_new;
    }
    bm_crypto_wipe(&r, sizeof(r));
}

static void load_provisioner(struct bm_node *node)
{
    union bm_rec r;
    if (!BM_CFG_PROVISIONER)
        return; /* a device-only image ignores a provisioner's records */
    if (load_rec(node, BM_REC_PROVISIONER, BM_RK_PROVISIONER, &r) != BM_OK)
        return;
    node->is_provisioner = true;
    node->prov_net_idx = r.provisioner.net_idx;
    node->next_addr = r.provisioner.next_addr;
    for (uint16_t i = 0; i < BM_CFG_PROV_NODES; i++) {
        if (load_rec(node, (uint16_t)(BM_REC_PROV_DB + i), BM_RK_DB, &r) != BM_OK)
            continue;
        struct bm_prov_db_node *d = &node->db[i];
        d->used = true;
        memcpy(d->uuid, r.db.uuid, 16);
        d->addr = r.db.addr;
        d->elements = r.db.elements;
        memcpy(d->dev_key, r.db.dev_key, 16);
    }
    bm_crypto_wipe(&r, sizeof(r));
}

static void load_rpl(struct bm_node *node)
{
    node->rpl_count = 0;
    for (uint16_t i = 0; i < BM_CFG_RPL_SIZE; i++) {
        uint16_t key = (uint16_t)(BM_REC_RPL + i);
        struct bm_rec_rpl r;
        if (load_rec(node, key, BM_RK_RPL, &r) != BM_OK)
            continue;
        /* entries are compact in memory: one that moved is written at
         * its new slot and its old record goes */
        uint16_t n = node->rpl_count++;
        struct bm_rpl_entry *e = &node->rpl[n];
        /* seq: conservative, the mark, not the last one seen */
        memcpy(e, &r, sizeof(r));
        e->mark_seq = r.seq;
        e->mark_iv = r.iv_index;
        e->marked = true;
        if (n != i && save_rec(node, (uint16_t)(BM_REC_RPL + n), BM_RK_RPL, &r) == BM_OK)
            bm_store_del(node, key);
    }
}

static int load_seq_iv(struct bm_node *node, const struct bm_rec_prov *p)
{
    /* v1: the Provisioning Data flags, bit1 IV Update (5.4.2.5) */
    struct bm_rec_iv iv = {.iv_index = p->iv_index, .flags = (uint8_t)(p->flags >> 1 & 1)};
    if (read_rec(node, BM_REC_IV, BM_RK_IV, &iv) != BM_OK && !p->v1) {
        /* without the IV index the node cannot talk: it stays
         * unprovisioned rather than guess */
        log_bad(node, BM_REC_IV);
        return BM_EMALFORMED;
    }
    bm_net_deinit(&node->net); /* frees any prepared keys it held */
    bm_net_init(&node->net, iv.iv_index, iv.flags & 1);
    node->iv_recovered = (iv.flags & 2) != 0;
    bm_node_iv_reset_clock(node, (uint64_t)((uint32_t)iv.hours * HOUR_MS_SHR7) << 7);
    node->iv_hours_saved = iv.hours;
    uint8_t seq[4];
    size_t len = 0;
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
    struct bm_rec_prov p;
    int rc = load_rec(node, BM_REC_PROV, BM_RK_PROV, &p);
    if (rc != BM_OK)
        return rc;
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
