/* Fuzz target: the Mesh Configuration Database importer of the tool
 * (tools/cdb.c, cdb_parse over libcjson): the JSON a user hands to
 * `blemesh prov --db FILE` is untrusted. Input: the file's octets.
 * Properties: no sanitizer report; a refused file gives one non-empty,
 * NUL-terminated error line that names no key of the input (the NetKeys,
 * AppKeys and device keys of an accepted round trip are checked); an
 * accepted database fits its tables, and what cdb_to_json writes from it
 * parses again to the same tables (export/import round trip), so nothing
 * the loader lets in makes the tool write a file it cannot read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdb.h"
#include "fuzz_common.h"

static struct cdb db, db2;

/* err must not carry the hex of a key the database holds */
static void check_no_key(const char *err, const uint8_t key[16])
{
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02X", key[i]);
    FZ_CHECK(strstr(err, hex) == NULL);
    for (int i = 0; i < 32; i++)
        if (hex[i] >= 'A' && hex[i] <= 'F')
            hex[i] = (char)(hex[i] - 'A' + 'a');
    FZ_CHECK(strstr(err, hex) == NULL);
}

static void check_tables(const struct cdb *d)
{
    FZ_CHECK(d->nnet <= CDB_MAX_NETKEYS && d->napp <= CDB_MAX_APPKEYS);
    FZ_CHECK(d->ngroups <= CDB_MAX_GROUPS && d->nnodes <= CDB_MAX_NODES);
    for (int i = 0; i < d->nnodes; i++) {
        const struct cdb_node *n = &d->nodes[i];
        FZ_CHECK(n->nnet <= CDB_MAX_NETKEYS && n->napp <= CDB_MAX_APPKEYS);
        FZ_CHECK(n->nelems <= CDB_MAX_ELEMS);
        for (int e = 0; e < n->nelems; e++) {
            FZ_CHECK(n->elems[e].nmodels <= CDB_MAX_MODELS);
            for (int m = 0; m < n->elems[e].nmodels; m++)
                FZ_CHECK(n->elems[e].models[m].nbind <= CDB_MAX_BIND &&
                         n->elems[e].models[m].nsub <= CDB_MAX_SUBS);
        }
        FZ_CHECK(memchr(n->name, 0, sizeof(n->name)) != NULL);
    }
    FZ_CHECK(memchr(d->mesh_name, 0, sizeof(d->mesh_name)) != NULL);
    FZ_CHECK(memchr(d->timestamp, 0, sizeof(d->timestamp)) != NULL);
}

/* What the round trip does not keep, by design: a publication to a Label
 * UUID is accepted but not kept (cdb.h), so the model has none and its
 * other publication fields mean nothing. */
static void normalise(struct cdb *d)
{
    /* names and timestamps: an empty one is exported as a default (cdb.c
     * writes "AppKey" for a nameless AppKey), so they are not compared */
    for (int i = 0; i < d->nnet; i++) {
        memset(d->net[i].name, 0, sizeof(d->net[i].name));
        memset(d->net[i].timestamp, 0, sizeof(d->net[i].timestamp));
    }
    for (int i = 0; i < d->napp; i++)
        memset(d->app[i].name, 0, sizeof(d->app[i].name));
    for (int i = 0; i < d->nnodes; i++) {
        memset(d->nodes[i].name, 0, sizeof(d->nodes[i].name));
        for (int e = 0; e < CDB_MAX_ELEMS; e++)
            memset(d->nodes[i].elems[e].name, 0, sizeof(d->nodes[i].elems[e].name));
    }
    for (int i = 0; i < d->nnodes; i++)
        for (int e = 0; e < d->nodes[i].nelems; e++)
            for (int m = 0; m < d->nodes[i].elems[e].nmodels; m++) {
                struct cdb_pub *p = &d->nodes[i].elems[e].models[m].pub;
                if (!p->set)
                    memset(p, 0, sizeof(*p));
            }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    memset(err, 0x5a, sizeof(err));
    if (cdb_parse(&db, (const char *)data, size, err, sizeof(err)) != 0) {
        FZ_CHECK(memchr(err, 0, sizeof(err)) != NULL && err[0] != 0);
        return 0;
    }
    check_tables(&db);
    char *json = cdb_to_json(&db);
    FZ_CHECK(json != NULL);
    memset(err, 0x5a, sizeof(err));
    int rc = cdb_parse(&db2, json, strlen(json), err, sizeof(err));
    if (rc != 0) {
        FZ_CHECK(memchr(err, 0, sizeof(err)) != NULL);
        for (int i = 0; i < db.nnet; i++)
            check_no_key(err, db.net[i].key);
        for (int i = 0; i < db.napp; i++)
            check_no_key(err, db.app[i].key);
        for (int i = 0; i < db.nnodes; i++)
            check_no_key(err, db.nodes[i].dev_key);
        fprintf(stderr, "exported database does not load back: %s\n", err);
    }
    FZ_CHECK(rc == 0);
    check_tables(&db2);
    normalise(&db);
    normalise(&db2);
    /* what the tool keeps survives the round trip */
    FZ_CHECK(db2.nnet == db.nnet && db2.napp == db.napp && db2.nnodes == db.nnodes &&
             db2.ngroups == db.ngroups);
    FZ_CHECK(memcmp(db2.net, db.net, sizeof(db.net)) == 0);
    FZ_CHECK(memcmp(db2.app, db.app, sizeof(db.app)) == 0);
    FZ_CHECK(memcmp(db2.nodes, db.nodes, sizeof(db.nodes)) == 0);
    FZ_CHECK(db2.iv_index == db.iv_index && db2.next_unicast == db.next_unicast &&
             db2.seq == db.seq);
    free(json);
    return 0;
}
