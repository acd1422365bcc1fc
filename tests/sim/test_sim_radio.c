/* The radio model: advertising-event timing and airtime, links, positions,
 * loss, collisions, the bearer queue, the radio switch and determinism.
 * Expected numbers are computed by hand in the comments (airtime: 8 us per
 * octet of 16 + len; Core 6.B.4.4.2.2 advDelay 0..10 ms). */
#include <math.h>
#include <string.h>

#include "fake_node.h"
#include "test.h"

struct txlog {
    int n;
    uint64_t t_us[256];
    uint32_t node[256];
};

static void txlog_fn(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *d, size_t len)
{
    struct txlog *l = ctx;
    (void)d;
    (void)len;
    if (l->n < 256) {
        l->t_us[l->n] = t_us;
        l->node[l->n] = node;
    }
    l->n++;
}

static struct bm_sim *new_sim(uint64_t seed, bool collisions, uint32_t delay_max_us,
                              uint8_t queue_len, uint32_t scan_ms)
{
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    cfg.collisions = collisions;
    cfg.adv_delay_max_us = delay_max_us;
    cfg.queue_len = queue_len;
    cfg.scan_interval_ms = scan_ms;
    struct bm_sim *sim = NULL;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_OK);
    return sim;
}

static struct bm_sim *default_sim(uint64_t seed)
{
    return new_sim(seed, false, BM_SIM_ADV_DELAY_MAX_US, BM_SIM_QUEUE_DEFAULT,
                   BM_SIM_SCAN_INTERVAL_DEFAULT_MS);
}

static void test_adv_events_spaced_by_interval_plus_adv_delay(void)
{
    struct bm_sim *sim = default_sim(3);
    struct fake fs[2];
    struct txlog l = {0};
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    bm_sim_set_transcript(sim, txlog_fn, &l);
    fs[0].xmit = (struct bm_adv_xmit){5, 100};
    fake_beacon(&fs[0], 100, 1000, 1, 0);
    CHECK_EQ(bm_sim_run_until(sim, 5000), BM_OK);

    CHECK_EQ(l.n, 5);
    /* the first event advDelay after the send at 100 ms, then every
     * interval + advDelay, advDelay in 0..10000 us */
    CHECK(l.t_us[0] >= 100000 && l.t_us[0] <= 110000);
    int distinct = 0;
    for (int i = 1; i < 5; i++) {
        uint64_t gap = l.t_us[i] - l.t_us[i - 1];
        CHECK(gap >= 100000 && gap <= 110000);
        distinct += gap != l.t_us[1] - l.t_us[0];
    }
    CHECK(distinct > 0); /* the delay is drawn per event */
    const struct bm_sim_stats *s = bm_sim_stats(sim, 0);
    CHECK_EQ(s->queued, 1);
    CHECK_EQ(s->sent, 5);
    CHECK_EQ(s->transmissions, 15); /* channels 37, 38, 39 */
    CHECK_EQ(fs[1].rx, 5);          /* one chance per event, p = 1 */
    CHECK_EQ(bm_sim_stats(sim, 1)->received, 5);
    bm_sim_free(sim);
}

static void test_airtime_and_channel_offsets(void)
{
    /* 31 octets of advertising data: 8 * (16 + 31) = 376 us on the air;
     * 1 octet: 8 * 17 = 136 us. */
    CHECK_EQ(bm_sim_airtime_us(31), 376);
    CHECK_EQ(bm_sim_airtime_us(1), 136);

    struct bm_sim *sim = default_sim(5);
    struct fake fs[2];
    struct txlog l = {0};
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    bm_sim_set_transcript(sim, txlog_fn, &l);
    uint8_t adv[31];
    memset(adv, 0x5a, sizeof(adv));
    adv[0] = 30;
    adv[1] = BM_AD_MESH_MESSAGE;
    struct bm_adv_xmit x = {8, 20};
    const struct bm_platform *p = fs[0].plat;
    CHECK_EQ(p->adv_send(p->ctx, adv, sizeof(adv), &x), BM_OK);
    CHECK_EQ(bm_sim_run_until(sim, 1000), BM_OK);
    CHECK_EQ(l.n, 8);
    CHECK_EQ(fs[1].n_log, 8);
    /* The PDU on channel c starts c * (376 + 150) us into the event and is
     * delivered when it ends: 376, 902 or 1428 us after the event start. */
    bool seen[3] = {false, false, false};
    for (int i = 0; i < 8 && i < l.n; i++) {
        uint64_t off = fs[1].rx_us[i] - l.t_us[i];
        bool ok = off == 376 || off == 902 || off == 1428;
        CHECK(ok);
        seen[0] |= off == 376;
        seen[1] |= off == 902;
        seen[2] |= off == 1428;
        CHECK_EQ(fs[1].rx_len[i], 31);
    }
    /* Events 20..30 ms apart over >= 140 ms against a scanner that moves to
     * the next channel every 30 ms: it listens on all three in turn. */
    CHECK(seen[0] && seen[1] && seen[2]);
    bm_sim_free(sim);
}

static void test_links_deliver_only_to_neighbours(void)
{
    struct bm_sim *sim = default_sim(1);
    struct fake fs[3];
    CHECK_EQ(fake_add(sim, fs, 3), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 0, 1.0), BM_EINVAL);
    CHECK_EQ(bm_sim_link(sim, 0, 3, 1.0), BM_EINVAL);
    CHECK_EQ(bm_sim_link(sim, 0, 2, 1.5), BM_EINVAL);
    CHECK_EQ(bm_sim_link(sim, 0, 2, -0.1), BM_EINVAL);
    CHECK_EQ(bm_sim_link(sim, 0, 2, NAN), BM_EINVAL);
    fake_beacon(&fs[0], 10, 100, 3, 0);
    CHECK_EQ(bm_sim_run_until(sim, 1000), BM_OK);
    CHECK_EQ(fs[1].rx, 3);
    CHECK_EQ(fs[2].rx, 0);
    CHECK_EQ(fs[0].rx, 0); /* a sender never hears itself */
    CHECK_EQ(fs[1].rx_rssi[0], BM_SIM_LINK_RSSI_DEFAULT);

    /* unlinked: nothing more arrives */
    CHECK_EQ(bm_sim_unlink(sim, 1, 0), BM_OK);
    fake_beacon(&fs[0], 1100, 100, 3, 10);
    CHECK_EQ(bm_sim_run_until(sim, 2000), BM_OK);
    CHECK_EQ(fs[1].rx, 3);
    bm_sim_free(sim);
}

static void test_directed_link_and_rssi(void)
{
    struct bm_sim *sim = default_sim(1);
    struct fake fs[2];
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link_rssi(sim, 0, 1, 1.0, -77), BM_OK);
    fake_beacon(&fs[0], 10, 100, 3, 0);
    fake_beacon(&fs[1], 20, 100, 3, 100);
    CHECK_EQ(bm_sim_run_until(sim, 1000), BM_OK);
    CHECK_EQ(fs[1].rx, 3);
    CHECK_EQ(fs[0].rx, 0);
    CHECK_EQ(fs[1].rx_rssi[2], -77);
    bm_sim_free(sim);
}

static void test_positions_and_range(void)
{
    struct bm_sim *sim = default_sim(1);
    struct fake fs[8];
    CHECK_EQ(fake_add(sim, fs, 8), BM_OK);
    /* distances: 0-1 5 (= range, in), 1-2 5, 0-4 5 (3-4-5), 1-4 sqrt(20),
     * 2-4 sqrt(65), 2-3 10; 5 and 6 far away 0.5 apart; 7 has no position */
    static const double xy[7][2] = {{0, 0}, {5, 0}, {10, 0}, {20, 0}, {3, 4},
                                    {1e7, 0}, {1e7 + 0.5, 0}};
    for (uint32_t i = 0; i < 7; i++)
        CHECK_EQ(bm_sim_set_position(sim, i, xy[i][0], xy[i][1]), BM_OK);
    CHECK_EQ(bm_sim_set_position(sim, 0, NAN, 0), BM_EINVAL);
    CHECK_EQ(bm_sim_set_range(sim, -1, 1.0), BM_EINVAL);
    CHECK_EQ(bm_sim_set_range(sim, 5.0, 1.0), BM_OK);
    for (uint32_t i = 0; i < 8; i++)
        fake_beacon(&fs[i], 10 + 50 * i, 1000, 1, (uint16_t)i);
    CHECK_EQ(bm_sim_run_until(sim, 2000), BM_OK);

    static const uint8_t hears[8][8] = {
        {0, 1, 0, 0, 1, 0, 0, 0}, {1, 0, 1, 0, 1, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 1, 0},
        {0, 0, 0, 0, 0, 1, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}};
    for (uint32_t r = 0; r < 8; r++) {
        for (uint16_t s = 0; s < 8; s++)
            CHECK_EQ(fake_seen(&fs[r], s) && s != r, hears[r][s]);
    }
    /* RSSI -40 - 20 log10(d): d = 5 gives -53.98 -> -54, sqrt(20) -53.01 -> -53,
     * d = 0.5 is clamped to 1 m: -40 */
    for (uint32_t i = 0; i < fs[0].n_log; i++)
        CHECK_EQ(fs[0].rx_rssi[i], -54);
    for (uint32_t i = 0; i < fs[4].n_log; i++)
        CHECK_EQ(fs[4].rx_rssi[i], fs[4].rx_id[i] == 1 ? -53 : -54);
    CHECK_EQ(fs[5].rx_rssi[0], -40);

    /* an explicit link overrides the positions, one direction only */
    CHECK_EQ(bm_sim_link_directed(sim, 0, 1, 0.0), BM_OK);
    fake_beacon(&fs[0], 2100, 1000, 1, 20);
    fake_beacon(&fs[1], 2200, 1000, 1, 21);
    CHECK_EQ(bm_sim_run_until(sim, 3000), BM_OK);
    CHECK(!fake_seen(&fs[1], 20));
    CHECK(fake_seen(&fs[4], 20));
    CHECK(fake_seen(&fs[0], 21));
    CHECK_EQ(bm_sim_stats(sim, 1)->dropped_loss, 1);
    bm_sim_free(sim);
}

static uint64_t run_loss(double prob, uint32_t events, uint64_t *lost)
{
    struct bm_sim *sim = default_sim(11);
    struct fake fs[2];
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link_directed(sim, 0, 1, prob), BM_OK);
    fake_beacon(&fs[0], 0, 25, events, 0);
    CHECK_EQ(bm_sim_run_until(sim, 25ull * events + 1000), BM_OK);
    CHECK_EQ(bm_sim_stats(sim, 0)->sent, events);
    CHECK_EQ(fs[0].errors, 0);
    uint64_t rx = fs[1].rx;
    *lost = bm_sim_stats(sim, 1)->dropped_loss;
    CHECK_EQ(rx, bm_sim_stats(sim, 1)->received);
    bm_sim_free(sim);
    return rx;
}

static void test_loss_is_binomial(void)
{
    uint64_t lost;
    /* n = 10000, p = 0.9: mean 9000, sd sqrt(n p (1-p)) = 30; allow 5 sd */
    uint64_t rx = run_loss(0.9, 10000, &lost);
    CHECK(rx >= 8850 && rx <= 9150);
    CHECK_EQ(rx + lost, 10000);
    CHECK_EQ(run_loss(0.0, 1000, &lost), 0);
    CHECK_EQ(lost, 1000);
    CHECK_EQ(run_loss(1.0, 1000, &lost), 1000);
    CHECK_EQ(lost, 0);
}

/* A (0) and B (1) both send one advertisement at t = 100 ms with no
 * advDelay; C (2) hears both. */
static void run_pair(bool collisions, bool ab_linked, uint64_t b_ms, uint32_t scan_ms,
                     struct fake *fs, uint64_t *coll)
{
    struct bm_sim *sim = new_sim(9, collisions, 0, BM_SIM_QUEUE_DEFAULT, scan_ms);
    CHECK_EQ(fake_add(sim, fs, 3), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 2, 1.0), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 1, 2, 1.0), BM_OK);
    if (ab_linked)
        CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    fake_beacon(&fs[0], 100, 1000, 1, 1);
    fake_beacon(&fs[1], b_ms, 1000, 1, 2);
    CHECK_EQ(bm_sim_run_until(sim, 1000), BM_OK);
    for (int i = 0; i < 3; i++)
        coll[i] = bm_sim_stats(sim, (uint32_t)i)->dropped_collision;
    bm_sim_free(sim);
}

static void test_collisions_at_a_common_receiver(void)
{
    struct fake fs[3];
    uint64_t coll[3];
    run_pair(true, false, 100, 30, fs, coll);
    CHECK_EQ(fs[2].rx, 0);
    CHECK_EQ(coll[2], 2); /* both PDUs lost */
    run_pair(false, false, 100, 30, fs, coll);
    CHECK_EQ(fs[2].rx, 2);
    CHECK_EQ(coll[2], 0);
    /* 1 ms apart the two events overlap in time (each lasts
     * 3 * 8 * (16 + 5) + 2 * 150 = 804 us) but C listens on one channel,
     * where the two PDUs are 1000 us apart and 168 us long. The scan
     * interval is long so that C stays on one channel across both. */
    run_pair(true, false, 101, 100000, fs, coll);
    CHECK_EQ(fs[2].rx, 2);
    CHECK_EQ(coll[2], 0);
}

static void test_half_duplex_with_collisions(void)
{
    struct fake fs[3];
    uint64_t coll[3];
    run_pair(true, true, 100, 30, fs, coll);
    CHECK_EQ(fs[0].rx, 0); /* each was transmitting when the other's came */
    CHECK_EQ(fs[1].rx, 0);
    CHECK_EQ(coll[0], 1);
    CHECK_EQ(coll[1], 1);
    run_pair(false, true, 100, 30, fs, coll);
    CHECK_EQ(fs[0].rx, 1);
    CHECK_EQ(fs[1].rx, 1);
}

static void test_bearer_queue_bound_and_arguments(void)
{
    struct bm_sim *sim = new_sim(1, false, 0, 4, 30);
    struct fake fs[2];
    struct txlog l = {0};
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    bm_sim_set_transcript(sim, txlog_fn, &l);
    const struct bm_platform *p = fs[0].plat;
    uint8_t m[32] = {4, BM_AD_MESH_MESSAGE, 0, 1, 0};
    struct bm_adv_xmit x = {1, 20};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(p->adv_send(p->ctx, m, FAKE_MSG_LEN, &x), BM_OK);
    CHECK_EQ(p->adv_send(p->ctx, m, FAKE_MSG_LEN, &x), BM_ENOSPC);
    CHECK_EQ(bm_sim_stats(sim, 0)->queued, 4);
    CHECK_EQ(bm_sim_stats(sim, 0)->rejected, 1);
    CHECK_EQ(bm_sim_run_for(sim, 100), BM_OK);
    CHECK_EQ(l.n, 4);
    /* one radio: the four events queued at one instant go one after the
     * other, each 3 * 8 * (16 + 5) + 2 * 150 = 804 us long */
    for (int i = 1; i < 4; i++)
        CHECK(l.t_us[i] - l.t_us[i - 1] >= 804);
    CHECK_EQ(p->adv_send(p->ctx, m, FAKE_MSG_LEN, &x), BM_OK);

    CHECK_EQ(p->adv_send(p->ctx, m, 31, &x), BM_OK);
    CHECK_EQ(p->adv_send(p->ctx, m, 32, &x), BM_EINVAL);
    CHECK_EQ(p->adv_send(p->ctx, m, 0, &x), BM_EINVAL);
    CHECK_EQ(p->adv_send(p->ctx, NULL, 5, &x), BM_EINVAL);
    CHECK_EQ(p->adv_send(p->ctx, m, 5, NULL), BM_EINVAL);
    struct bm_adv_xmit bad[] = {{0, 20}, {9, 20}, {1, 321}};
    for (int i = 0; i < 3; i++)
        CHECK_EQ(p->adv_send(p->ctx, m, 5, &bad[i]), BM_EINVAL);
    CHECK_EQ(bm_sim_stats(sim, 0)->rejected, 8);
    bm_sim_free(sim);
}

static void test_radio_off(void)
{
    struct bm_sim *sim = default_sim(1);
    struct fake fs[2];
    struct txlog l = {0};
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    CHECK_EQ(bm_sim_link(sim, 0, 1, 1.0), BM_OK);
    bm_sim_set_transcript(sim, txlog_fn, &l);
    CHECK_EQ(bm_sim_set_radio(sim, 1, false), BM_OK);
    CHECK_EQ(bm_sim_set_radio(sim, 2, false), BM_EINVAL);
    fake_beacon(&fs[0], 10, 100, 3, 0);
    fake_beacon(&fs[1], 20, 100, 2, 100);
    CHECK_EQ(bm_sim_run_until(sim, 1000), BM_OK);
    CHECK_EQ(fs[1].rx, 0);
    CHECK_EQ(bm_sim_stats(sim, 1)->missed_off, 3);
    CHECK_EQ(fs[0].rx, 0);
    CHECK_EQ(bm_sim_stats(sim, 1)->sent, 2);
    CHECK_EQ(bm_sim_stats(sim, 1)->transmissions, 0);
    CHECK_EQ(l.n, 3); /* only node 0's events were on the air */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(l.node[i], 0);

    CHECK_EQ(bm_sim_set_radio(sim, 1, true), BM_OK);
    fake_beacon(&fs[0], 1100, 100, 1, 5);
    CHECK_EQ(bm_sim_run_until(sim, 2000), BM_OK);
    CHECK_EQ(fs[1].rx, 1);
    bm_sim_free(sim);
}

/* A 6 x 5 grid, range 1.5 (8 neighbours), p = 0.8, collisions on; three
 * sources beacon and everyone relays. */
static uint64_t run_scenario(uint64_t seed, struct bm_sim_stats *tot, uint64_t *n_tx,
                             uint64_t *chances)
{
    struct bm_sim *sim = new_sim(seed, true, BM_SIM_ADV_DELAY_MAX_US, 8, 30);
    struct fake fs[30];
    struct tx_hash h;
    tx_hash_init(&h);
    CHECK_EQ(fake_add(sim, fs, 30), BM_OK);
    for (uint32_t i = 0; i < 30; i++) {
        CHECK_EQ(bm_sim_set_position(sim, i, i % 6, i / 6), BM_OK);
        fs[i].relay = true;
        fs[i].xmit = (struct bm_adv_xmit){3, 20};
    }
    CHECK_EQ(bm_sim_set_range(sim, 1.5, 0.8), BM_OK);
    bm_sim_set_transcript(sim, tx_hash_fn, &h);
    fake_beacon(&fs[0], 10, 97, 20, 0);
    fake_beacon(&fs[17], 13, 101, 20, 100);
    fake_beacon(&fs[29], 10, 89, 20, 200);
    CHECK_EQ(bm_sim_run_until(sim, 5000), BM_OK);
    bm_sim_stats_total(sim, tot);
    *n_tx = h.n;
    /* Each event of node (x, y) reaches its 8-neighbourhood clipped to the
     * grid (range 1.5 > sqrt 2, < 2). */
    *chances = 0;
    for (uint32_t i = 0; i < 30; i++) {
        int x = (int)(i % 6), y = (int)(i / 6), nb = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                nb += (dx || dy) && x + dx >= 0 && x + dx < 6 && y + dy >= 0 && y + dy < 5;
        *chances += bm_sim_stats(sim, i)->sent * (uint64_t)nb;
    }
    bm_sim_free(sim);
    return h.h;
}

static void test_same_seed_same_transcript(void)
{
    struct bm_sim_stats a, b, c;
    uint64_t na, nb, nc, ch, ignore;
    uint64_t ha = run_scenario(7, &a, &na, &ch);
    uint64_t hb = run_scenario(7, &b, &nb, &ignore);
    uint64_t hc = run_scenario(8, &c, &nc, &ignore);
    CHECK(na > 1000); /* the scenario did something */
    CHECK(ha == hb);
    CHECK_EQ(na, nb);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    CHECK(ha != hc);
    /* every loss kind happened, and the counters add up: each event gives
     * each neighbour exactly one chance to receive it */
    CHECK(a.dropped_collision > 0 && a.dropped_loss > 0 && a.received > 0);
    CHECK_EQ(a.transmissions, 3 * a.sent);
    CHECK_EQ(a.sent, na);
    CHECK_EQ(a.received + a.dropped_loss + a.dropped_collision, ch);
}

static void test_counters_for_the_glue(void)
{
    struct bm_sim *sim = default_sim(1);
    struct fake fs[2];
    CHECK_EQ(fake_add(sim, fs, 2), BM_OK);
    bm_sim_stats(sim, 0)->dropped_cache += 2;
    bm_sim_stats(sim, 1)->dropped_cache += 1;
    bm_sim_stats(sim, 1)->dropped_replay += 4;
    struct bm_sim_stats t;
    bm_sim_stats_total(sim, &t);
    CHECK_EQ(t.dropped_cache, 3);
    CHECK_EQ(t.dropped_replay, 4);
    bm_sim_free(sim);
}

int main(void)
{
    BM_RUN(test_adv_events_spaced_by_interval_plus_adv_delay);
    BM_RUN(test_airtime_and_channel_offsets);
    BM_RUN(test_links_deliver_only_to_neighbours);
    BM_RUN(test_directed_link_and_rssi);
    BM_RUN(test_positions_and_range);
    BM_RUN(test_loss_is_binomial);
    BM_RUN(test_collisions_at_a_common_receiver);
    BM_RUN(test_half_duplex_with_collisions);
    BM_RUN(test_bearer_queue_bound_and_arguments);
    BM_RUN(test_radio_off);
    BM_RUN(test_same_seed_same_transcript);
    BM_RUN(test_counters_for_the_glue);
    return bm_test_done();
}
