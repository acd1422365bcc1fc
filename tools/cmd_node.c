/* blemesh node: one mesh device in a process, on the socket bearer, with
 * its state in a directory store (port/posix). Its elements and models
 * come from options; it logs one line per event (provisioning, Output OOB
 * value to show, configuration changes, model state changes with value and
 * source), readable or JSON. SIGINT/SIGTERM end it cleanly; every store
 * write is already durable when it returns, so a SIGKILL loses nothing the
 * node acknowledged.
 *
 * blemesh node show: the store as one JSON object, secrets masked.
 *
 * Never logs key material: provisioning is reported by address, the OOB
 * value is the one thing a device is meant to show. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air_opts.h"
#include "blemesh/blemesh.h"
#include "bm_posix.h"
#include "cli_args.h"
#include "commands.h"
#include "json_out.h"
#include "storage/records.h"

#define CMD "node"

struct node_app {
    struct bm_posix *px;
    struct bm_node *node;
};

static void logf_app(struct node_app *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void logf_app(struct node_app *a, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    bm_posix_log(a->px, BM_LOG_INF, "app", line);
}

static void on_prov(void *user, const struct bm_prov_info *info)
{
    struct node_app *a = user;
    switch (info->event) {
    case BM_PROV_EVT_OUTPUT_OOB:
        if (info->oob_string)
            logf_app(a, "OOB: show %s", info->oob_string);
        else
            logf_app(a, "OOB: show %" PRIu32 " (action %u)", info->oob_number, info->oob_action);
        break;
    case BM_PROV_EVT_COMPLETE:
        logf_app(a, "provisioned: address 0x%04x", info->addr);
        break;
    case BM_PROV_EVT_FAILED:
        logf_app(a, "provisioning failed: reason 0x%02x%s", info->reason,
                 info->reason ? "" : " (timeout)");
        break;
    case BM_PROV_EVT_RESET:
        logf_app(a, "reset: unprovisioned, beaconing again");
        break;
    }
}

struct model_slot {
    struct node_app *app;
    const char *what; /* "OnOff Server" ... */
};

static void on_model(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct model_slot *s = user;
    switch (e->event) {
    case BM_EVT_STATE_CHANGED:
        logf_app(s->app, "%s set value=%" PRId32 " src=0x%04x op=0x%04" PRIx32, s->what, e->value,
                 e->src, e->recv_op);
        break;
    case BM_EVT_STATUS:
        logf_app(s->app, "%s status value=%" PRId32 " src=0x%04x", s->what, e->value, e->src);
        break;
    case BM_EVT_TIMEOUT:
        logf_app(s->app, "%s no answer to op=0x%04" PRIx32, s->what, e->recv_op);
        break;
    }
}

void bm_cli_node_help(FILE *f)
{
    fputs("usage: blemesh node --store DIR [options]\n"
          "       blemesh node show --store DIR [--show-keys]\n"
          "\n"
          "Runs one mesh device in this process on the socket bearer, keeping its state\n"
          "(UUID, keys, address, sequence number, configuration) in DIR. It logs one line per\n"
          "event on stderr: provisioned, the Output OOB value to show (\"OOB: show 1234\"),\n"
          "configuration changes, model state changes with value and source. SIGINT or\n"
          "SIGTERM stop it cleanly. Keys are never logged.\n"
          "\n"
          "`node show` prints the store as one JSON object; key material is \"***\" unless\n"
          "--show-keys. It cannot read a store a running node holds (exit 1).\n"
          "\n"
          "device:\n"
          "  --store DIR       the state directory (created, mode 0700). Required.\n"
          "  --name N          the name shown by a scan, 1..29 octets (default blemesh-node)\n"
          "  --uuid HEX        the device UUID (32 hex digits) while unprovisioned\n"
          "                    (default: random, generated once and kept in the store)\n"
          "  --oob none|output provisioning authentication (default none); output shows a\n"
          "                    4-digit number in the log\n"
          "  --relay           the relay feature\n"
          "  --proxy           the GATT proxy feature bit\n"
          "  --no-beacon       no secure network beacons\n"
          "  --ttl N           default TTL, 0 or 2..127 (default 7)\n"
          "models (on the primary element, beside Configuration and Health Servers):\n"
          "  --onoff-server, --onoff-client, --level-server, --level-client\n"
          "output:\n"
          "  --json            one JSON object per log line\n"
          "  --verbose         also the stack's debug lines\n",
          f);
    bm_air_help(f);
}

/* --- show --- */

static bool is_secret(void *user, uint16_t key)
{
    (void)user;
    /* Only records known to hold no keys are shown; anything else (the
     * provisioning data, and records this tool does not know) is masked. */
    return key != BM_REC_UUID && key != BM_REC_SEQ;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int node_show(const char *dir, bool show_keys)
{
    struct bm_posix_store *st;
    int rc = bm_posix_store_open(&st, dir, NULL);
    if (rc == BM_EBUSY) {
        fprintf(stderr, "blemesh node show: %s is in use by a running node (stop it first)\n",
                dir);
        return 1;
    }
    if (rc != BM_OK) {
        fprintf(stderr, "blemesh node show: cannot open the store %s: %s\n", dir,
                bm_strerror(rc));
        return 1;
    }
    uint8_t buf[64];
    size_t len = 0;
    struct bm_jw w;
    bm_jw_begin(&w, stdout);
    bm_jw_str(&w, "store", dir);
    if (bm_posix_store_get(st, BM_REC_UUID, buf, sizeof(buf), &len) == BM_OK && len == 16)
        bm_jw_hex(&w, "uuid", buf, 16);
    /* The provisioning summary, decoded with the core's own record codecs
     * (src/storage/rec_codec.c), so it follows the record versions. */
    struct bm_rec_prov pr;
    bool prov = bm_posix_store_get(st, BM_REC_PROV, buf, sizeof(buf), &len) == BM_OK &&
                bm_rec_prov_decode(buf, len, &pr) == BM_OK;
    bm_jw_bool(&w, "provisioned", prov);
    if (prov) {
        bm_jw_uint(&w, "address", pr.addr);
        bm_jw_uint(&w, "elements", pr.elements);
        struct bm_rec_iv iv;
        if (pr.v1)
            bm_jw_uint(&w, "iv_index", pr.iv_index);
        else if (bm_posix_store_get(st, BM_REC_IV, buf, sizeof(buf), &len) == BM_OK &&
                 bm_rec_iv_decode(buf, len, &iv) == BM_OK)
            bm_jw_uint(&w, "iv_index", iv.iv_index);
        struct bm_rec_net net;
        bool have_net = bm_posix_store_get(st, BM_REC_NET, buf, sizeof(buf), &len) == BM_OK &&
                        bm_rec_net_decode(buf, len, &net) == BM_OK;
        if (pr.v1 || have_net)
            bm_jw_uint(&w, "net_idx", pr.v1 ? pr.net_idx : net.net_idx);
        if (show_keys) {
            if (pr.v1 || have_net)
                bm_jw_hex(&w, "net_key", pr.v1 ? pr.net_key : net.key, 16);
            bm_jw_hex(&w, "dev_key", pr.dev_key, 16);
        } else {
            bm_jw_str(&w, "net_key", "***");
            bm_jw_str(&w, "dev_key", "***");
        }
        memset(&net, 0, sizeof(net));
    }
    memset(&pr, 0, sizeof(pr));
    memset(buf, 0, sizeof(buf));
    if (bm_posix_store_get(st, BM_REC_SEQ, buf, sizeof(buf), &len) == BM_OK && len == 4)
        bm_jw_uint(&w, "seq_reserved", le32(buf));
    bm_jw_uint(&w, "records_count", (uint32_t)bm_posix_store_count(st));
    /* the raw records, one JSON object each, as an array */
    char *dump = NULL;
    size_t dump_len = 0;
    FILE *mf = open_memstream(&dump, &dump_len);
    if (mf) {
        bm_posix_store_dump(st, mf, is_secret, NULL, show_keys);
        fclose(mf);
    }
    /* close the object by hand: the writer has no raw-value call */
    fputs(",\"records\":[", stdout);
    bool first = true;
    char *save = NULL;
    for (char *line = dump ? strtok_r(dump, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!first)
            fputc(',', stdout);
        fputs(line, stdout);
        first = false;
    }
    fputs("]}\n", stdout);
    if (dump) {
        memset(dump, 0, dump_len);
        free(dump);
    }
    bm_posix_store_close(st);
    return 0;
}

static int cmd_show(int argc, char **argv, int first)
{
    static const struct bm_cli_opt opts[] = {{"store", true}, {"show-keys", false}, {"json", false},
                                             {"help", false}};
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, "node show", argc, argv, first, opts, sizeof(opts) / sizeof(opts[0]));
    const char *store = NULL, *name, *value;
    bool show_keys = false;
    enum bm_cli_kind k;
    while ((k = bm_cli_next(&it, &name, &value)) != BM_CLI_END) {
        if (k == BM_CLI_POSITIONAL)
            bm_cli_fail("node show", "unexpected argument");
        if (strcmp(name, "help") == 0) {
            bm_cli_node_help(stdout);
            return 0;
        }
        if (strcmp(name, "store") == 0)
            store = value;
        else if (strcmp(name, "show-keys") == 0)
            show_keys = true;
    }
    if (!store)
        bm_cli_fail("node show", "--store DIR is required");
    return node_show(store, show_keys);
}

/* --- run --- */

struct node_opts {
    const char *store, *name;
    bool have_uuid;
    uint8_t uuid[16];
    uint8_t auth;
    uint8_t features;
    bool beacon;
    uint8_t ttl;
    bool onoff_srv, onoff_cli, level_srv, level_cli;
    bool json, verbose;
    struct bm_posix_bearer_opts air;
};

static void parse(struct node_opts *o, int argc, char **argv, int first)
{
    static const struct bm_cli_opt opts[] = {
        {"store", true},          {"name", true},          {"uuid", true},
        {"oob", true},            {"relay", false},        {"proxy", false},
        {"no-beacon", false},     {"ttl", true},           {"onoff-server", false},
        {"onoff-client", false},  {"level-server", false}, {"level-client", false},
        {"json", false},          {"verbose", false},      {"help", false},
        BM_AIR_OPTS};
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, CMD, argc, argv, first, opts, sizeof(opts) / sizeof(opts[0]));
    const char *name, *value;
    enum bm_cli_kind k;
    while ((k = bm_cli_next(&it, &name, &value)) != BM_CLI_END) {
        if (k == BM_CLI_POSITIONAL)
            bm_cli_fail(CMD, "unexpected argument (see blemesh node --help)");
        if (bm_air_opt(CMD, name, value, &o->air))
            continue;
        if (strcmp(name, "help") == 0) {
            bm_cli_node_help(stdout);
            exit(0);
        } else if (strcmp(name, "store") == 0) {
            o->store = value;
        } else if (strcmp(name, "name") == 0) {
            size_t n = strlen(value);
            if (n == 0 || n > BM_NAME_MAX)
                bm_cli_fail(CMD, "--name: 1..%d octets", BM_NAME_MAX);
            o->name = value;
        } else if (strcmp(name, "uuid") == 0) {
            bm_cli_uuid(CMD, "--uuid", value, o->uuid);
            o->have_uuid = true;
        } else if (strcmp(name, "oob") == 0) {
            if (strcmp(value, "none") == 0)
                o->auth = BM_OOB_NONE;
            else if (strcmp(value, "output") == 0)
                o->auth = BM_OOB_OUTPUT;
            else
                bm_cli_fail(CMD, "--oob: expected none or output");
        } else if (strcmp(name, "relay") == 0) {
            o->features |= BM_RELAY;
        } else if (strcmp(name, "proxy") == 0) {
            o->features |= BM_GATT_PROXY;
        } else if (strcmp(name, "no-beacon") == 0) {
            o->beacon = false;
        } else if (strcmp(name, "ttl") == 0) {
            o->ttl = (uint8_t)bm_cli_uint(CMD, "--ttl", value, 127);
            if (o->ttl == 1)
                bm_cli_fail(CMD, "--ttl: 0 or 2..127");
        } else if (strcmp(name, "onoff-server") == 0) {
            o->onoff_srv = true;
        } else if (strcmp(name, "onoff-client") == 0) {
            o->onoff_cli = true;
        } else if (strcmp(name, "level-server") == 0) {
            o->level_srv = true;
        } else if (strcmp(name, "level-client") == 0) {
            o->level_cli = true;
        } else if (strcmp(name, "json") == 0) {
            o->json = true;
        } else if (strcmp(name, "verbose") == 0) {
            o->verbose = true;
        }
    }
    if (!o->store)
        bm_cli_fail(CMD, "--store DIR is required (see blemesh node --help)");
}

static int add_model(struct node_app *a, uint8_t func, uint8_t role, struct model_slot *slot,
                     const char *what)
{
    slot->app = a;
    slot->what = what;
    return bm_add_model(a->node, 0, BM_GENERIC, func, role, on_model, slot, 0, NULL);
}

int bm_cli_node(int argc, char **argv, int first)
{
    if (first < argc && strcmp(argv[first], "show") == 0)
        return cmd_show(argc, argv, first + 1);
    struct node_opts o = {.name = "blemesh-node", .auth = BM_OOB_NONE, .beacon = true, .ttl = 7};
    parse(&o, argc, argv, first);

    struct bm_posix_opts po;
    bm_posix_opts_default(&po);
    po.store_dir = o.store;
    po.bearer = o.air;
    po.log_json = o.json;
    po.log_level = o.verbose ? BM_LOG_DBG : BM_LOG_INF;
    po.name = o.name;
    struct node_app a = {0};
    int rc = bm_posix_open(&a.px, &po);
    if (rc == BM_EBUSY) {
        fprintf(stderr, "blemesh node: %s is in use by another node (or the air port is busy)\n",
                o.store);
        return 1;
    }
    if (rc != BM_OK) {
        fprintf(stderr, "blemesh node: cannot start: %s\n", bm_strerror(rc));
        return 1;
    }
    size_t size = bm_node_size();
    void *mem = aligned_alloc(_Alignof(max_align_t), (size + _Alignof(max_align_t) - 1) /
                                                         _Alignof(max_align_t) *
                                                         _Alignof(max_align_t));
    a.node = mem ? bm_node_create(mem, size, bm_posix_platform(a.px)) : NULL;
    if (!a.node) {
        fprintf(stderr, "blemesh node: out of memory\n");
        bm_posix_close(a.px);
        free(mem);
        return 1;
    }
    struct model_slot slots[4];
    const char *step = "element";
    rc = bm_create_element(a.node, true, o.features, o.beacon, o.ttl, NULL);
    if (rc == BM_OK && o.onoff_srv)
        rc = add_model(&a, BM_ONOFF, BM_SERVER, &slots[0], "OnOff Server"), step = "OnOff Server";
    if (rc == BM_OK && o.onoff_cli)
        rc = add_model(&a, BM_ONOFF, BM_CLIENT, &slots[1], "OnOff Client"), step = "OnOff Client";
    if (rc == BM_OK && o.level_srv)
        rc = add_model(&a, BM_LEVEL, BM_SERVER, &slots[2], "Level Server"), step = "Level Server";
    if (rc == BM_OK && o.level_cli)
        rc = add_model(&a, BM_LEVEL, BM_CLIENT, &slots[3], "Level Client"), step = "Level Client";
    if (rc == BM_OK) {
        step = "init";
        rc = bm_init(a.node, o.name, o.auth);
    }
    if (rc == BM_OK && o.have_uuid && !bm_node_is_provisioned(a.node)) {
        step = "uuid";
        rc = bm_set_uuid(a.node, o.uuid);
    }
    if (rc == BM_OK && !bm_node_is_provisioned(a.node)) {
        step = "provisioning bearer";
        rc = bm_set_node_prov(a.node, BM_PROV_ADV, on_prov, &a);
    } else if (rc == BM_OK) {
        /* for a later Node Reset, which makes the node provisionable again */
        rc = bm_set_node_prov(a.node, BM_PROV_ADV, on_prov, &a);
    }
    if (rc != BM_OK) {
        fprintf(stderr, "blemesh node: %s: %s\n", step, bm_strerror(rc));
        bm_node_destroy(a.node);
        free(mem);
        bm_posix_close(a.px);
        return 1;
    }
    uint8_t uuid[16];
    char uuid_hex[33];
    bm_get_uuid(a.node, uuid);
    bm_cli_hex_str(uuid, 16, uuid_hex);
    if (bm_node_is_provisioned(a.node))
        logf_app(&a, "up: uuid %s, provisioned, address 0x%04x, %d element(s)", uuid_hex,
                 bm_node_addr(a.node), bm_node_element_count(a.node));
    else
        logf_app(&a, "up: uuid %s, unprovisioned, beaconing as \"%s\"%s", uuid_hex, o.name,
                 o.auth == BM_OOB_OUTPUT ? " (Output OOB)" : "");
    rc = bm_posix_run(a.px, a.node);
    int sig = bm_posix_signal(a.px);
    if (rc == BM_OK)
        logf_app(&a, "stopping (%s)", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "stop");
    else
        logf_app(&a, "event loop failed: %s", bm_strerror(rc));
    bm_node_destroy(a.node);
    free(mem);
    bm_posix_close(a.px);
    return rc == BM_OK ? 0 : 1;
}
