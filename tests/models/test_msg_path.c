/* The node's message path end to end in the simulated air, with a minimal
 * test model: unsegmented and segmented access messages, acknowledged
 * segmentation under loss, relaying along a line, group delivery by
 * subscription, replay protection, and publication. Keys are installed
 * directly (the Configuration Server's own tests cover doing it over the
 * air). */
#include <stdio.h>
#include <string.h>

#include "access/model.h"
#include "mesh_sim.h"
#include "node/node.h"
#include "test.h"

#define OP_ECHO 0xc10a00   /* a vendor opcode (company 0x000a), 3 octets */

struct got {
    int count;
    uint16_t src, dst;
    uint8_t data[400];
    size_t len;
};

static int on_echo(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *params, size_t len, uint32_t op)
{
    (void)op;
    (void)node;
    struct got *g = model->user;
    g->count++;
    g->src = ctx->src;
    g->dst = ctx->dst;
    memcpy(g->data, params, len);
    g->len = len;
    return BM_OK;
}

static const struct bm_model_op echo_ops[] = {{0xc100 /* OP_ECHO */, 0, BM_OP_LEN_ANY, on_echo}};
static const struct bm_model_type echo_type = {.company = 0x000a, .id = 0x0001,
                                               .ops = echo_ops, .op_count = 1};

static const uint8_t net_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

struct line {
    struct bm_sim *sim;
    struct test_node *n[8];
    struct bm_model *m[8];
    struct got got[8];
    int count;
};

/* count nodes in a line, each hearing only its neighbours; all provisioned
 * directly (the provisioning tests cover PB-ADV) with the same keys. */
static void line_setup(struct line *l, int count, double prob, uint64_t seed)
{
    memset(l, 0, sizeof(*l));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&l->sim, &cfg), BM_OK);
    l->count = count;
    for (int i = 0; i < count; i++) {
        l->n[i] = mesh_sim_add(l->sim);
        struct bm_node *node = l->n[i]->node;
        CHECK_EQ(bm_create_element(node, true, BM_RELAY, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_init(node, "n", BM_OOB_NONE), BM_OK);
        uint8_t dev_key[16] = {0xd0, (uint8_t)i};
        CHECK_EQ(bm_node_provisioned(node, net_key, 0, 0, 0x1000, (uint16_t)(0x0100 + i),
                                     dev_key),
                 BM_OK);
        CHECK_EQ(bm_node_app_key_add(node, 0, 1, app_key), BM_OK);
        CHECK_EQ(bm_access_model_add(node, 0, &echo_type, &l->m[i]), BM_OK);
        l->m[i]->user = &l->got[i];
        CHECK_EQ(bm_access_bind(l->m[i], 1), BM_OK);
        if (i > 0)
            bm_sim_link(l->sim, l->n[i - 1]->id, l->n[i]->id, prob);
    }
}

static void line_free(struct line *l)
{
    for (int i = 0; i < l->count; i++)
        mesh_sim_free(l->n[i]);
    bm_sim_free(l->sim);
}

static int send_echo(struct line *l, int from, uint16_t dst, const uint8_t *data, size_t len)
{
    struct bm_msg_ctx ctx = {.dst = dst, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    int rc = bm_access_send(l->n[from]->node, l->m[from], &ctx, OP_ECHO, data, len);
    bm_sim_kick(l->sim, l->n[from]->id);
    return rc;
}

static void test_unsegmented_to_neighbour(void)
{
    struct line l;
    line_setup(&l, 2, 1.0, 1);
    bm_sim_run_for(l.sim, 100);
    static const uint8_t hi[] = {'h', 'i'};
    CHECK_EQ(send_echo(&l, 0, 0x0101, hi, sizeof(hi)), BM_OK);
    bm_sim_run_for(l.sim, 1000);
    CHECK_EQ(l.got[1].count, 1);
    CHECK_EQ(l.got[1].src, 0x0100);
    CHECK_MEM("payload", l.got[1].data, l.got[1].len, hi, sizeof(hi));
    line_free(&l);
}

static void test_segmented_max_size_under_loss(void)
{
    struct line l;
    line_setup(&l, 2, 0.7, 2);
    bm_sim_run_for(l.sim, 100);
    uint8_t big[377]; /* 3-octet opcode + 377 = 380, 32 segments */
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    CHECK_EQ(send_echo(&l, 0, 0x0101, big, sizeof(big)), BM_OK);
    bm_sim_run_for(l.sim, 20000);
    CHECK_EQ(l.got[1].count, 1);
    CHECK_MEM("32-segment payload", l.got[1].data, l.got[1].len, big, sizeof(big));
    /* the sender saw every segment acknowledged */
    CHECK(!l.n[0]->node->sar_tx[0].busy);
    line_free(&l);
}

/* A segmented send refused for want of a SAR context writes none of them
 * (the PDU is encrypted in place in the context it takes), nor takes a
 * sequence number; an unsegmented one needs no context. */
static void test_refused_segmented_send_changes_no_context(void)
{
    struct line l;
    line_setup(&l, 2, 1.0, 9);
    bm_sim_run_for(l.sim, 100);
    struct bm_node *node = l.n[0]->node;
    struct bm_msg_ctx ctx = {.dst = 0x0107, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    uint8_t big[40];
    memset(big, 0x3c, sizeof(big));
    /* nobody at 0x0107 acknowledges: every context stays busy */
    for (int i = 0; i < BM_CFG_TX_SEG_CTX; i++)
        CHECK_EQ(bm_access_send(node, l.m[0], &ctx, OP_ECHO, big, sizeof(big)), BM_OK);
    static struct bm_sar_tx before[BM_CFG_TX_SEG_CTX];
    memcpy(before, node->sar_tx, sizeof(before));
    uint32_t seq = node->seq;
    CHECK_EQ(bm_access_send(node, l.m[0], &ctx, OP_ECHO, big, sizeof(big)), BM_EBUSY);
    uint8_t too_long[378]; /* 3-octet opcode + 378 > 380 */
    memset(too_long, 1, sizeof(too_long));
    CHECK_EQ(bm_access_send(node, l.m[0], &ctx, OP_ECHO, too_long, sizeof(too_long)), BM_EINVAL);
    CHECK(memcmp(before, node->sar_tx, sizeof(before)) == 0);
    CHECK_EQ(node->seq, seq);
    /* 3 + 2 octets + TransMIC: one unsegmented PDU, delivered while the
     * contexts are still busy (once the bearer queue has drained) */
    bm_sim_run_for(l.sim, 200);
    CHECK(node->sar_tx[0].busy);
    static const uint8_t hi[] = {'h', 'i'};
    CHECK_EQ(send_echo(&l, 0, 0x0101, hi, sizeof(hi)), BM_OK);
    bm_sim_run_for(l.sim, 1000);
    CHECK_EQ(l.got[1].count, 1);
    CHECK_MEM("payload", l.got[1].data, l.got[1].len, hi, sizeof(hi));
    line_free(&l);
}

static void test_relayed_along_five_hops(void)
{
    struct line l;
    line_setup(&l, 6, 1.0, 3);
    bm_sim_run_for(l.sim, 100);
    static const uint8_t msg[] = {0xaa, 0xbb};
    CHECK_EQ(send_echo(&l, 0, 0x0105, msg, sizeof(msg)), BM_OK);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[5].count, 1);
    for (int i = 1; i < 5; i++)
        CHECK_EQ(l.got[i].count, 0); /* relays do not take what is not theirs */
    /* segmented, and acknowledged back across the relays */
    uint8_t big[40];
    memset(big, 0x5a, sizeof(big));
    CHECK_EQ(send_echo(&l, 0, 0x0105, big, sizeof(big)), BM_OK);
    bm_sim_run_for(l.sim, 5000);
    CHECK_EQ(l.got[5].count, 2);
    CHECK_EQ(l.got[5].len, sizeof(big));
    CHECK(!l.n[0]->node->sar_tx[0].busy);
    line_free(&l);
}

static void test_ttl_limits_reach(void)
{
    struct line l;
    line_setup(&l, 4, 1.0, 4);
    bm_sim_run_for(l.sim, 100);
    struct bm_msg_ctx ctx = {.dst = 0x0103, .app_idx = 1, .ttl = 2};
    static const uint8_t msg[] = {1};
    /* TTL 2: relayed once (TTL 1 is not relayed), so reaches hop 2 only */
    CHECK_EQ(bm_access_send(l.n[0]->node, l.m[0], &ctx, OP_ECHO, msg, 1), BM_OK);
    bm_sim_kick(l.sim, l.n[0]->id);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[3].count, 0);
    ctx.ttl = 3;
    CHECK_EQ(bm_access_send(l.n[0]->node, l.m[0], &ctx, OP_ECHO, msg, 1), BM_OK);
    bm_sim_kick(l.sim, l.n[0]->id);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[3].count, 1);
    line_free(&l);
}

static void test_group_by_subscription(void)
{
    struct line l;
    line_setup(&l, 4, 1.0, 5);
    CHECK_EQ(bm_access_sub_add(l.n[1]->node, l.m[1], 0xc001, NULL), BM_OK);
    CHECK_EQ(bm_access_sub_add(l.n[3]->node, l.m[3], 0xc001, NULL), BM_OK);
    CHECK_EQ(bm_access_sub_add(l.n[3]->node, l.m[3], 0x0001, NULL), BM_EINVAL);
    bm_sim_run_for(l.sim, 100);
    static const uint8_t msg[] = {7};
    CHECK_EQ(send_echo(&l, 0, 0xc001, msg, 1), BM_OK);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[1].count, 1);
    CHECK_EQ(l.got[2].count, 0);
    CHECK_EQ(l.got[3].count, 1);
    CHECK_EQ(l.got[3].dst, 0xc001);
    line_free(&l);
}

/* Captures network PDUs on the air to replay them. */
struct capture {
    uint32_t node;
    uint8_t adv[8][31];
    size_t len[8];
    int count;
};

static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    (void)t_us;
    struct capture *c = ctx;
    if (node == c->node && adv[1] == BM_AD_MESH_MESSAGE && c->count < 8) {
        memcpy(c->adv[c->count], adv, len);
        c->len[c->count++] = len;
    }
}

static void test_replayed_message_is_dropped(void)
{
    struct line l;
    line_setup(&l, 2, 1.0, 6);
    struct capture cap = {.node = l.n[0]->id};
    bm_sim_set_transcript(l.sim, on_air, &cap);
    bm_sim_run_for(l.sim, 100);
    static const uint8_t msg[] = {9};
    CHECK_EQ(send_echo(&l, 0, 0x0101, msg, 1), BM_OK);
    bm_sim_run_for(l.sim, 1000);
    CHECK_EQ(l.got[1].count, 1);
    CHECK(cap.count >= 1);
    /* once the cache has forgotten it, only replay protection stops it */
    memset(&l.n[1]->node->net.cache, 0, sizeof(l.n[1]->node->net.cache));
    struct bm_node_stats before, after;
    bm_node_get_stats(l.n[1]->node, &before);
    bm_node_rx_adv(l.n[1]->node, cap.adv[0], cap.len[0], -40);
    bm_node_get_stats(l.n[1]->node, &after);
    CHECK_EQ(l.got[1].count, 1);
    CHECK_EQ(after.replay_dropped, before.replay_dropped + 1);
    line_free(&l);
}

static void test_no_relay_without_feature(void)
{
    struct line l;
    line_setup(&l, 3, 1.0, 7);
    l.n[1]->node->relay = BM_FEAT_STATE_DISABLED;
    bm_sim_run_for(l.sim, 100);
    static const uint8_t msg[] = {1};
    CHECK_EQ(send_echo(&l, 0, 0x0102, msg, 1), BM_OK);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[2].count, 0);
    line_free(&l);
}

/* A node's advertisements leave in the order it queued them, so messages
 * sent back to back all pass the receiver's replay protection. */
static void test_back_to_back_messages_all_arrive(void)
{
    struct line l;
    line_setup(&l, 2, 1.0, 8);
    bm_sim_run_for(l.sim, 100);
    for (uint8_t i = 0; i < 4; i++)
        CHECK_EQ(send_echo(&l, 0, 0x0101, &i, 1), BM_OK);
    bm_sim_run_for(l.sim, 2000);
    CHECK_EQ(l.got[1].count, 4);
    CHECK_EQ(l.got[1].data[0], 3); /* the last one came last */
    struct bm_node_stats st;
    bm_node_get_stats(l.n[1]->node, &st);
    CHECK_EQ(st.replay_dropped, 0);
    line_free(&l);
}

int main(void)
{
    BM_RUN(test_unsegmented_to_neighbour);
    BM_RUN(test_segmented_max_size_under_loss);
    BM_RUN(test_refused_segmented_send_changes_no_context);
    BM_RUN(test_relayed_along_five_hops);
    BM_RUN(test_ttl_limits_reach);
    BM_RUN(test_group_by_subscription);
    BM_RUN(test_replayed_message_is_dropped);
    BM_RUN(test_no_relay_without_feature);
    BM_RUN(test_back_to_back_messages_all_arrive);
    return bm_test_done();
}
