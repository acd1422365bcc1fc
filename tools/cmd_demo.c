/* blemesh demo: a whole mesh comes alive in the simulated air. A gateway
 * (provisioner + Configuration Client) scans and provisions a switch
 * (Generic OnOff Client) and N lights (Generic OnOff Servers, relays) over
 * PB-ADV, one light with Output OOB; it adds an AppKey to each, binds it,
 * subscribes the lights to a group and points the switch's publication at
 * it; then the switch toggles and every light follows, the far ones
 * through the relays because they are out of the switch's range.
 *
 * Topology (explicit links, each losing --loss of the advertisements):
 * the gateway hears everyone; the lights form a line, each hearing its
 * neighbours; the switch hears only the first two lights.
 *
 * Deterministic for a seed: the simulator and the demo's own AppKey come
 * from it. Exit 0 when every step worked, 1 otherwise, 2 for bad options. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blemesh/blemesh.h"
#include "blemesh/cfg_client.h"
#include "blemesh/provisioner.h"
#include "cli_args.h"
#include "commands.h"
#include "models/models.h"
#include "sim.h"

#define MAX_LIGHTS 40
#define GROUP 0xc000
#define APP_IDX 0

struct dnode {
    struct bm_node *node;
    uint32_t id;
    char name[16];
    struct bm_model *model; /* OnOff server (lights) or client (switch) */
    char shown[16];         /* Output OOB value the device displayed */
    bool changed;           /* a light's callback saw a remote Set change it */
    uint64_t changed_ms;    /* when the demo noticed (virtual ms) */
};

struct demo {
    struct bm_sim *sim;
    struct dnode gw, sw, lights[MAX_LIGHTS];
    int nlights;
    bool quiet;
    int failures;
    /* the gateway's current request */
    bool busy, oob_needed;
    struct bm_provision_result prov;
    uint8_t rsp_status;
    int rsp_err;
    uint32_t rsp_op;
};

static void say(struct demo *d, const char *fmt, ...)
{
    if (d->quiet)
        return;
    uint64_t t = bm_sim_now_ms(d->sim);
    printf("[%4" PRIu64 ".%03" PRIu64 " s] ", t / 1000, t % 1000);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void fail(struct demo *d, const char *fmt, ...)
{
    d->failures++;
    uint64_t t = bm_sim_now_ms(d->sim);
    printf("[%4" PRIu64 ".%03" PRIu64 " s] FAILED: ", t / 1000, t % 1000);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* --- nodes in the air --- */

static void glue_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    bm_node_rx_adv(((struct dnode *)user)->node, adv, len, rssi);
}

static uint64_t glue_process(void *user, uint64_t now_ms)
{
    return bm_node_process(((struct dnode *)user)->node, now_ms);
}

static const struct bm_sim_node_ops glue = {.rx = glue_rx, .process = glue_process};

static int add_node(struct demo *d, struct dnode *n, const char *name)
{
    snprintf(n->name, sizeof(n->name), "%s", name);
    int rc = bm_sim_add_node(d->sim, &glue, n, &n->id);
    if (rc != BM_OK)
        return rc;
    size_t size = bm_node_size();
    void *mem = malloc(size);
    n->node = mem ? bm_node_create(mem, size, bm_sim_platform(d->sim, n->id)) : NULL;
    return n->node ? BM_OK : BM_ENOSPC;
}

static void free_node(struct dnode *n)
{
    if (!n->node)
        return;
    bm_node_destroy(n->node);
    free(n->node);
    n->node = NULL;
}

static void device_prov_cb(void *user, const struct bm_prov_info *info)
{
    struct dnode *n = user;
    if (info->event == BM_PROV_EVT_OUTPUT_OOB) {
        if (info->oob_string)
            snprintf(n->shown, sizeof(n->shown), "%s", info->oob_string);
        else
            snprintf(n->shown, sizeof(n->shown), "%" PRIu32, info->oob_number);
    }
}

static void light_cb(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct dnode *n = user;
    if (e->event == BM_EVT_STATE_CHANGED && e->recv_op != 0)
        n->changed = true;
}

/* --- the gateway's requests --- */

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct demo *d = user;
    d->prov = *r;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        d->oob_needed = true;
    else
        d->busy = false;
}

static void on_cfg(void *user, const struct bm_cfg_rsp *rsp)
{
    struct demo *d = user;
    d->rsp_err = rsp->err;
    d->rsp_status = rsp->status;
    d->rsp_op = rsp->opcode;
    d->busy = false;
}

static bool waiting(void *ctx)
{
    struct demo *d = ctx;
    return d->busy && !d->oob_needed;
}

/* Runs the air until the gateway's request is answered. */
static void wait_gateway(struct demo *d, uint64_t limit_ms)
{
    bm_sim_kick(d->sim, d->gw.id);
    if (bm_sim_run_while(d->sim, waiting, d, limit_ms) != BM_OK)
        d->busy = false;
}

static bool cfg_ok(struct demo *d, int rc, const char *what, const struct dnode *n)
{
    if (rc != BM_OK) {
        fail(d, "%s on %s: %s", what, n->name, bm_strerror(rc));
        return false;
    }
    d->busy = true;
    d->rsp_err = BM_ETIMEOUT;
    wait_gateway(d, 60000);
    if (d->rsp_err != BM_OK) {
        fail(d, "%s on %s: %s", what, n->name, bm_strerror(d->rsp_err));
        return false;
    }
    if (d->rsp_status != BM_CFG_ST_SUCCESS) {
        fail(d, "%s on %s: status 0x%02x", what, n->name, d->rsp_status);
        return false;
    }
    return true;
}

/* --- the scenario --- */

static int setup(struct demo *d, uint64_t seed, double loss)
{
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    cfg.queue_len = 16;
    int rc = bm_sim_create(&d->sim, &cfg);
    if (rc != BM_OK)
        return rc;
    double p = 1.0 - loss;
    if ((rc = add_node(d, &d->gw, "gateway")) != BM_OK ||
        (rc = add_node(d, &d->sw, "switch")) != BM_OK)
        return rc;
    for (int i = 0; i < d->nlights; i++) {
        char name[16];
        snprintf(name, sizeof(name), "light-%d", i + 1);
        if ((rc = add_node(d, &d->lights[i], name)) != BM_OK)
            return rc;
        bm_sim_link(d->sim, d->gw.id, d->lights[i].id, p);
        if (i > 0)
            bm_sim_link(d->sim, d->lights[i - 1].id, d->lights[i].id, p);
        if (i < 2)
            bm_sim_link(d->sim, d->sw.id, d->lights[i].id, p);
    }
    bm_sim_link(d->sim, d->gw.id, d->sw.id, p);

    /* the gateway: a provisioner with a Configuration Client */
    struct bm_node *gw = d->gw.node;
    if ((rc = bm_create_element(gw, true, 0, true, 7, NULL)) != BM_OK ||
        (rc = bm_init(gw, "gateway", BM_OOB_NONE)) != BM_OK ||
        (rc = bm_prov_create_network(gw, NULL, 0, 0, 0x0001)) != BM_OK ||
        (rc = bm_cfg_cli_enable(gw, on_cfg, d)) != BM_OK)
        return rc;
    /* the switch and the lights, the way board scripts set them up:
     * element and model first, then init. The switch's default TTL must
     * cover the line: every relay takes one off. */
    uint8_t ttl = (uint8_t)(d->nlights + 3 > 7 ? d->nlights + 3 : 7);
    if ((rc = bm_create_element(d->sw.node, true, 0, true, ttl, NULL)) != BM_OK ||
        (rc = bm_add_model(d->sw.node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, NULL, NULL, 0,
                           &d->sw.model)) != BM_OK ||
        (rc = bm_init(d->sw.node, "switch", BM_OOB_NONE)) != BM_OK ||
        (rc = bm_set_node_prov(d->sw.node, BM_PROV_ADV, device_prov_cb, &d->sw)) != BM_OK)
        return rc;
    for (int i = 0; i < d->nlights; i++) {
        struct dnode *l = &d->lights[i];
        if ((rc = bm_create_element(l->node, true, BM_RELAY, true, 7, NULL)) != BM_OK ||
            (rc = bm_add_model(l->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, light_cb, l, 0,
                               &l->model)) != BM_OK ||
            (rc = bm_init(l->node, l->name, i == 0 ? BM_OOB_OUTPUT : BM_OOB_NONE)) != BM_OK ||
            (rc = bm_set_node_prov(l->node, BM_PROV_ADV, device_prov_cb, l)) != BM_OK)
            return rc;
    }
    return BM_OK;
}

static bool scanning(void *ctx)
{
    struct demo *d = ctx;
    struct bm_unprov_device devs[BM_CFG_SCAN_RESULTS];
    size_t n = 0;
    bm_prov_scan_results(d->gw.node, devs, BM_CFG_SCAN_RESULTS, &n);
    return (int)n < d->nlights + 1;
}

static void on_scan(void *user, const struct bm_unprov_device *dev)
{
    struct demo *d = user;
    say(d, "scan: found \"%s\" (rssi %d dBm)", dev->name, dev->rssi);
}

static bool provision(struct demo *d, struct dnode *n)
{
    uint8_t uuid[16];
    bm_get_uuid(n->node, uuid);
    d->busy = true;
    d->oob_needed = false;
    int rc = bm_prov_provision(d->gw.node, uuid, NULL, on_provision, d);
    if (rc != BM_OK) {
        fail(d, "provision %s: %s", n->name, bm_strerror(rc));
        return false;
    }
    for (;;) {
        wait_gateway(d, 120000);
        if (!d->oob_needed)
            break;
        d->oob_needed = false;
        say(d, "%s shows %s; the user types it into the gateway", n->name, n->shown);
        bm_prov_input_oob(d->gw.node, n->shown);
    }
    if (d->busy || d->prov.event != BM_PROVISION_EVT_COMPLETE) {
        fail(d, "provision %s: %s (reason 0x%02x)", n->name,
             d->busy ? "no answer" : bm_strerror(d->prov.err), d->prov.reason);
        return false;
    }
    say(d, "provisioned %s: address 0x%04x, %s", n->name, d->prov.addr,
        d->prov.algorithm == BM_PROV_ALG_HMAC_SHA256 ? "HMAC-SHA256 algorithm"
                                                      : "CMAC-AES128 algorithm");
    return true;
}

static bool configure(struct demo *d, struct dnode *n, const uint8_t app_key[16], bool is_switch)
{
    uint16_t addr = bm_node_addr(n->node);
    struct bm_cfg_model_id onoff = {BM_COMPANY_SIG,
                                    is_switch ? BM_MODEL_ONOFF_CLI : BM_MODEL_ONOFF_SRV};
    if (!cfg_ok(d, bm_cfg_app_key_add(d->gw.node, addr, 0, APP_IDX, app_key), "AppKey Add", n) ||
        !cfg_ok(d, bm_cfg_app_bind(d->gw.node, addr, addr, APP_IDX, onoff), "Model App Bind", n))
        return false;
    if (is_switch) {
        /* each publication goes out 3 times, 100 ms apart (Publish
         * Retransmit): the lights apply it once (same TID) */
        struct bm_cfg_pub pub = {.elem_addr = addr,
                                 .model = onoff,
                                 .addr = GROUP,
                                 .app_idx = APP_IDX,
                                 .ttl = 0xff,
                                 .retx_count = 2,
                                 .retx_steps = 1};
        if (!cfg_ok(d, bm_cfg_pub_set(d->gw.node, addr, &pub), "Model Publication Set", n))
            return false;
        say(d, "configured %s: AppKey bound to the OnOff Client, publishing to group 0x%04x",
            n->name, GROUP);
    } else {
        if (!cfg_ok(d, bm_cfg_sub_add(d->gw.node, addr, addr, GROUP, onoff),
                    "Model Subscription Add", n))
            return false;
        say(d, "configured %s: AppKey bound to the OnOff Server, subscribed to group 0x%04x",
            n->name, GROUP);
    }
    return true;
}

/* The switch publishes value; returns how many lights followed. */
static int toggle(struct demo *d, int32_t value, uint64_t *slowest_ms)
{
    uint64_t t0 = bm_sim_now_ms(d->sim);
    *slowest_ms = 0;
    for (int i = 0; i < d->nlights; i++) {
        d->lights[i].changed = false;
        d->lights[i].changed_ms = 0;
    }
    int rc = bm_model_set_state(d->sw.node, d->sw.model, value, BM_ADDR_PUBLISH, APP_IDX, false);
    if (rc != BM_OK) {
        fail(d, "switch set_state: %s", bm_strerror(rc));
        return 0;
    }
    bm_sim_kick(d->sim, d->sw.id);
    say(d, "switch: %s", value ? "ON" : "OFF");
    /* watch the lights for 3 s, noting when each changed */
    int followed = 0;
    for (uint64_t t = 0; t < 3000; t += 5) {
        bm_sim_run_for(d->sim, 5);
        for (int i = 0; i < d->nlights; i++) {
            struct dnode *l = &d->lights[i];
            int32_t v = -1;
            bm_model_get_value(l->model, &v);
            if (v == value && l->changed && !l->changed_ms) {
                l->changed_ms = bm_sim_now_ms(d->sim);
                say(d, "  %s is %s (%" PRIu64 " ms)", l->name, value ? "on" : "off",
                    l->changed_ms - t0);
            }
        }
    }
    for (int i = 0; i < d->nlights; i++) {
        int32_t v = -1;
        bm_model_get_value(d->lights[i].model, &v);
        if (v == value) {
            followed++;
            uint64_t dt = d->lights[i].changed_ms > t0 ? d->lights[i].changed_ms - t0 : 0;
            if (dt > *slowest_ms)
                *slowest_ms = dt;
        } else {
            fail(d, "%s did not follow", d->lights[i].name);
        }
    }
    return followed;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double wall_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bm_cli_demo_help(FILE *f)
{
    fputs("usage: blemesh demo [--nodes N] [--seed S] [--loss P] [--quiet]\n"
          "\n"
          "Runs a whole mesh in the simulated air: a gateway provisions a switch and N\n"
          "lights over PB-ADV (the first light with Output OOB), configures them (AppKey,\n"
          "binding, the lights subscribed to a group, the switch publishing to it), then\n"
          "the switch turns the lights on and off. The lights form a line and relay; the\n"
          "switch hears only the first two, so the others are reached through relays.\n"
          "Times are virtual. Deterministic for a seed. Exit 0 if every step worked.\n"
          "\n"
          "options:\n"
          "  --nodes N   number of lights, 1..40 (default 6)\n"
          "  --seed S    seed of the simulation (default 1)\n"
          "  --loss P    fraction of advertisements each link loses, 0..0.5 (default 0.1)\n"
          "  --quiet     print only the summary line (and failures)\n"
          "  --help      this help\n",
          f);
}

int bm_cli_demo(int argc, char **argv, int first)
{
    static const struct bm_cli_opt opts[] = {
        {"nodes", true}, {"seed", true}, {"loss", true}, {"quiet", false}, {"help", false}};
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, "demo", argc, argv, first, opts, sizeof(opts) / sizeof(opts[0]));
    uint32_t nodes = 6, seed = 1;
    double loss = 0.1;
    bool quiet = false;
    const char *name, *value;
    enum bm_cli_kind k;
    while ((k = bm_cli_next(&it, &name, &value)) != BM_CLI_END) {
        if (k == BM_CLI_POSITIONAL)
            bm_cli_fail("demo", "unexpected argument \"%s\"", value);
        if (strcmp(name, "help") == 0) {
            bm_cli_demo_help(stdout);
            return 0;
        } else if (strcmp(name, "nodes") == 0) {
            nodes = bm_cli_uint("demo", "--nodes", value, MAX_LIGHTS);
            if (nodes < 1)
                bm_cli_fail("demo", "--nodes must be 1..%d", MAX_LIGHTS);
        } else if (strcmp(name, "seed") == 0) {
            seed = bm_cli_uint("demo", "--seed", value, UINT32_MAX);
        } else if (strcmp(name, "loss") == 0) {
            char *end;
            loss = strtod(value, &end);
            if (*value == 0 || *end != 0 || !(loss >= 0.0 && loss <= 0.5))
                bm_cli_fail("demo", "--loss must be a number from 0 to 0.5");
        } else if (strcmp(name, "quiet") == 0) {
            quiet = true;
        }
    }

    struct demo *d = calloc(1, sizeof(*d));
    if (!d)
        return 1;
    d->nlights = (int)nodes;
    d->quiet = quiet;
    double t0 = wall_s();
    int rc = setup(d, seed, loss);
    if (rc != BM_OK) {
        fprintf(stderr, "blemesh demo: setting up the simulation failed: %s\n", bm_strerror(rc));
        return 1;
    }
    say(d, "the air: a gateway, a switch and %d lights (relays); each link loses %.0f%% of "
           "advertisements; the switch hears only light-1 and light-2",
        d->nlights, loss * 100);

    /* scan */
    bm_prov_scan_start(d->gw.node, on_scan, d);
    if (bm_sim_run_while(d->sim, scanning, d, 60000) != BM_OK)
        fail(d, "scan: not every device was seen in 60 s");
    bm_prov_scan_stop(d->gw.node);

    /* provision and configure */
    int provisioned = 0, configured = 0;
    uint64_t ks = seed ^ 0x5eed5eedull;
    uint8_t app_key[16];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = splitmix(&ks);
        memcpy(app_key + i, &r, 8);
    }
    struct dnode *order[MAX_LIGHTS + 1];
    int norder = 1 + d->nlights;
    order[0] = &d->sw;
    for (int i = 1; i < norder; i++)
        order[i] = &d->lights[i - 1];
    for (int i = 0; i < norder; i++) {
        if (!provision(d, order[i]))
            continue;
        provisioned++;
        if (configure(d, order[i], app_key, order[i] == &d->sw))
            configured++;
    }
    memset(app_key, 0, sizeof(app_key));

    /* toggle */
    int toggles = 0, follow_all = 0;
    uint64_t slowest = 0;
    for (int32_t v = 1; v >= 0; v--) {
        uint64_t s;
        int followed = toggle(d, v, &s);
        toggles++;
        if (followed == d->nlights)
            follow_all++;
        if (s > slowest)
            slowest = s;
        say(d, "%d/%d lights %s, the last after %" PRIu64 " ms", followed, d->nlights,
            v ? "on" : "off", s);
    }

    struct bm_sim_stats tot;
    bm_sim_stats_total(d->sim, &tot);
    printf("summary: %d/%d devices provisioned, %d/%d configured, %d/%d toggles followed by "
           "every light (slowest %" PRIu64 " ms); %" PRIu64 " advertisements, %" PRIu64
           " lost; %.1f s virtual, %.2f s wall; %s\n",
           provisioned, d->nlights + 1, configured, d->nlights + 1, follow_all, toggles, slowest,
           tot.sent, tot.dropped_loss, (double)bm_sim_now_ms(d->sim) / 1000.0, wall_s() - t0,
           d->failures ? "FAILED" : "ok");
    int failures = d->failures;
    free_node(&d->gw);
    free_node(&d->sw);
    for (int i = 0; i < d->nlights; i++)
        free_node(&d->lights[i]);
    bm_sim_free(d->sim);
    free(d);
    return failures ? 1 : 0;
}
