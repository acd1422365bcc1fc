/* Scale: a 50 x 40 grid of 2000 nodes, each relaying every message once,
 * floods 300 messages from the middle. Checks that every node got every
 * message and prints the wall time (not asserted: machines differ). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fake_node.h"
#include "test.h"

#define GX 50
#define GY 40
#define NODES (GX * GY)
#define MSGS 300
#define PERIOD_MS 50

static double wall_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns the number of nodes that got all MSGS messages. */
static uint32_t flood(bool collisions, double range, uint8_t count, uint32_t period_ms,
                      struct bm_sim_stats *tot, double *secs)
{
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = 2024;
    cfg.collisions = collisions;
    struct bm_sim *sim = NULL;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_OK);
    struct fake *fs = calloc(NODES, sizeof(*fs));
    CHECK(fs != NULL);
    if (!sim || !fs) {
        free(fs);
        bm_sim_free(sim);
        return 0;
    }
    double t0 = wall_s();
    CHECK_EQ(fake_add(sim, fs, NODES), BM_OK);
    for (uint32_t i = 0; i < NODES; i++) {
        CHECK_EQ(bm_sim_set_position(sim, i, i % GX, i / GX), BM_OK);
        fs[i].relay = true;
        fs[i].xmit = (struct bm_adv_xmit){count, 20};
    }
    CHECK_EQ(bm_sim_set_range(sim, range, 1.0), BM_OK);
    uint32_t src = (GY / 2) * GX + GX / 2;
    fake_beacon(&fs[src], 10, period_ms, MSGS, 0);
    CHECK_EQ(bm_sim_run_until(sim, (uint64_t)MSGS * period_ms + 3000), BM_OK);
    *secs = wall_s() - t0;

    uint32_t complete = 0, errors = 0;
    for (uint32_t i = 0; i < NODES; i++) {
        complete += fs[i].distinct == MSGS;
        errors += fs[i].errors;
    }
    CHECK_EQ(errors, 0); /* the bearer queue never overflowed */
    bm_sim_stats_total(sim, tot);
    free(fs);
    bm_sim_free(sim);
    return complete;
}

static void test_flood_2000_nodes(void)
{
    struct bm_sim_stats t;
    double secs;
    /* range 1: the 4-neighbourhood; p = 1, no collisions: every node must
     * get every message, and relays each once */
    uint32_t complete = flood(false, 1.0, 1, PERIOD_MS, &t, &secs);
    CHECK_EQ(complete, NODES);
    CHECK_EQ(t.sent, (uint64_t)NODES * MSGS);
    printf("flood %d nodes x %d msgs, 4 neighbours, no collisions: %.3f s wall, "
           "%llu events, %llu deliveries\n",
           NODES, MSGS, secs, (unsigned long long)t.sent, (unsigned long long)t.received);

    /* range 1.5 (8 neighbours), 3 transmissions per event, collisions on:
     * a denser, lossier air; report what got through. The bearer queue is
     * FIFO, so each advertisement holds the radio for ~3 x 25 ms: publish
     * every 150 ms so relays keep up. */
    complete = flood(true, 1.5, 3, 3 * PERIOD_MS, &t, &secs);
    CHECK(complete > 0);
    printf("flood %d nodes x %d msgs, 8 neighbours, x3, collisions: %.3f s wall, "
           "%llu events, %llu deliveries, %llu collided, %u/%d nodes got all\n",
           NODES, MSGS, secs, (unsigned long long)t.sent, (unsigned long long)t.received,
           (unsigned long long)t.dropped_collision, complete, NODES);
}

int main(void)
{
    BM_RUN(test_flood_2000_nodes);
    return bm_test_done();
}
