/* See prov_pair.h. Input: one configuration octet (device capabilities:
 * No OOB or Output OOB; algorithms offered and allowed; refuse_no_oob),
 * then records [op][operands]; op values are documented at `enum op`.
 * Properties: every PDU a link sends parses (bm_pbadv_parse) and fits an
 * advertisement; when both sides report completion, the device got exactly
 * the provisioner's data (NetKey, index, flags, IV index, address) and the
 * same device key. */
#include "prov_pair.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "prov/prov_crypto.h"
#include "node_fixture.h"

#define QLEN 16

struct side {
    struct bm_prov_link link;
    uint64_t rng;
    uint8_t q[QLEN][BM_PBADV_MAX_LEN];
    uint8_t qlen[QLEN];
    unsigned head, count; /* outgoing PDUs not yet delivered */
    bool complete, failed;
    struct bm_prov_result_data data;
    char oob[16];     /* device: what it showed */
    bool oob_needed;  /* provisioner: asked for it */
};

static struct side sides[2]; /* [0] under test, [1] peer */
static uint64_t now;

static int op_send(void *ctx, const uint8_t *pdu, size_t len)
{
    struct side *s = ctx;
    struct bm_pbadv_pdu p;
    FZ_CHECK(len <= BM_PBADV_MAX_LEN);
    FZ_CHECK(bm_pbadv_parse(pdu, len, &p) == BM_OK);
    if (s->count == QLEN) { /* the air drops the oldest */
        s->head = (s->head + 1) % QLEN;
        s->count--;
    }
    unsigned i = (s->head + s->count) % QLEN;
    memcpy(s->q[i], pdu, len);
    s->qlen[i] = (uint8_t)len;
    s->count++;
    return 0;
}

static int op_random(void *ctx, uint8_t *buf, size_t len)
{
    fz_random(&((struct side *)ctx)->rng, buf, len);
    return 0;
}

/* The device's output_oob (installed when it offers Output OOB). */
static int op_output_oob(struct bm_prov_link *l)
{
    struct side *s = l->ctx;
    struct bm_prov_oob oob;
    int rc = bm_prov_link_output_value(l, &oob);
    if (rc != BM_OK)
        return rc;
    if (oob.alphanumeric)
        snprintf(s->oob, sizeof(s->oob), "%s", oob.str);
    else
        snprintf(s->oob, sizeof(s->oob), "%u", (unsigned)oob.number);
    return BM_OK;
}

static void op_oob_needed(void *ctx, uint8_t action, uint8_t size)
{
    (void)action;
    FZ_CHECK(size >= 1 && size <= 8);
    ((struct side *)ctx)->oob_needed = true;
}

static void op_complete(void *ctx, const uint8_t uuid[16], const struct bm_prov_result_data *d,
                        uint8_t elements)
{
    struct side *s = ctx;
    (void)uuid;
    (void)elements;
    FZ_CHECK(d != NULL);
    s->complete = true;
    s->data = *d;
}

static void op_failed(void *ctx, const uint8_t uuid[16], int err, uint8_t reason)
{
    (void)uuid;
    (void)reason;
    FZ_CHECK(err < 0);
    ((struct side *)ctx)->failed = true;
}

static void op_log(void *ctx, const char *event)
{
    (void)ctx;
    FZ_CHECK(event != NULL && strlen(event) < 256);
}

static const struct bm_prov_link_ops ops = {.send = op_send,
                                            .random = op_random,
                                            .oob_needed = op_oob_needed,
                                            .complete = op_complete,
                                            .failed = op_failed,
                                            .log = op_log};

/* Takes the next PDU side s sent; false if none. */
static bool pop(struct side *s, uint8_t *pdu, size_t *len)
{
    if (!s->count)
        return false;
    memcpy(pdu, s->q[s->head], s->qlen[s->head]);
    *len = s->qlen[s->head];
    s->head = (s->head + 1) % QLEN;
    s->count--;
    return true;
}

static void advance(uint64_t ms)
{
    uint64_t end = now + ms;
    for (int guard = 0; guard < 10000; guard++) {
        uint64_t a = bm_prov_link_process(&sides[0].link, now);
        uint64_t b = bm_prov_link_process(&sides[1].link, now);
        uint64_t next = a < b ? a : b;
        if (next > end)
            break;
        now = next > now ? next : now + 1;
    }
    now = end;
}

enum op {
    OP_DELIVER_TO_TEST = 0, /* the peer's next PDU to the link under test */
    OP_DELIVER_TO_PEER,     /* the tested link's next PDU to the peer */
    OP_DROP_PEER,           /* the peer's next PDU is lost */
    OP_DROP_TEST,
    OP_MUTATE_TO_TEST,      /* [pos][xor]: the peer's next PDU, one octet changed */
    OP_RAW,                 /* [len][PB-ADV PDU] into the link under test */
    OP_WRAPPED,             /* [len][Provisioning PDU] as a transaction on its link */
    OP_TX_ACK,              /* acknowledge the tested link's transaction */
    OP_BEARER,              /* [which][arg]: Link Open / Ack / Close */
    OP_TIME,                /* [step]: the clock moves, timers run */
    OP_OOB,                 /* [how]: the provisioner is given the OOB value */
    OP_PUMP,                /* both ways until quiet (at most 64 PDUs) */
    OP_COUNT
};

static void wrapped(struct fz *f, uint8_t opb)
{
    struct bm_prov_link *l = &sides[0].link;
    uint8_t pdu[BM_PROV_PDU_MAX_LEN + 8];
    size_t len = fz_chunk(f, pdu, sizeof(pdu));
    if (!len)
        return;
    uint8_t tn = (opb & 0x10) ? l->last_rx_trans : l->rx_trans;
    if (opb & 0x20)
        tn = bm_pbadv_tn_next(tn);
    uint8_t n = bm_pbadv_seg_count(len);
    for (uint8_t i = 0; i < n; i++) {
        uint8_t k = (opb & 0x40) ? (uint8_t)(n - 1 - i) : i; /* reversed order */
        uint8_t seg[BM_PBADV_MAX_LEN];
        size_t seg_len;
        if (bm_pbadv_build_segment(l->link_id, tn, pdu, len, k, seg, sizeof(seg), &seg_len) ==
            BM_OK)
            bm_prov_link_rx(l, seg, seg_len, now);
    }
}

static void bearer(struct fz *f)
{
    struct bm_prov_link *l = &sides[0].link;
    uint8_t which = fz_u8(f);
    uint8_t arg = fz_u8(f);
    uint32_t id = (which & 0x80) ? (uint32_t)arg * 0x01010101u : l->link_id;
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t len = 0;
    int rc;
    switch (which & 3) {
    case 0:
        rc = bm_pbadv_build_link_open(id, (which & 0x40) ? l->pv_cfg.uuid : fz_uuid, out,
                                      sizeof(out), &len);
        break;
    case 1:
        rc = bm_pbadv_build_link_ack(id, out, sizeof(out), &len);
        break;
    default:
        rc = bm_pbadv_build_link_close(id, arg % 3, out, sizeof(out), &len);
        break;
    }
    if (rc == BM_OK)
        bm_prov_link_rx(l, out, len, now);
}

static void pump(void)
{
    for (int i = 0; i < 64; i++) {
        uint8_t pdu[BM_PBADV_MAX_LEN];
        size_t len;
        bool any = false;
        if (pop(&sides[1], pdu, &len)) {
            bm_prov_link_rx(&sides[0].link, pdu, len, now);
            any = true;
        }
        if (pop(&sides[0], pdu, &len)) {
            bm_prov_link_rx(&sides[1].link, pdu, len, now);
            any = true;
        }
        if (!any)
            return;
    }
}

static void enter_oob(uint8_t how, struct fz *f)
{
    struct side *dev = sides[0].link.role == BM_PROV_ROLE_DEVICE ? &sides[0] : &sides[1];
    struct side *pv = dev == &sides[0] ? &sides[1] : &sides[0];
    char value[16];
    if (how & 1) {
        uint8_t raw[9];
        size_t n = fz_chunk(f, raw, 8);
        for (size_t i = 0; i < n; i++)
            value[i] = (char)((how & 2) ? '0' + raw[i] % 10 : raw[i]);
        value[n] = 0;
        for (size_t i = 0; i < n; i++)
            if (!value[i])
                value[i] = 'A';
    } else {
        snprintf(value, sizeof(value), "%s", dev->oob);
    }
    (void)bm_prov_link_input_oob(&pv->link, value, now);
}

static const uint8_t pv_uuid[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

void fz_prov_pair_run(enum bm_prov_role role, const uint8_t *data, size_t size)
{
    struct fz f;
    fz_init(&f, data, size);
    uint8_t cfg = fz_u8(&f);
    memset(sides, 0, sizeof(sides));
    now = 1000;
    int t = 0, p = 1;
    sides[0].rng = 0x1111111111111111ull;
    sides[1].rng = 0x2222222222222222ull;
    int dev_i = role == BM_PROV_ROLE_DEVICE ? t : p;
    int pv_i = role == BM_PROV_ROLE_DEVICE ? p : t;
    for (int i = 0; i < 2; i++)
        bm_prov_link_init(&sides[i].link, &ops, &sides[i]);

    struct bm_prov_device_cfg dc;
    memset(&dc, 0, sizeof(dc));
    memcpy(dc.uuid, fz_uuid, 16);
    dc.caps.num_elements = (uint8_t)(1 + ((cfg >> 6) & 1));
    dc.caps.algorithms = (cfg & 1) ? BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC)
                                   : BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC) |
                                         BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    if (cfg & 2) {
        dc.caps.output_oob_size = (uint8_t)(1 + ((cfg >> 3) & 7));
        dc.caps.output_oob_action = (cfg & 4)
                                        ? BM_PROV_ACTION_BIT(BM_PROV_OUT_ALPHANUMERIC)
                                        : BM_PROV_ACTION_BIT(BM_PROV_OUT_NUMERIC) |
                                              BM_PROV_ACTION_BIT(BM_PROV_OUT_BLINK);
        sides[dev_i].link.output_oob = op_output_oob;
    }
    bm_prov_link_device_enable(&sides[dev_i].link, &dc, true);

    struct bm_prov_provisioner_cfg pc;
    memset(&pc, 0, sizeof(pc));
    memcpy(pc.uuid, fz_uuid, 16);
    (void)pv_uuid;
    pc.attention_s = 5;
    pc.refuse_no_oob = (cfg & 0x80) != 0;
    pc.algorithms = BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC) | BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    memcpy(pc.net_key, fz_net_key, 16);
    pc.net_idx = FZ_NET_IDX2;
    pc.flags = 0;
    pc.iv_index = FZ_IV_INDEX;
    pc.addr = 0x0b0c;
    FZ_CHECK(bm_prov_link_open(&sides[pv_i].link, &pc, now) == BM_OK);

    while (fz_more(&f)) {
        uint8_t opb = fz_u8(&f);
        uint8_t pdu[BM_PBADV_MAX_LEN + 40];
        size_t len;
        switch ((opb & 0x0f) % OP_COUNT) {
        case OP_DELIVER_TO_TEST:
            if (pop(&sides[p], pdu, &len))
                bm_prov_link_rx(&sides[t].link, pdu, len, now);
            break;
        case OP_DELIVER_TO_PEER:
            if (pop(&sides[t], pdu, &len))
                bm_prov_link_rx(&sides[p].link, pdu, len, now);
            break;
        case OP_DROP_PEER:
            (void)pop(&sides[p], pdu, &len);
            break;
        case OP_DROP_TEST:
            (void)pop(&sides[t], pdu, &len);
            break;
        case OP_MUTATE_TO_TEST: {
            uint8_t pos = fz_u8(&f), x = fz_u8(&f);
            if (pop(&sides[p], pdu, &len)) {
                pdu[pos % len] ^= x;
                bm_prov_link_rx(&sides[t].link, pdu, len, now);
            }
            break;
        }
        case OP_RAW:
            len = fz_chunk(&f, pdu, sizeof(pdu));
            bm_prov_link_rx(&sides[t].link, pdu, len, now);
            break;
        case OP_WRAPPED:
            wrapped(&f, opb);
            break;
        case OP_TX_ACK:
            if (bm_pbadv_build_tx_ack(sides[t].link.link_id,
                                      (opb & 0x10) ? fz_u8(&f) : sides[t].link.tx_trans, pdu,
                                      sizeof(pdu), &len) == BM_OK)
                bm_prov_link_rx(&sides[t].link, pdu, len, now);
            break;
        case OP_BEARER:
            bearer(&f);
            break;
        case OP_TIME: {
            static const uint32_t steps[8] = {1, 20, 100, 500, 2000, 10000, 30000, 61000};
            advance(steps[fz_u8(&f) & 7]);
            break;
        }
        case OP_OOB:
            enter_oob(fz_u8(&f), &f);
            break;
        case OP_PUMP:
            pump();
            break;
        default:
            break;
        }
    }
    /* what both ends agree on */
    if (sides[dev_i].complete && sides[pv_i].complete) {
        const struct bm_prov_result_data *d = &sides[dev_i].data, *v = &sides[pv_i].data;
        FZ_CHECK(memcmp(d->data.net_key, fz_net_key, 16) == 0);
        FZ_CHECK(d->data.net_key_index == FZ_NET_IDX2 && d->data.iv_index == FZ_IV_INDEX &&
                 d->data.unicast_addr == 0x0b0c);
        FZ_CHECK(memcmp(d->dev_key, v->dev_key, 16) == 0);
    }
    for (int i = 0; i < 2; i++)
        bm_prov_link_reset(&sides[i].link);
}
