/* Generic OnOff and Generic Level (Mesh Model 1.0.1, 3.1-3.3) between a
 * client node and a server node in the simulated air: acknowledged and
 * unacknowledged Sets, the 6-second TID rule, Delay and Transition Time
 * observed at the virtual times they fall on, Level Delta (transactions)
 * and Move (speed, stop, limit).
 *
 * Expected bytes are worked out by hand from the spec's encodings: Status
 * is Present [Target, Remaining Time]; levels are little-endian sint16;
 * Transition Time is steps (6 bits) | resolution (2 bits: 100 ms, 1 s,
 * 10 s, 10 min); Delay counts 5 ms steps. A "spy" model on each element
 * records every generic message with the virtual time it arrived. */
#include <string.h>

#include "access/model.h"
#include "mesh_sim.h"
#include "node/node.h"
#include "test.h"

#define SRV_ADDR 0x0100
#define CLI_ADDR 0x0101

struct rec {
    uint32_t op;
    uint64_t t;
    uint16_t src;
    uint8_t p[8];
    size_t len;
};

struct spy {
    struct rec r[64];
    int n;
};

struct events {
    int n;
    struct bm_model_event_info last;
    uint64_t t[16];
    int32_t v[16];
};

struct fx {
    struct bm_sim *sim;
    struct test_node *srv_n, *cli_n;
    struct bm_model *srv, *cli, *srv_spy, *cli_spy;
    struct spy s_spy, c_spy;
    struct events s_ev, c_ev;
};

static struct fx *g_fx; /* for the callbacks' clock (test code only) */

static int on_spy(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                  const uint8_t *params, size_t len, uint32_t op)
{
    (void)node;
    struct spy *s = model->user;
    if (s->n < 64) {
        struct rec *r = &s->r[s->n++];
        r->op = op;
        r->t = bm_sim_now_ms(g_fx->sim);
        r->src = ctx->src;
        r->len = len < sizeof(r->p) ? len : sizeof(r->p);
        memcpy(r->p, params, r->len);
    }
    return BM_OK;
}

static const struct bm_model_op spy_ops[] = {
    {0x8201, 0, 8, on_spy}, {0x8202, 0, 8, on_spy}, {0x8203, 0, 8, on_spy}, {0x8204, 0, 8, on_spy},
    {0x8205, 0, 8, on_spy}, {0x8206, 0, 8, on_spy}, {0x8207, 0, 8, on_spy}, {0x8208, 0, 8, on_spy},
    {0x8209, 0, 8, on_spy}, {0x820a, 0, 8, on_spy}, {0x820b, 0, 8, on_spy}, {0x820c, 0, 8, on_spy},
};
static const struct bm_model_type spy_type = {
    .company = 0x000a, .id = 0x0002, .ops = spy_ops, .op_count = 12};

static const uint8_t net_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

static void on_event(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct events *ev = user;
    if (ev->n < 16) {
        ev->t[ev->n] = bm_sim_now_ms(g_fx->sim);
        ev->v[ev->n] = e->value;
    }
    ev->n++;
    ev->last = *e;
}

static struct test_node *make_node(struct fx *f, uint16_t addr)
{
    struct test_node *n = mesh_sim_add(f->sim);
    CHECK_EQ(bm_create_element(n->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(n->node, "n", BM_OOB_NONE), BM_OK);
    uint8_t dev_key[16] = {0xd0, (uint8_t)addr};
    CHECK_EQ(bm_node_provisioned(n->node, net_key, 0, 0, 0x1000, addr, dev_key), BM_OK);
    CHECK_EQ(bm_node_app_key_add(n->node, 0, 1, app_key), BM_OK);
    return n;
}

/* A server (functionality fn) on 0x0100 publishing to the client on
 * 0x0101; both bound to AppKey 1. */
static void fx_setup(struct fx *f, uint8_t fn, int32_t initial)
{
    memset(f, 0, sizeof(*f));
    g_fx = f;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    CHECK_EQ(bm_sim_create(&f->sim, &cfg), BM_OK);
    f->srv_n = make_node(f, SRV_ADDR);
    f->cli_n = make_node(f, CLI_ADDR);
    bm_sim_link(f->sim, f->srv_n->id, f->cli_n->id, 1.0);
    CHECK_EQ(bm_add_model(f->srv_n->node, 0, BM_GENERIC, fn, BM_SERVER, on_event, &f->s_ev, initial,
                          &f->srv),
             BM_OK);
    CHECK_EQ(
        bm_add_model(f->cli_n->node, 0, BM_GENERIC, fn, BM_CLIENT, on_event, &f->c_ev, 0, &f->cli),
        BM_OK);
    CHECK_EQ(bm_access_model_add(f->srv_n->node, 0, &spy_type, &f->srv_spy), BM_OK);
    CHECK_EQ(bm_access_model_add(f->cli_n->node, 0, &spy_type, &f->cli_spy), BM_OK);
    f->srv_spy->user = &f->s_spy;
    f->cli_spy->user = &f->c_spy;
    CHECK_EQ(bm_access_bind(f->srv, 1), BM_OK);
    CHECK_EQ(bm_access_bind(f->cli, 1), BM_OK);
    CHECK_EQ(bm_access_bind(f->srv_spy, 1), BM_OK);
    CHECK_EQ(bm_access_bind(f->cli_spy, 1), BM_OK);
    f->srv->pub.addr = CLI_ADDR;
    f->srv->pub.app_idx = 1;
    bm_sim_run_for(f->sim, 100);
}

static void fx_free(struct fx *f)
{
    mesh_sim_free(f->srv_n);
    mesh_sim_free(f->cli_n);
    bm_sim_free(f->sim);
    g_fx = NULL;
}

/* The client element sends a hand-built message to the server. */
static void raw(struct fx *f, uint32_t op, const uint8_t *p, size_t len)
{
    struct bm_msg_ctx ctx = {.dst = SRV_ADDR, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    CHECK_EQ(bm_access_send(f->cli_n->node, f->cli, &ctx, op, p, len), BM_OK);
    bm_sim_kick(f->sim, f->cli_n->id);
}

static int32_t srv_value(struct fx *f)
{
    int32_t v = -99999;
    CHECK_EQ(bm_model_get_value(f->srv, &v), BM_OK);
    return v;
}

/* The last record of op in a spy, or NULL. */
static const struct rec *last_of(const struct spy *s, uint32_t op)
{
    for (int i = s->n - 1; i >= 0; i--)
        if (s->r[i].op == op)
            return &s->r[i];
    return NULL;
}

static int count_of(const struct spy *s, uint32_t op)
{
    int c = 0;
    for (int i = 0; i < s->n; i++)
        c += s->r[i].op == op;
    return c;
}

static void test_onoff_acked_set_answers_status(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    bm_sim_kick(f.sim, f.cli_n->id);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 1);
    /* Set 0x8202 = {OnOff 1, TID 1}: the first TID the client uses */
    const struct rec *set = last_of(&f.s_spy, 0x8202);
    CHECK(set != NULL);
    if (set) {
        static const uint8_t want[] = {0x01, 0x01};
        CHECK_MEM("OnOff Set", set->p, set->len, want, sizeof(want));
    }
    /* the reply, plus the publication of the change, both to the client */
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 2);
    const struct rec *st = last_of(&f.c_spy, 0x8204);
    static const uint8_t on[] = {0x01};
    CHECK_MEM("OnOff Status", st->p, st->len, on, 1);
    int32_t v = -1;
    CHECK_EQ(bm_model_get_value(f.cli, &v), BM_OK);
    CHECK_EQ(v, 1);
    CHECK_EQ(f.c_ev.last.event, BM_EVT_STATUS);
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.s_ev.last.recv_op, 0x8202);
    fx_free(&f);
}

static void test_onoff_unacked_set_no_reply(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 1);
    f.srv->pub.addr = 0; /* no publication: only a reply could reach the client */
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 0, SRV_ADDR, 1, false), BM_OK);
    bm_sim_kick(f.sim, f.cli_n->id);
    bm_sim_run_for(f.sim, 3000);
    CHECK_EQ(srv_value(&f), 0);
    CHECK_EQ(count_of(&f.s_spy, 0x8203), 1);
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 0);
    CHECK_EQ(f.c_ev.n, 0); /* and no timeout for an unacknowledged Set */
    CHECK_EQ(f.s_ev.last.recv_op, 0x8203);
    fx_free(&f);
}

static void test_onoff_get(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 1);
    raw(&f, 0x8201, NULL, 0);
    bm_sim_run_for(f.sim, 500);
    const struct rec *st = last_of(&f.c_spy, 0x8204);
    CHECK(st != NULL);
    static const uint8_t on[] = {0x01};
    if (st)
        CHECK_MEM("Status after Get", st->p, st->len, on, 1);
    fx_free(&f);
}

static void test_onoff_tid_duplicate_within_6s_ignored(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    f.srv->pub.addr = 0;
    static const uint8_t set_on_tid5[] = {0x01, 0x05};
    raw(&f, 0x8202, set_on_tid5, 2);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 1);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 0), BM_OK);
    /* the same Set again, 1 s later: a retransmission, answered, not applied */
    bm_sim_run_for(f.sim, 500);
    raw(&f, 0x8202, set_on_tid5, 2);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 0);
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 2);
    CHECK_EQ(f.s_ev.n, 1);
    /* a different TID is a new transaction */
    static const uint8_t set_on_tid6[] = {0x01, 0x06};
    raw(&f, 0x8202, set_on_tid6, 2);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 1);
    CHECK_EQ(f.s_ev.n, 2);
    fx_free(&f);
}

static void test_onoff_tid_reused_after_6s_applied(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    f.srv->pub.addr = 0;
    static const uint8_t set_on_tid9[] = {0x01, 0x09};
    raw(&f, 0x8203, set_on_tid9, 2);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 1);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 0), BM_OK);
    bm_sim_run_for(f.sim, 6500); /* past the 6 s window */
    raw(&f, 0x8203, set_on_tid9, 2);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 1);
    CHECK_EQ(f.s_ev.n, 2);
    fx_free(&f);
}

/* On with Transition Time 0x05 (5 x 100 ms) after Delay 20 (x 5 ms =
 * 100 ms): On as soon as the transition starts, i.e. at +100 ms. */
static void test_onoff_to_on_transition_with_delay(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    static const uint8_t set[] = {0x01, 0x11, 0x05, 20};
    raw(&f, 0x8203, set, sizeof(set));
    bm_sim_run_for(f.sim, 2000);
    const struct rec *rx = last_of(&f.s_spy, 0x8203);
    CHECK(rx != NULL);
    if (!rx) {
        fx_free(&f);
        return;
    }
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.s_ev.t[0], rx->t + 100);
    CHECK_EQ(f.s_ev.v[0], 1);
    CHECK_EQ(srv_value(&f), 1);
    /* publications: accepted {0, target 1, 600 ms = 0x06}; started
     * {1, 1, 500 ms = 0x05}; ended {1} */
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 3);
    static const uint8_t p0[] = {0x00, 0x01, 0x06}, p1[] = {0x01, 0x01, 0x05}, p2[] = {0x01};
    const struct rec *r = f.c_spy.r;
    CHECK_MEM("accepted", r[0].p, r[0].len, p0, 3);
    CHECK_MEM("started", r[1].p, r[1].len, p1, 3);
    CHECK_MEM("ended", r[2].p, r[2].len, p2, 1);
    fx_free(&f);
}

/* Off with Transition Time 0x41 (1 x 1 s) after Delay 40 (200 ms): still
 * On during the transition, Off at its end, +1200 ms. */
static void test_onoff_to_off_at_transition_end(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 1);
    static const uint8_t set[] = {0x00, 0x12, 0x41, 40};
    raw(&f, 0x8202, set, sizeof(set));
    bm_sim_run_for(f.sim, 700);
    CHECK_EQ(srv_value(&f), 1);
    /* the reply: Present 1, Target 0, Remaining 1.2 s = 12 x 100 ms = 0x0c */
    const struct rec *st = last_of(&f.c_spy, 0x8204);
    static const uint8_t want[] = {0x01, 0x00, 0x0c};
    CHECK(st != NULL);
    if (st)
        CHECK_MEM("Status with target", st->p, st->len, want, 3);
    bm_sim_run_for(f.sim, 1500);
    const struct rec *rx = last_of(&f.s_spy, 0x8202);
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.s_ev.t[0], rx->t + 1200);
    CHECK_EQ(f.s_ev.v[0], 0);
    CHECK_EQ(srv_value(&f), 0);
    fx_free(&f);
}

static void test_onoff_prohibited_values_dropped(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    static const uint8_t bad_value[] = {0x02, 0x01};
    static const uint8_t bad_len[] = {0x01, 0x02, 0x05};
    static const uint8_t unknown_tt[] = {0x01, 0x03, 0x3f, 0x00};
    raw(&f, 0x8202, bad_value, 2);
    raw(&f, 0x8202, bad_len, 3);
    raw(&f, 0x8202, unknown_tt, 4);
    bm_sim_run_for(f.sim, 1000);
    CHECK_EQ(srv_value(&f), 0);
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 0);
    fx_free(&f);
}

static void put16(uint8_t *p, int16_t v)
{
    p[0] = (uint8_t)((uint16_t)v & 0xff);
    p[1] = (uint8_t)((uint16_t)v >> 8);
}

static int16_t get16(const uint8_t *p)
{
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

static void test_level_set_acked_and_unacked(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 0);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, -1234, SRV_ADDR, 1, true), BM_OK);
    bm_sim_kick(f.sim, f.cli_n->id);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), -1234);
    /* Level Set 0x8206 = {-1234 = 0xfb2e LE, TID 1} */
    const struct rec *set = last_of(&f.s_spy, 0x8206);
    static const uint8_t want[] = {0x2e, 0xfb, 0x01};
    CHECK(set != NULL);
    if (set)
        CHECK_MEM("Level Set", set->p, set->len, want, 3);
    int32_t v = 0;
    CHECK_EQ(bm_model_get_value(f.cli, &v), BM_OK);
    CHECK_EQ(v, -1234);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 32767, SRV_ADDR, 1, false), BM_OK);
    bm_sim_kick(f.sim, f.cli_n->id);
    bm_sim_run_for(f.sim, 500);
    CHECK_EQ(srv_value(&f), 32767);
    CHECK_EQ(f.s_ev.last.recv_op, 0x8207);
    fx_free(&f);
}

/* Level 0 -> 1000 over 0x0a (10 x 100 ms): linear, so a Get the server
 * takes t ms into it reads 1000 * t / 1000. */
static void test_level_transition_linear(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 0);
    uint8_t set[5];
    put16(set, 1000);
    set[2] = 0x21;
    set[3] = 0x0a;
    set[4] = 0;
    raw(&f, 0x8207, set, sizeof(set));
    bm_sim_run_for(f.sim, 300);
    raw(&f, 0x8205, NULL, 0);
    bm_sim_run_for(f.sim, 1500);
    const struct rec *rx = last_of(&f.s_spy, 0x8207);
    const struct rec *get = last_of(&f.s_spy, 0x8205);
    CHECK(rx && get);
    if (!rx || !get) {
        fx_free(&f);
        return;
    }
    /* first publication: {0, target 1000 = e8 03, 0x0a} */
    static const uint8_t acc[] = {0x00, 0x00, 0xe8, 0x03, 0x0a};
    CHECK_MEM("accepted", f.c_spy.r[0].p, f.c_spy.r[0].len, acc, 5);
    const struct rec *reply = NULL;
    for (int i = 0; i < f.c_spy.n; i++)
        if (f.c_spy.r[i].t > get->t && !reply)
            reply = &f.c_spy.r[i];
    CHECK(reply != NULL);
    if (reply) {
        uint64_t t = get->t - rx->t;
        CHECK(t > 0 && t < 1000);
        CHECK_EQ(get16(reply->p), (int64_t)1000 * (int64_t)t / 1000);
        CHECK_EQ(reply->len, 5);
    }
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.s_ev.t[0], rx->t + 1000);
    CHECK_EQ(srv_value(&f), 1000);
    fx_free(&f);
}

static void delta(struct fx *f, int32_t d, uint8_t tid)
{
    uint8_t p[5] = {(uint8_t)d, (uint8_t)(d >> 8), (uint8_t)(d >> 16), (uint8_t)(d >> 24), tid};
    raw(f, 0x820a, p, sizeof(p));
}

static void test_level_delta_same_tid_is_relative_to_start(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 0);
    delta(&f, 100, 7);
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(srv_value(&f), 100);
    delta(&f, 200, 7); /* same transaction: 0 + 200, not 100 + 200 */
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(srv_value(&f), 200);
    delta(&f, 200, 8); /* new transaction: 200 + 200 */
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(srv_value(&f), 400);
    delta(&f, -100000, 9); /* clamped at the bottom of the range */
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(srv_value(&f), -32768);
    /* Delta 0x8209 (acknowledged) is answered: {-32768 = 00 80} */
    uint8_t p[5] = {0, 0, 0, 0, 10};
    raw(&f, 0x8209, p, 5);
    bm_sim_run_for(f.sim, 300);
    const struct rec *st = last_of(&f.c_spy, 0x8208);
    static const uint8_t want[] = {0x00, 0x80};
    CHECK(st != NULL);
    if (st)
        CHECK_MEM("Status after Delta", st->p, st->len, want, 2);
    fx_free(&f);
}

static void move(struct fx *f, int16_t d, uint8_t tid, uint8_t tt)
{
    uint8_t p[5];
    put16(p, d);
    p[2] = tid;
    p[3] = tt;
    p[4] = 0;
    raw(f, 0x820c, p, tt ? 5 : 3);
}

/* Move +100 per 1 s (0x41) from 400, stopped by a Move with Delta 0: the
 * level is 400 + 100 * t / 1000 at each moment t. */
static void test_level_move_then_stop(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 400);
    move(&f, 100, 1, 0x41);
    bm_sim_run_for(f.sim, 300);
    /* publication while moving: {400 = 90 01, target 7fff, unknown 0x3f} */
    static const uint8_t moving[] = {0x90, 0x01, 0xff, 0x7f, 0x3f};
    CHECK(f.c_spy.n >= 1);
    CHECK_MEM("moving", f.c_spy.r[0].p, f.c_spy.r[0].len, moving, 5);
    bm_sim_run_for(f.sim, 2200);
    move(&f, 0, 2, 0);
    bm_sim_run_for(f.sim, 500);
    const struct rec *m0 = NULL, *m1 = NULL;
    for (int i = 0; i < f.s_spy.n; i++)
        if (f.s_spy.r[i].op == 0x820c) {
            if (!m0)
                m0 = &f.s_spy.r[i];
            else
                m1 = &f.s_spy.r[i];
        }
    CHECK(m0 && m1);
    if (m0 && m1) {
        int64_t want = 400 + 100 * (int64_t)(m1->t - m0->t) / 1000;
        CHECK(want > 600 && want < 700);
        CHECK_EQ(srv_value(&f), want);
        CHECK_EQ(f.s_ev.n, 1);
        CHECK_EQ(f.s_ev.v[0], want);
        CHECK_EQ(f.s_ev.last.recv_op, 0x820c);
    }
    /* stopped: the level stays */
    int32_t v = srv_value(&f);
    bm_sim_run_for(f.sim, 3000);
    CHECK_EQ(srv_value(&f), v);
    fx_free(&f);
}

/* From 32000, Move +1000 per 100 ms (0x01) reaches 32767 after
 * ceil(767 * 100 / 1000) = 77 ms and stops there. */
static void test_level_move_stops_at_limit(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 32000);
    move(&f, 1000, 3, 0x01);
    bm_sim_run_for(f.sim, 1000);
    const struct rec *rx = last_of(&f.s_spy, 0x820c);
    CHECK(rx != NULL);
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.s_ev.v[0], 32767);
    if (rx)
        CHECK_EQ(f.s_ev.t[0], rx->t + 77);
    CHECK_EQ(srv_value(&f), 32767);
    /* a Move without a transition time has no speed: nothing moves */
    move(&f, -1000, 4, 0);
    bm_sim_run_for(f.sim, 1000);
    CHECK_EQ(srv_value(&f), 32767);
    fx_free(&f);
}

static void test_level_set_duplicate_tid_ignored(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL, 0);
    uint8_t set[3];
    put16(set, 50);
    set[2] = 0x30;
    raw(&f, 0x8207, set, 3);
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 0), BM_OK);
    raw(&f, 0x8207, set, 3);
    bm_sim_run_for(f.sim, 300);
    CHECK_EQ(srv_value(&f), 0);
    fx_free(&f);
}

/* Statuses a client must drop (3.2.1.4, 3.2.2.8): prohibited OnOff
 * values, a Target without a Remaining Time, lengths out of the layout. */
static void test_client_drops_malformed_status(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF, 0);
    struct bm_msg_ctx ctx = {.dst = CLI_ADDR, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    static const uint8_t bad_present[] = {0x02};
    static const uint8_t no_remaining[] = {0x01, 0x00};
    static const uint8_t bad_target[] = {0x00, 0x07, 0x05};
    static const uint8_t too_long[] = {0x01, 0x01, 0x05, 0x00};
    struct bm_node *s = f.srv_n->node;
    CHECK_EQ(bm_access_send(s, f.srv, &ctx, 0x8204, bad_present, 1), BM_OK);
    bm_sim_kick(f.sim, f.srv_n->id);
    bm_sim_run_for(f.sim, 200); /* one at a time through the bearer queue */
    CHECK_EQ(bm_access_send(s, f.srv, &ctx, 0x8204, no_remaining, 2), BM_OK);
    bm_sim_kick(f.sim, f.srv_n->id);
    bm_sim_run_for(f.sim, 200);
    CHECK_EQ(bm_access_send(s, f.srv, &ctx, 0x8204, bad_target, 3), BM_OK);
    bm_sim_kick(f.sim, f.srv_n->id);
    bm_sim_run_for(f.sim, 200);
    CHECK_EQ(bm_access_send(s, f.srv, &ctx, 0x8204, too_long, 4), BM_OK);
    bm_sim_kick(f.sim, f.srv_n->id);
    bm_sim_run_for(f.sim, 200);
    bm_sim_kick(f.sim, f.srv_n->id);
    bm_sim_run_for(f.sim, 1000);
    CHECK_EQ(count_of(&f.c_spy, 0x8204), 4); /* they did arrive */
    CHECK_EQ(f.c_ev.n, 0);
    int32_t v = -1;
    CHECK_EQ(bm_model_get_value(f.cli, &v), BM_OK);
    CHECK_EQ(v, 0);
    fx_free(&f);
}

int main(void)
{
    BM_RUN(test_onoff_acked_set_answers_status);
    BM_RUN(test_onoff_unacked_set_no_reply);
    BM_RUN(test_onoff_get);
    BM_RUN(test_onoff_tid_duplicate_within_6s_ignored);
    BM_RUN(test_onoff_tid_reused_after_6s_applied);
    BM_RUN(test_onoff_to_on_transition_with_delay);
    BM_RUN(test_onoff_to_off_at_transition_end);
    BM_RUN(test_onoff_prohibited_values_dropped);
    BM_RUN(test_level_set_acked_and_unacked);
    BM_RUN(test_level_transition_linear);
    BM_RUN(test_level_delta_same_tid_is_relative_to_start);
    BM_RUN(test_level_move_then_stop);
    BM_RUN(test_level_move_stops_at_limit);
    BM_RUN(test_level_set_duplicate_tid_ignored);
    BM_RUN(test_client_drops_malformed_status);
    return bm_test_done();
}
