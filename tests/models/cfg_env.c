/* Test set-up for the Configuration models (see cfg_env.h). */
#include "cfg_env.h"

#include <string.h>

#include "node/node.h"
#include "test.h"

const uint8_t env_net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                 0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};

static void on_rsp(void *user, const struct bm_cfg_rsp *rsp)
{
    struct env *e = user;
    e->rsp = *rsp;
    e->raw_len = rsp->raw_len <= sizeof(e->raw) ? rsp->raw_len : 0;
    if (e->raw_len)
        memcpy(e->raw, rsp->raw, e->raw_len);
    e->rsp_count++;
}

uint16_t env_addr(int i)
{
    return (uint16_t)(0x0100 + 0x10 * i);
}

void env_setup(struct env *e, int count, uint64_t seed)
{
    env_setup_at(e, count, seed, 0);
}

void env_setup_at(struct env *e, int count, uint64_t seed, uint64_t start_ms)
{
    memset(e, 0, sizeof(*e));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&e->sim, &cfg), BM_OK);
    CHECK_EQ(bm_sim_run_until(e->sim, start_ms), BM_OK); /* no nodes yet: only the clock moves */
    e->pv = mesh_sim_add(e->sim);
    struct bm_node *pv = e->pv->node;
    CHECK_EQ(bm_init(pv, "pv", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(pv, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_prov_create_network(pv, env_net_key, 0, 0, PV_ADDR), BM_OK);
    CHECK_EQ(bm_cfg_cli_enable(pv, on_rsp, e), BM_OK);
    e->count = count;
    uint32_t prev = e->pv->id;
    for (int i = 0; i < count; i++) {
        e->n[i] = mesh_sim_add(e->sim);
        struct bm_node *node = e->n[i]->node;
        CHECK_EQ(bm_create_element(node, true, BM_RELAY, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_init(node, "n", BM_OOB_NONE), BM_OK);
        uint8_t dev_key[16] = {0xde, 0x7e, (uint8_t)i};
        CHECK_EQ(bm_node_provisioned(node, env_net_key, 0, 0, 0, env_addr(i), dev_key), BM_OK);
        struct bm_prov_db_node *d = &pv->db[i];
        d->used = true;
        d->addr = env_addr(i);
        d->elements = 1;
        memcpy(d->dev_key, dev_key, 16);
        bm_sim_link(e->sim, prev, e->n[i]->id, 1.0);
        prev = e->n[i]->id;
    }
    bm_sim_run_for(e->sim, 100);
}

void env_free(struct env *e)
{
    for (int i = 0; i < e->count; i++)
        mesh_sim_free(e->n[i]);
    mesh_sim_free(e->pv);
    bm_sim_free(e->sim);
}

static bool waiting(void *ctx)
{
    struct env *e = ctx;
    return bm_cfg_cli_busy(e->pv->node);
}

const struct bm_cfg_rsp *env_wait(struct env *e, int rc)
{
    CHECK_EQ(rc, BM_OK);
    memset(&e->rsp, 0, sizeof(e->rsp));
    e->rsp.err = 1; /* neither BM_OK nor a BM_E* code: nothing came */
    if (rc != BM_OK)
        return &e->rsp;
    bm_sim_kick(e->sim, e->pv->id);
    bm_sim_run_while(e->sim, waiting, e, 120000);
    /* let the server finish what follows its Status */
    bm_sim_run_for(e->sim, 200);
    return &e->rsp;
}

struct env_pb {
    int done;
    struct bm_provision_result *res;
};

static void env_on_provision(void *user, const struct bm_provision_result *res)
{
    struct env_pb *p = user;
    if (res->event != BM_PROVISION_EVT_OOB_NEEDED) {
        *p->res = *res;
        p->done = 1;
    }
}

static bool env_pb_running(void *ctx)
{
    return !((struct env_pb *)ctx)->done;
}

int env_provision(struct env *e, struct test_node *d, struct bm_provision_result *res)
{
    bm_sim_link(e->sim, e->pv->id, d->id, 1.0);
    uint8_t uuid[16];
    struct bm_provision_opts opts = {0};
    struct env_pb p = {.res = res};
    memset(res, 0, sizeof(*res));
    if (bm_get_uuid(d->node, uuid) != BM_OK ||
        bm_prov_provision(e->pv->node, uuid, &opts, env_on_provision, &p) != BM_OK)
        return -1;
    bm_sim_kick(e->sim, e->pv->id);
    bm_sim_run_while(e->sim, env_pb_running, &p, 60000);
    return p.done ? (int)res->event : -1;
}
