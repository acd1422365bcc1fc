/* Foundation models on the primary element (Mesh Profile 4.4): every node
 * has a Configuration Server and a Health Server there (4.4.1, 4.4.3). The
 * Configuration Client is optional: bm_cfg_cli_enable() adds it. */
#include "blemesh/errors.h"
#include "models/models.h"

int bm_models_add_foundation(struct bm_node *node)
{
    int rc = bm_access_model_add(node, 0, &bm_cfg_srv_type, NULL);
    if (rc != BM_OK && rc != BM_EEXIST)
        return rc;
    rc = bm_access_model_add(node, 0, &bm_health_srv_type, NULL);
    return rc == BM_EEXIST ? BM_OK : rc;
}
