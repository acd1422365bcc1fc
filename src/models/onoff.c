/* Generic OnOff Server and Client (Mesh Model 1.0.1: state 3.1.1, messages
 * 3.2.1, server 3.3.1.2, client 3.3.1.1).
 *
 * Server: Get, Set and Set Unacknowledged change the Generic OnOff state,
 * after the Delay and over the Transition Time when given (absent: the
 * Generic Default Transition Time, 0 here: immediate). A binary state
 * cannot move gradually (3.1.1): towards On it becomes 1 when the
 * transition starts, towards Off it becomes 0 when the transition ends.
 * A Set repeating the previous message's TID, source and destination
 * within 6 s is not applied again; an acknowledged one is still answered.
 * The server publishes a Status (to its publication address, if any) when
 * it accepts a Set that changes something, when the present state changes
 * and when a transition ends.
 *
 * Client: sends Set / Set Unacknowledged (generic_common.c) and takes
 * every Status, answer or publication, as the last value heard. Its TIDs
 * are reserved in storage (its persisted state), so a restarted client
 * never repeats the TID of its last Set.
 *
 * Invariant: present and target are 0 or 1; when busy, start_ms <= end_ms. */
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "models/generic_common.h"
#include "models/models.h"
#include "node/node.h"

#define OP_ONOFF_GET 0x8201
#define OP_ONOFF_SET 0x8202
#define OP_ONOFF_SET_UNACK 0x8203
#define OP_ONOFF_STATUS 0x8204

struct onoff_srv {
    struct bm_gen_tid tid;
    uint8_t present;
    uint8_t target;
    bool busy;         /* a change waits for its delay or runs its transition */
    bm_ms_t start_ms;  /* end of the delay */
    bm_ms_t end_ms;    /* end of the transition */
    uint32_t op;       /* the Set that asked for the change, for the callback */
    uint16_t src;
};

_Static_assert(sizeof(struct onoff_srv) <= BM_MODEL_STATE_MAX, "OnOff Server state fits st[]");
_Static_assert(sizeof(struct bm_gen_cli) <= BM_MODEL_STATE_MAX, "client state fits st[]");

static struct onoff_srv *srv_of(struct bm_model *m)
{
    return (struct onoff_srv *)m->st.bytes;
}

/* Present OnOff, and Target OnOff + Remaining Time while a change is due
 * (3.2.1.4). */
static size_t status_params(struct bm_node *node, struct onoff_srv *s, uint8_t out[3])
{
    out[0] = s->present;
    if (!s->busy)
        return 1;
    out[1] = s->target;
    out[2] = bm_gen_tt_encode(bm_ms_left(bm_node_now(node), s->end_ms));
    return 3;
}

static void publish(struct bm_node *node, struct bm_model *m)
{
    bm_access_publish_state(node, m); /* srv_pub's Status; BM_ENOENT: no publication set */
}

static void set_present(struct bm_model *m, uint8_t v, bool *changed)
{
    struct onoff_srv *s = srv_of(m);
    if (s->present == v)
        return;
    s->present = v;
    *changed = true;
    bm_gen_notify(m, BM_EVT_STATE_CHANGED, s->op, v, s->src);
}

/* Runs the due parts of a change; returns true when it ended now. Towards
 * On the state is 1 from the end of the delay, towards Off it becomes 0 at
 * the end of the transition (3.1.1). */
static bool step(struct bm_model *m, bm_ms_t now, bool *changed)
{
    struct onoff_srv *s = srv_of(m);
    if (!s->busy || !bm_ms_reached(now, s->start_ms))
        return false;
    bool ended = bm_ms_reached(now, s->end_ms);
    if (ended)
        s->busy = false;
    if (ended || s->target == 1)
        set_present(m, s->target, changed);
    return ended;
}

static int srv_get(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, uint32_t op)
{
    (void)p;
    (void)len;
    (void)op;
    uint8_t st[3];
    size_t n = status_params(node, srv_of(m), st);
    return bm_access_reply(node, m, ctx, OP_ONOFF_STATUS, st, n);
}

static int srv_set(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                   const uint8_t *p, size_t len, uint32_t op)
{
    struct onoff_srv *s = srv_of(m);
    uint32_t trans_ms, delay_ms;
    /* 3.2.1.2: OnOff 0x02..0xFF is prohibited */
    if (p[0] > 1 || bm_gen_timing(p + 2, len - 2, &trans_ms, &delay_ms) != BM_OK)
        return BM_EMALFORMED;
    bm_ms_t now = bm_node_now(node);
    if (!bm_gen_tid_same(&s->tid, p[1], ctx->src, ctx->dst, now)) {
        bool changed = s->busy; /* a new Set cancels a running change */
        s->busy = false;
        if (p[0] != s->present) {
            s->busy = true;
            s->target = p[0];
            s->start_ms = bm_ms_after(now, delay_ms);
            s->end_ms = bm_ms_after(s->start_ms, trans_ms);
            s->src = ctx->src;
            s->op = op;
            changed = true;
            step(m, now, &changed);
        }
        if (changed)
            publish(node, m);
    }
    /* the acknowledged Set (the even one of the two opcodes) is answered
     * with the Status */
    _Static_assert(!(OP_ONOFF_SET & 1) && (OP_ONOFF_SET_UNACK & 1), "Set even, Unack odd");
    return !(op & 1) ? srv_get(node, m, ctx, NULL, 0, op) : BM_OK;
}

static bm_ms_t srv_process(struct bm_node *node, struct bm_model *m, bm_ms_t now)
{
    struct onoff_srv *s = srv_of(m);
    bool changed = false;
    bool ended = step(m, now, &changed);
    if (changed || ended)
        publish(node, m);
    if (!s->busy)
        return 0;
    return bm_ms_reached(now, s->start_ms) ? s->end_ms : s->start_ms;
}

static int srv_pub(struct bm_node *node, struct bm_model *m, uint8_t *out, size_t size, size_t *len)
{
    uint8_t p[3];
    size_t n = status_params(node, srv_of(m), p);
    return bm_access_build(OP_ONOFF_STATUS, p, n, out, size, len);
}

/* Persisted state: the present OnOff (storage/persist.c keeps it across a
 * power cut). */
static size_t srv_state_save(const struct bm_model *m, uint8_t *out)
{
    out[0] = ((const struct onoff_srv *)m->st.bytes)->present;
    return 1;
}

static int srv_state_load(struct bm_model *m, const uint8_t *in, size_t len)
{
    if (len != 1 || in[0] > 1)
        return BM_EMALFORMED;
    srv_of(m)->present = in[0];
    return BM_OK;
}

static const struct bm_model_op srv_ops[] = {
    {OP_ONOFF_GET, 0, 0, srv_get},
    {OP_ONOFF_SET, 2, 4, srv_set},
    {OP_ONOFF_SET_UNACK, 2, 4, srv_set},
};

const struct bm_model_type bm_onoff_srv_type = {.company = BM_COMPANY_SIG,
                                                .id = BM_MODEL_ONOFF_SRV,
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
    /* 3.2.1.4: Target and Remaining Time come together; values 0 or 1 */
    if (len == 2 || p[0] > 1 || (len == 3 && p[1] > 1))
        return BM_EMALFORMED;
    bm_gen_cli_status(m, ctx, OP_ONOFF_STATUS, p[0]);
    return BM_OK;
}

static const struct bm_model_op cli_ops[] = {{OP_ONOFF_STATUS, 1, 3, cli_status}};

const struct bm_model_type bm_onoff_cli_type = {.company = BM_COMPANY_SIG,
                                                .id = BM_MODEL_ONOFF_CLI,
                                                .ops = cli_ops,
                                                .op_count = 1,
                                                .process = bm_gen_cli_process,
                                                .state_save = bm_gen_cli_state_save,
                                                .state_load = bm_gen_cli_state_load};

void bm_onoff_init(struct bm_model *model, int32_t value)
{
    if (model->type == &bm_onoff_srv_type)
        srv_of(model)->present = (uint8_t)value;
    else
        ((struct bm_gen_cli *)model->st.bytes)->value = value;
}

int32_t bm_onoff_srv_value(const struct bm_model *model)
{
    return ((const struct onoff_srv *)model->st.bytes)->present;
}

int bm_onoff_srv_set(struct bm_node *node, struct bm_model *model, int32_t value)
{
    if (value < 0 || value > 1)
        return BM_EINVAL;
    struct onoff_srv *s = srv_of(model);
    s->busy = false;
    s->present = (uint8_t)value;
    int rc = bm_access_publish(node, model, OP_ONOFF_STATUS, &s->present, 1);
    return rc == BM_ENOENT ? BM_OK : rc;
}

int bm_onoff_cli_set(struct bm_node *node, struct bm_model *model, int32_t value, uint16_t dst,
                     uint16_t app_idx, bool ack)
{
    if (value < 0 || value > 1)
        return BM_EINVAL;
    uint8_t p[2] = {(uint8_t)value, bm_gen_cli_next_tid(node, model)};
    return bm_gen_cli_send(node, model, ack ? OP_ONOFF_SET : OP_ONOFF_SET_UNACK, ack, value, p,
                           sizeof(p), dst, app_idx);
}
