/* What a node persists, as records by 16-bit key through the platform's
 * store hooks, and the encodings of those records. Each record is written
 * whole (the port makes a put atomic), so a crash leaves the old or the new
 * value. Keys are stable across versions: never renumber.
 *
 * Layout (version 2). All integers little-endian; every record but UUID and
 * SEQ starts with its version octet, and a decoder rejects (BM_EMALFORMED)
 * any other version, length or out-of-range field: the record is then
 * ignored as if absent, never trusted in part.
 *
 *   key            record          contents
 *   0x0001         UUID            16 octets (kept across reset)
 *   0x0002         PROV            v2: ver addr(2) dev_key(16) elements(1)
 *                                  (v1, 43 octets, still read: it also held
 *                                  one NetKey and the IV index)
 *   0x0003         SEQ             the sequence reservation mark (4 octets):
 *                                  seq never reaches it unstored
 *   0x0004         IV              ver iv_index(4) flags(1: bit0 IV Update
 *                                  in Progress, bit1 an IV Index Recovery
 *                                  happened in this state) hours(2) in the
 *                                  current state when written (hourly)
 *   0x0005         CFG             ver relay(1) relay_count(1)
 *                                  relay_interval_ms(2) net_count(1)
 *                                  net_interval_ms(2) beacon(1) ttl(1)
 *                                  gatt_proxy(1) friend(1): 12 octets;
 *                                  (10 octets, without the last two, as
 *                                  written before they were stored, still
 *                                  read: those two keep their defaults)
 *   0x0006         HB              ver pub: dst(2) count(2) period_log(1)
 *                                  ttl(1) features(2) net_idx(2);
 *                                  sub: src(2) dst(2)
 *   0x0007         PROVISIONER     ver net_idx(2) next_addr(2)
 *   0x0100 + i     NET             subnet slot i: ver net_idx(2) phase(1)
 *                                  key(16) [new_key(16) in phases 1-2]
 *   0x0200 + i     APP             AppKey slot i: ver app_idx(2) net_idx(2)
 *                                  new(1) key(16)
 *   0x0300 + k     MODEL_CFG       model slot k: ver elem(1) company(2)
 *                                  id(2) nkeys(1) keys(2 each) nsubs(1)
 *                                  subs (addr(2) [+ label(16) if virtual])
 *                                  pub addr(2) [label(16)] app_idx(2)
 *                                  cred(1) ttl(1) period(1) retransmit(1)
 *   0x0400 + k     MODEL_STATE     model slot k: ver elem(1) company(2)
 *                                  id(2) state (1..BM_MODEL_SAVED_MAX)
 *   0x1000 + i     PROV_DB         provisioner's node i: ver uuid(16)
 *                                  addr(2) elements(1) dev_key(16)
 *   0x8000 + i     RPL             replay entry i: ver src(2) seq(4) iv(4);
 *                                  seq is a mark at or above the last
 *                                  accepted sequence number (see below)
 *
 * Model records are matched to models by element index and model ID, not
 * by slot: a board may create its models in any order, before or after
 * bm_init, and each picks up its own record when it is created.
 *
 * When things are written (storage/persist.c):
 * - provisioning: everything above is erased but UUID, then PROV, NET, IV;
 * - every Configuration Server message: before its Status goes out, each
 *   NET/APP/CFG/HB/MODEL_CFG record whose bytes changed (compared with
 *   the stored ones, so a Get writes nothing);
 * - key refresh phase changes and IV state changes, as they happen;
 * - model present states (OnOff, Level) when they change;
 * - RPL: a source's entry only when its sequence number passes the stored
 *   mark, which is then set BM_CFG_RPL_STORE_BLOCK ahead; after a restart
 *   the mark is the source's last sequence number, so a replay is still
 *   refused and a crash can only make a few new messages look old.
 * bm_reset_node_prov deletes every record but UUID before forgetting. */
#ifndef BM_RECORDS_H
#define BM_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/model.h"
#include "blemesh/config.h"
#include "transport/upper.h"

struct bm_node;

#define BM_REC_UUID 0x0001
#define BM_REC_PROV 0x0002
#define BM_REC_SEQ 0x0003
#define BM_REC_IV 0x0004
#define BM_REC_CFG 0x0005
#define BM_REC_HB 0x0006
#define BM_REC_PROVISIONER 0x0007
#define BM_REC_NET 0x0100
#define BM_REC_APP 0x0200
#define BM_REC_MODEL_CFG 0x0300
#define BM_REC_MODEL_STATE 0x0400
#define BM_REC_PROV_DB 0x1000
#define BM_REC_RPL 0x8000

#define BM_REC_VERSION 2 /* of every versioned record but PROV v1 */

_Static_assert(BM_CFG_SUBNETS <= 0x100, "NET records fit their key range");
_Static_assert(BM_CFG_APP_KEYS <= 0x100, "APP records fit their key range");
_Static_assert(BM_CFG_MODELS <= 0x100, "model records fit their key range");
_Static_assert(BM_CFG_PROV_NODES <= 0x1000, "PROV_DB records fit their key range");
_Static_assert(BM_CFG_RPL_SIZE <= 0x7fff, "RPL records fit their key range");

/* Octets of one model's persisted present state (see state_save in
 * access/model.h). */
#define BM_MODEL_SAVED_MAX 8

/* Largest record: a model's configuration with every subscription
 * virtual. */
#define BM_REC_MODEL_CFG_MAX                                                                      \
    (6 + 1 + 2 * BM_CFG_MODEL_KEYS + 1 + 18 * BM_CFG_MODEL_SUBS + 18 + 6)

/* Wrappers over the platform hooks: without storage, put succeeds and
 * keeps nothing, get reports BM_ENOENT; deleting an absent record
 * succeeds. */
int bm_store_put(struct bm_node *node, uint16_t key, const void *data, size_t len);
int bm_store_get(struct bm_node *node, uint16_t key, void *data, size_t size, size_t *len);
int bm_store_del(struct bm_node *node, uint16_t key);

/* --- record codecs (storage/rec_codec.c): pure, no node state ---
 * One codec for every record: bm_rec_encode writes the record of kind k
 * from its struct (below) into out (at least the record's maximum size)
 * and returns the length; bm_rec_decode takes untrusted bytes and returns
 * 0 or BM_EMALFORMED, filling its output only on success (without
 * BM_CFG_PROVISIONER, a PROVISIONER or PROV_DB record never decodes: such
 * an image ignores them). The typed wrappers after each struct only name
 * the kind. */

enum bm_rec_kind {
    BM_RK_PROV,        /* struct bm_rec_prov */
    BM_RK_IV,          /* struct bm_rec_iv */
    BM_RK_NET,         /* struct bm_rec_net */
    BM_RK_APP,         /* struct bm_rec_app */
    BM_RK_CFG,         /* struct bm_rec_cfg */
    BM_RK_HB,          /* struct bm_rec_hb */
    BM_RK_PROVISIONER, /* struct bm_rec_provisioner */
    BM_RK_DB,          /* struct bm_rec_db */
    BM_RK_RPL,         /* struct bm_rec_rpl */
    BM_RK_MODEL_CFG,   /* struct bm_rec_model_cfg */
    BM_RK_MODEL_STATE, /* struct bm_rec_model_state */
    BM_RK_MODEL_ID     /* struct bm_rec_model_id: decode only, of either model record */
};

size_t bm_rec_encode(enum bm_rec_kind k, const void *rec, uint8_t *out);
int bm_rec_decode(enum bm_rec_kind k, const uint8_t *in, size_t len, void *rec);

struct bm_rec_prov {
    uint16_t addr;
    uint8_t dev_key[16];
    uint8_t elements;
    /* v1 only: the NetKey and IV state it carried */
    bool v1;
    uint16_t net_idx;
    uint8_t net_key[16];
    uint32_t iv_index;
    uint8_t flags;
};
#define BM_REC_PROV_LEN 20
#define BM_REC_PROV_V1_LEN 43
static inline size_t bm_rec_prov_encode(const struct bm_rec_prov *r,
                                        uint8_t out[BM_REC_PROV_LEN])
{
    return bm_rec_encode(BM_RK_PROV, r, out);
}
static inline int bm_rec_prov_decode(const uint8_t *in, size_t len, struct bm_rec_prov *r)
{
    return bm_rec_decode(BM_RK_PROV, in, len, r);
}

struct bm_rec_iv {
    uint32_t iv_index;
    uint8_t flags; /* bit0 IV Update in Progress, bit1 recovered */
    uint16_t hours;
};
#define BM_REC_IV_LEN 8
static inline size_t bm_rec_iv_encode(const struct bm_rec_iv *r, uint8_t out[BM_REC_IV_LEN])
{
    return bm_rec_encode(BM_RK_IV, r, out);
}
static inline int bm_rec_iv_decode(const uint8_t *in, size_t len, struct bm_rec_iv *r)
{
    return bm_rec_decode(BM_RK_IV, in, len, r);
}

struct bm_rec_net {
    uint16_t net_idx;
    uint8_t phase;
    uint8_t key[16];
    uint8_t new_key[16]; /* phases 1 and 2 */
};
#define BM_REC_NET_MAX 36
static inline size_t bm_rec_net_encode(const struct bm_rec_net *r, uint8_t out[BM_REC_NET_MAX])
{
    return bm_rec_encode(BM_RK_NET, r, out);
}
static inline int bm_rec_net_decode(const uint8_t *in, size_t len, struct bm_rec_net *r)
{
    return bm_rec_decode(BM_RK_NET, in, len, r);
}

struct bm_rec_app {
    struct bm_upper_appkey k; /* app_idx and key (aid is not stored: 0) */
    uint16_t net_idx;
    bool is_new;
};
#define BM_REC_APP_LEN 22
static inline size_t bm_rec_app_encode(const struct bm_rec_app *r, uint8_t out[BM_REC_APP_LEN])
{
    return bm_rec_encode(BM_RK_APP, r, out);
}
static inline int bm_rec_app_decode(const uint8_t *in, size_t len, struct bm_rec_app *r)
{
    return bm_rec_decode(BM_RK_APP, in, len, r);
}

/* The Configuration Server's node states. The states 0..2 (0 disabled, 1
 * enabled, 2 not supported: 4.2.8, 4.2.11, 4.2.12) are stored as the node
 * had them; loading applies a stored 0 or 1 only to a node that supports
 * the feature, and leaves one that does not at "not supported". GATT Proxy
 * and Friend came later than the rest: a record of BM_REC_CFG_OLD_LEN
 * octets, without them, decodes with both BM_REC_CFG_UNSET (the node
 * keeps its defaults); BM_REC_CFG_LEN and BM_REC_CFG_OLD_LEN are the only
 * lengths a CFG record decodes at. */
struct bm_rec_cfg {
    uint8_t relay; /* 0..2 */
    struct bm_adv_xmit relay_xmit;
    struct bm_adv_xmit net_xmit;
    bool beacon;
    uint8_t ttl;
    uint8_t gatt_proxy;   /* 0..2 */
    uint8_t friend_state; /* 0..2 */
};
#define BM_REC_CFG_LEN 12
#define BM_REC_CFG_OLD_LEN 10
#define BM_REC_CFG_UNSET 2 /* not stored: as "not supported", nothing to apply */
static inline size_t bm_rec_cfg_encode(const struct bm_rec_cfg *r, uint8_t out[BM_REC_CFG_LEN])
{
    return bm_rec_encode(BM_RK_CFG, r, out);
}
static inline int bm_rec_cfg_decode(const uint8_t *in, size_t len, struct bm_rec_cfg *r)
{
    return bm_rec_decode(BM_RK_CFG, in, len, r);
}

struct bm_rec_hb {
    uint16_t pub_dst;
    uint16_t pub_count;
    uint8_t pub_period_log;
    uint8_t pub_ttl;
    uint16_t pub_features;
    uint16_t pub_net_idx;
    uint16_t sub_src;
    uint16_t sub_dst;
};
#define BM_REC_HB_LEN 15
static inline size_t bm_rec_hb_encode(const struct bm_rec_hb *r, uint8_t out[BM_REC_HB_LEN])
{
    return bm_rec_encode(BM_RK_HB, r, out);
}
static inline int bm_rec_hb_decode(const uint8_t *in, size_t len, struct bm_rec_hb *r)
{
    return bm_rec_decode(BM_RK_HB, in, len, r);
}

/* The identity a model record is matched by. */
struct bm_rec_model_id {
    uint8_t elem;
    uint16_t company;
    uint16_t id;
};

/* From keys to pub laid out as in struct bm_model (persist.c copies the
 * run in one piece: keys aligned as pub is), the labels last: the codec's
 * tables hold member offsets in one octet. */
struct bm_rec_model_cfg {
    struct bm_rec_model_id mid;
    _Alignas(struct bm_model_pub) uint16_t keys[BM_CFG_MODEL_KEYS];
    uint8_t key_count;
    uint16_t subs[BM_CFG_MODEL_SUBS];
    uint8_t sub_count;
    /* addr, label (virtual addr), app_idx, cred, ttl, period, retransmit:
     * the rest is not stored (0 when decoded) */
    struct bm_model_pub pub;
    uint8_t sub_labels[BM_CFG_MODEL_SUBS][16]; /* for virtual subs */
};
static inline size_t bm_rec_model_cfg_encode(const struct bm_rec_model_cfg *r,
                                             uint8_t out[BM_REC_MODEL_CFG_MAX])
{
    return bm_rec_encode(BM_RK_MODEL_CFG, r, out);
}
static inline int bm_rec_model_cfg_decode(const uint8_t *in, size_t len,
                                          struct bm_rec_model_cfg *r)
{
    return bm_rec_decode(BM_RK_MODEL_CFG, in, len, r);
}

struct bm_rec_model_state {
    struct bm_rec_model_id mid;
    uint8_t state[BM_MODEL_SAVED_MAX];
    uint8_t len;
};
#define BM_REC_MODEL_STATE_MAX (6 + BM_MODEL_SAVED_MAX)
static inline size_t bm_rec_model_state_encode(const struct bm_rec_model_state *r,
                                               uint8_t out[BM_REC_MODEL_STATE_MAX])
{
    return bm_rec_encode(BM_RK_MODEL_STATE, r, out);
}
static inline int bm_rec_model_state_decode(const uint8_t *in, size_t len,
                                            struct bm_rec_model_state *r)
{
    return bm_rec_decode(BM_RK_MODEL_STATE, in, len, r);
}
/* The identity of a MODEL_CFG or MODEL_STATE record (both start alike). */
static inline int bm_rec_model_id_decode(const uint8_t *in, size_t len,
                                         struct bm_rec_model_id *mid)
{
    return bm_rec_decode(BM_RK_MODEL_ID, in, len, mid);
}

struct bm_rec_provisioner {
    uint16_t net_idx;
    uint16_t next_addr;
};
#define BM_REC_PROVISIONER_LEN 5
static inline size_t bm_rec_provisioner_encode(const struct bm_rec_provisioner *r,
                                               uint8_t out[BM_REC_PROVISIONER_LEN])
{
    return bm_rec_encode(BM_RK_PROVISIONER, r, out);
}
static inline int bm_rec_provisioner_decode(const uint8_t *in, size_t len,
                                            struct bm_rec_provisioner *r)
{
    return bm_rec_decode(BM_RK_PROVISIONER, in, len, r);
}

struct bm_rec_db {
    uint8_t uuid[16];
    uint16_t addr;
    uint8_t elements;
    uint8_t dev_key[16];
};
#define BM_REC_DB_LEN 36
static inline size_t bm_rec_db_encode(const struct bm_rec_db *r, uint8_t out[BM_REC_DB_LEN])
{
    return bm_rec_encode(BM_RK_DB, r, out);
}
static inline int bm_rec_db_decode(const uint8_t *in, size_t len, struct bm_rec_db *r)
{
    return bm_rec_decode(BM_RK_DB, in, len, r);
}

struct bm_rec_rpl {
    uint16_t src;
    uint32_t seq;
    uint32_t iv_index;
};
#define BM_REC_RPL_LEN 11
static inline size_t bm_rec_rpl_encode(const struct bm_rec_rpl *r, uint8_t out[BM_REC_RPL_LEN])
{
    return bm_rec_encode(BM_RK_RPL, r, out);
}
static inline int bm_rec_rpl_decode(const uint8_t *in, size_t len, struct bm_rec_rpl *r)
{
    return bm_rec_decode(BM_RK_RPL, in, len, r);
}

/* Any record, decoded (scratch space of the codec and of persist.c). */
union bm_rec {
    struct bm_rec_prov prov;
    struct bm_rec_iv iv;
    struct bm_rec_net net;
    struct bm_rec_app app;
    struct bm_rec_cfg cfg;
    struct bm_rec_hb hb;
    struct bm_rec_provisioner provisioner;
    struct bm_rec_db db;
    struct bm_rec_rpl rpl;
    struct bm_rec_model_cfg model_cfg;
    struct bm_rec_model_state model_state;
    struct bm_rec_model_id mid;
};

/* --- the node's persistence (storage/persist.c) --- */

/* Fresh provisioning: erases what a previous life left (all but UUID),
 * then writes PROV, NET, IV and the SEQ mark. */
int bm_persist_provisioned(struct bm_node *node);
/* bm_init: loads PROV and everything hanging from it. BM_ENOENT when not
 * provisioned; BM_EMALFORMED when PROV is corrupt (the node then starts
 * unprovisioned). Models created already are restored too. */
int bm_persist_load(struct bm_node *node);
/* Writes every NET/APP/CFG/HB/MODEL_CFG/PROVISIONER/PROV_DB record whose
 * bytes changed. Returns the first error, after trying all. */
int bm_persist_sync(struct bm_node *node);
/* The IV record (IV state changed, or the hourly duration update). */
int bm_persist_iv(struct bm_node *node);
/* The SEQ mark. */
int bm_persist_seq(struct bm_node *node, uint32_t mark);
/* A model was created: restores its configuration and state from the
 * records with its element index and model ID (when the node has loaded
 * its provisioning; before bm_init, bm_init does it). */
void bm_persist_model_created(struct bm_node *node, struct bm_model *model);
/* Saves the present state of every model whose state changed. */
void bm_persist_model_states(struct bm_node *node);
/* The node configuration after the primary element was created again
 * after bm_init (its defaults must not replace the stored ones). */
void bm_persist_reapply_cfg(struct bm_node *node);
/* Replay list entry i was updated; writes it when its seq passed the
 * stored mark. */
void bm_persist_rpl(struct bm_node *node, uint16_t i);
/* Deletes every record but UUID. Returns the first error (the rest are
 * still tried). */
int bm_persist_erase(struct bm_node *node);

#endif
