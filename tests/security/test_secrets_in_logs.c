/* No secret in any log line, at any level (STYLE.md "Never log keys",
 * platform.h "Lines never contain key material"): a full scenario in the
 * simulated air with the log sink taking every level (bm_sim_set_log):
 * a provisioner provisions a device with Output OOB (6 digits) and one
 * with No OOB over PB-ADV, adds an AppKey to both, binds Generic OnOff
 * server and client, the client sets the server (acknowledged), a Config
 * Node Reset removes one device. Then every line is searched for every
 * secret: the NetKey and the keys derived from it, the AppKey, both device
 * keys, every ECDH private key, ECDH secret, ConfirmationKey and AuthValue
 * the provisioning links held (read from the link state after every 10 ms
 * of simulation, so every value they ever held is seen).
 *
 * A line is searched as hex (non-hex characters removed, lower case, so
 * "7d:d7 36..." counts) and as raw octets; for keys any 8 consecutive
 * octets count (a half key printed is a leak), for an AuthValue the whole
 * value (it is mostly zero padding). A planted line proves the search.
 *
 * Checked to fail without its defence (scratch copy, not committed): a
 * debug line printing half the NetKey in hex added to
 * bm_node_provisioned() (src/node/node_prov.c), and, separately, one
 * printing the link's AuthValue beside "output OOB action=" in
 * node_prov.c: the test failed on each. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/cfg_client.h"
#include "mesh_sim.h"
#include "node/node.h"
#include "test.h"

#define MAX_SECRETS 256
#define MAX_LINES 200000

static const uint8_t net_key[16] = {0x9a, 0x3e, 0x51, 0xc7, 0x0b, 0x64, 0xd2, 0x88,
                                    0x1f, 0xe5, 0x73, 0x2c, 0xb9, 0x46, 0x0d, 0xf1};
static const uint8_t app_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};

struct secret {
    char name[24];
    uint8_t v[32];
    size_t len;
    bool whole; /* match only the whole value (AuthValue) */
};

struct world {
    struct bm_sim *sim;
    struct test_node *pv, *d1, *d2;
    struct secret sec[MAX_SECRETS];
    int nsec;
    char **lines;
    size_t nlines;
    uint64_t levels[4];
    bool busy, oob_needed;
    struct bm_provision_result res;
    struct bm_cfg_rsp rsp;
    int onoff_status;
};

static void on_log(void *ctx, uint64_t now_ms, uint32_t node, enum bm_log_level level,
                   const char *layer, const char *line)
{
    struct world *w = ctx;
    if (w->nlines >= MAX_LINES)
        return;
    char buf[256];
    snprintf(buf, sizeof(buf), "%llu %u %d %s %s", (unsigned long long)now_ms, node, level,
             layer, line);
    size_t n = strlen(buf) + 1;
    char *copy = malloc(n);
    if (!copy)
        return;
    memcpy(copy, buf, n);
    w->lines[w->nlines++] = copy;
    if ((unsigned)level < 4)
        w->levels[level]++;
}

static bool all_zero_or_same(const uint8_t *v, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (v[i] != v[0])
            return false;
    return true;
}

static void add_secret(struct world *w, const char *name, const uint8_t *v, size_t len, bool whole)
{
    if (all_zero_or_same(v, len))
        return;
    for (int i = 0; i < w->nsec; i++)
        if (w->sec[i].len == len && memcmp(w->sec[i].v, v, len) == 0)
            return;
    if (w->nsec >= MAX_SECRETS)
        return;
    struct secret *s = &w->sec[w->nsec++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    memcpy(s->v, v, len);
    s->len = len;
    s->whole = whole;
}

/* Whatever a node's provisioning link holds right now. */
static void harvest(struct world *w, const struct test_node *n)
{
    const struct bm_prov_link *l = &n->node->link;
    add_secret(w, "ECDH private key", l->att.priv, sizeof(l->att.priv), false);
    add_secret(w, "ECDH secret", l->att.secret, sizeof(l->att.secret), false);
    add_secret(w, "ConfirmationKey", l->att.conf_key, sizeof(l->att.conf_key), false);
    if (l->auth_ready || !all_zero_or_same(l->att.auth, sizeof(l->att.auth)))
        add_secret(w, "AuthValue", l->att.auth, sizeof(l->att.auth), true);
}

static void step(struct world *w, uint64_t ms)
{
    for (uint64_t t = 0; t < ms; t += 10) {
        bm_sim_run_for(w->sim, 10);
        harvest(w, w->pv);
        harvest(w, w->d1);
        harvest(w, w->d2);
    }
}

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct world *w = user;
    w->res = *r;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        w->oob_needed = true;
    else
        w->busy = false;
}

static void on_rsp(void *user, const struct bm_cfg_rsp *rsp)
{
    struct world *w = user;
    w->rsp = *rsp;
    w->busy = false;
}

static void on_onoff(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct world *w = user;
    if (e->event == BM_EVT_STATUS)
        w->onoff_status++;
}

static void wait(struct world *w, uint64_t limit_ms)
{
    uint64_t t = 0;
    while ((w->busy && !w->oob_needed) && t < limit_ms) {
        step(w, 10);
        t += 10;
    }
}

static void provision(struct world *w, struct test_node *d)
{
    uint8_t uuid[16];
    CHECK_EQ(bm_get_uuid(d->node, uuid), BM_OK);
    w->busy = true;
    w->oob_needed = false;
    CHECK_EQ(bm_prov_provision(w->pv->node, uuid, NULL, on_provision, w), BM_OK);
    bm_sim_kick(w->sim, w->pv->id);
    wait(w, 60000);
    if (w->oob_needed) {
        w->oob_needed = false;
        CHECK_EQ(bm_prov_input_oob(w->pv->node, d->shown), BM_OK);
        bm_sim_kick(w->sim, w->pv->id);
        wait(w, 60000);
    }
    CHECK_EQ(w->res.event, BM_PROVISION_EVT_COMPLETE);
    step(w, 1000);
    CHECK(bm_node_is_provisioned(d->node));
}

static void cfg_req(struct world *w, int rc)
{
    CHECK_EQ(rc, BM_OK);
    w->busy = true;
    bm_sim_kick(w->sim, w->pv->id);
    wait(w, 60000);
    CHECK_EQ(w->rsp.err, BM_OK);
    CHECK_EQ(w->rsp.status, 0);
}

/* --- the search --- */

static void to_hex(const uint8_t *v, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", v[i]);
}

/* The line's hex digits only, lower case. */
static void hex_only(const char *line, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = line; *p && n + 1 < size; p++)
        if (isxdigit((unsigned char)*p))
            out[n++] = (char)tolower((unsigned char)*p);
    out[n] = 0;
}

/* Does line leak s? Fills why. */
static bool leaks(const char *line, const struct secret *s, char *why, size_t why_size)
{
    char hx[512], sh[65];
    hex_only(line, hx, sizeof(hx));
    to_hex(s->v, s->len, sh);
    size_t win = s->whole ? s->len : 8;
    for (size_t off = 0; off + win <= s->len; off++) {
        if (!s->whole && all_zero_or_same(s->v + off, win))
            continue;
        char pat[65];
        memcpy(pat, sh + 2 * off, 2 * win);
        pat[2 * win] = 0;
        if (strstr(hx, pat)) {
            snprintf(why, why_size, "%s (hex of octets %zu..%zu)", s->name, off, off + win - 1);
            return true;
        }
        size_t ll = strlen(line);
        for (size_t i = 0; i + win <= ll; i++)
            if (memcmp(line + i, s->v + off, win) == 0) {
                snprintf(why, why_size, "%s (raw octets)", s->name);
                return true;
            }
    }
    return false;
}

static int search(struct world *w)
{
    int hits = 0;
    for (size_t i = 0; i < w->nlines; i++)
        for (int k = 0; k < w->nsec; k++) {
            char why[96];
            if (leaks(w->lines[i], &w->sec[k], why, sizeof(why))) {
                if (hits++ < 10)
                    printf("    LEAK: %s in log line \"%s\"\n", why, w->lines[i]);
            }
        }
    return hits;
}

static void test_no_secret_in_any_log_line(void)
{
    struct world *w = calloc(1, sizeof(*w));
    CHECK(w != NULL);
    if (!w)
        return;
    w->lines = calloc(MAX_LINES, sizeof(char *));
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = 91;
    CHECK_EQ(bm_sim_create(&w->sim, &cfg), BM_OK);
    bm_sim_set_log(w->sim, on_log, w);
    CHECK_EQ(bm_sim_set_range(w->sim, 50.0, 0.9), BM_OK);
    w->pv = mesh_sim_add(w->sim);
    CHECK_EQ(bm_init(w->pv->node, "gateway", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_create_element(w->pv->node, true, BM_RELAY, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_prov_create_network(w->pv->node, net_key, 0, 0x01020304, 0x0001), BM_OK);
    CHECK_EQ(bm_cfg_cli_enable(w->pv->node, on_rsp, w), BM_OK);
    w->d1 = mesh_sim_add(w->sim);
    CHECK_EQ(mesh_sim_device(w->d1, "light", BM_OOB_OUTPUT), BM_OK);
    CHECK_EQ(bm_set_output_oob(w->d1->node, 1 << BM_OOB_ACT_NUMERIC, 6), BM_OK);
    w->d2 = mesh_sim_add(w->sim);
    CHECK_EQ(mesh_sim_device(w->d2, "switch", BM_OOB_NONE), BM_OK);
    struct bm_model *srv = NULL, *cli = NULL;
    CHECK_EQ(bm_add_model(w->d1->node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, on_onoff, w, 0, &srv),
             BM_OK);
    CHECK_EQ(bm_add_model(w->d2->node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, on_onoff, w, 0, &cli),
             BM_OK);
    bm_sim_set_position(w->sim, w->pv->id, 0, 0);
    bm_sim_set_position(w->sim, w->d1->id, 3, 0);
    bm_sim_set_position(w->sim, w->d2->id, 0, 3);

    provision(w, w->d1);
    provision(w, w->d2);
    uint16_t a1 = bm_node_addr(w->d1->node), a2 = bm_node_addr(w->d2->node);
    struct bm_cfg_model_id onoff_srv = {BM_CFG_SIG, 0x1000}, onoff_cli = {BM_CFG_SIG, 0x1001};
    cfg_req(w, bm_cfg_app_key_add(w->pv->node, a1, 0, 0, app_key));
    cfg_req(w, bm_cfg_app_key_add(w->pv->node, a2, 0, 0, app_key));
    cfg_req(w, bm_cfg_app_bind(w->pv->node, a1, a1, 0, onoff_srv));
    cfg_req(w, bm_cfg_app_bind(w->pv->node, a2, a2, 0, onoff_cli));
    for (int v = 1; v >= 0; v--) {
        CHECK_EQ(bm_model_set_state(w->d2->node, cli, v, a1, 0, true), BM_OK);
        bm_sim_kick(w->sim, w->d2->id);
        step(w, 2000);
    }
    CHECK(w->onoff_status >= 2);
    w->busy = true;
    CHECK_EQ(bm_cfg_node_reset(w->pv->node, a2), BM_OK);
    bm_sim_kick(w->sim, w->pv->id);
    wait(w, 60000);
    step(w, 3000);
    CHECK(!bm_node_is_provisioned(w->d2->node));

    /* the secrets */
    add_secret(w, "NetKey", net_key, 16, false);
    add_secret(w, "AppKey", app_key, 16, false);
    const uint8_t *dk1 = bm_node_dev_key(w->pv->node, a1);
    CHECK(dk1 != NULL);
    if (dk1)
        add_secret(w, "DevKey", dk1, 16, false);
    uint8_t dk2[16];
    for (size_t i = 0; i < BM_CFG_PROV_NODES; i++)
        if (w->pv->node->db[i].used && w->pv->node->db[i].addr == a2)
            memcpy(dk2, w->pv->node->db[i].dev_key, 16), add_secret(w, "DevKey", dk2, 16, false);
    const struct bm_net_keyset *ks = &w->pv->node->net.subnets[0].keys[0];
    add_secret(w, "EncryptionKey", ks->master.enc_key, 16, false);
    add_secret(w, "PrivacyKey", ks->master.privacy_key, 16, false);
    add_secret(w, "BeaconKey", ks->beacon_key, 16, false);
    add_secret(w, "IdentityKey", ks->identity_key, 16, false);
    int privs = 0, auths = 0;
    for (int k = 0; k < w->nsec; k++) {
        privs += strcmp(w->sec[k].name, "ECDH private key") == 0;
        auths += strcmp(w->sec[k].name, "AuthValue") == 0;
    }
    CHECK(privs >= 4); /* both sides of both provisionings */
    CHECK(auths >= 1); /* the Output OOB one (No OOB is all zero) */

    int hits = search(w);
    printf("    %zu log lines (err %llu, wrn %llu, inf %llu, dbg %llu), %d secrets (%d ECDH "
           "private keys, %d AuthValues): %d leaks\n",
           w->nlines, (unsigned long long)w->levels[0], (unsigned long long)w->levels[1],
           (unsigned long long)w->levels[2], (unsigned long long)w->levels[3], w->nsec, privs,
           auths, hits);
    CHECK(w->nlines > 50);
    CHECK(w->levels[BM_LOG_DBG] > 0);
    CHECK_EQ(hits, 0);

    /* the search finds what it looks for */
    char planted[128], hx[33];
    to_hex(net_key + 4, 8, hx);
    snprintf(planted, sizeof(planted), "net key %c%c:%c%c %s", hx[0], hx[1], hx[2], hx[3], hx + 4);
    char why[96];
    int nk = 0;
    while (nk < w->nsec && strcmp(w->sec[nk].name, "NetKey") != 0)
        nk++;
    CHECK(nk < w->nsec);
    if (nk < w->nsec)
        CHECK(leaks(planted, &w->sec[nk], why, sizeof(why)));

    mesh_sim_free(w->pv);
    mesh_sim_free(w->d1);
    mesh_sim_free(w->d2);
    bm_sim_free(w->sim);
    for (size_t i = 0; i < w->nlines; i++)
        free(w->lines[i]);
    free(w->lines);
    free(w);
}

int main(void)
{
    BM_RUN(test_no_secret_in_any_log_line);
    return bm_test_done();
}
