/* Foundation models on the primary element. Placeholder until the
 * Configuration and Health Servers land (issue #4): adds nothing. */
#include "blemesh/errors.h"
#include "models/models.h"

int bm_models_add_foundation(struct bm_node *node)
{
    (void)node;
    return BM_OK;
}

void bm_heartbeat_rx(struct bm_node *node, uint16_t src, uint16_t dst, uint8_t rx_ttl,
                     const uint8_t *params, size_t len)
{
    (void)node;
    (void)src;
    (void)dst;
    (void)rx_ttl;
    (void)params;
    (void)len;
}
