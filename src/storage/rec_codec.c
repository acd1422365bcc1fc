/* Encoders and decoders of the stored records (layout in records.h).
 *
 * One walk per record kind describes its fields in order; the same walk
 * encodes (struct -> bytes) and decodes (bytes -> struct), so the two
 * directions cannot drift apart. Fixed runs of fields are runs of one
 * table of (offset in the struct, type: width on flash, largest valid
 * value).
 *
 * Stored bytes are untrusted: flash can rot and a port can hand back
 * anything. Decoding reads through a cursor that fails safely, checks
 * the version, the exact length (for CFG, one of its two: records.h)
 * and each field's range, and fills the caller's struct only when the
 * whole record is sound; otherwise BM_EMALFORMED. Encoding checks
 * nothing: the node's state is valid. */
#include <stddef.h>
#include <string.h>

#include "blemesh/errors.h"
#include "crypto/crypto.h"
#include "storage/records.h"

/* Field types: each gives the width of a field on flash and in its struct
 * member (an integer of that size, bool for a flag; more than 4 octets: a
 * run of octets) and, for a 1- or 2-octet integer, the largest valid value
 * (type_max). Ordered by width: the order gives the width (xfer). */
enum ftype {
    /* 1 octet */
    T_U8,
    T_FLAG,       /* bool */
    T_0_2,        /* relay, GATT Proxy, Friend states 0..2 (4.2.8, 4.2.11,
                     4.2.12), key refresh phase 0..2 */
    T_IV_FLAGS,   /* IV record flags (records.h) */
    T_XMIT_COUNT, /* transmissions 1..8 (4.2.19-4.2.20; in_range) */
    T_TTL,        /* 0..127 (4.2.7) */
    T_PERIOD_LOG, /* heartbeat period log <= 0x11 (4.2.17.3) */
    T_ELEM,       /* element index */
    T_NKEYS,      /* a model's bound AppKeys */
    T_NSUBS,      /* a model's subscriptions */
    T_ELEMENTS,   /* a node's element count, 1..255 (in_range) */
    T_PUB_TTL,    /* 0..127, or 0xff: the Default TTL (4.2.2.5; in_range) */
    /* 2 octets */
    T_U16,
    T_IDX,       /* NetKey / AppKey index (4.3.1.1) */
    T_UNICAST,   /* or 0: unassigned */
    T_NODE_ADDR, /* unicast, not 0 (in_range) */
    T_INTERVAL,  /* transmit interval 10..320 ms in steps of 10 (in_range) */
    T_FEATURES,  /* four heartbeat feature bits (4.2.17.5) */
    T_SUB,       /* a group but all-nodes (4.2.3), or virtual (in walk) */
    T_HB_DST,    /* heartbeat destination: not virtual (4.2.17-4.2.18; in_range) */
    T_NEXT_ADDR, /* unicast, or one past the last when all are used */
    /* 4 octets: any value */
    T_U32,
    /* 16 octets: a key, a UUID or a Label UUID */
    T_OCTETS16,
};

static const uint16_t type_max[T_U32] = {
    [T_U8] = 0xff,        [T_FLAG] = 1,
    [T_0_2] = 2,          [T_IV_FLAGS] = 0x03,
    [T_XMIT_COUNT] = 8,   [T_TTL] = 127,
    [T_PERIOD_LOG] = 0x11, [T_ELEM] = BM_CFG_ELEMENTS - 1,
    [T_NKEYS] = BM_CFG_MODEL_KEYS, [T_NSUBS] = BM_CFG_MODEL_SUBS,
    [T_ELEMENTS] = 0xff,  [T_PUB_TTL] = 0xff,
    [T_U16] = 0xffff,     [T_IDX] = 0x0fff,
    [T_UNICAST] = 0x7fff, [T_NODE_ADDR] = 0x7fff, [T_INTERVAL] = 320,
    [T_FEATURES] = 0x000f, [T_SUB] = 0xfffe, [T_HB_DST] = 0xffff,
    [T_NEXT_ADDR] = 0x8000,
};

/* One field: where its member is in the struct, and its type. */
struct field {
    uint8_t off;
    uint8_t type; /* enum ftype */
};

struct cur {
    uint8_t *p;         /* when decoding, the input: never written */
    const uint8_t *end; /* decoding: the end of the input */
    bool enc;           /* struct -> bytes */
    bool bad;           /* decoding: short or out of range */
};

/* A check across fields; only decoding rejects. */
static void check(struct cur *c, bool ok)
{
    if (!ok && !c->enc)
        c->bad = true;
}

static bool is_virtual(uint16_t a)
{
    return (a & 0xc000) == 0x8000;
}

/* A 1- or 2-octet integer of type t is valid: at most its maximum; a
 * node's address and element count not 0; for Network Transmit / Relay
 * Retransmit (4.2.19-4.2.20) at least one transmission, at least 10 ms
 * apart, in steps of 10 ms: x / 10 is x * 52,429 >> 19 for every 16-bit
 * x (the error x * 0.4e-6 stays below 1/10; no call to libgcc's division
 * on Cortex-M0+; test_persist decodes every 16-bit interval); a
 * publication TTL 0..127 or 0xff; a heartbeat destination not virtual. */
static bool in_range(uint8_t t, uint32_t x)
{
    if (x > type_max[t])
        return false;
    if (t == T_XMIT_COUNT || t == T_ELEMENTS || t == T_NODE_ADDR)
        return x != 0;
    if (t == T_INTERVAL)
        return x >= 10 && (x * 52429u >> 19) * 10 == x;
    if (t == T_PUB_TTL)
        return x <= 127 || x == 0xff;
    if (t == T_HB_DST)
        return !is_virtual((uint16_t)x);
    return true;
}

/* Moves fields f[0..n) of the struct at rec in the cursor's direction.
 * An integer member holds the octets of its field in the host's order:
 * reversed when that is big-endian (the test is a constant). */
static void xfer(struct cur *c, void *rec, const struct field *f, size_t n)
{
    const uint16_t one = 1; /* its first octet is 0 on a big-endian host */
    for (; n > 0 && !c->bad; n--, f++) {
        uint8_t *v = (uint8_t *)rec + f->off;
        uint8_t t = f->type;
        uint8_t w = t < T_U16 ? 1 : t < T_U32 ? 2 : t == T_U32 ? 4 : 16;
        if (!c->enc && (size_t)(c->end - c->p) < w) {
            c->bad = true;
            return;
        }
        uint8_t *to = c->enc ? c->p : v;
        const uint8_t *from = c->enc ? v : c->p;
        bool swap = *(const uint8_t *)&one == 0 && w <= 4;
        for (uint8_t k = 0; k < w; k++)
            to[k] = from[swap ? w - 1 - k : k];
        /* decoding: the integer is in the member now */
        if (!c->enc && w <= 2 && !in_range(t, w == 1 ? *v : *(uint16_t *)v))
            c->bad = true;
        c->p += w;
    }
}

/* Moves field f of each of the n elements of the array at v (stride
 * octets apart). */
static void xfer_each(struct cur *c, void *v, size_t stride, size_t n, const struct field *f)
{
    for (size_t i = 0; i < n; i++)
        xfer(c, (uint8_t *)v + i * stride, f, 1); /* nothing once c->bad */
}

/* Every record's fields, in one table: where each kind's run starts (a
 * run longer than the room its start leaves overlaps the next one's
 * initializers: a compile error). */
enum {
    F_PROV = 0,
    F_PROV_V1 = F_PROV + 3,
    F_IV = F_PROV_V1 + 7,
    F_NET = F_IV + 3,
    F_APP = F_NET + 4,
    F_CFG = F_APP + 4,
    F_HB = F_CFG + 9,
    F_RPL = F_HB + 8,
    F_MODEL = F_RPL + 3,
    F_KEY_IDX = F_MODEL + 12,
    F_SUB = F_KEY_IDX + 1,
    F_LABEL = F_SUB + 1,
    F_OCTET = F_LABEL + 1,
    F_PROVISIONER = F_OCTET + 1,
    F_DB = F_PROVISIONER + 2,
    F_END = BM_CFG_PROVISIONER ? F_DB + 4 : F_PROVISIONER
};

#define F(type, member, t) {offsetof(type, member), t}

static const struct field fields[] = {
    [F_PROV] = F(struct bm_rec_prov, addr, T_NODE_ADDR),
    F(struct bm_rec_prov, dev_key, T_OCTETS16),
    F(struct bm_rec_prov, elements, T_ELEMENTS),

    /* v1: ver addr net_idx net_key dev_key iv_index flags elements */
    [F_PROV_V1] = F(struct bm_rec_prov, addr, T_NODE_ADDR),
    F(struct bm_rec_prov, net_idx, T_IDX),
    F(struct bm_rec_prov, net_key, T_OCTETS16),
    F(struct bm_rec_prov, dev_key, T_OCTETS16),
    F(struct bm_rec_prov, iv_index, T_U32),
    F(struct bm_rec_prov, flags, T_IV_FLAGS),
    F(struct bm_rec_prov, elements, T_ELEMENTS),

    [F_IV] = F(struct bm_rec_iv, iv_index, T_U32),
    F(struct bm_rec_iv, flags, T_IV_FLAGS),
    F(struct bm_rec_iv, hours, T_U16),

    /* the new key only in phases 1 and 2 (walk) */
    [F_NET] = F(struct bm_rec_net, net_idx, T_IDX),
    F(struct bm_rec_net, phase, T_0_2),
    F(struct bm_rec_net, key, T_OCTETS16),
    F(struct bm_rec_net, new_key, T_OCTETS16),

    [F_APP] = F(struct bm_rec_app, k.app_idx, T_IDX),
    F(struct bm_rec_app, net_idx, T_IDX),
    F(struct bm_rec_app, is_new, T_FLAG),
    F(struct bm_rec_app, k.key, T_OCTETS16),

    /* 4.2.7, 4.2.8, 4.2.19-4.2.20 */
    [F_CFG] = F(struct bm_rec_cfg, relay, T_0_2),
    F(struct bm_rec_cfg, relay_xmit.count, T_XMIT_COUNT),
    F(struct bm_rec_cfg, relay_xmit.interval_ms, T_INTERVAL),
    F(struct bm_rec_cfg, net_xmit.count, T_XMIT_COUNT),
    F(struct bm_rec_cfg, net_xmit.interval_ms, T_INTERVAL),
    F(struct bm_rec_cfg, beacon, T_FLAG),
    F(struct bm_rec_cfg, ttl, T_TTL),
    /* the optional tail (walk): 4.2.11, 4.2.12 */
    F(struct bm_rec_cfg, gatt_proxy, T_0_2),
    F(struct bm_rec_cfg, friend_state, T_0_2),

    /* 4.2.17-4.2.18: a subscription names no source or a unicast one */
    [F_HB] = F(struct bm_rec_hb, pub_dst, T_HB_DST),
    F(struct bm_rec_hb, pub_count, T_U16),
    F(struct bm_rec_hb, pub_period_log, T_PERIOD_LOG),
    F(struct bm_rec_hb, pub_ttl, T_TTL),
    F(struct bm_rec_hb, pub_features, T_FEATURES),
    F(struct bm_rec_hb, pub_net_idx, T_IDX),
    F(struct bm_rec_hb, sub_src, T_UNICAST),
    F(struct bm_rec_hb, sub_dst, T_HB_DST),

    [F_RPL] = F(struct bm_rec_rpl, src, T_NODE_ADDR),
    F(struct bm_rec_rpl, seq, T_U32),
    F(struct bm_rec_rpl, iv_index, T_U32),

    /* the identity (mid first in the struct) and the key count; then in
     * walk the keys, the subscriptions and the publication */
    [F_MODEL] = F(struct bm_rec_model_cfg, mid.elem, T_ELEM),
    F(struct bm_rec_model_cfg, mid.company, T_U16),
    F(struct bm_rec_model_cfg, mid.id, T_U16),
    F(struct bm_rec_model_cfg, key_count, T_NKEYS),
    F(struct bm_rec_model_cfg, sub_count, T_NSUBS),
    F(struct bm_rec_model_cfg, pub.addr, T_U16),
    F(struct bm_rec_model_cfg, pub.label, T_OCTETS16),
    F(struct bm_rec_model_cfg, pub.app_idx, T_IDX),
    F(struct bm_rec_model_cfg, pub.cred, T_FLAG),
    F(struct bm_rec_model_cfg, pub.ttl, T_PUB_TTL),
    F(struct bm_rec_model_cfg, pub.period, T_U8),
    F(struct bm_rec_model_cfg, pub.retransmit, T_U8),

    /* one AppKey index, one subscription, one Label UUID, one octet of a
     * model's state (at offset 0: walk passes the array element) */
    [F_KEY_IDX] = {0, T_IDX},
    [F_SUB] = {0, T_SUB},
    [F_LABEL] = {0, T_OCTETS16},
    [F_OCTET] = {0, T_U8},

#if BM_CFG_PROVISIONER
    [F_PROVISIONER] = F(struct bm_rec_provisioner, net_idx, T_IDX),
    F(struct bm_rec_provisioner, next_addr, T_NEXT_ADDR),

    [F_DB] = F(struct bm_rec_db, uuid, T_OCTETS16),
    F(struct bm_rec_db, addr, T_NODE_ADDR),
    F(struct bm_rec_db, elements, T_ELEMENTS),
    F(struct bm_rec_db, dev_key, T_OCTETS16),
#endif
};
_Static_assert(sizeof(fields) / sizeof(fields[0]) == F_END, "the field runs fill the table");
_Static_assert(offsetof(struct bm_rec_model_cfg, mid) == 0 &&
                   offsetof(struct bm_rec_model_state, mid) == 0,
               "model records start with their identity");

#undef F

/* Each kind: the run of fields it starts with (all of them for most
 * records; walk does the rest), and the size of its struct. */
static const struct kind {
    uint8_t first;
    uint8_t n;
    uint16_t size;
} kinds[] = {
    [BM_RK_PROV] = {F_PROV, F_PROV_V1 - F_PROV, sizeof(struct bm_rec_prov)},
    [BM_RK_IV] = {F_IV, F_NET - F_IV, sizeof(struct bm_rec_iv)},
    [BM_RK_NET] = {F_NET, 3, sizeof(struct bm_rec_net)},
    [BM_RK_APP] = {F_APP, F_CFG - F_APP, sizeof(struct bm_rec_app)},
    [BM_RK_CFG] = {F_CFG, 7, sizeof(struct bm_rec_cfg)},
    [BM_RK_HB] = {F_HB, F_RPL - F_HB, sizeof(struct bm_rec_hb)},
    /* a device-only image (BM_CFG_PROVISIONER 0) ignores the provisioner's
     * records (persist.c): it has no fields for them and decodes none */
    [BM_RK_PROVISIONER] = {F_PROVISIONER, BM_CFG_PROVISIONER ? F_DB - F_PROVISIONER : 0,
                           sizeof(struct bm_rec_provisioner)},
    [BM_RK_DB] = {F_DB, BM_CFG_PROVISIONER ? F_END - F_DB : 0, sizeof(struct bm_rec_db)},
    [BM_RK_RPL] = {F_RPL, F_MODEL - F_RPL, sizeof(struct bm_rec_rpl)},
    [BM_RK_MODEL_CFG] = {F_MODEL, 4, sizeof(struct bm_rec_model_cfg)},
    /* the identity: the first fields of either model record, whose
     * structs start with it */
    [BM_RK_MODEL_STATE] = {F_MODEL, 3, sizeof(struct bm_rec_model_state)},
    [BM_RK_MODEL_ID] = {F_MODEL, 3, sizeof(struct bm_rec_model_id)},
};

/* A node's unicast range: addr unicast and not 0, elements not 0 (their
 * types). */
static bool range_ok(uint16_t addr, uint8_t elements)
{
    return addr + elements - 1 <= 0x7fff;
}

/* The record of kind k after its version octet; v1: a PROV record of
 * version 1 (only ever decoded), which has fields of its own. */
static void walk(struct cur *c, enum bm_rec_kind k, void *rec, bool v1)
{
    const struct kind *kd = &kinds[k];
    xfer(c, rec, &fields[v1 ? F_PROV_V1 : kd->first], v1 ? F_IV - F_PROV_V1 : kd->n);
    switch (k) {
    case BM_RK_PROV: {
        struct bm_rec_prov *r = rec;
        if (v1)
            r->v1 = true;
        check(c, range_ok(r->addr, r->elements));
        break;
    }
    case BM_RK_IV: {
        const struct bm_rec_iv *r = rec;
        /* IV Update in Progress at IV index 0 has no previous index */
        check(c, !(r->flags & 1) || r->iv_index != 0);
        break;
    }
    case BM_RK_NET: {
        const struct bm_rec_net *r = rec;
        /* the new key in phases 1 and 2 (phase is 0..2, or c->bad) */
        xfer(c, rec, &fields[F_NET + 3], r->phase != 0);
        break;
    }
    case BM_RK_CFG: {
        struct bm_rec_cfg *r = rec;
        check(c, r->ttl != 1); /* the transmit settings: their types */
        /* GATT Proxy and Friend, absent from a record of the old length
         * (BM_REC_CFG_OLD_LEN): decoded as 2, nothing to apply. Any
         * other length is short or long (decode checks the end). */
        if (!c->enc && c->p == c->end)
            r->gatt_proxy = r->friend_state = BM_REC_CFG_UNSET;
        else
            xfer(c, rec, &fields[F_CFG + 7], 2);
        break;
    }
    case BM_RK_PROVISIONER: {
        const struct bm_rec_provisioner *r = rec;
        check(c, BM_CFG_PROVISIONER && r->next_addr != 0);
        break;
    }
    case BM_RK_DB: {
        const struct bm_rec_db *r = rec;
        check(c, BM_CFG_PROVISIONER && range_ok(r->addr, r->elements));
        break;
    }
    case BM_RK_RPL: {
        const struct bm_rec_rpl *r = rec;
        /* the mark may run past the 24-bit space by at most one block */
        check(c, r->seq <= 0xffffffu + (uint32_t)BM_CFG_RPL_STORE_BLOCK);
        break;
    }
    case BM_RK_MODEL_CFG: {
        struct bm_rec_model_cfg *r = rec;
        xfer_each(c, r->keys, sizeof(r->keys[0]), r->key_count, &fields[F_KEY_IDX]);
        xfer(c, r, &fields[F_MODEL + 4], 1);
        for (uint8_t i = 0; i < r->sub_count && !c->bad; i++) {
            xfer(c, &r->subs[i], &fields[F_SUB], 1);
            check(c, r->subs[i] >= 0x8000);
            if (is_virtual(r->subs[i]))
                xfer(c, r->sub_labels[i], &fields[F_LABEL], 1);
        }
        xfer(c, r, &fields[F_MODEL + 5], 1);
        /* the rest of the publication, from its label if it has one */
        size_t skip = is_virtual(r->pub.addr) ? 0 : 1;
        xfer(c, r, &fields[F_MODEL + 6 + skip], 6 - skip);
        break;
    }
    case BM_RK_MODEL_STATE: {
        struct bm_rec_model_state *r = rec;
        /* decoding: the rest of the record (beyond 255 octets, the length
         * check after the walk rejects it; encoding: len is 1..8) */
        if (!c->enc)
            r->len = (uint8_t)(c->end - c->p);
        check(c, r->len >= 1 && r->len <= BM_MODEL_SAVED_MAX);
        xfer_each(c, r->state, 1, r->len, &fields[F_OCTET]);
        break;
    }
    case BM_RK_MODEL_ID:
        c->p = (uint8_t *)c->end; /* the rest is the model record's own */
        break;
    default: /* APP: its fields say it all */
        break;
    }
}

size_t bm_rec_encode(enum bm_rec_kind k, const void *rec, uint8_t *out)
{
    struct cur c = {out, NULL, true, false};
    *c.p++ = BM_REC_VERSION;
    /* encoding only reads the struct */
    walk(&c, k, (void *)rec, false);
    return (size_t)(c.p - out);
}

int bm_rec_decode(enum bm_rec_kind k, const uint8_t *in, size_t len, void *rec)
{
    union bm_rec tmp;
    static const uint8_t none[1];
    memset(&tmp, 0, sizeof(tmp));
    if (!in) {
        in = none;
        len = 0;
    }
    struct cur c = {(uint8_t *)in, in + len, false, false};
    uint8_t ver = len ? *c.p++ : 0; /* none: no version */
    bool v1 = ver == 1 && k == BM_RK_PROV;
    if (ver != BM_REC_VERSION && !v1)
        c.bad = true;
    walk(&c, k, &tmp, v1);
    bool good = !c.bad && c.p == c.end;
    if (good)
        memcpy(rec, &tmp, kinds[k].size);
    /* the copy may hold keys; a plain memset here is a dead store the
     * compiler removes */
    bm_crypto_wipe(&tmp, sizeof(tmp));
    return good ? BM_OK : BM_EMALFORMED;
}
