/* The simulator's context, nodes, virtual clock and run loop, and the
 * platform hooks that need no radio or store: now_ms, random, log.
 *
 * Invariants: now_us never decreases; every event runs at its own time, in
 * (t_us, seq) order, so a run depends only on the seed and the calls made;
 * a node has at most one pending wake-up (heap handle wake_handle(id)) and
 * its wake_us mirrors it (UINT64_MAX when none); node structs never move
 * (the node table holds pointers), so a bm_platform stays valid; the node
 * table and heap grow only outside runs. */
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

/* Random-stream domains: nodes use their id, the air stream this one. */
#define AIR_DOMAIN 0xa1a1a1a1a1a1a1a1ull

void bm_sim_config_default(struct bm_sim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->queue_len = BM_SIM_QUEUE_DEFAULT;
    cfg->collisions = false;
    cfg->adv_delay_max_us = BM_SIM_ADV_DELAY_MAX_US;
    cfg->ch_gap_us = BM_SIM_CH_GAP_DEFAULT_US;
    cfg->scan_interval_ms = BM_SIM_SCAN_INTERVAL_DEFAULT_MS;
}

int bm_sim_create(struct bm_sim **out, const struct bm_sim_config *cfg)
{
    struct bm_sim_config def;
    if (!out)
        return BM_EINVAL;
    *out = NULL;
    if (!cfg) {
        bm_sim_config_default(&def);
        cfg = &def;
    }
    if (cfg->queue_len < 1 || cfg->queue_len > BM_SIM_QUEUE_MAX ||
        cfg->adv_delay_max_us > BM_SIM_ADV_DELAY_MAX_US || cfg->ch_gap_us > 10000 ||
        cfg->scan_interval_ms < 1 || cfg->scan_interval_ms > 100000)
        return BM_EINVAL;
    struct bm_sim *sim = calloc(1, sizeof(*sim));
    if (!sim)
        return BM_ENOSPC;
    sim->cfg = *cfg;
    bm_sim_rng_seed(&sim->air, cfg->seed, AIR_DOMAIN);
    *out = sim;
    return 0;
}

void bm_sim_free(struct bm_sim *sim)
{
    if (!sim)
        return;
    for (uint32_t i = 0; i < sim->n_nodes; i++) {
        bm_sim_store_free(sim->nodes[i]);
        free(sim->nodes[i]->slots);
        free(sim->nodes[i]);
    }
    free(sim->nodes);
    bm_sim_gatt_free(sim);
    bm_sim_heap_free(&sim->heap);
    bm_sim_topo_free(sim);
    free(sim->edges);
    free(sim);
}

/* --- platform hooks ------------------------------------------------------ */

static uint64_t hook_now_ms(void *ctx)
{
    const struct bm_sim_node *n = ctx;
    return n->sim->now_us / 1000;
}

static int hook_random(void *ctx, uint8_t *buf, size_t len)
{
    struct bm_sim_node *n = ctx;
    while (len) {
        uint64_t v = bm_sim_rng_next(&n->rng);
        size_t k = len < 8 ? len : 8;
        for (size_t i = 0; i < k; i++)
            buf[i] = (uint8_t)(v >> (8 * i));
        buf += k;
        len -= k;
    }
    return 0;
}

static void hook_log(void *ctx, enum bm_log_level level, const char *layer, const char *line)
{
    struct bm_sim_node *n = ctx;
    struct bm_sim *sim = n->sim;
    if (sim->log)
        sim->log(sim->log_ctx, sim->now_us / 1000, n->id, level, layer, line);
}

/* --- nodes --------------------------------------------------------------- */

static struct bm_sim_node *get_node(const struct bm_sim *sim, uint32_t id)
{
    return sim && id < sim->n_nodes ? sim->nodes[id] : NULL;
}

int bm_sim_add_node(struct bm_sim *sim, const struct bm_sim_node_ops *ops, void *user,
                    uint32_t *id)
{
    if (!sim || !ops || !ops->process)
        return BM_EINVAL;
    if (sim->running)
        return BM_ESTATE;
    if (sim->n_nodes >= BM_SIM_MAX_NODES)
        return BM_ENOSPC;
    if (sim->n_nodes == sim->cap_nodes) {
        uint32_t cap = sim->cap_nodes ? sim->cap_nodes * 2 : 16;
        struct bm_sim_node **t = realloc(sim->nodes, (size_t)cap * sizeof(struct bm_sim_node *));
        if (!t)
            return BM_ENOSPC;
        sim->nodes = t;
        sim->cap_nodes = cap;
    }
    uint32_t per = 1u + sim->cfg.queue_len;
    uint64_t handles = (uint64_t)(sim->n_nodes + 1) * per;
    if (handles > UINT32_MAX)
        return BM_ENOSPC;
    /* Grow the heap geometrically so adding n nodes costs O(n). */
    if (handles > sim->heap.handles) {
        uint64_t want = (uint64_t)sim->cap_nodes * per;
        if (want > UINT32_MAX)
            want = handles;
        if (bm_sim_heap_reserve(&sim->heap, (uint32_t)want))
            return BM_ENOSPC;
    }
    struct bm_sim_node *n = calloc(1, sizeof(*n));
    if (!n)
        return BM_ENOSPC;
    n->slots = calloc(sim->cfg.queue_len, sizeof(*n->slots));
    if (!n->slots) {
        free(n);
        return BM_ENOSPC;
    }
    n->sim = sim;
    n->id = sim->n_nodes;
    n->ops = *ops;
    n->user = user;
    n->plat = (struct bm_platform){
        .ctx = n,
        .now_ms = hook_now_ms,
        .random = hook_random,
        .adv_send = bm_sim_adv_send,
        .store_put = bm_sim_store_put,
        .store_get = bm_sim_store_get,
        .store_del = bm_sim_store_del,
        .log = hook_log,
        .gatt_send = bm_sim_gatt_send,
        .gatt_disconnect = bm_sim_gatt_disconnect_hook,
        .gatt_adv = bm_sim_gatt_adv,
    };
    bm_sim_rng_seed(&n->rng, sim->cfg.seed, n->id);
    n->radio_on = true;
    /* Where in its 3-channel rotation this node's scanner starts. */
    n->scan_off_us = bm_sim_rng_below(&sim->air, 3ull * sim->cfg.scan_interval_ms * 1000);
    n->wake_us = UINT64_MAX;
    sim->nodes[sim->n_nodes++] = n;
    sim->topo_dirty = true;
    bm_sim_schedule(sim, bm_sim_wake_handle(sim, n->id), sim->now_us);
    n->wake_us = sim->now_us;
    if (id)
        *id = n->id;
    return 0;
}

uint32_t bm_sim_node_count(const struct bm_sim *sim)
{
    return sim->n_nodes;
}

const struct bm_platform *bm_sim_platform(struct bm_sim *sim, uint32_t id)
{
    struct bm_sim_node *n = get_node(sim, id);
    return n ? &n->plat : NULL;
}

struct bm_sim_stats *bm_sim_stats(struct bm_sim *sim, uint32_t id)
{
    struct bm_sim_node *n = get_node(sim, id);
    return n ? &n->stats : NULL;
}

void bm_sim_stats_total(const struct bm_sim *sim, struct bm_sim_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < sim->n_nodes; i++) {
        const struct bm_sim_stats *s = &sim->nodes[i]->stats;
        out->queued += s->queued;
        out->rejected += s->rejected;
        out->sent += s->sent;
        out->transmissions += s->transmissions;
        out->received += s->received;
        out->dropped_loss += s->dropped_loss;
        out->dropped_collision += s->dropped_collision;
        out->missed_off += s->missed_off;
        out->store_puts += s->store_puts;
        out->dropped_cache += s->dropped_cache;
        out->dropped_replay += s->dropped_replay;
    }
}

int bm_sim_node_restart(struct bm_sim *sim, uint32_t id, const struct bm_sim_node_ops *ops,
                        void *user)
{
    struct bm_sim_node *n = get_node(sim, id);
    if (!n || (ops && !ops->process))
        return BM_EINVAL;
    bm_sim_heap_del(&sim->heap, bm_sim_wake_handle(sim, id));
    n->wake_us = UINT64_MAX;
    bm_sim_slots_clear(sim, n);
    bm_sim_gatt_node_reset(sim, n);
    if (ops) {
        n->ops = *ops;
        n->user = user;
    }
    return bm_sim_kick(sim, id);
}

int bm_sim_kick(struct bm_sim *sim, uint32_t id)
{
    struct bm_sim_node *n = get_node(sim, id);
    if (!n)
        return BM_EINVAL;
    if (n->wake_us > sim->now_us) {
        n->wake_us = sim->now_us;
        bm_sim_schedule(sim, bm_sim_wake_handle(sim, id), sim->now_us);
    }
    return 0;
}

int bm_sim_set_radio(struct bm_sim *sim, uint32_t id, bool on)
{
    struct bm_sim_node *n = get_node(sim, id);
    if (!n)
        return BM_EINVAL;
    n->radio_on = on;
    return 0;
}

void bm_sim_set_collisions(struct bm_sim *sim, bool on)
{
    sim->cfg.collisions = on;
}

void bm_sim_set_transcript(struct bm_sim *sim, bm_sim_transcript_fn fn, void *ctx)
{
    sim->transcript = fn;
    sim->transcript_ctx = ctx;
}

void bm_sim_set_log(struct bm_sim *sim, bm_sim_log_fn fn, void *ctx)
{
    sim->log = fn;
    sim->log_ctx = ctx;
}

/* --- time and the run loop ----------------------------------------------- */

uint64_t bm_sim_now_ms(const struct bm_sim *sim)
{
    return sim->now_us / 1000;
}

uint64_t bm_sim_now_us(const struct bm_sim *sim)
{
    return sim->now_us;
}

uint64_t bm_sim_thresh(double prob)
{
    /* Delivery iff a uniform 32-bit draw is below prob * 2^32: exactly never
     * at 0 and always at 1. NaN counts as 0. */
    if (!(prob > 0.0))
        return 0;
    if (prob >= 1.0)
        return 1ull << 32;
    return (uint64_t)(prob * 4294967296.0);
}

void bm_sim_schedule(struct bm_sim *sim, uint32_t h, uint64_t t_us)
{
    bm_sim_heap_set(&sim->heap, h, t_us, ++sim->seq);
}

void bm_sim_set_wake(struct bm_sim *sim, struct bm_sim_node *n, uint64_t next_ms,
                     uint64_t now_ms)
{
    uint32_t h = bm_sim_wake_handle(sim, n->id);
    if (next_ms == UINT64_MAX || next_ms > UINT64_MAX / 1000 - 1) {
        bm_sim_heap_del(&sim->heap, h);
        n->wake_us = UINT64_MAX;
        return;
    }
    if (next_ms <= now_ms)
        next_ms = now_ms + 1;
    uint64_t t = next_ms * 1000;
    if (t != n->wake_us || !bm_sim_heap_queued(&sim->heap, h)) {
        n->wake_us = t;
        bm_sim_schedule(sim, h, t);
    }
}

void bm_sim_call_process(struct bm_sim *sim, struct bm_sim_node *n)
{
    uint64_t now_ms = sim->now_us / 1000;
    uint64_t next = n->ops.process(n->user, now_ms);
    bm_sim_set_wake(sim, n, next, now_ms);
}

/* The time of the earliest event of the heap and the GATT queue; false if
 * there is none. *gatt tells which one it is. */
static bool next_event(const struct bm_sim *sim, uint64_t *t_us, bool *gatt)
{
    const struct bm_sim_heap_ent *top = bm_sim_heap_top(&sim->heap);
    uint64_t gt, gseq;
    bool has_gatt = bm_sim_gatt_next(sim, &gt, &gseq);
    *gatt = has_gatt && (!top || gt < top->t_us || (gt == top->t_us && gseq < top->seq));
    if (*gatt)
        *t_us = gt;
    else if (top)
        *t_us = top->t_us;
    return top || has_gatt;
}

/* Runs the earliest event; the caller checked there is one. */
static void run_one(struct bm_sim *sim)
{
    uint64_t t;
    bool gatt;
    next_event(sim, &t, &gatt);
    if (gatt) {
        sim->now_us = t;
        bm_sim_gatt_run_one(sim);
        return;
    }
    const struct bm_sim_heap_ent *top = bm_sim_heap_top(&sim->heap);
    uint32_t h = top->h;
    sim->now_us = top->t_us;
    uint32_t per = 1u + sim->cfg.queue_len;
    struct bm_sim_node *n = sim->nodes[h / per];
    uint32_t k = h % per;
    if (k == 0) {
        bm_sim_heap_del(&sim->heap, h);
        n->wake_us = UINT64_MAX;
        bm_sim_call_process(sim, n);
    } else {
        /* The slot reschedules (or removes) its own handle. */
        bm_sim_slot_event(sim, n, k - 1);
    }
}

int bm_sim_run_until(struct bm_sim *sim, uint64_t t_ms)
{
    if (sim->running)
        return BM_ESTATE;
    if (t_ms > UINT64_MAX / 1000 || t_ms * 1000 < sim->now_us)
        return BM_EINVAL;
    uint64_t end = t_ms * 1000;
    sim->running = true;
    for (;;) {
        uint64_t t;
        bool gatt;
        if (!next_event(sim, &t, &gatt) || t > end)
            break;
        run_one(sim);
    }
    sim->now_us = end;
    sim->running = false;
    return 0;
}

int bm_sim_run_for(struct bm_sim *sim, uint64_t ms)
{
    uint64_t now = sim->now_us / 1000;
    if (ms > UINT64_MAX / 1000 - now)
        return BM_EINVAL;
    return bm_sim_run_until(sim, now + ms);
}

int bm_sim_run_while(struct bm_sim *sim, bm_sim_pred_fn pred, void *ctx, uint64_t limit_ms)
{
    if (sim->running)
        return BM_ESTATE;
    if (!pred || limit_ms > UINT64_MAX / 1000 - sim->now_us / 1000)
        return BM_EINVAL;
    uint64_t end = sim->now_us + limit_ms * 1000;
    int rc = BM_ETIMEOUT;
    sim->running = true;
    for (;;) {
        if (!pred(ctx)) {
            rc = 0;
            break;
        }
        uint64_t t;
        bool gatt;
        if (!next_event(sim, &t, &gatt) || t > end) {
            sim->now_us = end;
            break;
        }
        run_one(sim);
    }
    sim->running = false;
    return rc;
}
