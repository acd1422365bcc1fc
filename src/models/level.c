/* Generic Level Server and Client (Mesh Model 1.0.1: state 3.1.2, messages
 * 3.2.2, server 3.3.2.2, client 3.3.2.1). Levels are signed 16-bit.
 *
 * Server:
 * - Set moves linearly from the present level to the target over the
 *   Transition Time, after the Delay (absent: immediate, see
 *   generic_common.h).
 * - Delta Set: the target is the level at the start of the transaction
 *   plus Delta Level; a Delta with the TID, source and destination of the
 *   previous message (within 6 s) continues that transaction, so it is
 *   relative to the same start level, not to the last target. Results past
 *   the 16-bit range are clamped to -32768 / 32767 (simplification: the
 *   spec leaves overflow to the application).
 * - Move Set: the level changes by Delta Level every Transition Time until
 *   stopped or until it reaches -32768 / 32767, where it stops. While it
 *   moves the Status reports the limit as Target and an unknown Remaining
 *   Time (0x3F). A Move with Delta Level 0, or without a transition time
 *   (3.3.2.2.4: no speed), stops the level where it is.
 * - Any new transaction first freezes a running transition at the level it
 *   reached; the new message's Delay then delays only its own change
 *   (simplification: the old transition does not run on during the Delay).
 * - Set and Move repeating the previous TID/source/destination within 6 s
 *   are not applied again; acknowledged ones are still answered.
 * - Publishes a Status when it accepts a message that changes something
 *   and when a transition ends; the callback hears each settled level
 *   (an immediate change, the end of a transition, a stop), not the
 *   intermediate steps.
 *
 * Client: Set / Set Unacknowledged through generic_common.c; every Status
 * updates the last value heard. */
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "models/generic_common.h"
#include "models/models.h"
#include "node/node.h"

#define OP_LEVEL_GET 0x8205
#define OP_LEVEL_SET 0x8206
#define OP_LEVEL_SET_UNACK 0x8207
#define OP_LEVEL_STATUS 0x8208
#define OP_DELTA_SET 0x8209
#define OP_DELTA_SET_UNACK 0x820a
#define OP_MOVE_SET 0x820b
#define OP_MOVE_SET_UNACK 0x820c

struct level_srv {
    struct bm_gen_tid tid;
    int16_t present;    /* settled level; while a transition runs, its start level */
    int16_t target;     /* a Set/Delta target, or a Move's limit */
    int16_t tx_base;    /* the level when the current Delta transaction began */
    bool busy;          /* a change waits for its delay or runs */
    bool started;       /* the delay is over */
    bool move;          /* speed-based (Move) rather than to a target */
    int16_t move_delta; /* Move: level change per move_ms */
    uint32_t move_ms;
    /* on the platform's 64-bit clock (bm_node_clock64), not the core's
     * 32-bit time: a Move can run for years (65535 steps of 37.2 min) */
    uint64_t start_ms; /* end of the delay */
    uint64_t end_ms;   /* end of the transition (Move: when the limit is reached) */
    uint32_t op;       /* the message behind the change, for the callback */
    uint16_t src;
};

_Static_assert(sizeof(struct level_srv) <= BM_MODEL_STATE_MAX, "Level Server state fits st[]");

static struct level_srv *srv_of(struct bm_model *m)
{
    return (struct level_srv *)m->st.bytes;
}

static int16_t clamp16(int64_t v)
{
    return (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
}

/* The level at now: interpolated while a transition runs. */
static int16_t current(const struct level_srv *s, uint64_t now)
{
    if (!s->busy || !s->started)
        return s->present;
    uint64_t t = now < s->end_ms ? now : s->end_ms;
    int64_t elapsed = (int64_t)(t - s->start_ms);
    if (s->move)
        return clamp16(s->present + (int64_t)s->move_delta * elapsed / s->move_ms);
    int64_t dur = (int64_t)(s->end_ms - s->start_ms);
    if (dur == 0)
        return s->target;
    return clamp16(s->present + (int64_t)(s->target - s->present) * elapsed / dur);
}

/* Present Level, and Target Level + Remaining Time while a change is due
 * (3.2.2.8). */
static size_t status_params(struct bm_node *node, struct level_srv *s, uint8_t out[5])
{
    uint64_t now = bm_node_clock64(node);
    bm_gen_put_le16(out, (uint16_t)current(s, now));
    if (!s->busy)
        return 2;
    bm_gen_put_le16(out + 2, (uint16_t)s->target);
    uint64_t left = s->end_ms > now ? s->end_ms - now : 0;
    out[4] = s->move ? BM_GEN_TT_UNKNOWN
                     : bm_gen_tt_encode(left > UINT32_MAX ? UINT32_MAX : (uint32_t)left);
    return 5;
}

static void publish(struct bm_node *node, struct bm_model *m)
{
    uint8_t p[5];
    size_t n = status_params(node, srv_of(m), p);
    bm_access_publish(node, m, OP_LEVEL_STATUS, p, n); /* BM_ENOENT: no publication set */
}

static void settle(struct bm_model *m, int16_t v, bool *changed)
{
    struct level_srv *s = srv_of(m);
    if (s->present == v)
        return;
    s->present = v;
    *changed = true;
    bm_gen_notify(m, BM_EVT_STATE_CHANGED, s->op, v, s->src);
}

/* Runs the due parts of a change; returns true when it ended now. */
static bool step(struct bm_model *m, uint64_t now, bool *changed)
{
    struct level_srv *s = srv_of(m);
    if (!s->busy)
        return false;
    if (!s->started && now >= s->start_ms) {
        s->started = true;
        if (s->move) {
            /* time to reach the limit at move_delta per move_ms, rounded up */
            int64_t dist = (int64_t)s->target - s->present;
            int64_t d = s->move_delta;
            uint64_t ms = (uint64_t)((dist * (int64_t)s->move_ms + d - (d > 0 ? 1 : -1)) / d);
            s->end_ms = s->start_ms + ms;
        }
    }
    if (s->started && now >= s->end_ms) {
        s->busy = false;
        settle(m, s->target, changed);
        return true;
    }
    return false;
}

/* Freezes a running transition where it is; a new transaction starts from
 * there. */
static void freeze(struct bm_model *m, uint64_t now, uint32_t op, uint16_t src, bool *changed)
{
    struct level_srv *s = srv_of(m);
    int16_t cur = current(s, now);
    if (s->busy)
        *changed = true;
    s->busy = false;
    s->op = op;
    s->src = src;
    settle(m, cur, changed);
}

static void start(struct bm_model *m, uint64_t now, int16_t target, uint32_t trans_ms,
                  uint32_t delay_ms, bool *changed)
{
    struct level_srv *s = srv_of(m);
    if (target == s->present)
        return;
    s->busy = true;
    s->started = false;
    s->move = false;
    s->target = target;
    s->start_ms = now + delay_ms;
    s->end_ms = s->start_ms + trans_ms;
    *changed = true;
    step(m, now, changed);
}

static int reply(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx)
{
    uint8_t st[5];
    size_t n = status_params(node, srv_of(m), st);
    return bm_access_reply(node, m, ctx, OP_LEVEL_STATUS, st, n);
}

static int srv_get(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, uint32_t op)
{
    (void)p;
    (void)len;
    (void)op;
    return reply(node, m, ctx);
}

/* Level Set: Level (2), TID, [Transition Time, Delay] (3.2.2.2). */
static int do_set(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                  const uint8_t *p, size_t len, uint32_t op)
{
    struct level_srv *s = srv_of(m);
    uint32_t trans_ms, delay_ms;
    if (bm_gen_timing(p + 3, len - 3, &trans_ms, &delay_ms) != BM_OK)
        return BM_EMALFORMED;
    uint64_t now = bm_node_clock64(node);
    if (bm_gen_tid_same(&s->tid, p[2], ctx->src, ctx->dst, (bm_ms_t)now))
        return BM_OK;
    bool changed = false;
    freeze(m, now, op, ctx->src, &changed);
    start(m, now, (int16_t)bm_gen_get_le16(p), trans_ms, delay_ms, &changed);
    if (changed)
        publish(node, m);
    return BM_OK;
}

/* Delta Set: Delta Level (4, signed), TID, [Transition Time, Delay]
 * (3.2.2.4). */
static int do_delta(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                    const uint8_t *p, size_t len, uint32_t op)
{
    struct level_srv *s = srv_of(m);
    uint32_t trans_ms, delay_ms;
    if (bm_gen_timing(p + 5, len - 5, &trans_ms, &delay_ms) != BM_OK)
        return BM_EMALFORMED;
    int32_t delta = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                              (uint32_t)p[3] << 24);
    uint64_t now = bm_node_clock64(node);
    bool same = bm_gen_tid_same(&s->tid, p[4], ctx->src, ctx->dst, (bm_ms_t)now);
    bool changed = false;
    freeze(m, now, op, ctx->src, &changed);
    if (!same)
        s->tx_base = s->present;
    start(m, now, clamp16((int64_t)s->tx_base + delta), trans_ms, delay_ms, &changed);
    if (changed)
        publish(node, m);
    return BM_OK;
}

/* Move Set: Delta Level (2, signed), TID, [Transition Time, Delay]
 * (3.2.2.6). */
static int do_move(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, uint32_t op)
{
    struct level_srv *s = srv_of(m);
    uint32_t trans_ms, delay_ms;
    if (bm_gen_timing(p + 3, len - 3, &trans_ms, &delay_ms) != BM_OK)
        return BM_EMALFORMED;
    uint64_t now = bm_node_clock64(node);
    if (bm_gen_tid_same(&s->tid, p[2], ctx->src, ctx->dst, (bm_ms_t)now))
        return BM_OK;
    int16_t delta = (int16_t)bm_gen_get_le16(p);
    bool changed = false;
    freeze(m, now, op, ctx->src, &changed);
    if (delta != 0 && trans_ms != 0) {
        s->busy = true;
        s->started = false;
        s->move = true;
        s->move_delta = delta;
        s->move_ms = trans_ms;
        s->target = delta > 0 ? INT16_MAX : INT16_MIN;
        s->start_ms = now + delay_ms;
        s->end_ms = UINT64_MAX; /* set when the delay ends */
        changed = true;
        step(m, now, &changed);
    }
    if (changed)
        publish(node, m);
    return BM_OK;
}

/* Set, Delta Set and Move Set; the acknowledged ones are answered with the
 * Status. */
static int set_msg(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, uint32_t op)
{
    int rc;
    if (op == OP_LEVEL_SET || op == OP_LEVEL_SET_UNACK)
        rc = do_set(node, m, ctx, p, len, op);
    else if (op == OP_DELTA_SET || op == OP_DELTA_SET_UNACK)
        rc = do_delta(node, m, ctx, p, len, op);
    else
        rc = do_move(node, m, ctx, p, len, op);
    if (rc != BM_OK || (op != OP_LEVEL_SET && op != OP_DELTA_SET && op != OP_MOVE_SET))
        return rc;
    return reply(node, m, ctx);
}

/* The next deadline on the core's clock: a far one as a wake-up 2^30 ms
 * ahead at most, which finds nothing due and asks again. */
#define FAR_MS 0x40000000u

static bm_ms_t srv_process(struct bm_node *node, struct bm_model *m, bm_ms_t now_ms)
{
    struct level_srv *s = srv_of(m);
    uint64_t now = bm_node_clock64(node);
    bool changed = false;
    bool ended = step(m, now, &changed);
    if (changed || ended)
        publish(node, m);
    if (!s->busy)
        return 0;
    uint64_t at = s->started ? s->end_ms : s->start_ms;
    uint64_t left = at > now ? at - now : 0;
    return bm_ms_after(now_ms, left > FAR_MS ? FAR_MS : (uint32_t)left);
}

static int srv_pub(struct bm_node *node, struct bm_model *m, uint8_t *out, size_t size, size_t *len)
{
    uint8_t p[5];
    size_t n = status_params(node, srv_of(m), p);
    return bm_access_build(OP_LEVEL_STATUS, p, n, out, size, len);
}

/* Persisted state: the settled present level (storage/persist.c keeps it
 * across a power cut). */
static size_t srv_state_save(const struct bm_model *m, uint8_t *out)
{
    bm_gen_put_le16(out, (uint16_t)((const struct level_srv *)m->st.bytes)->present);
    return 2;
}

static int srv_state_load(struct bm_model *m, const uint8_t *in, size_t len)
{
    if (len != 2)
        return BM_EMALFORMED;
    srv_of(m)->present = (int16_t)bm_gen_get_le16(in);
    return BM_OK;
}

static const struct bm_model_op srv_ops[] = {
    {OP_LEVEL_GET, 0, 0, srv_get},       {OP_LEVEL_SET, 3, 5, set_msg},
    {OP_LEVEL_SET_UNACK, 3, 5, set_msg}, {OP_DELTA_SET, 5, 7, set_msg},
    {OP_DELTA_SET_UNACK, 5, 7, set_msg}, {OP_MOVE_SET, 3, 5, set_msg},
    {OP_MOVE_SET_UNACK, 3, 5, set_msg},
};

const struct bm_model_type bm_level_srv_type = {.company = BM_COMPANY_SIG,
                                                .id = BM_MODEL_LEVEL_SRV,
                                                .ops = srv_ops,
                                                .op_count = sizeof(srv_ops) / sizeof(srv_ops[0]),
                                                .publish = srv_pub,
                                                .process = srv_process,
                                                .state_save = srv_state_save,
                                                .state_load = srv_state_load};

static int cli_status(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t op)
{
    (void)node;
    (void)op;
    if (len != 2 && len != 5) /* 3.2.2.8: Target and Remaining Time come together */
        return BM_EMALFORMED;
    bm_gen_cli_status(m, ctx, OP_LEVEL_STATUS, (int16_t)bm_gen_get_le16(p));
    return BM_OK;
}

static const struct bm_model_op cli_ops[] = {{OP_LEVEL_STATUS, 2, 5, cli_status}};

const struct bm_model_type bm_level_cli_type = {.company = BM_COMPANY_SIG,
                                                .id = BM_MODEL_LEVEL_CLI,
                                                .ops = cli_ops,
                                                .op_count = 1,
                                                .process = bm_gen_cli_process,
                                                .state_save = bm_gen_cli_state_save,
                                                .state_load = bm_gen_cli_state_load};

void bm_level_init(struct bm_model *model, int32_t value)
{
    if (model->type == &bm_level_srv_type)
        srv_of(model)->present = (int16_t)value;
    else
        ((struct bm_gen_cli *)model->st.bytes)->value = value;
}

int32_t bm_level_srv_value(const struct bm_model *model)
{
    return ((const struct level_srv *)model->st.bytes)->present;
}

int bm_level_srv_set(struct bm_node *node, struct bm_model *model, int32_t value)
{
    if (value < INT16_MIN || value > INT16_MAX)
        return BM_EINVAL;
    struct level_srv *s = srv_of(model);
    s->busy = false;
    s->present = (int16_t)value;
    uint8_t p[2];
    bm_gen_put_le16(p, (uint16_t)s->present);
    int rc = bm_access_publish(node, model, OP_LEVEL_STATUS, p, sizeof(p));
    return rc == BM_ENOENT ? BM_OK : rc;
}

int bm_level_cli_set(struct bm_node *node, struct bm_model *model, int32_t value, uint16_t dst,
                     uint16_t app_idx, bool ack)
{
    if (value < INT16_MIN || value > INT16_MAX)
        return BM_EINVAL;
    uint8_t p[3];
    bm_gen_put_le16(p, (uint16_t)value);
    p[2] = bm_gen_cli_next_tid(node, model);
    return bm_gen_cli_send(node, model, ack ? OP_LEVEL_SET : OP_LEVEL_SET_UNACK, ack, value, p,
                           sizeof(p), dst, app_idx);
}
