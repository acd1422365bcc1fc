/* Configuration Server per-model states and network scenarios over the
 * simulated air: App Bind/Unbind and Model App lists, Model Publication
 * (plain and virtual), Subscription Add/Delete/Overwrite/Delete All (plain
 * and virtual, SIG and vendor) with every Status Code they give; a 5-hop
 * relay line where the provisioner configures the far nodes and a
 * published message then reaches the subscribers; heartbeats counted with
 * their hop count; Node Reset; and a device provisioned over PB-ADV then
 * configured. */
#include <string.h>

#include "cfg_env.h"
#include "crypto/crypto.h"
#include "node/node.h"
#include "test.h"

#define OP_ECHO 0xc10a00 /* vendor opcode, company 0x000a */

static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
static const uint8_t label[16] = {0x00, 0x73, 0xe7, 0xe4, 0xd8, 0xb9, 0x44, 0x0f,
                                  0xaf, 0x84, 0x15, 0xdf, 0x4c, 0x56, 0xc0, 0xe1};

static int on_echo(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *params, size_t len, uint32_t op)
{
    (void)op;
    (void)node;
    (void)ctx;
    (void)params;
    (void)len;
    int *count = model->user;
    (*count)++;
    return BM_OK;
}

static const struct bm_model_op echo_ops[] = {{0xc100 /* OP_ECHO */, 0, 40, on_echo}};
/* a vendor model (company 0x000a, model 0x0001) and a SIG one (0x1000) */
static const struct bm_model_type vnd_type = {
    .company = 0x000a, .id = 0x0001, .ops = echo_ops, .op_count = 1};
static const struct bm_model_type sig_type = {
    .company = BM_COMPANY_SIG, .id = 0x1000, .ops = echo_ops, .op_count = 1};

static const struct bm_cfg_model_id VND = {0x000a, 0x0001};
static const struct bm_cfg_model_id SIGM = {BM_CFG_SIG, 0x1000};
static const struct bm_cfg_model_id CFG_SRV = {BM_CFG_SIG, 0x0000};

static void add_models(struct env *e, int i, int *counts)
{
    struct bm_model *m;
    CHECK_EQ(bm_access_model_add(e->n[i]->node, 0, &vnd_type, &m), BM_OK);
    m->user = &counts[i];
    CHECK_EQ(bm_access_model_add(e->n[i]->node, 0, &sig_type, &m), BM_OK);
    m->user = &counts[i];
}

static void test_bind_errors_and_lists(void)
{
    struct env e;
    int counts[1] = {0};
    env_setup(&e, 1, 31);
    add_models(&e, 0, counts);
    struct bm_node *pv = e.pv->node;
    uint16_t a = env_addr(0);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 1, app_key))->status, BM_CFG_ST_SUCCESS);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_app_bind(pv, a, a + 1, 1, SIGM));
    CHECK_EQ(r->opcode, BM_CFG_OP_APP_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_INVALID_ADDRESS);
    CHECK_EQ(
        env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, (struct bm_cfg_model_id){BM_CFG_SIG, 0x1234}))
            ->status,
        BM_CFG_ST_INVALID_MODEL);
    CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 7, SIGM))->status, BM_CFG_ST_INVALID_APPKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, CFG_SRV))->status, BM_CFG_ST_CANNOT_BIND);
    r = env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, VND));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.app.elem_addr, a);
    CHECK_EQ(r->u.app.app_idx, 1);
    CHECK_EQ(r->u.app.model.company, 0x000a);
    CHECK_EQ(r->u.app.model.id, 0x0001);
    CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, VND))->status, BM_CFG_ST_SUCCESS);
    /* fill the model's binding table */
    for (uint16_t k = 2; k <= BM_CFG_MODEL_KEYS + 1; k++) {
        uint8_t key[16] = {(uint8_t)k};
        if (k <= BM_CFG_APP_KEYS)
            CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, k, key))->status, BM_CFG_ST_SUCCESS);
    }
    int bound = 1;
    for (uint16_t k = 2; k <= BM_CFG_APP_KEYS; k++, bound++)
        CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, k, VND))->status,
                 bound < BM_CFG_MODEL_KEYS ? BM_CFG_ST_SUCCESS : BM_CFG_ST_INSUFFICIENT_RESOURCES);
    r = env_wait(&e, bm_cfg_app_get(pv, a, a, VND));
    CHECK_EQ(r->opcode, BM_CFG_OP_VND_APP_LIST);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.list.total,
             BM_CFG_APP_KEYS < BM_CFG_MODEL_KEYS ? BM_CFG_APP_KEYS : BM_CFG_MODEL_KEYS);
    CHECK_EQ(r->u.list.items[0], 1);
    r = env_wait(&e, bm_cfg_app_get(pv, a, a, SIGM));
    CHECK_EQ(r->opcode, BM_CFG_OP_SIG_APP_LIST);
    CHECK_EQ(r->u.list.total, 0);
    CHECK_EQ(env_wait(&e, bm_cfg_app_get(pv, a, a + 3, SIGM))->status, BM_CFG_ST_INVALID_ADDRESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_unbind(pv, a, a, 1, VND))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_unbind(pv, a, a, 1, VND))->status, BM_CFG_ST_SUCCESS);
    CHECK(!bm_access_is_bound(bm_access_model_find(e.n[0]->node, a, 0x000a, 1), 1));
    CHECK_EQ(env_wait(&e, bm_cfg_app_unbind(pv, a, a, 9, VND))->status, BM_CFG_ST_INVALID_APPKEY);
    env_free(&e);
}

static void test_publication(void)
{
    struct env e;
    int counts[1] = {0};
    env_setup(&e, 1, 32);
    add_models(&e, 0, counts);
    struct bm_node *pv = e.pv->node;
    uint16_t a = env_addr(0);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 1, app_key))->status, BM_CFG_ST_SUCCESS);
    struct bm_cfg_pub pub = {.elem_addr = a,
                             .model = SIGM,
                             .addr = 0xc005,
                             .app_idx = 1,
                             .cred = true,
                             .ttl = 5,
                             .period = 0x41,
                             .retx_count = 2,
                             .retx_steps = 3};
    /* not bound yet */
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_pub_set(pv, a, &pub));
    CHECK_EQ(r->opcode, BM_CFG_OP_PUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_INVALID_APPKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, SIGM))->status, BM_CFG_ST_SUCCESS);
    r = env_wait(&e, bm_cfg_pub_set(pv, a, &pub));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.pub.addr, 0xc005);
    CHECK_EQ(r->u.pub.app_idx, 1);
    CHECK_EQ(r->u.pub.cred, 1);
    CHECK_EQ(r->u.pub.ttl, 5);
    CHECK_EQ(r->u.pub.period, 0x41);
    CHECK_EQ(r->u.pub.retx_count, 2);
    CHECK_EQ(r->u.pub.retx_steps, 3);
    CHECK_EQ(r->u.pub.model.id, 0x1000);
    r = env_wait(&e, bm_cfg_pub_get(pv, a, a, SIGM));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.pub.addr, 0xc005);
    CHECK_EQ(r->u.pub.ttl, 5);
    /* errors: element, model, key, the configuration server itself */
    pub.elem_addr = a + 2;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->status, BM_CFG_ST_INVALID_ADDRESS);
    pub.elem_addr = a;
    pub.model.id = 0x1001;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->status, BM_CFG_ST_INVALID_MODEL);
    CHECK_EQ(env_wait(&e, bm_cfg_pub_get(pv, a, a, pub.model))->status, BM_CFG_ST_INVALID_MODEL);
    pub.model = CFG_SRV;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->status, BM_CFG_ST_INVALID_PUBLISH_PARAMS);
    pub.model = SIGM;
    pub.app_idx = 9;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->status, BM_CFG_ST_INVALID_APPKEY);
    /* prohibited: TTL 0x80, a virtual address in the plain Set */
    pub.app_idx = 1;
    pub.ttl = 0x80;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->err, BM_ETIMEOUT);
    pub.ttl = 5;
    pub.addr = 0x8123;
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, a, &pub))->err, BM_ETIMEOUT);
    /* virtual: the Status gives the virtual address of the label */
    pub.virt = true;
    memcpy(pub.label, label, 16);
    pub.model = VND;
    CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, VND))->status, BM_CFG_ST_SUCCESS);
    uint16_t va;
    CHECK_EQ(bm_crypto_virtual_addr(label, &va), BM_OK);
    r = env_wait(&e, bm_cfg_pub_set(pv, a, &pub));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.pub.addr, va);
    CHECK_EQ(r->u.pub.model.company, 0x000a);
    /* off: unassigned address, the other fields read 0 */
    pub.virt = false;
    pub.addr = 0;
    r = env_wait(&e, bm_cfg_pub_set(pv, a, &pub));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    r = env_wait(&e, bm_cfg_pub_get(pv, a, a, VND));
    CHECK_EQ(r->u.pub.addr, 0);
    CHECK_EQ(r->u.pub.ttl, 0);
    CHECK_EQ(r->u.pub.app_idx, 0);
    env_free(&e);
}

static void test_subscriptions(void)
{
    struct env e;
    int counts[1] = {0};
    env_setup(&e, 1, 33);
    add_models(&e, 0, counts);
    struct bm_node *pv = e.pv->node;
    uint16_t a = env_addr(0);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xc001, SIGM));
    CHECK_EQ(r->opcode, BM_CFG_OP_SUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.sub.addr, 0xc001);
    CHECK_EQ(r->u.sub.model.id, 0x1000);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xc001, SIGM))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, 0x0005, SIGM))->status,
             BM_CFG_ST_INVALID_ADDRESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xffff, SIGM))->status,
             BM_CFG_ST_INVALID_ADDRESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a + 1, 0xc001, SIGM))->status,
             BM_CFG_ST_INVALID_ADDRESS);
    CHECK_EQ(
        env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xc001, (struct bm_cfg_model_id){0x000b, 1}))->status,
        BM_CFG_ST_INVALID_MODEL);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xc001, CFG_SRV))->status,
             BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_get(pv, a, a, CFG_SRV))->status,
             BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_del_all(pv, a, a, CFG_SRV))->status,
             BM_CFG_ST_NOT_A_SUBSCRIBE_MODEL);
    for (uint16_t g = 2; g <= BM_CFG_MODEL_SUBS; g++)
        CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, (uint16_t)(0xc000 + g), SIGM))->status,
                 BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, a, a, 0xc0ff, SIGM))->status,
             BM_CFG_ST_INSUFFICIENT_RESOURCES);
    r = env_wait(&e, bm_cfg_sub_get(pv, a, a, SIGM));
    CHECK_EQ(r->opcode, BM_CFG_OP_SIG_SUB_LIST);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.list.total, BM_CFG_MODEL_SUBS);
    CHECK_EQ(r->u.list.items[0], 0xc001);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_del(pv, a, a, 0xc001, SIGM))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_del(pv, a, a, 0xc001, SIGM))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_get(pv, a, a, SIGM))->u.list.total, BM_CFG_MODEL_SUBS - 1);
    r = env_wait(&e, bm_cfg_sub_overwrite(pv, a, a, 0xc0aa, SIGM));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    r = env_wait(&e, bm_cfg_sub_get(pv, a, a, SIGM));
    CHECK_EQ(r->u.list.total, 1);
    CHECK_EQ(r->u.list.items[0], 0xc0aa);
    r = env_wait(&e, bm_cfg_sub_del_all(pv, a, a, SIGM));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.sub.addr, 0);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_get(pv, a, a, SIGM))->u.list.total, 0);
    /* virtual, on the vendor model */
    uint16_t va;
    CHECK_EQ(bm_crypto_virtual_addr(label, &va), BM_OK);
    r = env_wait(&e, bm_cfg_sub_va_add(pv, a, a, label, VND));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.sub.addr, va);
    CHECK_EQ(r->u.sub.model.company, 0x000a);
    r = env_wait(&e, bm_cfg_sub_get(pv, a, a, VND));
    CHECK_EQ(r->opcode, BM_CFG_OP_VND_SUB_LIST);
    CHECK_EQ(r->u.list.total, 1);
    CHECK_EQ(r->u.list.items[0], va);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_va_overwrite(pv, a, a, label, VND))->status,
             BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_va_del(pv, a, a, label, VND))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_get(pv, a, a, VND))->u.list.total, 0);
    env_free(&e);
}

/* pv -- n0 -- n1 -- n2 -- n3 -- n4: the provisioner configures n4 and n2 to
 * subscribe to a group and n0 to publish there, over up to 5 hops. */
static void test_five_hop_line_configured(void)
{
    struct env e;
    int counts[5] = {0};
    env_setup(&e, 5, 34);
    for (int i = 0; i < 5; i++)
        add_models(&e, i, counts);
    struct bm_node *pv = e.pv->node;
    int cfg[3] = {0, 2, 4};
    for (int k = 0; k < 3; k++) {
        uint16_t a = env_addr(cfg[k]);
        CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 3, app_key))->status, BM_CFG_ST_SUCCESS);
        CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 3, VND))->status, BM_CFG_ST_SUCCESS);
    }
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, env_addr(4), env_addr(4), 0xc777, VND))->status,
             BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_sub_add(pv, env_addr(2), env_addr(2), 0xc777, VND))->status,
             BM_CFG_ST_SUCCESS);
    struct bm_cfg_pub pub = {
        .elem_addr = env_addr(0), .model = VND, .addr = 0xc777, .app_idx = 3, .ttl = 7};
    CHECK_EQ(env_wait(&e, bm_cfg_pub_set(pv, env_addr(0), &pub))->status, BM_CFG_ST_SUCCESS);
    /* the far node's composition, over 5 hops (a segmented answer) */
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_comp_get(pv, env_addr(4), 0));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.comp.elems[0].nsig, 3);
    CHECK_EQ(r->u.comp.elems[0].nvnd, 1);
    struct bm_model *m = bm_access_model_find(e.n[0]->node, env_addr(0), 0x000a, 1);
    static const uint8_t hi[] = {'h', 'i'};
    CHECK_EQ(bm_access_publish(e.n[0]->node, m, OP_ECHO, hi, sizeof(hi)), BM_OK);
    bm_sim_kick(e.sim, e.n[0]->id);
    bm_sim_run_for(e.sim, 3000);
    CHECK_EQ(counts[4], 1);
    CHECK_EQ(counts[2], 1);
    CHECK_EQ(counts[1], 0);
    CHECK_EQ(counts[3], 0);
    env_free(&e);
}

static void test_heartbeat_hops(void)
{
    struct env e;
    env_setup(&e, 4, 35);
    struct bm_node *pv = e.pv->node;
    uint16_t src = env_addr(0), dst = env_addr(3);
    /* subscription on n3 for heartbeats from n0, for 2^(8-1) = 128 s */
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_hb_sub_set(pv, dst, src, dst, 8));
    CHECK_EQ(r->opcode, BM_CFG_OP_HB_SUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.hb_sub.src, src);
    CHECK_EQ(r->u.hb_sub.period_log, 8);
    CHECK_EQ(r->u.hb_sub.count_log, 0);
    /* prohibited subscriptions are ignored */
    CHECK_EQ(env_wait(&e, bm_cfg_hb_sub_set(pv, dst, 0xc001, dst, 8))->err, BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_hb_sub_set(pv, dst, src, dst, 0x12))->err, BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_hb_sub_set(pv, dst, src, 0x0005, 8))->err, BM_ETIMEOUT);
    /* publication on n0: 4 heartbeats (count log 3), every 2 s (period log 2), TTL 10 */
    struct bm_cfg_hb_pub hp = {
        .dst = dst, .count_log = 3, .period_log = 2, .ttl = 10, .features = 1, .net_idx = 0};
    r = env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp));
    CHECK_EQ(r->opcode, BM_CFG_OP_HB_PUB_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.hb_pub.dst, dst);
    CHECK_EQ(r->u.hb_pub.ttl, 10);
    bm_sim_run_for(e.sim, 10000);
    r = env_wait(&e, bm_cfg_hb_pub_get(pv, src));
    CHECK_EQ(r->u.hb_pub.count_log, 0); /* all 4 sent */
    CHECK_EQ(r->u.hb_pub.period_log, 2);
    r = env_wait(&e, bm_cfg_hb_sub_get(pv, dst));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    /* n0 -> n1 -> n2 -> n3: sent with TTL 10, relayed twice, heard with 8:
     * hops = 10 - 8 + 1 = 3 (3.6.7.4) */
    CHECK_EQ(r->u.hb_sub.min_hops, 3);
    CHECK_EQ(r->u.hb_sub.max_hops, 3);
    CHECK_EQ(r->u.hb_sub.count_log, 3); /* 4 heartbeats: 2^2 <= 4 < 2^3 */
    CHECK_EQ(e.n[3]->node->hb_sub.count, 4);
    /* errors */
    hp.dst = 0x8001;
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->status, BM_CFG_ST_INVALID_ADDRESS);
    hp.dst = dst;
    hp.count_log = 0x12;
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->status, BM_CFG_ST_CANNOT_SET);
    hp.count_log = 1;
    hp.period_log = 0x12;
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->status, BM_CFG_ST_CANNOT_SET);
    hp.period_log = 1;
    hp.net_idx = 0x0123;
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->status, BM_CFG_ST_INVALID_NETKEY);
    hp.net_idx = 0;
    hp.ttl = 0x80;
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->err, BM_ETIMEOUT);
    /* off */
    r = env_wait(&e, bm_cfg_hb_sub_set(pv, dst, 0, 0, 0));
    CHECK_EQ(r->u.hb_sub.src, 0);
    CHECK_EQ(r->u.hb_sub.period_log, 0);
    env_free(&e);
}

static void test_heartbeat_to_group_on_relay_change(void)
{
    struct env e;
    env_setup(&e, 2, 36);
    struct bm_node *pv = e.pv->node;
    uint16_t src = env_addr(0), sub = env_addr(1);
    CHECK_EQ(env_wait(&e, bm_cfg_hb_sub_set(pv, sub, src, 0xc0de, 6))->status, BM_CFG_ST_SUCCESS);
    /* no periodic heartbeats, but relay changes trigger one each */
    struct bm_cfg_hb_pub hp = {.dst = 0xc0de, .ttl = 4, .features = 1};
    CHECK_EQ(env_wait(&e, bm_cfg_hb_pub_set(pv, src, &hp))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_relay_set(pv, src, 0, 0, 0))->u.xmit.state, 0);
    CHECK_EQ(e.n[1]->node->hb_sub.count, 1);
    CHECK_EQ(e.n[1]->node->hb_sub.min_hops, 1);
    env_free(&e);
}

static void test_node_reset(void)
{
    struct env e;
    env_setup(&e, 2, 37);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_node_reset(e.pv->node, env_addr(1)));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->opcode, BM_CFG_OP_NODE_RESET_STATUS);
    CHECK_EQ(r->src, env_addr(1));
    bm_sim_run_for(e.sim, 1000);
    CHECK(!bm_node_is_provisioned(e.n[1]->node));
    CHECK(bm_node_is_provisioned(e.n[0]->node));
    /* it no longer answers */
    CHECK_EQ(env_wait(&e, bm_cfg_beacon_get(e.pv->node, env_addr(1)))->err, BM_ETIMEOUT);
    env_free(&e);
}

/* The whole path: PB-ADV provisioning, then configuration from its
 * database entry. */
static void test_after_pb_adv(void)
{
    struct env e;
    env_setup(&e, 0, 38);
    struct test_node *d = mesh_sim_add(e.sim);
    CHECK_EQ(mesh_sim_device(d, "dev", BM_OOB_NONE), BM_OK);
    struct bm_provision_result res;
    CHECK_EQ(env_provision(&e, d, &res), BM_PROVISION_EVT_COMPLETE);
    bm_sim_run_for(e.sim, 500);
    const struct bm_cfg_rsp *r =
        env_wait(&e, bm_cfg_app_key_add(e.pv->node, res.addr, 0, 1, app_key));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    r = env_wait(&e, bm_cfg_comp_get(e.pv->node, res.addr, 0));
    CHECK_EQ(r->u.comp.elem_count, 1);
    CHECK_EQ(env_wait(&e, bm_cfg_node_reset(e.pv->node, res.addr))->err, BM_OK);
    bm_sim_run_for(e.sim, 1000);
    CHECK(!bm_node_is_provisioned(d->node));
    mesh_sim_free(d);
    env_free(&e);
}

int main(void)
{
    BM_RUN(test_bind_errors_and_lists);
    BM_RUN(test_publication);
    BM_RUN(test_subscriptions);
    BM_RUN(test_five_hop_line_configured);
    BM_RUN(test_heartbeat_hops);
    BM_RUN(test_heartbeat_to_group_on_relay_change);
    BM_RUN(test_node_reset);
    BM_RUN(test_after_pb_adv);
    return bm_test_done();
}
