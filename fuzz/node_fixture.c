/* See node_fixture.h. */
#include "node_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "access/model.h"

const uint8_t fz_label[16] = {0xf4, 0xa0, 0x02, 0xc7, 0xfb, 0x1e, 0x4c, 0xa0,
                              0xa4, 0x69, 0xa0, 0x21, 0xde, 0x0d, 0xb8, 0x75};
const uint8_t fz_uuid[16] = {0x70, 0xcf, 0x7c, 0x97, 0x32, 0xa3, 0x45, 0xb6,
                             0x91, 0x49, 0x48, 0x10, 0xd2, 0xe9, 0xcb, 0xf4};

/* The models' seed API, if this tree has it yet (models are being
 * written): a weak reference, so the harness links either way. */
#pragma weak bm_add_model

/* Echo: answers every message with the same parameters (segmented when
 * long), so received messages also drive the transmit side. */
static int on_echo(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                   const uint8_t *params, size_t len, uint32_t op)
{
    (void)op;
    struct bm_msg_ctx reply = {.dst = ctx->src, .app_idx = ctx->app_idx, .ttl = BM_TTL_DEFAULT,
                               .net_idx = ctx->net_idx};
    if (len > 0 && params[0] == 0xee)
        return BM_OK; /* a way for inputs to ask for silence */
    (void)bm_access_send(node, model, &reply, FZ_ECHO_OP, params, len > 377 ? 377 : len);
    return BM_OK;
}

static const struct bm_model_op echo_ops[] = {{0xc100 /* FZ_ECHO_OP */, 0, BM_OP_LEN_ANY, on_echo}};
static const struct bm_model_type echo_type = {
    .company = 0x000a, .id = 0x0001, .ops = echo_ops, .op_count = 1};

static void on_model(void *user, struct bm_model *model, const struct bm_model_event_info *e)
{
    (void)user;
    (void)model;
    (void)e;
}

static void on_prov(void *user, const struct bm_prov_info *info)
{
    (void)user;
    (void)info;
}

static void node_new(struct fz_node *n)
{
    fz_plat_init(&n->plat, &n->st, 0x1234567890abcdefull);
    size_t size = bm_node_size();
    void *mem = aligned_alloc(64, (size + 63) / 64 * 64);
    FZ_CHECK(mem != NULL);
    n->node = bm_node_create(mem, size, &n->plat);
    FZ_CHECK(n->node != NULL);
}

static void bind_all(struct bm_node *node, uint16_t va)
{
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (!m->used)
            continue;
        (void)bm_access_bind(m, FZ_APP_IDX);
        (void)bm_access_sub_add(node, m, FZ_GROUP, NULL);
        (void)bm_access_sub_add(node, m, va, fz_label);
    }
}

void fz_node_setup_provisioned(struct fz_node *n, uint16_t addr)
{
    fz_node_setup_provisioned_features(n, addr, BM_RELAY);
}

void fz_node_setup_provisioned_features(struct fz_node *n, uint16_t addr, uint8_t features)
{
    node_new(n);
    struct bm_node *node = n->node;
    FZ_CHECK(bm_create_element(node, true, features, true, 7, NULL) == BM_OK);
    FZ_CHECK(bm_create_element(node, false, 0, false, 0, NULL) == BM_OK);
    FZ_CHECK(bm_init(node, "fuzz", BM_OOB_NONE) == BM_OK);
    FZ_CHECK(bm_node_provisioned(node, fz_net_key, FZ_NET_IDX, 0, FZ_IV_INDEX, addr,
                                 fz_dev_key) == BM_OK);
    FZ_CHECK(bm_node_app_key_add(node, FZ_NET_IDX, FZ_APP_IDX, fz_app_key) == BM_OK);
    struct bm_model *echo;
    FZ_CHECK(bm_access_model_add(node, 0, &echo_type, &echo) == BM_OK);
    if (bm_add_model) {
        /* Generic OnOff and Level, server and client, as a user would add them */
        (void)bm_add_model(node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, on_model, NULL, 0, NULL);
        (void)bm_add_model(node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, on_model, NULL, 0, NULL);
        (void)bm_add_model(node, 1, BM_GENERIC, BM_ONOFF, BM_CLIENT, on_model, NULL, 0, NULL);
        (void)bm_add_model(node, 1, BM_GENERIC, BM_LEVEL, BM_CLIENT, on_model, NULL, 0, NULL);
    }
    FZ_CHECK(bm_crypto_virtual_addr(fz_label, &n->va) == BM_OK);
    bind_all(node, n->va);
    fz_node_advance(n, 100);
}

void fz_node_setup_unprov(struct fz_node *n)
{
    node_new(n);
    struct bm_node *node = n->node;
    FZ_CHECK(bm_create_element(node, true, BM_RELAY, true, 7, NULL) == BM_OK);
    FZ_CHECK(bm_init(node, "fuzz-dev", BM_OOB_NONE) == BM_OK);
    FZ_CHECK(bm_set_uuid(node, fz_uuid) == BM_OK);
    FZ_CHECK(bm_set_node_prov(node, BM_PROV_ADV, on_prov, NULL) == BM_OK);
    fz_node_advance(n, 100);
}

void fz_node_snapshot(struct fz_node *n)
{
    size_t size = bm_node_size();
    if (!n->snap)
        n->snap = malloc(size);
    FZ_CHECK(n->snap != NULL);
    memcpy(n->snap, n->node, size);
    /* the snapshot keeps the prepared keys (net.h: mbed TLS contexts, one
     * owner each); the live node prepares its own */
    bm_net_keys_unshare(&n->node->net);
    n->snap_st = n->st;
}

void fz_node_restore(struct fz_node *n)
{
    bm_net_keys_release(&n->node->net);
    memcpy(n->node, n->snap, bm_node_size());
    bm_net_keys_unshare(&n->node->net);
    n->st = n->snap_st;
}

void fz_node_advance(struct fz_node *n, uint64_t ms)
{
    uint64_t end = n->st.now_ms + ms;
    int same = 0; /* calls in a row that left a timer due now: a livelock */
    for (;;) {
        uint64_t next = bm_node_process(n->node, n->st.now_ms);
        if (next <= n->st.now_ms) {
            FZ_CHECK(++same < 1000);
            continue;
        }
        same = 0;
        if (next > end)
            break;
        n->st.now_ms = next;
    }
    n->st.now_ms = end;
    bm_node_process(n->node, end);
}
