/* Configuration Server node-wide states, driven over the simulated air by
 * a Configuration Client on a provisioner: Composition Data page 0 byte by
 * byte, Beacon, Default TTL, GATT Proxy, Friend, Relay, Network Transmit,
 * NetKeys and AppKeys with every Status Code they can give, Key Refresh
 * Phase, Node Identity, PollTimeout, and the messages the spec says to
 * ignore (wrong lengths, prohibited values), which get no answer at all. */
#include <string.h>

#include "cfg_env.h"
#include "node/node.h"
#include "test.h"

static const uint8_t key_a[16] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
                                  0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xa0};
static const uint8_t key_b[16] = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
                                  0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xb0};

/* A vendor model for the composition: company 0x000a, model 0x0001. */
static const struct bm_model_type vnd_type = {.company = 0x000a, .id = 0x0001};

static void test_composition_page0_bytes(void)
{
    struct env e;
    env_setup(&e, 1, 11);
    struct bm_node *n = e.n[0]->node;
    /* a second element holding one vendor model; composition is fixed
     * once provisioned, so add it the way the registry allows */
    n->element_count = 2;
    n->elements[1].used = true;
    CHECK_EQ(bm_access_model_add(n, 1, &vnd_type, NULL), BM_OK);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_comp_get(e.pv->node, env_addr(0), 0));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->opcode, BM_CFG_OP_COMP_STATUS);
    /* Mesh Profile 4.2.1.1, little-endian fields: Page 0, CID 0x05F1, PID
     * 0x0001, VID 0x0001, CRPL = BM_CFG_RPL_SIZE (the replay list size: 32
     * in config.h, 256 in the host build), Features bit 0
     * (relay; no proxy, friend, LPN); element 0: Loc 0x0000, NumS 2, NumV
     * 0, Configuration Server 0x0000, Health Server 0x0002; element 1:
     * Loc 0x0000, NumS 0, NumV 1, company 0x000A then model 0x0001. */
    const uint8_t want[] = {0x00, 0xf1, 0x05, 0x01, 0x00, 0x01, 0x00,
                                   (uint8_t)BM_CFG_RPL_SIZE, (uint8_t)(BM_CFG_RPL_SIZE >> 8),
                                   0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
                                   0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x01, 0x00};
    /* the decoded struct, field by field */
    CHECK_EQ(r->u.comp.page, 0);
    CHECK_EQ(r->u.comp.cid, 0x05f1);
    CHECK_EQ(r->u.comp.crpl, BM_CFG_RPL_SIZE);
    CHECK_EQ(r->u.comp.features, 1);
    CHECK_EQ(r->u.comp.elem_count, 2);
    CHECK_EQ(r->u.comp.elems[0].nsig, 2);
    CHECK_EQ(r->u.comp.elems[0].sig[1], 0x0002);
    CHECK_EQ(r->u.comp.elems[1].nvnd, 1);
    CHECK_EQ(r->u.comp.elems[1].vnd[0].company, 0x000a);
    /* and the parameters as they came over the air */
    r = env_wait(&e, bm_cfg_comp_get(e.pv->node, env_addr(0), 0));
    CHECK_EQ(r->err, BM_OK);
    CHECK_MEM("composition page 0", e.raw, e.raw_len, want, sizeof(want));
    /* a page the node does not have: answered with page 0 */
    r = env_wait(&e, bm_cfg_comp_get(e.pv->node, env_addr(0), 5));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.comp.page, 0);
    env_free(&e);
}

static void test_composition_ids_configurable(void)
{
    struct env e;
    env_setup(&e, 0, 12);
    struct test_node *t = mesh_sim_add(e.sim);
    CHECK_EQ(bm_cfg_srv_set_ids(t->node, 0x1234, 0x5678, 0x9abc), BM_OK);
    CHECK_EQ(bm_create_element(t->node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(t->node, "t", BM_OOB_NONE), BM_OK);
    uint8_t dk[16] = {9};
    CHECK_EQ(bm_node_provisioned(t->node, env_net_key, 0, 0, 0, 0x0200, dk), BM_OK);
    CHECK_EQ(bm_cfg_srv_set_ids(t->node, 1, 2, 3), BM_ESTATE);
    e.pv->node->db[0] = (struct bm_prov_db_node){.used = true, .addr = 0x0200, .elements = 1};
    memcpy(e.pv->node->db[0].dev_key, dk, 16);
    bm_sim_link(e.sim, e.pv->id, t->id, 1.0);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_comp_get(e.pv->node, 0x0200, 0));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.comp.cid, 0x1234);
    CHECK_EQ(r->u.comp.pid, 0x5678);
    CHECK_EQ(r->u.comp.vid, 0x9abc);
    CHECK_EQ(r->u.comp.features, 0); /* no relay */
    mesh_sim_free(t);
    env_free(&e);
}

static void test_one_octet_states(void)
{
    struct env e;
    env_setup(&e, 1, 13);
    struct bm_node *pv = e.pv->node, *n = e.n[0]->node;
    uint16_t a = env_addr(0);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_beacon_get(pv, a));
    CHECK_EQ(r->err, BM_OK);
    CHECK_EQ(r->u.value, 1);
    r = env_wait(&e, bm_cfg_beacon_set(pv, a, 0));
    CHECK_EQ(r->u.value, 0);
    CHECK(!n->net_beacon);
    CHECK_EQ(env_wait(&e, bm_cfg_beacon_set(pv, a, 2))->err, BM_ETIMEOUT); /* prohibited */
    CHECK(!n->net_beacon);

    r = env_wait(&e, bm_cfg_ttl_set(pv, a, 0x22));
    CHECK_EQ(r->opcode, BM_CFG_OP_TTL_STATUS);
    CHECK_EQ(r->u.value, 0x22);
    CHECK_EQ(n->default_ttl, 0x22);
    CHECK_EQ(env_wait(&e, bm_cfg_ttl_set(pv, a, 1))->err, BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_ttl_set(pv, a, 0x80))->err, BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_ttl_get(pv, a))->u.value, 0x22);

    /* not supported: 0x02, and a Set changes nothing */
    CHECK_EQ(env_wait(&e, bm_cfg_proxy_get(pv, a))->u.value, 2);
    r = env_wait(&e, bm_cfg_proxy_set(pv, a, 1));
    CHECK_EQ(r->opcode, BM_CFG_OP_PROXY_STATUS);
    CHECK_EQ(r->u.value, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_proxy_set(pv, a, 2))->err, BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_friend_get(pv, a))->u.value, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_friend_set(pv, a, 1))->u.value, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_friend_set(pv, a, 3))->err, BM_ETIMEOUT);

    /* Relay: state and retransmit (count 2 = 3 transmissions, steps 4 = 50 ms) */
    r = env_wait(&e, bm_cfg_relay_get(pv, a));
    CHECK_EQ(r->u.xmit.state, 1);
    r = env_wait(&e, bm_cfg_relay_set(pv, a, 1, 2, 4));
    CHECK_EQ(r->u.xmit.state, 1);
    CHECK_EQ(r->u.xmit.count, 2);
    CHECK_EQ(r->u.xmit.steps, 4);
    CHECK_EQ(n->relay_xmit.count, 3);
    CHECK_EQ(n->relay_xmit.interval_ms, 50);
    CHECK_EQ(env_wait(&e, bm_cfg_relay_set(pv, a, 2, 0, 0))->err, BM_ETIMEOUT);

    /* Network Transmit: count 7 (8 transmissions), steps 31 (320 ms) */
    r = env_wait(&e, bm_cfg_net_transmit_set(pv, a, 7, 31));
    CHECK_EQ(r->opcode, BM_CFG_OP_NET_TX_STATUS);
    CHECK_EQ(r->u.xmit.count, 7);
    CHECK_EQ(r->u.xmit.steps, 31);
    CHECK_EQ(n->net_xmit.count, 8);
    CHECK_EQ(n->net_xmit.interval_ms, 320);
    r = env_wait(&e, bm_cfg_net_transmit_set(pv, a, 1, 1));
    CHECK_EQ(env_wait(&e, bm_cfg_net_transmit_get(pv, a))->u.xmit.count, 1);
    env_free(&e);
}

static void test_relay_unsupported_stays(void)
{
    struct env e;
    env_setup(&e, 1, 14);
    e.n[0]->node->relay = BM_FEAT_STATE_UNSUPPORTED;
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_relay_set(e.pv->node, env_addr(0), 1, 0, 0));
    CHECK_EQ(r->u.xmit.state, 2);
    CHECK_EQ(e.n[0]->node->relay, BM_FEAT_STATE_UNSUPPORTED);
    env_free(&e);
}

static void test_wrong_lengths_get_no_answer(void)
{
    struct env e;
    env_setup(&e, 1, 15);
    struct bm_node *pv = e.pv->node;
    uint16_t a = env_addr(0);
    static const uint8_t junk[24] = {0};
    /* Beacon Get with a parameter, Beacon Set without one, Relay Set short,
     * NetKey Add short, Publication Get between the SIG and vendor forms,
     * Subscription Add long, Heartbeat Publication Set short */
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_BEACON_GET, junk, 1,
                                              BM_CFG_OP_BEACON_STATUS))
                 ->err,
             BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_BEACON_SET, junk, 0,
                                              BM_CFG_OP_BEACON_STATUS))
                 ->err,
             BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_RELAY_SET, junk, 1,
                                              BM_CFG_OP_RELAY_STATUS))
                 ->err,
             BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_NETKEY_ADD, junk, 17,
                                              BM_CFG_OP_NETKEY_STATUS))
                 ->err,
             BM_ETIMEOUT);
    uint8_t pg[5] = {(uint8_t)a, (uint8_t)(a >> 8)};
    CHECK_EQ(
        env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_PUB_GET, pg, 5, BM_CFG_OP_PUB_STATUS))
            ->err,
        BM_ETIMEOUT);
    CHECK_EQ(
        env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_SUB_ADD, junk, 9, BM_CFG_OP_SUB_STATUS))
            ->err,
        BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_HB_PUB_SET, junk, 8,
                                              BM_CFG_OP_HB_PUB_STATUS))
                 ->err,
             BM_ETIMEOUT);
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_NODE_RESET, junk, 1,
                                              BM_CFG_OP_NODE_RESET_STATUS))
                 ->err,
             BM_ETIMEOUT);
    CHECK(bm_node_is_provisioned(e.n[0]->node));
    /* the right length is answered */
    CHECK_EQ(env_wait(&e, bm_cfg_cli_send_raw(pv, a, BM_CFG_OP_BEACON_GET, NULL, 0,
                                              BM_CFG_OP_BEACON_STATUS))
                 ->err,
             BM_OK);
    env_free(&e);
}

static void test_netkeys(void)
{
    struct env e;
    env_setup(&e, 1, 16);
    struct bm_node *pv = e.pv->node, *n = e.n[0]->node;
    uint16_t a = env_addr(0);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_net_key_add(pv, a, 1, key_a));
    CHECK_EQ(r->opcode, BM_CFG_OP_NETKEY_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.key.net_idx, 1);
    CHECK(bm_net_subnet_find(&n->net, 1) != NULL);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, 1, key_a))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, 1, key_b))->status,
             BM_CFG_ST_KEY_INDEX_ALREADY_STORED);
    for (uint16_t i = 2; i < BM_CFG_SUBNETS; i++)
        CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, i, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, 0x0abc, key_b))->status,
             BM_CFG_ST_INSUFFICIENT_RESOURCES);
    r = env_wait(&e, bm_cfg_net_key_get(pv, a));
    CHECK_EQ(r->opcode, BM_CFG_OP_NETKEY_LIST);
    CHECK_EQ(r->u.list.total, BM_CFG_SUBNETS);
    /* update: unknown index, then phase 1, the same key again, another key */
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, a, 0x0abc, key_b))->status,
             BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, a, 1, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(bm_net_subnet_find(&n->net, 1)->kr_phase, BM_KR_PHASE1);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, a, 1, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, a, 1, key_a))->status, BM_CFG_ST_CANNOT_UPDATE);
    /* key refresh phases */
    r = env_wait(&e, bm_cfg_krp_get(pv, a, 1));
    CHECK_EQ(r->opcode, BM_CFG_OP_KRP_STATUS);
    CHECK_EQ(r->u.idx.value, 1);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_get(pv, a, 0x0abc))->status, BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 0x0abc, 2))->status, BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 1, 1))->err, BM_ETIMEOUT); /* prohibited */
    r = env_wait(&e, bm_cfg_krp_set(pv, a, 1, 2));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.idx.value, 2);
    r = env_wait(&e, bm_cfg_krp_set(pv, a, 1, 3));
    CHECK_EQ(r->u.idx.value, 0);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 1, 2))->err, BM_ETIMEOUT); /* 0 + 2 */
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 1, 3))->u.idx.value, 0);   /* 0 + 3: stays */
    /* delete: the carrying key, an unknown one, a real one */
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_del(pv, a, 0))->status, BM_CFG_ST_CANNOT_REMOVE);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_del(pv, a, 0x0abc))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_del(pv, a, 1))->status, BM_CFG_ST_SUCCESS);
    CHECK(bm_net_subnet_find(&n->net, 1) == NULL);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_get(pv, a))->u.list.total, BM_CFG_SUBNETS - 1);
    /* identity: not supported without GATT */
    r = env_wait(&e, bm_cfg_identity_get(pv, a, 0));
    CHECK_EQ(r->opcode, BM_CFG_OP_IDENTITY_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.idx.value, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_identity_set(pv, a, 0, 1))->u.idx.value, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_identity_get(pv, a, 0x0abc))->status, BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_identity_set(pv, a, 0, 2))->err, BM_ETIMEOUT);
    /* PollTimeout: no friend feature, 0 */
    r = env_wait(&e, bm_cfg_lpn_timeout_get(pv, a, 0x0777));
    CHECK_EQ(r->opcode, BM_CFG_OP_LPN_TIMEOUT_STATUS);
    CHECK_EQ(r->u.lpn.lpn_addr, 0x0777);
    CHECK_EQ(r->u.lpn.poll_timeout, 0);
    CHECK_EQ(env_wait(&e, bm_cfg_lpn_timeout_get(pv, a, 0xc000))->err, BM_ETIMEOUT);
    env_free(&e);
}

static void test_last_netkey_cannot_go(void)
{
    struct env e;
    env_setup(&e, 1, 17);
    /* with the client on subnet 1, deleting subnet 0 (the last but the
     * carrier) works, then subnet 1 is the last */
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(e.pv->node, env_addr(0), 1, key_a))->status,
             BM_CFG_ST_SUCCESS);
    CHECK_EQ(bm_net_subnet_add(&e.pv->node->net, 1, key_a), BM_OK);
    CHECK_EQ(bm_cfg_cli_set_net_idx(e.pv->node, 1), BM_OK);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_del(e.pv->node, env_addr(0), 0))->status,
             BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_del(e.pv->node, env_addr(0), 1))->status,
             BM_CFG_ST_CANNOT_REMOVE);
    env_free(&e);
}

static void test_appkeys(void)
{
    struct env e;
    env_setup(&e, 1, 18);
    struct bm_node *pv = e.pv->node, *n = e.n[0]->node;
    uint16_t a = env_addr(0);
    const struct bm_cfg_rsp *r = env_wait(&e, bm_cfg_app_key_add(pv, a, 5, 1, key_a));
    CHECK_EQ(r->opcode, BM_CFG_OP_APPKEY_STATUS);
    CHECK_EQ(r->status, BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(r->u.key.net_idx, 5);
    CHECK_EQ(r->u.key.app_idx, 1);
    r = env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 0x123, key_a));
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.key.app_idx, 0x123);
    CHECK(bm_node_app_key(n, 0x123, NULL) != NULL);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 0x123, key_a))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 0x123, key_b))->status,
             BM_CFG_ST_KEY_INDEX_ALREADY_STORED);
    for (uint16_t i = 1; i < BM_CFG_APP_KEYS; i++)
        CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, i, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 0, 0x200, key_b))->status,
             BM_CFG_ST_INSUFFICIENT_RESOURCES);
    r = env_wait(&e, bm_cfg_app_key_get(pv, a, 0));
    CHECK_EQ(r->opcode, BM_CFG_OP_APPKEY_LIST);
    CHECK_EQ(r->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(r->u.list.total, BM_CFG_APP_KEYS);
    CHECK_EQ(r->u.list.items[0], 0x123);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_get(pv, a, 7))->status, BM_CFG_ST_INVALID_NETKEY);
    /* a second subnet for the binding errors */
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, 1, key_a))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 1, 0x123, key_a))->status,
             BM_CFG_ST_INVALID_NETKEY);
    /* update: outside key refresh, unknown index, wrong subnet */
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 0, 0x123, key_b))->status,
             BM_CFG_ST_CANNOT_UPDATE);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 0, 0x321, key_b))->status,
             BM_CFG_ST_INVALID_APPKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 1, 0x123, key_b))->status,
             BM_CFG_ST_INVALID_BINDING);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 9, 0x123, key_b))->status,
             BM_CFG_ST_INVALID_NETKEY);
    /* delete: wrong subnet, unknown index, then for real */
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_del(pv, a, 1, 0x123))->status, BM_CFG_ST_INVALID_BINDING);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_del(pv, a, 9, 0x123))->status, BM_CFG_ST_INVALID_NETKEY);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_del(pv, a, 0, 0x321))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_del(pv, a, 0, 0x123))->status, BM_CFG_ST_SUCCESS);
    CHECK(bm_node_app_key(n, 0x123, NULL) == NULL);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_get(pv, a, 0))->u.list.total, BM_CFG_APP_KEYS - 1);
    env_free(&e);
}

static void test_appkey_update_in_key_refresh(void)
{
    struct env e;
    env_setup(&e, 1, 19);
    struct bm_node *pv = e.pv->node, *n = e.n[0]->node;
    uint16_t a = env_addr(0);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_add(pv, a, 1, key_a))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_add(pv, a, 1, 2, key_a))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_net_key_update(pv, a, 1, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 1, 2, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 1, 2, key_b))->status, BM_CFG_ST_SUCCESS);
    CHECK_EQ(env_wait(&e, bm_cfg_app_key_update(pv, a, 1, 2, key_a))->status,
             BM_CFG_ST_KEY_INDEX_ALREADY_STORED);
    /* phase 1 transmits with the old key, phase 2 with the new one */
    CHECK_MEM("phase 1 key", bm_node_app_key(n, 2, NULL)->key, 16, key_a, 16);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 1, 2))->u.idx.value, 2);
    CHECK_MEM("phase 2 key", bm_node_app_key(n, 2, NULL)->key, 16, key_b, 16);
    CHECK_EQ(n->app_count, 2);
    CHECK_EQ(env_wait(&e, bm_cfg_krp_set(pv, a, 1, 3))->u.idx.value, 0);
    CHECK_EQ(n->app_count, 1);
    CHECK_MEM("after refresh", bm_node_app_key(n, 2, NULL)->key, 16, key_b, 16);
    env_free(&e);
}

static void test_client_api_errors(void)
{
    struct env e;
    env_setup(&e, 1, 20);
    struct bm_node *pv = e.pv->node;
    CHECK_EQ(bm_cfg_cli_enable(pv, NULL, NULL), BM_EEXIST);
    CHECK_EQ(bm_cfg_beacon_get(pv, 0x0999), BM_ENOKEY); /* not in the database */
    CHECK_EQ(bm_cfg_beacon_get(pv, 0xc000), BM_EINVAL);
    CHECK_EQ(bm_cfg_beacon_get(pv, env_addr(0)), BM_OK);
    CHECK_EQ(bm_cfg_beacon_get(pv, env_addr(0)), BM_EBUSY);
    bm_cfg_cli_cancel(pv);
    CHECK(!bm_cfg_cli_busy(pv));
    CHECK_EQ(bm_cfg_relay_set(pv, env_addr(0), 1, 8, 0), BM_EINVAL);
    CHECK_EQ(bm_cfg_beacon_get(e.n[0]->node, PV_ADDR), BM_ESTATE); /* no client there */
    env_free(&e);
}

int main(void)
{
    BM_RUN(test_composition_page0_bytes);
    BM_RUN(test_composition_ids_configurable);
    BM_RUN(test_one_octet_states);
    BM_RUN(test_relay_unsupported_stays);
    BM_RUN(test_wrong_lengths_get_no_answer);
    BM_RUN(test_netkeys);
    BM_RUN(test_last_netkey_cannot_go);
    BM_RUN(test_appkeys);
    BM_RUN(test_appkey_update_in_key_refresh);
    BM_RUN(test_client_api_errors);
    return bm_test_done();
}
