/* The simulator without the air: virtual clock and timers, run control,
 * per-node random streams, the store, the log sink and node restart. */
#include <string.h>

#include "fake_node.h"
#include "sim_int.h"
#include "test.h"

/* A node that asks for a fixed list of wake-ups and records every call. */
struct timer_node {
    struct bm_sim *sim;
    uint64_t want[8];
    int n_want, next;
    uint64_t at_ms[64], at_us[64];
    int calls;
    bool always_now; /* returns now_ms every time (a misbehaving node) */
    int run_rc, add_rc;
    bool try_reentry;
};

static uint64_t timer_process(void *user, uint64_t now_ms)
{
    struct timer_node *t = user;
    if (t->calls < 64) {
        t->at_ms[t->calls] = now_ms;
        t->at_us[t->calls] = bm_sim_now_us(t->sim);
    }
    t->calls++;
    if (t->try_reentry) {
        t->run_rc = bm_sim_run_for(t->sim, 1);
        uint32_t id;
        t->add_rc = bm_sim_add_node(t->sim, &fake_ops, NULL, &id);
    }
    if (t->always_now)
        return now_ms;
    while (t->next < t->n_want && t->want[t->next] <= now_ms)
        t->next++;
    return t->next < t->n_want ? t->want[t->next] : UINT64_MAX;
}

static const struct bm_sim_node_ops timer_ops = {NULL, timer_process};

static struct bm_sim *new_sim(uint64_t seed)
{
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    struct bm_sim *sim = NULL;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_OK);
    return sim;
}

static void test_timer_fires_at_the_requested_ms(void)
{
    struct bm_sim *sim = new_sim(1);
    struct timer_node t = {.sim = sim, .want = {7, 1000, 1001, 2500, 123456}, .n_want = 5};
    uint32_t id;
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, &id), BM_OK);
    CHECK_EQ(id, 0);
    CHECK_EQ(bm_sim_run_until(sim, 200000), BM_OK);
    /* once when added (at 0), then exactly at each requested ms */
    static const uint64_t want[] = {0, 7, 1000, 1001, 2500, 123456};
    CHECK_EQ(t.calls, 6);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(t.at_ms[i], want[i]);
        CHECK_EQ(t.at_us[i], want[i] * 1000);
    }
    bm_sim_free(sim);
}

static void test_timer_in_the_past_runs_next_ms(void)
{
    struct bm_sim *sim = new_sim(1);
    struct timer_node t = {.sim = sim, .always_now = true};
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, NULL), BM_OK);
    CHECK_EQ(bm_sim_run_until(sim, 10), BM_OK);
    /* 0, 1, ..., 10: one call per ms, the clock never stalls */
    CHECK_EQ(t.calls, 11);
    for (int i = 0; i < 11; i++)
        CHECK_EQ(t.at_ms[i], (uint64_t)i);
    bm_sim_free(sim);
}

static void test_run_until_and_run_for_move_the_clock(void)
{
    struct bm_sim *sim = new_sim(1);
    CHECK_EQ(bm_sim_now_ms(sim), 0);
    CHECK_EQ(bm_sim_run_until(sim, 500), BM_OK);
    CHECK_EQ(bm_sim_now_ms(sim), 500);
    CHECK_EQ(bm_sim_now_us(sim), 500000);
    CHECK_EQ(bm_sim_run_until(sim, 400), BM_EINVAL);
    CHECK_EQ(bm_sim_now_ms(sim), 500);
    CHECK_EQ(bm_sim_run_for(sim, 250), BM_OK);
    CHECK_EQ(bm_sim_now_ms(sim), 750);
    /* a node added now is processed at 750, its timer relative to that */
    struct timer_node t = {.sim = sim, .want = {760}, .n_want = 1};
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, NULL), BM_OK);
    CHECK_EQ(bm_sim_run_for(sim, 9), BM_OK);
    CHECK_EQ(t.calls, 1);
    CHECK_EQ(t.at_ms[0], 750);
    CHECK_EQ(bm_sim_run_for(sim, 1), BM_OK);
    CHECK_EQ(t.calls, 2);
    CHECK_EQ(t.at_ms[1], 760);
    bm_sim_free(sim);
}

static bool fewer_than_3_calls(void *ctx)
{
    const struct timer_node *t = ctx;
    return t->calls < 3;
}

static bool always(void *ctx)
{
    (void)ctx;
    return true;
}

static void test_run_while_stops_at_the_event_or_the_limit(void)
{
    struct bm_sim *sim = new_sim(1);
    struct timer_node t = {.sim = sim, .want = {40, 90, 5000}, .n_want = 3};
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, NULL), BM_OK);
    CHECK_EQ(bm_sim_run_while(sim, fewer_than_3_calls, &t, 1000), BM_OK);
    CHECK_EQ(t.calls, 3);
    CHECK_EQ(bm_sim_now_ms(sim), 90); /* stopped right after the third call */
    CHECK_EQ(bm_sim_run_while(sim, always, NULL, 1000), BM_ETIMEOUT);
    CHECK_EQ(bm_sim_now_ms(sim), 1090);
    CHECK_EQ(t.calls, 3); /* 5000 is beyond the limit */
    CHECK_EQ(bm_sim_run_while(sim, NULL, NULL, 10), BM_EINVAL);
    bm_sim_free(sim);
}

static void test_run_and_add_refused_inside_a_run(void)
{
    struct bm_sim *sim = new_sim(1);
    struct timer_node t = {.sim = sim, .try_reentry = true};
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, NULL), BM_OK);
    CHECK_EQ(bm_sim_run_for(sim, 5), BM_OK);
    CHECK_EQ(t.calls, 1);
    CHECK_EQ(t.run_rc, BM_ESTATE);
    CHECK_EQ(t.add_rc, BM_ESTATE);
    CHECK_EQ(bm_sim_node_count(sim), 1);
    bm_sim_free(sim);
}

static void test_kick_processes_at_the_current_time(void)
{
    struct bm_sim *sim = new_sim(1);
    struct timer_node t = {.sim = sim};
    CHECK_EQ(bm_sim_add_node(sim, &timer_ops, &t, NULL), BM_OK);
    CHECK_EQ(bm_sim_run_until(sim, 300), BM_OK);
    CHECK_EQ(t.calls, 1);
    CHECK_EQ(bm_sim_kick(sim, 0), BM_OK);
    CHECK_EQ(bm_sim_kick(sim, 1), BM_EINVAL);
    CHECK_EQ(bm_sim_run_until(sim, 400), BM_OK);
    CHECK_EQ(t.calls, 2);
    CHECK_EQ(t.at_ms[1], 300);
    bm_sim_free(sim);
}

static void test_splitmix64_reference_output(void)
{
    /* The published splitmix64 (Steele, Lea, Flood 2014) seeded with 0
     * gives 0xe220a8397b1dcdaf first, then 0x6e789e6aa1b965f4. */
    uint64_t st = 0;
    CHECK(bm_sim_splitmix64(&st) == 0xe220a8397b1dcdafull);
    CHECK(bm_sim_splitmix64(&st) == 0x6e789e6aa1b965f4ull);
}

static void draw(uint64_t seed, uint32_t nodes, uint32_t which, uint8_t *out, size_t len)
{
    struct bm_sim *sim = new_sim(seed);
    struct fake fs[4];
    CHECK_EQ(fake_add(sim, fs, nodes), BM_OK);
    const struct bm_platform *p = bm_sim_platform(sim, which);
    /* in two odd-sized pieces, as the core asks for nonces and keys */
    CHECK_EQ(p->random(p->ctx, out, 5), 0);
    CHECK_EQ(p->random(p->ctx, out + 5, len - 5), 0);
    bm_sim_free(sim);
}

static void test_random_streams_per_node_and_seed(void)
{
    uint8_t a[37], b[37], c[37], d[37], zero[37] = {0};
    draw(42, 2, 0, a, sizeof(a));
    draw(42, 2, 0, b, sizeof(b));
    CHECK_MEM("same seed, same node", a, sizeof(a), b, sizeof(b));
    draw(42, 3, 0, b, sizeof(b));
    CHECK_MEM("independent of other nodes", a, sizeof(a), b, sizeof(b));
    draw(42, 2, 1, c, sizeof(c));
    CHECK(memcmp(a, c, sizeof(a)) != 0);
    draw(43, 2, 0, d, sizeof(d));
    CHECK(memcmp(a, d, sizeof(a)) != 0);
    CHECK(memcmp(a, zero, sizeof(a)) != 0);
}

static void test_store_put_get_del(void)
{
    struct bm_sim *sim = new_sim(1);
    struct fake fs[2];
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    const struct bm_platform *p = fs[0].plat, *q = fs[1].plat;
    uint8_t buf[BM_SIM_STORE_MAX_LEN + 1], big[BM_SIM_STORE_MAX_LEN + 1];
    size_t len = 99;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + 1);

    CHECK_EQ(p->store_get(p->ctx, 1, buf, sizeof(buf), &len), BM_ENOENT);
    CHECK_EQ(p->store_del(p->ctx, 1), BM_ENOENT);
    CHECK_EQ(p->store_put(p->ctx, 1, "abc", 3), BM_OK);
    CHECK_EQ(p->store_get(p->ctx, 1, buf, sizeof(buf), &len), BM_OK);
    CHECK_MEM("key 1", buf, len, (const uint8_t *)"abc", 3);
    /* the other node's store is its own */
    CHECK_EQ(q->store_get(q->ctx, 1, buf, sizeof(buf), &len), BM_ENOENT);

    /* replace with the largest record; one octet more is refused whole */
    CHECK_EQ(p->store_put(p->ctx, 1, big, BM_SIM_STORE_MAX_LEN), BM_OK);
    CHECK_EQ(p->store_put(p->ctx, 1, big, BM_SIM_STORE_MAX_LEN + 1), BM_EINVAL);
    CHECK_EQ(p->store_get(p->ctx, 1, buf, sizeof(buf), &len), BM_OK);
    CHECK_MEM("max record", buf, len, big, BM_SIM_STORE_MAX_LEN);
    /* a buffer too small: nothing copied, the size needed reported */
    memset(buf, 0xee, 10);
    CHECK_EQ(p->store_get(p->ctx, 1, buf, 10, &len), BM_ENOSPC);
    CHECK_EQ(len, BM_SIM_STORE_MAX_LEN);
    CHECK_EQ(buf[0], 0xee);

    /* an empty record exists */
    CHECK_EQ(p->store_put(p->ctx, 2, NULL, 0), BM_OK);
    CHECK_EQ(p->store_get(p->ctx, 2, buf, sizeof(buf), &len), BM_OK);
    CHECK_EQ(len, 0);
    CHECK_EQ(bm_sim_store_count(sim, 0), 2);

    CHECK_EQ(p->store_del(p->ctx, 1), BM_OK);
    CHECK_EQ(p->store_get(p->ctx, 1, buf, sizeof(buf), &len), BM_ENOENT);
    CHECK_EQ(p->store_get(p->ctx, 2, buf, sizeof(buf), &len), BM_OK);
    CHECK_EQ(bm_sim_store_count(sim, 0), 1);
    CHECK_EQ(bm_sim_stats(sim, 0)->store_puts, 3);
    bm_sim_free(sim);
}

static void test_store_table_bound(void)
{
    struct bm_sim *sim = new_sim(1);
    struct fake f;
    CHECK_EQ(fake_add(sim, &f, 1), BM_OK);
    const struct bm_platform *p = f.plat;
    int fails = 0;
    for (uint16_t k = 0; k < BM_SIM_STORE_RECORDS; k++) {
        uint8_t v[2] = {(uint8_t)(k >> 8), (uint8_t)k};
        fails += p->store_put(p->ctx, (uint16_t)(k * 3 + 100), v, 2) != BM_OK;
    }
    CHECK_EQ(fails, 0);
    CHECK_EQ(p->store_put(p->ctx, 1, "x", 1), BM_ENOSPC);
    /* replacing a record still works when the table is full */
    CHECK_EQ(p->store_put(p->ctx, 100, "yz", 2), BM_OK);
    uint8_t buf[4];
    size_t len = 0;
    CHECK_EQ(p->store_get(p->ctx, 100, buf, sizeof(buf), &len), BM_OK);
    CHECK_MEM("replaced", buf, len, (const uint8_t *)"yz", 2);
    uint16_t last = (uint16_t)((BM_SIM_STORE_RECORDS - 1) * 3 + 100);
    CHECK_EQ(p->store_get(p->ctx, last, buf, sizeof(buf), &len), BM_OK);
    CHECK_EQ(len, 2);
    CHECK_EQ(buf[1], (uint8_t)(BM_SIM_STORE_RECORDS - 1));
    CHECK_EQ(bm_sim_store_clear(sim, 0), BM_OK);
    CHECK_EQ(bm_sim_store_count(sim, 0), 0);
    CHECK_EQ(p->store_put(p->ctx, 1, "x", 1), BM_OK);
    bm_sim_free(sim);
}

static void test_restart_keeps_store_drops_volatile_state(void)
{
    struct bm_sim *sim = new_sim(1);
    struct fake fs[2];
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    const struct bm_platform *p = fs[0].plat;
    CHECK_EQ(p->store_put(p->ctx, 7, "seq", 3), BM_OK);
    /* a timer at 1000 and an advertisement queued, both to be forgotten */
    fake_beacon(&fs[0], 1000, 1000, 5, 0);
    CHECK_EQ(bm_sim_run_until(sim, 10), BM_OK);
    fs[0].xmit = (struct bm_adv_xmit){8, 100};
    fake_send(&fs[0], 77, 0);
    CHECK_EQ(fs[0].last_err, BM_OK);

    struct timer_node t = {.sim = sim};
    CHECK_EQ(bm_sim_node_restart(sim, 0, &timer_ops, &t), BM_OK);
    CHECK_EQ(bm_sim_run_until(sim, 5000), BM_OK);
    CHECK_EQ(t.calls, 1); /* processed once, at the restart */
    CHECK_EQ(t.at_ms[0], 10);
    CHECK_EQ(fs[1].rx, 0); /* the queued advertisement never went out */
    CHECK_EQ(bm_sim_stats(sim, 0)->sent, 0);
    uint8_t buf[8];
    size_t len = 0;
    CHECK_EQ(p->store_get(p->ctx, 7, buf, sizeof(buf), &len), BM_OK);
    CHECK_MEM("kept", buf, len, (const uint8_t *)"seq", 3);
    CHECK_EQ(bm_sim_node_restart(sim, 2, NULL, NULL), BM_EINVAL);
    bm_sim_free(sim);
}

struct log_rec {
    int n;
    uint64_t ms;
    uint32_t node;
    enum bm_log_level level;
    char layer[8], line[32];
};

static void log_sink(void *ctx, uint64_t now_ms, uint32_t node, enum bm_log_level level,
                     const char *layer, const char *line)
{
    struct log_rec *r = ctx;
    r->n++;
    r->ms = now_ms;
    r->node = node;
    r->level = level;
    strncpy(r->layer, layer, sizeof(r->layer) - 1);
    strncpy(r->line, line, sizeof(r->line) - 1);
}

static void test_log_reaches_the_sink_with_time_and_node(void)
{
    struct bm_sim *sim = new_sim(1);
    struct fake fs[3];
    CHECK_EQ(fake_add(sim, fs, 3), BM_OK);
    CHECK_EQ(bm_sim_run_until(sim, 1234), BM_OK);
    const struct bm_platform *p = fs[2].plat;
    p->log(p->ctx, BM_LOG_WRN, "net", "dropped"); /* no sink: ignored */
    struct log_rec r = {0};
    bm_sim_set_log(sim, log_sink, &r);
    p->log(p->ctx, BM_LOG_INF, "net", "rx src=0x0003");
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.ms, 1234);
    CHECK_EQ(r.node, 2);
    CHECK_EQ(r.level, BM_LOG_INF);
    CHECK(strcmp(r.layer, "net") == 0);
    CHECK(strcmp(r.line, "rx src=0x0003") == 0);
    CHECK_EQ(p->now_ms(p->ctx), 1234);
    bm_sim_free(sim);
}

static void test_config_ranges(void)
{
    struct bm_sim_config cfg;
    struct bm_sim *sim = (struct bm_sim *)&cfg;
    bm_sim_config_default(&cfg);
    cfg.queue_len = 0;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_EINVAL);
    CHECK(sim == NULL);
    bm_sim_config_default(&cfg);
    cfg.queue_len = BM_SIM_QUEUE_MAX + 1;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_EINVAL);
    bm_sim_config_default(&cfg);
    cfg.adv_delay_max_us = BM_SIM_ADV_DELAY_MAX_US + 1;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_EINVAL);
    bm_sim_config_default(&cfg);
    cfg.scan_interval_ms = 0;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_EINVAL);
    CHECK_EQ(bm_sim_create(&sim, NULL), BM_OK);
    static const struct bm_sim_node_ops no_process = {fake_rx, NULL};
    CHECK_EQ(bm_sim_add_node(sim, &no_process, NULL, NULL), BM_EINVAL);
    CHECK(bm_sim_platform(sim, 0) == NULL);
    CHECK(bm_sim_stats(sim, 0) == NULL);
    bm_sim_free(sim);
    bm_sim_free(NULL);
}

int main(void)
{
    BM_RUN(test_timer_fires_at_the_requested_ms);
    BM_RUN(test_timer_in_the_past_runs_next_ms);
    BM_RUN(test_run_until_and_run_for_move_the_clock);
    BM_RUN(test_run_while_stops_at_the_event_or_the_limit);
    BM_RUN(test_run_and_add_refused_inside_a_run);
    BM_RUN(test_kick_processes_at_the_current_time);
    BM_RUN(test_splitmix64_reference_output);
    BM_RUN(test_random_streams_per_node_and_seed);
    BM_RUN(test_store_put_get_del);
    BM_RUN(test_store_table_bound);
    BM_RUN(test_restart_keeps_store_drops_volatile_state);
    BM_RUN(test_log_reaches_the_sink_with_time_and_node);
    BM_RUN(test_config_ranges);
    return bm_test_done();
}
