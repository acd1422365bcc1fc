/* Throughput on the socket bearer between processes (port/posix, UDP
 * multicast on loopback, a private port per run): three processes, each a
 * real blemesh node with its own event loop.
 *
 *   publisher  sends access messages (AppKey, 11 octets, one
 *              network PDU each) to group 0xc000 as fast as its bearer
 *              queue takes them, for SECONDS seconds;
 *   relay      relay on: decrypts every PDU and relays it;
 *   sink       relay off: counts the distinct messages it accepted.
 *
 * No node subscribes to the group, so the nodes do network-layer work only
 * (the publisher also the upper transport encryption). Every process
 * measures its own CPU time (CLOCK_PROCESS_CPUTIME_ID) over the run.
 * Two runs: the default network transmit / relay retransmit (3 x 20 ms),
 * then one transmission per message (1 x 10 ms), which lets the bearer
 * queue (BM_POSIX_BEARER_QUEUE) turn over faster.
 *
 * Usage: bench_socket [--seconds S] [--port P] */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "blemesh/blemesh.h"
#include "bm_posix.h"
#include "node/node.h"

#define GROUP 0xc000
#define APP_IDX 1

static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

enum role { PUBLISHER, RELAY, SINK };

struct report {
    uint64_t sent, net_rx, adv_tx, cpu_ns, wall_ns, queue_full;
};

static struct bm_node *make_node(struct bm_posix **px, enum role role, uint16_t port, int count)
{
    struct bm_posix_opts o;
    bm_posix_opts_default(&o);
    o.no_signals = true;
    o.log_level = BM_LOG_ERR;
    o.bearer.port = port;
    o.bearer.seed = 1 + (uint64_t)role;
    if (bm_posix_open(px, &o) != BM_OK)
        exit(3);
    void *mem = aligned_alloc(_Alignof(max_align_t), (bm_node_size() + 63) / 64 * 64);
    struct bm_node *node = mem ? bm_node_create(mem, bm_node_size(), bm_posix_platform(*px)) : NULL;
    uint8_t dev_key[16] = {0xd0, (uint8_t)role};
    if (!node ||
        bm_create_element(node, true, role == RELAY ? BM_RELAY : 0, false, 7, NULL) != BM_OK ||
        bm_init(node, "bench", BM_OOB_NONE) != BM_OK ||
        bm_node_provisioned(node, net_key, 0, 0, 0, (uint16_t)(0x0100 + role), dev_key) !=
            BM_OK ||
        bm_node_app_key_add(node, 0, APP_IDX, app_key) != BM_OK)
        exit(3);
    node->net_xmit = (struct bm_adv_xmit){(uint8_t)count, count > 1 ? 20 : 10};
    node->relay_xmit = node->net_xmit;
    return node;
}

static void child(enum role role, uint16_t port, int count, uint32_t ms, int fd)
{
    struct bm_posix *px;
    struct bm_node *node = make_node(&px, role, port, count);
    struct report r = {0};
    uint64_t c0 = bench_cpu_ns(), t0 = bench_ns();
    bm_posix_run_for(px, node, ms);
    r.cpu_ns = bench_cpu_ns() - c0;
    r.wall_ns = bench_ns() - t0;
    r.net_rx = node->stats.net_rx;
    r.adv_tx = node->stats.adv_tx;
    if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
        _exit(4);
    bm_node_destroy(node);
    free(node);
    bm_posix_close(px);
    _exit(0);
}

static void publish(uint16_t port, int count, uint32_t ms, struct report *r)
{
    struct bm_posix *px;
    struct bm_node *node = make_node(&px, PUBLISHER, port, count);
    bm_posix_run_for(px, node, 20);
    memset(r, 0, sizeof(*r));
    uint64_t c0 = bench_cpu_ns(), t0 = bench_ns(), end = t0 + (uint64_t)ms * 1000000ull;
    uint8_t access[11] = {0x82, 0x03}; /* + TransMIC = 15: one unsegmented PDU */
    struct bm_send s = {.src = 0x0100, .dst = GROUP, .net_idx = 0, .app_idx = APP_IDX,
                        .ttl = 5};
    while (bench_ns() < end) {
        access[2] = (uint8_t)r->sent;
        int rc = bm_node_send_access(node, &s, access, sizeof(access));
        if (rc == BM_OK)
            r->sent++;
        else
            r->queue_full++;
        /* hand the queue to the bearer; wait a little only when it is full */
        bm_posix_run_for(px, node, rc == BM_OK ? 0 : 1);
    }
    r->cpu_ns = bench_cpu_ns() - c0;
    r->wall_ns = bench_ns() - t0;
    bm_posix_run_for(px, node, 200); /* let the last repeats out */
    bm_node_destroy(node);
    free(node);
    bm_posix_close(px);
}

static int run(uint16_t port, int count, uint32_t seconds)
{
    int fds[2][2];
    pid_t pids[2];
    uint32_t ms = seconds * 1000;
    for (int i = 0; i < 2; i++) {
        if (pipe(fds[i]) != 0)
            return 1;
        pids[i] = fork();
        if (pids[i] < 0)
            return 1;
        if (pids[i] == 0) {
            close(fds[i][0]);
            child(i == 0 ? RELAY : SINK, port, count, ms + 700, fds[i][1]);
        }
        close(fds[i][1]);
    }
    struct timespec nap = {0, 200000000};
    nanosleep(&nap, NULL); /* the children join the group */
    struct report pub, rel = {0}, snk = {0};
    publish(port, count, ms, &pub);
    if (read(fds[0][0], &rel, sizeof(rel)) != (ssize_t)sizeof(rel) ||
        read(fds[1][0], &snk, sizeof(snk)) != (ssize_t)sizeof(snk))
        fprintf(stderr, "bench_socket: a child did not report\n");
    for (int i = 0; i < 2; i++) {
        close(fds[i][0]);
        waitpid(pids[i], NULL, 0);
    }
    double secs = (double)pub.wall_ns * 1e-9;
    printf("%-9s %9.0f %14.1f %9.0f %14.1f %11.1f%%\n", count > 1 ? "3 x 20 ms" : "1 x 10 ms",
           (double)pub.sent / secs, (double)pub.cpu_ns / 1000.0 / (double)(pub.sent ? pub.sent : 1),
           (double)rel.net_rx / secs,
           (double)rel.cpu_ns / 1000.0 / (double)(rel.net_rx ? rel.net_rx : 1),
           pub.sent ? 100.0 * (double)snk.net_rx / (double)pub.sent : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t seconds = 3;
    uint16_t port = (uint16_t)(40000 + getpid() % 20000);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = (uint16_t)strtoul(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--port P]\n", argv[0]);
            return 2;
        }
    }
    printf("== socket bearer, 3 processes on UDP multicast port %u, %u s per run\n", port,
           seconds);
    printf("%-9s %9s %14s %9s %14s %12s\n", "transmit", "pub msg/s", "pub CPU us/msg",
           "relay/s", "relay CPU us/m", "sink got");
    fflush(stdout);
    int rc = run(port, 3, seconds);
    fflush(stdout);
    if (!rc)
        rc = run((uint16_t)(port + 1), 1, seconds);
    return rc;
}
