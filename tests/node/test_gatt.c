/* The GATT bearer over the simulated air: a phone provisions a device over
 * PB-GATT with Output OOB; a phone connected to the proxy at one end of a
 * 10-hop relay line configures and toggles a light at the other end and
 * sees its Status; proxy filters pass and block; the Config Server's GATT
 * Proxy and Node Identity states; and the seed's two Pycom examples (a
 * GATT_PROXY server with Output OOB, a client) as C nodes that a phone
 * provisions over PB-GATT and configures through the proxy, the client
 * then switching the server over the mesh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/cfg_client.h"
#include "blemesh/proxy.h"
#include "models/models.h"
#include "node/node.h"
#include "sim.h"
#include "test.h"

struct gn {
    struct bm_node *node;
    struct bm_sim *sim;
    uint32_t id;
    uint16_t service; /* what a central connects to next */
    int conn_rc;      /* what the peripheral side said to the connection */
    /* device */
    char shown[16];
    int complete, failed;
    /* provisioner */
    int pv_complete, pv_failed, oob_needed;
    uint16_t pv_addr;
    /* proxy client */
    int status_count;
    uint8_t ftype;
    uint16_t fsize;
    int disconnected;
    /* config client */
    int rsp_count;
    struct bm_cfg_rsp rsp;
    uint8_t raw[8];
    /* models */
    struct bm_model *model;
    int model_status, model_changed;
    int32_t model_value;
};

static void g_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    struct gn *n = user;
    bm_node_rx_adv(n->node, adv, len, rssi);
}

static uint64_t g_process(void *user, uint64_t now)
{
    struct gn *n = user;
    return bm_node_process(n->node, now);
}

static void g_connected(void *user, uint16_t conn, uint16_t mtu, bool central)
{
    struct gn *n = user;
    n->conn_rc = central ? bm_gatt_client_connected(n->node, conn, mtu, n->service)
                         : bm_node_gatt_connected(n->node, conn, mtu);
    if (n->conn_rc != BM_OK)
        bm_sim_gatt_disconnect(n->sim, conn);
}

static void g_grx(void *user, uint16_t conn, const uint8_t *data, size_t len)
{
    struct gn *n = user;
    bm_node_gatt_rx(n->node, conn, data, len);
}

static void g_disconnected(void *user, uint16_t conn)
{
    struct gn *n = user;
    bm_node_gatt_disconnected(n->node, conn);
}

static const struct bm_sim_node_ops ops = {.rx = g_rx,
                                           .process = g_process,
                                           .gatt_connected = g_connected,
                                           .gatt_rx = g_grx,
                                           .gatt_disconnected = g_disconnected};

static struct gn *add(struct bm_sim *sim)
{
    struct gn *n = calloc(1, sizeof(*n));
    n->sim = sim;
    CHECK_EQ(bm_sim_add_node(sim, &ops, n, &n->id), BM_OK);
    size_t size = bm_node_size();
    n->node = bm_node_create(malloc(size), size, bm_sim_platform(sim, n->id));
    CHECK(n->node != NULL);
    return n;
}

static void drop(struct gn *n)
{
    bm_node_destroy(n->node);
    free(n->node);
    free(n);
}

static void print_log(void *ctx, uint64_t now, uint32_t node, enum bm_log_level level,
                      const char *layer, const char *line)
{
    (void)ctx;
    (void)level;
    printf("%8llu n%u %s: %s\n", (unsigned long long)now, node, layer, line);
}

static struct bm_sim *sim_new(uint64_t seed)
{
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    struct bm_sim *sim;
    CHECK_EQ(bm_sim_create(&sim, &cfg), BM_OK);
    if (getenv("BM_GATT_LOG")) /* debugging: every node's log */
        bm_sim_set_log(sim, print_log, NULL);
    return sim;
}

/* --- callbacks --- */

static void dev_cb(void *user, const struct bm_prov_info *info)
{
    struct gn *n = user;
    if (info->event == BM_PROV_EVT_OUTPUT_OOB)
        snprintf(n->shown, sizeof(n->shown), "%u", (unsigned)info->oob_number);
    else if (info->event == BM_PROV_EVT_COMPLETE)
        n->complete++;
    else if (info->event == BM_PROV_EVT_FAILED)
        n->failed++;
}

static void pv_cb(void *user, const struct bm_provision_result *r)
{
    struct gn *n = user;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        n->oob_needed++;
    else if (r->event == BM_PROVISION_EVT_COMPLETE) {
        n->pv_complete++;
        n->pv_addr = r->addr;
    } else
        n->pv_failed++;
}

static void proxy_cb(void *user, const struct bm_proxy_client_info *info)
{
    struct gn *n = user;
    if (info->event == BM_PROXY_EVT_FILTER_STATUS) {
        n->status_count++;
        n->ftype = info->filter_type;
        n->fsize = info->list_size;
    } else {
        n->disconnected++;
    }
}

static void cfg_cb(void *user, const struct bm_cfg_rsp *rsp)
{
    struct gn *n = user;
    n->rsp = *rsp;
    if (rsp->raw && rsp->raw_len <= sizeof(n->raw))
        memcpy(n->raw, rsp->raw, rsp->raw_len);
    n->rsp_count++;
}

static void model_cb(void *user, struct bm_model *m, const struct bm_model_event_info *e)
{
    struct gn *n = user;
    (void)m;
    if (e->event == BM_EVT_STATUS) {
        n->model_status++;
        n->model_value = e->value;
    } else if (e->event == BM_EVT_STATE_CHANGED) {
        n->model_changed++;
        n->model_value = e->value;
    }
}

/* --- waiting --- */

struct wait {
    int *counter;
    int target;
};

static bool below(void *ctx)
{
    struct wait *w = ctx;
    return *w->counter < w->target;
}

static int wait_for(struct bm_sim *sim, int *counter, int target, uint64_t limit_ms)
{
    struct wait w = {counter, target};
    return bm_sim_run_while(sim, below, &w, limit_ms);
}

/* A phone: a provisioner with a Config Client and an OnOff client whose
 * only bearer is GATT (its advertising radio is off, its beacons too). */
static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};
static const uint8_t app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                    0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
#define PHONE_ADDR 0x0001

static struct gn *phone_new(struct bm_sim *sim)
{
    struct gn *p = add(sim);
    CHECK_EQ(bm_create_element(p->node, true, 0, false, 20, NULL), BM_OK);
    CHECK_EQ(bm_init(p->node, "phone", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_add_model(p->node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, model_cb, p, 0, &p->model),
             BM_OK);
    CHECK_EQ(bm_prov_create_network(p->node, net_key, 0, 0, PHONE_ADDR), BM_OK);
    CHECK_EQ(bm_cfg_cli_enable(p->node, cfg_cb, p), BM_OK);
    CHECK_EQ(bm_proxy_client_set_cb(p->node, proxy_cb, p), BM_OK);
    CHECK_EQ(bm_node_app_key_add(p->node, 0, 0, app_key), BM_OK);
    CHECK_EQ(bm_access_bind(p->model, 0), BM_OK);
    bm_sim_set_radio(sim, p->id, false);
    return p;
}

/* Connects phone to node's service and waits until both sides have it. */
static uint16_t connect(struct gn *phone, struct gn *node, uint16_t service)
{
    uint16_t conn = 0;
    phone->service = service;
    CHECK_EQ(bm_sim_gatt_connect(phone->sim, phone->id, node->id, 23, &conn), BM_OK);
    bm_sim_run_for(phone->sim, 2 * BM_SIM_GATT_INTERVAL_MS);
    CHECK(bm_sim_gatt_is_up(phone->sim, conn));
    CHECK_EQ(node->conn_rc, BM_OK);
    return conn;
}

static int cfg_req(struct gn *phone, int rc)
{
    CHECK_EQ(rc, BM_OK);
    int before = phone->rsp_count;
    CHECK_EQ(wait_for(phone->sim, &phone->rsp_count, before + 1, 30000), BM_OK);
    CHECK_EQ(phone->rsp.err, BM_OK);
    return phone->rsp.status;
}

/* PB-GATT with Output OOB: the phone connects to the device's Mesh
 * Provisioning Service and provisions it; the device then advertises the
 * Mesh Proxy Service with its Network ID. */
static uint16_t provision_over_gatt(struct gn *phone, struct gn *dev)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_sim_gatt_adv_data(phone->sim, dev->id, adv, sizeof(adv), &len), BM_OK);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.service, BM_GATT_SVC_PROV);
    uint8_t uuid[16];
    bm_get_uuid(dev->node, uuid);
    CHECK_MEM("uuid advertised", info.uuid, 16, uuid, 16);

    uint16_t conn = connect(phone, dev, BM_GATT_SVC_PROV);
    int done = phone->pv_complete + phone->pv_failed;
    int oob = phone->oob_needed;
    CHECK_EQ(bm_prov_provision_gatt(phone->node, conn, info.uuid, NULL, pv_cb, phone), BM_OK);
    CHECK_EQ(wait_for(phone->sim, &phone->oob_needed, oob + 1, 10000), BM_OK);
    CHECK(dev->shown[0] != 0);
    CHECK_EQ(bm_prov_input_oob(phone->node, dev->shown), BM_OK);
    int *fin = &phone->pv_complete;
    CHECK_EQ(wait_for(phone->sim, fin, done - phone->pv_failed + 1, 10000), BM_OK);
    bm_sim_run_for(phone->sim, 200);
    CHECK(!bm_sim_gatt_is_up(phone->sim, conn)); /* the provisioner closed the link */
    CHECK(bm_node_is_provisioned(dev->node));
    CHECK_EQ(bm_node_addr(dev->node), phone->pv_addr);
    return phone->pv_addr;
}

static void pb_gatt_output_oob_then_proxy_advertising(void)
{
    struct bm_sim *sim = sim_new(11);
    struct gn *phone = phone_new(sim);
    struct gn *dev = add(sim);
    CHECK_EQ(bm_init(dev->node, "PYCOM-ESP-BLE-MESH", BM_OOB_OUTPUT), BM_OK);
    CHECK_EQ(bm_create_element(dev->node, true, BM_RELAY | BM_GATT_PROXY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_GATT, dev_cb, dev), BM_OK);
    bm_sim_link(sim, phone->id, dev->id, 1.0);
    bm_sim_run_for(sim, 100);
    /* PB-GATT only: no Unprovisioned Device beacons on advertising */
    CHECK_EQ(bm_sim_stats(sim, dev->id)->queued, 0);
    uint16_t addr = provision_over_gatt(phone, dev);
    CHECK_EQ(dev->complete, 1);
    CHECK_EQ(dev->failed, 0);
    CHECK_EQ(addr, PHONE_ADDR + 1);
    /* the phone never advertised */
    CHECK_EQ(bm_sim_stats(sim, phone->id)->queued, 0);

    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_sim_gatt_adv_data(sim, dev->id, adv, sizeof(adv), &len), BM_OK);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.service, BM_GATT_SVC_PROXY);
    CHECK_EQ(info.id_type, BM_PROXY_ID_NETWORK);
    struct bm_subnet *s = bm_net_subnet_find(&phone->node->net, 0);
    CHECK_MEM("network id", info.network_id, 8, bm_net_tx_keys(s)->network_id, 8);
    /* the phone finds the device again: it connects to its proxy service */
    connect(phone, dev, BM_GATT_SVC_PROXY);
    drop(phone);
    drop(dev);
    bm_sim_free(sim);
}

/* A line N0 .. N10 of relays, N0 the proxy, N10 the light. */
#define LINE 11

struct line {
    struct bm_sim *sim;
    struct gn *phone;
    struct gn *n[LINE];
    uint16_t conn;
};

static uint16_t line_addr(int i)
{
    return (uint16_t)(0x0100 + i);
}

static void line_setup(struct line *l, uint64_t seed)
{
    memset(l, 0, sizeof(*l));
    l->sim = sim_new(seed);
    l->phone = phone_new(l->sim);
    for (int i = 0; i < LINE; i++) {
        struct gn *n = l->n[i] = add(l->sim);
        uint8_t feat = BM_RELAY | (i == 0 ? BM_GATT_PROXY : 0);
        CHECK_EQ(bm_create_element(n->node, true, feat, false, 20, NULL), BM_OK);
        CHECK_EQ(bm_init(n->node, "n", BM_OOB_NONE), BM_OK);
        if (i == LINE - 1)
            CHECK_EQ(bm_add_model(n->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, model_cb, n, 0,
                                  &n->model),
                     BM_OK);
        uint8_t dev_key[16] = {0xde, 0x7e, (uint8_t)i};
        CHECK_EQ(bm_node_provisioned(n->node, net_key, 0, 0, 0, line_addr(i), dev_key), BM_OK);
        struct bm_prov_db_node *d = &l->phone->node->db[i];
        d->used = true;
        d->addr = line_addr(i);
        d->elements = 1;
        memcpy(d->dev_key, dev_key, 16);
        if (i > 0)
            bm_sim_link(l->sim, l->n[i - 1]->id, n->id, 1.0);
    }
    /* the phone is in radio range of the proxy only */
    bm_sim_link(l->sim, l->phone->id, l->n[0]->id, 1.0);
    bm_sim_run_for(l->sim, 100);
    l->conn = connect(l->phone, l->n[0], BM_GATT_SVC_PROXY);
}

static void line_free(struct line *l)
{
    for (int i = 0; i < LINE; i++)
        drop(l->n[i]);
    drop(l->phone);
    bm_sim_free(l->sim);
}

/* The light gets the AppKey and binds it to its OnOff Server, all through
 * the proxy (AppKey Add is segmented: 2 segments and their acks over GATT
 * and 10 hops each way). */
static void line_configure(struct line *l)
{
    uint16_t light = line_addr(LINE - 1);
    CHECK_EQ(cfg_req(l->phone, bm_cfg_app_key_add(l->phone->node, light, 0, 0, app_key)), 0);
    struct bm_cfg_model_id onoff = {BM_COMPANY_SIG, BM_MODEL_ONOFF_SRV};
    CHECK_EQ(cfg_req(l->phone, bm_cfg_app_bind(l->phone->node, light, light, 0, onoff)), 0);
}

static void phone_toggles_light_ten_hops_away(void)
{
    struct line l;
    line_setup(&l, 21);
    struct gn *light = l.n[LINE - 1];
    /* the proxy sends its secure network beacon to a new client */
    struct bm_node_stats st;
    bm_node_get_stats(l.phone->node, &st);
    CHECK_EQ(st.beacons_rx, 1);
    line_configure(&l);
    for (int v = 1; v >= 0; v--) {
        int before = l.phone->model_status;
        CHECK_EQ(bm_model_set_state(l.phone->node, l.phone->model, v, line_addr(LINE - 1), 0, true),
                 BM_OK);
        CHECK_EQ(wait_for(l.sim, &l.phone->model_status, before + 1, 10000), BM_OK);
        CHECK_EQ(l.phone->model_value, v);
        int32_t lv = -1;
        bm_model_get_value(light->model, &lv);
        CHECK_EQ(lv, v);
    }
    /* everything the phone sent went over GATT: its radio was off */
    CHECK_EQ(bm_sim_stats(l.sim, l.phone->id)->transmissions, 0);
    uint64_t up = 0, down = 0;
    CHECK_EQ(bm_sim_gatt_counts(l.sim, l.conn, &up, &down), BM_OK);
    CHECK(up >= 6 && down >= 6);
    line_free(&l);
}

/* Network PDUs that reached the phone (all of them over GATT). */
static uint32_t phone_rx(struct gn *phone)
{
    struct bm_node_stats st;
    bm_node_get_stats(phone->node, &st);
    return st.net_rx;
}

/* The light publishes its state to 0xc001; returns how many network PDUs
 * the phone got in the next 3 s. */
static uint32_t light_publishes(struct line *l, int32_t v)
{
    uint32_t before = phone_rx(l->phone);
    CHECK_EQ(bm_model_set_value(l->n[LINE - 1]->node, l->n[LINE - 1]->model, v), BM_OK);
    bm_sim_kick(l->sim, l->n[LINE - 1]->id);
    bm_sim_run_for(l->sim, 3000);
    return phone_rx(l->phone) - before;
}

static void filter_msg(struct line *l, int rc, uint8_t type, uint16_t size)
{
    CHECK_EQ(rc, BM_OK);
    int before = l->phone->status_count;
    CHECK_EQ(wait_for(l->sim, &l->phone->status_count, before + 1, 2000), BM_OK);
    CHECK_EQ(l->phone->ftype, type);
    CHECK_EQ(l->phone->fsize, size);
}

static void proxy_filters_pass_and_block(void)
{
    struct line l;
    line_setup(&l, 31);
    struct gn *phone = l.phone;
    struct bm_node *pn = phone->node;
    uint16_t light = line_addr(LINE - 1);
    line_configure(&l);
    struct bm_cfg_pub pub = {.elem_addr = light,
                             .model = {BM_COMPANY_SIG, BM_MODEL_ONOFF_SRV},
                             .addr = 0xc001,
                             .app_idx = 0,
                             .ttl = 20};
    CHECK_EQ(cfg_req(phone, bm_cfg_pub_set(pn, light, &pub)), 0);
    uint16_t grp = 0xc001;

    /* reject list naming the group: its publications are blocked, the
     * Status to the phone's own address passes */
    filter_msg(&l, bm_proxy_client_set_filter_type(pn, l.conn, BM_PROXY_FILTER_REJECT),
               BM_PROXY_FILTER_REJECT, 0);
    filter_msg(&l, bm_proxy_client_add_addrs(pn, l.conn, &grp, 1), BM_PROXY_FILTER_REJECT, 1);
    CHECK_EQ(light_publishes(&l, 1), 0);
    int before = phone->model_status;
    CHECK_EQ(bm_model_set_state(pn, phone->model, 0, light, 0, true), BM_OK);
    CHECK_EQ(wait_for(l.sim, &phone->model_status, before + 1, 10000), BM_OK);
    CHECK_EQ(phone->model_value, 0);
    /* taken off the reject list, the group passes */
    filter_msg(&l, bm_proxy_client_remove_addrs(pn, l.conn, &grp, 1), BM_PROXY_FILTER_REJECT, 0);
    CHECK(light_publishes(&l, 1) >= 1);

    /* an empty accept list passes nothing, even to the phone's address */
    filter_msg(&l, bm_proxy_client_set_filter_type(pn, l.conn, BM_PROXY_FILTER_ACCEPT),
               BM_PROXY_FILTER_ACCEPT, 0);
    CHECK_EQ(light_publishes(&l, 0), 0);
    /* the group on the accept list passes */
    filter_msg(&l, bm_proxy_client_add_addrs(pn, l.conn, &grp, 1), BM_PROXY_FILTER_ACCEPT, 1);
    CHECK(light_publishes(&l, 1) >= 1);
    /* what the phone sends from goes on the accept list (6.7): the Set's
     * Status finds it */
    before = phone->model_status;
    CHECK_EQ(bm_model_set_state(pn, phone->model, 0, light, 0, true), BM_OK);
    CHECK_EQ(wait_for(l.sim, &phone->model_status, before + 1, 10000), BM_OK);
    uint16_t both[2] = {grp, PHONE_ADDR};
    filter_msg(&l, bm_proxy_client_remove_addrs(pn, l.conn, both, 2), BM_PROXY_FILTER_ACCEPT, 0);
    CHECK_EQ(light_publishes(&l, 1), 0);
    /* bad arguments */
    CHECK_EQ(bm_proxy_client_set_filter_type(pn, l.conn, 2), BM_EINVAL);
    CHECK_EQ(bm_proxy_client_add_addrs(pn, l.conn, both, 0), BM_EINVAL);
    CHECK_EQ(bm_proxy_client_add_addrs(pn, 0x7777, both, 1), BM_ESTATE);
    line_free(&l);
}

static void config_server_gatt_proxy_and_node_identity(void)
{
    struct line l;
    line_setup(&l, 41);
    struct gn *phone = l.phone;
    uint16_t proxy = line_addr(0), relay = line_addr(1);
    /* GATT Proxy: 1 on the proxy node, 2 (unsupported) elsewhere */
    CHECK_EQ(cfg_req(phone, bm_cfg_proxy_get(phone->node, proxy)), 0);
    CHECK_EQ(phone->raw[0], 1);
    CHECK_EQ(cfg_req(phone, bm_cfg_proxy_get(phone->node, relay)), 0);
    CHECK_EQ(phone->raw[0], 2);
    /* Node Identity: 0 until set, then advertised with our address's hash */
    CHECK_EQ(cfg_req(phone, bm_cfg_identity_get(phone->node, proxy, 0)), 0);
    CHECK_EQ(phone->raw[3], 0);
    CHECK_EQ(cfg_req(phone, bm_cfg_identity_set(phone->node, proxy, 0, 1)), 0);
    CHECK_EQ(phone->raw[3], 1);
    CHECK_EQ(cfg_req(phone, bm_cfg_identity_get(phone->node, relay, 0)), 0);
    CHECK_EQ(phone->raw[3], 2);
    /* the proxy has a free connection slot, so it advertises */
    uint8_t adv[BM_ADV_MAX_LEN];
    size_t len = 0;
    CHECK_EQ(bm_sim_gatt_adv_data(l.sim, l.n[0]->id, adv, sizeof(adv), &len), BM_OK);
    struct bm_gatt_adv_info info;
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.id_type, BM_PROXY_ID_NODE);
    CHECK(bm_proxy_node_identity_match(phone->node, 0, proxy, &info));
    CHECK(!bm_proxy_node_identity_match(phone->node, 0, relay, &info));
    /* 60 s later it is back to the Network ID */
    bm_sim_run_for(l.sim, 61000);
    CHECK_EQ(bm_sim_gatt_adv_data(l.sim, l.n[0]->id, adv, sizeof(adv), &len), BM_OK);
    CHECK_EQ(bm_gatt_adv_parse(adv, len, &info), BM_OK);
    CHECK_EQ(info.id_type, BM_PROXY_ID_NETWORK);
    CHECK_EQ(cfg_req(phone, bm_cfg_proxy_set(phone->node, proxy, 0)), 0);
    CHECK_EQ(phone->raw[0], 0);
    /* 4.2.11: disabling the proxy drops its clients, after the Status */
    bm_sim_run_for(l.sim, 500);
    CHECK(!bm_sim_gatt_is_up(l.sim, l.conn));
    CHECK_EQ(phone->disconnected, 1);
    /* and it stops advertising the Network ID */
    CHECK_EQ(bm_sim_gatt_adv_data(l.sim, l.n[0]->id, adv, sizeof(adv), &len), BM_ENOENT);
    line_free(&l);
}

static void malformed_proxy_pdus_change_nothing(void)
{
    struct line l;
    line_setup(&l, 51);
    struct gn *proxy = l.n[0];
    struct bm_gatt before = proxy->node->gatt;
    struct bm_node_stats s0, s1;
    bm_node_get_stats(proxy->node, &s0);
    /* a Continuation without a First, an RFU type, a provisioning PDU on
     * the proxy service, a network PDU of garbage, a config PDU of garbage */
    static const uint8_t bad[][6] = {{0x80, 1, 2, 3, 4, 5}, {0x04, 1, 2, 3, 4, 5},
                                     {0x03, 0, 0, 0, 0, 0}, {0x00, 1, 2, 3, 4, 5},
                                     {0x02, 1, 2, 3, 4, 5}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        bm_node_gatt_rx(proxy->node, l.conn, bad[i], sizeof(bad[i]));
    bm_node_gatt_rx(proxy->node, l.conn, bad[0], 0);
    bm_node_gatt_rx(proxy->node, 0x7777, bad[3], sizeof(bad[3])); /* unknown connection */
    CHECK(memcmp(&before, &proxy->node->gatt, sizeof(before)) == 0);
    bm_node_get_stats(proxy->node, &s1);
    CHECK_EQ(s1.net_rx, s0.net_rx);
    /* a First never finished: the SAR timer ends the connection (6.3.2) */
    static const uint8_t first[] = {0x40, 1, 2};
    bm_node_gatt_rx(proxy->node, l.conn, first, sizeof(first));
    bm_sim_kick(l.sim, proxy->id);
    bm_sim_run_for(l.sim, 19000);
    CHECK(bm_sim_gatt_is_up(l.sim, l.conn));
    bm_sim_run_for(l.sim, 2000);
    CHECK(!bm_sim_gatt_is_up(l.sim, l.conn));
    line_free(&l);
}

/* The seed's Pycom examples as C: the server (GATT_PROXY, relay, Output
 * OOB, PB-ADV|PB-GATT, an OnOff Server) and the client (PB-ADV|PB-GATT, an
 * OnOff Client). A phone provisions both over PB-GATT, configures both
 * through the server's proxy, then the client's set_state switches the
 * server across the mesh. */
static void pycom_examples_interoperate_through_a_phone(void)
{
    struct bm_sim *sim = sim_new(61);
    struct gn *phone = phone_new(sim);
    struct gn *server = add(sim), *client = add(sim);
    CHECK_EQ(bm_init(server->node, "PYCOM-ESP-BLE-MESH", BM_OOB_OUTPUT), BM_OK);
    CHECK_EQ(bm_create_element(server->node, true, BM_RELAY | BM_GATT_PROXY, true, 7, NULL),
             BM_OK);
    CHECK_EQ(bm_add_model(server->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, model_cb, server, 0,
                          &server->model),
             BM_OK);
    CHECK_EQ(bm_set_node_prov(server->node, BM_PROV_ADV | BM_PROV_GATT, dev_cb, server), BM_OK);
    CHECK_EQ(bm_init(client->node, "PYCOM-CLIENT", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(client->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_add_model(client->node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, model_cb, client, 0,
                          &client->model),
             BM_OK);
    CHECK_EQ(bm_set_node_prov(client->node, BM_PROV_ADV | BM_PROV_GATT, dev_cb, client), BM_OK);
    /* the client is only in GATT range of the phone for provisioning;
     * on the air it hears the server */
    bm_sim_link(sim, phone->id, server->id, 1.0);
    bm_sim_link(sim, phone->id, client->id, 1.0);
    bm_sim_link(sim, server->id, client->id, 1.0);
    bm_sim_run_for(sim, 100);
    uint16_t srv = provision_over_gatt(phone, server);
    CHECK_EQ(server->complete, 1);
    client->shown[0] = 0;
    /* No OOB: the phone's provision_over_gatt waits for OOB_NEEDED, so
     * provision the client by hand */
    uint16_t c = connect(phone, client, BM_GATT_SVC_PROV);
    uint8_t uuid[16];
    bm_get_uuid(client->node, uuid);
    CHECK_EQ(bm_prov_provision_gatt(phone->node, c, uuid, NULL, pv_cb, phone), BM_OK);
    CHECK_EQ(wait_for(sim, &phone->pv_complete, 2, 10000), BM_OK);
    uint16_t cli = phone->pv_addr;
    CHECK_EQ(client->complete, 1);
    bm_sim_run_for(sim, 200);

    uint16_t conn = connect(phone, server, BM_GATT_SVC_PROXY);
    (void)conn;
    struct bm_cfg_model_id srv_id = {BM_COMPANY_SIG, BM_MODEL_ONOFF_SRV};
    struct bm_cfg_model_id cli_id = {BM_COMPANY_SIG, BM_MODEL_ONOFF_CLI};
    CHECK_EQ(cfg_req(phone, bm_cfg_app_key_add(phone->node, srv, 0, 0, app_key)), 0);
    CHECK_EQ(cfg_req(phone, bm_cfg_app_bind(phone->node, srv, srv, 0, srv_id)), 0);
    CHECK_EQ(cfg_req(phone, bm_cfg_app_key_add(phone->node, cli, 0, 0, app_key)), 0);
    CHECK_EQ(cfg_req(phone, bm_cfg_app_bind(phone->node, cli, cli, 0, cli_id)), 0);
    struct bm_cfg_pub pub = {.elem_addr = cli, .model = cli_id, .addr = srv, .app_idx = 0,
                             .ttl = 7};
    CHECK_EQ(cfg_req(phone, bm_cfg_pub_set(phone->node, cli, &pub)), 0);

    /* the client example: set_state(1) to its publication address */
    int before = client->model_status;
    CHECK_EQ(bm_model_set_state(client->node, client->model, 1, BM_ADDR_PUBLISH, 0, true), BM_OK);
    CHECK_EQ(wait_for(sim, &client->model_status, before + 1, 5000), BM_OK);
    CHECK_EQ(client->model_value, 1);
    CHECK_EQ(server->model_changed, 1);
    int32_t v = -1;
    bm_model_get_value(server->model, &v);
    CHECK_EQ(v, 1);
    /* the phone reads the server's state too, through the proxy */
    before = phone->model_status;
    CHECK_EQ(bm_model_set_state(phone->node, phone->model, 0, srv, 0, true), BM_OK);
    CHECK_EQ(wait_for(sim, &phone->model_status, before + 1, 5000), BM_OK);
    CHECK_EQ(phone->model_value, 0);
    drop(phone);
    drop(server);
    drop(client);
    bm_sim_free(sim);
}

static void set_node_prov_gatt_needs_a_gatt_port(void)
{
    struct bm_sim *sim = sim_new(71);
    struct gn *dev = add(sim);
    CHECK_EQ(bm_init(dev->node, "d", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_GATT, dev_cb, dev), BM_OK);
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_ADV | BM_PROV_GATT, dev_cb, dev), BM_OK);
    /* a port without GATT */
    struct bm_platform p = *bm_sim_platform(sim, dev->id);
    p.gatt_send = NULL;
    p.gatt_disconnect = NULL;
    p.gatt_adv = NULL;
    size_t size = bm_node_size();
    struct bm_node *bare = bm_node_create(malloc(size), size, &p);
    CHECK_EQ(bm_init(bare, "b", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_set_node_prov(bare, BM_PROV_GATT, NULL, NULL), BM_ENOTSUP);
    CHECK_EQ(bm_node_gatt_connected(bare, 1, 23), BM_ENOTSUP);
    bm_node_destroy(bare);
    free(bare);
    /* PB-GATT only: a PB-ADV Link Open is ignored */
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_GATT, dev_cb, dev), BM_OK);
    CHECK_EQ(bm_node_gatt_connected(dev->node, 5, 22), BM_EINVAL);
    drop(dev);
    bm_sim_free(sim);
}

/* PB-GATT and Output OOB are reached through hooks that only the calls
 * enabling them install (so an image that never does links neither);
 * what a node does is the same either way. */
static void pb_gatt_and_output_oob_hooks_installed_by_their_calls(void)
{
    struct bm_sim *sim = sim_new(72);
    struct gn *dev = add(sim);
    CHECK_EQ(bm_init(dev->node, "d", BM_OOB_NONE), BM_OK);
    CHECK(dev->node->link.output_oob == NULL);
    CHECK(dev->node->pb_gatt == NULL);
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_ADV, dev_cb, dev), BM_OK);
    CHECK(dev->node->pb_gatt == NULL);
    /* PB-ADV only: no connection before provisioning, no Mesh
     * Provisioning Service advertised */
    CHECK_EQ(bm_node_gatt_connected(dev->node, 1, 23), BM_ENOTSUP);
    CHECK_EQ(dev->node->gatt.adv_len, 0);
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_ADV | BM_PROV_GATT, dev_cb, dev), BM_OK);
    CHECK(dev->node->pb_gatt != NULL);
    CHECK(dev->node->gatt.adv_len > 0);
    /* back to PB-ADV only: installed still, refused and silent again */
    CHECK_EQ(bm_set_node_prov(dev->node, BM_PROV_ADV, dev_cb, dev), BM_OK);
    CHECK_EQ(bm_node_gatt_connected(dev->node, 1, 23), BM_ENOTSUP);
    CHECK_EQ(dev->node->gatt.adv_len, 0);
    drop(dev);

    struct gn *out = add(sim);
    CHECK_EQ(bm_init(out->node, "o", BM_OOB_OUTPUT), BM_OK);
    CHECK(out->node->link.output_oob != NULL);
    drop(out);
    bm_sim_free(sim);
}

int main(void)
{
    BM_RUN(pb_gatt_output_oob_then_proxy_advertising);
    BM_RUN(phone_toggles_light_ten_hops_away);
    BM_RUN(proxy_filters_pass_and_block);
    BM_RUN(config_server_gatt_proxy_and_node_identity);
    BM_RUN(malformed_proxy_pdus_change_nothing);
    BM_RUN(pycom_examples_interoperate_through_a_phone);
    BM_RUN(set_node_prov_gatt_needs_a_gatt_port);
    BM_RUN(pb_gatt_and_output_oob_hooks_installed_by_their_calls);
    return bm_test_done();
}
