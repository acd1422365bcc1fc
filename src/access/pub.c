/* Model publication (Mesh Profile 3.7.6, 4.2.2): publishing a message to
 * the configured address with the configured key and TTL, its
 * retransmissions (Publish Retransmit Count / Interval Steps), periodic
 * publication (Publish Period), and the per-model timers. */
#include <string.h>

#include "access/access.h"
#include "access/model.h"
#include "node/node.h"

uint32_t bm_access_period_ms(uint8_t period)
{
    static const uint32_t step_ms[4] = {100, 1000, 10000, 600000};
    return (uint32_t)(period & 0x3f) * step_ms[period >> 6];
}

/* A divided publish period (period_shift) goes no lower than this: 100 ms
 * divided by 2^15 would otherwise flood the bearer. */
#define BM_ACCESS_MIN_FAST_PERIOD_MS 10u

/* Retransmit interval: (steps + 1) * 50 ms (4.2.2.7). */
static uint32_t retx_interval_ms(uint8_t retransmit)
{
    return ((uint32_t)(retransmit >> 3) + 1) * 50u;
}

/* Arms the retransmissions of a publication just sent (4.2.2.7). */
static void arm_retx(struct bm_model_pub *p, bm_ms_t now)
{
    p->retx_left = p->retransmit & 0x07;
    p->retx_ms = bm_ms_after(now, retx_interval_ms(p->retransmit));
}

static int send_pub(struct bm_node *node, struct bm_model *model, const uint8_t *payload,
                    size_t len)
{
    struct bm_model_pub *p = &model->pub;
    if (p->addr == BM_ADDR_UNASSIGNED)
        return BM_ENOENT;
    /* the subnet is the AppKey's: bm_node_send_access finds both, and
     * answers BM_ENOKEY when the key is gone */
    struct bm_send s = {.src = bm_access_model_addr(node, model),
                        .dst = p->addr,
                        .app_idx = p->app_idx,
                        .ttl = p->ttl,
                        .label = bm_addr_is_virtual(p->addr) ? p->label : NULL};
    return bm_node_send_access(node, &s, payload, len);
}

/* Publishes an access payload, then its retransmissions. */
static int publish_payload(struct bm_node *node, struct bm_model *model, const uint8_t *payload,
                           size_t len)
{
    int rc = send_pub(node, model, payload, len);
    if (rc == BM_OK) {
        arm_retx(&model->pub, bm_node_now(node));
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    }
    return rc;
}

int bm_access_publish(struct bm_node *node, struct bm_model *model, uint32_t opcode,
                      const uint8_t *params, size_t len)
{
    uint8_t buf[BM_ACCESS_MAX_PAYLOAD];
    size_t n;
    int rc = bm_access_build(opcode, params, len, buf, sizeof(buf), &n);
    if (rc != BM_OK)
        return rc;
    return publish_payload(node, model, buf, n);
}

int bm_access_publish_state(struct bm_node *node, struct bm_model *model)
{
    uint8_t buf[BM_ACCESS_MAX_PAYLOAD];
    size_t n;
    int rc = model->type->publish(node, model, buf, sizeof(buf), &n);
    if (rc != BM_OK)
        return rc;
    return publish_payload(node, model, buf, n);
}

/* Rebuilds the model's current Status for a retransmission or a periodic
 * publication. */
static void publish_status(struct bm_node *node, struct bm_model *model)
{
    uint8_t buf[BM_ACCESS_MAX_PAYLOAD];
    size_t n = 0;
    if (!model->type->publish || model->type->publish(node, model, buf, sizeof(buf), &n) != BM_OK)
        return;
    send_pub(node, model, buf, n);
}

bm_ms_t bm_access_process(struct bm_node *node, bm_ms_t now)
{
    bm_ms_t next = 0;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (!m->used)
            continue;
        const struct bm_model_type *t = m->type;
        struct bm_model_pub *p = &m->pub;
        if (p->retx_left && bm_ms_reached(now, p->retx_ms)) {
            uint8_t left = (uint8_t)(p->retx_left - 1);
            publish_status(node, m);
            arm_retx(p, now);
            p->retx_left = left;
        }
        if (p->retx_left)
            next = bm_ms_min(now, next, p->retx_ms);
        /* periodic publication: a publication address, a period and a
         * Status to publish */
        uint32_t period = 0;
        if (p->addr != BM_ADDR_UNASSIGNED && t->publish)
            period = bm_access_period_ms(p->period);
        if (period && t->period_shift) {
            period >>= t->period_shift(m);
            if (period < BM_ACCESS_MIN_FAST_PERIOD_MS)
                period = BM_ACCESS_MIN_FAST_PERIOD_MS;
        }
        if (period) {
            bm_ms_t period_at = bm_ms_after(now, period);
            if (!p->next_ms)
                p->next_ms = period_at;
            if (bm_ms_reached(now, p->next_ms)) {
                publish_status(node, m);
                arm_retx(p, now);
                p->next_ms = period_at;
            }
            next = bm_ms_min(now, next, p->next_ms);
        } else {
            p->next_ms = 0;
        }
        if (t->process)
            next = bm_ms_min(now, next, t->process(node, m, now));
    }
    return next;
}
