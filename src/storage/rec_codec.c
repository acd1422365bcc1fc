/* Encoders and decoders of the stored records (layout in records.h).
 *
 * One walk per record kind describes its fields in order; the same walk
 * encodes (struct -> bytes) and decodes (bytes -> struct), so the two
 * directions cannot drift apart. Fixed runs of fields are tables of
 * (offset in the struct, width on flash, largest valid value).
 *
 * Stored bytes are untrusted: flash can rot and a port can hand back
 * anything. Decoding reads through a cursor that fails safely, checks
 * the version, the exact length and each field's range, and fills the
 * caller's struct only when the whole record is sound; otherwise
 * BM_EMALFORMED. Encoding checks nothing: the node's state is valid. */
#include <stddef.h>
#include <string.h>

#include "blemesh/errors.h"
#include "storage/records.h"

/* One field: a little-endian integer of 1, 2 or 4 octets held in a struct
 * member of that size (bool for 1), or a run of octets (width > 4). */
struct field {
    uint8_t off;   /* offset of the member in its struct */
    uint8_t width; /* octets on flash */
    uint16_t max;  /* largest valid value of a 1- or 2-octet integer */
};

#define IDX_MAX 0x0fff     /* NetKey / AppKey index (4.3.1.1) */
#define UNICAST_MAX 0x7fff /* a 0 beside it is checked apart */

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

static void bytes(struct cur *c, uint8_t *v, size_t n)
{
    if (!c->enc && (size_t)(c->end - c->p) < n) {
        c->bad = true;
        return;
    }
    if (c->enc)
        memcpy(c->p, v, n);
    else
        memcpy(v, c->p, n);
    c->p += n;
}

/* Moves fields f[0..n) of the struct at rec in the cursor's direction. */
static void xfer(struct cur *c, void *rec, const struct field *f, size_t n)
{
    for (; n > 0 && !c->bad; n--, f++) {
        uint8_t *v = (uint8_t *)rec + f->off;
        uint8_t w = f->width;
        if (w > 4) {
            bytes(c, v, w);
            continue;
        }
        if (!c->enc && (size_t)(c->end - c->p) < w) {
            c->bad = true;
            return;
        }
        uint32_t x = 0;
        if (c->enc) {
            x = w == 1 ? *v : w == 2 ? *(uint16_t *)v : *(uint32_t *)v;
            for (uint8_t k = 0; k < w; k++)
                c->p[k] = (uint8_t)(x >> (8 * k));
        } else {
            for (uint8_t k = w; k > 0; k--)
                x = x << 8 | c->p[k - 1];
            if (w < 4 && x > f->max)
                c->bad = true;
            else if (w == 1)
                *v = (uint8_t)x;
            else if (w == 2)
                *(uint16_t *)v = (uint16_t)x;
            else
                *(uint32_t *)v = x;
        }
        c->p += w;
    }
}

#define F(type, member, width, max) {offsetof(type, member), width, max}

static const struct field prov_fields[] = {
    F(struct bm_rec_prov, addr, 2, UNICAST_MAX),
    F(struct bm_rec_prov, dev_key, 16, 0),
    F(struct bm_rec_prov, elements, 1, 0xff),
};

/* v1: ver addr net_idx net_key dev_key iv_index flags elements */
static const struct field prov_v1_fields[] = {
    F(struct bm_rec_prov, addr, 2, UNICAST_MAX),  F(struct bm_rec_prov, net_idx, 2, IDX_MAX),
    F(struct bm_rec_prov, net_key, 16, 0),        F(struct bm_rec_prov, dev_key, 16, 0),
    F(struct bm_rec_prov, iv_index, 4, 0),        F(struct bm_rec_prov, flags, 1, 0x03),
    F(struct bm_rec_prov, elements, 1, 0xff),
};

static const struct field iv_fields[] = {
    F(struct bm_rec_iv, iv_index, 4, 0),
    F(struct bm_rec_iv, flags, 1, 0x03),
    F(struct bm_rec_iv, hours, 2, 0xffff),
};

static const struct field net_fields[] = {
    F(struct bm_rec_net, net_idx, 2, IDX_MAX),
    F(struct bm_rec_net, phase, 1, 2),
    F(struct bm_rec_net, key, 16, 0),
    F(struct bm_rec_net, new_key, 16, 0),
};

static const struct field app_fields[] = {
    F(struct bm_rec_app, k.app_idx, 2, IDX_MAX),
    F(struct bm_rec_app, net_idx, 2, IDX_MAX),
    F(struct bm_rec_app, is_new, 1, 1),
    F(struct bm_rec_app, k.key, 16, 0),
};

/* 4.2.7, 4.2.8, 4.2.19-4.2.20: relay state 0..2, 1..8 transmissions
 * 10..320 ms apart (minimums and steps checked in walk), Default TTL. */
static const struct field cfg_fields[] = {
    F(struct bm_rec_cfg, relay, 1, 2),
    F(struct bm_rec_cfg, relay_xmit.count, 1, 8),
    F(struct bm_rec_cfg, relay_xmit.interval_ms, 2, 320),
    F(struct bm_rec_cfg, net_xmit.count, 1, 8),
    F(struct bm_rec_cfg, net_xmit.interval_ms, 2, 320),
    F(struct bm_rec_cfg, beacon, 1, 1),
    F(struct bm_rec_cfg, ttl, 1, 127),
};

/* 4.2.17-4.2.18: period log <= 0x11, TTL <= 127, four feature bits; a
 * subscription names no source or a unicast one */
static const struct field hb_fields[] = {
    F(struct bm_rec_hb, pub_dst, 2, 0xffff),     F(struct bm_rec_hb, pub_count, 2, 0xffff),
    F(struct bm_rec_hb, pub_period_log, 1, 0x11), F(struct bm_rec_hb, pub_ttl, 1, 127),
    F(struct bm_rec_hb, pub_features, 2, 0x000f), F(struct bm_rec_hb, pub_net_idx, 2, IDX_MAX),
    F(struct bm_rec_hb, sub_src, 2, UNICAST_MAX), F(struct bm_rec_hb, sub_dst, 2, 0xffff),
};

/* next_addr may be one past the last unicast address when all are used */
static const struct field provisioner_fields[] = {
    F(struct bm_rec_provisioner, net_idx, 2, IDX_MAX),
    F(struct bm_rec_provisioner, next_addr, 2, 0x8000),
};

static const struct field db_fields[] = {
    F(struct bm_rec_db, uuid, 16, 0),
    F(struct bm_rec_db, addr, 2, UNICAST_MAX),
    F(struct bm_rec_db, elements, 1, 0xff),
    F(struct bm_rec_db, dev_key, 16, 0),
};

static const struct field rpl_fields[] = {
    F(struct bm_rec_rpl, src, 2, UNICAST_MAX),
    F(struct bm_rec_rpl, seq, 4, 0),
    F(struct bm_rec_rpl, iv_index, 4, 0),
};

/* one AppKey index, one subscription: a group (not all-nodes, 4.2.3) or
 * a virtual address (range checked in walk), one Label UUID */
static const struct field idx_field = {0, 2, IDX_MAX};
static const struct field sub_field = {0, 2, 0xfffe};
static const struct field label_field = {0, 16, 0};

/* the identity (mid first in the struct) and the key count; then in walk
 * the keys, the subscriptions and the publication */
_Static_assert(offsetof(struct bm_rec_model_cfg, mid) == 0 &&
                   offsetof(struct bm_rec_model_state, mid) == 0,
               "model records start with their identity");
static const struct field model_cfg_fields[] = {
    F(struct bm_rec_model_cfg, mid.elem, 1, BM_CFG_ELEMENTS - 1),
    F(struct bm_rec_model_cfg, mid.company, 2, 0xffff),
    F(struct bm_rec_model_cfg, mid.id, 2, 0xffff),
    F(struct bm_rec_model_cfg, key_count, 1, BM_CFG_MODEL_KEYS),
    F(struct bm_rec_model_cfg, sub_count, 1, BM_CFG_MODEL_SUBS),
    F(struct bm_rec_model_cfg, pub.addr, 2, 0xffff),
    F(struct bm_rec_model_cfg, pub.label, 16, 0),
    F(struct bm_rec_model_cfg, pub.app_idx, 2, IDX_MAX),
    F(struct bm_rec_model_cfg, pub.cred, 1, 1),
    F(struct bm_rec_model_cfg, pub.ttl, 1, 0xff),
    F(struct bm_rec_model_cfg, pub.period, 1, 0xff),
    F(struct bm_rec_model_cfg, pub.retransmit, 1, 0xff),
};

#define N(fields) (uint8_t)(sizeof(fields) / sizeof((fields)[0]))

/* Each kind: the fields it starts with (all of them for most records;
 * walk does the rest), and the size of its struct. */
static const struct kind {
    const struct field *f;
    uint8_t n;
    uint16_t size;
} kinds[] = {
    [BM_RK_PROV] = {prov_fields, N(prov_fields), sizeof(struct bm_rec_prov)},
    [BM_RK_IV] = {iv_fields, N(iv_fields), sizeof(struct bm_rec_iv)},
    [BM_RK_NET] = {net_fields, 3, sizeof(struct bm_rec_net)},
    [BM_RK_APP] = {app_fields, N(app_fields), sizeof(struct bm_rec_app)},
    [BM_RK_CFG] = {cfg_fields, N(cfg_fields), sizeof(struct bm_rec_cfg)},
    [BM_RK_HB] = {hb_fields, N(hb_fields), sizeof(struct bm_rec_hb)},
    /* a device-only image (BM_CFG_PROVISIONER 0) ignores the provisioner's
     * records (persist.c): it has no fields for them and decodes none */
    [BM_RK_PROVISIONER] = {BM_CFG_PROVISIONER ? provisioner_fields : NULL,
                           BM_CFG_PROVISIONER ? N(provisioner_fields) : 0,
                           sizeof(struct bm_rec_provisioner)},
    [BM_RK_DB] = {BM_CFG_PROVISIONER ? db_fields : NULL, BM_CFG_PROVISIONER ? N(db_fields) : 0,
                  sizeof(struct bm_rec_db)},
    [BM_RK_RPL] = {rpl_fields, N(rpl_fields), sizeof(struct bm_rec_rpl)},
    [BM_RK_MODEL_CFG] = {model_cfg_fields, 4, sizeof(struct bm_rec_model_cfg)},
    /* the identity: the first fields of either model record, whose
     * structs start with it */
    [BM_RK_MODEL_STATE] = {model_cfg_fields, 3, sizeof(struct bm_rec_model_state)},
    [BM_RK_MODEL_ID] = {model_cfg_fields, 3, sizeof(struct bm_rec_model_id)},
};

#undef F

static bool is_virtual(uint16_t a)
{
    return (a & 0xc000) == 0x8000;
}

/* A node's unicast range: addr is unicast (<= 0x7fff by its table). */
static bool range_ok(uint16_t addr, uint8_t elements)
{
    return addr != 0 && elements != 0 && addr + elements - 1 <= UNICAST_MAX;
}

/* Network Transmit / Relay Retransmit (maxima in cfg_fields). The
 * interval is a multiple of 10: x / 10 is x * 52,429 >> 19 for every
 * 16-bit x (the error x * 0.4e-6 stays below 1/10; no call to libgcc's
 * division on Cortex-M0+; test_persist decodes every 16-bit interval). */
static bool xmit_ok(const struct bm_adv_xmit *x)
{
    uint32_t tenths = (uint32_t)x->interval_ms * 52429u >> 19;
    return x->count >= 1 && x->interval_ms >= 10 && tenths * 10 == x->interval_ms;
}

/* The record of kind k after its version octet ver. */
static void walk(struct cur *c, enum bm_rec_kind k, void *rec, uint8_t ver)
{
    /* PROV v1 (only ever decoded) has fields of its own */
    bool v1 = k == BM_RK_PROV && ver == 1;
    xfer(c, rec, v1 ? prov_v1_fields : kinds[k].f, v1 ? N(prov_v1_fields) : kinds[k].n);
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
        if (r->phase == 1 || r->phase == 2)
            xfer(c, rec, &net_fields[3], 1);
        break;
    }
    case BM_RK_CFG: {
        const struct bm_rec_cfg *r = rec;
        check(c, r->ttl != 1 && xmit_ok(&r->relay_xmit) && xmit_ok(&r->net_xmit));
        break;
    }
    case BM_RK_HB: {
        const struct bm_rec_hb *r = rec;
        check(c, !is_virtual(r->pub_dst) && !is_virtual(r->sub_dst));
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
        check(c, r->src != 0 && r->seq <= 0xffffffu + (uint32_t)BM_CFG_RPL_STORE_BLOCK);
        break;
    }
    case BM_RK_MODEL_CFG: {
        struct bm_rec_model_cfg *r = rec;
        for (uint8_t i = 0; i < r->key_count && !c->bad; i++)
            xfer(c, &r->keys[i], &idx_field, 1);
        xfer(c, r, &model_cfg_fields[4], 1);
        for (uint8_t i = 0; i < r->sub_count && !c->bad; i++) {
            xfer(c, &r->subs[i], &sub_field, 1);
            check(c, r->subs[i] >= 0x8000);
            if (is_virtual(r->subs[i]))
                xfer(c, r->sub_labels[i], &label_field, 1);
        }
        xfer(c, r, &model_cfg_fields[5], 1);
        if (is_virtual(r->pub.addr))
            xfer(c, r, &model_cfg_fields[6], 1);
        xfer(c, r, &model_cfg_fields[7], 5);
        check(c, r->pub.ttl <= 127 || r->pub.ttl == 0xff);
        break;
    }
    case BM_RK_MODEL_STATE: {
        struct bm_rec_model_state *r = rec;
        /* decoding: the rest of the record (encoding: len is 1..8) */
        size_t n = c->enc ? r->len : (size_t)(c->end - c->p);
        check(c, n >= 1 && n <= BM_MODEL_SAVED_MAX);
        if (!c->bad) {
            bytes(c, r->state, n);
            if (!c->enc)
                r->len = (uint8_t)n;
        }
        break;
    }
    case BM_RK_MODEL_ID:
        c->p = (uint8_t *)c->end; /* the rest is the model record's own */
        break;
    default: /* APP: its fields say it all */
        break;
    }
}

#undef N

size_t bm_rec_encode(enum bm_rec_kind k, const void *rec, uint8_t *out)
{
    struct cur c = {out, NULL, true, false};
    *c.p++ = BM_REC_VERSION;
    /* encoding only reads the struct */
    walk(&c, k, (void *)rec, BM_REC_VERSION);
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
    struct cur c = {(uint8_t *)in, in + len, false, len == 0};
    uint8_t ver = c.bad ? 0 : *c.p++;
    if (ver != BM_REC_VERSION && !(ver == 1 && k == BM_RK_PROV))
        c.bad = true;
    walk(&c, k, &tmp, ver);
    bool good = !c.bad && c.p == c.end;
    if (good)
        memcpy(rec, &tmp, kinds[k].size);
    memset(&tmp, 0, sizeof(tmp));
    return good ? BM_OK : BM_EMALFORMED;
}
