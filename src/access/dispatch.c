/* Element and model registry and access dispatch (Mesh Profile 3.7.3,
 * 3.7.4, 4.2.3-4.2.4): which models a message is for (the element its
 * unicast destination names, or the models subscribed to its group or
 * virtual destination; the fixed group addresses reach the primary
 * element), the key check (a model answers only under a bound AppKey, the
 * configuration models only under the device key), bindings,
 * subscriptions and the node's table of Label UUIDs.
 *
 * The access layer works on the node context (node/node.h) because models
 * send through it; it is the one upward include, kept to this folder. */
#include <string.h>

#include "access/access.h"
#include "access/model.h"
#include "node/node.h"

int bm_access_model_add(struct bm_node *node, uint8_t elem, const struct bm_model_type *type,
                        struct bm_model **out)
{
    struct bm_model *free_slot = NULL;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (!m->used) {
            if (!free_slot)
                free_slot = m;
            continue;
        }
        if (m->elem == elem && m->type->company == type->company && m->type->id == type->id)
            return BM_EEXIST;
    }
    if (!free_slot)
        return BM_ENOSPC;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = true;
    free_slot->elem = elem;
    free_slot->type = type;
    free_slot->pub.ttl = BM_TTL_DEFAULT;
    /* a model created after a restart takes back its stored configuration */
    bm_persist_model_created(node, free_slot);
    if (out)
        *out = free_slot;
    return BM_OK;
}

uint16_t bm_access_model_addr(const struct bm_node *node, const struct bm_model *model)
{
    return (uint16_t)(node->addr + model->elem);
}

struct bm_model *bm_access_model_find(struct bm_node *node, uint16_t elem_addr, uint16_t company,
                                      uint16_t id)
{
    if (!bm_node_is_local(node, elem_addr))
        return NULL;
    uint8_t elem = (uint8_t)(elem_addr - node->addr);
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (m->used && m->elem == elem && m->type->company == company && m->type->id == id)
            return m;
    }
    return NULL;
}

bool bm_access_is_bound(const struct bm_model *model, uint16_t app_idx)
{
    for (uint8_t i = 0; i < model->key_count; i++)
        if (model->keys[i] == app_idx)
            return true;
    return false;
}

int bm_access_bind(struct bm_model *model, uint16_t app_idx)
{
    if (bm_access_is_bound(model, app_idx))
        return BM_OK;
    if (model->key_count >= BM_CFG_MODEL_KEYS)
        return BM_ENOSPC;
    model->keys[model->key_count++] = app_idx;
    return BM_OK;
}

int bm_access_unbind(struct bm_model *model, uint16_t app_idx)
{
    for (uint8_t i = 0; i < model->key_count; i++) {
        if (model->keys[i] != app_idx)
            continue;
        model->keys[i] = model->keys[--model->key_count];
        /* 4.2.4: unbinding the publication key stops publication */
        if (model->pub.app_idx == app_idx)
            model->pub.addr = BM_ADDR_UNASSIGNED;
        return BM_OK;
    }
    return BM_ENOENT;
}

/* Keeps a Label UUID in the node's table (refcounted). */
static int label_ref(struct bm_node *node, const uint8_t label[16])
{
    /* the label's slot if it is held, else the first free one */
    int slot = -1;
    for (int i = 0; i < BM_CFG_LABELS; i++) {
        if (node->label_refs[i] && memcmp(node->labels[i], label, 16) == 0) {
            slot = i;
            break;
        }
        if (!node->label_refs[i] && slot < 0)
            slot = i;
    }
    if (slot < 0)
        return BM_ENOSPC;
    memcpy(node->labels[slot], label, 16); /* the same octets if it was held */
    node->label_refs[slot]++;
    return BM_OK;
}

/* Label i is in use and its virtual address is va. */
static bool label_is(const struct bm_node *node, int i, uint16_t va)
{
    uint16_t a;
    return node->label_refs[i] && bm_crypto_virtual_addr(node->labels[i], &a) == BM_OK && a == va;
}

static void label_unref(struct bm_node *node, uint16_t va)
{
    for (int i = 0; i < BM_CFG_LABELS; i++) {
        if (label_is(node, i, va)) {
            node->label_refs[i]--;
            return;
        }
    }
}

size_t bm_access_labels(const struct bm_node *node, uint16_t va, uint8_t (*out)[16], size_t max)
{
    size_t n = 0;
    if (!bm_addr_is_virtual(va))
        return 0; /* no label has it */
    for (int i = 0; i < BM_CFG_LABELS && n < max; i++) {
        if (label_is(node, i, va))
            memcpy(out[n++], node->labels[i], 16);
    }
    /* a publication to a virtual address may be answered there too */
    for (size_t i = 0; i < BM_CFG_MODELS && n < max; i++) {
        const struct bm_model *m = &node->models[i];
        if (!m->used || m->pub.addr != va)
            continue;
        size_t k = 0;
        while (k < n && memcmp(out[k], m->pub.label, 16) != 0)
            k++;
        if (k == n)
            memcpy(out[n++], m->pub.label, 16);
    }
    return n;
}

int bm_access_sub_add(struct bm_node *node, struct bm_model *model, uint16_t addr,
                      const uint8_t *label)
{
    if (label) {
        uint16_t va;
        if (bm_crypto_virtual_addr(label, &va) != BM_OK || va != addr)
            return BM_EINVAL;
    } else if (!bm_addr_is_group(addr) || addr == BM_ADDR_ALL_NODES) {
        return BM_EINVAL; /* 4.2.3: groups (not all-nodes) or virtual addresses */
    }
    for (uint8_t i = 0; i < model->sub_count; i++)
        if (model->subs[i] == addr)
            return BM_OK;
    if (model->sub_count >= BM_CFG_MODEL_SUBS)
        return BM_ENOSPC;
    if (label) {
        int rc = label_ref(node, label);
        if (rc != BM_OK)
            return rc;
    }
    model->subs[model->sub_count++] = addr;
    return BM_OK;
}

int bm_access_sub_del(struct bm_node *node, struct bm_model *model, uint16_t addr)
{
    for (uint8_t i = 0; i < model->sub_count; i++) {
        if (model->subs[i] != addr)
            continue;
        model->subs[i] = model->subs[--model->sub_count];
        if (bm_addr_is_virtual(addr))
            label_unref(node, addr);
        return BM_OK;
    }
    return BM_ENOENT;
}

void bm_access_sub_clear(struct bm_node *node, struct bm_model *model)
{
    while (model->sub_count)
        bm_access_sub_del(node, model, model->subs[0]);
}

static bool model_wants_dst(const struct bm_node *node, const struct bm_model *m, uint16_t dst)
{
    if (bm_addr_is_unicast(dst))
        return dst == node->addr + m->elem;
    for (uint8_t i = 0; i < m->sub_count; i++)
        if (m->subs[i] == dst)
            return true;
    /* fixed group addresses reach the primary element (3.4.2.4) */
    return dst >= BM_ADDR_ALL_PROXIES && m->elem == 0;
}

/* The entry of the model's table for opcode (as on the air), or NULL. */
static const struct bm_model_op *find_op(const struct bm_model_type *t, uint32_t opcode)
{
    uint32_t key = opcode;
    if (opcode > 0xffff) {
        /* a vendor opcode: the company ID after its first octet (little-
         * endian) is the model's, the table holds the first octet */
        if ((uint16_t)((opcode >> 8 & 0xff) | (opcode & 0xff) << 8) != t->company)
            return NULL;
        key = opcode >> 8 & 0xff00;
    }
    for (uint8_t i = 0; i < t->op_count; i++)
        if (t->ops[i].opcode == key)
            return &t->ops[i];
    return NULL;
}

int bm_access_rx(struct bm_node *node, const struct bm_msg_ctx *ctx, const uint8_t *payload,
                 size_t len)
{
    uint32_t opcode;
    const uint8_t *params;
    size_t plen;
    if (bm_access_parse(payload, len, &opcode, &params, &plen) != BM_OK)
        return 0;
    bm_node_log(node, BM_LOG_DBG, "access", "rx op=0x%x src=0x%04x dst=0x%04x len=%u",
                (unsigned)opcode, ctx->src, ctx->dst, (unsigned)plen);
    int taken = 0;
    for (size_t i = 0; i < BM_CFG_MODELS; i++) {
        struct bm_model *m = &node->models[i];
        if (!m->used || !model_wants_dst(node, m, ctx->dst))
            continue;
        const struct bm_model_op *op = find_op(m->type, opcode);
        if (!op || plen < op->min_len || (op->max_len != BM_OP_LEN_ANY && plen > op->max_len))
            continue;
        /* the device key for the configuration models, a bound AppKey
         * for the others */
        bool dev = ctx->app_idx == BM_APP_IDX_DEV;
        if (m->type->dev_key != dev || (!dev && !bm_access_is_bound(m, ctx->app_idx)))
            continue;
        op->fn(node, m, ctx, params, plen, opcode);
        taken++;
    }
    return taken;
}

int bm_access_send(struct bm_node *node, const struct bm_model *model,
                   const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                   size_t len)
{
    /* the opcode here, the parameters where the node encrypts them in
     * place: no assembled copy of the payload on this frame (the
     * parameters of Config messages carry keys) */
    uint8_t op[3];
    size_t n;
    int rc = bm_access_build(opcode, NULL, 0, op, sizeof(op), &n);
    if (rc != BM_OK)
        return rc;
    if ((!params && len) || len > BM_ACCESS_MAX_PAYLOAD - n)
        return BM_EINVAL; /* as bm_access_build(opcode, params, len) */
    struct bm_send s = {.src = bm_access_model_addr(node, model),
                        .dst = ctx->dst,
                        .net_idx = ctx->net_idx,
                        .app_idx = ctx->app_idx,
                        .ttl = ctx->ttl,
                        .label = ctx->label};
    return bm_node_send_access_parts(node, &s, op, n, params, len);
}

int bm_access_reply(struct bm_node *node, const struct bm_model *model,
                    const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                    size_t len)
{
    struct bm_msg_ctx r = *ctx;
    r.dst = ctx->src; /* unicast: the label of a virtual destination goes unused */
    r.ttl = BM_TTL_DEFAULT;
    return bm_access_send(node, model, &r, opcode, params, len);
}
