/* Air quality: acknowledged messages and maximum-size segmented messages
 * (32 segments: a 380-octet access payload, Mesh Profile 3.5.3) still
 * arrive on links that lose 30% of advertisements, and in a crowd of 100
 * nodes in range of each other with the collision model on, where every
 * node publishes every ~2 s. Counts go to the test output: requests sent,
 * answered, lost (timed out after the client's retries), the simulator's
 * losses and collisions, and how many PDUs the senders needed (retries).
 *
 * Traffic: node 0 is a Configuration Client with every node's device key;
 * it sends Composition Data Get (a segmented Status back) and Default TTL
 * Get in turn, one at a time. Node 1 sends 32-segment echo messages to
 * node 2 (a vendor model), one at a time, each acknowledged by block
 * acks. */
#include <stdio.h>
#include <string.h>

#include "blemesh/cfg_client.h"
#include "node/node.h"
#include "sec_env.h"
#include "test.h"

#define BIG_LEN 377 /* + 3-octet opcode = 380 octets: 32 segments */
#define GROUP 0xc0ff

struct quality {
    struct sec_net s;
    uint64_t pdus[SEC_MAX_NODES]; /* network PDU advertising events per node */
    int req_sent, req_ok, req_lost;
    int rsp_count;
    struct bm_cfg_rsp rsp;
    int big_sent, big_ok, big_lost;
    int pubs;
};

static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    (void)t_us;
    struct quality *q = ctx;
    if (len >= 2 && adv[1] == BM_AD_MESH_MESSAGE && node < SEC_MAX_NODES)
        q->pdus[node]++;
}

static void on_rsp(void *user, const struct bm_cfg_rsp *rsp)
{
    struct quality *q = user;
    q->rsp = *rsp;
    q->rsp_count++;
}

static void quality_setup(struct quality *q, int count, uint64_t seed, bool collisions)
{
    memset(q, 0, sizeof(*q));
    sec_net_setup(&q->s, count, seed, collisions, 0, false);
    bm_sim_set_transcript(q->s.sim, on_air, q);
    struct bm_node *c = q->s.n[0]->node;
    CHECK_EQ(bm_cfg_cli_enable(c, on_rsp, q), BM_OK);
    for (int i = 1; i < count && i <= BM_CFG_PROV_NODES; i++) {
        struct bm_prov_db_node *d = &c->db[i - 1];
        d->used = true;
        d->addr = sec_addr(i);
        d->elements = 1;
        sec_dev_key(i, d->dev_key);
    }
}

/* Runs the traffic for duration_ms: requests from node 0 to nodes 1..,
 * big messages from 1 to 2, and (publish) every node publishing. */
static void quality_run(struct quality *q, int requests, int bigs, bool publish,
                        uint64_t limit_ms)
{
    struct sec_net *s = &q->s;
    uint8_t big[BIG_LEN];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 13 + 5);
    uint64_t next_pub[SEC_MAX_NODES];
    for (int i = 0; i < s->count; i++)
        next_pub[i] = bm_sim_now_ms(s->sim) + (uint64_t)(i * 2000 / s->count);
    int target = 1, big_before = 0;
    bool req_busy = false, big_busy = false;
    uint64_t big_start = 0;
    uint64_t end = bm_sim_now_ms(s->sim) + limit_ms;
    while (bm_sim_now_ms(s->sim) < end) {
        uint64_t now = bm_sim_now_ms(s->sim);
        /* the client: one request in flight */
        if (req_busy && !bm_cfg_cli_busy(s->n[0]->node)) {
            req_busy = false;
            if (q->rsp.err == BM_OK)
                q->req_ok++;
            else
                q->req_lost++;
        }
        if (!req_busy && q->req_sent < requests) {
            uint16_t dst = sec_addr(target);
            target = target % (s->count - 1) + 1;
            int rc = (q->req_sent & 1) ? bm_cfg_ttl_get(s->n[0]->node, dst)
                                       : bm_cfg_comp_get(s->n[0]->node, dst, 0);
            CHECK_EQ(rc, BM_OK);
            bm_sim_kick(s->sim, s->n[0]->id);
            q->req_sent++;
            req_busy = true;
        }
        /* node 1 -> node 2: one 32-segment message in flight */
        if (big_busy) {
            bool delivered = s->got[2].count > big_before && s->got[2].len == BIG_LEN;
            bool acked = !s->n[1]->node->sar_tx[0].busy;
            if (delivered && acked) {
                q->big_ok++;
                big_busy = false;
            } else if (acked || now - big_start > 30000) {
                q->big_lost++; /* the sender gave up, or 30 s passed */
                big_busy = false;
            }
        }
        if (!big_busy && q->big_sent < bigs) {
            big_before = s->got[2].count;
            big[0] = (uint8_t)q->big_sent;
            CHECK_EQ(sec_echo(s, 1, sec_addr(2), big, sizeof(big)), BM_OK);
            q->big_sent++;
            big_busy = true;
            big_start = now;
        }
        if (publish) {
            for (int i = 3; i < s->count; i++) {
                if (now < next_pub[i])
                    continue;
                uint8_t v = (uint8_t)i;
                if (sec_echo(s, i, GROUP, &v, 1) == BM_OK)
                    q->pubs++;
                next_pub[i] = now + 1800 + (uint64_t)((i * 37) % 400);
            }
        }
        if (!req_busy && !big_busy && q->req_sent >= requests && q->big_sent >= bigs)
            break;
        bm_sim_run_for(s->sim, 20);
    }
    /* what was still in flight at the limit is lost */
    q->req_lost += req_busy;
    q->big_lost += big_busy;
}

static void report(struct quality *q, const char *name, int bigs)
{
    struct bm_sim_stats t;
    bm_sim_stats_total(q->s.sim, &t);
    printf("    %s: acknowledged requests sent %d, answered %d, lost %d; client network PDUs %llu "
           "(%.1f per request incl. retries and segment acks)\n",
           name, q->req_sent, q->req_ok, q->req_lost, (unsigned long long)q->pdus[0] / 3,
           q->req_sent ? (double)q->pdus[0] / 3.0 / q->req_sent : 0.0);
    printf("    %s: 32-segment messages sent %d, delivered %d, lost %d; segment PDUs sent %llu "
           "for %d (%.2f per segment incl. retries)\n",
           name, q->big_sent, q->big_ok, q->big_lost, (unsigned long long)q->pdus[1] / 3,
           32 * bigs, bigs ? (double)q->pdus[1] / 3.0 / (32.0 * bigs) : 0.0);
    printf("    %s: air: %llu advertising events, %llu received, %llu lost (link), %llu "
           "collided, %d publications; %.1f s virtual\n",
           name, (unsigned long long)t.sent, (unsigned long long)t.received,
           (unsigned long long)t.dropped_loss, (unsigned long long)t.dropped_collision, q->pubs,
           bm_sim_now_ms(q->s.sim) / 1000.0);
}

static void test_thirty_percent_loss(void)
{
    struct quality q;
    quality_setup(&q, 3, 81, false);
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            bm_sim_link(q.s.sim, q.s.n[i]->id, q.s.n[j]->id, 0.7);
    bm_sim_run_for(q.s.sim, 100);
    quality_run(&q, 20, 5, false, 600000);
    report(&q, "30% loss", 5);
    CHECK_EQ(q.req_ok, 20);
    CHECK_EQ(q.big_ok, 5);
    struct bm_sim_stats t;
    bm_sim_stats_total(q.s.sim, &t);
    CHECK(t.dropped_loss > 0);
    sec_net_free(&q.s);
}

static void test_crowd_of_100_with_collisions(void)
{
    struct quality q;
    quality_setup(&q, 100, 82, true);
    CHECK_EQ(bm_sim_set_range(q.s.sim, 20.0, 1.0), BM_OK);
    for (int i = 0; i < 100; i++) /* a 10 x 10 grid, 1 m apart: all in range */
        bm_sim_set_position(q.s.sim, q.s.n[i]->id, i % 10, i / 10);
    bm_sim_run_for(q.s.sim, 100);
    quality_run(&q, 20, 3, true, 600000);
    report(&q, "100 nodes", 3);
    CHECK_EQ(q.req_ok, 20);
    CHECK_EQ(q.big_ok, 3);
    struct bm_sim_stats t;
    bm_sim_stats_total(q.s.sim, &t);
    CHECK(t.dropped_collision > 1000); /* collision-heavy indeed */
    sec_net_free(&q.s);
}

int main(void)
{
    BM_RUN(test_thirty_percent_loss);
    BM_RUN(test_crowd_of_100_with_collisions);
    return bm_test_done();
}
