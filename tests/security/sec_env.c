/* Test set-up for tests/security (see sec_env.h). */
#include "sec_env.h"

#include <stdlib.h>
#include <string.h>

#include "node/node.h"
#include "test.h"

const uint8_t sec_net_key[16] = {0x5e, 0xc0, 0x4e, 0x79, 0x11, 0x22, 0x33, 0x44,
                                 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
const uint8_t sec_app_key[16] = {0xa9, 0x9c, 0x4e, 0x79, 0x01, 0x12, 0x23, 0x34,
                                 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc};

static int on_echo(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *params, size_t len, uint32_t op)
{
    (void)op;
    (void)node;
    struct sec_got *g = model->user;
    g->count++;
    g->src = ctx->src;
    g->dst = ctx->dst;
    if (len <= sizeof(g->data)) {
        memcpy(g->data, params, len);
        g->len = len;
    }
    return BM_OK;
}

static const struct bm_model_op echo_ops[] = {
    {0xc100 /* SEC_OP_ECHO */, 0, BM_OP_LEN_ANY, on_echo}};
static const struct bm_model_type echo_type = {
    .company = 0x000a, .id = 0x0001, .ops = echo_ops, .op_count = 1};

uint16_t sec_addr(int i)
{
    return (uint16_t)(0x0100 + i);
}

void sec_dev_key(int i, uint8_t key[16])
{
    for (int k = 0; k < 16; k++)
        key[k] = (uint8_t)(0xd0 + k * 13 + i * 7);
    key[1] = (uint8_t)i;
}

void sec_net_setup(struct sec_net *s, int count, uint64_t seed, bool collisions, uint32_t iv,
                   bool relay)
{
    memset(s, 0, sizeof(*s));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    cfg.collisions = collisions;
    CHECK_EQ(bm_sim_create(&s->sim, &cfg), BM_OK);
    s->count = count;
    for (int i = 0; i < count; i++) {
        s->n[i] = mesh_sim_add(s->sim);
        struct bm_node *node = s->n[i]->node;
        CHECK_EQ(bm_create_element(node, true, relay ? BM_RELAY : 0, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_init(node, "n", BM_OOB_NONE), BM_OK);
        uint8_t dev_key[16];
        sec_dev_key(i, dev_key);
        CHECK_EQ(bm_node_provisioned(node, sec_net_key, 0, 0, iv, sec_addr(i), dev_key), BM_OK);
        CHECK_EQ(bm_node_app_key_add(node, 0, SEC_APP_IDX, sec_app_key), BM_OK);
        CHECK_EQ(bm_access_model_add(node, 0, &echo_type, &s->m[i]), BM_OK);
        s->m[i]->user = &s->got[i];
        CHECK_EQ(bm_access_bind(s->m[i], SEC_APP_IDX), BM_OK);
    }
}

void sec_restart(struct sec_net *s, int i)
{
    struct test_node *n = s->n[i];
    void *mem = n->node;
    bm_node_destroy(n->node);
    n->node = bm_node_create(mem, bm_node_size(), bm_sim_platform(s->sim, n->id));
    CHECK(n->node != NULL);
    CHECK_EQ(bm_sim_node_restart(s->sim, n->id, NULL, NULL), BM_OK);
    struct bm_node *node = n->node;
    CHECK_EQ(bm_init(node, "n", BM_OOB_NONE), BM_OK);
    CHECK(bm_node_is_provisioned(node));
    CHECK_EQ(bm_create_element(node, true, 0, true, 7, NULL), BM_OK);
    if (!bm_node_app_key(node, SEC_APP_IDX, NULL))
        CHECK_EQ(bm_node_app_key_add(node, 0, SEC_APP_IDX, sec_app_key), BM_OK);
    CHECK_EQ(bm_access_model_add(node, 0, &echo_type, &s->m[i]), BM_OK);
    s->m[i]->user = &s->got[i];
    if (!bm_access_is_bound(s->m[i], SEC_APP_IDX))
        CHECK_EQ(bm_access_bind(s->m[i], SEC_APP_IDX), BM_OK);
    bm_sim_kick(s->sim, n->id);
}

void sec_net_free(struct sec_net *s)
{
    for (int i = 0; i < s->count; i++)
        mesh_sim_free(s->n[i]);
    bm_sim_free(s->sim);
}

int sec_echo(struct sec_net *s, int from, uint16_t dst, const uint8_t *data, size_t len)
{
    struct bm_msg_ctx ctx = {.dst = dst, .app_idx = SEC_APP_IDX, .ttl = BM_TTL_DEFAULT};
    int rc = bm_access_send(s->n[from]->node, s->m[from], &ctx, SEC_OP_ECHO, data, len);
    bm_sim_kick(s->sim, s->n[from]->id);
    return rc;
}

/* --- attacker --- */

static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    struct attacker *a = ctx;
    if (!a->recording || node == a->id || len < 2 || len > BM_ADV_MAX_LEN)
        return;
    if (adv[1] != BM_AD_MESH_MESSAGE && adv[1] != BM_AD_MESH_BEACON)
        return;
    if (a->rec_n >= ATK_REC_MAX)
        return;
    struct atk_rec *r = &a->rec[a->rec_n++];
    r->t_us = t_us;
    r->from = node;
    memcpy(r->adv, adv, len);
    r->len = len;
}

static uint32_t rnd32(struct attacker *a)
{
    uint8_t b[4];
    a->plat->random(a->plat->ctx, b, sizeof(b));
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* One garbage advertisement: a random mesh AD type; network PDUs carry
 * the NID of the network half the time (so they reach decryption), secure
 * beacons its Network ID (so they reach authentication). */
static void flood_one(struct attacker *a)
{
    static const uint8_t types[] = {BM_AD_PB_ADV, BM_AD_MESH_MESSAGE, BM_AD_MESH_BEACON};
    uint8_t data[BM_AD_MAX_DATA];
    uint32_t r = rnd32(a);
    uint8_t type = types[r % 3];
    size_t len = 1 + (r >> 8) % BM_AD_MAX_DATA;
    a->plat->random(a->plat->ctx, data, len);
    if (type == BM_AD_MESH_MESSAGE && (r >> 16) & 1)
        data[0] = (uint8_t)((data[0] & 0x80) | a->flood_nid);
    if (type == BM_AD_MESH_BEACON && (r >> 17) & 1) {
        len = 22;
        data[0] = 0x01;
        data[1] &= 0x03;
        memcpy(data + 2, a->flood_net_id, 8);
    }
    if (atk_send_ad(a, type, data, len) == BM_OK)
        a->flood_sent++;
}

static uint64_t atk_process(void *user, uint64_t now)
{
    struct attacker *a = user;
    if (!a->flood)
        return UINT64_MAX;
    if (now >= a->flood_next) {
        flood_one(a);
        a->flood_next = now + a->flood_period_ms;
    }
    return a->flood_next;
}

static const struct bm_sim_node_ops atk_ops = {.rx = NULL, .process = atk_process};

struct attacker *atk_add(struct bm_sim *sim, bool recording)
{
    struct attacker *a = calloc(1, sizeof(*a));
    CHECK(a != NULL);
    a->rec = calloc(ATK_REC_MAX, sizeof(*a->rec));
    CHECK(a->rec != NULL);
    a->sim = sim;
    a->recording = recording;
    CHECK_EQ(bm_sim_add_node(sim, &atk_ops, a, &a->id), BM_OK);
    a->plat = bm_sim_platform(sim, a->id);
    bm_sim_set_transcript(sim, on_air, a);
    return a;
}

void atk_free(struct attacker *a)
{
    if (!a)
        return;
    free(a->rec);
    free(a);
}

const struct atk_rec *atk_find(const struct attacker *a, uint32_t from, uint8_t type, int n)
{
    for (size_t i = 0; i < a->rec_n; i++)
        if (a->rec[i].from == from && a->rec[i].adv[1] == type && n-- == 0)
            return &a->rec[i];
    return NULL;
}

int atk_send(struct attacker *a, const uint8_t *adv, size_t len)
{
    static const struct bm_adv_xmit once = {.count = 1, .interval_ms = 20};
    int rc = a->plat->adv_send(a->plat->ctx, adv, len, &once);
    bm_sim_kick(a->sim, a->id);
    return rc;
}

int atk_send_ad(struct attacker *a, uint8_t ad, const uint8_t *data, size_t len)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    if (len > BM_AD_MAX_DATA)
        return BM_EINVAL;
    adv[0] = (uint8_t)(len + 1);
    adv[1] = ad;
    memcpy(adv + 2, data, len);
    static const struct bm_adv_xmit once = {.count = 1, .interval_ms = 20};
    return a->plat->adv_send(a->plat->ctx, adv, len + 2, &once);
}

void atk_flood(struct attacker *a, bool on, uint32_t period_ms)
{
    a->flood = on;
    a->flood_period_ms = period_ms ? period_ms : 1;
    a->flood_next = bm_sim_now_ms(a->sim);
    bm_sim_kick(a->sim, a->id);
}

void sec_creds(const uint8_t net_key[16], struct bm_net_creds *c)
{
    CHECK_EQ(bm_net_creds_master(c, net_key), BM_OK);
}
