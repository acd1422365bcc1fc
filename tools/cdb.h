/* The provisioner's network database in the Bluetooth SIG Mesh
 * Configuration Database format (Mesh Configuration Database Profile
 * 1.0.1: the JSON that nRF Mesh and BlueZ mesh-cfgclient import and
 * export), held in memory as fixed tables.
 *
 * Loading treats the file as untrusted: every field is checked for type,
 * form and range, and the first problem is reported as one line naming its
 * JSON path (never a key's value). Fields of the format this tool does not
 * use are accepted and dropped; unknown fields are ignored. Saving writes a
 * temporary file (mode 0600: the format holds keys by design), fsyncs it and
 * renames it over the old one, so a crash leaves the old or the new file.
 *
 * Beside the standard fields, one object "blemesh" keeps what the format
 * has no place for: the IV index, the next unicast address to hand out and
 * the provisioner's last sequence number. */
#ifndef BM_CDB_H
#define BM_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Table sizes: entries beyond are a load error ("too many"). */
#define CDB_MAX_NODES 128
#define CDB_MAX_ELEMS 8
#define CDB_MAX_MODELS 16
#define CDB_MAX_BIND 8
#define CDB_MAX_SUBS 8
#define CDB_MAX_NETKEYS 4
#define CDB_MAX_APPKEYS 8
#define CDB_MAX_GROUPS 64
#define CDB_NAME_MAX 64
#define CDB_TS_MAX 40
/* Largest database file read, octets. */
#define CDB_FILE_MAX (8u << 20)

#define CDB_SIG 0xffff /* company of a SIG model */
#define CDB_UNKNOWN (-1)

struct cdb_netkey {
    uint16_t index;
    uint8_t key[16];
    bool has_old;
    uint8_t old_key[16];
    uint8_t phase; /* 0..2 */
    bool secure;   /* minSecurity "secure" */
    char name[CDB_NAME_MAX];
    char timestamp[CDB_TS_MAX];
};

struct cdb_appkey {
    uint16_t index;
    uint16_t bound_net;
    uint8_t key[16];
    bool has_old;
    uint8_t old_key[16];
    char name[CDB_NAME_MAX];
};

struct cdb_pub {
    bool set;
    uint16_t addr;          /* 0x0001..0xffff (a virtual address's label is not kept) */
    uint16_t index;         /* AppKey index */
    uint8_t ttl;            /* 0..127, 255 = default */
    uint8_t steps;          /* period numberOfSteps 0..63 */
    uint32_t resolution_ms; /* 100, 1000, 10000, 600000 */
    bool cred;
    uint8_t retx_count;         /* 0..7 */
    uint16_t retx_interval_ms;  /* 50..1600, multiple of 50 */
};

struct cdb_model {
    uint16_t company; /* CDB_SIG for a SIG model */
    uint16_t id;
    uint8_t nbind;
    uint16_t bind[CDB_MAX_BIND];
    uint8_t nsub;
    uint16_t sub[CDB_MAX_SUBS];
    struct cdb_pub pub;
};

struct cdb_element {
    uint8_t index;
    uint16_t location;
    char name[CDB_NAME_MAX];
    uint8_t nmodels;
    struct cdb_model models[CDB_MAX_MODELS];
};

struct cdb_node {
    uint8_t uuid[16];
    uint16_t addr;
    uint8_t dev_key[16];
    char name[CDB_NAME_MAX];
    bool secure;
    bool config_complete;
    bool excluded;
    uint8_t nnet;
    uint16_t net_keys[CDB_MAX_NETKEYS];
    uint8_t napp;
    uint16_t app_keys[CDB_MAX_APPKEYS];
    bool has_comp; /* cid/pid/vid/crpl known (Composition Data read) */
    uint16_t cid, pid, vid, crpl;
    int relay, proxy, friend_, low_power; /* 0, 1, 2 or CDB_UNKNOWN */
    int default_ttl;                       /* 0..127 or CDB_UNKNOWN */
    int beacon;                            /* 0/1 or CDB_UNKNOWN */
    int relay_count, relay_interval_ms;    /* relayRetransmit or CDB_UNKNOWN */
    uint8_t elements_known;                /* element count from provisioning */
    uint8_t nelems;
    struct cdb_element elems[CDB_MAX_ELEMS];
};

struct cdb_group {
    uint16_t addr, parent;
    char name[CDB_NAME_MAX];
};

struct cdb {
    uint8_t mesh_uuid[16];
    char mesh_name[CDB_NAME_MAX];
    char timestamp[CDB_TS_MAX];
    bool partial;
    /* the provisioner (one: this tool) */
    char prov_name[CDB_NAME_MAX];
    uint8_t prov_uuid[16];
    uint16_t uni_low, uni_high, grp_low, grp_high, scene_first, scene_last;
    uint8_t nnet, napp, ngroups;
    uint16_t nnodes;
    struct cdb_netkey net[CDB_MAX_NETKEYS];
    struct cdb_appkey app[CDB_MAX_APPKEYS];
    struct cdb_group groups[CDB_MAX_GROUPS];
    struct cdb_node nodes[CDB_MAX_NODES];
    /* extension "blemesh" */
    uint32_t iv_index;
    uint16_t next_unicast;
    uint32_t seq; /* the provisioner's next sequence number, as last saved */
};

/* Loads path into db (zeroed first). Returns 0, or -1 with one line in
 * err (what and where, no key material). A missing file is "no such
 * database (create one with: blemesh prov --db FILE create)". */
int cdb_load(struct cdb *db, const char *path, char *err, size_t err_len);
/* Parses a database from text (len octets). */
int cdb_parse(struct cdb *db, const char *text, size_t len, char *err, size_t err_len);
/* Writes db to path crash-safely (mode 0600); updates the timestamp.
 * Returns 0 or -1 with err. */
int cdb_save(struct cdb *db, const char *path, char *err, size_t err_len);
/* The whole database as JSON text (malloc'd, NUL-terminated), keys
 * included; NULL when memory runs out. */
char *cdb_to_json(const struct cdb *db);

/* Lookups; NULL when absent. */
struct cdb_node *cdb_node_by_addr(struct cdb *db, uint16_t addr);
struct cdb_node *cdb_node_by_uuid(struct cdb *db, const uint8_t uuid[16]);
struct cdb_appkey *cdb_appkey(struct cdb *db, uint16_t index);
/* The element of node n at unicast address addr, creating the entries up
 * to it when the node's composition is not known yet; NULL if out of
 * range. */
struct cdb_element *cdb_element(struct cdb_node *n, uint16_t addr);
/* The model on an element, added if absent; NULL when the table is full. */
struct cdb_model *cdb_model(struct cdb_element *e, uint16_t company, uint16_t id);
/* Removes the node at addr; returns 0 or -1. */
int cdb_node_remove(struct cdb *db, uint16_t addr);
/* Adds a value to a small set (binds, subscriptions, key lists); 0 or -1
 * when full. */
int cdb_set_add(uint16_t *set, uint8_t *n, uint8_t max, uint16_t v);

/* Current UTC time as an ISO 8601 timestamp. */
void cdb_now(char out[CDB_TS_MAX]);

#endif
