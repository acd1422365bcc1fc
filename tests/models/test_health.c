/* Health Server and Health Client (Mesh Profile 1.0.1, 4.3.3, 4.4.3,
 * 4.4.4) in the simulated air: fault arrays per Company ID, Fault
 * Get/Clear/Test (acknowledged and not), Health Period with the fast
 * publication cadence while faults exist, and the Attention Timer counting
 * down. Expected bytes are the spec's layouts worked out by hand: Fault
 * Status 0x05 and Current Status 0x04 = Test ID, Company ID (LE), fault
 * codes; Period Status 0x8037 = divisor; Attention Status 0x8007 =
 * seconds. A spy on the client element records each status's bytes. */
#include <string.h>

#include "access/model.h"
#include "blemesh/health.h"
#include "mesh_sim.h"
#include "models/models.h"
#include "node/node.h"
#include "test.h"

#define SRV_ADDR 0x0100
#define CLI_ADDR 0x0101
#define CID 0x05f1

struct rec {
    uint32_t op;
    uint64_t t;
    uint8_t p[16];
    size_t len;
};

struct spy {
    struct rec r[128];
    int n;
};

struct seen {
    int n;
    struct bm_health_status last;
    uint8_t faults[16];
};

struct fx {
    struct bm_sim *sim;
    struct test_node *srv_n, *cli_n;
    struct bm_model *hs, *hc, *spy_m;
    struct spy spy;
    struct seen seen;
    int att_calls;
    uint8_t att_last;
    uint64_t att_t;
};

static struct fx *g_fx;

static void record(struct bm_model *m, uint32_t op, const uint8_t *p, size_t len)
{
    struct spy *s = m->user;
    if (s->n >= 128)
        return;
    struct rec *r = &s->r[s->n++];
    r->op = op;
    r->t = bm_sim_now_ms(g_fx->sim);
    r->len = len < sizeof(r->p) ? len : sizeof(r->p);
    memcpy(r->p, p, r->len);
}

static int spy_current(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                       const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    (void)c;
    record(m, 0x04, p, l);
    return BM_OK;
}

static int spy_fault(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                     const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    (void)c;
    record(m, 0x05, p, l);
    return BM_OK;
}

static int spy_att(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                   const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    (void)c;
    record(m, 0x8007, p, l);
    return BM_OK;
}

static int spy_period(struct bm_node *n, struct bm_model *m, const struct bm_msg_ctx *c,
                      const uint8_t *p, size_t l, uint32_t op)
{
    (void)op;
    (void)n;
    (void)c;
    record(m, 0x8037, p, l);
    return BM_OK;
}

static const struct bm_model_op spy_ops[] = {
    {0x04, 0, 64, spy_current},
    {0x05, 0, 64, spy_fault},
    {0x8007, 0, 8, spy_att},
    {0x8037, 0, 8, spy_period},
};
static const struct bm_model_type spy_type = {
    .company = 0x000a, .id = 0x0003, .ops = spy_ops, .op_count = 4};

static const uint8_t net_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

static void on_status(void *user, const struct bm_health_status *st)
{
    struct seen *s = user;
    s->n++;
    s->last = *st;
    size_t n = st->fault_count < 16 ? st->fault_count : 16;
    if (st->faults)
        memcpy(s->faults, st->faults, n);
    s->last.faults = s->faults;
}

static void on_attention(void *user, uint8_t seconds)
{
    struct fx *f = user;
    f->att_calls++;
    f->att_last = seconds;
    f->att_t = bm_sim_now_ms(f->sim);
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

/* The primary element's Health Server: added with the element once
 * foundation.c adds it, by the test until then. */
static struct bm_model *health_srv(struct bm_node *node)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++)
        if (node->models[i].used && node->models[i].type == &bm_health_srv_type)
            return &node->models[i];
    struct bm_model *m = NULL;
    CHECK_EQ(bm_access_model_add(node, 0, &bm_health_srv_type, &m), BM_OK);
    return m;
}

static void fx_setup(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    g_fx = f;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    CHECK_EQ(bm_sim_create(&f->sim, &cfg), BM_OK);
    f->srv_n = make_node(f, SRV_ADDR);
    f->cli_n = make_node(f, CLI_ADDR);
    bm_sim_link(f->sim, f->srv_n->id, f->cli_n->id, 1.0);
    f->hs = health_srv(f->srv_n->node);
    CHECK_EQ(bm_access_bind(f->hs, 1), BM_OK);
    CHECK_EQ(bm_health_cli_add(f->cli_n->node, 0, on_status, &f->seen, &f->hc), BM_OK);
    CHECK_EQ(bm_access_bind(f->hc, 1), BM_OK);
    CHECK_EQ(bm_access_model_add(f->cli_n->node, 0, &spy_type, &f->spy_m), BM_OK);
    f->spy_m->user = &f->spy;
    CHECK_EQ(bm_access_bind(f->spy_m, 1), BM_OK);
    CHECK_EQ(bm_health_srv_set_company(f->srv_n->node, CID), BM_OK);
    CHECK_EQ(bm_health_srv_set_attention_cb(f->srv_n->node, on_attention, f), BM_OK);
    bm_sim_run_for(f->sim, 100);
}

static void fx_free(struct fx *f)
{
    mesh_sim_free(f->srv_n);
    mesh_sim_free(f->cli_n);
    bm_sim_free(f->sim);
    g_fx = NULL;
}

static void settle(struct fx *f, uint64_t ms)
{
    bm_sim_kick(f->sim, f->cli_n->id);
    bm_sim_kick(f->sim, f->srv_n->id);
    bm_sim_run_for(f->sim, ms);
}

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

static void test_fault_get_reports_registered_faults(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x01), BM_OK); /* Battery Low Warning */
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x10), BM_OK);
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x10), BM_OK); /* once only */
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x00), BM_EINVAL);
    CHECK_EQ(bm_health_cli_fault_get(f.cli_n->node, f.hc, SRV_ADDR, 1, CID), BM_OK);
    settle(&f, 500);
    /* Fault Status: Test ID 0, Company 0x05f1 = f1 05, faults 01 10 */
    const struct rec *r = last_of(&f.spy, 0x05);
    static const uint8_t want[] = {0x00, 0xf1, 0x05, 0x01, 0x10};
    CHECK(r != NULL);
    if (r)
        CHECK_MEM("Fault Status", r->p, r->len, want, sizeof(want));
    CHECK_EQ(f.seen.n, 1);
    CHECK_EQ(f.seen.last.kind, BM_HEALTH_FAULT_STATUS);
    CHECK_EQ(f.seen.last.src, SRV_ADDR);
    CHECK_EQ(f.seen.last.company_id, CID);
    CHECK_EQ(f.seen.last.fault_count, 2);
    CHECK_EQ(f.seen.faults[0], 0x01);
    CHECK_EQ(f.seen.faults[1], 0x10);
    fx_free(&f);
}

static void test_fault_get_other_company_ignored(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_cli_fault_get(f.cli_n->node, f.hc, SRV_ADDR, 1, 0x0059), BM_OK);
    settle(&f, 1000);
    CHECK_EQ(f.seen.n, 0);
    CHECK_EQ(count_of(&f.spy, 0x05), 0);
    fx_free(&f);
}

static void test_fault_clear_keeps_current_faults(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x03), BM_OK);
    CHECK_EQ(bm_health_srv_fault_remove(f.srv_n->node, 0x03), BM_OK);
    CHECK_EQ(bm_health_srv_fault_remove(f.srv_n->node, 0x03), BM_ENOENT);
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x05), BM_OK);
    /* 0x03 is no longer current but stays registered until cleared */
    CHECK_EQ(bm_health_cli_fault_get(f.cli_n->node, f.hc, SRV_ADDR, 1, CID), BM_OK);
    settle(&f, 500);
    static const uint8_t both[] = {0x00, 0xf1, 0x05, 0x03, 0x05};
    const struct rec *r = last_of(&f.spy, 0x05);
    CHECK(r != NULL);
    if (r)
        CHECK_MEM("registered", r->p, r->len, both, sizeof(both));
    CHECK_EQ(bm_health_cli_fault_clear(f.cli_n->node, f.hc, SRV_ADDR, 1, CID, true), BM_OK);
    settle(&f, 500);
    static const uint8_t none[] = {0x00, 0xf1, 0x05};
    r = last_of(&f.spy, 0x05);
    CHECK_MEM("cleared", r->p, r->len, none, sizeof(none));
    CHECK_EQ(count_of(&f.spy, 0x05), 2);
    /* Clear Unacknowledged: cleared, no answer */
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x07), BM_OK);
    CHECK_EQ(bm_health_cli_fault_clear(f.cli_n->node, f.hc, SRV_ADDR, 1, CID, false), BM_OK);
    settle(&f, 500);
    CHECK_EQ(count_of(&f.spy, 0x05), 2);
    CHECK_EQ(bm_health_cli_fault_get(f.cli_n->node, f.hc, SRV_ADDR, 1, CID), BM_OK);
    settle(&f, 500);
    r = last_of(&f.spy, 0x05);
    CHECK_MEM("cleared unack", r->p, r->len, none, sizeof(none));
    fx_free(&f);
}

static void test_fault_test_standard_only(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_cli_fault_test(f.cli_n->node, f.hc, SRV_ADDR, 1, 0x00, CID, true), BM_OK);
    settle(&f, 500);
    CHECK_EQ(count_of(&f.spy, 0x05), 1);
    CHECK_EQ(f.seen.last.test_id, 0x00);
    /* an unknown test, a foreign company, an unacknowledged test: silence */
    CHECK_EQ(bm_health_cli_fault_test(f.cli_n->node, f.hc, SRV_ADDR, 1, 0x42, CID, true), BM_OK);
    CHECK_EQ(bm_health_cli_fault_test(f.cli_n->node, f.hc, SRV_ADDR, 1, 0x00, 0x0001, true), BM_OK);
    CHECK_EQ(bm_health_cli_fault_test(f.cli_n->node, f.hc, SRV_ADDR, 1, 0x00, CID, false), BM_OK);
    settle(&f, 1000);
    CHECK_EQ(count_of(&f.spy, 0x05), 1);
    fx_free(&f);
}

static void test_period_set_get_and_prohibited(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_cli_period_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 3, true), BM_OK);
    settle(&f, 500);
    const struct rec *r = last_of(&f.spy, 0x8037);
    static const uint8_t three[] = {0x03};
    CHECK(r != NULL);
    if (r)
        CHECK_MEM("Period Status", r->p, r->len, three, 1);
    CHECK_EQ(f.seen.last.kind, BM_HEALTH_PERIOD_STATUS);
    CHECK_EQ(f.seen.last.divisor, 3);
    CHECK_EQ(bm_health_cli_period_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 16, true), BM_EINVAL);
    /* 0x10 sent anyway is prohibited: dropped, no answer, no change */
    static const uint8_t p16[] = {0x10};
    struct bm_msg_ctx ctx = {.dst = SRV_ADDR, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    CHECK_EQ(bm_access_send(f.cli_n->node, f.hc, &ctx, 0x8035, p16, 1), BM_OK);
    settle(&f, 500);
    CHECK_EQ(count_of(&f.spy, 0x8037), 1);
    CHECK_EQ(bm_health_cli_period_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 5, false), BM_OK);
    settle(&f, 500);
    CHECK_EQ(count_of(&f.spy, 0x8037), 1);
    CHECK_EQ(bm_health_cli_period_get(f.cli_n->node, f.hc, SRV_ADDR, 1), BM_OK);
    settle(&f, 500);
    CHECK_EQ(count_of(&f.spy, 0x8037), 2);
    CHECK_EQ(f.seen.last.divisor, 5);
    fx_free(&f);
}

static void test_attention_timer_counts_down(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_cli_attention_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 3, true), BM_OK);
    settle(&f, 200);
    const struct rec *r = last_of(&f.spy, 0x8007);
    static const uint8_t three[] = {0x03};
    CHECK(r != NULL);
    if (r)
        CHECK_MEM("Attention Status", r->p, r->len, three, 1);
    CHECK_EQ(f.att_calls, 1);
    CHECK_EQ(f.att_last, 3);
    uint64_t t_set = f.att_t;
    uint8_t left = 0;
    bm_sim_run_until(f.sim, t_set + 1200); /* 1.8 s left: 2 whole seconds, rounded up */
    CHECK_EQ(bm_health_srv_attention(f.srv_n->node, &left), BM_OK);
    CHECK_EQ(left, 2);
    CHECK_EQ(bm_health_cli_attention_get(f.cli_n->node, f.hc, SRV_ADDR, 1), BM_OK);
    settle(&f, 200);
    CHECK_EQ(f.seen.last.kind, BM_HEALTH_ATTENTION_STATUS);
    CHECK(f.seen.last.attention == 2 || f.seen.last.attention == 1);
    bm_sim_run_until(f.sim, t_set + 4000);
    CHECK_EQ(f.att_calls, 2);
    CHECK_EQ(f.att_last, 0);
    CHECK_EQ(f.att_t, t_set + 3000);
    CHECK_EQ(bm_health_srv_attention(f.srv_n->node, &left), BM_OK);
    CHECK_EQ(left, 0);
    /* unacknowledged Set, then Set 0 turns it off early */
    CHECK_EQ(bm_health_cli_attention_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 200, false), BM_OK);
    settle(&f, 300);
    CHECK_EQ(f.att_last, 200);
    CHECK_EQ(bm_health_cli_attention_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 0, true), BM_OK);
    settle(&f, 300);
    CHECK_EQ(f.att_last, 0);
    CHECK_EQ(f.seen.last.attention, 0);
    CHECK_EQ(bm_health_srv_attention(f.srv_n->node, &left), BM_OK);
    CHECK_EQ(left, 0);
    fx_free(&f);
}

/* Periodic Current Status every 1 s (Publish Period 0x41); with a current
 * fault and Fast Period Divisor 2, every 1000 / 2^2 = 250 ms, and the
 * fault is published at once. */
static void test_current_status_fast_period_with_faults(void)
{
    struct fx f;
    fx_setup(&f);
    f.hs->pub.addr = CLI_ADDR;
    f.hs->pub.app_idx = 1;
    f.hs->pub.period = 0x41;
    CHECK_EQ(bm_health_cli_period_set(f.cli_n->node, f.hc, SRV_ADDR, 1, 2, false), BM_OK);
    settle(&f, 4100);
    int slow = count_of(&f.spy, 0x04);
    CHECK(slow >= 3 && slow <= 5);
    const struct rec *r = last_of(&f.spy, 0x04);
    static const uint8_t none[] = {0x00, 0xf1, 0x05};
    CHECK(r != NULL);
    if (r)
        CHECK_MEM("Current Status without faults", r->p, r->len, none, 3);
    int before = f.spy.n;
    CHECK_EQ(bm_health_srv_fault_add(f.srv_n->node, 0x0b), BM_OK);
    settle(&f, 2000);
    /* the immediate one, then one each 250 ms */
    int fast = count_of(&f.spy, 0x04) - slow;
    CHECK(fast >= 8 && fast <= 10);
    static const uint8_t one[] = {0x00, 0xf1, 0x05, 0x0b};
    CHECK_MEM("Current Status with a fault", f.spy.r[before].p, f.spy.r[before].len, one, 4);
    for (int i = before + 2; i < f.spy.n; i++) {
        uint64_t gap = f.spy.r[i].t - f.spy.r[i - 1].t;
        CHECK(gap >= 230 && gap <= 270); /* 250 ms give or take the advertising delay */
    }
    fx_free(&f);
}

static void test_client_argument_errors(void)
{
    struct fx f;
    fx_setup(&f);
    CHECK_EQ(bm_health_cli_fault_get(f.cli_n->node, f.hc, SRV_ADDR, 2, CID), BM_ESTATE);
    CHECK_EQ(bm_health_cli_attention_get(f.cli_n->node, f.hc, 0x0000, 1), BM_EINVAL);
    CHECK_EQ(bm_health_cli_attention_get(f.cli_n->node, f.spy_m, SRV_ADDR, 1), BM_EINVAL);
    CHECK_EQ(bm_health_cli_add(f.cli_n->node, 1, on_status, NULL, NULL), BM_EINVAL);
    CHECK_EQ(bm_health_cli_add(f.cli_n->node, 0, on_status, NULL, NULL), BM_EEXIST);
    fx_free(&f);
}

int main(void)
{
    BM_RUN(test_fault_get_reports_registered_faults);
    BM_RUN(test_fault_get_other_company_ignored);
    BM_RUN(test_fault_clear_keeps_current_faults);
    BM_RUN(test_fault_test_standard_only);
    BM_RUN(test_period_set_get_and_prohibited);
    BM_RUN(test_attention_timer_counts_down);
    BM_RUN(test_current_status_fast_period_with_faults);
    BM_RUN(test_client_argument_errors);
    return bm_test_done();
}
