/* The simulator at scale: grids and random layouts of 100, 300, 1000 and
 * 3000 relay nodes, one source publishing 1000 group messages (one every
 * 200 ms of virtual time), each node relaying every message once with
 * 3 transmissions 20 ms apart (relay retransmit 3 x 20 ms). Prints wall
 * time, simulated transmissions (PDUs on the air) per second of wall time
 * and the delivery ratio, then fits wall time = a + b * transmissions by
 * least squares over the runs of each node kind.
 *
 * Two node kinds:
 *   fake  the simulator's test relay (tests/sim/fake_node.h): rebroadcasts
 *         each message id once, no mesh layers; measures the simulator;
 *   real  a blemesh node per sim node (provisioned directly, relay on,
 *         beacons off), the source a fake publisher of real network PDUs
 *         to group 0xc000 (no subscriber: the network layer relays and
 *         counts them); delivery = first receptions (stats.net_rx).
 *
 * Layouts: grid: side ceil(sqrt(n)), 10 m apart, range 10 m (4
 * neighbours inside); random: uniform in a square sized for 8 neighbours
 * on average (range 10 m), the same seed every run. Collisions off (the
 * radio model's default), so delivery measures connectivity and queues.
 *
 * Usage: bench_sim [--quick] [--kinds fake|real|both] [--msgs N]
 *   --quick: 100/300/1000 nodes only. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "blemesh/blemesh.h"
#include "fake_node.h"
#include "net/net.h"
#include "node/node.h"
#include "sim.h"

#define PERIOD_MS 200
#define GROUP 0xc000
#define MAX_RUNS 32

static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};

/* --- the real-node run: a publisher of pre-encoded PDUs --- */

struct publisher {
    const struct bm_platform *plat;
    uint8_t (*adv)[BM_ADV_MAX_LEN];
    uint8_t *len;
    uint32_t count, next;
    uint64_t first_ms;
};

static void pub_rx(void *user, const uint8_t *d, size_t len, int8_t rssi)
{
    (void)user, (void)d, (void)len, (void)rssi;
}

static uint64_t pub_process(void *user, uint64_t now_ms)
{
    struct publisher *p = user;
    static const struct bm_adv_xmit net_xmit = {3, 20}; /* network transmit 3 x 20 ms */
    while (p->next < p->count && now_ms >= p->first_ms + (uint64_t)p->next * PERIOD_MS) {
        p->plat->adv_send(p->plat->ctx, p->adv[p->next], p->len[p->next], &net_xmit);
        p->next++;
    }
    return p->next < p->count ? p->first_ms + (uint64_t)p->next * PERIOD_MS : UINT64_MAX;
}

static const struct bm_sim_node_ops pub_ops = {pub_rx, pub_process};

/* user: the node's slot, NULL until the node exists (the simulator calls
 * process() as soon as a node is added, before it has its platform). */
static void real_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    struct bm_node *node = *(struct bm_node **)user;
    if (node)
        bm_node_rx_adv(node, adv, len, rssi);
}

static uint64_t real_process(void *user, uint64_t now_ms)
{
    struct bm_node *node = *(struct bm_node **)user;
    return node ? bm_node_process(node, now_ms) : UINT64_MAX;
}

static const struct bm_sim_node_ops real_ops = {real_rx, real_process};

static void make_pdus(struct publisher *p, uint32_t count, uint16_t src)
{
    struct bm_net_creds c;
    if (bm_net_creds_master(&c, net_key) != BM_OK)
        exit(2);
    p->adv = malloc(count * sizeof(*p->adv));
    p->len = malloc(count);
    if (!p->adv || !p->len)
        exit(2);
    p->count = count;
    for (uint32_t i = 0; i < count; i++) {
        /* an unsegmented access PDU: AKF=1, AID, 11 octets of "payload" */
        uint8_t transport[12] = {0x40 | 0x26};
        for (int k = 1; k < 12; k++)
            transport[k] = (uint8_t)(i * 31 + k);
        struct bm_net_hdr h = {.ctl = 0, .ttl = 127, .seq = i + 1, .src = src, .dst = GROUP};
        size_t len;
        if (bm_net_encode(&c, 0, BM_NET_NONCE_NETWORK, &h, transport, sizeof(transport),
                          p->adv[i] + 2, BM_AD_MAX_DATA, &len) != BM_OK)
            exit(2);
        p->adv[i][0] = (uint8_t)(len + 1);
        p->adv[i][1] = BM_AD_MESH_MESSAGE;
        p->len[i] = (uint8_t)(len + 2);
    }
}

/* --- one run --- */

struct run {
    const char *kind, *layout;
    uint32_t nodes, msgs;
    double wall_s, tx, events, rx, delivery;
    uint64_t rejected;
};

static void place(struct bm_sim *sim, uint32_t id, uint32_t i, uint32_t n, bool grid,
                  uint64_t *rng)
{
    if (grid) {
        uint32_t side = (uint32_t)ceil(sqrt((double)n));
        bm_sim_set_position(sim, id, 10.0 * (i % side), 10.0 * (i / side));
    } else {
        /* n pi r^2 / L^2 = 8 neighbours on average */
        double l = sqrt((double)n * 3.14159265358979 * 100.0 / 8.0);
        double x = (double)(bench_rand(rng) >> 11) / 9007199254740992.0 * l;
        double y = (double)(bench_rand(rng) >> 11) / 9007199254740992.0 * l;
        bm_sim_set_position(sim, id, x, y);
    }
}

static void run_one(struct run *r, bool real, bool grid, uint32_t n, uint32_t msgs)
{
    memset(r, 0, sizeof(*r));
    r->kind = real ? "real" : "fake";
    r->layout = grid ? "grid" : "random";
    r->nodes = n;
    r->msgs = msgs;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = 9 + n;
    struct bm_sim *sim;
    if (bm_sim_create(&sim, &cfg) != BM_OK)
        exit(2);
    bm_sim_set_range(sim, 10.0, 1.0);
    uint64_t rng = 77 + n;

    struct fake *fs = NULL;
    struct bm_node **nodes = NULL;
    struct publisher pub = {0};
    if (!real) {
        fs = calloc(n, sizeof(*fs));
        if (!fs || fake_add(sim, fs, n) != 0)
            exit(2);
        for (uint32_t i = 0; i < n; i++) {
            fs[i].xmit = (struct bm_adv_xmit){3, 20};
            fs[i].relay = i != 0;
            place(sim, fs[i].id, i, n, grid, &rng);
        }
        fake_beacon(&fs[0], 100, PERIOD_MS, msgs, 0);
    } else {
        nodes = calloc(n, sizeof(*nodes));
        if (!nodes)
            exit(2);
        uint32_t pid;
        if (bm_sim_add_node(sim, &pub_ops, &pub, &pid) != BM_OK)
            exit(2);
        pub.plat = bm_sim_platform(sim, pid);
        pub.first_ms = 100;
        make_pdus(&pub, msgs, 0x7fff);
        place(sim, pid, 0, n, grid, &rng);
        for (uint32_t i = 1; i < n; i++) {
            uint32_t id;
            void *mem = malloc(bm_node_size());
            if (!mem || bm_sim_add_node(sim, &real_ops, &nodes[i], &id) != BM_OK)
                exit(2);
            struct bm_node *node = bm_node_create(mem, bm_node_size(), bm_sim_platform(sim, id));
            uint8_t dev_key[16] = {0xd0, (uint8_t)i};
            if (!node || bm_create_element(node, true, BM_RELAY, false, 7, NULL) != BM_OK ||
                bm_init(node, "r", BM_OOB_NONE) != BM_OK ||
                bm_node_provisioned(node, net_key, 0, 0, 0, (uint16_t)(0x0100 + i), dev_key) !=
                    BM_OK)
                exit(2);
            nodes[i] = node;
            bm_sim_kick(sim, id);
            place(sim, id, i, n, grid, &rng);
        }
    }

    uint64_t end_ms = 100 + (uint64_t)msgs * PERIOD_MS + 5000;
    uint64_t t0 = bench_ns();
    bm_sim_run_until(sim, end_ms);
    r->wall_s = (double)(bench_ns() - t0) * 1e-9;

    struct bm_sim_stats tot;
    bm_sim_stats_total(sim, &tot);
    r->tx = (double)tot.transmissions;
    r->events = (double)tot.sent;
    r->rx = (double)tot.received;
    r->rejected = tot.rejected;
    double got = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (real) {
            struct bm_node_stats st;
            bm_node_get_stats(nodes[i], &st);
            got += st.net_rx;
        } else {
            got += fs[i].distinct;
        }
    }
    r->delivery = got / ((double)msgs * (double)(n - 1));

    if (real) {
        for (uint32_t i = 1; i < n; i++) {
            bm_node_destroy(nodes[i]);
            free(nodes[i]);
        }
        free(nodes);
        free(pub.adv);
        free(pub.len);
    }
    free(fs);
    bm_sim_free(sim);
}

static void fit_kind(const struct run *runs, size_t count, const char *kind, const char *layout)
{
    double x[MAX_RUNS], y[MAX_RUNS];
    size_t m = 0;
    for (size_t i = 0; i < count; i++)
        if (!strcmp(runs[i].kind, kind) && !strcmp(runs[i].layout, layout)) {
            x[m] = runs[i].tx;
            y[m++] = runs[i].wall_s;
        }
    if (m < 2)
        return;
    double a, b, r2;
    bench_fit(x, y, m, &a, &b, &r2);
    printf("fit %-4s %-6s wall_s = %7.4f + %6.1f ns x PDUs on air   (R^2 = %.4f, %zu sizes)\n",
           kind, layout, a, b * 1e9, r2, m);
}

int main(int argc, char **argv)
{
    bool quick = false, do_fake = true, do_real = true;
    uint32_t msgs = 1000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strcmp(argv[i], "--kinds") && i + 1 < argc) {
            const char *k = argv[++i];
            do_fake = !strcmp(k, "fake") || !strcmp(k, "both");
            do_real = !strcmp(k, "real") || !strcmp(k, "both");
        } else if (!strcmp(argv[i], "--msgs") && i + 1 < argc)
            msgs = (uint32_t)strtoul(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: %s [--quick] [--kinds fake|real|both] [--msgs N]\n",
                    argv[0]);
            return 2;
        }
    }
    if (msgs < 1 || msgs > FAKE_MAX_IDS)
        return 2;
    static const uint32_t sizes[] = {100, 300, 1000, 3000};
    size_t nsizes = quick ? 3 : 4;
    struct run runs[MAX_RUNS];
    size_t count = 0;
    printf("== simulator at scale: %u group messages, one every %d ms, relays 3 x 20 ms\n", msgs,
           PERIOD_MS);
    printf("%-5s %-7s %6s %9s %12s %12s %14s %9s %8s\n", "kind", "layout", "nodes", "wall s",
           "events", "PDUs on air", "PDUs/s (wall)", "delivery", "refused");
    for (int k = 0; k < 2; k++) {
        bool real = k == 1;
        if ((real && !do_real) || (!real && !do_fake))
            continue;
        for (int g = 1; g >= 0; g--) {
            for (size_t s = 0; s < nsizes; s++) {
                struct run *r = &runs[count++];
                run_one(r, real, g == 1, sizes[s], msgs);
                printf("%-5s %-7s %6u %9.3f %12.0f %12.0f %14.0f %8.2f%% %8" PRIu64 "\n",
                       r->kind, r->layout, r->nodes, r->wall_s, r->events, r->tx,
                       r->tx / r->wall_s, 100.0 * r->delivery, r->rejected);
                fflush(stdout);
            }
        }
    }
    fit_kind(runs, count, "fake", "grid");
    fit_kind(runs, count, "fake", "random");
    fit_kind(runs, count, "real", "grid");
    fit_kind(runs, count, "real", "random");
    for (size_t i = 0; i < count; i++)
        if (runs[i].nodes == 1000 && !strcmp(runs[i].layout, "grid"))
            printf("target: 1000 nodes x %u messages under 10 s wall (%s nodes, grid): %.2f s, "
                   "%s\n",
                   msgs, runs[i].kind, runs[i].wall_s, runs[i].wall_s < 10 ? "met" : "NOT met");
    return 0;
}
