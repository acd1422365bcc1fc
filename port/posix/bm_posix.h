/* The POSIX port (host only): runs one blemesh node in a process.
 *
 * Three parts, each usable on its own, owned together by a struct bm_posix:
 *   - a crash-safe record store in a directory (store.c),
 *   - a socket bearer carrying advertising data as UDP multicast datagrams
 *     between processes on one machine (bearer.c, docs/socket-bearer.md),
 *   - an event loop (poll + signalfd) that feeds received advertisements to
 *     the node, calls bm_node_process() at the deadlines it returns and runs
 *     the bearer's retransmissions (loop.c), with the clock, getrandom()
 *     randomness and a log hook writing to stderr.
 *
 * There is no global state: everything lives in the structs the caller
 * opens and closes. Functions return 0 or a negative BM_E* code. */
#ifndef BLEMESH_PORT_POSIX_H
#define BLEMESH_PORT_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blemesh/blemesh.h"
#include "blemesh/platform.h"

/* ---------------------------------------------------------------- store */

/* Octets in one record. Bounds every read buffer and file the store
 * accepts. Range 1..65535. */
#ifndef BM_POSIX_STORE_MAX_LEN
#define BM_POSIX_STORE_MAX_LEN 4096
#endif
#if BM_POSIX_STORE_MAX_LEN < 1 || BM_POSIX_STORE_MAX_LEN > 65535
#error "BM_POSIX_STORE_MAX_LEN out of range"
#endif

/* Records in one store (one file each). A put of a new key beyond this is
 * BM_ENOSPC. Range 1..65536. */
#ifndef BM_POSIX_STORE_MAX_RECORDS
#define BM_POSIX_STORE_MAX_RECORDS 1024
#endif
#if BM_POSIX_STORE_MAX_RECORDS < 1 || BM_POSIX_STORE_MAX_RECORDS > 65536
#error "BM_POSIX_STORE_MAX_RECORDS out of range"
#endif

struct bm_posix_store;

struct bm_posix_store_opts {
    /* Skip fsync(): a put still survives a killed process (rename is
     * atomic) but not a power cut. For tests and throwaway stores. */
    bool no_sync;
};

/* Opens (creating it, mode 0700, if missing) the store in directory dir
 * and takes its lock. opts may be NULL. Returns BM_EBUSY if another open
 * store (this or another process) holds the lock, BM_EINVAL for a path that
 * is not a usable directory, BM_ENOSPC when memory or descriptors run out,
 * BM_EMALFORMED when the directory holds more than
 * BM_POSIX_STORE_MAX_RECORDS records. */
int bm_posix_store_open(struct bm_posix_store **out, const char *dir,
                        const struct bm_posix_store_opts *opts);
/* Releases the lock and frees st (NULL is fine). Puts are already durable. */
void bm_posix_store_close(struct bm_posix_store *st);

/* The platform.h contract. put: atomic and durable when it returns 0;
 * BM_EINVAL if len > BM_POSIX_STORE_MAX_LEN, BM_ENOSPC if the record limit
 * or the disk is full. get: BM_ENOENT if absent; writes the record's length
 * to *len (may be NULL) and returns BM_ENOSPC if size is too small;
 * BM_EMALFORMED if the file fails its checksum. del: BM_ENOENT if absent. */
int bm_posix_store_put(struct bm_posix_store *st, uint16_t key, const void *data, size_t len);
int bm_posix_store_get(struct bm_posix_store *st, uint16_t key, void *data, size_t size,
                       size_t *len);
int bm_posix_store_del(struct bm_posix_store *st, uint16_t key);

/* Records held now. */
size_t bm_posix_store_count(const struct bm_posix_store *st);
/* The errno of the last failed operation (0 if none), for a detailed
 * message beside the BM_E* code. */
int bm_posix_store_errno(const struct bm_posix_store *st);

/* Decides whether a record's value is secret (key material). */
typedef bool (*bm_posix_secret_fn)(void *user, uint16_t key);

/* Writes the store to out as JSON lines, one record per line in key order:
 *   {"key":"0x0002","len":37,"value":"0a1b..."}
 * A record for which is_secret returns true shows "value":"***" unless
 * show_keys; an unreadable record shows "error":"<bm_strerror text>".
 * is_secret may be NULL (nothing secret). Returns 0, or the first error of
 * listing the directory. */
int bm_posix_store_dump(struct bm_posix_store *st, FILE *out, bm_posix_secret_fn is_secret,
                        void *user, bool show_keys);

/* --------------------------------------------------------------- bearer */

/* Advertisements queued and not yet fully sent (each with its remaining
 * repeats). adv_send beyond this is BM_ENOSPC. RAM: ~48 bytes each.
 * Range 1..1024. */
#ifndef BM_POSIX_BEARER_QUEUE
#define BM_POSIX_BEARER_QUEUE 32
#endif
#if BM_POSIX_BEARER_QUEUE < 1 || BM_POSIX_BEARER_QUEUE > 1024
#error "BM_POSIX_BEARER_QUEUE out of range"
#endif

/* The default air: an administratively scoped IPv4 group (RFC 2365) and a
 * port, on the loopback interface. */
#define BM_POSIX_DEFAULT_GROUP "239.255.83.77"
#define BM_POSIX_DEFAULT_PORT 29877
#define BM_POSIX_DEFAULT_IFACE "127.0.0.1"
/* Core 6.B.4.4.2.2: advDelay, 0..10 ms added to every advertising event. */
#define BM_POSIX_ADV_DELAY_MAX_MS 10

struct bm_posix_bearer;

struct bm_posix_bearer_opts {
    const char *group; /* IPv4 multicast group; NULL: BM_POSIX_DEFAULT_GROUP */
    uint16_t port;     /* UDP port; 0: BM_POSIX_DEFAULT_PORT */
    const char *iface; /* IPv4 address of the interface; NULL: 127.0.0.1 */
    double drop_rate;  /* 0..1: fraction of valid received datagrams dropped (tests) */
    uint64_t seed;     /* seeds advDelay and drop draws; 0: from getrandom() */
    int8_t rssi;       /* RSSI reported to the node; 0: -40 dBm */
};

struct bm_posix_bearer_stats {
    uint32_t tx;           /* datagrams sent (every repeat counts) */
    uint32_t tx_errors;    /* sendto() failures (the repeat is lost) */
    uint32_t queue_full;   /* adv_send refused with BM_ENOSPC */
    uint32_t rx;           /* valid datagrams handed out */
    uint32_t rx_own;       /* our own datagrams, ignored */
    uint32_t rx_malformed; /* length 0 or > 31, or AD structures past the end */
    uint32_t rx_dropped;   /* valid ones dropped by drop_rate */
};

/* Opens the two sockets (a receiving one bound to group:port and joined on
 * iface, a sending one bound to iface and an ephemeral port). opts may be
 * NULL. BM_EINVAL for a bad address or drop_rate, BM_EBUSY if a socket
 * cannot be bound, BM_ENOSPC when memory or descriptors run out. */
int bm_posix_bearer_open(struct bm_posix_bearer **out, const struct bm_posix_bearer_opts *opts);
void bm_posix_bearer_close(struct bm_posix_bearer *b);
/* The receiving socket, to poll for POLLIN. */
int bm_posix_bearer_fd(const struct bm_posix_bearer *b);

/* Queues one advertisement (1..31 octets of advertising data) to be sent
 * xmit->count times (1..8; NULL: once), xmit->interval_ms apart, each
 * transmission delayed by a random advDelay. BM_EINVAL for a bad length or
 * count, BM_ENOSPC when the queue is full. Never sends on the spot. */
int bm_posix_bearer_send(struct bm_posix_bearer *b, const uint8_t *adv, size_t len,
                         const struct bm_adv_xmit *xmit);
/* Sends every transmission due at now_ms; returns the absolute ms of the
 * next one (UINT64_MAX if the queue is empty). */
uint64_t bm_posix_bearer_tx(struct bm_posix_bearer *b, uint64_t now_ms);
/* Reads one pending datagram without blocking, skipping (and counting) our
 * own, malformed and dropped ones. Returns 0 with the advertising data in
 * buf (BM_ADV_MAX_LEN octets) and its length in *len, BM_ENOENT when
 * nothing valid is pending. *rssi (may be NULL) gets the RSSI to report. */
int bm_posix_bearer_recv(struct bm_posix_bearer *b, uint8_t *buf, size_t *len, int8_t *rssi);
/* Advertisements in the queue. */
size_t bm_posix_bearer_queued(const struct bm_posix_bearer *b);
void bm_posix_bearer_get_stats(const struct bm_posix_bearer *b,
                               struct bm_posix_bearer_stats *stats);

/* ------------------------------------------------ clock and randomness */

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t bm_posix_now_ms(void);
/* Fills buf from getrandom(). Returns 0 or BM_ECRYPTO if the kernel fails. */
int bm_posix_random(uint8_t *buf, size_t len);

/* ------------------------------------------------------ the event loop */

struct bm_posix;

struct bm_posix_opts {
    const char *store_dir; /* NULL: no storage (the node keeps nothing) */
    struct bm_posix_store_opts store;
    struct bm_posix_bearer_opts bearer;
    /* Leave SIGINT/SIGTERM alone. Otherwise open blocks them and the loop
     * reads them from a signalfd: a run returns and close restores the
     * previous signal mask. */
    bool no_signals;
    enum bm_log_level log_level; /* lines up to this level are written */
    bool log_json;               /* one JSON object per line instead of text */
    FILE *log_file;              /* NULL: stderr */
    const char *name;            /* shown in each log line; NULL: none */
};

/* Defaults: no store, the default air, signals handled, INF text logs to
 * stderr. */
void bm_posix_opts_default(struct bm_posix_opts *opts);

/* Opens everything opts asks for. Errors of the store or the bearer are
 * passed on (BM_EBUSY: the store is locked by another process). */
int bm_posix_open(struct bm_posix **out, const struct bm_posix_opts *opts);
/* The hooks a node is created with (bm_node_create); valid until close. */
const struct bm_platform *bm_posix_platform(struct bm_posix *px);

/* Runs node until bm_posix_stop() is called from one of its callbacks or
 * SIGINT/SIGTERM arrives. Returns 0 then (bm_posix_signal() tells which
 * signal), or a negative BM_E* code if polling fails. */
int bm_posix_run(struct bm_posix *px, struct bm_node *node);
/* The same, for at most max_ms: BM_ETIMEOUT when the time ran out first. */
int bm_posix_run_for(struct bm_posix *px, struct bm_node *node, uint32_t max_ms);
/* Makes the current (or next) run return after its current step. */
void bm_posix_stop(struct bm_posix *px);
/* The signal that ended the last run, 0 if none. */
int bm_posix_signal(const struct bm_posix *px);

struct bm_posix_store *bm_posix_get_store(struct bm_posix *px); /* NULL without one */
struct bm_posix_bearer *bm_posix_get_bearer(struct bm_posix *px);

/* Logs one line through the port's log hook (what the node's lines use). */
void bm_posix_log(struct bm_posix *px, enum bm_log_level level, const char *layer,
                  const char *line);

/* Closes the store, the sockets and the signalfd, restores the signal mask
 * and frees px (NULL is fine). Destroy the node first. */
void bm_posix_close(struct bm_posix *px);

#endif
