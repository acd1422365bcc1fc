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

static int send_pub(struct bm_node *node, struct bm_model *model, const uint8_t *payload,
                    size_t len)
{
    struct bm_model_pub *p = &model->pub;
    if (p->addr == BM_ADDR_UNASSIGNED)
        return BM_ENOENT;
    uint16_t net_idx = 0;
    if (!bm_node_app_key(node, p->app_idx, &net_idx))
        return BM_ENOKEY;
    struct bm_send s = {.src = bm_access_model_addr(node, model),
                        .dst = p->addr,
                        .net_idx = net_idx,
                        .app_idx = p->app_idx,
                        .ttl = p->ttl,
                        .label = bm_addr_is_virtual(p->addr) ? p->label : NULL};
    return bm_node_send_access(node, &s, payload, len);
}

int bm_access_publish(struct bm_node *node, struct bm_model *model, uint32_t opcode,
                      const uint8_t *params, size_t len)
{
    uint8_t buf[BM_ACCESS_MAX_PAYLOAD];
    size_t n;
    int rc = bm_access_build(opcode, params, len, buf, sizeof(buf), &n);
    if (rc != BM_OK)
        return rc;
    rc = send_pub(node, model, buf, n);
    if (rc == BM_OK) {
        model->pub.retx_left = model->pub.retransmit & 0x07;
        if (model->pub.retx_left)
            model->pub.retx_ms =
                bm_ms_after(bm_node_now(node), retx_interval_ms(model->pub.retransmit));
        bm_node_timer_set(node, BM_TIMER_MODELS, 0);
    }
    return rc;
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
        bm_ms_t retx_at = bm_ms_after(now, retx_interval_ms(p->retransmit));
        if (p->retx_left && bm_ms_reached(now, p->retx_ms)) {
            p->retx_left--;
            publish_status(node, m);
            p->retx_ms = retx_at;
        }
        if (p->retx_left)
            next = bm_ms_min(now, next, p->retx_ms);
        uint32_t period = bm_access_period_ms(p->period);
        if (period && t->period_shift) {
            period >>= t->period_shift(m);
            if (period < BM_ACCESS_MIN_FAST_PERIOD_MS)
                period = BM_ACCESS_MIN_FAST_PERIOD_MS;
        }
        if (p->addr != BM_ADDR_UNASSIGNED && period && t->publish) {
            bm_ms_t period_at = bm_ms_after(now, period);
            if (!p->next_ms)
                p->next_ms = period_at;
            if (bm_ms_reached(now, p->next_ms)) {
                publish_status(node, m);
                p->retx_left = p->retransmit & 0x07;
                p->retx_ms = retx_at;
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
