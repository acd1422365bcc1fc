/* The provisioner's session (see prov_session.h).
 *
 * Its own node state lives in the store FILE.d/ beside the database: the
 * core keeps the address, keys and the sequence number reservation there,
 * so a killed `blemesh prov` resumes above every number it may have sent.
 * The database records the sequence number too, so a lost store (or a
 * database imported from another machine) still never goes back.
 *
 * The store's lock doubles as the database's lock: two `blemesh prov` on
 * one database cannot run at once (the second fails with a clear line). */
#define _GNU_SOURCE
#include "prov_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "prov_glue.h"

int prov_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "blemesh prov %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return PROV_EXIT_FAIL;
}

uint16_t prov_addr_arg(const char *cmd, const char *what, const char *s)
{
    uint32_t v = 0;
    if (bm_cli_parse_uint(s, 0xffff, &v) != 0 || v == 0) {
        char c[64];
        snprintf(c, sizeof(c), "prov %s", cmd);
        bm_cli_fail(c, "%s: expected an address 0x0001..0xffff", what);
    }
    return (uint16_t)v;
}

/* --- platform hooks: the port's, with the log hook watched --- */

static struct prov_session *sess(void *ctx)
{
    return ctx;
}

static uint64_t w_now(void *ctx)
{
    struct prov_session *s = sess(ctx);
    return s->base->now_ms(s->base->ctx);
}

static int w_random(void *ctx, uint8_t *buf, size_t len)
{
    struct prov_session *s = sess(ctx);
    return s->base->random(s->base->ctx, buf, len);
}

static int w_adv(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *x)
{
    struct prov_session *s = sess(ctx);
    return s->base->adv_send(s->base->ctx, adv, len, x);
}

static int w_put(void *ctx, uint16_t key, const void *data, size_t len)
{
    struct prov_session *s = sess(ctx);
    return s->base->store_put(s->base->ctx, key, data, len);
}

static int w_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len)
{
    struct prov_session *s = sess(ctx);
    return s->base->store_get(s->base->ctx, key, data, size, len);
}

static int w_del(void *ctx, uint16_t key)
{
    struct prov_session *s = sess(ctx);
    return s->base->store_del(s->base->ctx, key);
}

static void w_log(void *ctx, enum bm_log_level level, const char *layer, const char *line)
{
    struct prov_session *s = sess(ctx);
    /* The provisioning link's events ("link open", "link ack", "invite",
     * "complete") are the progress `provision` shows. */
    if (s->progress && layer && strcmp(layer, "prov") == 0 && level == BM_LOG_DBG &&
        !s->o->verbose)
        fprintf(stderr, "provision: %s\n", line);
    s->base->log(s->base->ctx, level, layer, line);
}

/* --- callbacks --- */

static void on_cfg(void *user, const struct bm_cfg_rsp *rsp)
{
    struct prov_session *s = user;
    s->rsp = *rsp;
    size_t n = rsp->raw_len < sizeof(s->raw) ? rsp->raw_len : sizeof(s->raw);
    if (rsp->raw && n)
        memcpy(s->raw, rsp->raw, n);
    s->rsp.raw = s->raw;
    s->rsp.raw_len = n;
    s->waiting = false;
    bm_posix_stop(s->px);
}

static void on_model(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)model;
    struct prov_session *s = user;
    if (e->event == BM_EVT_STATE_CHANGED)
        return;
    /* a Status from another node (a late relayed copy, a publication) is
     * not the answer we wait for */
    if (e->event == BM_EVT_STATUS && s->mev_src && e->src != s->mev_src)
        return;
    s->mev = *e;
    s->waiting = false;
    bm_posix_stop(s->px);
}

/* --- open / close --- */

static int setup_node(struct prov_session *s)
{
    size_t size = bm_node_size();
    size_t al = _Alignof(max_align_t);
    s->mem = aligned_alloc(al, (size + al - 1) / al * al);
    s->node = s->mem ? bm_node_create(s->mem, size, &s->plat) : NULL;
    if (!s->node)
        return BM_ENOSPC;
    int rc = bm_create_element(s->node, true, 0, false, 7, NULL);
    if (rc == BM_OK)
        rc = bm_add_model(s->node, 0, BM_GENERIC, BM_ONOFF, BM_CLIENT, on_model, s, 0,
                          &s->onoff_cli);
    if (rc == BM_OK)
        rc = bm_add_model(s->node, 0, BM_GENERIC, BM_LEVEL, BM_CLIENT, on_model, s, 0,
                          &s->level_cli);
    if (rc == BM_OK)
        rc = bm_cfg_cli_enable(s->node, on_cfg, s);
    if (rc == BM_OK)
        rc = bm_init(s->node, PROV_NODE_NAME, BM_OOB_NONE);
    return rc;
}

/* Rebuilds the provisioner role from the database. */
static int restore(struct prov_session *s)
{
    struct cdb *db = s->db;
    struct cdb_node *self = cdb_node_by_uuid(db, db->prov_uuid);
    if (!self)
        return prov_fail("open", "the database has no node for its provisioner");
    const struct cdb_netkey *nk = &db->net[0];
    if (!bm_node_is_provisioned(s->node)) {
        /* a fresh store: take the provisioner's UUID, then its network */
        int rc = bm_set_uuid(s->node, db->prov_uuid);
        if (rc != BM_OK)
            return prov_fail("open", "cannot set the provisioner's UUID: %s", bm_strerror(rc));
        uint32_t floor = db->seq ? db->seq + PROV_SEQ_MARGIN : 0;
        if (floor > 0xffffff)
            return prov_fail("open", "the sequence number is exhausted (IV Update needed)");
        rc = bm_glue_prov_restore(s->node, nk->key, nk->index, db->iv_index, self->addr,
                                  self->dev_key, floor, db->next_unicast);
        if (rc != BM_OK)
            return prov_fail("open", "cannot restore the provisioner: %s", bm_strerror(rc));
    } else {
        int rc = bm_glue_prov_restore(s->node, nk->key, nk->index, db->iv_index, self->addr,
                                      self->dev_key, 0, db->next_unicast);
        if (rc == BM_EEXIST)
            return prov_fail("open",
                             "%s holds the state of another network; move it away to use "
                             "this database",
                             s->store_dir);
        if (rc != BM_OK)
            return prov_fail("open", "cannot restore the provisioner: %s", bm_strerror(rc));
    }
    for (int i = 0; i < db->nnodes; i++) {
        const struct cdb_node *n = &db->nodes[i];
        if (n == self)
            continue;
        int rc = bm_glue_prov_node_add(s->node, n->uuid, n->addr, n->elements_known, n->dev_key);
        /* BM_EEXIST: the core restored it from FILE.d itself */
        if (rc != BM_OK && rc != BM_EEXIST)
            return prov_fail("open", "node 0x%04x: %s (at most %d nodes)", n->addr,
                             bm_strerror(rc), BM_CFG_PROV_NODES);
    }
    for (int i = 0; i < db->napp; i++) {
        const struct cdb_appkey *ak = &db->app[i];
        int rc = bm_glue_local_app_key(s->node, ak->bound_net, ak->index, ak->key, s->onoff_cli);
        if (rc == BM_OK)
            rc = bm_glue_local_app_key(s->node, ak->bound_net, ak->index, ak->key, s->level_cli);
        if (rc != BM_OK && rc != BM_ENOENT)
            return prov_fail("open", "AppKey %u: %s", ak->index, bm_strerror(rc));
    }
    return 0;
}

int prov_open(struct prov_session *s, const struct prov_opts *o, bool creating)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->creating = creating;
    if (snprintf(s->store_dir, sizeof(s->store_dir), "%s.d", o->db_path) >=
        (int)sizeof(s->store_dir))
        return prov_fail("open", "--db: path too long");
    s->db = calloc(1, sizeof(*s->db));
    if (!s->db)
        return prov_fail("open", "out of memory");
    struct bm_posix_opts po;
    bm_posix_opts_default(&po);
    po.store_dir = s->store_dir;
    po.bearer = o->air;
    po.log_level = o->verbose ? BM_LOG_DBG : BM_LOG_WRN;
    po.log_json = o->json;
    po.name = "prov";
    int rc = bm_posix_open(&s->px, &po);
    if (rc == BM_EBUSY) {
        free(s->db);
        return prov_fail("open", "the database is in use by another blemesh prov (%s is locked)",
                         s->store_dir);
    }
    if (rc != BM_OK) {
        free(s->db);
        return prov_fail("open", "cannot open %s or the air: %s", s->store_dir, bm_strerror(rc));
    }
    char err[256];
    if (!creating && cdb_load(s->db, o->db_path, err, sizeof(err)) != 0) {
        bm_posix_close(s->px);
        free(s->db);
        return prov_fail("open", "%s: %s", o->db_path, err);
    }
    s->base = bm_posix_platform(s->px);
    s->plat = (struct bm_platform){.ctx = s,
                                   .now_ms = w_now,
                                   .random = w_random,
                                   .adv_send = w_adv,
                                   .store_put = w_put,
                                   .store_get = w_get,
                                   .store_del = w_del,
                                   .log = w_log};
    rc = setup_node(s);
    if (rc != BM_OK) {
        prov_close(s, false);
        return prov_fail("open", "the provisioner node: %s", bm_strerror(rc));
    }
    if (!creating && restore(s) != 0) {
        prov_close(s, false);
        return PROV_EXIT_FAIL;
    }
    return 0;
}

int prov_save(struct prov_session *s)
{
    char err[256];
    if (s->node)
        s->db->seq = bm_glue_seq(s->node);
    if (cdb_save(s->db, s->o->db_path, err, sizeof(err)) != 0)
        return prov_fail("save", "%s: %s", s->o->db_path, err);
    return 0;
}

int prov_close(struct prov_session *s, bool save)
{
    int rc = 0;
    if (s->node && s->px) {
        /* the last answers (segment acks) and queued repeats go out */
        uint64_t end = bm_posix_now_ms() + 2000;
        s->waiting = true;
        bm_posix_run_for(s->px, s->node, 150);
        while (bm_posix_bearer_queued(bm_posix_get_bearer(s->px)) &&
               bm_posix_now_ms() < end && !bm_posix_signal(s->px))
            bm_posix_run_for(s->px, s->node, 50);
    }
    if (save)
        rc = prov_save(s);
    if (s->node)
        bm_node_destroy(s->node);
    free(s->mem);
    bm_posix_close(s->px);
    if (s->db) {
        memset(s->db, 0, sizeof(*s->db));
        free(s->db);
    }
    memset(s, 0, sizeof(*s));
    return rc;
}

int prov_wait(struct prov_session *s, uint32_t timeout_ms)
{
    uint64_t end = bm_posix_now_ms() + timeout_ms;
    while (s->waiting && !s->oob_needed) {
        uint64_t now = bm_posix_now_ms();
        if (now >= end)
            return BM_ETIMEOUT;
        int rc = bm_posix_run_for(s->px, s->node, (uint32_t)(end - now));
        if (bm_posix_signal(s->px))
            return BM_ESTATE;
        if (rc != BM_OK && rc != BM_ETIMEOUT)
            return rc;
    }
    return BM_OK;
}
