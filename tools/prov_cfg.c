/* blemesh prov config / onoff / level: one request to one node, through
 * the provisioner's Configuration Client (device key from the database)
 * or its Generic OnOff / Level Clients (AppKey from the database). The
 * client retries an unanswered request itself; the command waits for the
 * Status, records in the database what the node confirmed, and prints it.
 *
 * The database changes only on a Success status, so it says what the
 * node holds, not what was asked. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/cfg_client.h"
#include "cli_args.h"
#include "json_out.h"
#include "models/models.h"
#include "prov_glue.h"
#include "prov_session.h"

static const char *const status_names[] = {
    "Success",
    "Invalid Address",
    "Invalid Model",
    "Invalid AppKey Index",
    "Invalid NetKey Index",
    "Insufficient Resources",
    "Key Index Already Stored",
    "Invalid Publish Parameters",
    "Not a Subscribe Model",
    "Storage Failure",
    "Feature Not Supported",
    "Cannot Update",
    "Cannot Remove",
    "Cannot Bind",
    "Temporarily Unable to Change State",
    "Cannot Set",
    "Unspecified Error",
    "Invalid Binding",
};

static const char *status_name(uint8_t st)
{
    return st < sizeof(status_names) / sizeof(status_names[0]) ? status_names[st] : "RFU";
}

/* A MODEL argument: a name, 4 hex digits (SIG) or 8 (vendor). */
static void model_arg(const char *s, uint16_t *company, uint16_t *id)
{
    static const struct {
        const char *name;
        uint16_t id;
    } names[] = {{"config-server", BM_MODEL_CFG_SRV}, {"config-client", BM_MODEL_CFG_CLI},
                 {"health-server", BM_MODEL_HEALTH_SRV}, {"health-client", BM_MODEL_HEALTH_CLI},
                 {"onoff-server", BM_MODEL_ONOFF_SRV}, {"onoff-client", BM_MODEL_ONOFF_CLI},
                 {"level-server", BM_MODEL_LEVEL_SRV}, {"level-client", BM_MODEL_LEVEL_CLI}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *company = BM_CFG_SIG;
            *id = names[i].id;
            return;
        }
    }
    if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
        s += 2;
    uint8_t b[4];
    size_t len = strlen(s);
    if ((len == 4 || len == 8) && bm_cli_parse_hex(s, len, b, 4) == (int)len / 2) {
        if (len == 4) {
            *company = BM_CFG_SIG;
            *id = (uint16_t)(b[0] << 8 | b[1]);
        } else {
            *company = (uint16_t)(b[0] << 8 | b[1]);
            *id = (uint16_t)(b[2] << 8 | b[3]);
        }
        return;
    }
    bm_cli_fail("prov config", "MODEL: a model name (onoff-server, ...), 4 hex digits (SIG) or 8 "
                               "(vendor)");
}

static int on_off_get(const char *cmd, const char *s)
{
    if (strcmp(s, "on") == 0)
        return 1;
    if (strcmp(s, "off") == 0)
        return 0;
    if (strcmp(s, "get") == 0)
        return -1;
    char c[64];
    snprintf(c, sizeof(c), "prov config %s", cmd);
    bm_cli_fail(c, "expected on, off or get");
}

static void need_args(int argc, int n, const char *usage)
{
    if (argc != n)
        bm_cli_fail("prov config", "usage: config ADDR %s", usage);
}

/* Runs the request just sent (rc is what sending returned). Returns 0 with
 * s->rsp filled, or prints why not and returns PROV_EXIT_FAIL. */
static int run_request(struct prov_session *s, int rc, const char *what, uint16_t dst)
{
    if (rc != BM_OK)
        return prov_fail("config", "%s to 0x%04x: %s", what, dst, bm_strerror(rc));
    s->waiting = true;
    uint32_t t = s->o->timeout_s ? s->o->timeout_s * 1000 : 30000;
    rc = prov_wait(s, t);
    if (rc == BM_ESTATE)
        return prov_fail("config", "%s to 0x%04x: interrupted", what, dst);
    if (rc != BM_OK || s->rsp.err != BM_OK)
        return prov_fail("config", "%s to 0x%04x: %s", what, dst,
                         bm_strerror(rc != BM_OK ? rc : s->rsp.err));
    return 0;
}

static int status_ok(const struct prov_session *s, const char *what, uint16_t dst)
{
    if (s->rsp.status == BM_CFG_ST_SUCCESS)
        return 0;
    return prov_fail("config", "%s to 0x%04x: status %s (0x%02x)", what, dst,
                     status_name(s->rsp.status), s->rsp.status);
}

/* Prints the outcome: "0x0002 <what>: <detail>" or one JSON object. */
static void report(const struct prov_session *s, uint16_t dst, const char *what,
                   const char *detail_key, int detail)
{
    if (s->o->json) {
        struct bm_jw w;
        bm_jw_begin(&w, stdout);
        bm_jw_uint(&w, "address", dst);
        bm_jw_str(&w, "request", what);
        bm_jw_uint(&w, "status", s->rsp.status);
        bm_jw_str(&w, "status_name", status_name(s->rsp.status));
        if (detail_key)
            bm_jw_uint(&w, detail_key, (uint32_t)detail);
        bm_jw_end(&w);
    } else if (detail_key) {
        printf("0x%04x %s: %s, %s %d\n", dst, what, status_name(s->rsp.status), detail_key,
               detail);
    } else {
        printf("0x%04x %s: %s\n", dst, what, status_name(s->rsp.status));
    }
}

static void read_composition(struct cdb_node *n, const struct bm_cfg_comp *c)
{
    n->has_comp = true;
    n->cid = c->cid;
    n->pid = c->pid;
    n->vid = c->vid;
    n->crpl = c->crpl;
    /* 4.2.1.1 Features: supported (1 -> state unknown here, kept as 1 if
     * not known) or not (2) */
    int *feat[4] = {&n->relay, &n->proxy, &n->friend_, &n->low_power};
    for (int i = 0; i < 4; i++) {
        bool sup = (c->features >> i) & 1;
        if (!sup)
            *feat[i] = 2;
        else if (*feat[i] == CDB_UNKNOWN || *feat[i] == 2)
            *feat[i] = 1;
    }
    for (uint8_t e = 0; e < c->elem_count && e < CDB_MAX_ELEMS; e++) {
        struct cdb_element *el = cdb_element(n, (uint16_t)(n->addr + e));
        if (!el)
            break;
        el->location = c->elems[e].loc;
        for (uint8_t m = 0; m < c->elems[e].nsig && m < BM_CFG_CLI_COMP_MODELS; m++)
            cdb_model(el, CDB_SIG, c->elems[e].sig[m]);
        for (uint8_t m = 0; m < c->elems[e].nvnd && m < BM_CFG_CLI_COMP_MODELS; m++)
            cdb_model(el, c->elems[e].vnd[m].company, c->elems[e].vnd[m].id);
    }
    if (c->elem_count > n->elements_known)
        n->elements_known = c->elem_count;
}

int prov_cmd_config(const struct prov_opts *o, int argc, char **args)
{
    if (argc < 2)
        bm_cli_fail("prov config", "usage: config ADDR <appkey-add|bind|pub-set|sub-add|relay|"
                                   "proxy|beacon|ttl|composition|reset> ...");
    uint16_t dst = prov_addr_arg("config", "ADDR", args[0]);
    if (dst > 0x7fff)
        bm_cli_fail("prov config", "ADDR: a node's unicast address");
    const char *sub = args[1];
    argc -= 2;
    args += 2;
    /* parse everything before touching the air */
    uint16_t company = 0, id = 0, addr2 = 0;
    int onoff = -1, ttl = -1;
    uint16_t app_idx = 0;
    if (strcmp(sub, "appkey-add") == 0) {
        if (argc > 1)
            bm_cli_fail("prov config", "usage: config ADDR appkey-add [IDX]");
        app_idx = argc ? (uint16_t)bm_cli_uint("prov config", "IDX", args[0], 4095)
                       : (uint16_t)o->app_idx;
    } else if (strcmp(sub, "bind") == 0) {
        need_args(argc, 1, "bind MODEL [--app-idx I] [--element ADDR]");
        model_arg(args[0], &company, &id);
        app_idx = (uint16_t)o->app_idx;
    } else if (strcmp(sub, "pub-set") == 0) {
        need_args(argc, 2, "pub-set MODEL PUBADDR [options]");
        model_arg(args[0], &company, &id);
        addr2 = prov_addr_arg("config", "PUBADDR", args[1]);
        if (addr2 >= 0x8000 && addr2 < 0xc000)
            bm_cli_fail("prov config", "PUBADDR: virtual addresses need a Label UUID (not "
                                       "supported here)");
        app_idx = (uint16_t)o->app_idx;
    } else if (strcmp(sub, "sub-add") == 0) {
        need_args(argc, 2, "sub-add MODEL GROUP [--element ADDR]");
        model_arg(args[0], &company, &id);
        addr2 = prov_addr_arg("config", "GROUP", args[1]);
        if (addr2 < 0xc000 || addr2 == 0xffff)
            bm_cli_fail("prov config", "GROUP: a group address 0xc000..0xfffe");
    } else if (strcmp(sub, "relay") == 0 || strcmp(sub, "proxy") == 0 ||
               strcmp(sub, "beacon") == 0) {
        need_args(argc, 1, "relay|proxy|beacon on|off|get");
        onoff = on_off_get(sub, args[0]);
    } else if (strcmp(sub, "ttl") == 0) {
        need_args(argc, 1, "ttl N|get");
        if (strcmp(args[0], "get") != 0) {
            ttl = (int)bm_cli_uint("prov config", "TTL", args[0], 127);
            if (ttl == 1)
                bm_cli_fail("prov config", "TTL: 0 or 2..127");
        }
    } else if (strcmp(sub, "composition") == 0 || strcmp(sub, "reset") == 0) {
        need_args(argc, 0, sub);
    } else {
        bm_cli_fail("prov config", "unknown request \"%s\" (see blemesh prov --help)",
                    bm_cli_echo_ok(sub, strlen(sub)) ? sub : "...");
    }

    struct prov_session s;
    int rc = prov_open(&s, o, false);
    if (rc)
        return rc;
    struct cdb *db = s.db;
    struct cdb_node *n = cdb_node_by_addr(db, dst);
    if (!n || n->addr != dst) {
        prov_close(&s, false);
        return prov_fail("config", "0x%04x is not a node's primary address in the database",
                         dst);
    }
    uint16_t elem = o->element > 0 ? (uint16_t)o->element : dst;
    if (elem < n->addr || elem >= n->addr + n->elements_known) {
        prov_close(&s, false);
        return prov_fail("config", "--element 0x%04x is not an element of 0x%04x", elem, dst);
    }
    struct bm_cfg_model_id mid = {company, id};
    struct bm_node *node = s.node;
    int fail = 0;
    if (strcmp(sub, "appkey-add") == 0) {
        struct cdb_appkey *ak = cdb_appkey(db, app_idx);
        if (!ak) {
            prov_close(&s, false);
            return prov_fail("config", "no AppKey %u in the database", app_idx);
        }
        fail = run_request(&s, bm_cfg_app_key_add(node, dst, ak->bound_net, app_idx, ak->key),
                           "AppKey Add", dst);
        if (!fail && !(fail = status_ok(&s, "AppKey Add", dst))) {
            cdb_set_add(n->app_keys, &n->napp, CDB_MAX_APPKEYS, app_idx);
            report(&s, dst, "appkey-add", "app_idx", app_idx);
        }
    } else if (strcmp(sub, "bind") == 0) {
        fail = run_request(&s, bm_cfg_app_bind(node, dst, elem, app_idx, mid), "Model App Bind",
                           dst);
        if (!fail && !(fail = status_ok(&s, "Model App Bind", dst))) {
            struct cdb_element *e = cdb_element(n, elem);
            struct cdb_model *m = e ? cdb_model(e, company, id) : NULL;
            if (m)
                cdb_set_add(m->bind, &m->nbind, CDB_MAX_BIND, app_idx);
            n->config_complete = true;
            report(&s, dst, "bind", "app_idx", app_idx);
        }
    } else if (strcmp(sub, "pub-set") == 0) {
        /* Publish Period (4.2.2.2): the coarsest resolution that is exact
         * enough, steps 0..63 */
        uint8_t period = 0;
        uint32_t res_ms = 100;
        if (o->period_ms) {
            static const uint32_t res[4] = {100, 1000, 10000, 600000};
            int r = 0;
            while (r < 3 && o->period_ms / res[r] > 63)
                r++;
            uint32_t steps = o->period_ms / res[r];
            if (steps > 63)
                steps = 63;
            period = (uint8_t)(r << 6 | steps);
            res_ms = res[r];
        }
        struct bm_cfg_pub pub = {
            .elem_addr = elem,
            .model = mid,
            .addr = addr2,
            .app_idx = app_idx,
            .ttl = (uint8_t)(o->ttl >= 0 ? o->ttl : 0xff),
            .period = period,
            .retx_count = (uint8_t)(o->retx_count >= 0 ? o->retx_count : 0),
            .retx_steps = (uint8_t)(o->retx_interval_ms >= 50 ? o->retx_interval_ms / 50 - 1 : 0),
        };
        fail = run_request(&s, bm_cfg_pub_set(node, dst, &pub), "Model Publication Set", dst);
        if (!fail && !(fail = status_ok(&s, "Model Publication Set", dst))) {
            struct cdb_element *e = cdb_element(n, elem);
            struct cdb_model *m = e ? cdb_model(e, company, id) : NULL;
            if (m) {
                m->pub = (struct cdb_pub){.set = true,
                                          .addr = addr2,
                                          .index = app_idx,
                                          .ttl = pub.ttl,
                                          .steps = (uint8_t)(period & 0x3f),
                                          .resolution_ms = res_ms,
                                          .retx_count = pub.retx_count,
                                          .retx_interval_ms =
                                              (uint16_t)((pub.retx_steps + 1) * 50)};
            }
            report(&s, dst, "pub-set", "publish_address", addr2);
        }
    } else if (strcmp(sub, "sub-add") == 0) {
        fail = run_request(&s, bm_cfg_sub_add(node, dst, elem, addr2, mid),
                           "Model Subscription Add", dst);
        if (!fail && !(fail = status_ok(&s, "Model Subscription Add", dst))) {
            struct cdb_element *e = cdb_element(n, elem);
            struct cdb_model *m = e ? cdb_model(e, company, id) : NULL;
            if (m)
                cdb_set_add(m->sub, &m->nsub, CDB_MAX_SUBS, addr2);
            report(&s, dst, "sub-add", "group", addr2);
        }
    } else if (strcmp(sub, "relay") == 0) {
        int count = o->count > 0 ? o->count : 2;
        int iv = o->interval_ms > 0 ? o->interval_ms : 20;
        fail = run_request(&s,
                           onoff < 0 ? bm_cfg_relay_get(node, dst)
                                     : bm_cfg_relay_set(node, dst, (uint8_t)onoff,
                                                        (uint8_t)(count - 1),
                                                        (uint8_t)(iv / 10 - 1)),
                           "Config Relay", dst);
        if (!fail) {
            uint8_t state = s.rsp.u.xmit.state;
            n->relay = state <= 2 ? state : CDB_UNKNOWN;
            n->relay_count = s.rsp.u.xmit.count + 1;
            n->relay_interval_ms = (s.rsp.u.xmit.steps + 1) * 10;
            if (onoff >= 0 && state != onoff)
                fail = prov_fail("config", "relay of 0x%04x is %s", dst,
                                 state == 2 ? "not supported" : "unchanged");
            else
                report(&s, dst, "relay", "relay", state);
        }
    } else if (strcmp(sub, "proxy") == 0 || strcmp(sub, "beacon") == 0) {
        bool proxy = strcmp(sub, "proxy") == 0;
        int src = proxy ? (onoff < 0 ? bm_cfg_proxy_get(node, dst)
                                     : bm_cfg_proxy_set(node, dst, (uint8_t)onoff))
                        : (onoff < 0 ? bm_cfg_beacon_get(node, dst)
                                     : bm_cfg_beacon_set(node, dst, (uint8_t)onoff));
        fail = run_request(&s, src, proxy ? "Config GATT Proxy" : "Config Beacon", dst);
        if (!fail) {
            uint8_t v = s.rsp.u.value;
            if (proxy)
                n->proxy = v <= 2 ? v : CDB_UNKNOWN;
            else
                n->beacon = v != 0;
            if (onoff >= 0 && v != onoff)
                fail = prov_fail("config", "%s of 0x%04x is %s", sub, dst,
                                 v == 2 ? "not supported" : "unchanged");
            else
                report(&s, dst, sub, sub, v);
        }
    } else if (strcmp(sub, "ttl") == 0) {
        fail = run_request(&s,
                           ttl < 0 ? bm_cfg_ttl_get(node, dst)
                                   : bm_cfg_ttl_set(node, dst, (uint8_t)ttl),
                           "Config Default TTL", dst);
        if (!fail) {
            n->default_ttl = s.rsp.u.value;
            if (ttl >= 0 && s.rsp.u.value != ttl)
                fail = prov_fail("config", "the default TTL of 0x%04x stayed %u", dst,
                                 s.rsp.u.value);
            else
                report(&s, dst, "ttl", "ttl", s.rsp.u.value);
        }
    } else if (strcmp(sub, "composition") == 0) {
        fail = run_request(&s, bm_cfg_comp_get(node, dst, 0), "Config Composition Data Get", dst);
        if (!fail) {
            read_composition(n, &s.rsp.u.comp);
            const struct bm_cfg_comp *c = &s.rsp.u.comp;
            if (o->json) {
                struct bm_jw w;
                bm_jw_begin(&w, stdout);
                bm_jw_uint(&w, "address", dst);
                bm_jw_str(&w, "request", "composition");
                bm_jw_uint(&w, "cid", c->cid);
                bm_jw_uint(&w, "pid", c->pid);
                bm_jw_uint(&w, "vid", c->vid);
                bm_jw_uint(&w, "crpl", c->crpl);
                bm_jw_uint(&w, "features", c->features);
                bm_jw_array_begin(&w, "elements");
                for (uint8_t e = 0; e < c->elem_count; e++) {
                    bm_jw_obj_begin(&w);
                    bm_jw_uint(&w, "location", c->elems[e].loc);
                    bm_jw_uint(&w, "sig_models", c->elems[e].nsig);
                    bm_jw_uint(&w, "vendor_models", c->elems[e].nvnd);
                    bm_jw_obj_end(&w);
                }
                bm_jw_array_end(&w);
                bm_jw_end(&w);
            } else {
                printf("0x%04x composition: CID 0x%04x PID 0x%04x VID 0x%04x CRPL %u features "
                       "0x%04x, %u element(s)\n",
                       dst, c->cid, c->pid, c->vid, c->crpl, c->features, c->elem_count);
                for (uint8_t e = 0; e < c->elem_count; e++) {
                    printf("  element 0x%04x:", dst + e);
                    for (uint8_t m = 0; m < c->elems[e].nsig && m < BM_CFG_CLI_COMP_MODELS; m++)
                        printf(" %04x", c->elems[e].sig[m]);
                    putchar('\n');
                }
            }
        }
    } else { /* reset */
        fail = run_request(&s, bm_cfg_node_reset(node, dst), "Config Node Reset", dst);
        if (!fail) {
            bm_glue_prov_node_del(node, dst);
            cdb_node_remove(db, dst);
            if (o->json) {
                struct bm_jw w;
                bm_jw_begin(&w, stdout);
                bm_jw_uint(&w, "address", dst);
                bm_jw_str(&w, "request", "reset");
                bm_jw_bool(&w, "removed", true);
                bm_jw_end(&w);
            } else {
                printf("0x%04x reset: the node is unprovisioned and left the database\n", dst);
            }
        }
    }
    int crc = prov_close(&s, true);
    return fail ? fail : crc;
}

/* --- onoff / level --- */

static int generic(const struct prov_opts *o, int argc, char **args, bool level)
{
    const char *cmd = level ? "level" : "onoff";
    char c[32];
    snprintf(c, sizeof(c), "prov %s", cmd);
    if (argc != 2)
        bm_cli_fail(c, level ? "usage: level ADDR VALUE|get" : "usage: onoff ADDR on|off|get");
    uint16_t dst = prov_addr_arg(cmd, "ADDR", args[0]);
    bool get = strcmp(args[1], "get") == 0;
    int32_t value = 0;
    if (!get && level) {
        char *end;
        long v = strtol(args[1], &end, 0);
        if (*args[1] == 0 || *end != 0 || v < -32768 || v > 32767)
            bm_cli_fail(c, "VALUE: -32768..32767 or get");
        value = (int32_t)v;
    } else if (!get) {
        if (strcmp(args[1], "on") == 0)
            value = 1;
        else if (strcmp(args[1], "off") != 0)
            bm_cli_fail(c, "expected on, off or get");
    }
    bool group = dst >= 0x8000;
    if (group && get)
        bm_cli_fail(c, "get needs a unicast address");
    struct prov_session s;
    int rc = prov_open(&s, o, false);
    if (rc)
        return rc;
    if (!cdb_appkey(s.db, (uint16_t)o->app_idx)) {
        prov_close(&s, false);
        return prov_fail(cmd, "no AppKey %u in the database", o->app_idx);
    }
    struct bm_model *cli = level ? s.level_cli : s.onoff_cli;
    s.waiting = !group;
    memset(&s.mev, 0, sizeof(s.mev));
    s.mev_src = group ? 0 : dst;
    if (get)
        rc = bm_glue_generic_get(s.node, cli, level, dst, (uint16_t)o->app_idx);
    else
        rc = bm_model_set_state(s.node, cli, value, dst, (uint16_t)o->app_idx, !group);
    if (rc != BM_OK) {
        prov_close(&s, true);
        return prov_fail(cmd, "0x%04x: %s", dst, bm_strerror(rc));
    }
    int fail = 0;
    if (!group) {
        rc = prov_wait(&s, o->timeout_s ? o->timeout_s * 1000 : 30000);
        if (rc == BM_ESTATE)
            fail = prov_fail(cmd, "0x%04x: interrupted", dst);
        else if (rc != BM_OK || s.mev.event == BM_EVT_TIMEOUT)
            fail = prov_fail(cmd, "0x%04x: no answer (is the model bound to AppKey %u?)", dst,
                             o->app_idx);
    }
    if (!fail) {
        int32_t v = group ? value : s.mev.value;
        uint16_t from = group ? dst : s.mev.src;
        if (o->json) {
            struct bm_jw w;
            bm_jw_begin(&w, stdout);
            bm_jw_uint(&w, "address", from);
            bm_jw_bool(&w, "acknowledged", !group);
            if (level)
                fprintf(stdout, ",\"level\":%" PRId32, v); /* signed */
            else
                bm_jw_uint(&w, "onoff", (uint32_t)v);
            bm_jw_end(&w);
        } else if (group) {
            printf("0x%04x: sent %s (unacknowledged)\n", dst,
                   level ? args[1] : (value ? "on" : "off"));
        } else if (level) {
            printf("0x%04x: level %" PRId32 "\n", from, v);
        } else {
            printf("0x%04x: %s\n", from, v ? "on" : "off");
        }
    }
    int crc = prov_close(&s, true);
    return fail ? fail : crc;
}

int prov_cmd_onoff(const struct prov_opts *o, int argc, char **args)
{
    return generic(o, argc, args, false);
}

int prov_cmd_level(const struct prov_opts *o, int argc, char **args)
{
    return generic(o, argc, args, true);
}
