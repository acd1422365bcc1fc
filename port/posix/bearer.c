/* The socket bearer: advertisements as UDP datagrams on an IPv4 multicast
 * group, so nodes in separate processes on one machine (or in network
 * namespaces joined by a link) share one "air". docs/socket-bearer.md is
 * the wire format for other tools.
 *
 * One datagram is the advertising data of one advertisement, exactly as on
 * the air: AD structures [length][AD type][data], 1..31 octets. Received
 * datagrams are checked before anything else looks at them: length 0 or
 * over 31, or an AD structure running past the end, is dropped and counted.
 *
 * Our own datagrams come back to us (IP_MULTICAST_LOOP must be on for
 * other processes on this host to hear us). Nothing in a datagram says who
 * sent it, so the sending socket is bound to the interface address and an
 * ephemeral port, unique on this host, and datagrams from exactly that
 * address and port are ours.
 *
 * Transmit: adv_send queues an advertisement in a fixed table of
 * BM_POSIX_BEARER_QUEUE slots; each is sent count times, the first after a
 * random advDelay, then interval_ms + a fresh advDelay after the previous
 * send (Mesh Profile 3.3.1 / Core 6.B.4.4.2.2: every advertising event gets
 * 0..10 ms advDelay). Gaps are measured from the actual send, so a late
 * wake-up never squeezes two repeats closer than interval_ms.
 *
 * Invariants: queued equals the number of used slots; a used slot has
 * 1..8 sends left and 1..31 octets; due slots go out oldest first. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blemesh/errors.h"
#include "bm_posix.h"

/* Receive buffer: more than 31 octets so that an oversized datagram is seen
 * as such (MSG_TRUNC also reports its real length). */
#define RX_BUF 64
#define RSSI_DEFAULT (-40)

struct tx_slot {
    bool used;
    uint8_t len;          /* 1..31 */
    uint8_t left;         /* sends still to do, 1..8 */
    uint16_t interval_ms; /* between sends, before advDelay */
    uint64_t next_ms;     /* absolute time of the next send */
    uint64_t order;       /* enqueue order: oldest first among due slots */
    uint8_t adv[BM_ADV_MAX_LEN];
};

struct bm_posix_bearer {
    int rx_fd; /* bound to group:port, joined on iface */
    int tx_fd; /* bound to iface:ephemeral; sends to group:port */
    struct sockaddr_in group;
    struct sockaddr_in self; /* tx_fd's own address: datagrams from it are ours */
    double drop_rate;
    int8_t rssi;
    uint64_t rng; /* xorshift64 state, never 0 */
    uint64_t next_order;
    size_t queued;
    struct bm_posix_bearer_stats stats;
    struct tx_slot q[BM_POSIX_BEARER_QUEUE];
};

static uint64_t rnd(struct bm_posix_bearer *b)
{
    uint64_t x = b->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->rng = x;
    return x;
}

static uint32_t adv_delay(struct bm_posix_bearer *b)
{
    return (uint32_t)(rnd(b) % (BM_POSIX_ADV_DELAY_MAX_MS + 1));
}

static int errno_code(int err)
{
    switch (err) {
    case EADDRINUSE:
    case EADDRNOTAVAIL:
        return BM_EBUSY;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ENOBUFS:
        return BM_ENOSPC;
    case EINVAL:
    case ENODEV:
        return BM_EINVAL;
    default:
        return BM_ESTATE;
    }
}

static int set_int(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof(v));
}

static int open_rx(struct bm_posix_bearer *b, struct in_addr iface)
{
    b->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b->rx_fd < 0)
        return errno_code(errno);
    /* Every process of this air binds the same port. */
    if (set_int(b->rx_fd, SOL_SOCKET, SO_REUSEADDR, 1) != 0)
        return errno_code(errno);
    /* Bound to the group address (not INADDR_ANY), the socket only gets
     * datagrams sent to this group: airs on the same port stay apart. */
    if (bind(b->rx_fd, (const struct sockaddr *)&b->group, sizeof(b->group)) != 0)
        return errno_code(errno);
    struct ip_mreq mreq = {.imr_multiaddr = b->group.sin_addr, .imr_interface = iface};
    if (setsockopt(b->rx_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
        return errno_code(errno);
#ifdef IP_MULTICAST_ALL
    /* Linux: only the groups this socket joined, not every group of the host. */
    (void)set_int(b->rx_fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
#endif
    /* Room for bursts while the node is busy (ECDH takes milliseconds);
     * best effort, the kernel may cap it. */
    (void)set_int(b->rx_fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    return BM_OK;
}

static int open_tx(struct bm_posix_bearer *b, struct in_addr iface)
{
    b->tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b->tx_fd < 0)
        return errno_code(errno);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = iface, .sin_port = 0};
    if (bind(b->tx_fd, (const struct sockaddr *)&a, sizeof(a)) != 0)
        return errno_code(errno);
    socklen_t alen = sizeof(b->self);
    if (getsockname(b->tx_fd, (struct sockaddr *)&b->self, &alen) != 0)
        return errno_code(errno);
    if (setsockopt(b->tx_fd, IPPROTO_IP, IP_MULTICAST_IF, &iface, sizeof(iface)) != 0 ||
        set_int(b->tx_fd, IPPROTO_IP, IP_MULTICAST_LOOP, 1) != 0 ||
        set_int(b->tx_fd, IPPROTO_IP, IP_MULTICAST_TTL, 1) != 0)
        return errno_code(errno);
    return BM_OK;
}

int bm_posix_bearer_open(struct bm_posix_bearer **out, const struct bm_posix_bearer_opts *opts)
{
    if (!out)
        return BM_EINVAL;
    *out = NULL;
    struct bm_posix_bearer_opts o = {0};
    if (opts)
        o = *opts;
    if (isnan(o.drop_rate) || o.drop_rate < 0.0 || o.drop_rate > 1.0)
        return BM_EINVAL;
    struct in_addr group, iface;
    if (inet_pton(AF_INET, o.group ? o.group : BM_POSIX_DEFAULT_GROUP, &group) != 1 ||
        !IN_MULTICAST(ntohl(group.s_addr)))
        return BM_EINVAL;
    if (inet_pton(AF_INET, o.iface ? o.iface : BM_POSIX_DEFAULT_IFACE, &iface) != 1)
        return BM_EINVAL;

    struct bm_posix_bearer *b = calloc(1, sizeof(*b));
    if (!b)
        return BM_ENOSPC;
    b->rx_fd = b->tx_fd = -1;
    b->group.sin_family = AF_INET;
    b->group.sin_addr = group;
    b->group.sin_port = htons(o.port ? o.port : BM_POSIX_DEFAULT_PORT);
    b->drop_rate = o.drop_rate;
    b->rssi = (int8_t)(o.rssi ? o.rssi : RSSI_DEFAULT);
    b->rng = o.seed;
    while (b->rng == 0) {
        if (bm_posix_random((uint8_t *)&b->rng, sizeof(b->rng)) != BM_OK) {
            free(b);
            return BM_ECRYPTO;
        }
    }
    int rc = open_rx(b, iface);
    if (rc == BM_OK)
        rc = open_tx(b, iface);
    if (rc != BM_OK) {
        bm_posix_bearer_close(b);
        return rc;
    }
    *out = b;
    return BM_OK;
}

void bm_posix_bearer_close(struct bm_posix_bearer *b)
{
    if (!b)
        return;
    if (b->rx_fd >= 0)
        close(b->rx_fd);
    if (b->tx_fd >= 0)
        close(b->tx_fd);
    free(b);
}

int bm_posix_bearer_fd(const struct bm_posix_bearer *b)
{
    return b ? b->rx_fd : -1;
}

int bm_posix_bearer_send(struct bm_posix_bearer *b, const uint8_t *adv, size_t len,
                         const struct bm_adv_xmit *xmit)
{
    if (!b || !adv || len < 1 || len > BM_ADV_MAX_LEN)
        return BM_EINVAL;
    uint8_t count = xmit ? xmit->count : 1;
    uint16_t interval_ms = xmit ? xmit->interval_ms : 0;
    if (count < 1 || count > 8)
        return BM_EINVAL;
    if (b->queued == BM_POSIX_BEARER_QUEUE) {
        b->stats.queue_full++;
        return BM_ENOSPC;
    }
    struct tx_slot *s = NULL;
    for (size_t i = 0; i < BM_POSIX_BEARER_QUEUE && !s; i++)
        if (!b->q[i].used)
            s = &b->q[i];
    s->used = true;
    s->len = (uint8_t)len;
    s->left = count;
    s->interval_ms = interval_ms;
    s->next_ms = bm_posix_now_ms() + adv_delay(b);
    s->order = b->next_order++;
    memcpy(s->adv, adv, len);
    b->queued++;
    return BM_OK;
}

/* The due slot queued first, or NULL. */
static struct tx_slot *next_due(struct bm_posix_bearer *b, uint64_t now_ms)
{
    struct tx_slot *best = NULL;
    for (size_t i = 0; i < BM_POSIX_BEARER_QUEUE; i++) {
        struct tx_slot *s = &b->q[i];
        if (s->used && s->next_ms <= now_ms && (!best || s->order < best->order))
            best = s;
    }
    return best;
}

uint64_t bm_posix_bearer_tx(struct bm_posix_bearer *b, uint64_t now_ms)
{
    if (!b)
        return UINT64_MAX;
    struct tx_slot *s;
    while ((s = next_due(b, now_ms)) != NULL) {
        ssize_t n;
        do {
            n = sendto(b->tx_fd, s->adv, s->len, 0, (const struct sockaddr *)&b->group,
                       sizeof(b->group));
        } while (n < 0 && errno == EINTR);
        if (n == (ssize_t)s->len)
            b->stats.tx++;
        else
            b->stats.tx_errors++; /* like a collision on the air: this repeat is lost */
        if (--s->left == 0) {
            s->used = false;
            b->queued--;
        } else {
            s->next_ms = now_ms + s->interval_ms + adv_delay(b);
        }
    }
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < BM_POSIX_BEARER_QUEUE; i++)
        if (b->q[i].used && b->q[i].next_ms < next)
            next = b->q[i].next_ms;
    return next;
}

/* Core 3.C.11: advertising data is a sequence of AD structures; a zero
 * length octet ends its significant part (the rest is padding). At least
 * one structure, none running past the end. */
static bool well_formed(const uint8_t *p, size_t n)
{
    if (n < 1 || n > BM_ADV_MAX_LEN)
        return false;
    size_t pos = 0;
    while (pos < n) {
        uint8_t l = p[pos];
        if (l == 0)
            break;
        if (pos + 1 + l > n)
            return false;
        pos += 1 + (size_t)l;
    }
    return pos > 0;
}

static bool is_own(const struct bm_posix_bearer *b, const struct sockaddr_in *src)
{
    return src->sin_port == b->self.sin_port && src->sin_addr.s_addr == b->self.sin_addr.s_addr;
}

int bm_posix_bearer_recv(struct bm_posix_bearer *b, uint8_t *buf, size_t *len, int8_t *rssi)
{
    if (!b || !buf || !len)
        return BM_EINVAL;
    for (;;) {
        uint8_t d[RX_BUF];
        struct sockaddr_in src = {0};
        socklen_t slen = sizeof(src);
        ssize_t n = recvfrom(b->rx_fd, d, sizeof(d), MSG_TRUNC | MSG_DONTWAIT,
                             (struct sockaddr *)&src, &slen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return BM_ENOENT;
            return errno_code(errno);
        }
        if (slen >= sizeof(src) && src.sin_family == AF_INET && is_own(b, &src)) {
            b->stats.rx_own++;
            continue;
        }
        if (!well_formed(d, (size_t)n)) {
            b->stats.rx_malformed++;
            continue;
        }
        if (b->drop_rate > 0.0 && (double)(rnd(b) >> 11) * 0x1.0p-53 < b->drop_rate) {
            b->stats.rx_dropped++;
            continue;
        }
        b->stats.rx++;
        memcpy(buf, d, (size_t)n);
        *len = (size_t)n;
        if (rssi)
            *rssi = b->rssi;
        return BM_OK;
    }
}

size_t bm_posix_bearer_queued(const struct bm_posix_bearer *b)
{
    return b ? b->queued : 0;
}

void bm_posix_bearer_get_stats(const struct bm_posix_bearer *b, struct bm_posix_bearer_stats *stats)
{
    if (!stats)
        return;
    if (b)
        *stats = b->stats;
    else
        memset(stats, 0, sizeof(*stats));
}
