/* Friendship in the simulated air (Mesh Profile 3.6.6): a Low Power node
 * chooses the best of several offers, sleeps, and gets what was sent to it
 * meanwhile (group, unicast, segmented) when it polls; nothing is lost
 * while the friend queue has room and the oldest goes when it overflows;
 * its radio listens a small fraction of the time; a lost friend is
 * replaced, the previous one cleared by PollTimeout or by Friend Clear;
 * the Configuration Server shows the Friend state and PollTimeout. Nodes
 * are provisioned directly (the provisioning tests cover PB-ADV). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/model.h"
#include "blemesh/cfg_client.h"
#include "mesh_sim.h"
#include "node/node.h"
#include "test.h"

#define OP_ECHO 0xc10a00
#define MAXN 6
#define GROUP 0xc001

struct got {
    int count;
    uint8_t first[64]; /* first payload octet of each message, in order */
    size_t len[64];
};

static int on_echo(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *params, size_t len, uint32_t op)
{
    (void)op;
    (void)node;
    (void)ctx;
    struct got *g = model->user;
    if (g->count < 64) {
        g->first[g->count] = len ? params[0] : 0;
        g->len[g->count] = len;
    }
    g->count++;
    return BM_OK;
}

static const struct bm_model_op echo_ops[] = {{0xc100 /* OP_ECHO */, 0, BM_OP_LEN_ANY, on_echo}};
static const struct bm_model_type echo_type = {
    .company = 0x000a, .id = 0x0001, .ops = echo_ops, .op_count = 1};

static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};

struct net {
    struct bm_sim *sim;
    struct test_node *n[MAXN];
    struct bm_model *m[MAXN];
    struct got got[MAXN];
    int count;
    int events;
};

static uint16_t addr(int i)
{
    return (uint16_t)(0x0100 + i);
}

/* FR_LOG=1 prints the nodes' log lines (info and up) */
static void on_log(void *ctx, uint64_t now_ms, uint32_t node, enum bm_log_level level,
                   const char *layer, const char *line)
{
    (void)ctx;
    if (level <= BM_LOG_INF)
        printf("%8llu n%u %s: %s\n", (unsigned long long)now_ms, (unsigned)node, layer, line);
}

static void on_friendship(void *user, bool established, uint16_t friend_addr)
{
    (void)established;
    (void)friend_addr;
    ((struct net *)user)->events++;
}

/* Node i gets features[i]; node 0 is the Low Power node when features[0]
 * says so. No links yet. */
static void net_setup(struct net *t, int count, const uint8_t *features, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&t->sim, &cfg), BM_OK);
    t->count = count;
    if (getenv("FR_LOG"))
        bm_sim_set_log(t->sim, on_log, NULL);
    for (int i = 0; i < count; i++) {
        t->n[i] = mesh_sim_add(t->sim);
        struct bm_node *node = t->n[i]->node;
        CHECK_EQ(bm_create_element(node, true, features[i], false, 7, NULL), BM_OK);
        CHECK_EQ(bm_init(node, "n", BM_OOB_NONE), BM_OK);
        uint8_t dev_key[16] = {0xd0, (uint8_t)i};
        CHECK_EQ(bm_node_provisioned(node, net_key, 0, 0, 0x1000, addr(i), dev_key), BM_OK);
        CHECK_EQ(bm_node_app_key_add(node, 0, 1, app_key), BM_OK);
        CHECK_EQ(bm_access_model_add(node, 0, &echo_type, &t->m[i]), BM_OK);
        t->m[i]->user = &t->got[i];
        CHECK_EQ(bm_access_bind(t->m[i], 1), BM_OK);
    }
    bm_lpn_set_cb(t->n[0]->node, on_friendship, t);
}

static void link_rssi(struct net *t, int a, int b, int8_t rssi)
{
    bm_sim_link_rssi(t->sim, t->n[a]->id, t->n[b]->id, 1.0, rssi);
    bm_sim_link_rssi(t->sim, t->n[b]->id, t->n[a]->id, 1.0, rssi);
}

static void net_free(struct net *t)
{
    for (int i = 0; i < t->count; i++)
        mesh_sim_free(t->n[i]);
    bm_sim_free(t->sim);
}

static int send_echo(struct net *t, int from, uint16_t dst, const uint8_t *data, size_t len)
{
    struct bm_msg_ctx ctx = {.dst = dst, .app_idx = 1, .ttl = BM_TTL_DEFAULT};
    int rc = bm_access_send(t->n[from]->node, t->m[from], &ctx, OP_ECHO, data, len);
    bm_sim_kick(t->sim, t->n[from]->id);
    return rc;
}

static bool not_idle(void *ctx)
{
    const struct bm_node *lpn = ctx;
    return !(bm_lpn_established(lpn) && lpn->lpn.state == BM_LPN_IDLE);
}

/* Runs until the LPN has a friend and sleeps between polls. */
static void wait_established(struct net *t, uint64_t limit_ms)
{
    CHECK_EQ(bm_sim_run_while(t->sim, not_idle, t->n[0]->node, limit_ms), BM_OK);
}

static struct bm_lpn_status lpn_status(struct net *t)
{
    struct bm_lpn_status st;
    CHECK_EQ(bm_lpn_get_status(t->n[0]->node, &st), BM_OK);
    return st;
}

static void print_listening(const char *what, struct net *t)
{
    struct bm_lpn_status st = lpn_status(t);
    printf("    %s: LPN listened %llu ms of %llu ms (%.2f%%), %u polls\n", what,
           (unsigned long long)st.listen_ms, (unsigned long long)st.elapsed_ms,
           st.elapsed_ms ? 100.0 * (double)st.listen_ms / (double)st.elapsed_ms : 0.0,
           (unsigned)st.polls);
}

static void test_best_offer_among_three_friends(void)
{
    static const uint8_t f[] = {BM_LOW_POWER, BM_RELAY | BM_FRIEND, BM_RELAY | BM_FRIEND,
                                BM_RELAY | BM_FRIEND};
    struct net t;
    net_setup(&t, 4, f, 11);
    link_rssi(&t, 0, 1, -80);
    link_rssi(&t, 0, 2, -50);
    link_rssi(&t, 0, 3, -70);
    wait_established(&t, 10000);
    struct bm_lpn_status st = lpn_status(&t);
    CHECK(st.established);
    CHECK_EQ(st.friend_addr, addr(2)); /* the strongest link, same ReceiveWindow */
    CHECK_EQ(st.receive_window_ms, BM_FRND_RECEIVE_WINDOW_MS);
    CHECK_EQ(st.friendships, 1);
    CHECK_EQ(t.events, 1);
    /* the other offers lapsed: their friends hold no friendship */
    bm_sim_run_for(t.sim, 2000);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_FREE);
    CHECK_EQ(t.n[3]->node->frnd.lpns[0].state, BM_FRND_FREE);
    CHECK_EQ(t.n[2]->node->frnd.lpns[0].state, BM_FRND_ESTABLISHED);
    net_free(&t);
}

/* LPN -- F -- S: S cannot reach the LPN but through its friend. */
static void three_in_line(struct net *t, uint64_t seed)
{
    static const uint8_t f[] = {BM_LOW_POWER, BM_RELAY | BM_FRIEND, BM_RELAY};
    net_setup(t, 3, f, seed);
    link_rssi(t, 0, 1, -60);
    link_rssi(t, 1, 2, -60);
}

static void test_messages_sent_while_asleep_arrive_at_poll(void)
{
    struct net t;
    three_in_line(&t, 12);
    CHECK_EQ(bm_access_sub_add(t.n[0]->node, t.m[0], GROUP, NULL), BM_OK);
    wait_established(&t, 10000);
    /* the friend learns the group (Subscription List Add/Confirm) */
    bm_sim_run_for(t.sim, 500);
    CHECK_EQ(t.n[0]->node->lpn.fsub_count, 1);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].sub_count, 1);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].subs[0], GROUP);
    uint32_t polls = lpn_status(&t).polls;
    static const uint8_t g[] = {0x11, 1};
    static const uint8_t u[] = {0x22, 2};
    uint8_t big[40];
    memset(big, 0x33, sizeof(big));
    CHECK_EQ(send_echo(&t, 2, GROUP, g, sizeof(g)), BM_OK);
    bm_sim_run_for(t.sim, 200);
    CHECK_EQ(send_echo(&t, 2, addr(0), u, sizeof(u)), BM_OK);
    bm_sim_run_for(t.sim, 200);
    CHECK_EQ(send_echo(&t, 2, addr(0), big, sizeof(big)), BM_OK); /* 4 segments */
    bm_sim_run_for(t.sim, 600);
    /* asleep: nothing yet, all of it queued at the friend */
    CHECK_EQ(lpn_status(&t).polls, polls);
    CHECK_EQ(t.got[0].count, 0);
    CHECK(t.n[1]->node->frnd.lpns[0].queue_count >= 6);
    bm_sim_run_for(t.sim, 4000);
    /* the friend acknowledged the segments for the LPN */
    CHECK(!t.n[2]->node->sar_tx[0].busy);
    CHECK_EQ(t.got[0].count, 3);
    CHECK_EQ(t.got[0].first[0], 0x11);
    CHECK_EQ(t.got[0].first[1], 0x22);
    CHECK_EQ(t.got[0].first[2], 0x33);
    CHECK_EQ(t.got[0].len[2], sizeof(big));
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].queue_count, 0);
    /* the friend kept them for the LPN; its own model got none */
    CHECK_EQ(t.got[1].count, 0);
    net_free(&t);
}

/* Sends n unicast messages to the LPN, 150 ms apart, payload i. */
static void burst(struct net *t, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t p[2] = {(uint8_t)i, 0x5a};
        CHECK_EQ(send_echo(t, 2, addr(0), p, sizeof(p)), BM_OK);
        bm_sim_run_for(t->sim, 150);
    }
}

static void test_no_loss_while_queue_has_room(void)
{
    struct net t;
    three_in_line(&t, 13);
    t.n[0]->node->lpn.poll_interval_ms = 9000;
    wait_established(&t, 10000);
    bm_sim_run_for(t.sim, 300);
    int n = BM_CFG_FRIEND_QUEUE - 1;
    burst(&t, n);
    CHECK_EQ(t.got[0].count, 0);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].queue_count, n);
    bm_sim_run_for(t.sim, 9000);
    CHECK_EQ(t.got[0].count, n);
    for (int i = 0; i < n && i < t.got[0].count; i++)
        CHECK_EQ(t.got[0].first[i], i);
    CHECK_EQ(t.n[1]->node->frnd.discarded, 0);
    print_listening("no loss", &t);
    net_free(&t);
}

static void test_overflow_discards_oldest(void)
{
    struct net t;
    three_in_line(&t, 14);
    t.n[0]->node->lpn.poll_interval_ms = 9000;
    wait_established(&t, 10000);
    bm_sim_run_for(t.sim, 300);
    int extra = 4, n = BM_CFG_FRIEND_QUEUE + extra;
    burst(&t, n);
    CHECK_EQ(t.got[0].count, 0);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].queue_count, BM_CFG_FRIEND_QUEUE);
    CHECK_EQ(t.n[1]->node->frnd.discarded, extra);
    bm_sim_run_for(t.sim, 9000);
    CHECK_EQ(t.got[0].count, BM_CFG_FRIEND_QUEUE);
    for (int i = 0; i < BM_CFG_FRIEND_QUEUE && i < t.got[0].count; i++)
        CHECK_EQ(t.got[0].first[i], extra + i); /* the newest stayed */
    net_free(&t);
}

/* A full queue receiving a segment drops whole messages, never half of one. */
static void test_overflow_drops_segments_together(void)
{
    struct net t;
    three_in_line(&t, 15);
    t.n[0]->node->lpn.poll_interval_ms = 9000;
    wait_established(&t, 10000);
    bm_sim_run_for(t.sim, 300);
    uint8_t big[20]; /* 3 + 20 + 4 octets: 3 segments */
    memset(big, 0x77, sizeof(big));
    CHECK_EQ(send_echo(&t, 2, addr(0), big, sizeof(big)), BM_OK);
    bm_sim_run_for(t.sim, 1000);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].queue_count, 3);
    burst(&t, BM_CFG_FRIEND_QUEUE - 2); /* the first unsegmented one pushes the 3 segments out */
    CHECK_EQ(t.n[1]->node->frnd.discarded, 3);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].queue_count, BM_CFG_FRIEND_QUEUE - 2);
    bm_sim_run_for(t.sim, 9000);
    CHECK_EQ(t.got[0].count, BM_CFG_FRIEND_QUEUE - 2);
    CHECK_EQ(t.got[0].len[0], 2);
    net_free(&t);
}

static void test_listening_is_a_small_fraction(void)
{
    struct net t;
    three_in_line(&t, 16);
    wait_established(&t, 10000);
    bm_sim_run_for(t.sim, 60000);
    struct bm_lpn_status st = lpn_status(&t);
    print_listening("one minute", &t);
    CHECK(st.established);
    CHECK(st.polls >= 60000 / BM_LPN_POLL_INTERVAL_MS);
    CHECK(st.listen_ms * 20 < st.elapsed_ms); /* under 5% */
    /* and the friend still has it: polls came within PollTimeout */
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_ESTABLISHED);
    CHECK_EQ(st.losses, 0);
    net_free(&t);
}

static void test_friend_radio_off_lpn_finds_another(void)
{
    static const uint8_t f[] = {BM_LOW_POWER, BM_RELAY | BM_FRIEND, BM_RELAY | BM_FRIEND};
    struct net t;
    net_setup(&t, 3, f, 17);
    link_rssi(&t, 0, 1, -50);
    link_rssi(&t, 0, 2, -75);
    wait_established(&t, 10000);
    CHECK_EQ(lpn_status(&t).friend_addr, addr(1));
    uint64_t off_at = bm_sim_now_ms(t.sim);
    bm_sim_set_radio(t.sim, t.n[1]->id, false);
    bm_sim_run_for(t.sim, 8000);
    struct bm_lpn_status st = lpn_status(&t);
    CHECK(st.established);
    CHECK_EQ(st.friend_addr, addr(2));
    CHECK_EQ(st.losses, 1);
    CHECK_EQ(st.friendships, 2);
    CHECK_EQ(t.events, 3); /* established, lost, established */
    /* the new friend knows the previous one and tries to clear it */
    CHECK_EQ(t.n[2]->node->frnd.lpns[0].prev_friend, addr(1));
    /* the old friend, hearing no Poll, ends it after PollTimeout (10 s) */
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_ESTABLISHED);
    bm_sim_run_until(t.sim, off_at + BM_LPN_POLL_TIMEOUT * 100u + 500);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_FREE);
    CHECK_EQ(t.n[1]->node->frnd.cleared, 1);
    /* messages keep reaching the LPN through its new friend */
    static const uint8_t p[] = {0x44};
    CHECK_EQ(send_echo(&t, 2, addr(0), p, 1), BM_OK);
    bm_sim_run_for(t.sim, 100);
    CHECK_EQ(t.n[2]->node->frnd.lpns[0].queue_count, 1); /* the friend's own message */
    bm_sim_run_for(t.sim, 5000);
    CHECK_EQ(t.got[0].count, 1);
    net_free(&t);
}

static void test_friend_clear_to_previous_friend(void)
{
    static const uint8_t f[] = {BM_LOW_POWER, BM_RELAY | BM_FRIEND, BM_RELAY | BM_FRIEND};
    struct net t;
    net_setup(&t, 3, f, 18);
    link_rssi(&t, 0, 1, -50);
    link_rssi(&t, 0, 2, -75);
    link_rssi(&t, 1, 2, -60);
    wait_established(&t, 10000);
    CHECK_EQ(lpn_status(&t).friend_addr, addr(1));
    uint64_t old_expiry = t.n[1]->node->frnd.lpns[0].expire_ms;
    bm_sim_unlink(t.sim, t.n[0]->id, t.n[1]->id); /* the LPN moved away from F1 */
    bm_sim_run_for(t.sim, 7000);
    struct bm_lpn_status st = lpn_status(&t);
    CHECK_EQ(st.friend_addr, addr(2));
    /* F2 sent Friend Clear to F1, which ended the friendship before its
     * PollTimeout and confirmed */
    CHECK(bm_sim_now_ms(t.sim) < old_expiry);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_FREE);
    CHECK_EQ(t.n[1]->node->frnd.cleared, 1);
    CHECK_EQ(t.n[2]->node->frnd.lpns[0].clear_next_ms, 0);
    net_free(&t);
}

/* --- Configuration Server: Friend state, LPN PollTimeout --- */

struct cfg_wait {
    int count;
    struct bm_cfg_rsp rsp;
};

static void on_rsp(void *user, const struct bm_cfg_rsp *rsp)
{
    struct cfg_wait *w = user;
    w->rsp = *rsp;
    w->count++;
}

static bool waiting(void *ctx)
{
    return ((struct cfg_wait *)ctx)->count == 0;
}

static const struct bm_cfg_rsp *cfg_wait(struct net *t, struct cfg_wait *w, int rc)
{
    CHECK_EQ(rc, BM_OK);
    bm_sim_kick(t->sim, t->n[2]->id);
    bm_sim_run_while(t->sim, waiting, w, 30000);
    bm_sim_run_for(t->sim, 100);
    return &w->rsp;
}

static void test_config_server_friend_state_and_poll_timeout(void)
{
    struct net t;
    three_in_line(&t, 19);
    /* node 2 configures: a Configuration Client knowing the others' keys */
    struct bm_node *cli = t.n[2]->node;
    struct cfg_wait w;
    memset(&w, 0, sizeof(w));
    CHECK_EQ(bm_cfg_cli_enable(cli, on_rsp, &w), BM_OK);
    for (int i = 0; i < 2; i++) {
        struct bm_prov_db_node *d = &cli->db[i];
        d->used = true;
        d->addr = addr(i);
        d->elements = 1;
        uint8_t dev_key[16] = {0xd0, (uint8_t)i};
        memcpy(d->dev_key, dev_key, 16);
    }
    wait_established(&t, 10000);
    const struct bm_cfg_rsp *r = cfg_wait(&t, &w, bm_cfg_friend_get(cli, addr(1)));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, BM_FEAT_STATE_ENABLED);
    /* the LPN's PollTimeout timer at its friend: running down from 10 s */
    w.count = 0;
    r = cfg_wait(&t, &w, bm_cfg_lpn_timeout_get(cli, addr(1), addr(0)));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.lpn.lpn_addr, addr(0));
    CHECK(r->u.lpn.poll_timeout > 0 && r->u.lpn.poll_timeout <= BM_LPN_POLL_TIMEOUT);
    w.count = 0;
    r = cfg_wait(&t, &w, bm_cfg_lpn_timeout_get(cli, addr(1), 0x0777));
    CHECK_EQ(r->u.lpn.poll_timeout, 0);
    /* Friend Set 0 ends the friendship */
    w.count = 0;
    r = cfg_wait(&t, &w, bm_cfg_friend_set(cli, addr(1), 0));
    CHECK_EQ(r->u.value, BM_FEAT_STATE_DISABLED);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_FREE);
    w.count = 0;
    r = cfg_wait(&t, &w, bm_cfg_friend_set(cli, addr(1), 1));
    CHECK_EQ(r->u.value, BM_FEAT_STATE_ENABLED);
    /* without the feature (the LPN: asked through its friend's queue), the
     * state is 0x02 and a Set changes nothing */
    bm_sim_run_for(t.sim, 6000);
    w.count = 0;
    r = cfg_wait(&t, &w, bm_cfg_friend_set(cli, addr(0), 1));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, BM_FEAT_STATE_UNSUPPORTED);
    CHECK(!t.n[0]->node->frnd.enabled);
    /* the LPN, having lost its friend, finds it again */
    bm_sim_run_for(t.sim, 10000);
    CHECK(lpn_status(&t).established);
    CHECK_EQ(lpn_status(&t).friend_addr, addr(1));
    net_free(&t);
}

static void test_api_errors(void)
{
    static const uint8_t f[] = {BM_RELAY, BM_FRIEND};
    struct net t;
    net_setup(&t, 2, f, 20);
    CHECK_EQ(bm_lpn_set(t.n[0]->node, true), BM_ENOTSUP);
    CHECK_EQ(bm_lpn_poll(t.n[0]->node), BM_ESTATE);
    CHECK_EQ(bm_lpn_set(NULL, true), BM_EINVAL);
    CHECK_EQ(bm_lpn_get_status(t.n[0]->node, NULL), BM_EINVAL);
    struct bm_lpn_status st;
    CHECK_EQ(bm_lpn_get_status(t.n[0]->node, &st), BM_OK);
    CHECK(!st.enabled && !st.established);
    net_free(&t);
}

static void test_lpn_disable_and_poll_now(void)
{
    struct net t;
    three_in_line(&t, 21);
    wait_established(&t, 10000);
    uint32_t polls = lpn_status(&t).polls;
    CHECK_EQ(bm_lpn_poll(t.n[0]->node), BM_OK);
    bm_sim_kick(t.sim, t.n[0]->id);
    bm_sim_run_for(t.sim, 500);
    CHECK_EQ(lpn_status(&t).polls, polls + 1);
    /* off: Friend Clear to the friend, which ends it at once */
    CHECK_EQ(bm_lpn_set(t.n[0]->node, false), BM_OK);
    bm_sim_kick(t.sim, t.n[0]->id);
    bm_sim_run_for(t.sim, 500);
    CHECK(!lpn_status(&t).established);
    CHECK_EQ(t.n[1]->node->frnd.lpns[0].state, BM_FRND_FREE);
    CHECK(!bm_lpn_asleep(t.n[0]->node)); /* a node that is no LPN listens */
    net_free(&t);
}

int main(void)
{
    BM_RUN(test_best_offer_among_three_friends);
    BM_RUN(test_messages_sent_while_asleep_arrive_at_poll);
    BM_RUN(test_no_loss_while_queue_has_room);
    BM_RUN(test_overflow_discards_oldest);
    BM_RUN(test_overflow_drops_segments_together);
    BM_RUN(test_listening_is_a_small_fraction);
    BM_RUN(test_friend_radio_off_lpn_finds_another);
    BM_RUN(test_friend_clear_to_previous_friend);
    BM_RUN(test_config_server_friend_state_and_poll_timeout);
    BM_RUN(test_api_errors);
    BM_RUN(test_lpn_disable_and_poll_now);
    return bm_test_done();
}
