/* The seed API's model half: add_model, value() and set_state (the
 * MicroPython BLE_Mesh calls, include/blemesh/blemesh.h) over the Generic
 * OnOff and Generic Level models (src/models/onoff.c, level.c).
 *
 * Only GENERIC x ONOFF|LEVEL x SERVER|CLIENT exist, each behind its
 * BM_CFG_MODEL_* knob; the firmware's other model groups (SENSORS,
 * TIME_SCENES, LIGHTNING) and the types compiled out are BM_ENOTSUP. Models can
 * be added before or after bm_init, on any element already created.
 *
 * value() on a server reads the settled state: while a Level transition
 * runs it is the level the transition started from until it ends (a remote
 * Get sees the interpolated level). Events, timeouts and retries: see
 * models/generic_common.h (1.5 s per try, 2 retries). */
#include "blemesh/blemesh.h"
#include "models/generic_common.h"
#include "models/models.h"
#include "node/node.h"

/* Each model type is referenced only behind its BM_CFG_MODEL_* knob
 * (config.h), so an image links only the types it enables; a type compiled
 * out is BM_ENOTSUP for bm_add_model(). */
#define ONOFF_ANY (BM_CFG_MODEL_ONOFF_SERVER || BM_CFG_MODEL_ONOFF_CLIENT)
#define LEVEL_ANY (BM_CFG_MODEL_LEVEL_SERVER || BM_CFG_MODEL_LEVEL_CLIENT)

static const struct bm_model_type *pick_type(uint8_t functionality, uint8_t server_client)
{
    bool srv = server_client == BM_SERVER;
    if (functionality == BM_ONOFF) {
        if (srv)
            return BM_CFG_MODEL_ONOFF_SERVER ? &bm_onoff_srv_type : NULL;
        return BM_CFG_MODEL_ONOFF_CLIENT ? &bm_onoff_cli_type : NULL;
    }
    if (srv)
        return BM_CFG_MODEL_LEVEL_SERVER ? &bm_level_srv_type : NULL;
    return BM_CFG_MODEL_LEVEL_CLIENT ? &bm_level_cli_type : NULL;
}

static bool is_onoff_srv(const struct bm_model *m)
{
    return BM_CFG_MODEL_ONOFF_SERVER && m->type == &bm_onoff_srv_type;
}

static bool is_level_srv(const struct bm_model *m)
{
    return BM_CFG_MODEL_LEVEL_SERVER && m->type == &bm_level_srv_type;
}

static bool is_onoff(const struct bm_model *m)
{
    return is_onoff_srv(m) || (BM_CFG_MODEL_ONOFF_CLIENT && m->type == &bm_onoff_cli_type);
}

static bool is_level(const struct bm_model *m)
{
    return is_level_srv(m) || (BM_CFG_MODEL_LEVEL_CLIENT && m->type == &bm_level_cli_type);
}

static bool is_server(const struct bm_model *m)
{
    return is_onoff_srv(m) || is_level_srv(m);
}

static bool value_ok(bool onoff, int32_t value)
{
    return onoff ? (value == 0 || value == 1) : (value >= INT16_MIN && value <= INT16_MAX);
}

int bm_add_model(struct bm_node *node, int element, uint8_t type, uint8_t functionality,
                 uint8_t server_client, bm_model_fn cb, void *user, int32_t value,
                 struct bm_model **out)
{
    if (!node)
        return BM_EINVAL;
    if (type == BM_SENSORS || type == BM_TIME_SCENES || type == BM_LIGHTNING)
        return BM_ENOTSUP;
    if (type != BM_GENERIC || (functionality != BM_ONOFF && functionality != BM_LEVEL) ||
        (server_client != BM_SERVER && server_client != BM_CLIENT))
        return BM_EINVAL;
    if (element < 0 || element >= node->element_count)
        return BM_EINVAL;
    if (!value_ok(functionality == BM_ONOFF, value))
        return BM_EINVAL;
    const struct bm_model_type *t = pick_type(functionality, server_client);
    if (!t)
        return BM_ENOTSUP;
    struct bm_model *m;
    int rc = bm_access_model_add(node, (uint8_t)element, t, &m);
    if (rc != BM_OK)
        return rc;
    m->cb = cb;
    m->user = user;
    if (ONOFF_ANY && functionality == BM_ONOFF)
        bm_onoff_init(m, value);
    else if (LEVEL_ANY)
        bm_level_init(m, value);
    /* after a restart the stored present state wins over the initial value */
    bm_persist_model_created(node, m);
    if (out)
        *out = m;
    return BM_OK;
}

int bm_model_get_value(const struct bm_model *model, int32_t *value)
{
    if (!model || !value || !(is_onoff(model) || is_level(model)))
        return BM_EINVAL;
    if (is_onoff_srv(model))
        *value = bm_onoff_srv_value(model);
    else if (is_level_srv(model))
        *value = bm_level_srv_value(model);
    else
        *value = ((const struct bm_gen_cli *)model->st.bytes)->value;
    return BM_OK;
}

int bm_model_set_value(struct bm_node *node, struct bm_model *model, int32_t value)
{
    if (!node || !model || !(is_onoff(model) || is_level(model)))
        return BM_EINVAL;
    if (!is_server(model))
        return BM_ESTATE;
    int rc = BM_EINVAL;
    if (is_onoff_srv(model))
        rc = bm_onoff_srv_set(node, model, value);
    else if (is_level_srv(model))
        rc = bm_level_srv_set(node, model, value);
    bm_persist_model_states(node);
    bm_node_timer_set(node, BM_TIMER_MODELS, 0); /* a publication may retransmit */
    return rc;
}

int bm_model_set_state(struct bm_node *node, struct bm_model *model, int32_t value, uint16_t addr,
                       uint16_t app_idx, bool ack)
{
    if (!node || !model || !(is_onoff(model) || is_level(model)))
        return BM_EINVAL;
    if (is_server(model))
        return BM_ESTATE;
    if (!node->provisioned)
        return BM_ESTATE;
    if (BM_CFG_MODEL_ONOFF_CLIENT && is_onoff(model))
        return bm_onoff_cli_set(node, model, value, addr, app_idx, ack);
    if (BM_CFG_MODEL_LEVEL_CLIENT && is_level(model))
        return bm_level_cli_set(node, model, value, addr, app_idx, ack);
    return BM_EINVAL;
}
