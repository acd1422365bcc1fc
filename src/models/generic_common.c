/* Shared parts of the Generic OnOff and Generic Level models (Mesh Model
 * 1.0.1): the TID rule (3.3.1.2.2), the Generic Default Transition Time
 * encoding used by the Transition Time and Remaining Time fields (3.1.3),
 * the Delay field (3.2.1.2), and the client's acknowledged Set: fresh TID
 * per call, retries with the same TID, timeout.
 *
 * Invariant: a client has at most one acknowledged Set pending; a new
 * set_state replaces it (the older one is no longer waited for). */
#include <string.h>

#include "blemesh/errors.h"
#include "models/generic_common.h"
#include "node/node.h"

bool bm_gen_tid_same(struct bm_gen_tid *c, uint8_t tid, uint16_t src, uint16_t dst, bm_ms_t now_ms)
{
    /* modulo 2^32: the age of the previous message survives the clock wrap */
    bool same = c->valid && c->tid == tid && c->src == src && c->dst == dst &&
                (uint32_t)(now_ms - c->at_ms) < BM_GEN_TID_WINDOW_MS;
    c->valid = true;
    c->tid = tid;
    c->src = src;
    c->dst = dst;
    c->at_ms = now_ms;
    return same;
}

/* Step resolutions of the 2-bit field (3.1.3.1): 100 ms, 1 s, 10 s, 10 min. */
static const uint32_t tt_step_ms[4] = {100u, 1000u, 10000u, 600000u};

int bm_gen_tt_decode(uint8_t tt, uint32_t *ms)
{
    uint8_t steps = tt & 0x3f;
    if (steps == BM_GEN_TT_UNKNOWN)
        return BM_EMALFORMED;
    *ms = steps * tt_step_ms[tt >> 6];
    return BM_OK;
}

uint8_t bm_gen_tt_encode(uint32_t ms)
{
    /* the finest resolution whose 62 steps hold ms, with the number of
     * steps rounded up: counted, no division (at most 4 * 63 rounds);
     * longer than 62 steps of 10 min: unknown */
    uint8_t res = 0, steps = 0;
    while (res < 4) {
        if (steps * tt_step_ms[res] >= ms)
            return (uint8_t)(res << 6 | steps);
        if (++steps > 0x3e) {
            steps = 0;
            res++;
        }
    }
    return BM_GEN_TT_UNKNOWN;
}

int bm_gen_timing(const uint8_t *tail, size_t len, uint32_t *trans_ms, uint32_t *delay_ms)
{
    *trans_ms = 0;
    *delay_ms = 0;
    if (len == 0)
        return BM_OK;
    if (len != 2)
        return BM_EMALFORMED; /* Delay is present exactly when Transition Time is */
    if (bm_gen_tt_decode(tail[0], trans_ms) != BM_OK)
        return BM_EMALFORMED;
    *delay_ms = tail[1] * BM_GEN_DELAY_STEP_MS;
    return BM_OK;
}

void bm_gen_notify(struct bm_model *model, enum bm_model_event ev, uint32_t op, int32_t value,
                   uint16_t src)
{
    if (!model->cb)
        return;
    struct bm_model_event_info e = {.event = ev, .recv_op = op, .value = value, .src = src};
    model->cb(model->user, model, &e);
}

/* Publish Retransmit Interval: (steps + 1) * 50 ms (Mesh Profile 4.2.2.7). */
static uint32_t retx_interval_ms(uint8_t retransmit)
{
    return ((uint32_t)(retransmit >> 3) + 1) * 50u;
}

static int cli_transmit(struct bm_node *node, struct bm_model *model, struct bm_gen_cli *c)
{
    struct bm_msg_ctx ctx = {.dst = c->dst,
                             .app_idx = c->app_idx,
                             .ttl = BM_TTL_DEFAULT,
                             .label = c->pub_label ? model->pub.label : NULL};
    return bm_access_send(node, model, &ctx, c->set_op, c->params, c->params_len);
}

int bm_gen_cli_send(struct bm_node *node, struct bm_model *model, uint32_t set_op, bool ack,
                    int32_t value, const uint8_t *params, size_t len, uint16_t dst,
                    uint16_t app_idx)
{
    struct bm_gen_cli *c = (struct bm_gen_cli *)model->st.bytes;
    bool pub_label = false;
    if (len > sizeof(c->params))
        return BM_EINVAL;
    if (!bm_access_is_bound(model, app_idx))
        return BM_ESTATE;
    if (dst == BM_ADDR_PUBLISH) {
        dst = model->pub.addr;
        if (dst == BM_ADDR_UNASSIGNED)
            return BM_ESTATE;
        pub_label = bm_addr_is_virtual(dst);
    } else if (bm_addr_is_virtual(dst)) {
        return BM_EINVAL; /* no Label UUID to send to a virtual address with */
    }
    c->pending = false;
    c->dst = dst;
    c->pub_label = pub_label;
    c->app_idx = app_idx;
    c->set_op = set_op;
    c->set_value = value;
    memcpy(c->params, params, len);
    c->params_len = (uint8_t)len;
    int rc = cli_transmit(node, model, c);
    if (rc != BM_OK)
        return rc;
    c->retx_left = pub_label || dst == model->pub.addr ? (uint8_t)(model->pub.retransmit & 0x07)
                                                       : 0;
    if (c->retx_left) {
        c->retx_ms = bm_ms_after(bm_node_now(node), retx_interval_ms(model->pub.retransmit));
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    }
    if (ack) {
        c->pending = true;
        c->retries_left = BM_GEN_CLI_RETRIES;
        c->deadline_ms = bm_ms_after(bm_node_now(node), BM_GEN_CLI_TIMEOUT_MS);
        bm_node_timer_set(node, BM_TIMER_MODELS, BM_GEN_CLI_TIMEOUT_MS);
    }
    return BM_OK;
}

uint8_t bm_gen_cli_next_tid(struct bm_node *node, struct bm_model *model)
{
    struct bm_gen_cli *c = (struct bm_gen_cli *)model->st.bytes;
    uint8_t next = (uint8_t)(c->tid + 1);
    uint8_t left = (uint8_t)(c->tid_mark - next); /* reserved TIDs from next on */
    if (left == 0 || left > BM_GEN_TID_BLOCK) {
        c->tid_mark = (uint8_t)(next + BM_GEN_TID_BLOCK);
        bm_persist_model_states(node);
    }
    c->tid = next;
    return next;
}

size_t bm_gen_cli_state_save(const struct bm_model *model, uint8_t *out)
{
    out[0] = ((const struct bm_gen_cli *)model->st.bytes)->tid_mark;
    return 1;
}

int bm_gen_cli_state_load(struct bm_model *model, const uint8_t *in, size_t len)
{
    if (len != 1)
        return BM_EMALFORMED;
    struct bm_gen_cli *c = (struct bm_gen_cli *)model->st.bytes;
    /* the next TID is the mark: no TID at or past it was sent */
    c->tid_mark = in[0];
    c->tid = (uint8_t)(in[0] - 1);
    return BM_OK;
}

void bm_gen_cli_status(struct bm_model *model, const struct bm_msg_ctx *ctx, uint32_t op,
                       int32_t value)
{
    struct bm_gen_cli *c = (struct bm_gen_cli *)model->st.bytes;
    c->value = value;
    /* a Set to a group is answered by any of its members */
    if (c->pending && (!bm_addr_is_unicast(c->dst) || ctx->src == c->dst))
        c->pending = false;
    bm_gen_notify(model, BM_EVT_STATUS, op, value, ctx->src);
}

/* The publication's retransmissions of the last Set (same TID, so servers
 * apply it once). Returns the next deadline or 0 for none. */
static bm_ms_t cli_retransmit(struct bm_node *node, struct bm_model *model, struct bm_gen_cli *c,
                              bm_ms_t now_ms)
{
    if (!c->retx_left)
        return 0;
    if (bm_ms_reached(now_ms, c->retx_ms)) {
        c->retx_left--;
        cli_transmit(node, model, c);
        c->retx_ms = bm_ms_after(now_ms, retx_interval_ms(model->pub.retransmit));
    }
    return c->retx_left ? c->retx_ms : 0;
}

bm_ms_t bm_gen_cli_process(struct bm_node *node, struct bm_model *model, bm_ms_t now_ms)
{
    struct bm_gen_cli *c = (struct bm_gen_cli *)model->st.bytes;
    bm_ms_t retx = cli_retransmit(node, model, c, now_ms);
    if (!c->pending)
        return retx;
    if (!bm_ms_reached(now_ms, c->deadline_ms))
        return bm_ms_min(now_ms, c->deadline_ms, retx);
    if (c->retries_left) {
        c->retries_left--;
        c->deadline_ms = bm_ms_after(now_ms, BM_GEN_CLI_TIMEOUT_MS);
        cli_transmit(node, model, c);
        return bm_ms_min(now_ms, c->deadline_ms, retx);
    }
    c->pending = false;
    bm_gen_notify(model, BM_EVT_TIMEOUT, c->set_op, c->set_value, 0);
    return retx;
}
