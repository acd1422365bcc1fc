/* The simulated air: a discrete-event simulator that runs many mesh nodes in
 * one process over a model of BLE advertising (docs/sim.md).
 *
 * A node is anything with two callbacks (struct bm_sim_node_ops); the
 * simulator hands each node a struct bm_platform whose hooks are its own:
 * the virtual clock, a per-node random stream, adv_send into the radio model,
 * a per-node in-memory store, and log into a sink the test installs. Nothing
 * here depends on the node runtime in src/node.
 *
 * Same seed, same calls: the same run, bit for bit. All state lives in the
 * struct bm_sim the caller creates; there is no global state. */
#ifndef BLEMESH_PORT_SIM_H
#define BLEMESH_PORT_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/platform.h"

/* Most nodes in one simulation. Bounds the node table (a pointer and a few
 * words of heap index each). Range 1..1000000. */
#ifndef BM_SIM_MAX_NODES
#define BM_SIM_MAX_NODES 100000
#endif
#if BM_SIM_MAX_NODES < 1 || BM_SIM_MAX_NODES > 1000000
#error "BM_SIM_MAX_NODES out of range"
#endif

/* Advertisements one node may have in flight (its bearer queue); adv_send
 * returns BM_ENOSPC beyond this. RAM: ~56 bytes per slot per node.
 * Range 1..64; the default is the config's queue_len. */
#define BM_SIM_QUEUE_MAX 64
#define BM_SIM_QUEUE_DEFAULT 8

/* Stored records per node and octets per record. The store allocates each
 * record at its exact size; the table is 16 bytes per record per node.
 * Ranges: records 1..4096, octets 1..65535. */
#ifndef BM_SIM_STORE_RECORDS
#define BM_SIM_STORE_RECORDS 128
#endif
#if BM_SIM_STORE_RECORDS < 1 || BM_SIM_STORE_RECORDS > 4096
#error "BM_SIM_STORE_RECORDS out of range"
#endif
#ifndef BM_SIM_STORE_MAX_LEN
#define BM_SIM_STORE_MAX_LEN 1024
#endif
#if BM_SIM_STORE_MAX_LEN < 1 || BM_SIM_STORE_MAX_LEN > 65535
#error "BM_SIM_STORE_MAX_LEN out of range"
#endif

/* Radio timing, LE 1M PHY legacy advertising (Core 6.B.2.1, 6.B.4.4.2.2).
 * One ADV_NONCONN_IND PDU carrying len octets of advertising data occupies
 * the air for 8 us per octet of: preamble 1 + access address 4 + PDU
 * header 2 + AdvA 6 + AdvData len + CRC 3 = 16 + len octets, i.e. 136 us
 * (len 1) .. 376 us (len 31; one mesh AD structure with 29 data octets). */
#define BM_SIM_PDU_OVERHEAD_OCTETS 16
#define BM_SIM_US_PER_OCTET 8
/* Core 6.B.4.4.2.2: advDelay is a pseudo-random 0..10 ms added to every
 * advertising event. */
#define BM_SIM_ADV_DELAY_MAX_US 10000
/* Channel hop gap inside one advertising event (end of the PDU on one
 * channel to the start on the next; Core leaves it to the controller, "less
 * than or equal to 10 ms"; 150 us is typical). */
#define BM_SIM_CH_GAP_DEFAULT_US 150
/* Mesh scanners listen at close to 100% duty cycle and move to the next
 * advertising channel every scan interval (Zephyr mesh uses 30 ms). */
#define BM_SIM_SCAN_INTERVAL_DEFAULT_MS 30
/* RSSI reported on an explicit link unless set otherwise (dBm). */
#define BM_SIM_LINK_RSSI_DEFAULT (-50)

/* A node as the simulator drives it. */
struct bm_sim_node_ops {
    /* An advertisement arrived: its advertising data (AD structures, as on
     * the air, 1..BM_ADV_MAX_LEN octets) and RSSI in dBm. The simulator
     * calls process() right after rx(). May call the node's platform hooks
     * (adv_send, store...) but not bm_sim_run_*. May be NULL. */
    void (*rx)(void *user, const uint8_t *adv_data, size_t len, int8_t rssi);
    /* Runs due timers at now_ms; returns the absolute ms of the next wake-up,
     * or UINT64_MAX for none. A value <= now_ms means "again soon" and is
     * run at the start of the next ms (so a node cannot livelock the clock). */
    uint64_t (*process)(void *user, uint64_t now_ms);
    /* GATT (optional, port/sim/gatt.c): a connection came up (central:
     * this node opened it with bm_sim_gatt_connect), a value arrived on
     * it, it went down. The simulator calls process() after each. */
    void (*gatt_connected)(void *user, uint16_t conn, uint16_t mtu, bool central);
    void (*gatt_rx)(void *user, uint16_t conn, const uint8_t *data, size_t len);
    void (*gatt_disconnected)(void *user, uint16_t conn);
};

struct bm_sim_config {
    uint64_t seed;             /* every random choice derives from it */
    uint8_t queue_len;         /* bearer queue per node, 1..BM_SIM_QUEUE_MAX */
    bool collisions;           /* overlapping PDUs on one channel are lost */
    uint32_t adv_delay_max_us; /* 0..BM_SIM_ADV_DELAY_MAX_US (0 only for tests) */
    uint32_t ch_gap_us;        /* 0..10000 */
    uint32_t scan_interval_ms; /* 1..100000 */
};

/* Per-node counters. The simulator owns every field but the two the node
 * glue increments through bm_sim_stats() (dropped_cache, dropped_replay). */
struct bm_sim_stats {
    uint64_t queued;            /* adv_send calls accepted */
    uint64_t rejected;          /* adv_send calls refused (BM_EINVAL/BM_ENOSPC) */
    uint64_t sent;              /* advertising events run (radio on or off) */
    uint64_t transmissions;     /* PDUs put on the air: 3 per event, radio on */
    uint64_t received;          /* advertisements handed to rx() */
    uint64_t dropped_loss;      /* heard but lost to the link's probability */
    uint64_t dropped_collision; /* heard but lost to an overlapping PDU or to
                                 * this node transmitting (collision model) */
    uint64_t missed_off;        /* arrived while this node's radio was off */
    uint64_t store_puts;        /* store_put calls that succeeded */
    uint64_t dropped_cache;     /* glue: network cache hits */
    uint64_t dropped_replay;    /* glue: replay protection rejects */
};

/* Called for every advertising event that goes on the air: its start time
 * (us), the sender and the advertising data. Hash these to compare runs. */
typedef void (*bm_sim_transcript_fn)(void *ctx, uint64_t t_us, uint32_t node,
                                     const uint8_t *adv_data, size_t len);
/* Receives every node's log lines with the virtual time and the node id. */
typedef void (*bm_sim_log_fn)(void *ctx, uint64_t now_ms, uint32_t node,
                              enum bm_log_level level, const char *layer, const char *line);
/* run_while keeps going while this returns true. */
typedef bool (*bm_sim_pred_fn)(void *ctx);

struct bm_sim;

/* Fills cfg with the defaults: seed 1, queue 8, collisions off, advDelay
 * 0..10 ms, hop gap 150 us, scan interval 30 ms. */
void bm_sim_config_default(struct bm_sim_config *cfg);

/* Creates a simulator at virtual time 0 (cfg NULL: defaults). Returns 0,
 * BM_EINVAL for a parameter out of range, BM_ENOSPC when out of memory. */
int bm_sim_create(struct bm_sim **out, const struct bm_sim_config *cfg);
/* Frees the simulator, its nodes and their stores. NULL is a no-op. */
void bm_sim_free(struct bm_sim *sim);

/* Adds a node (ids count up from 0). Its process() runs at the current time
 * on the next run. Returns 0, BM_EINVAL, BM_ENOSPC (out of memory or
 * BM_SIM_MAX_NODES), or BM_ESTATE when called from inside a run. */
int bm_sim_add_node(struct bm_sim *sim, const struct bm_sim_node_ops *ops, void *user,
                    uint32_t *id);
uint32_t bm_sim_node_count(const struct bm_sim *sim);
/* The node's port; stable for the simulator's lifetime. NULL for a bad id. */
const struct bm_platform *bm_sim_platform(struct bm_sim *sim, uint32_t id);
/* The node's counters (writable: the glue adds dropped_cache/replay). */
struct bm_sim_stats *bm_sim_stats(struct bm_sim *sim, uint32_t id);
/* Sums every node's counters into out. */
void bm_sim_stats_total(const struct bm_sim *sim, struct bm_sim_stats *out);

/* Drops the node's volatile state (pending wake-up, bearer queue) and keeps
 * its store, counters, topology and radio switch, as a reboot would; then
 * installs ops/user (ops NULL: keep the old ones) and schedules process()
 * at the current time. Returns 0 or BM_EINVAL. */
int bm_sim_node_restart(struct bm_sim *sim, uint32_t id, const struct bm_sim_node_ops *ops,
                        void *user);
/* Asks for a process() call at the current time (after the caller changed
 * the node outside rx/process). Returns 0 or BM_EINVAL. */
int bm_sim_kick(struct bm_sim *sim, uint32_t id);
/* Radio switch: off, the node neither hears nor puts anything on the air;
 * its advertising events still run and are counted as sent. */
int bm_sim_set_radio(struct bm_sim *sim, uint32_t id, bool on);

/* Topology. Links and positions may be mixed; an explicit link from a to b
 * overrides what positions say for that direction. Neighbour lists are
 * rebuilt once after changes, at the next advertising event.
 * prob is the delivery probability 0..1 (0 keeps the link: everything is
 * lost, and the PDUs still collide). A node never hears itself (a == b is
 * BM_EINVAL). bm_sim_link sets both directions, bm_sim_link_directed one;
 * linking again replaces prob and rssi. */
int bm_sim_link(struct bm_sim *sim, uint32_t a, uint32_t b, double prob);
int bm_sim_link_directed(struct bm_sim *sim, uint32_t from, uint32_t to, double prob);
int bm_sim_link_rssi(struct bm_sim *sim, uint32_t from, uint32_t to, double prob, int8_t rssi);
/* Removes the explicit links between a and b (both directions). */
int bm_sim_unlink(struct bm_sim *sim, uint32_t a, uint32_t b);
/* Places a node in the plane (metres). Nodes with positions hear each other
 * within the range (distance <= range_m) with probability prob and an RSSI
 * of -40 - 20 log10(max(d, 1 m)) dBm (free space, 0 dBm TX). range_m 0
 * (the default) turns position-based links off. */
int bm_sim_set_position(struct bm_sim *sim, uint32_t id, double x, double y);
int bm_sim_set_range(struct bm_sim *sim, double range_m, double prob);
/* Turns the collision model on or off from now on. */
void bm_sim_set_collisions(struct bm_sim *sim, bool on);

void bm_sim_set_transcript(struct bm_sim *sim, bm_sim_transcript_fn fn, void *ctx);
void bm_sim_set_log(struct bm_sim *sim, bm_sim_log_fn fn, void *ctx);

/* Virtual time. */
uint64_t bm_sim_now_ms(const struct bm_sim *sim);
uint64_t bm_sim_now_us(const struct bm_sim *sim);

/* Runs every event due at or before t_ms, then sets the clock to t_ms.
 * Returns 0, BM_EINVAL if t_ms is in the past, BM_ESTATE from inside a run. */
int bm_sim_run_until(struct bm_sim *sim, uint64_t t_ms);
/* bm_sim_run_until(now_ms + ms). */
int bm_sim_run_for(struct bm_sim *sim, uint64_t ms);
/* Runs events one at a time while pred(ctx) holds (checked before each),
 * for at most limit_ms. Returns 0 when pred turned false (the clock stays
 * at the last event), BM_ETIMEOUT at the limit (the clock is then
 * now + limit_ms), BM_ESTATE from inside a run. */
int bm_sim_run_while(struct bm_sim *sim, bm_sim_pred_fn pred, void *ctx, uint64_t limit_ms);

/* Records in a node's store (for tests). */
size_t bm_sim_store_count(struct bm_sim *sim, uint32_t id);
/* Erases a node's store (a factory reset). */
int bm_sim_store_clear(struct bm_sim *sim, uint32_t id);
/* The index-th record of a node's store (0 .. bm_sim_store_count() - 1, in
 * no particular order): its key, a pointer to its octets (valid until the
 * next store call on that node) and its length. For tests that inspect
 * what a node left in flash. Returns 0, BM_ENOENT past the last record,
 * BM_EINVAL for a bad id or NULL argument. */
int bm_sim_store_record(struct bm_sim *sim, uint32_t id, size_t index, uint16_t *key,
                        const uint8_t **data, size_t *len);

/* --- GATT connections (port/sim/gatt.c, docs/sim.md "GATT") ---
 * A point-to-point link between a central and a peripheral that is
 * advertising connectably (its gatt_adv hook) and within radio range (a
 * link or positions, any direction, probability > 0; the radio switch
 * covers advertising only). Values of at most ATT_MTU - 3 octets travel
 * reliably and in order, at the connection events: one every
 * BM_SIM_GATT_INTERVAL_MS from the connection's start, at most
 * BM_SIM_GATT_PDUS_PER_EVENT values per direction per event. */
#define BM_SIM_GATT_INTERVAL_MS 15
#define BM_SIM_GATT_PDUS_PER_EVENT 4

/* Connects central to peripheral with ATT MTU mtu (23..517): both sides'
 * gatt_connected() run one connection interval later. Writes the
 * connection number to *conn. Returns 0, BM_EINVAL (bad id or mtu),
 * BM_ESTATE (the peripheral does not advertise connectably), BM_ENOENT
 * (out of range), BM_ENOSPC (out of memory). */
int bm_sim_gatt_connect(struct bm_sim *sim, uint32_t central, uint32_t peripheral, uint16_t mtu,
                        uint16_t *conn);
/* Ends a connection from outside (as a link loss would): values already
 * queued are delivered, then both sides' gatt_disconnected() run.
 * Returns 0 or BM_EINVAL. */
int bm_sim_gatt_disconnect(struct bm_sim *sim, uint16_t conn);
/* True while conn is up (connected and not yet disconnected). */
bool bm_sim_gatt_is_up(const struct bm_sim *sim, uint16_t conn);
/* What a node advertises connectably now: copies it to buf. Returns 0,
 * BM_ENOENT (not advertising), BM_EINVAL. */
int bm_sim_gatt_adv_data(struct bm_sim *sim, uint32_t id, uint8_t *buf, size_t size,
                         size_t *len);
/* Values sent on conn so far, by the central and by the peripheral. */
int bm_sim_gatt_counts(const struct bm_sim *sim, uint16_t conn, uint64_t *from_central,
                       uint64_t *from_peripheral);

/* Airtime in us of one PDU carrying len octets of advertising data. */
uint32_t bm_sim_airtime_us(size_t len);

#endif
