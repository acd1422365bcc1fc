/* The core keeps time as 32-bit milliseconds that wrap every 49.7 days
 * (src/bm_time.h): the wrap-safe helpers, then whole networks whose
 * simulated clock crosses 2^32 ms while a device is provisioned over
 * PB-ADV and while a server publishes periodically.
 *
 * Expected values are worked out by hand: 2^32 - 16 = 0xfffffff0, and a
 * deadline 0x20 ms after it is 0x10; a Publish Period of 0x41 is one step
 * of 1 s (Mesh Profile 4.2.2.2). */
#include <string.h>

#include "bm_time.h"
#include "cfg_env.h"
#include "node/node.h"
#include "test.h"

#define WRAP_MS (1ull << 32)
#define OP_ONOFF_STATUS 0x8204

static void test_helpers(void)
{
    /* deadlines: now + delay, never 0 (0 = none) */
    CHECK_EQ(bm_ms_after(5, 0), 5u);
    CHECK_EQ(bm_ms_after(0xfffffff0u, 0x20), 0x10u);
    CHECK_EQ(bm_ms_after(0xffffffffu, 1), 1u); /* would be 0: one ms later */
    CHECK_EQ(bm_ms_after(0, 0), 1u);
    /* reached: by the signed distance, across the wrap */
    CHECK(bm_ms_reached(7, 7));
    CHECK(bm_ms_reached(8, 7));
    CHECK(!bm_ms_reached(6, 7));
    CHECK(bm_ms_reached(0x10, 0xfffffff0u));  /* deadline before the wrap, now after */
    CHECK(!bm_ms_reached(0xfffffff0u, 0x10)); /* deadline after the wrap, now before */
    CHECK(!bm_ms_reached(0, 0x7fffffffu));    /* 2^31 - 1 ahead */
    CHECK(bm_ms_reached(0x7fffffffu, 0));     /* 2^31 - 1 behind */
    /* due: set and reached */
    CHECK(!bm_ms_due(0x10, 0));
    CHECK(bm_ms_due(0x10, 0xfffffff0u));
    CHECK(!bm_ms_due(0xfffffff0u, 0x10));
    /* time left */
    CHECK_EQ(bm_ms_left(0xfffffff0u, 0x10), 0x20u);
    CHECK_EQ(bm_ms_left(0x10, 0xfffffff0u), 0u);
    CHECK_EQ(bm_ms_left(100, 100), 0u);
    CHECK_EQ(bm_ms_left(100, 350), 250u);
    /* earliest of two deadlines as seen from now; 0 = none */
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0x10, 0xffffffffu), 0xffffffffu);
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0xffffffffu, 0x10), 0xffffffffu);
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0x10, 0x20), 0x10u);
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0xffffffe0u, 0x10), 0xffffffe0u); /* overdue first */
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0, 0x10), 0x10u);
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0x10, 0), 0x10u);
    CHECK_EQ(bm_ms_min(0xfffffff0u, 0, 0), 0u);
}

/* A spy on the provisioner subscribed to the group: the times OnOff
 * Status messages arrive. */
struct heard {
    struct bm_sim *sim;
    uint64_t t[64];
    int n;
};

static int on_status(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                     const uint8_t *params, size_t len, uint32_t op)
{
    (void)node;
    (void)ctx;
    (void)op;
    (void)params;
    (void)len;
    struct heard *h = model->user;
    if (h->n < 64)
        h->t[h->n] = bm_sim_now_ms(h->sim);
    h->n++;
    return BM_OK;
}

static const struct bm_model_op spy_ops[] = {{OP_ONOFF_STATUS, 1, 3, on_status}};
static const struct bm_model_type spy_type = {
    .company = 0x000a, .id = 0x0003, .ops = spy_ops, .op_count = 1};

static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
static const struct bm_cfg_model_id ONOFF_SRV = {BM_CFG_SIG, 0x1000};

static void spy_on_group(struct env *e, struct heard *h, uint16_t group)
{
    struct bm_node *pv = e->pv->node;
    struct bm_model *m;
    h->sim = e->sim;
    CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
    CHECK_EQ(bm_access_model_add(pv, 0, &spy_type, &m), BM_OK);
    m->user = h;
    CHECK_EQ(bm_access_bind(m, 1), BM_OK);
    CHECK_EQ(bm_access_sub_add(pv, m, group, NULL), BM_OK);
}

/* Configures addr's OnOff Server to publish to group every second. */
static void publish_every_second(struct env *e, uint16_t addr, uint16_t group)
{
    struct bm_node *pv = e->pv->node;
    CHECK_EQ(env_wait(e, bm_cfg_app_key_add(pv, addr, 0, 1, app_key))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_app_bind(pv, addr, addr, 1, ONOFF_SRV))->status, BM_CFG_ST_SUCCESS);
    struct bm_cfg_pub pub = {.elem_addr = addr,
                             .model = ONOFF_SRV,
                             .addr = group,
                             .app_idx = 1,
                             .ttl = 5,
                             .period = 0x41};
    CHECK_EQ(env_wait(e, bm_cfg_pub_set(pv, addr, &pub))->status, BM_CFG_ST_SUCCESS);
}

/* Every Status one period after the one before (advDelay and relaying
 * add a few ms at most). */
static void check_period(const struct heard *h, int from)
{
    for (int i = from + 1; i < h->n && i < 64; i++) {
        uint64_t gap = h->t[i] - h->t[i - 1];
        if (gap < 950 || gap > 1050)
            bm_test_fail(__FILE__, __LINE__, "publication %d after %llu ms", i,
                         (unsigned long long)gap);
    }
}

/* A node publishing every second while the clock crosses 2^32 ms. */
static void test_periodic_publication_across_wrap(void)
{
    struct env e;
    env_setup_at(&e, 1, 51, WRAP_MS - 5000);
    CHECK_EQ(bm_add_model(e.n[0]->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, NULL),
             BM_OK);
    struct heard h = {0};
    spy_on_group(&e, &h, 0xc001);
    publish_every_second(&e, env_addr(0), 0xc001);
    uint64_t start = bm_sim_now_ms(e.sim);
    CHECK(start < WRAP_MS);
    int before = h.n;
    bm_sim_run_until(e.sim, WRAP_MS + 10000);
    /* every second from the Publication Set on, through the wrap */
    int got = h.n - before;
    int want = (int)((WRAP_MS + 10000 - start) / 1000);
    CHECK(got >= want - 1 && got <= want + 1);
    CHECK(h.n > 0 && h.t[h.n - 1] > WRAP_MS + 8000);
    check_period(&h, before);
    env_free(&e);
}

/* PB-ADV provisioning that starts just before the wrap and ends after
 * it, then configuration and periodic publication. */
static void test_provisioning_across_wrap(void)
{
    struct env e;
    env_setup_at(&e, 0, 52, WRAP_MS - 400); /* PB-ADV takes about 0.8 s here */
    struct test_node *d = mesh_sim_add(e.sim);
    CHECK_EQ(mesh_sim_device(d, "dev", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_add_model(d->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, NULL), BM_OK);
    struct bm_provision_result res;
    CHECK_EQ(env_provision(&e, d, &res), BM_PROVISION_EVT_COMPLETE);
    CHECK(bm_sim_now_ms(e.sim) > WRAP_MS); /* the wrap fell inside provisioning */
    CHECK(bm_node_is_provisioned(d->node));
    struct heard h = {0};
    spy_on_group(&e, &h, 0xc002);
    publish_every_second(&e, res.addr, 0xc002);
    int before = h.n;
    bm_sim_run_for(e.sim, 5000);
    CHECK(h.n - before >= 4 && h.n - before <= 6);
    check_period(&h, before);
    mesh_sim_free(d);
    env_free(&e);
}

int main(void)
{
    BM_RUN(test_helpers);
    BM_RUN(test_periodic_publication_across_wrap);
    BM_RUN(test_provisioning_across_wrap);
    return bm_test_done();
}
