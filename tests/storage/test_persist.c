/* Persistence in the simulated air: a configured node restarted (power
 * cut: memory gone, store kept) comes back with its keys, address,
 * configuration, model states and replay list; its sequence numbers never
 * repeat across restarts at random moments; corrupted records are ignored;
 * a reset leaves only the UUID. The record codecs get their negative
 * tests here too. Expected values come from what the test configured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/cfg_env.h"
#include "node/node.h"
#include "storage/records.h"
#include "test.h"

static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
static const uint8_t label[16] = {0xf4, 0xa0, 0x02, 0xc7, 0xfb, 0x1e, 0x4c, 0xa0,
                                  0xa4, 0x69, 0xa0, 0x21, 0xde, 0x0d, 0xb8, 0x75};
static const struct bm_cfg_model_id onoff_id = {BM_COMPANY_SIG, 0x1000};
static const struct bm_cfg_model_id level_id = {BM_COMPANY_SIG, 0x1002};

/* A power cut: the node's memory is lost, its store kept. The board's
 * script runs again: elements and models before init, or after. */
static void restart_as(struct env *e, int i, bool models_after_init, uint8_t features)
{
    struct test_node *t = e->n[i];
    void *mem = t->node;
    bm_node_destroy(t->node);
    t->node = bm_node_create(mem, bm_node_size(), bm_sim_platform(e->sim, t->id));
    CHECK(t->node != NULL);
    CHECK_EQ(bm_sim_node_restart(e->sim, t->id, NULL, NULL), BM_OK);
    struct bm_node *n = t->node;
    if (!models_after_init) {
        CHECK_EQ(bm_create_element(n, true, features, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, NULL), BM_OK);
        CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, NULL), BM_OK);
        CHECK_EQ(bm_init(n, "n", BM_OOB_NONE), BM_OK);
    } else {
        CHECK_EQ(bm_init(n, "n", BM_OOB_NONE), BM_OK);
        CHECK_EQ(bm_create_element(n, true, features, true, 7, NULL), BM_OK);
        /* the other order of the two models: records follow the IDs */
        CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, NULL), BM_OK);
        CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, NULL), BM_OK);
    }
    bm_sim_kick(e->sim, t->id);
}

/* The same board as env_setup made: a relay. */
static void restart(struct env *e, int i, bool models_after_init)
{
    restart_as(e, i, models_after_init, BM_RELAY);
}

static struct bm_model *find_model(struct bm_node *n, uint16_t id)
{
    return bm_access_model_find(n, n->addr, BM_COMPANY_SIG, id);
}

/* After a restart the node refuses up to BM_CFG_RPL_STORE_BLOCK of the
 * provisioner's next sequence numbers (records.h): the provisioner has
 * talked to other nodes meanwhile. */
static void pv_moves_on(struct env *e)
{
    e->pv->node->seq += BM_CFG_RPL_STORE_BLOCK;
}

/* Adds the two generic servers and configures node 0 through the air. */
static void configure(struct env *e)
{
    struct bm_node *pv = e->pv->node, *n = e->n[0]->node;
    uint16_t a = env_addr(0);
    struct bm_model *onoff, *level;
    CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, &onoff), BM_OK);
    CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, &level), BM_OK);
    CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
    CHECK_EQ(env_wait(e, bm_cfg_app_key_add(pv, a, 0, 1, app_key))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_app_bind(pv, a, a, 1, onoff_id))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_app_bind(pv, a, a, 1, level_id))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_sub_add(pv, a, a, 0xc001, onoff_id))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_sub_va_add(pv, a, a, label, onoff_id))->status,
             BM_CFG_ST_SUCCESS);
    struct bm_cfg_pub pub = {.elem_addr = a,
                             .model = onoff_id,
                             .addr = 0xc002,
                             .app_idx = 1,
                             .ttl = 5,
                             .period = 0,
                             .retx_count = 1,
                             .retx_steps = 2};
    CHECK_EQ(env_wait(e, bm_cfg_pub_set(pv, a, &pub))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(e, bm_cfg_relay_set(pv, a, 0, 2, 3))->err, BM_OK);
    CHECK_EQ(env_wait(e, bm_cfg_ttl_set(pv, a, 5))->err, BM_OK);
    CHECK_EQ(env_wait(e, bm_cfg_net_transmit_set(pv, a, 1, 4))->err, BM_OK);
    struct bm_cfg_hb_pub hb = {.dst = 0xc003, .count_log = 0xff, .period_log = 0x05, .ttl = 4,
                               .features = 1, .net_idx = 0};
    CHECK_EQ(env_wait(e, bm_cfg_hb_pub_set(pv, a, &hb))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(bm_model_set_value(n, onoff, 1), BM_OK);
    CHECK_EQ(bm_model_set_value(n, level, -1234), BM_OK);
    bm_sim_run_for(e->sim, 500);
}

static void check_configured(struct env *e)
{
    struct bm_node *n = e->n[0]->node;
    CHECK(n->provisioned);
    CHECK_EQ(n->addr, env_addr(0));
    uint8_t dev_key[16] = {0xde, 0x7e, 0};
    CHECK_MEM("dev key", n->dev_key, 16, dev_key, 16);
    const struct bm_subnet *sub = bm_net_subnet_find(&n->net, 0);
    CHECK(sub != NULL);
    if (sub)
        CHECK_MEM("net key", sub->keys[0].net_key, 16, env_net_key, 16);
    const struct bm_upper_appkey *ak = bm_node_app_key(n, 1, NULL);
    CHECK(ak != NULL);
    if (ak)
        CHECK_MEM("app key", ak->key, 16, app_key, 16);
    CHECK_EQ(n->relay, BM_FEAT_STATE_DISABLED);
    CHECK_EQ(n->relay_xmit.count, 3);
    CHECK_EQ(n->relay_xmit.interval_ms, 40);
    CHECK_EQ(n->default_ttl, 5);
    CHECK_EQ(n->net_xmit.count, 2);
    CHECK_EQ(n->net_xmit.interval_ms, 50);
    CHECK(n->net_beacon);
    CHECK_EQ(n->hb_pub.dst, 0xc003);
    CHECK_EQ(n->hb_pub.period_log, 5);
    CHECK_EQ(n->hb_pub.ttl, 4);
    struct bm_model *onoff = find_model(n, 0x1000), *level = find_model(n, 0x1002);
    CHECK(onoff && level);
    if (!onoff || !level)
        return;
    CHECK(bm_access_is_bound(onoff, 1));
    CHECK(bm_access_is_bound(level, 1));
    CHECK_EQ(onoff->sub_count, 2);
    uint16_t va;
    CHECK_EQ(bm_crypto_virtual_addr(label, &va), BM_OK);
    bool group = false, virt = false;
    for (int i = 0; i < onoff->sub_count; i++) {
        group = group || onoff->subs[i] == 0xc001;
        virt = virt || onoff->subs[i] == va;
    }
    CHECK(group && virt);
    uint8_t got[1][16];
    CHECK_EQ(bm_access_labels(n, va, got, 1), 1);
    CHECK_MEM("label", got[0], 16, label, 16);
    CHECK_EQ(onoff->pub.addr, 0xc002);
    CHECK_EQ(onoff->pub.app_idx, 1);
    CHECK_EQ(onoff->pub.ttl, 5);
    CHECK_EQ(onoff->pub.retransmit, 1 | 2 << 3);
    int32_t v;
    CHECK_EQ(bm_model_get_value(onoff, &v), BM_OK);
    CHECK_EQ(v, 1);
    CHECK_EQ(bm_model_get_value(level, &v), BM_OK);
    CHECK_EQ(v, -1234);
}

static void restart_keeps_configuration(void)
{
    for (int order = 0; order < 2; order++) {
        struct env e;
        env_setup(&e, 2, 11 + order);
        configure(&e);
        restart(&e, 0, order == 1);
        check_configured(&e);
        /* and it works: a Config Get over the air, a Set to the OnOff */
        pv_moves_on(&e);
        const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_ttl_get(e.pv->node, env_addr(0)));
        CHECK_EQ(r->err, BM_OK);
        CHECK_EQ(r->u.value, 5);
        env_free(&e);
    }
}

/* Captures the node's inbound mesh PDUs from the provisioner. */
struct capture {
    uint32_t from;
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len;
    int count;
};

static void capture_fn(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    (void)t_us;
    struct capture *c = ctx;
    if (node == c->from && len > 2 && adv[1] == BM_AD_MESH_MESSAGE) {
        memcpy(c->adv, adv, len);
        c->len = len;
        c->count++;
    }
}

static void replay_refused_after_restart(void)
{
    struct env e;
    env_setup(&e, 1, 21);
    configure(&e);
    struct capture cap = {.from = e.pv->id};
    bm_sim_set_transcript(e.sim, capture_fn, &cap);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_beacon_get(e.pv->node, env_addr(0)));
    CHECK_EQ(r->err, BM_OK);
    bm_sim_set_transcript(e.sim, NULL, NULL);
    CHECK(cap.count > 0);
    restart(&e, 0, false);
    struct bm_node_stats before, after;
    bm_node_get_stats(e.n[0]->node, &before);
    bm_node_rx_adv(e.n[0]->node, cap.adv, cap.len, -40);
    bm_node_get_stats(e.n[0]->node, &after);
    CHECK_EQ(after.replay_dropped, before.replay_dropped + 1);
    env_free(&e);
}

/* Every network PDU a node puts on the air: (src, seq) must never come
 * back with other bytes, nor in another life of the node. */
#define SEEN_MAX 20000
struct seen {
    uint32_t node;
    uint16_t addr;
    struct bm_net_creds creds;
    int epoch;
    int count;
    int dups;
    struct {
        uint32_t seq;
        int epoch;
        uint8_t pdu[BM_NET_MAX_PDU_LEN];
        size_t len;
    } e[SEEN_MAX];
};

static void seen_fn(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    (void)t_us;
    struct seen *s = ctx;
    if (node != s->node || len < 3 || adv[1] != BM_AD_MESH_MESSAGE || adv[0] + 1u > len)
        return;
    struct bm_net_hdr h;
    uint8_t tr[BM_NET_MAX_TRANSPORT];
    size_t tlen;
    const uint8_t *pdu = adv + 2;
    size_t plen = adv[0] - 1u;
    if (bm_net_decode(&s->creds, 0, BM_NET_NONCE_NETWORK, pdu, plen, &h, tr, &tlen) != BM_OK ||
        h.src != s->addr)
        return; /* relayed for someone else */
    for (int i = 0; i < s->count; i++) {
        if (s->e[i].seq != h.seq)
            continue;
        /* the bearer repeating one advertisement is the same PDU */
        if (s->e[i].epoch != s->epoch || s->e[i].len != plen || memcmp(s->e[i].pdu, pdu, plen))
            s->dups++;
        return;
    }
    if (s->count < SEEN_MAX) {
        s->e[s->count].seq = h.seq;
        s->e[s->count].epoch = s->epoch;
        memcpy(s->e[s->count].pdu, pdu, plen);
        s->e[s->count].len = plen;
        s->count++;
    }
}

static void seq_never_repeats_across_restarts(void)
{
    struct env e;
    env_setup(&e, 1, 31);
    configure(&e);
    struct seen *s = calloc(1, sizeof(*s));
    s->node = e.n[0]->id;
    s->addr = env_addr(0);
    CHECK_EQ(bm_net_creds_master(&s->creds, env_net_key), BM_OK);
    bm_sim_set_transcript(e.sim, seen_fn, s);
    srand(7);
    int sent = 0;
    for (int epoch = 0; epoch < 20; epoch++) {
        s->epoch = epoch;
        struct bm_node *n = e.n[0]->node;
        struct bm_model *onoff = find_model(n, 0x1000);
        int msgs = 1 + rand() % 12;
        for (int k = 0; k < msgs && onoff; k++) {
            bm_model_set_value(n, onoff, k & 1);
            if (rand() % 3 == 0) {
                /* a segmented message too: several numbers at once */
                uint8_t payload[30] = {0xc1, 0x0a, 0x00};
                struct bm_send snd = {.src = n->addr, .dst = 0xc005, .net_idx = 0,
                                      .app_idx = 1, .ttl = 3, .segmented = true};
                bm_node_send_access(n, &snd, payload, sizeof(payload));
            }
            bm_sim_kick(e.sim, e.n[0]->id);
            bm_sim_run_for(e.sim, (uint64_t)(rand() % 150));
            sent++;
        }
        /* the power cut comes at any moment, also with PDUs still queued */
        restart(&e, 0, epoch & 1);
    }
    bm_sim_run_for(e.sim, 2000);
    bm_sim_set_transcript(e.sim, NULL, NULL);
    CHECK(s->count > sent);
    CHECK_EQ(s->dups, 0);
    free(s);
    env_free(&e);
}

static void corrupted_records_ignored(void)
{
    static const uint16_t keys[] = {BM_REC_CFG,       BM_REC_HB,          BM_REC_APP,
                                    BM_REC_MODEL_CFG, BM_REC_MODEL_STATE, BM_REC_RPL,
                                    BM_REC_IV,        BM_REC_PROV,        BM_REC_NET};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        struct env e;
        env_setup(&e, 1, 41 + k);
        configure(&e);
        const struct bm_platform *p = bm_sim_platform(e.sim, e.n[0]->id);
        /* every record of that kind: garbage of every shape */
        for (uint16_t slot = 0; slot < 8; slot++) {
            uint8_t junk[40];
            size_t len = 0;
            uint16_t key = (uint16_t)(keys[k] + (keys[k] >= BM_REC_NET ? slot : 0));
            if (p->store_get(p->ctx, key, junk, sizeof(junk), &len) != BM_OK)
                continue;
            for (size_t i = 0; i < len; i++)
                junk[i] = (uint8_t)(junk[i] ^ (0x5a + i));
            junk[0] = (uint8_t)(slot == 0 ? 0x02 : 0x77); /* right or wrong version */
            p->store_put(p->ctx, key, junk, slot == 1 ? len + 3 : len);
        }
        restart(&e, 0, false);
        struct bm_node *n = e.n[0]->node;
        if (keys[k] == BM_REC_PROV || keys[k] == BM_REC_IV || keys[k] == BM_REC_NET) {
            /* without them the node cannot join: it starts unprovisioned,
             * and what the records held is gone from the store */
            CHECK(!n->provisioned);
            CHECK_EQ(bm_sim_store_count(e.sim, e.n[0]->id), 1);
        } else {
            CHECK(n->provisioned);
            CHECK_EQ(n->addr, env_addr(0));
        }
        env_free(&e);
    }
}

static void reset_erases_everything_but_uuid(void)
{
    struct env e;
    env_setup(&e, 1, 51);
    configure(&e);
    uint8_t uuid[16];
    CHECK_EQ(bm_get_uuid(e.n[0]->node, uuid), BM_OK);
    CHECK(bm_sim_store_count(e.sim, e.n[0]->id) > 8);
    CHECK_EQ(env_wait(&e, bm_cfg_node_reset(e.pv->node, env_addr(0)))->err, BM_OK);
    bm_sim_run_for(e.sim, 1000);
    CHECK(!e.n[0]->node->provisioned);
    CHECK_EQ(bm_sim_store_count(e.sim, e.n[0]->id), 1);
    restart(&e, 0, false);
    CHECK(!e.n[0]->node->provisioned);
    uint8_t again[16];
    CHECK_EQ(bm_get_uuid(e.n[0]->node, again), BM_OK);
    CHECK_MEM("uuid", again, 16, uuid, 16);
    env_free(&e);
}

/* A provisioner's network database and keys survive its restart. */
static void provisioner_restart_keeps_database(void)
{
    struct env e;
    env_setup(&e, 1, 61);
    struct bm_node *pv = e.pv->node;
    CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
    /* env_setup writes the database entry directly: store it */
    CHECK_EQ(bm_persist_sync(pv), BM_OK);
    void *mem = pv;
    bm_node_destroy(pv);
    pv = bm_node_create(mem, bm_node_size(), bm_sim_platform(e.sim, e.pv->id));
    e.pv->node = pv;
    CHECK_EQ(bm_sim_node_restart(e.sim, e.pv->id, NULL, NULL), BM_OK);
    CHECK_EQ(bm_init(pv, "pv", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(pv, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK(pv->is_provisioner);
    CHECK_EQ(pv->addr, PV_ADDR);
    CHECK(pv->db[0].used);
    CHECK_EQ(pv->db[0].addr, env_addr(0));
    uint8_t dev_key[16] = {0xde, 0x7e, 0};
    CHECK_MEM("db dev key", pv->db[0].dev_key, 16, dev_key, 16);
    CHECK(bm_node_app_key(pv, 1, NULL) != NULL);
    env_free(&e);
}

/* A client's TID survives its power cut. The server takes a Set with the
 * TID, source and destination of the previous one, within 6 s, for a
 * retransmission: it answers with its present state and applies nothing
 * (Mesh Model 3.3.1.2.2). A client that started every life at the same TID
 * (each `blemesh prov onoff` is a new process) had its second Set, "on"
 * after an "off" that changed nothing, answered "off" and dropped. */
static void client_tid_survives_restart(void)
{
    for (int level = 0; level < 2; level++) {
        struct env e;
        env_setup(&e, 1, 71 + (uint64_t)level);
        struct bm_node *pv = e.pv->node, *n = e.n[0]->node;
        uint16_t a = env_addr(0);
        uint8_t func = level ? BM_LEVEL : BM_ONOFF;
        struct bm_cfg_model_id id = level ? level_id : onoff_id;
        struct bm_model *srv, *cli;
        CHECK_EQ(bm_add_model(n, 0, BM_GENERIC, func, BM_SERVER, NULL, NULL, 0, &srv), BM_OK);
        CHECK_EQ(bm_node_app_key_add(pv, 0, 1, app_key), BM_OK);
        CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 1, app_key))->status,
                 BM_CFG_ST_SUCCESS);
        CHECK_EQ(env_wait(&e, bm_cfg_app_bind(pv, a, a, 1, id))->status, BM_CFG_ST_SUCCESS);
        /* three lives of the client, a Set in each, 0 then 1 then 2 (OnOff: 0, 1, 0)
         * within the 6 s window: each must be applied */
        for (int life = 0; life < 3; life++) {
            if (life) {
                void *mem = pv;
                bm_node_destroy(pv);
                pv = bm_node_create(mem, bm_node_size(), bm_sim_platform(e.sim, e.pv->id));
                e.pv->node = pv;
                CHECK_EQ(bm_sim_node_restart(e.sim, e.pv->id, NULL, NULL), BM_OK);
                CHECK_EQ(bm_init(pv, "pv", BM_OOB_NONE), BM_OK);
                CHECK_EQ(bm_create_element(pv, true, BM_RELAY, true, 7, NULL), BM_OK);
                bm_sim_kick(e.sim, e.pv->id);
            }
            CHECK_EQ(bm_add_model(pv, 0, BM_GENERIC, func, BM_CLIENT, NULL, NULL, 0, &cli),
                     BM_OK);
            CHECK_EQ(bm_access_bind(cli, 1), BM_OK);
            int32_t want = level ? life : life & 1;
            CHECK_EQ(bm_model_set_state(pv, cli, want, a, 1, true), BM_OK);
            bm_sim_run_for(e.sim, 400);
            int32_t v = -1;
            CHECK_EQ(bm_model_get_value(srv, &v), BM_OK);
            CHECK_EQ(v, want);
            CHECK_EQ(bm_model_get_value(cli, &v), BM_OK);
            CHECK_EQ(v, want);
        }
        env_free(&e);
    }
}

/* --- codecs: each record's decoder refuses what it must --- */

static void codecs_reject_bad_lengths_and_fields(void)
{
    uint8_t buf[BM_REC_MODEL_CFG_MAX + 4];
    struct bm_rec_model_cfg mc;
    memset(&mc, 0, sizeof(mc));
    mc.mid.elem = 1;
    mc.mid.company = BM_COMPANY_SIG;
    mc.mid.id = 0x1000;
    mc.key_count = 2;
    mc.keys[0] = 1;
    mc.keys[1] = 0xfff;
    mc.sub_count = 2;
    mc.subs[0] = 0xc001;
    CHECK_EQ(bm_crypto_virtual_addr(label, &mc.subs[1]), BM_OK);
    memcpy(mc.sub_labels[1], label, 16);
    mc.pub.addr = 0xc002;
    mc.pub.ttl = 0xff;
    size_t n = bm_rec_model_cfg_encode(&mc, buf);
    struct bm_rec_model_cfg back;
    CHECK_EQ(bm_rec_model_cfg_decode(buf, n, &back), BM_OK);
    CHECK_EQ(back.sub_count, 2);
    CHECK_MEM("label", back.sub_labels[1], 16, label, 16);
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ(bm_rec_model_cfg_decode(buf, cut, &back), BM_EMALFORMED);
    buf[n] = 0;
    CHECK_EQ(bm_rec_model_cfg_decode(buf, n + 1, &back), BM_EMALFORMED);
    CHECK_EQ(bm_rec_model_cfg_decode(NULL, 0, &back), BM_EMALFORMED);

    struct bm_rec_net net = {.net_idx = 5, .phase = 1};
    n = bm_rec_net_encode(&net, buf);
    CHECK_EQ(n, 36);
    struct bm_rec_net nb;
    CHECK_EQ(bm_rec_net_decode(buf, n, &nb), BM_OK);
    buf[3] = 3; /* phase 3 is never stored */
    CHECK_EQ(bm_rec_net_decode(buf, n, &nb), BM_EMALFORMED);
    buf[3] = 0; /* phase 0 carries one key */
    CHECK_EQ(bm_rec_net_decode(buf, n, &nb), BM_EMALFORMED);
    CHECK_EQ(bm_rec_net_decode(buf, 20, &nb), BM_OK);

    struct bm_rec_cfg cfg = {.relay = 1, .relay_xmit = {.count = 2, .interval_ms = 20},
                             .net_xmit = {.count = 3, .interval_ms = 20}, .beacon = true, .ttl = 7};
    n = bm_rec_cfg_encode(&cfg, buf);
    struct bm_rec_cfg cb;
    CHECK_EQ(bm_rec_cfg_decode(buf, n, &cb), BM_OK);
    buf[9] = 1; /* Default TTL 1 is prohibited (4.2.7) */
    CHECK_EQ(bm_rec_cfg_decode(buf, n, &cb), BM_EMALFORMED);
    /* every 16-bit Network Transmit interval: accepted exactly when it is
     * a multiple of 10 within 10..320 (the codec divides without a
     * division instruction) */
    cfg.ttl = 7;
    for (uint32_t ms = 0; ms <= 0xffff; ms++) {
        cfg.net_xmit.interval_ms = (uint16_t)ms;
        n = bm_rec_cfg_encode(&cfg, buf);
        bool want = ms >= 10 && ms <= 320 && ms % 10 == 0;
        CHECK_EQ(bm_rec_cfg_decode(buf, n, &cb) == BM_OK, want);
    }

    struct bm_rec_iv iv = {.iv_index = 0, .flags = 1}; /* IV Update in Progress */
    n = bm_rec_iv_encode(&iv, buf);
    struct bm_rec_iv ib;
    CHECK_EQ(bm_rec_iv_decode(buf, n, &ib), BM_EMALFORMED); /* no index before 0 */

    struct bm_rec_rpl rpl = {.src = 0, .seq = 1, .iv_index = 0};
    n = bm_rec_rpl_encode(&rpl, buf);
    struct bm_rec_rpl rb;
    CHECK_EQ(bm_rec_rpl_decode(buf, n, &rb), BM_EMALFORMED); /* source not unicast */

    /* random bytes of every length: no crash, and nothing accepted that
     * the encoder would not have produced the same way */
    srand(3);
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand() % 60);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rand();
        if (len)
            buf[0] = (uint8_t)(rand() % 3);
        struct bm_rec_prov p;
        bm_rec_prov_decode(buf, len, &p);
        bm_rec_iv_decode(buf, len, &ib);
        bm_rec_net_decode(buf, len, &nb);
        struct bm_rec_app a;
        bm_rec_app_decode(buf, len, &a);
        bm_rec_cfg_decode(buf, len, &cb);
        struct bm_rec_hb hb;
        bm_rec_hb_decode(buf, len, &hb);
        bm_rec_model_cfg_decode(buf, len, &back);
        struct bm_rec_model_state ms;
        bm_rec_model_state_decode(buf, len, &ms);
        struct bm_rec_db db;
        bm_rec_db_decode(buf, len, &db);
        bm_rec_rpl_decode(buf, len, &rb);
        struct bm_rec_provisioner pr;
        bm_rec_provisioner_decode(buf, len, &pr);
    }
}

/* --- the CFG record: layout (records.h), written out by hand --- */

static void cfg_record_bytes_and_ranges(void)
{
    /* ver 2, relay 1, Relay Retransmit 2 x 20 ms, Network Transmit 3 x
     * 30 ms, beacon on, Default TTL 7, GATT Proxy 0, Friend 2 */
    static const uint8_t want[BM_REC_CFG_LEN] = {0x02, 0x01, 0x02, 0x14, 0x00, 0x03,
                                                 0x1e, 0x00, 0x01, 0x07, 0x00, 0x02};
    struct bm_rec_cfg cfg = {.relay = 1,
                             .relay_xmit = {.count = 2, .interval_ms = 20},
                             .net_xmit = {.count = 3, .interval_ms = 30},
                             .beacon = true,
                             .ttl = 7,
                             .gatt_proxy = 0,
                             .friend_state = 2};
    uint8_t buf[BM_REC_CFG_LEN + 2];
    CHECK_EQ(BM_REC_CFG_LEN, 12);
    CHECK_EQ(bm_rec_cfg_encode(&cfg, buf), sizeof(want));
    CHECK_MEM("cfg record", buf, BM_REC_CFG_LEN, want, sizeof(want));

    struct bm_rec_cfg r;
    memset(&r, 0xee, sizeof(r));
    CHECK_EQ(bm_rec_cfg_decode(want, sizeof(want), &r), BM_OK);
    CHECK_EQ(r.relay, 1);
    CHECK_EQ(r.relay_xmit.count, 2);
    CHECK_EQ(r.relay_xmit.interval_ms, 20);
    CHECK_EQ(r.net_xmit.count, 3);
    CHECK_EQ(r.net_xmit.interval_ms, 30);
    CHECK(r.beacon);
    CHECK_EQ(r.ttl, 7);
    CHECK_EQ(r.gatt_proxy, 0);
    CHECK_EQ(r.friend_state, 2);

    /* GATT Proxy (octet 10) and Friend (octet 11): 0..2 (4.2.11, 4.2.12) */
    for (size_t at = 10; at < 12; at++) {
        for (unsigned v = 0; v < 256; v++) {
            memcpy(buf, want, sizeof(want));
            buf[at] = (uint8_t)v;
            memset(&r, 0, sizeof(r));
            CHECK_EQ(bm_rec_cfg_decode(buf, sizeof(want), &r), v <= 2 ? BM_OK : BM_EMALFORMED);
            if (v <= 2)
                CHECK_EQ(at == 10 ? r.gatt_proxy : r.friend_state, v);
        }
    }
}

static void cfg_record_old_length_reads_with_defaults(void)
{
    /* as written before GATT Proxy and Friend were stored: ver 2, relay 0,
     * Relay Retransmit 4 x 50 ms, Network Transmit 1 x 10 ms, beacon off,
     * Default TTL 5 */
    static const uint8_t old[BM_REC_CFG_OLD_LEN] = {0x02, 0x00, 0x04, 0x32, 0x00,
                                                    0x01, 0x0a, 0x00, 0x00, 0x05};
    struct bm_rec_cfg r;
    memset(&r, 0, sizeof(r));
    CHECK_EQ(bm_rec_cfg_decode(old, sizeof(old), &r), BM_OK);
    CHECK_EQ(r.relay, 0);
    CHECK_EQ(r.relay_xmit.count, 4);
    CHECK_EQ(r.relay_xmit.interval_ms, 50);
    CHECK_EQ(r.net_xmit.count, 1);
    CHECK_EQ(r.net_xmit.interval_ms, 10);
    CHECK(!r.beacon);
    CHECK_EQ(r.ttl, 5);
    /* nothing stored: "not supported", which loading never applies */
    CHECK_EQ(r.gatt_proxy, BM_FEAT_STATE_UNSUPPORTED);
    CHECK_EQ(r.friend_state, BM_FEAT_STATE_UNSUPPORTED);

    /* only the two lengths: the old record cut or grown by any octet, and
     * the new one cut by one, are refused */
    uint8_t buf[16] = {0};
    memcpy(buf, old, sizeof(old));
    buf[10] = 1;
    buf[11] = 1;
    for (size_t len = 0; len <= sizeof(buf); len++) {
        int want = len == BM_REC_CFG_OLD_LEN || len == BM_REC_CFG_LEN ? BM_OK : BM_EMALFORMED;
        CHECK_EQ(bm_rec_cfg_decode(buf, len, &r), want);
    }
}

/* A node with the GATT Proxy and Friend features, both disabled by a
 * Config Client, comes back with both disabled; a board without the
 * features reports them "not supported" from the same record. */
static void restart_keeps_gatt_proxy_and_friend(void)
{
    const uint8_t feat = BM_RELAY | BM_GATT_PROXY | BM_FRIEND;
    struct env e;
    env_setup(&e, 1, 61);
    struct bm_node *pv = e.pv->node;
    uint16_t a = env_addr(0);
    restart_as(&e, 0, false, feat); /* the board gains both features */
    pv_moves_on(&e);
    CHECK_EQ(env_wait(&e, bm_cfg_proxy_get(pv, a))->u.value, BM_FEAT_STATE_ENABLED);
    CHECK_EQ(env_wait(&e, bm_cfg_friend_get(pv, a))->u.value, BM_FEAT_STATE_ENABLED);
    CHECK_EQ(env_wait(&e, bm_cfg_proxy_set(pv, a, 0))->u.value, BM_FEAT_STATE_DISABLED);
    CHECK_EQ(env_wait(&e, bm_cfg_friend_set(pv, a, 0))->u.value, BM_FEAT_STATE_DISABLED);

    for (int order = 0; order < 2; order++) {
        restart_as(&e, 0, order == 1, feat);
        struct bm_node *n = e.n[0]->node;
        CHECK_EQ(bm_node_gatt_proxy_get(n), BM_FEAT_STATE_DISABLED);
        CHECK_EQ(bm_node_friend_get(n), BM_FEAT_STATE_DISABLED);
    }
    pv_moves_on(&e);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_proxy_get(pv, a));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, BM_FEAT_STATE_DISABLED);
    r = env_wait(&e, bm_cfg_friend_get(pv, a));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, BM_FEAT_STATE_DISABLED);

    /* enabled again, and that survives too */
    CHECK_EQ(env_wait(&e, bm_cfg_proxy_set(pv, a, 1))->u.value, BM_FEAT_STATE_ENABLED);
    restart_as(&e, 0, false, feat);
    CHECK_EQ(bm_node_gatt_proxy_get(e.n[0]->node), BM_FEAT_STATE_ENABLED);
    CHECK_EQ(bm_node_friend_get(e.n[0]->node), BM_FEAT_STATE_DISABLED);

    /* the stored 0/1 is not applied to a board without the features */
    restart_as(&e, 0, false, BM_RELAY);
    CHECK_EQ(bm_node_gatt_proxy_get(e.n[0]->node), BM_FEAT_STATE_UNSUPPORTED);
    CHECK_EQ(bm_node_friend_get(e.n[0]->node), BM_FEAT_STATE_UNSUPPORTED);
    env_free(&e);
}

/* A CFG record of the old length, in a node's store: its states load, and
 * GATT Proxy and Friend keep their defaults (enabled with the feature). */
static void restart_reads_old_cfg_record(void)
{
    struct env e;
    env_setup(&e, 1, 62);
    static const uint8_t old[BM_REC_CFG_OLD_LEN] = {0x02, 0x00, 0x04, 0x32, 0x00,
                                                    0x01, 0x0a, 0x00, 0x00, 0x05};
    const struct bm_platform *p = bm_sim_platform(e.sim, e.n[0]->id);
    CHECK_EQ(p->store_put(p->ctx, BM_REC_CFG, old, sizeof(old)), BM_OK);
    restart_as(&e, 0, false, BM_RELAY | BM_GATT_PROXY | BM_FRIEND);
    struct bm_node *n = e.n[0]->node;
    CHECK_EQ(n->relay, BM_FEAT_STATE_DISABLED);
    CHECK_EQ(n->relay_xmit.count, 4);
    CHECK_EQ(n->relay_xmit.interval_ms, 50);
    CHECK_EQ(n->net_xmit.count, 1);
    CHECK_EQ(n->net_xmit.interval_ms, 10);
    CHECK(!n->net_beacon);
    CHECK_EQ(n->default_ttl, 5);
    CHECK_EQ(bm_node_gatt_proxy_get(n), BM_FEAT_STATE_ENABLED);
    CHECK_EQ(bm_node_friend_get(n), BM_FEAT_STATE_ENABLED);
    env_free(&e);
}

int main(void)
{
    BM_RUN(codecs_reject_bad_lengths_and_fields);
    BM_RUN(cfg_record_bytes_and_ranges);
    BM_RUN(cfg_record_old_length_reads_with_defaults);
    BM_RUN(restart_keeps_gatt_proxy_and_friend);
    BM_RUN(restart_reads_old_cfg_record);
    BM_RUN(restart_keeps_configuration);
    BM_RUN(replay_refused_after_restart);
    BM_RUN(seq_never_repeats_across_restarts);
    BM_RUN(corrupted_records_ignored);
    BM_RUN(reset_erases_everything_but_uuid);
    BM_RUN(provisioner_restart_keeps_database);
    BM_RUN(client_tid_survives_restart);
    return bm_test_done();
}
