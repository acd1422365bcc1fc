/* The light of the footprint image run with its own table sizes
 * (bench/footprint/light_limits.h: one element, one NetKey, two AppKeys,
 * four models, one Label UUID, two subscriptions per model; tests.cmake
 * compiles the core, the simulator and this test with them): a
 * provisioner and two lights in the simulated air, the second reached
 * through the first. Each light is provisioned over PB-ADV, gets an
 * AppKey, its OnOff Server bound and a publication, then answers Generic
 * OnOff Sets; a NetKey or AppKey beyond the tables, or a third group
 * subscription, is refused with Insufficient Resources (Mesh Profile
 * 4.3.5, Status Code 0x05). */
#include <string.h>

#include "cfg_env.h"
#include "node/node.h"
#include "test.h"

#if BM_CFG_ELEMENTS != 1 || BM_CFG_SUBNETS != 1 || BM_CFG_APP_KEYS != 2 || BM_CFG_MODEL_SUBS != 2
#error "built without the light's limits (bench/footprint/light_limits.h)"
#endif

#define OP_ONOFF_STATUS 0x8204

static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
static const struct bm_cfg_model_id ONOFF_SRV = {BM_CFG_SIG, 0x1000};

/* what a model's callback saw */
struct seen {
    int n;
    struct bm_model_event_info last;
};

static void on_event(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct seen *s = user;
    s->n++;
    s->last = *e;
}

static void on_prov(void *user, const struct bm_prov_info *info)
{
    (void)user, (void)info;
}

/* The light as bench/footprint/relay_proxy_onoff.c builds it. */
static struct test_node *add_light(struct env *e, struct seen *s, struct bm_model **srv)
{
    struct test_node *l = mesh_sim_add(e->sim);
    CHECK_EQ(bm_create_element(l->node, true, BM_RELAY | BM_GATT_PROXY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(l->node, "light", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_add_model(l->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, on_event, s, 0, srv), BM_OK);
    CHECK_EQ(bm_set_node_prov(l->node, BM_PROV_ADV, on_prov, NULL), BM_OK);
    /* the element table is full: a second element does not fit */
    CHECK(bm_create_element(l->node, false, 0, true, 7, NULL) != BM_OK);
    return l;
}

/* AppKey 1, OnOff Server bound to it and publishing to the provisioner. */
static void configure(struct env *e, uint16_t a)
{
    struct bm_node *pv = e->pv->node;
    const struct bm_cfg_rsp *r = env_wait(e, bm_cfg_comp_get(pv, a, 0));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.comp.elem_count, 1);
    CHECK_EQ(r->u.comp.elems[0].nsig, 3); /* Configuration, Health, OnOff Server */
    CHECK_EQ(r->u.comp.elems[0].nvnd, 0);
    r = env_wait(e, bm_cfg_app_key_add(pv, a, 0, 1, app_key));
    CHECK_EQ(r->opcode, BM_CFG_OP_APPKEY_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    r = env_wait(e, bm_cfg_app_bind(pv, a, a, 1, ONOFF_SRV));
    CHECK_EQ(r->opcode, BM_CFG_OP_APP_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    struct bm_cfg_pub pub = {
        .elem_addr = a, .model = ONOFF_SRV, .addr = PV_ADDR, .app_idx = 1, .ttl = 5};
    r = env_wait(e, bm_cfg_pub_set(pv, a, &pub));
    CHECK_EQ(r->opcode, BM_CFG_OP_PUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.pub.addr, PV_ADDR);
    CHECK_EQ(r->u.pub.app_idx, 1);
}

/* An acknowledged Set from the provisioner's OnOff Client: the Status
 * answers with the new state, the server holds it, and the publication of
 * the change reaches the provisioner too. */
static void onoff_set(struct env *e, struct bm_model *cli, struct seen *cs, uint16_t a,
                      struct bm_model *srv, struct seen *ss, int32_t v)
{
    int before = cs->n, srv_before = ss->n;
    CHECK_EQ(bm_model_set_state(e->pv->node, cli, v, a, 1, true), BM_OK);
    bm_sim_kick(e->sim, e->pv->id);
    bm_sim_run_for(e->sim, 2000);
    int32_t got = -1;
    CHECK_EQ(bm_model_get_value(srv, &got), BM_OK);
    CHECK_EQ(got, v);
    CHECK_EQ(ss->n, srv_before + 1);
    CHECK_EQ(ss->last.event, BM_EVT_STATE_CHANGED);
    CHECK_EQ(cs->n, before + 2); /* the Status, then the publication */
    CHECK_EQ(cs->last.event, BM_EVT_STATUS);
    CHECK_EQ(cs->last.recv_op, OP_ONOFF_STATUS);
    CHECK_EQ(cs->last.src, a);
    CHECK_EQ(cs->last.value, v);
    CHECK_EQ(bm_model_get_value(cli, &got), BM_OK);
    CHECK_EQ(got, v);
}

static void test_light_with_its_limits(void)
{
    struct env e;
    env_setup(&e, 0, 71);
    struct bm_node *pv = e.pv->node;
    /* the provisioner: Configuration Server and Client, Health Server and
     * an OnOff Client fill its four model entries */
    struct seen cs = {0};
    struct bm_model *cli;
    CHECK_EQ(bm_add_model(pv, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, on_event, &cs, 0, &cli), BM_OK);
    CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
    CHECK_EQ(bm_access_bind(cli, 1), BM_OK);

    struct seen s1 = {0}, s2 = {0};
    struct bm_model *srv1, *srv2;
    struct test_node *l1 = add_light(&e, &s1, &srv1);
    struct test_node *l2 = add_light(&e, &s2, &srv2);
    struct bm_provision_result res;
    CHECK_EQ(env_provision(&e, l1, &res), BM_PROVISION_EVT_COMPLETE);
    uint16_t a1 = res.addr;
    CHECK_EQ(env_provision(&e, l2, &res), BM_PROVISION_EVT_COMPLETE);
    uint16_t a2 = res.addr;
    CHECK(a1 != a2);
    CHECK(bm_node_is_provisioned(l1->node));
    CHECK(bm_node_is_provisioned(l2->node));
    /* from now on the second light hears the provisioner only through the
     * first (a relay) */
    bm_sim_unlink(e.sim, e.pv->id, l2->id);
    bm_sim_link(e.sim, l1->id, l2->id, 1.0);
    bm_sim_run_for(e.sim, 500);

    configure(&e, a1);
    configure(&e, a2);
    onoff_set(&e, cli, &cs, a1, srv1, &s1, 1);
    onoff_set(&e, cli, &cs, a2, srv2, &s2, 1);
    onoff_set(&e, cli, &cs, a1, srv1, &s1, 0);
    CHECK_EQ(bm_model_get_value(srv2, &(int32_t){0}), BM_OK);

    /* a local change on the second light: its publication, relayed */
    int before = cs.n;
    CHECK_EQ(bm_model_set_value(l2->node, srv2, 0), BM_OK);
    bm_sim_kick(e.sim, l2->id);
    bm_sim_run_for(e.sim, 2000);
    CHECK_EQ(cs.n, before + 1);
    CHECK_EQ(cs.last.src, a2);
    CHECK_EQ(cs.last.value, 0);

    /* the tables' limits, as the Configuration Server answers them */
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_app_key_add(pv, a1, 0, 2, (uint8_t[16]){2}));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS); /* the spare */
    r = env_wait(&e, bm_cfg_app_key_add(pv, a1, 0, 3, (uint8_t[16]){3}));
    CHECK_EQ(r->opcode, BM_CFG_OP_APPKEY_STATUS);
    CHECK_EQ(r->status, 0x05); /* Insufficient Resources */
    CHECK_EQ(r->u.key.app_idx, 3);
    r = env_wait(&e, bm_cfg_app_key_add(pv, a1, 0, 1, app_key));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS); /* the same key again: still there */
    r = env_wait(&e, bm_cfg_net_key_add(pv, a1, 1, (uint8_t[16]){0x11}));
    CHECK_EQ(r->opcode, BM_CFG_OP_NETKEY_STATUS);
    CHECK_EQ(r->status, 0x05); /* Insufficient Resources */
    CHECK_EQ(r->u.key.net_idx, 1);
    r = env_wait(&e, bm_cfg_net_key_add(pv, a1, 0, env_net_key));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS); /* the one it has */
    r = env_wait(&e, bm_cfg_net_key_get(pv, a1));
    CHECK_EQ(r->u.list.total, 1);
    CHECK_EQ(r->u.list.items[0], 0);
    r = env_wait(&e, bm_cfg_app_key_get(pv, a1, 0));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.list.total, 2);
    /* two group subscriptions per model, a third refused */
    r = env_wait(&e, bm_cfg_sub_add(pv, a1, a1, 0xc001, ONOFF_SRV));
    CHECK_EQ(r->opcode, BM_CFG_OP_SUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a1, a1, 0xc002, ONOFF_SRV))->status,
             BM_CFG_ST_SUCCESS);
    r = env_wait(&e, bm_cfg_sub_add(pv, a1, a1, 0xc003, ONOFF_SRV));
    CHECK_EQ(r->opcode, BM_CFG_OP_SUB_STATUS);
    CHECK_EQ(r->status, 0x05); /* Insufficient Resources */
    CHECK_EQ(r->u.sub.addr, 0xc003);
    /* a Set to a subscribed group reaches the light */
    CHECK_EQ(bm_model_set_state(pv, cli, 0, 0xc002, 1, false), BM_OK);
    bm_sim_kick(e.sim, e.pv->id);
    bm_sim_run_for(e.sim, 2000);
    int32_t v = -1;
    CHECK_EQ(bm_model_get_value(srv1, &v), BM_OK);
    CHECK_EQ(v, 0);
    /* the refused keys and subscription left the light working */
    onoff_set(&e, cli, &cs, a1, srv1, &s1, 1);

    mesh_sim_free(l1);
    mesh_sim_free(l2);
    env_free(&e);
}

int main(void)
{
    BM_RUN(test_light_with_its_limits);
    return bm_test_done();
}
