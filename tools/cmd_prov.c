/* blemesh prov: a provisioner in short-lived processes. Each invocation
 * loads the network database (Mesh Configuration Database JSON, cdb.h),
 * joins the socket bearer as the provisioner's node (own state in FILE.d/),
 * does one command, writes the database back crash-safely and exits.
 *
 * This file: option parsing and dispatch, and the network commands
 * (create, scan, provision, nodes, export, import). prov_cfg.c has config,
 * onoff and level. Output: readable lines, or JSON with --json (one object
 * per line; export prints the database itself). Errors: one line on
 * stderr, exit 1 (2 for bad command-line input). Keys appear only in the
 * database file (mode 0600) and in `export`. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "air_opts.h"
#include "blemesh/cfg_client.h"
#include "blemesh/provisioner.h"
#include "cdb.h"
#include "cli_args.h"
#include "commands.h"
#include "json_out.h"
#include "prov_glue.h"
#include "prov_session.h"

#define MAX_POSITIONAL 8

void bm_cli_prov_help(FILE *f)
{
    fputs(
        "usage: blemesh prov --db FILE [options] <command> [arguments]\n"
        "\n"
        "A provisioner on the socket bearer. The network (keys, nodes, addresses, device\n"
        "keys, what was configured) is kept in FILE in the Bluetooth SIG Mesh Configuration\n"
        "Database JSON format (nRF Mesh, BlueZ mesh-cfgclient). FILE holds keys: it is\n"
        "written with mode 0600. The provisioner's own node state (address, sequence\n"
        "number) is kept in FILE.d/; only one blemesh prov runs on a database at a time.\n"
        "\n"
        "commands:\n"
        "  create [--name NAME]           a new network: NetKey, AppKey 0, our address 0x0001\n"
        "  scan [--time S]                list unprovisioned devices (UUID, name) for S\n"
        "                                 seconds (default 12), progress on stderr\n"
        "  provision UUID [--oob-value V] [--name N]\n"
        "                                 provision a device over PB-ADV; V is the Output OOB\n"
        "                                 value the device shows (\"-\": read it from stdin when\n"
        "                                 asked; asked on a terminal without the option)\n"
        "  config ADDR appkey-add [IDX]   send AppKey IDX (default 0)\n"
        "  config ADDR bind MODEL [--app-idx I] [--element ADDR]\n"
        "  config ADDR pub-set MODEL PUBADDR [--app-idx I] [--ttl N] [--period-ms MS]\n"
        "                                 [--retransmit COUNT:INTERVAL_MS] [--element ADDR]\n"
        "  config ADDR sub-add MODEL GROUP [--element ADDR]\n"
        "  config ADDR relay on|off|get [--count N] [--interval-ms MS]\n"
        "  config ADDR proxy on|off|get\n"
        "  config ADDR beacon on|off|get\n"
        "  config ADDR ttl N|get\n"
        "  config ADDR composition        read Composition Data page 0 into the database\n"
        "  config ADDR reset              Config Node Reset; the node leaves the database\n"
        "  onoff ADDR on|off|get [--app-idx I]   Generic OnOff (a group: unacknowledged)\n"
        "  level ADDR VALUE|get [--app-idx I]    Generic Level, -32768..32767\n"
        "  nodes                          the nodes in the database\n"
        "  export                         the database on stdout (with its keys)\n"
        "  import FILE2 [--force]         take FILE2 (a Configuration Database) as FILE\n"
        "\n"
        "MODEL: onoff-server, onoff-client, level-server, level-client, health-server,\n"
        "health-client, a SIG model ID (4 hex digits, e.g. 1000) or a vendor model\n"
        "(8 hex digits: company then model).\n"
        "\n"
        "options:\n"
        "  --db FILE       the database. Required.\n"
        "  --json          JSON output (one object per line)\n"
        "  --timeout S     how long to wait for the network, seconds (default 30; provision 90)\n"
        "  --verbose       the stack's log lines on stderr\n",
        f);
    bm_air_help(f);
    fputs("\nexit status: 0 done, 1 failed (one line on stderr), 2 bad command-line input.\n",
          f);
}

/* --- create --- */

static int cmd_create(const struct prov_opts *o)
{
    struct stat st;
    if (stat(o->db_path, &st) == 0 && !o->force)
        return prov_fail("create", "%s exists (use --force to replace it)", o->db_path);
    struct prov_session s;
    int rc = prov_open(&s, o, true);
    if (rc)
        return rc;
    struct cdb *db = s.db;
    rc = bm_prov_create_network(s.node, NULL, 0, 0, 0x0001);
    if (rc == BM_EEXIST) {
        prov_close(&s, false);
        return prov_fail("create", "%s.d holds an earlier network's provisioner; remove it",
                         o->db_path);
    }
    uint8_t app_key[16];
    if (rc == BM_OK)
        rc = bm_posix_random(app_key, sizeof(app_key));
    if (rc == BM_OK)
        rc = bm_posix_random(db->mesh_uuid, 16);
    struct cdb_node *self = &db->nodes[0];
    uint16_t net_idx = 0;
    if (rc == BM_OK)
        rc = bm_prov_net_key(s.node, &net_idx, db->net[0].key);
    if (rc == BM_OK)
        rc = bm_glue_dev_key(s.node, 0x0001, self->dev_key);
    if (rc != BM_OK) {
        prov_close(&s, false);
        return prov_fail("create", "%s", bm_strerror(rc));
    }
    db->mesh_uuid[6] = (uint8_t)((db->mesh_uuid[6] & 0x0f) | 0x40); /* RFC 4122 v4 */
    db->mesh_uuid[8] = (uint8_t)((db->mesh_uuid[8] & 0x3f) | 0x80);
    snprintf(db->mesh_name, sizeof(db->mesh_name), "%s", o->name ? o->name : "blemesh network");
    cdb_now(db->timestamp);
    db->nnet = 1;
    db->net[0].index = net_idx;
    db->net[0].secure = true;
    snprintf(db->net[0].name, sizeof(db->net[0].name), "Primary NetKey");
    cdb_now(db->net[0].timestamp);
    db->napp = 1;
    db->app[0].index = 0;
    db->app[0].bound_net = net_idx;
    memcpy(db->app[0].key, app_key, 16);
    memset(app_key, 0, sizeof(app_key));
    snprintf(db->app[0].name, sizeof(db->app[0].name), "AppKey 0");
    snprintf(db->prov_name, sizeof(db->prov_name), PROV_NODE_NAME);
    bm_get_uuid(s.node, db->prov_uuid);
    db->uni_low = 0x0001;
    db->uni_high = 0x7fff;
    db->grp_low = 0xc000;
    db->grp_high = 0xfeff;
    db->scene_first = 0x0001;
    db->scene_last = 0xffff;
    db->nnodes = 1;
    memcpy(self->uuid, db->prov_uuid, 16);
    self->addr = 0x0001;
    snprintf(self->name, sizeof(self->name), PROV_NODE_NAME);
    self->secure = true;
    self->config_complete = true;
    self->nnet = 1;
    self->net_keys[0] = net_idx;
    self->napp = 1;
    self->app_keys[0] = 0;
    self->elements_known = 1;
    self->relay = self->proxy = self->friend_ = self->low_power = CDB_UNKNOWN;
    self->default_ttl = 7;
    self->beacon = 0;
    self->relay_count = self->relay_interval_ms = CDB_UNKNOWN;
    struct cdb_element *e = cdb_element(self, 0x0001);
    cdb_model(e, CDB_SIG, 0x0000);
    cdb_model(e, CDB_SIG, 0x0001);
    cdb_model(e, CDB_SIG, 0x0002);
    struct cdb_model *m = cdb_model(e, CDB_SIG, 0x1001);
    cdb_set_add(m->bind, &m->nbind, CDB_MAX_BIND, 0);
    m = cdb_model(e, CDB_SIG, 0x1003);
    cdb_set_add(m->bind, &m->nbind, CDB_MAX_BIND, 0);
    db->next_unicast = 0x0002;
    rc = bm_glue_local_app_key(s.node, net_idx, 0, db->app[0].key, s.onoff_cli);
    if (rc == BM_OK)
        rc = bm_glue_local_app_key(s.node, net_idx, 0, db->app[0].key, s.level_cli);
    if (rc != BM_OK) {
        prov_close(&s, false);
        return prov_fail("create", "%s", bm_strerror(rc));
    }
    char uuid[33];
    bm_cli_hex_str(db->mesh_uuid, 16, uuid);
    if (prov_close(&s, true) != 0)
        return PROV_EXIT_FAIL;
    if (o->json) {
        struct bm_jw w;
        bm_jw_begin(&w, stdout);
        bm_jw_str(&w, "created", o->db_path);
        bm_jw_str(&w, "mesh_uuid", uuid);
        bm_jw_uint(&w, "address", 1);
        bm_jw_uint(&w, "net_idx", net_idx);
        bm_jw_uint(&w, "app_idx", 0);
        bm_jw_end(&w);
    } else {
        printf("created network %s in %s (mode 0600: it holds the keys); provisioner address "
               "0x0001, NetKey %u, AppKey 0\n",
               uuid, o->db_path, net_idx);
    }
    return 0;
}

/* --- scan --- */

struct scan_ctx {
    struct prov_session *s;
    int found;
};

static void on_scan(void *user, const struct bm_unprov_device *dev)
{
    struct scan_ctx *c = user;
    char uuid[33];
    bm_cli_hex_str(dev->uuid, 16, uuid);
    c->found++;
    if (c->s->o->json) {
        struct bm_jw w;
        bm_jw_begin(&w, stdout);
        bm_jw_str(&w, "uuid", uuid);
        bm_jw_str(&w, "name", dev->name);
        bm_jw_uint(&w, "oob_info", dev->oob_info);
        bm_jw_bool(&w, "in_database", cdb_node_by_uuid(c->s->db, dev->uuid) != NULL);
        fprintf(stdout, ",\"rssi\":%d", dev->rssi); /* the writer has no signed call */
        bm_jw_end(&w);
    } else {
        printf("%s  %-29s  rssi %d dBm\n", uuid, dev->name, dev->rssi);
    }
    fflush(stdout);
}

static int cmd_scan(const struct prov_opts *o)
{
    struct prov_session s;
    int rc = prov_open(&s, o, false);
    if (rc)
        return rc;
    struct scan_ctx c = {.s = &s};
    bm_prov_scan_start(s.node, on_scan, &c);
    bool tty = isatty(STDERR_FILENO);
    uint64_t t0 = bm_posix_now_ms();
    uint32_t total_ms = o->scan_s * 1000;
    for (uint32_t sec = 0;; sec++) {
        uint64_t now = bm_posix_now_ms();
        if (now - t0 >= total_ms)
            break;
        uint32_t left = total_ms - (uint32_t)(now - t0);
        fprintf(stderr, "%sscanning: %u/%u s, %d device(s)%s", tty ? "\r" : "", sec, o->scan_s,
                c.found, tty ? "" : "\n");
        fflush(stderr);
        bm_posix_run_for(s.px, s.node, left < 1000 ? left : 1000);
        if (bm_posix_signal(s.px))
            break;
    }
    fprintf(stderr, "%sscan done: %d device(s)%s\n", tty ? "\r" : "", c.found,
            tty ? "          " : "");
    bm_prov_scan_stop(s.node);
    return prov_close(&s, true);
}

/* --- provision --- */

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct prov_session *s = user;
    s->prov = *r;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        s->oob_needed = true;
    else
        s->waiting = false;
    bm_posix_stop(s->px);
}

static const char *oob_action_name(uint8_t a)
{
    static const char *const names[] = {"blink", "beep", "vibrate", "number", "string"};
    return a < 5 ? names[a] : "?";
}

/* The Output OOB value: from --oob-value, or read from stdin. */
static int oob_value(struct prov_session *s, char *out, size_t size)
{
    const char *v = s->o->oob_value;
    if (v && strcmp(v, "-") != 0) {
        snprintf(out, size, "%s", v);
        return 0;
    }
    if (!v && !isatty(STDIN_FILENO))
        return -1;
    fprintf(stderr, "provision: enter the %s the device shows (%u %s): ",
            s->prov.oob_action == 4 ? "string" : "number", s->prov.oob_size,
            s->prov.oob_action == 4 ? "characters" : "digits at most");
    fflush(stderr);
    if (!fgets(out, (int)size, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

static int cmd_provision(const struct prov_opts *o, int argc, char **args)
{
    if (argc != 1)
        bm_cli_fail("prov provision", "expected one UUID (32 hex digits)");
    uint8_t uuid[16];
    bm_cli_uuid("prov provision", "UUID", args[0], uuid);
    struct prov_session s;
    int rc = prov_open(&s, o, false);
    if (rc)
        return rc;
    struct cdb *db = s.db;
    struct cdb_node *known = cdb_node_by_uuid(db, uuid);
    if (known) {
        uint16_t a = known->addr;
        prov_close(&s, false);
        return prov_fail("provision", "already in the database at 0x%04x (reset it first)", a);
    }
    if (db->nnodes >= CDB_MAX_NODES) {
        prov_close(&s, false);
        return prov_fail("provision", "the database is full (%d nodes)", CDB_MAX_NODES);
    }
    uint16_t addr = db->next_unicast;
    if (addr < db->uni_low || addr > db->uni_high) {
        prov_close(&s, false);
        return prov_fail("provision", "no unicast address left in 0x%04x..0x%04x", db->uni_low,
                         db->uni_high);
    }
    /* Reserve the address first: if this process dies after the device
     * took it, the next attempt must not give it to another device (its
     * sequence numbers would start again from 0). */
    db->next_unicast = (uint16_t)(addr + 1);
    if (prov_save(&s) != 0) {
        prov_close(&s, false);
        return PROV_EXIT_FAIL;
    }
    bm_glue_prov_set_next_addr(s.node, addr);
    char uuid_hex[33];
    bm_cli_hex_str(uuid, 16, uuid_hex);
    fprintf(stderr, "provision: %s -> address 0x%04x\n", uuid_hex, addr);
    s.progress = true;
    s.waiting = true;
    rc = bm_prov_provision(s.node, uuid, NULL, on_provision, &s);
    if (rc != BM_OK) {
        prov_close(&s, true);
        return prov_fail("provision", "cannot start: %s", bm_strerror(rc));
    }
    uint32_t timeout_ms = (o->timeout_s ? o->timeout_s : 90) * 1000;
    for (;;) {
        rc = prov_wait(&s, timeout_ms);
        if (rc != BM_OK || !s.oob_needed)
            break;
        s.oob_needed = false;
        fprintf(stderr, "provision: the device uses Output OOB (%s, %u)\n",
                oob_action_name(s.prov.oob_action), s.prov.oob_size);
        char v[32];
        if (oob_value(&s, v, sizeof(v)) != 0) {
            prov_close(&s, true);
            return prov_fail("provision",
                             "the device shows an Output OOB value: pass it with --oob-value V");
        }
        int irc = bm_prov_input_oob(s.node, v);
        memset(v, 0, sizeof(v));
        if (irc != BM_OK) {
            prov_close(&s, true);
            return prov_fail("provision", "the OOB value does not fit the device's action "
                                          "and size");
        }
    }
    if (rc != BM_OK || s.prov.event != BM_PROVISION_EVT_COMPLETE) {
        int err = rc != BM_OK ? rc : s.prov.err;
        uint8_t reason = s.prov.reason;
        prov_close(&s, true);
        if (rc == BM_ESTATE)
            return prov_fail("provision", "interrupted");
        return prov_fail("provision", "failed: %s%s (reason 0x%02x)", bm_strerror(err),
                         err == BM_EAUTH ? " (wrong OOB value?)" : "", reason);
    }
    struct cdb_node *n = &db->nodes[db->nnodes];
    memset(n, 0, sizeof(*n));
    memcpy(n->uuid, uuid, 16);
    n->addr = s.prov.addr;
    n->elements_known = s.prov.elements ? s.prov.elements : 1;
    if (bm_glue_dev_key(s.node, n->addr, n->dev_key) != BM_OK) {
        prov_close(&s, true);
        return prov_fail("provision", "the device key of 0x%04x is missing", n->addr);
    }
    if (o->name)
        snprintf(n->name, sizeof(n->name), "%s", o->name);
    n->secure = true;
    n->nnet = 1;
    n->net_keys[0] = db->net[0].index;
    n->relay = n->proxy = n->friend_ = n->low_power = CDB_UNKNOWN;
    n->default_ttl = n->beacon = CDB_UNKNOWN;
    n->relay_count = n->relay_interval_ms = CDB_UNKNOWN;
    db->nnodes++;
    uint32_t next = (uint32_t)n->addr + n->elements_known;
    if (next > db->next_unicast)
        db->next_unicast = (uint16_t)(next <= 0x7fff ? next : 0x7fff);
    uint16_t paddr = n->addr;
    uint8_t elems = n->elements_known;
    uint8_t alg = s.prov.algorithm;
    if (prov_close(&s, true) != 0)
        return PROV_EXIT_FAIL;
    if (o->json) {
        struct bm_jw w;
        bm_jw_begin(&w, stdout);
        bm_jw_str(&w, "uuid", uuid_hex);
        bm_jw_uint(&w, "address", paddr);
        bm_jw_uint(&w, "elements", elems);
        bm_jw_str(&w, "algorithm", alg == BM_PROV_ALG_HMAC_SHA256 ? "HMAC-SHA256" : "CMAC-AES128");
        bm_jw_end(&w);
    } else {
        printf("provisioned %s: address 0x%04x, %u element(s), %s\n", uuid_hex, paddr, elems,
               alg == BM_PROV_ALG_HMAC_SHA256 ? "HMAC-SHA256" : "CMAC-AES128");
    }
    return 0;
}

/* --- database-only commands --- */

static int load_only(const struct prov_opts *o, struct cdb *db, const char *cmd)
{
    char err[256];
    if (cdb_load(db, o->db_path, err, sizeof(err)) != 0)
        return prov_fail(cmd, "%s: %s", o->db_path, err);
    return 0;
}

static int cmd_nodes(const struct prov_opts *o)
{
    struct cdb *db = calloc(1, sizeof(*db));
    if (!db)
        return prov_fail("nodes", "out of memory");
    int rc = load_only(o, db, "nodes");
    for (int i = 0; rc == 0 && i < db->nnodes; i++) {
        const struct cdb_node *n = &db->nodes[i];
        char uuid[33];
        bm_cli_hex_str(n->uuid, 16, uuid);
        bool self = memcmp(n->uuid, db->prov_uuid, 16) == 0;
        if (o->json) {
            struct bm_jw w;
            bm_jw_begin(&w, stdout);
            bm_jw_uint(&w, "address", n->addr);
            bm_jw_str(&w, "uuid", uuid);
            bm_jw_str(&w, "name", n->name);
            bm_jw_uint(&w, "elements", n->elements_known);
            bm_jw_bool(&w, "provisioner", self);
            bm_jw_bool(&w, "config_complete", n->config_complete);
            bm_jw_uint(&w, "app_keys", n->napp);
            bm_jw_end(&w);
        } else {
            printf("0x%04x  %s  %-20s  %u element(s)%s%s\n", n->addr, uuid,
                   n->name[0] ? n->name : "-", n->elements_known, self ? "  (this provisioner)" : "",
                   n->config_complete ? "  configured" : "");
        }
    }
    memset(db, 0, sizeof(*db));
    free(db);
    return rc;
}

static int cmd_export(const struct prov_opts *o)
{
    struct cdb *db = calloc(1, sizeof(*db));
    if (!db)
        return prov_fail("export", "out of memory");
    int rc = load_only(o, db, "export");
    if (rc == 0) {
        char *text = cdb_to_json(db);
        if (!text) {
            rc = prov_fail("export", "out of memory");
        } else {
            /* --json: the same text on one line would not be the format's
             * usual layout; export is JSON either way */
            puts(text);
            memset(text, 0, strlen(text));
            free(text);
        }
    }
    memset(db, 0, sizeof(*db));
    free(db);
    return rc;
}

static int cmd_import(const struct prov_opts *o, int argc, char **args)
{
    if (argc != 1)
        bm_cli_fail("prov import", "expected one file (a Mesh Configuration Database)");
    struct stat st;
    if (stat(o->db_path, &st) == 0 && !o->force)
        return prov_fail("import", "%s exists (use --force to replace it)", o->db_path);
    struct cdb *db = calloc(1, sizeof(*db));
    if (!db)
        return prov_fail("import", "out of memory");
    char err[256];
    int rc = 0;
    if (cdb_load(db, args[0], err, sizeof(err)) != 0) {
        rc = prov_fail("import", "%s", err);
    } else {
        /* hold the database's lock while replacing it */
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s.d", o->db_path);
        struct bm_posix_store *lock = NULL;
        int lrc = bm_posix_store_open(&lock, dir, NULL);
        if (lrc == BM_EBUSY)
            rc = prov_fail("import", "the database is in use by another blemesh prov");
        else if (lrc != BM_OK)
            rc = prov_fail("import", "cannot open %s: %s", dir, bm_strerror(lrc));
        else if (cdb_save(db, o->db_path, err, sizeof(err)) != 0)
            rc = prov_fail("import", "%s", err);
        bm_posix_store_close(lock);
    }
    if (rc == 0) {
        if (o->json) {
            struct bm_jw w;
            bm_jw_begin(&w, stdout);
            bm_jw_str(&w, "imported", o->db_path);
            bm_jw_uint(&w, "nodes", db->nnodes);
            bm_jw_uint(&w, "net_keys", db->nnet);
            bm_jw_uint(&w, "app_keys", db->napp);
            bm_jw_end(&w);
        } else {
            printf("imported %u node(s), %u NetKey(s), %u AppKey(s) into %s (mode 0600)\n",
                   db->nnodes, db->nnet, db->napp, o->db_path);
        }
    }
    memset(db, 0, sizeof(*db));
    free(db);
    return rc;
}

/* --- parsing and dispatch --- */

int bm_cli_prov(int argc, char **argv, int first)
{
    static const struct bm_cli_opt opts[] = {
        {"db", true},          {"json", false},       {"verbose", false},  {"help", false},
        {"oob-value", true},   {"name", true},        {"app-idx", true},   {"element", true},
        {"ttl", true},         {"period-ms", true},   {"retransmit", true}, {"count", true},
        {"interval-ms", true}, {"time", true},        {"timeout", true},   {"force", false},
        BM_AIR_OPTS};
    struct prov_opts o = {.element = -1,
                          .ttl = -1,
                          .retx_count = -1,
                          .retx_interval_ms = -1,
                          .count = -1,
                          .interval_ms = -1,
                          .scan_s = 12};
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, "prov", argc, argv, first, opts, sizeof(opts) / sizeof(opts[0]));
    char *pos[MAX_POSITIONAL];
    int npos = 0;
    const char *name, *value;
    enum bm_cli_kind k;
    while ((k = bm_cli_next(&it, &name, &value)) != BM_CLI_END) {
        if (k == BM_CLI_POSITIONAL) {
            if (npos >= MAX_POSITIONAL)
                bm_cli_fail("prov", "too many arguments");
            pos[npos++] = (char *)value;
            continue;
        }
        if (bm_air_opt("prov", name, value, &o.air))
            continue;
        if (strcmp(name, "help") == 0) {
            bm_cli_prov_help(stdout);
            return 0;
        } else if (strcmp(name, "db") == 0) {
            o.db_path = value;
        } else if (strcmp(name, "json") == 0) {
            o.json = true;
        } else if (strcmp(name, "verbose") == 0) {
            o.verbose = true;
        } else if (strcmp(name, "oob-value") == 0) {
            if (strlen(value) == 0 || strlen(value) > 8)
                bm_cli_fail("prov", "--oob-value: 1..8 characters (or - for stdin)");
            o.oob_value = value;
        } else if (strcmp(name, "name") == 0) {
            if (strlen(value) >= CDB_NAME_MAX)
                bm_cli_fail("prov", "--name: at most %d characters", CDB_NAME_MAX - 1);
            o.name = value;
        } else if (strcmp(name, "app-idx") == 0) {
            o.app_idx = bm_cli_uint("prov", "--app-idx", value, 4095);
        } else if (strcmp(name, "element") == 0) {
            o.element = (int)bm_cli_uint("prov", "--element", value, 0x7fff);
            if (o.element == 0)
                bm_cli_fail("prov", "--element: a unicast address 0x0001..0x7fff");
        } else if (strcmp(name, "ttl") == 0) {
            o.ttl = (int)bm_cli_uint("prov", "--ttl", value, 255);
            if (o.ttl > 127 && o.ttl != 255)
                bm_cli_fail("prov", "--ttl: 0..127, or 255 for the node's default");
        } else if (strcmp(name, "period-ms") == 0) {
            o.period_ms = bm_cli_uint("prov", "--period-ms", value, 63u * 600000u);
        } else if (strcmp(name, "retransmit") == 0) {
            const char *iv;
            size_t n = bm_cli_split_colon(value, &iv);
            char cbuf[8];
            if (!iv || n == 0 || n >= sizeof(cbuf))
                bm_cli_fail("prov", "--retransmit: expected COUNT:INTERVAL_MS");
            memcpy(cbuf, value, n);
            cbuf[n] = 0;
            o.retx_count = (int)bm_cli_uint("prov", "--retransmit COUNT", cbuf, 7);
            o.retx_interval_ms = (int)bm_cli_uint("prov", "--retransmit INTERVAL_MS", iv, 1600);
            if (o.retx_interval_ms < 50 || o.retx_interval_ms % 50)
                bm_cli_fail("prov", "--retransmit: the interval is 50..1600 ms in steps of 50");
        } else if (strcmp(name, "count") == 0) {
            o.count = (int)bm_cli_uint("prov", "--count", value, 8);
            if (o.count < 1)
                bm_cli_fail("prov", "--count: 1..8 transmissions");
        } else if (strcmp(name, "interval-ms") == 0) {
            o.interval_ms = (int)bm_cli_uint("prov", "--interval-ms", value, 320);
            if (o.interval_ms < 10 || o.interval_ms % 10)
                bm_cli_fail("prov", "--interval-ms: 10..320 in steps of 10");
        } else if (strcmp(name, "time") == 0) {
            o.scan_s = bm_cli_uint("prov", "--time", value, 3600);
            if (o.scan_s == 0)
                bm_cli_fail("prov", "--time: 1..3600 seconds");
        } else if (strcmp(name, "timeout") == 0) {
            o.timeout_s = bm_cli_uint("prov", "--timeout", value, 3600);
            if (o.timeout_s == 0)
                bm_cli_fail("prov", "--timeout: 1..3600 seconds");
        } else if (strcmp(name, "force") == 0) {
            o.force = true;
        }
    }
    if (npos == 0)
        bm_cli_fail("prov", "a command is required (see blemesh prov --help)");
    if (!o.db_path)
        bm_cli_fail("prov", "--db FILE is required");
    const char *cmd = pos[0];
    int nargs = npos - 1;
    char **args = pos + 1;
    if (strcmp(cmd, "create") == 0 || strcmp(cmd, "scan") == 0 || strcmp(cmd, "nodes") == 0 ||
        strcmp(cmd, "export") == 0) {
        if (nargs)
            bm_cli_fail("prov", "%s takes no arguments", cmd);
    }
    if (strcmp(cmd, "create") == 0)
        return cmd_create(&o);
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(&o);
    if (strcmp(cmd, "provision") == 0)
        return cmd_provision(&o, nargs, args);
    if (strcmp(cmd, "config") == 0)
        return prov_cmd_config(&o, nargs, args);
    if (strcmp(cmd, "onoff") == 0)
        return prov_cmd_onoff(&o, nargs, args);
    if (strcmp(cmd, "level") == 0)
        return prov_cmd_level(&o, nargs, args);
    if (strcmp(cmd, "nodes") == 0)
        return cmd_nodes(&o);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(&o);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&o, nargs, args);
    bm_cli_fail("prov", "unknown command \"%s\" (see blemesh prov --help)",
                bm_cli_echo_ok(cmd, strlen(cmd)) ? cmd : "...");
}
