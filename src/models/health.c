/* Health Server and Health Client (Mesh Profile 1.0.1: models 4.4.3 and
 * 4.4.4, messages 4.3.3, states 4.2.15 Registered Fault, 4.2.16 Current
 * Fault, 4.2.17 Health Period, 4.2.18 Attention Timer).
 *
 * Server (one, on the primary element):
 * - Health Fault Get / Clear / Test name a Company ID; messages for a
 *   Company ID other than the server's are ignored. The answer is a Health
 *   Fault Status with the Registered Fault array.
 * - Test ID 0x00 (the standard test) is the only test; it finds no new
 *   fault. Other Test IDs are ignored (no status).
 * - Health Current Status (Current Fault array) is what periodic
 *   publication sends; while there are current faults the period is
 *   divided by 2^Fast Period Divisor (access layer period_shift hook), and
 *   a fault added by the application is published at once.
 * - Attention Timer: seconds, counting down from a Set; Get reports the
 *   whole seconds left, rounded up.
 * - Prohibited values (Fast Period Divisor > 15) drop the message.
 *
 * Client: sends the requests and decodes the four statuses for a callback;
 * no retries (the application repeats a request).
 *
 * State lives in the model's st[]; the server's is set up on first use,
 * since the primary element's Health Server is added by foundation.c. */
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "blemesh/health.h"
#include "models/models.h"
#include "node/node.h"

#define OP_HEALTH_CURRENT_STATUS 0x04
#define OP_HEALTH_FAULT_STATUS 0x05
#define OP_ATTENTION_GET 0x8004
#define OP_ATTENTION_SET 0x8005
#define OP_ATTENTION_SET_UNACK 0x8006
#define OP_ATTENTION_STATUS 0x8007
#define OP_FAULT_CLEAR 0x802f
#define OP_FAULT_CLEAR_UNACK 0x8030
#define OP_FAULT_GET 0x8031
#define OP_FAULT_TEST 0x8032
#define OP_FAULT_TEST_UNACK 0x8033
#define OP_PERIOD_GET 0x8034
#define OP_PERIOD_SET 0x8035
#define OP_PERIOD_SET_UNACK 0x8036
#define OP_PERIOD_STATUS 0x8037

#define TEST_STANDARD 0x00
#define DIVISOR_MAX 15 /* 4.2.17: 0x10..0xFF prohibited */

struct health_srv {
    bool ready; /* the fields below are set up */
    uint16_t company;
    uint8_t test_id; /* the most recent test run */
    uint8_t divisor; /* Fast Period Divisor, 0..15 */
    uint8_t cur[BM_CFG_HEALTH_FAULTS];
    uint8_t cur_n;
    uint8_t reg[BM_CFG_HEALTH_FAULTS];
    uint8_t reg_n;
    bm_ms_t attention_end_ms; /* 0: the timer is off */
    bm_attention_fn attention_cb;
    void *attention_user;
};

struct health_cli {
    bm_health_fn cb;
    void *user;
};

_Static_assert(sizeof(struct health_srv) <= BM_MODEL_STATE_MAX, "Health Server state fits st[]");
_Static_assert(sizeof(struct health_cli) <= BM_MODEL_STATE_MAX, "Health Client state fits st[]");

static struct health_srv *srv_of(struct bm_model *m)
{
    struct health_srv *s = (struct health_srv *)m->st.bytes;
    if (!s->ready) {
        memset(s, 0, sizeof(*s));
        s->ready = true;
        s->company = BM_HEALTH_COMPANY_DEFAULT;
    }
    return s;
}

static struct bm_model *find_srv(struct bm_node *node)
{
    for (size_t i = 0; node && i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (m->used && m->elem == 0 && m->type == &bm_health_srv_type)
            return m;
    }
    return NULL;
}

/* Test ID, Company ID, fault codes (4.3.3.2, 4.3.3.3). */
static size_t fault_params(const struct health_srv *s, bool current, uint8_t *out)
{
    out[0] = s->test_id;
    out[1] = (uint8_t)s->company;
    out[2] = (uint8_t)(s->company >> 8);
    uint8_t n = current ? s->cur_n : s->reg_n;
    memcpy(out + 3, current ? s->cur : s->reg, n);
    return 3u + n;
}

static uint8_t attention_left(const struct health_srv *s, bm_ms_t now)
{
    if (!s->attention_end_ms)
        return 0;
    /* the whole seconds left, rounded up; a Set starts at most 255 s
     * (counted up, no division: at most 255 steps) */
    uint32_t ms = bm_ms_left(now, s->attention_end_ms);
    uint8_t secs = 0;
    while (secs < 255 && 1000u * secs < ms)
        secs++;
    return secs;
}

/* Health Fault Get, Clear and Test, the last two acknowledged or not: a
 * Company ID (2), after the Test ID (1) in a Test (4.3.3.4-4.3.3.8). A
 * message for another Company ID, or a Test of another Test ID, is
 * ignored; the others are answered, unless unacknowledged, with the
 * Registered Fault array. */
static int fault(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                 const uint8_t *p, size_t len, uint32_t opcode)
{
    struct health_srv *s = srv_of(m);
    bool test = len == 3;
    const uint8_t *company = p + len - 2;
    if ((uint16_t)(company[0] | company[1] << 8) != s->company || (test && p[0] != TEST_STANDARD))
        return BM_OK;
    /* (the opcodes are all 0x80xx: their low octets tell them apart) */
    uint8_t op = (uint8_t)opcode;
    if (test)
        s->test_id = p[0];
    else if (op != (OP_FAULT_GET & 0xff))
        s->reg_n = 0;
    if (op == (OP_FAULT_CLEAR_UNACK & 0xff) || op == (OP_FAULT_TEST_UNACK & 0xff))
        return BM_OK;
    uint8_t out[3 + BM_CFG_HEALTH_FAULTS];
    size_t n = fault_params(s, false, out);
    return bm_access_reply(node, m, ctx, OP_HEALTH_FAULT_STATUS, out, n);
}

static void attention_set(struct health_srv *s, bm_ms_t now, uint8_t secs)
{
    bool was_on = s->attention_end_ms != 0;
    uint32_t ms = secs * 1000u; /* at most 255 s: 32 bits, no 64-bit multiply */
    s->attention_end_ms = secs ? bm_ms_after(now, ms) : 0;
    if (s->attention_cb && (secs || was_on))
        s->attention_cb(s->attention_user, secs);
}

/* Attention and Health Period Get (no parameters) and Set, answered with
 * the Status unless unacknowledged (opcodes 0x8006 and 0x8036); the
 * Status's opcode is the Get's with its low three bits set. Attention
 * reports the whole seconds left, rounded up. */
static int one_octet(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                     const uint8_t *p, size_t len, uint32_t opcode)
{
    struct health_srv *s = srv_of(m);
    uint8_t v;
    if ((uint8_t)opcode <= (OP_ATTENTION_SET_UNACK & 0xff)) { /* all 0x80xx */
        bm_ms_t now = bm_node_now(node);
        if (len)
            attention_set(s, now, p[0]);
        v = attention_left(s, now);
    } else {
        if (len) {
            if (p[0] > DIVISOR_MAX)
                return BM_EMALFORMED;
            if (s->divisor != p[0])
                m->pub.next_ms = 0; /* the next periodic publication follows the new period */
            s->divisor = p[0];
        }
        v = s->divisor;
    }
    /* the two Set Unacknowledged share their low three bits (6; the Gets
     * end in 4, the Sets in 5) */
    _Static_assert((OP_ATTENTION_SET_UNACK & 7u) == (OP_PERIOD_SET_UNACK & 7u), "unack opcodes");
    if ((opcode & 7u) == (OP_ATTENTION_SET_UNACK & 7u))
        return BM_OK;
    return bm_access_reply(node, m, ctx, opcode | 7u, &v, 1);
}

static bm_ms_t srv_process(struct bm_node *node, struct bm_model *m, bm_ms_t now)
{
    (void)node;
    /* (a state not yet set up is all zeros: no attention timer) */
    struct health_srv *s = (struct health_srv *)m->st.bytes;
    if (!bm_ms_due(now, s->attention_end_ms))
        return s->attention_end_ms; /* 0: off */
    s->attention_end_ms = 0;
    if (s->attention_cb)
        s->attention_cb(s->attention_user, 0);
    return 0;
}

static int srv_pub(struct bm_node *node, struct bm_model *m, uint8_t *out, size_t size, size_t *len)
{
    (void)node;
    uint8_t p[3 + BM_CFG_HEALTH_FAULTS];
    size_t n = fault_params(srv_of(m), true, p);
    return bm_access_build(OP_HEALTH_CURRENT_STATUS, p, n, out, size, len);
}

static uint8_t srv_period_shift(const struct bm_model *m)
{
    /* (a state not yet set up is all zeros: no current fault) */
    const struct health_srv *s = (const struct health_srv *)m->st.bytes;
    return s->cur_n ? s->divisor : 0;
}

static const struct bm_model_op srv_ops[] = {
    {OP_ATTENTION_GET, 0, 0, one_octet},
    {OP_ATTENTION_SET, 1, 1, one_octet},
    {OP_ATTENTION_SET_UNACK, 1, 1, one_octet},
    {OP_FAULT_CLEAR, 2, 2, fault},
    {OP_FAULT_CLEAR_UNACK, 2, 2, fault},
    {OP_FAULT_GET, 2, 2, fault},
    {OP_FAULT_TEST, 3, 3, fault},
    {OP_FAULT_TEST_UNACK, 3, 3, fault},
    {OP_PERIOD_GET, 0, 0, one_octet},
    {OP_PERIOD_SET, 1, 1, one_octet},
    {OP_PERIOD_SET_UNACK, 1, 1, one_octet},
};

const struct bm_model_type bm_health_srv_type = {.company = BM_COMPANY_SIG,
                                                 .id = BM_MODEL_HEALTH_SRV,
                                                 .ops = srv_ops,
                                                 .op_count = sizeof(srv_ops) / sizeof(srv_ops[0]),
                                                 .publish = srv_pub,
                                                 .process = srv_process,
                                                 .period_shift = srv_period_shift};

int bm_health_srv_set_company(struct bm_node *node, uint16_t company_id)
{
    struct bm_model *m = find_srv(node);
    if (!m)
        return BM_ENOENT;
    srv_of(m)->company = company_id;
    return BM_OK;
}

int bm_health_srv_fault_add(struct bm_node *node, uint8_t fault)
{
    if (fault == 0x00)
        return BM_EINVAL;
    struct bm_model *m = find_srv(node);
    if (!m)
        return BM_ENOENT;
    struct health_srv *s = srv_of(m);
    bool in_cur = memchr(s->cur, fault, s->cur_n) != NULL;
    bool in_reg = memchr(s->reg, fault, s->reg_n) != NULL;
    if ((!in_cur && s->cur_n >= BM_CFG_HEALTH_FAULTS) ||
        (!in_reg && s->reg_n >= BM_CFG_HEALTH_FAULTS))
        return BM_ENOSPC;
    if (!in_reg)
        s->reg[s->reg_n++] = fault;
    if (in_cur)
        return BM_OK;
    s->cur[s->cur_n++] = fault;
    m->pub.next_ms = 0; /* the periodic publication speeds up from now */
    if (node->provisioned) {
        uint8_t p[3 + BM_CFG_HEALTH_FAULTS];
        size_t n = fault_params(s, true, p);
        bm_access_publish(node, m, OP_HEALTH_CURRENT_STATUS, p, n); /* BM_ENOENT: none set */
    }
    bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    return BM_OK;
}

int bm_health_srv_fault_remove(struct bm_node *node, uint8_t fault)
{
    struct bm_model *m = find_srv(node);
    if (!m)
        return BM_ENOENT;
    struct health_srv *s = srv_of(m);
    for (uint8_t i = 0; i < s->cur_n; i++) {
        if (s->cur[i] != fault)
            continue;
        memmove(s->cur + i, s->cur + i + 1, (size_t)(s->cur_n - i - 1));
        s->cur_n--;
        m->pub.next_ms = 0;
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
        return BM_OK;
    }
    return BM_ENOENT;
}

int bm_health_srv_attention(struct bm_node *node, uint8_t *seconds)
{
    struct bm_model *m = find_srv(node);
    if (!m || !seconds)
        return m ? BM_EINVAL : BM_ENOENT;
    *seconds = attention_left(srv_of(m), bm_node_now(node));
    return BM_OK;
}

int bm_health_srv_set_attention_cb(struct bm_node *node, bm_attention_fn cb, void *user)
{
    struct bm_model *m = find_srv(node);
    if (!m)
        return BM_ENOENT;
    srv_of(m)->attention_cb = cb;
    srv_of(m)->attention_user = user;
    return BM_OK;
}

/* --- client --- */

static void tell(struct bm_model *m, struct bm_health_status *st, const struct bm_msg_ctx *ctx)
{
    const struct health_cli *c = (const struct health_cli *)m->st.bytes;
    st->src = ctx->src;
    if (c->cb)
        c->cb(c->user, st);
}

/* Health Current and Fault Status: Test ID, Company ID, fault codes. */
static int cli_faults(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)node;
    struct bm_health_status st = {.kind = opcode == OP_HEALTH_CURRENT_STATUS
                                              ? BM_HEALTH_CURRENT_STATUS
                                              : BM_HEALTH_FAULT_STATUS,
                                  .test_id = p[0],
                                  .company_id = (uint16_t)(p[1] | p[2] << 8),
                                  .faults = p + 3,
                                  .fault_count = len - 3};
    tell(m, &st, ctx);
    return BM_OK;
}

static int cli_period(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                      const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)node;
    (void)len;
    (void)opcode;
    if (p[0] > DIVISOR_MAX)
        return BM_EMALFORMED;
    struct bm_health_status st = {.kind = BM_HEALTH_PERIOD_STATUS, .divisor = p[0]};
    tell(m, &st, ctx);
    return BM_OK;
}

static int cli_attention(struct bm_node *node, struct bm_model *m, const struct bm_msg_ctx *ctx,
                         const uint8_t *p, size_t len, uint32_t opcode)
{
    (void)node;
    (void)len;
    (void)opcode;
    struct bm_health_status st = {.kind = BM_HEALTH_ATTENTION_STATUS, .attention = p[0]};
    tell(m, &st, ctx);
    return BM_OK;
}

static const struct bm_model_op cli_ops[] = {
    {OP_HEALTH_CURRENT_STATUS, 3, BM_OP_LEN_ANY, cli_faults},
    {OP_HEALTH_FAULT_STATUS, 3, BM_OP_LEN_ANY, cli_faults},
    {OP_PERIOD_STATUS, 1, 1, cli_period},
    {OP_ATTENTION_STATUS, 1, 1, cli_attention},
};

const struct bm_model_type bm_health_cli_type = {.company = BM_COMPANY_SIG,
                                                 .id = BM_MODEL_HEALTH_CLI,
                                                 .ops = cli_ops,
                                                 .op_count = sizeof(cli_ops) / sizeof(cli_ops[0])};

int bm_health_cli_add(struct bm_node *node, int element, bm_health_fn cb, void *user,
                      struct bm_model **out)
{
    if (!node || element < 0 || element >= node->element_count)
        return BM_EINVAL;
    struct bm_model *m;
    int rc = bm_access_model_add(node, (uint8_t)element, &bm_health_cli_type, &m);
    if (rc != BM_OK)
        return rc;
    struct health_cli *c = (struct health_cli *)m->st.bytes;
    c->cb = cb;
    c->user = user;
    if (out)
        *out = m;
    return BM_OK;
}

static int cli_send(struct bm_node *node, struct bm_model *cli, uint16_t dst, uint16_t app_idx,
                    uint32_t op, const uint8_t *p, size_t len)
{
    if (!node || !cli || cli->type != &bm_health_cli_type || bm_addr_is_virtual(dst) ||
        dst == BM_ADDR_UNASSIGNED)
        return BM_EINVAL;
    if (!node->provisioned || !bm_access_is_bound(cli, app_idx))
        return BM_ESTATE;
    struct bm_msg_ctx ctx = {.dst = dst, .app_idx = app_idx, .ttl = BM_TTL_DEFAULT};
    return bm_access_send(node, cli, &ctx, op, p, len);
}

int bm_health_cli_fault_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                            uint16_t app_idx, uint16_t company_id)
{
    uint8_t p[2] = {(uint8_t)company_id, (uint8_t)(company_id >> 8)};
    return cli_send(node, cli, dst, app_idx, OP_FAULT_GET, p, 2);
}

int bm_health_cli_fault_clear(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                              uint16_t app_idx, uint16_t company_id, bool ack)
{
    uint8_t p[2] = {(uint8_t)company_id, (uint8_t)(company_id >> 8)};
    return cli_send(node, cli, dst, app_idx, ack ? OP_FAULT_CLEAR : OP_FAULT_CLEAR_UNACK, p, 2);
}

int bm_health_cli_fault_test(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx, uint8_t test_id, uint16_t company_id, bool ack)
{
    uint8_t p[3] = {test_id, (uint8_t)company_id, (uint8_t)(company_id >> 8)};
    return cli_send(node, cli, dst, app_idx, ack ? OP_FAULT_TEST : OP_FAULT_TEST_UNACK, p, 3);
}

int bm_health_cli_period_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx)
{
    return cli_send(node, cli, dst, app_idx, OP_PERIOD_GET, NULL, 0);
}

int bm_health_cli_period_set(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                             uint16_t app_idx, uint8_t divisor, bool ack)
{
    if (divisor > DIVISOR_MAX)
        return BM_EINVAL;
    return cli_send(node, cli, dst, app_idx, ack ? OP_PERIOD_SET : OP_PERIOD_SET_UNACK, &divisor,
                    1);
}

int bm_health_cli_attention_get(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                                uint16_t app_idx)
{
    return cli_send(node, cli, dst, app_idx, OP_ATTENTION_GET, NULL, 0);
}

int bm_health_cli_attention_set(struct bm_node *node, struct bm_model *cli, uint16_t dst,
                                uint16_t app_idx, uint8_t seconds, bool ack)
{
    return cli_send(node, cli, dst, app_idx, ack ? OP_ATTENTION_SET : OP_ATTENTION_SET_UNACK,
                    &seconds, 1);
}
