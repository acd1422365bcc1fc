/* The Mesh Configuration Database (JSON) reader and writer, see cdb.h.
 *
 * Reading: the file is untrusted. Each field goes through one checker that
 * knows its type and range (hex strings of a fixed length, integers within
 * bounds, names of bounded length); the first failure stops the load with
 * its JSON path. Nothing is half-loaded: the caller's struct is only
 * filled from a private copy when everything checked.
 *
 * Writing: the tree is built with cJSON, printed, and replaced atomically
 * (tmp + fsync + rename + fsync of the directory). */
#define _GNU_SOURCE
#include "cdb.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_args.h"

#define SCHEMA "http://json-schema.org/draft-04/schema#"
#define SCHEMA_ID "https://www.bluetooth.com/specifications/specs/mesh-cdb-1-0-1-schema.json#"

struct rd {
    char *err;
    size_t err_len;
    bool bad;
};

static int failf(struct rd *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int failf(struct rd *r, const char *fmt, ...)
{
    if (r->bad)
        return -1;
    r->bad = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- field checkers: each returns 0, or -1 after failf --- */

static const cJSON *field(struct rd *r, const cJSON *obj, const char *path, const char *key,
                          bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && required)
        failf(r, "%s.%s: missing", path, key);
    return v;
}

static int hex_exact(struct rd *r, const cJSON *v, const char *path, const char *key, uint8_t *out,
                     size_t n)
{
    if (!cJSON_IsString(v))
        return failf(r, "%s.%s: expected a string of %zu hex digits", path, key, 2 * n);
    const char *s = v->valuestring;
    size_t len = strlen(s);
    if (len != 2 * n || bm_cli_parse_hex(s, len, out, n) != (int)n)
        return failf(r, "%s.%s: expected %zu hex digits", path, key, 2 * n);
    return 0;
}

static int get_hex16(struct rd *r, const cJSON *obj, const char *path, const char *key,
                     bool required, uint16_t *out)
{
    const cJSON *v = field(r, obj, path, key, required);
    if (!v)
        return required ? -1 : 0;
    uint8_t b[2] = {0};
    if (hex_exact(r, v, path, key, b, 2) != 0)
        return -1;
    *out = (uint16_t)(b[0] << 8 | b[1]);
    return 0;
}

static int get_key(struct rd *r, const cJSON *obj, const char *path, const char *key, bool required,
                   uint8_t out[16], bool *present)
{
    const cJSON *v = field(r, obj, path, key, required);
    if (present)
        *present = v != NULL;
    if (!v)
        return required ? -1 : 0;
    return hex_exact(r, v, path, key, out, 16);
}

/* A UUID: 32 hex digits, or the dashed 8-4-4-4-12 form (CDB 1.0.1). */
static int get_uuid(struct rd *r, const cJSON *obj, const char *path, const char *key,
                    uint8_t out[16])
{
    const cJSON *v = field(r, obj, path, key, true);
    if (!v)
        return -1;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > 36)
        return failf(r, "%s.%s: expected a UUID", path, key);
    char hex[33];
    size_t n = 0;
    const char *s = v->valuestring;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '-' && len == 36 && (i == 8 || i == 13 || i == 18 || i == 23))
            continue;
        if (n >= 32)
            return failf(r, "%s.%s: expected a UUID", path, key);
        hex[n++] = s[i];
    }
    if (n != 32 || bm_cli_parse_hex(hex, 32, out, 16) != 16)
        return failf(r, "%s.%s: expected a UUID", path, key);
    return 0;
}

static int get_int(struct rd *r, const cJSON *obj, const char *path, const char *key,
                   bool required, long lo, long hi, long *out)
{
    const cJSON *v = field(r, obj, path, key, required);
    if (!v)
        return required ? -1 : 0;
    /* the range first (NaN fails it too): converting a double outside
     * long's range is undefined */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi) ||
        v->valuedouble != (double)(long)v->valuedouble)
        return failf(r, "%s.%s: expected an integer %ld..%ld", path, key, lo, hi);
    *out = (long)v->valuedouble;
    return 0;
}

static int get_bool(struct rd *r, const cJSON *obj, const char *path, const char *key,
                    bool required, bool *out)
{
    const cJSON *v = field(r, obj, path, key, required);
    if (!v)
        return required ? -1 : 0;
    if (!cJSON_IsBool(v))
        return failf(r, "%s.%s: expected true or false", path, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_str(struct rd *r, const cJSON *obj, const char *path, const char *key,
                   bool required, char *out, size_t size)
{
    const cJSON *v = field(r, obj, path, key, required);
    if (!v)
        return required ? -1 : 0;
    if (!cJSON_IsString(v))
        return failf(r, "%s.%s: expected a string", path, key);
    if (strlen(v->valuestring) >= size)
        return failf(r, "%s.%s: longer than %zu characters", path, key, size - 1);
    snprintf(out, size, "%s", v->valuestring);
    return 0;
}

/* An array field; *count gets its size, checked against max. */
static const cJSON *get_array(struct rd *r, const cJSON *obj, const char *path, const char *key,
                              bool required, int max, int *count)
{
    *count = 0;
    const cJSON *v = field(r, obj, path, key, required);
    if (!v)
        return NULL;
    if (!cJSON_IsArray(v)) {
        failf(r, "%s.%s: expected an array", path, key);
        return NULL;
    }
    int n = cJSON_GetArraySize(v);
    if (n > max) {
        failf(r, "%s.%s: too many entries (%d, at most %d)", path, key, n, max);
        return NULL;
    }
    *count = n;
    return v;
}

static int need_object(struct rd *r, const cJSON *v, const char *path)
{
    return cJSON_IsObject(v) ? 0 : failf(r, "%s: expected an object", path);
}

/* --- sections --- */

static int read_netkeys(struct rd *r, const cJSON *root, struct cdb *db)
{
    int n;
    const cJSON *arr = get_array(r, root, "$", "netKeys", true, CDB_MAX_NETKEYS, &n);
    if (!arr)
        return -1;
    if (n == 0)
        return failf(r, "$.netKeys: the network needs a NetKey");
    for (int i = 0; i < n; i++) {
        const cJSON *k = cJSON_GetArrayItem(arr, i);
        char path[64];
        snprintf(path, sizeof(path), "$.netKeys[%d]", i);
        struct cdb_netkey *nk = &db->net[i];
        long idx = 0, phase = 0;
        char sec[16] = "secure";
        if (need_object(r, k, path) || get_int(r, k, path, "index", true, 0, 4095, &idx) ||
            get_key(r, k, path, "key", true, nk->key, NULL) ||
            get_key(r, k, path, "oldKey", false, nk->old_key, &nk->has_old) ||
            get_int(r, k, path, "phase", false, 0, 2, &phase) ||
            get_str(r, k, path, "minSecurity", false, sec, sizeof(sec)) ||
            get_str(r, k, path, "name", false, nk->name, sizeof(nk->name)) ||
            get_str(r, k, path, "timestamp", false, nk->timestamp, sizeof(nk->timestamp)))
            return -1;
        if (strcmp(sec, "secure") != 0 && strcmp(sec, "insecure") != 0)
            return failf(r, "%s.minSecurity: expected \"secure\" or \"insecure\"", path);
        nk->index = (uint16_t)idx;
        nk->phase = (uint8_t)phase;
        nk->secure = strcmp(sec, "secure") == 0;
        for (int j = 0; j < i; j++)
            if (db->net[j].index == nk->index)
                return failf(r, "%s.index: %ld used twice", path, idx);
    }
    db->nnet = (uint8_t)n;
    return 0;
}

static bool has_netkey(const struct cdb *db, uint16_t idx)
{
    for (int i = 0; i < db->nnet; i++)
        if (db->net[i].index == idx)
            return true;
    return false;
}

static int read_appkeys(struct rd *r, const cJSON *root, struct cdb *db)
{
    int n;
    const cJSON *arr = get_array(r, root, "$", "appKeys", true, CDB_MAX_APPKEYS, &n);
    if (!arr)
        return r->bad ? -1 : 0;
    for (int i = 0; i < n; i++) {
        const cJSON *k = cJSON_GetArrayItem(arr, i);
        char path[64];
        snprintf(path, sizeof(path), "$.appKeys[%d]", i);
        struct cdb_appkey *ak = &db->app[i];
        long idx = 0, bound = 0;
        if (need_object(r, k, path) || get_int(r, k, path, "index", true, 0, 4095, &idx) ||
            get_int(r, k, path, "boundNetKey", true, 0, 4095, &bound) ||
            get_key(r, k, path, "key", true, ak->key, NULL) ||
            get_key(r, k, path, "oldKey", false, ak->old_key, &ak->has_old) ||
            get_str(r, k, path, "name", false, ak->name, sizeof(ak->name)))
            return -1;
        ak->index = (uint16_t)idx;
        ak->bound_net = (uint16_t)bound;
        if (!has_netkey(db, ak->bound_net))
            return failf(r, "%s.boundNetKey: no NetKey with index %ld", path, bound);
        for (int j = 0; j < i; j++)
            if (db->app[j].index == ak->index)
                return failf(r, "%s.index: %ld used twice", path, idx);
    }
    db->napp = (uint8_t)n;
    return 0;
}

static int read_range(struct rd *r, const cJSON *p, const char *path, const char *key,
                      const char *lo_key, const char *hi_key, uint16_t *lo, uint16_t *hi)
{
    int n;
    const cJSON *arr = get_array(r, p, path, key, false, 64, &n);
    if (r->bad)
        return -1;
    if (!arr || n == 0)
        return 0;
    /* the tool allocates from the first range */
    const cJSON *e = cJSON_GetArrayItem(arr, 0);
    char sub[96];
    snprintf(sub, sizeof(sub), "%s.%s[0]", path, key);
    if (need_object(r, e, sub) || get_hex16(r, e, sub, lo_key, true, lo) ||
        get_hex16(r, e, sub, hi_key, true, hi))
        return -1;
    if (*lo > *hi)
        return failf(r, "%s: %s is above %s", sub, lo_key, hi_key);
    return 0;
}

static int read_provisioner(struct rd *r, const cJSON *root, struct cdb *db)
{
    int n;
    const cJSON *arr = get_array(r, root, "$", "provisioners", true, 64, &n);
    if (!arr)
        return -1;
    if (n == 0)
        return failf(r, "$.provisioners: no provisioner");
    const cJSON *p = cJSON_GetArrayItem(arr, 0);
    const char *path = "$.provisioners[0]";
    db->uni_low = 0x0001;
    db->uni_high = 0x7fff;
    db->grp_low = 0xc000;
    db->grp_high = 0xfeff;
    db->scene_first = 0x0001;
    db->scene_last = 0xffff;
    if (need_object(r, p, path) ||
        get_str(r, p, path, "provisionerName", false, db->prov_name, sizeof(db->prov_name)) ||
        get_uuid(r, p, path, "UUID", db->prov_uuid) ||
        read_range(r, p, path, "allocatedUnicastRange", "lowAddress", "highAddress", &db->uni_low,
                   &db->uni_high) ||
        read_range(r, p, path, "allocatedGroupRange", "lowAddress", "highAddress", &db->grp_low,
                   &db->grp_high) ||
        read_range(r, p, path, "allocatedSceneRange", "firstScene", "lastScene",
                   &db->scene_first, &db->scene_last))
        return -1;
    if (db->uni_low == 0 || db->uni_high > 0x7fff)
        return failf(r, "%s.allocatedUnicastRange: not unicast addresses", path);
    return 0;
}

static int read_idx_list(struct rd *r, const cJSON *node, const char *path, const char *key,
                         uint16_t *out, uint8_t *count, uint8_t max)
{
    int n;
    const cJSON *arr = get_array(r, node, path, key, false, max, &n);
    if (r->bad)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        char sub[96];
        snprintf(sub, sizeof(sub), "%s.%s[%d]", path, key, i);
        long idx = 0;
        bool updated = false;
        if (need_object(r, e, sub) || get_int(r, e, sub, "index", true, 0, 4095, &idx) ||
            get_bool(r, e, sub, "updated", false, &updated))
            return -1;
        out[i] = (uint16_t)idx;
    }
    *count = (uint8_t)n;
    return 0;
}

static int read_pub(struct rd *r, const cJSON *m, const char *path, struct cdb_pub *pub)
{
    const cJSON *p = field(r, m, path, "publish", false);
    if (!p)
        return 0;
    char sub[160];
    snprintf(sub, sizeof(sub), "%s.publish", path);
    long idx = 0, ttl = 0, cred = 0, steps = 0, res = 100, count = 0, interval = 50;
    const cJSON *addr = NULL;
    if (need_object(r, p, sub) || !(addr = field(r, p, sub, "address", true)) ||
        get_int(r, p, sub, "index", true, 0, 4095, &idx) ||
        get_int(r, p, sub, "ttl", true, 0, 255, &ttl) ||
        get_int(r, p, sub, "credentials", false, 0, 1, &cred))
        return -1;
    if (ttl > 127 && ttl != 255)
        return failf(r, "%s.ttl: expected 0..127 or 255", sub);
    /* a 32-digit Label UUID is allowed; its virtual address is not kept */
    if (cJSON_IsString(addr) && strlen(addr->valuestring) == 32) {
        pub->addr = 0;
    } else if (get_hex16(r, p, sub, "address", true, &pub->addr)) {
        return -1;
    }
    const cJSON *period = field(r, p, sub, "period", false);
    if (period) {
        char ps[192];
        snprintf(ps, sizeof(ps), "%s.period", sub);
        if (need_object(r, period, ps) ||
            get_int(r, period, ps, "numberOfSteps", true, 0, 63, &steps) ||
            get_int(r, period, ps, "resolution", true, 100, 600000, &res))
            return -1;
        if (res != 100 && res != 1000 && res != 10000 && res != 600000)
            return failf(r, "%s.resolution: expected 100, 1000, 10000 or 600000", ps);
    }
    const cJSON *retx = field(r, p, sub, "retransmit", false);
    if (retx) {
        char rs[192];
        snprintf(rs, sizeof(rs), "%s.retransmit", sub);
        if (need_object(r, retx, rs) || get_int(r, retx, rs, "count", true, 0, 7, &count) ||
            get_int(r, retx, rs, "interval", true, 50, 1600, &interval))
            return -1;
        if (interval % 50)
            return failf(r, "%s.interval: expected a multiple of 50", rs);
    }
    pub->set = pub->addr != 0;
    pub->index = (uint16_t)idx;
    pub->ttl = (uint8_t)ttl;
    pub->cred = cred != 0;
    pub->steps = (uint8_t)steps;
    pub->resolution_ms = (uint32_t)res;
    pub->retx_count = (uint8_t)count;
    pub->retx_interval_ms = (uint16_t)interval;
    return 0;
}

static int read_model(struct rd *r, const cJSON *m, const char *path, struct cdb_model *mod)
{
    const cJSON *id = NULL;
    if (need_object(r, m, path) || !(id = field(r, m, path, "modelId", true)))
        return -1;
    uint8_t b[4];
    size_t len = cJSON_IsString(id) ? strlen(id->valuestring) : 0;
    if ((len != 4 && len != 8) || bm_cli_parse_hex(id->valuestring, len, b, 4) != (int)len / 2)
        return failf(r, "%s.modelId: expected 4 (SIG) or 8 (vendor) hex digits", path);
    if (len == 4) {
        mod->company = CDB_SIG;
        mod->id = (uint16_t)(b[0] << 8 | b[1]);
    } else {
        mod->company = (uint16_t)(b[0] << 8 | b[1]);
        mod->id = (uint16_t)(b[2] << 8 | b[3]);
    }
    int n;
    const cJSON *arr = get_array(r, m, path, "bind", false, CDB_MAX_BIND, &n);
    if (r->bad)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsNumber(e) || e->valuedouble != (double)(int)e->valuedouble ||
            e->valuedouble < 0 || e->valuedouble > 4095)
            return failf(r, "%s.bind[%d]: expected an AppKey index 0..4095", path, i);
        mod->bind[i] = (uint16_t)e->valuedouble;
    }
    mod->nbind = (uint8_t)n;
    arr = get_array(r, m, path, "subscribe", false, CDB_MAX_SUBS, &n);
    if (r->bad)
        return -1;
    uint8_t kept = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        size_t l = cJSON_IsString(e) ? strlen(e->valuestring) : 0;
        if (l == 32) /* a Label UUID: accepted, not kept */
            continue;
        if (l != 4 || bm_cli_parse_hex(e->valuestring, 4, b, 2) != 2)
            return failf(r, "%s.subscribe[%d]: expected a 4-digit hex address", path, i);
        mod->sub[kept++] = (uint16_t)(b[0] << 8 | b[1]);
    }
    mod->nsub = kept;
    return read_pub(r, m, path, &mod->pub);
}

static int read_elements(struct rd *r, const cJSON *node, const char *path, struct cdb_node *n)
{
    int count;
    const cJSON *arr = get_array(r, node, path, "elements", false, CDB_MAX_ELEMS, &count);
    if (r->bad)
        return -1;
    for (int i = 0; i < count; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        char sub[96];
        snprintf(sub, sizeof(sub), "%s.elements[%d]", path, i);
        struct cdb_element *el = &n->elems[i];
        long idx = i;
        if (need_object(r, e, sub) || get_int(r, e, sub, "index", true, 0, 255, &idx) ||
            get_hex16(r, e, sub, "location", false, &el->location) ||
            get_str(r, e, sub, "name", false, el->name, sizeof(el->name)))
            return -1;
        if (idx != i)
            return failf(r, "%s.index: expected %d (elements in order)", sub, i);
        el->index = (uint8_t)i;
        int nm;
        const cJSON *models = get_array(r, e, sub, "models", false, CDB_MAX_MODELS, &nm);
        if (r->bad)
            return -1;
        for (int j = 0; j < nm; j++) {
            char mp[128];
            snprintf(mp, sizeof(mp), "%s.models[%d]", sub, j);
            if (read_model(r, cJSON_GetArrayItem(models, j), mp, &el->models[j]))
                return -1;
        }
        el->nmodels = (uint8_t)nm;
    }
    n->nelems = (uint8_t)count;
    return 0;
}

static int read_feature(struct rd *r, const cJSON *f, const char *path, const char *key, int *out)
{
    long v = CDB_UNKNOWN;
    if (get_int(r, f, path, key, false, 0, 2, &v))
        return -1;
    *out = (int)v;
    return 0;
}

static int read_node(struct rd *r, const cJSON *o, const char *path, struct cdb_node *n)
{
    char sec[16] = "secure";
    long ttl = CDB_UNKNOWN;
    bool beacon = false;
    if (need_object(r, o, path) || get_uuid(r, o, path, "UUID", n->uuid) ||
        get_hex16(r, o, path, "unicastAddress", true, &n->addr) ||
        get_key(r, o, path, "deviceKey", true, n->dev_key, NULL) ||
        get_str(r, o, path, "security", false, sec, sizeof(sec)) ||
        get_str(r, o, path, "name", false, n->name, sizeof(n->name)) ||
        get_bool(r, o, path, "configComplete", false, &n->config_complete) ||
        get_bool(r, o, path, "excluded", false, &n->excluded) ||
        get_int(r, o, path, "defaultTTL", false, 0, 127, &ttl) ||
        read_idx_list(r, o, path, "netKeys", n->net_keys, &n->nnet, CDB_MAX_NETKEYS) ||
        read_idx_list(r, o, path, "appKeys", n->app_keys, &n->napp, CDB_MAX_APPKEYS))
        return -1;
    if (n->addr == 0 || n->addr > 0x7fff)
        return failf(r, "%s.unicastAddress: not a unicast address", path);
    if (strcmp(sec, "secure") != 0 && strcmp(sec, "insecure") != 0)
        return failf(r, "%s.security: expected \"secure\" or \"insecure\"", path);
    n->secure = strcmp(sec, "secure") == 0;
    n->default_ttl = (int)ttl;
    n->beacon = CDB_UNKNOWN;
    if (field(r, o, path, "secureNetworkBeacon", false)) {
        if (get_bool(r, o, path, "secureNetworkBeacon", true, &beacon))
            return -1;
        n->beacon = beacon;
    }
    n->has_comp = cJSON_GetObjectItemCaseSensitive(o, "cid") != NULL;
    if (n->has_comp && (get_hex16(r, o, path, "cid", true, &n->cid) ||
                        get_hex16(r, o, path, "pid", false, &n->pid) ||
                        get_hex16(r, o, path, "vid", false, &n->vid) ||
                        get_hex16(r, o, path, "crpl", false, &n->crpl)))
        return -1;
    n->relay = n->proxy = n->friend_ = n->low_power = CDB_UNKNOWN;
    const cJSON *f = field(r, o, path, "features", false);
    if (f) {
        char fp[96];
        snprintf(fp, sizeof(fp), "%s.features", path);
        if (need_object(r, f, fp) || read_feature(r, f, fp, "relay", &n->relay) ||
            read_feature(r, f, fp, "proxy", &n->proxy) ||
            read_feature(r, f, fp, "friend", &n->friend_) ||
            read_feature(r, f, fp, "lowPower", &n->low_power))
            return -1;
    }
    n->relay_count = n->relay_interval_ms = CDB_UNKNOWN;
    const cJSON *rr = field(r, o, path, "relayRetransmit", false);
    if (rr) {
        char rp[96];
        long c = 0, iv = 10;
        snprintf(rp, sizeof(rp), "%s.relayRetransmit", path);
        if (need_object(r, rr, rp) || get_int(r, rr, rp, "count", true, 1, 8, &c) ||
            get_int(r, rr, rp, "interval", true, 10, 320, &iv))
            return -1;
        n->relay_count = (int)c;
        n->relay_interval_ms = (int)iv;
    }
    if (read_elements(r, o, path, n))
        return -1;
    n->elements_known = n->nelems ? n->nelems : 1;
    return 0;
}

static int read_nodes(struct rd *r, const cJSON *root, struct cdb *db)
{
    int n;
    const cJSON *arr = get_array(r, root, "$", "nodes", true, CDB_MAX_NODES, &n);
    if (!arr)
        return -1;
    for (int i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof(path), "$.nodes[%d]", i);
        struct cdb_node *nd = &db->nodes[i];
        if (read_node(r, cJSON_GetArrayItem(arr, i), path, nd))
            return -1;
        for (int j = 0; j < i; j++) {
            const struct cdb_node *o = &db->nodes[j];
            if (nd->addr < o->addr + o->elements_known && o->addr < nd->addr + nd->elements_known)
                return failf(r, "%s.unicastAddress: overlaps the addresses of $.nodes[%d]", path,
                             j);
            if (memcmp(nd->uuid, o->uuid, 16) == 0)
                return failf(r, "%s.UUID: the same as $.nodes[%d]", path, j);
        }
    }
    db->nnodes = (uint16_t)n;
    return 0;
}

static int read_groups(struct rd *r, const cJSON *root, struct cdb *db)
{
    int n;
    const cJSON *arr = get_array(r, root, "$", "groups", false, CDB_MAX_GROUPS, &n);
    if (r->bad)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *g = cJSON_GetArrayItem(arr, i);
        char path[32];
        snprintf(path, sizeof(path), "$.groups[%d]", i);
        struct cdb_group *gr = &db->groups[i];
        if (need_object(r, g, path) || get_hex16(r, g, path, "address", true, &gr->addr) ||
            get_hex16(r, g, path, "parentAddress", false, &gr->parent) ||
            get_str(r, g, path, "name", false, gr->name, sizeof(gr->name)))
            return -1;
        if (gr->addr < 0xc000)
            return failf(r, "%s.address: not a group address", path);
    }
    db->ngroups = (uint8_t)n;
    return 0;
}

static int read_ext(struct rd *r, const cJSON *root, struct cdb *db)
{
    const cJSON *x = field(r, root, "$", "blemesh", false);
    long iv = 0, next = 0, seq = 0;
    if (x && (need_object(r, x, "$.blemesh") ||
              get_int(r, x, "$.blemesh", "ivIndex", false, 0, 0xffffffffL, &iv) ||
              get_int(r, x, "$.blemesh", "nextUnicast", false, 0, 0x7fff, &next) ||
              get_int(r, x, "$.blemesh", "sequenceNumber", false, 0, 0xffffff, &seq)))
        return -1;
    db->iv_index = (uint32_t)iv;
    db->seq = (uint32_t)seq;
    /* never below what the nodes already occupy */
    uint32_t floor = db->uni_low;
    for (int i = 0; i < db->nnodes; i++) {
        uint32_t end = (uint32_t)db->nodes[i].addr + db->nodes[i].elements_known;
        if (end > floor)
            floor = end;
    }
    db->next_unicast = (uint16_t)((uint32_t)next > floor ? (uint32_t)next : floor);
    return 0;
}

int cdb_parse(struct cdb *out, const char *text, size_t len, char *err, size_t err_len)
{
    struct rd r = {.err = err, .err_len = err_len};
    struct cdb *db = calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        failf(&r, "not JSON (error near octet %ld)",
              cJSON_GetErrorPtr() ? (long)(cJSON_GetErrorPtr() - text) : 0L);
    } else if (!need_object(&r, root, "$")) {
        char version[16] = "";
        char schema[128] = "";
        if (!get_str(&r, root, "$", "$schema", false, schema, sizeof(schema)) &&
            !get_str(&r, root, "$", "version", true, version, sizeof(version)) &&
            strncmp(version, "1.", 2) != 0)
            failf(&r, "$.version: unsupported version (1.x expected)");
        if (!r.bad && !get_uuid(&r, root, "$", "meshUUID", db->mesh_uuid) &&
            !get_str(&r, root, "$", "meshName", false, db->mesh_name, sizeof(db->mesh_name)) &&
            !get_str(&r, root, "$", "timestamp", false, db->timestamp, sizeof(db->timestamp)) &&
            !get_bool(&r, root, "$", "partial", false, &db->partial) &&
            !read_netkeys(&r, root, db) && !read_appkeys(&r, root, db) &&
            !read_provisioner(&r, root, db) && !read_nodes(&r, root, db) &&
            !read_groups(&r, root, db) && !read_ext(&r, root, db)) {
            /* checked */
        }
        if (!r.bad && !cdb_node_by_uuid(db, db->prov_uuid))
            failf(&r, "$.nodes: no node for the provisioner (its UUID), so no address of ours");
    }
    cJSON_Delete(root);
    if (!r.bad)
        memcpy(out, db, sizeof(*db));
    memset(db, 0, sizeof(*db));
    free(db);
    return r.bad ? -1 : 0;
}

int cdb_load(struct cdb *db, const char *path, char *err, size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            snprintf(err, err_len,
                     "no such database (create one with: blemesh prov --db FILE create)");
        else
            snprintf(err, err_len, "cannot open the database: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)CDB_FILE_MAX) {
        close(fd);
        snprintf(err, err_len, "the database is not a regular file of at most %u octets",
                 CDB_FILE_MAX);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        snprintf(err, err_len, "cannot read the database");
        return -1;
    }
    buf[size] = 0;
    int rc = cdb_parse(db, buf, size, err, err_len);
    memset(buf, 0, size);
    free(buf);
    return rc;
}

/* --- writing --- */

static void add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
    char s[65];
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n && i < 32; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * (n < 32 ? n : 32)] = 0;
    cJSON_AddStringToObject(o, key, s);
}

static void add_hex16(cJSON *o, const char *key, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    add_hex(o, key, b, 2);
}

static void add_uuid(cJSON *o, const char *key, const uint8_t u[16])
{
    char s[37];
    snprintf(s, sizeof(s),
             "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    cJSON_AddStringToObject(o, key, s);
}

static cJSON *idx_list(const uint16_t *v, uint8_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (uint8_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "index", v[i]);
        cJSON_AddBoolToObject(e, "updated", false);
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

static cJSON *range(const char *lo_key, const char *hi_key, uint16_t lo, uint16_t hi)
{
    cJSON *a = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    add_hex16(e, lo_key, lo);
    add_hex16(e, hi_key, hi);
    cJSON_AddItemToArray(a, e);
    return a;
}

static cJSON *model_json(const struct cdb_model *m)
{
    cJSON *o = cJSON_CreateObject();
    if (m->company == CDB_SIG) {
        add_hex16(o, "modelId", m->id);
    } else {
        uint8_t b[4] = {(uint8_t)(m->company >> 8), (uint8_t)m->company, (uint8_t)(m->id >> 8),
                        (uint8_t)m->id};
        add_hex(o, "modelId", b, 4);
    }
    cJSON *sub = cJSON_AddArrayToObject(o, "subscribe");
    for (uint8_t i = 0; i < m->nsub; i++) {
        char s[5];
        snprintf(s, sizeof(s), "%04X", m->sub[i]);
        cJSON_AddItemToArray(sub, cJSON_CreateString(s));
    }
    if (m->pub.set) {
        cJSON *p = cJSON_AddObjectToObject(o, "publish");
        add_hex16(p, "address", m->pub.addr);
        cJSON_AddNumberToObject(p, "index", m->pub.index);
        cJSON_AddNumberToObject(p, "ttl", m->pub.ttl);
        cJSON *per = cJSON_AddObjectToObject(p, "period");
        cJSON_AddNumberToObject(per, "numberOfSteps", m->pub.steps);
        cJSON_AddNumberToObject(per, "resolution", m->pub.resolution_ms ? m->pub.resolution_ms
                                                                        : 100);
        cJSON_AddNumberToObject(p, "credentials", m->pub.cred ? 1 : 0);
        cJSON *rx = cJSON_AddObjectToObject(p, "retransmit");
        cJSON_AddNumberToObject(rx, "count", m->pub.retx_count);
        cJSON_AddNumberToObject(rx, "interval",
                                m->pub.retx_interval_ms ? m->pub.retx_interval_ms : 50);
    }
    cJSON *bind = cJSON_AddArrayToObject(o, "bind");
    for (uint8_t i = 0; i < m->nbind; i++)
        cJSON_AddItemToArray(bind, cJSON_CreateNumber(m->bind[i]));
    return o;
}

static cJSON *node_json(const struct cdb_node *n)
{
    cJSON *o = cJSON_CreateObject();
    add_uuid(o, "UUID", n->uuid);
    if (n->name[0])
        cJSON_AddStringToObject(o, "name", n->name);
    add_hex16(o, "unicastAddress", n->addr);
    add_hex(o, "deviceKey", n->dev_key, 16);
    cJSON_AddStringToObject(o, "security", n->secure ? "secure" : "insecure");
    cJSON_AddItemToObject(o, "netKeys", idx_list(n->net_keys, n->nnet));
    cJSON_AddBoolToObject(o, "configComplete", n->config_complete);
    if (n->has_comp) {
        add_hex16(o, "cid", n->cid);
        add_hex16(o, "pid", n->pid);
        add_hex16(o, "vid", n->vid);
        add_hex16(o, "crpl", n->crpl);
    }
    if (n->relay != CDB_UNKNOWN || n->proxy != CDB_UNKNOWN || n->friend_ != CDB_UNKNOWN ||
        n->low_power != CDB_UNKNOWN) {
        cJSON *f = cJSON_AddObjectToObject(o, "features");
        if (n->relay != CDB_UNKNOWN)
            cJSON_AddNumberToObject(f, "relay", n->relay);
        if (n->proxy != CDB_UNKNOWN)
            cJSON_AddNumberToObject(f, "proxy", n->proxy);
        if (n->friend_ != CDB_UNKNOWN)
            cJSON_AddNumberToObject(f, "friend", n->friend_);
        if (n->low_power != CDB_UNKNOWN)
            cJSON_AddNumberToObject(f, "lowPower", n->low_power);
    }
    if (n->beacon != CDB_UNKNOWN)
        cJSON_AddBoolToObject(o, "secureNetworkBeacon", n->beacon != 0);
    if (n->default_ttl != CDB_UNKNOWN)
        cJSON_AddNumberToObject(o, "defaultTTL", n->default_ttl);
    if (n->relay_count != CDB_UNKNOWN) {
        cJSON *rr = cJSON_AddObjectToObject(o, "relayRetransmit");
        cJSON_AddNumberToObject(rr, "count", n->relay_count);
        cJSON_AddNumberToObject(rr, "interval", n->relay_interval_ms);
    }
    cJSON_AddItemToObject(o, "appKeys", idx_list(n->app_keys, n->napp));
    cJSON *els = cJSON_AddArrayToObject(o, "elements");
    for (uint8_t i = 0; i < n->nelems; i++) {
        const struct cdb_element *e = &n->elems[i];
        cJSON *eo = cJSON_CreateObject();
        if (e->name[0])
            cJSON_AddStringToObject(eo, "name", e->name);
        cJSON_AddNumberToObject(eo, "index", i);
        add_hex16(eo, "location", e->location);
        cJSON *ms = cJSON_AddArrayToObject(eo, "models");
        for (uint8_t j = 0; j < e->nmodels; j++)
            cJSON_AddItemToArray(ms, model_json(&e->models[j]));
        cJSON_AddItemToArray(els, eo);
    }
    cJSON_AddBoolToObject(o, "excluded", n->excluded);
    return o;
}

char *cdb_to_json(const struct cdb *db)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "$schema", SCHEMA);
    cJSON_AddStringToObject(root, "id", SCHEMA_ID);
    cJSON_AddStringToObject(root, "version", "1.0.1");
    add_uuid(root, "meshUUID", db->mesh_uuid);
    cJSON_AddStringToObject(root, "meshName", db->mesh_name);
    cJSON_AddStringToObject(root, "timestamp", db->timestamp);
    cJSON_AddBoolToObject(root, "partial", db->partial);
    cJSON *nets = cJSON_AddArrayToObject(root, "netKeys");
    for (int i = 0; i < db->nnet; i++) {
        const struct cdb_netkey *k = &db->net[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", k->name[0] ? k->name : "NetKey");
        cJSON_AddNumberToObject(o, "index", k->index);
        add_hex(o, "key", k->key, 16);
        if (k->has_old)
            add_hex(o, "oldKey", k->old_key, 16);
        cJSON_AddNumberToObject(o, "phase", k->phase);
        cJSON_AddStringToObject(o, "minSecurity", k->secure ? "secure" : "insecure");
        cJSON_AddStringToObject(o, "timestamp", k->timestamp[0] ? k->timestamp : db->timestamp);
        cJSON_AddItemToArray(nets, o);
    }
    cJSON *apps = cJSON_AddArrayToObject(root, "appKeys");
    for (int i = 0; i < db->napp; i++) {
        const struct cdb_appkey *k = &db->app[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", k->name[0] ? k->name : "AppKey");
        cJSON_AddNumberToObject(o, "index", k->index);
        cJSON_AddNumberToObject(o, "boundNetKey", k->bound_net);
        add_hex(o, "key", k->key, 16);
        if (k->has_old)
            add_hex(o, "oldKey", k->old_key, 16);
        cJSON_AddItemToArray(apps, o);
    }
    cJSON *provs = cJSON_AddArrayToObject(root, "provisioners");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "provisionerName", db->prov_name);
    add_uuid(p, "UUID", db->prov_uuid);
    cJSON_AddItemToObject(p, "allocatedUnicastRange",
                          range("lowAddress", "highAddress", db->uni_low, db->uni_high));
    cJSON_AddItemToObject(p, "allocatedGroupRange",
                          range("lowAddress", "highAddress", db->grp_low, db->grp_high));
    cJSON_AddItemToObject(p, "allocatedSceneRange",
                          range("firstScene", "lastScene", db->scene_first, db->scene_last));
    cJSON_AddItemToArray(provs, p);
    cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
    for (int i = 0; i < db->nnodes; i++)
        cJSON_AddItemToArray(nodes, node_json(&db->nodes[i]));
    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (int i = 0; i < db->ngroups; i++) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "name", db->groups[i].name);
        add_hex16(g, "address", db->groups[i].addr);
        add_hex16(g, "parentAddress", db->groups[i].parent);
        cJSON_AddItemToArray(groups, g);
    }
    cJSON_AddArrayToObject(root, "scenes");
    cJSON_AddArrayToObject(root, "networkExclusions");
    cJSON *x = cJSON_AddObjectToObject(root, "blemesh");
    cJSON_AddNumberToObject(x, "ivIndex", db->iv_index);
    cJSON_AddNumberToObject(x, "nextUnicast", db->next_unicast);
    cJSON_AddNumberToObject(x, "sequenceNumber", db->seq);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

void cdb_now(char out[CDB_TS_MAX])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CDB_TS_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cdb_save(struct cdb *db, const char *path, char *err, size_t err_len)
{
    cdb_now(db->timestamp);
    char *text = cdb_to_json(db);
    if (!text) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t len = strlen(text);
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        free(text);
        snprintf(err, err_len, "database path too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = fd < 0 ? -1 : 0;
    size_t done = 0;
    while (rc == 0 && done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n <= 0)
            rc = -1;
        else
            done += (size_t)n;
    }
    if (rc == 0 && (write(fd, "\n", 1) != 1 || fchmod(fd, 0600) != 0 || fsync(fd) != 0))
        rc = -1;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    memset(text, 0, len);
    cJSON_free(text);
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, err_len, "cannot write the database: %s", strerror(saved));
        return -1;
    }
    /* make the rename itself durable */
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* --- lookups and edits --- */

struct cdb_node *cdb_node_by_addr(struct cdb *db, uint16_t addr)
{
    for (int i = 0; i < db->nnodes; i++) {
        struct cdb_node *n = &db->nodes[i];
        if (addr >= n->addr && addr < n->addr + n->elements_known)
            return n;
    }
    return NULL;
}

struct cdb_node *cdb_node_by_uuid(struct cdb *db, const uint8_t uuid[16])
{
    for (int i = 0; i < db->nnodes; i++)
        if (memcmp(db->nodes[i].uuid, uuid, 16) == 0)
            return &db->nodes[i];
    return NULL;
}

struct cdb_appkey *cdb_appkey(struct cdb *db, uint16_t index)
{
    for (int i = 0; i < db->napp; i++)
        if (db->app[i].index == index)
            return &db->app[i];
    return NULL;
}

struct cdb_element *cdb_element(struct cdb_node *n, uint16_t addr)
{
    if (addr < n->addr || addr - n->addr >= CDB_MAX_ELEMS)
        return NULL;
    uint8_t i = (uint8_t)(addr - n->addr);
    while (n->nelems <= i) {
        struct cdb_element *e = &n->elems[n->nelems];
        memset(e, 0, sizeof(*e));
        e->index = n->nelems++;
    }
    return &n->elems[i];
}

struct cdb_model *cdb_model(struct cdb_element *e, uint16_t company, uint16_t id)
{
    for (uint8_t i = 0; i < e->nmodels; i++)
        if (e->models[i].company == company && e->models[i].id == id)
            return &e->models[i];
    if (e->nmodels >= CDB_MAX_MODELS)
        return NULL;
    struct cdb_model *m = &e->models[e->nmodels++];
    memset(m, 0, sizeof(*m));
    m->company = company;
    m->id = id;
    return m;
}

int cdb_node_remove(struct cdb *db, uint16_t addr)
{
    for (int i = 0; i < db->nnodes; i++) {
        if (db->nodes[i].addr != addr)
            continue;
        memmove(&db->nodes[i], &db->nodes[i + 1],
                (size_t)(db->nnodes - i - 1) * sizeof(db->nodes[0]));
        db->nnodes--;
        memset(&db->nodes[db->nnodes], 0, sizeof(db->nodes[0]));
        return 0;
    }
    return -1;
}

int cdb_set_add(uint16_t *set, uint8_t *n, uint8_t max, uint16_t v)
{
    for (uint8_t i = 0; i < *n; i++)
        if (set[i] == v)
            return 0;
    if (*n >= max)
        return -1;
    set[(*n)++] = v;
    return 0;
}
