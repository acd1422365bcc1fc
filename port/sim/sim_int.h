/* Internals of the simulated air shared by sim.c, heap.c, radio.c, topo.c
 * and store.c. Not for users: they include sim.h. */
#ifndef BLEMESH_PORT_SIM_INT_H
#define BLEMESH_PORT_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* --- random streams: splitmix64 seeds xoshiro256** (Blackman & Vigna) --- */
struct bm_sim_rng {
    uint64_t s[4];
};
uint64_t bm_sim_splitmix64(uint64_t *state);
/* Seeds a stream from (seed, domain): distinct domains give independent
 * streams of one seed. */
void bm_sim_rng_seed(struct bm_sim_rng *r, uint64_t seed, uint64_t domain);
uint64_t bm_sim_rng_next(struct bm_sim_rng *r);
/* Uniform in 0..n-1 (n >= 1), by rejection so there is no modulo bias. */
uint64_t bm_sim_rng_below(struct bm_sim_rng *r, uint64_t n);

/* --- the event queue: an indexed binary min-heap --------------------------
 * Keys are (t_us, seq); seq is unique and increasing, so equal times run in
 * the order they were scheduled and every run orders events the same way.
 * Each handle is in the heap at most once; pos[h] is its index + 1 (0: not
 * queued), so reschedule and remove are O(log n). */
struct bm_sim_heap_ent {
    uint64_t t_us;
    uint64_t seq;
    uint32_t h;
};
struct bm_sim_heap {
    struct bm_sim_heap_ent *a;
    uint32_t n;
    uint32_t *pos;    /* by handle */
    uint32_t handles; /* size of pos and capacity of a */
};
int bm_sim_heap_reserve(struct bm_sim_heap *hp, uint32_t handles);
void bm_sim_heap_set(struct bm_sim_heap *hp, uint32_t h, uint64_t t_us, uint64_t seq);
void bm_sim_heap_del(struct bm_sim_heap *hp, uint32_t h);
bool bm_sim_heap_queued(const struct bm_sim_heap *hp, uint32_t h);
/* The earliest entry, or NULL when empty. */
const struct bm_sim_heap_ent *bm_sim_heap_top(const struct bm_sim_heap *hp);
void bm_sim_heap_free(struct bm_sim_heap *hp);

/* --- per node ------------------------------------------------------------- */

/* One advertisement in the bearer queue, sent as `remaining` more events. */
struct bm_sim_slot {
    uint64_t t_event_us; /* start of the current (or next) advertising event */
    uint64_t serial;     /* the current event's PDU serial (receivers match it) */
    uint16_t interval_ms;
    uint8_t remaining; /* events still to start, counting the current one */
    uint8_t phase;     /* 0 start of event, then PDU start/end per channel */
    uint8_t len; /* 1..BM_ADV_MAX_LEN */
    bool active;
    bool waiting; /* queued behind an earlier advertisement (FIFO) */
    uint64_t order; /* queue position: lower goes first */
    bool started; /* the current PDU's start has run */
    bool on_air;  /* the current PDU was transmitted (sender's radio on) */
    uint8_t data[BM_ADV_MAX_LEN];
};

struct bm_sim_rec {
    uint16_t key;
    uint16_t len;
    uint8_t *data; /* malloc'd, exactly len octets (NULL when len is 0) */
};

struct bm_sim_node {
    struct bm_sim *sim;
    uint32_t id;
    struct bm_platform plat; /* ctx points back at this node */
    struct bm_sim_node_ops ops;
    void *user;
    struct bm_sim_rng rng; /* the node's random hook only */
    uint64_t wake_us;      /* pending wake-up, UINT64_MAX none */

    /* radio */
    bool radio_on;
    bool has_pos;
    double x, y;
    uint64_t scan_off_us;    /* phase of the scanner's channel rotation */
    uint64_t tx_start_us;    /* the node's current/last advertising event */
    uint64_t tx_until_us;
    uint64_t rx_serial;      /* the PDU this receiver is locked on, 0 none */
    uint64_t rx_end_us;
    uint8_t rx_ch;
    bool rx_bad;             /* that PDU is corrupted */
    /* The channel each neighbour listens on for this node's current event
     * (sim->nbr_ch over this node's row) was filled for this event serial
     * and topology generation. A node runs one event at a time, so its row
     * is never needed for two events at once. */
    uint64_t ch_serial, ch_gen;
    struct bm_sim_slot *slots; /* queue_len of them */
    uint64_t slot_order;       /* order of the last queued advertisement */

    struct bm_sim_rec *recs; /* BM_SIM_STORE_RECORDS, allocated on first put */
    uint16_t n_recs;

    struct bm_sim_stats stats;

    /* GATT (gatt.c): what the node advertises connectably, 0 = nothing */
    uint8_t gatt_adv[BM_ADV_MAX_LEN];
    uint8_t gatt_adv_len;
};

/* An explicit link as the user gave it, before neighbour lists are built. */
struct bm_sim_edge {
    uint32_t from, to;
    uint64_t thresh; /* delivered iff a 32-bit draw < thresh (0..2^32) */
    int8_t rssi;
};

/* One entry of a node's neighbour list: who hears it and how well. */
struct bm_sim_nbr {
    uint32_t to;
    int8_t rssi;
    uint64_t thresh;
};

struct bm_sim {
    struct bm_sim_config cfg;
    uint64_t now_us;
    uint64_t seq;
    uint64_t serial;
    bool running;
    struct bm_sim_rng air; /* advDelay, loss draws, scan phases */

    struct bm_sim_node **nodes;
    uint32_t n_nodes, cap_nodes;
    struct bm_sim_heap heap;

    /* topology */
    struct bm_sim_edge *edges;
    size_t n_edges, cap_edges;
    double range_m;
    uint64_t range_thresh;
    bool topo_dirty;
    uint32_t nbr_nodes;  /* nodes the lists were built for */
    uint32_t *nbr_start; /* nbr_nodes + 1 offsets into nbr */
    struct bm_sim_nbr *nbr;
    uint8_t *nbr_ch;  /* parallel to nbr: see bm_sim_node.ch_serial */
    uint64_t topo_gen; /* counts rebuilds */

    bm_sim_transcript_fn transcript;
    void *transcript_ctx;
    bm_sim_log_fn log;
    void *log_ctx;

    struct bm_sim_gatt *gatt; /* gatt.c; NULL until the first connection */
};

/* Heap handles: node i owns (1 + queue_len) of them, its wake-up first. */
static inline uint32_t bm_sim_wake_handle(const struct bm_sim *sim, uint32_t id)
{
    return id * (1u + sim->cfg.queue_len);
}

/* sim.c */
void bm_sim_schedule(struct bm_sim *sim, uint32_t h, uint64_t t_us);
/* Reschedules the node's wake-up from what process() returned at now_ms. */
void bm_sim_set_wake(struct bm_sim *sim, struct bm_sim_node *n, uint64_t next_ms,
                     uint64_t now_ms);
/* Calls process() now and reschedules the wake-up. */
void bm_sim_call_process(struct bm_sim *sim, struct bm_sim_node *n);
uint64_t bm_sim_thresh(double prob);

/* radio.c */
int bm_sim_adv_send(void *ctx, const uint8_t *adv_data, size_t len,
                    const struct bm_adv_xmit *xmit);
/* Runs the next phase of a bearer slot (its heap entry came due). */
void bm_sim_slot_event(struct bm_sim *sim, struct bm_sim_node *n, uint32_t slot);
/* Empties a node's bearer queue. */
void bm_sim_slots_clear(struct bm_sim *sim, struct bm_sim_node *n);

/* topo.c */
/* Rebuilds neighbour lists if the topology changed. Returns 0 or BM_ENOSPC
 * (out of memory: the old lists stay). */
int bm_sim_topo_build(struct bm_sim *sim);
void bm_sim_topo_free(struct bm_sim *sim);

/* gatt.c */
int bm_sim_gatt_send(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len);
int bm_sim_gatt_disconnect_hook(void *ctx, uint16_t conn);
int bm_sim_gatt_adv(void *ctx, const uint8_t *adv_data, size_t len);
/* The earliest pending GATT event, if any: its time and sequence. */
bool bm_sim_gatt_next(const struct bm_sim *sim, uint64_t *t_us, uint64_t *seq);
/* Runs the earliest GATT event (the caller checked there is one). */
void bm_sim_gatt_run_one(struct bm_sim *sim);
/* A restarting node loses its connections and its advertising. */
void bm_sim_gatt_node_reset(struct bm_sim *sim, struct bm_sim_node *n);
void bm_sim_gatt_free(struct bm_sim *sim);

/* store.c */
int bm_sim_store_put(void *ctx, uint16_t key, const void *data, size_t len);
int bm_sim_store_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len);
int bm_sim_store_del(void *ctx, uint16_t key);
void bm_sim_store_free(struct bm_sim_node *n);

#endif
