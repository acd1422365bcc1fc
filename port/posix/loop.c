/* The POSIX event loop and the platform hooks it hands a node: the clock
 * (CLOCK_MONOTONIC), randomness (getrandom), the socket bearer as adv_send,
 * the directory store, and a log hook writing one readable line (or one
 * JSON object) per call.
 *
 * The loop waits in poll() on the bearer's socket and a signalfd, with a
 * timeout reaching the earliest of the node's deadline (what
 * bm_node_process returned), the bearer's next transmission and the end of
 * the run. Every received datagram goes to bm_node_rx_adv, and the node is
 * processed after any receive, as blemesh.h asks.
 *
 * SIGINT and SIGTERM: blocked at open and read from a signalfd, so they
 * never interrupt the node in the middle of a step; a signal ends the run
 * and the caller decides what to flush. close restores the previous mask.
 *
 * Invariants: no global state; the core is only entered from the run
 * functions (the hooks never call back into it); log lines hold what the
 * core or this port wrote, never values from the store or the air. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "blemesh/errors.h"
#include "bm_posix.h"

/* Advertisements read per wake-up before timers get their turn again. */
#define RX_BATCH 64
#define LOG_LINE_MAX 1024

struct bm_posix {
    struct bm_platform plat;      /* ctx = this */
    struct bm_posix_store *store; /* NULL without a store */
    struct bm_posix_bearer *bearer;
    int sig_fd;        /* -1 with no_signals */
    sigset_t old_mask; /* restored at close */
    bool stop;         /* set by bm_posix_stop, cleared when a run starts */
    int last_signal;   /* the signal that ended the last run, 0 if none */
    enum bm_log_level log_level;
    bool log_json;
    FILE *log_file;
    char name[32];
    uint64_t t0_ms; /* open time: log lines show ms since then */
};

uint64_t bm_posix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int bm_posix_random(uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return BM_ECRYPTO;
        }
        buf += n;
        len -= (size_t)n;
    }
    return BM_OK;
}

/* --- platform hooks --- */

static uint64_t h_now(void *ctx)
{
    (void)ctx;
    return bm_posix_now_ms();
}

static int h_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    return bm_posix_random(buf, len);
}

static int h_adv_send(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *xmit)
{
    struct bm_posix *px = ctx;
    return bm_posix_bearer_send(px->bearer, adv, len, xmit);
}

static int h_put(void *ctx, uint16_t key, const void *data, size_t len)
{
    struct bm_posix *px = ctx;
    int rc = bm_posix_store_put(px->store, key, data, len);
    if (rc != BM_OK) {
        char line[128];
        snprintf(line, sizeof(line), "store put key=0x%04x failed: %s (errno %d)", key,
                 bm_strerror(rc), bm_posix_store_errno(px->store));
        bm_posix_log(px, BM_LOG_ERR, "posix", line);
    }
    return rc;
}

static int h_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len)
{
    struct bm_posix *px = ctx;
    return bm_posix_store_get(px->store, key, data, size, len);
}

static int h_del(void *ctx, uint16_t key)
{
    struct bm_posix *px = ctx;
    return bm_posix_store_del(px->store, key);
}

static void h_log(void *ctx, enum bm_log_level level, const char *layer, const char *line)
{
    bm_posix_log(ctx, level, layer, line);
}

/* --- logging --- */

static const char *level_name(enum bm_log_level level)
{
    switch (level) {
    case BM_LOG_ERR:
        return "ERR";
    case BM_LOG_WRN:
        return "WRN";
    case BM_LOG_INF:
        return "INF";
    default:
        return "DBG";
    }
}

/* Appends s to buf[*pos..cap) as the inside of a JSON string. */
static void json_str(char *buf, size_t cap, size_t *pos, const char *s)
{
    for (; *s && *pos + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            *pos += (size_t)snprintf(buf + *pos, cap - *pos, "\\%c", c);
        else if (c < 0x20)
            *pos += (size_t)snprintf(buf + *pos, cap - *pos, "\\u%04x", c);
        else
            buf[(*pos)++] = (char)c;
    }
    buf[*pos] = 0;
}

static void appendf(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
    if (*pos >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = *pos + (size_t)n < cap ? *pos + (size_t)n : cap - 1;
}

void bm_posix_log(struct bm_posix *px, enum bm_log_level level, const char *layer, const char *line)
{
    if (!px || level > px->log_level)
        return;
    char buf[LOG_LINE_MAX];
    size_t pos = 0;
    uint64_t t = bm_posix_now_ms() - px->t0_ms;
    if (px->log_json) {
        appendf(buf, sizeof(buf), &pos, "{\"t_ms\":%llu,\"level\":\"%s\",", (unsigned long long)t,
                level_name(level));
        if (px->name[0]) {
            appendf(buf, sizeof(buf), &pos, "\"name\":\"");
            json_str(buf, sizeof(buf), &pos, px->name);
            appendf(buf, sizeof(buf), &pos, "\",");
        }
        appendf(buf, sizeof(buf), &pos, "\"layer\":\"");
        json_str(buf, sizeof(buf), &pos, layer ? layer : "");
        appendf(buf, sizeof(buf), &pos, "\",\"msg\":\"");
        json_str(buf, sizeof(buf), &pos, line ? line : "");
        appendf(buf, sizeof(buf), &pos, "\"}\n");
    } else {
        appendf(buf, sizeof(buf), &pos, "%5llu.%03llu %s %s%s%s%s: %s\n",
                (unsigned long long)(t / 1000), (unsigned long long)(t % 1000), level_name(level),
                px->name[0] ? "[" : "", px->name, px->name[0] ? "] " : "", layer ? layer : "",
                line ? line : "");
    }
    if (pos > 0 && buf[pos - 1] != '\n') /* cut short: still one line */
        buf[pos - 1] = '\n';
    /* One write per line, so lines of several processes do not interleave. */
    fwrite(buf, 1, pos, px->log_file);
    fflush(px->log_file);
}

static void logf_px(struct bm_posix *px, enum bm_log_level level, const char *fmt, ...)
{
    if (level > px->log_level)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    bm_posix_log(px, level, "posix", line);
}

/* --- open / close --- */

void bm_posix_opts_default(struct bm_posix_opts *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof(*opts));
    opts->log_level = BM_LOG_INF;
}

static int open_signals(struct bm_posix *px)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, &px->old_mask) != 0)
        return BM_ESTATE;
    px->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (px->sig_fd < 0) {
        sigprocmask(SIG_SETMASK, &px->old_mask, NULL);
        return errno == EMFILE || errno == ENFILE || errno == ENOMEM ? BM_ENOSPC : BM_ESTATE;
    }
    return BM_OK;
}

int bm_posix_open(struct bm_posix **out, const struct bm_posix_opts *opts)
{
    if (!out)
        return BM_EINVAL;
    *out = NULL;
    struct bm_posix_opts o;
    if (opts)
        o = *opts;
    else
        bm_posix_opts_default(&o);
    if (o.log_level < BM_LOG_ERR || o.log_level > BM_LOG_DBG)
        return BM_EINVAL;
    struct bm_posix *px = calloc(1, sizeof(*px));
    if (!px)
        return BM_ENOSPC;
    px->sig_fd = -1;
    px->log_level = o.log_level;
    px->log_json = o.log_json;
    px->log_file = o.log_file ? o.log_file : stderr;
    snprintf(px->name, sizeof(px->name), "%s", o.name ? o.name : "");
    px->t0_ms = bm_posix_now_ms();

    int rc = BM_OK;
    if (o.store_dir) {
        rc = bm_posix_store_open(&px->store, o.store_dir, &o.store);
        if (rc != BM_OK)
            logf_px(px, BM_LOG_ERR, "store %s: %s", o.store_dir, bm_strerror(rc));
    }
    if (rc == BM_OK) {
        rc = bm_posix_bearer_open(&px->bearer, &o.bearer);
        if (rc != BM_OK)
            logf_px(px, BM_LOG_ERR, "bearer %s:%u: %s",
                    o.bearer.group ? o.bearer.group : BM_POSIX_DEFAULT_GROUP,
                    o.bearer.port ? o.bearer.port : BM_POSIX_DEFAULT_PORT, bm_strerror(rc));
    }
    if (rc == BM_OK && !o.no_signals)
        rc = open_signals(px);
    if (rc != BM_OK) {
        bm_posix_close(px);
        return rc;
    }
    px->plat = (struct bm_platform){
        .ctx = px,
        .now_ms = h_now,
        .random = h_random,
        .adv_send = h_adv_send,
        .store_put = px->store ? h_put : NULL,
        .store_get = px->store ? h_get : NULL,
        .store_del = px->store ? h_del : NULL,
        .log = h_log,
    };
    logf_px(px, BM_LOG_INF, "open air=%s:%u iface=%s store=%s",
            o.bearer.group ? o.bearer.group : BM_POSIX_DEFAULT_GROUP,
            o.bearer.port ? o.bearer.port : BM_POSIX_DEFAULT_PORT,
            o.bearer.iface ? o.bearer.iface : BM_POSIX_DEFAULT_IFACE,
            o.store_dir ? o.store_dir : "(none)");
    *out = px;
    return BM_OK;
}

void bm_posix_close(struct bm_posix *px)
{
    if (!px)
        return;
    if (px->sig_fd >= 0) {
        close(px->sig_fd);
        sigprocmask(SIG_SETMASK, &px->old_mask, NULL);
    }
    bm_posix_bearer_close(px->bearer);
    bm_posix_store_close(px->store);
    free(px);
}

const struct bm_platform *bm_posix_platform(struct bm_posix *px)
{
    return px ? &px->plat : NULL;
}

struct bm_posix_store *bm_posix_get_store(struct bm_posix *px)
{
    return px ? px->store : NULL;
}

struct bm_posix_bearer *bm_posix_get_bearer(struct bm_posix *px)
{
    return px ? px->bearer : NULL;
}

void bm_posix_stop(struct bm_posix *px)
{
    if (px)
        px->stop = true;
}

int bm_posix_signal(const struct bm_posix *px)
{
    return px ? px->last_signal : 0;
}

/* --- the loop --- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Reads one pending signal; true if the run must end. */
static bool take_signal(struct bm_posix *px)
{
    struct signalfd_siginfo si;
    ssize_t n = read(px->sig_fd, &si, sizeof(si));
    if (n != (ssize_t)sizeof(si))
        return false;
    px->last_signal = (int)si.ssi_signo;
    logf_px(px, BM_LOG_INF, "signal %d: stopping", px->last_signal);
    return true;
}

static int run_until(struct bm_posix *px, struct bm_node *node, uint64_t until_ms)
{
    px->last_signal = 0;
    uint64_t node_next = 0; /* process once on entry */
    for (;;) {
        uint64_t now = bm_posix_now_ms();
        if (node_next <= now)
            node_next = bm_node_process(node, now);
        uint64_t tx_next = bm_posix_bearer_tx(px->bearer, now);
        if (px->stop) {
            px->stop = false;
            return BM_OK;
        }
        if (now >= until_ms)
            return BM_ETIMEOUT;
        uint64_t wake = min_u64(min_u64(node_next, tx_next), until_ms);
        int timeout = -1;
        if (wake != UINT64_MAX)
            timeout = wake <= now ? 0 : (int)min_u64(wake - now, INT_MAX);

        struct pollfd fds[2] = {{.fd = bm_posix_bearer_fd(px->bearer), .events = POLLIN},
                                {.fd = px->sig_fd, .events = POLLIN}};
        int rc = poll(fds, px->sig_fd >= 0 ? 2 : 1, timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            logf_px(px, BM_LOG_ERR, "poll failed: errno %d", errno);
            return BM_ESTATE;
        }
        if (px->sig_fd >= 0 && (fds[1].revents & POLLIN) && take_signal(px))
            return BM_OK;
        if (fds[0].revents & (POLLIN | POLLERR)) {
            for (int i = 0; i < RX_BATCH; i++) {
                uint8_t adv[BM_ADV_MAX_LEN];
                size_t len;
                int8_t rssi;
                if (bm_posix_bearer_recv(px->bearer, adv, &len, &rssi) != BM_OK)
                    break;
                bm_node_rx_adv(node, adv, len, rssi);
                node_next = 0;
            }
        }
    }
}

int bm_posix_run(struct bm_posix *px, struct bm_node *node)
{
    if (!px || !node)
        return BM_EINVAL;
    return run_until(px, node, UINT64_MAX);
}

int bm_posix_run_for(struct bm_posix *px, struct bm_node *node, uint32_t max_ms)
{
    if (!px || !node)
        return BM_EINVAL;
    return run_until(px, node, bm_posix_now_ms() + max_ms);
}
