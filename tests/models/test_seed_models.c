/* The seed API's model half (include/blemesh/blemesh.h: bm_add_model,
 * bm_model_get_value, bm_model_set_value, bm_model_set_state), one
 * behaviour per test, over the simulated air. A spy model on each element
 * records the generic messages that arrive (opcode, parameters, time). */
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
    struct rec r[32];
    int n;
};

struct events {
    int n;
    struct bm_model_event_info e[8];
    struct bm_model *model[8];
    uint64_t t[8];
};

struct fx {
    struct bm_sim *sim;
    struct test_node *srv_n, *cli_n;
    struct bm_model *srv, *cli, *srv_spy, *cli_spy;
    struct spy s_spy, c_spy;
    struct events s_ev, c_ev;
};

static struct fx *g_fx;

static void record(struct bm_model *m, uint32_t op, const struct bm_msg_ctx *c, const uint8_t *p,
                   size_t len)
{
    struct spy *s = m->user;
    if (s->n >= 32)
        return;
    struct rec *r = &s->r[s->n++];
    r->op = op;
    r->t = bm_sim_now_ms(g_fx->sim);
    r->src = c->src;
    r->len = len < sizeof(r->p) ? len : sizeof(r->p);
    memcpy(r->p, p, r->len);
}

static int spy_onoff_set(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                         const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    record(m, 0x8202, c, p, l);
    return BM_OK;
}

static int spy_onoff_status(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                            const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    record(m, 0x8204, c, p, l);
    return BM_OK;
}

static int spy_level_status(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                            const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    record(m, 0x8208, c, p, l);
    return BM_OK;
}

static const struct bm_model_op spy_ops[] = {
    {0x8202, 0, 8, spy_onoff_set},
    {0x8204, 0, 8, spy_onoff_status},
    {0x8208, 0, 8, spy_level_status},
};
static const struct bm_model_type spy_type = {
    .company = 0x000a, .id = 0x0004, .ops = spy_ops, .op_count = 3};

static const uint8_t net_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

static void on_event(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    struct events *ev = user;
    if (ev->n < 8) {
        ev->e[ev->n] = *e;
        ev->model[ev->n] = model;
        ev->t[ev->n] = bm_sim_now_ms(g_fx->sim);
    }
    ev->n++;
}

static void provision(struct test_node *n, uint16_t addr)
{
    uint8_t dev_key[16] = {0xd0, (uint8_t)addr};
    CHECK_EQ(bm_node_provisioned(n->node, net_key, 0, 0, 0x1000, addr, dev_key), BM_OK);
    CHECK_EQ(bm_node_app_key_add(n->node, 0, 1, app_key), BM_OK);
}

static struct test_node *make_node(struct fx *f, uint16_t addr)
{
    struct test_node *n = mesh_sim_add(f->sim);
    CHECK_EQ(bm_create_element(n->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(n->node, "n", BM_OOB_NONE), BM_OK);
    provision(n, addr);
    return n;
}

static void add_spy(struct test_node *n, struct bm_model **m, struct spy *s)
{
    CHECK_EQ(bm_access_model_add(n->node, 0, &spy_type, m), BM_OK);
    (*m)->user = s;
    CHECK_EQ(bm_access_bind(*m, 1), BM_OK);
}

static void fx_setup(struct fx *f, uint8_t fn)
{
    memset(f, 0, sizeof(*f));
    g_fx = f;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    CHECK_EQ(bm_sim_create(&f->sim, &cfg), BM_OK);
    f->srv_n = make_node(f, SRV_ADDR);
    f->cli_n = make_node(f, CLI_ADDR);
    bm_sim_link(f->sim, f->srv_n->id, f->cli_n->id, 1.0);
    CHECK_EQ(
        bm_add_model(f->srv_n->node, 0, BM_GENERIC, fn, BM_SERVER, on_event, &f->s_ev, 0, &f->srv),
        BM_OK);
    CHECK_EQ(
        bm_add_model(f->cli_n->node, 0, BM_GENERIC, fn, BM_CLIENT, on_event, &f->c_ev, 0, &f->cli),
        BM_OK);
    CHECK_EQ(bm_access_bind(f->srv, 1), BM_OK);
    CHECK_EQ(bm_access_bind(f->cli, 1), BM_OK);
    add_spy(f->srv_n, &f->srv_spy, &f->s_spy);
    add_spy(f->cli_n, &f->cli_spy, &f->c_spy);
    bm_sim_run_for(f->sim, 100);
}

static void fx_free(struct fx *f)
{
    mesh_sim_free(f->srv_n);
    mesh_sim_free(f->cli_n);
    bm_sim_free(f->sim);
    g_fx = NULL;
}

static void run(struct fx *f, uint64_t ms)
{
    bm_sim_kick(f->sim, f->srv_n->id);
    bm_sim_kick(f->sim, f->cli_n->id);
    bm_sim_run_for(f->sim, ms);
}

static int count_of(const struct spy *s, uint32_t op)
{
    int c = 0;
    for (int i = 0; i < s->n; i++)
        c += s->r[i].op == op;
    return c;
}

static void test_add_model_argument_errors(void)
{
    struct bm_sim *sim;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_OK);
    g_fx = NULL;
    struct test_node *n = mesh_sim_add(sim);
    struct bm_node *node = n->node;
    struct bm_model *m = NULL;
    /* no element yet */
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_create_element(node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_add_model(NULL, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_SENSORS, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_ENOTSUP);
    CHECK_EQ(bm_add_model(node, 0, BM_TIME_SCENES, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m),
             BM_ENOTSUP);
    CHECK_EQ(bm_add_model(node, 0, BM_LIGHTNING, BM_LEVEL, BM_CLIENT, NULL, NULL, 0, &m),
             BM_ENOTSUP);
    CHECK_EQ(bm_add_model(node, 0, 4, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, 2, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, 2, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 1, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, -1, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 2, &m), BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 32768, &m),
             BM_EINVAL);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, -32769, &m),
             BM_EINVAL);
    CHECK(m == NULL);
    /* the limits themselves are fine; a second server of a kind is not */
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, -32768, &m), BM_OK);
    int32_t v = 0;
    CHECK_EQ(bm_model_get_value(m, &v), BM_OK);
    CHECK_EQ(v, -32768);
    CHECK_EQ(bm_add_model(node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, &m), BM_EEXIST);
    /* a second element takes its own */
    int idx = -1;
    CHECK_EQ(bm_create_element(node, false, 0, false, 0, &idx), BM_OK);
    CHECK_EQ(bm_add_model(node, idx, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, &m), BM_OK);
    CHECK_EQ(m->elem, 1);
    mesh_sim_free(n);
    bm_sim_free(sim);
}

/* Models added before bm_init work once the node is provisioned. */
static void test_add_model_before_init(void)
{
    struct fx f;
    memset(&f, 0, sizeof(f));
    g_fx = &f;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    CHECK_EQ(bm_sim_create(&f.sim, &cfg), BM_OK);
    f.srv_n = mesh_sim_add(f.sim);
    CHECK_EQ(bm_create_element(f.srv_n->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_add_model(f.srv_n->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, on_event, &f.s_ev, 1,
                          &f.srv),
             BM_OK);
    CHECK_EQ(bm_init(f.srv_n->node, "early", BM_OOB_NONE), BM_OK);
    provision(f.srv_n, SRV_ADDR);
    CHECK_EQ(bm_access_bind(f.srv, 1), BM_OK);
    f.cli_n = make_node(&f, CLI_ADDR);
    CHECK_EQ(bm_add_model(f.cli_n->node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, on_event, &f.c_ev, 0,
                          &f.cli),
             BM_OK);
    CHECK_EQ(bm_access_bind(f.cli, 1), BM_OK);
    bm_sim_link(f.sim, f.srv_n->id, f.cli_n->id, 1.0);
    bm_sim_run_for(f.sim, 100);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 0, SRV_ADDR, 1, true), BM_OK);
    run(&f, 500);
    int32_t v = -1;
    CHECK_EQ(bm_model_get_value(f.srv, &v), BM_OK);
    CHECK_EQ(v, 0);
    CHECK_EQ(f.c_ev.n, 1);
    CHECK_EQ(f.c_ev.e[0].event, BM_EVT_STATUS);
    fx_free(&f);
}

/* value(v) on a server: the state a Get sees, and one publication. */
static void test_server_value_publishes_once_and_get_sees_it(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL);
    f.srv->pub.addr = CLI_ADDR;
    f.srv->pub.app_idx = 1;
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, -300), BM_OK);
    run(&f, 2000);
    /* Level Status {-300 = 0xfed4 LE} */
    static const uint8_t want[] = {0xd4, 0xfe};
    CHECK_EQ(count_of(&f.c_spy, 0x8208), 1);
    CHECK_MEM("published Status", f.c_spy.r[0].p, f.c_spy.r[0].len, want, 2);
    CHECK_EQ(f.s_ev.n, 0); /* the callback is for remote changes */
    /* a remote Get (0x8205, no parameters) reads it */
    struct bm_msg_ctx ctx = {.dst = SRV_ADDR, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    CHECK_EQ(bm_access_send(f.cli_n->node, f.cli, &ctx, 0x8205, NULL, 0), BM_OK);
    run(&f, 500);
    CHECK_EQ(count_of(&f.c_spy, 0x8208), 2);
    CHECK_MEM("Get answer", f.c_spy.r[1].p, f.c_spy.r[1].len, want, 2);
    int32_t v = 0;
    CHECK_EQ(bm_model_get_value(f.srv, &v), BM_OK);
    CHECK_EQ(v, -300);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 40000), BM_EINVAL);
    fx_free(&f);
}

static void test_client_value_set_is_error(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    CHECK_EQ(bm_model_set_value(f.cli_n->node, f.cli, 1), BM_ESTATE);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 2), BM_EINVAL);
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv_spy, 1), BM_EINVAL);
    fx_free(&f);
}

static void test_set_state_on_server_is_error(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    CHECK_EQ(bm_model_set_state(f.srv_n->node, f.srv, 1, CLI_ADDR, 1, true), BM_ESTATE);
    /* and on a client without that key bound */
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 2, true), BM_ESTATE);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 5, SRV_ADDR, 1, true), BM_EINVAL);
    run(&f, 500);
    CHECK_EQ(f.s_spy.n, 0);
    fx_free(&f);
}

static void test_set_state_to_publish_needs_publication(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, BM_ADDR_PUBLISH, 1, false), BM_ESTATE);
    run(&f, 500);
    CHECK_EQ(count_of(&f.s_spy, 0x8202) + f.s_ev.n, 0);
    f.cli->pub.addr = SRV_ADDR;
    f.cli->pub.app_idx = 1;
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, BM_ADDR_PUBLISH, 1, true), BM_OK);
    run(&f, 500);
    int32_t v = 0;
    CHECK_EQ(bm_model_get_value(f.srv, &v), BM_OK);
    CHECK_EQ(v, 1);
    fx_free(&f);
}

static void test_client_value_follows_status_publication(void)
{
    struct fx f;
    fx_setup(&f, BM_LEVEL);
    f.srv->pub.addr = CLI_ADDR;
    f.srv->pub.app_idx = 1;
    CHECK_EQ(bm_model_set_value(f.srv_n->node, f.srv, 1234), BM_OK);
    run(&f, 500);
    int32_t v = 0;
    CHECK_EQ(bm_model_get_value(f.cli, &v), BM_OK);
    CHECK_EQ(v, 1234);
    CHECK_EQ(f.c_ev.n, 1);
    CHECK_EQ(f.c_ev.e[0].event, BM_EVT_STATUS);
    CHECK_EQ(f.c_ev.e[0].recv_op, 0x8208);
    CHECK_EQ(f.c_ev.e[0].value, 1234);
    CHECK_EQ(f.c_ev.e[0].src, SRV_ADDR);
    fx_free(&f);
}

static void test_callback_arguments(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    run(&f, 500);
    CHECK_EQ(f.s_ev.n, 1);
    CHECK(f.s_ev.model[0] == f.srv);
    CHECK_EQ(f.s_ev.e[0].event, BM_EVT_STATE_CHANGED);
    CHECK_EQ(f.s_ev.e[0].recv_op, 0x8202);
    CHECK_EQ(f.s_ev.e[0].value, 1);
    CHECK_EQ(f.s_ev.e[0].src, CLI_ADDR);
    CHECK_EQ(f.c_ev.n, 1);
    CHECK(f.c_ev.model[0] == f.cli);
    CHECK_EQ(f.c_ev.e[0].event, BM_EVT_STATUS);
    CHECK_EQ(f.c_ev.e[0].recv_op, 0x8204);
    CHECK_EQ(f.c_ev.e[0].value, 1);
    CHECK_EQ(f.c_ev.e[0].src, SRV_ADDR);
    /* the same value again changes nothing on the server: no event there */
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    run(&f, 500);
    CHECK_EQ(f.s_ev.n, 1);
    CHECK_EQ(f.c_ev.n, 2);
    fx_free(&f);
}

static void test_fresh_tid_each_call(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    run(&f, 300);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    run(&f, 300);
    CHECK_EQ(count_of(&f.s_spy, 0x8202), 2);
    CHECK(f.s_spy.r[0].p[1] != f.s_spy.r[1].p[1]);
    fx_free(&f);
}

/* No server hears the Set: sent at t, again at t + 1.5 s and t + 3 s (the
 * same message, same TID), then BM_EVT_TIMEOUT at t + 4.5 s. */
static void test_timeout_event(void)
{
    struct fx f;
    fx_setup(&f, BM_ONOFF);
    /* a listener that takes the Sets but has no OnOff Server to answer */
    bm_access_unbind(f.srv, 1);
    uint64_t t = bm_sim_now_ms(f.sim);
    CHECK_EQ(bm_model_set_state(f.cli_n->node, f.cli, 1, SRV_ADDR, 1, true), BM_OK);
    run(&f, 4400);
    CHECK_EQ(f.c_ev.n, 0);
    bm_sim_run_for(f.sim, 200);
    CHECK_EQ(f.c_ev.n, 1);
    CHECK_EQ(f.c_ev.e[0].event, BM_EVT_TIMEOUT);
    CHECK_EQ(f.c_ev.e[0].recv_op, 0x8202);
    CHECK_EQ(f.c_ev.e[0].value, 1);
    CHECK_EQ(f.c_ev.e[0].src, 0);
    CHECK_EQ(f.c_ev.t[0], t + 4500);
    CHECK_EQ(count_of(&f.s_spy, 0x8202), 3);
    if (f.s_spy.n == 3) {
        CHECK_MEM("same TID", f.s_spy.r[0].p, 2, f.s_spy.r[2].p, 2);
        CHECK(f.s_spy.r[1].t >= t + 1500 && f.s_spy.r[1].t < t + 1600);
        CHECK(f.s_spy.r[2].t >= t + 3000 && f.s_spy.r[2].t < t + 3100);
    }
    int32_t v = -1;
    CHECK_EQ(bm_model_get_value(f.cli, &v), BM_OK);
    CHECK_EQ(v, 0); /* nothing was heard */
    fx_free(&f);
}

int main(void)
{
    BM_RUN(test_add_model_argument_errors);
    BM_RUN(test_add_model_before_init);
    BM_RUN(test_server_value_publishes_once_and_get_sees_it);
    BM_RUN(test_client_value_set_is_error);
    BM_RUN(test_set_state_on_server_is_error);
    BM_RUN(test_set_state_to_publish_needs_publication);
    BM_RUN(test_client_value_follows_status_publication);
    BM_RUN(test_callback_arguments);
    BM_RUN(test_fresh_tid_each_call);
    BM_RUN(test_timeout_event);
    return bm_test_done();
}
