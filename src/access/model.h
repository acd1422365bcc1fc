/* Models and their dispatch (Mesh Profile 3.7.4-3.7.6, 4.2.2-4.2.5):
 * elements hold models; a received access message goes to every model on
 * an addressed element whose opcode table has the opcode and whose bound
 * keys include the message's key; publication and subscription state live
 * here. Models are described by a const struct bm_model_type (an opcode
 * table and hooks) and keep their own state in the model's st[] storage. */
#ifndef BM_MODEL_H
#define BM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/config.h"
#include "bm_time.h"

#define BM_APP_IDX_DEV 0xfffe  /* "the device key" where an AppKey index goes */
#define BM_TTL_DEFAULT 0xff    /* "use the node's Default TTL" */
#define BM_COMPANY_SIG 0xffff  /* a SIG model: 16-bit model ID */
#define BM_MODEL_STATE_MAX 96  /* octets of per-model state */

/* Context of one access message received or to be sent. */
struct bm_msg_ctx {
    uint16_t net_idx;
    uint16_t app_idx;     /* or BM_APP_IDX_DEV */
    uint16_t src;
    uint16_t dst;
    uint8_t ttl;          /* received TTL, or TTL to send (BM_TTL_DEFAULT) */
    int8_t rssi;
    const uint8_t *label; /* Label UUID of a virtual dst, else NULL */
};

struct bm_model;
struct bm_node;

/* Handles one message; params are the parameters after the opcode, opcode
 * is the message's (as on the air, see access.h): one handler may serve
 * several entries of its model's table. */
typedef int (*bm_op_fn)(struct bm_node *node, struct bm_model *model, const struct bm_msg_ctx *ctx,
                        const uint8_t *params, size_t len, uint32_t opcode);

/* max_len of an entry whose messages may fill the access payload */
#define BM_OP_LEN_ANY 0xff

/* One entry of a model's opcode table, 8 octets on a 32-bit target. A 1-
 * or 2-octet opcode is written as it is (0x00..0x7e, 0x8000..0xbfff); a
 * 3-octet one (vendor, 3.7.3.1) as its first octet << 8 (0xc000..0xff00),
 * the company ID that follows it on the air being the model's own. */
struct bm_model_op {
    uint16_t opcode;
    uint8_t min_len; /* parameters; shorter messages are dropped */
    uint8_t max_len; /* longer ones too; BM_OP_LEN_ANY: no bound but the payload's */
    bm_op_fn fn;
};

struct bm_model_type {
    uint16_t company; /* BM_COMPANY_SIG or a company ID */
    uint16_t id;
    const struct bm_model_op *ops;
    uint8_t op_count;
    bool dev_key;     /* messages travel under the device key (config models) */
    /* Builds the Status to publish (periodic publication); may be NULL. */
    int (*publish)(struct bm_node *node, struct bm_model *model, uint8_t *out, size_t size,
                   size_t *len);
    /* Timer work of the model (transitions, retries); returns the next
     * deadline or 0 for none. May be NULL. */
    bm_ms_t (*process)(struct bm_node *node, struct bm_model *model, bm_ms_t now_ms);
    /* While it returns n > 0 the Publish Period is divided by 2^n (the
     * Health Server's Fast Period Divisor while it has faults, Mesh Profile
     * 4.2.17). May be NULL. */
    uint8_t (*period_shift)(const struct bm_model *model);
    /* The state a power cut must not lose (a server's present state, a
     * client's TID reservation): writes at most 8 octets to out
     * (BM_MODEL_SAVED_MAX in storage/records.h) and returns how many, 0 for
     * nothing. May be NULL. */
    size_t (*state_save)(const struct bm_model *model, uint8_t *out);
    /* Takes back what state_save wrote (untrusted: stored bytes);
     * BM_EMALFORMED leaves the model as it was. May be NULL. */
    int (*state_load)(struct bm_model *model, const uint8_t *in, size_t len);
};

/* Model Publication state (Mesh Profile 4.2.2). */
struct bm_model_pub {
    uint16_t addr;        /* 0 = not publishing */
    uint16_t app_idx;
    bool cred;            /* friendship credentials flag */
    uint8_t ttl;          /* 0..127 or BM_TTL_DEFAULT */
    uint8_t period;       /* steps (2 bits) | number of steps (6 bits) */
    uint8_t retransmit;   /* count (3 bits) | interval steps (5 bits) */
    uint8_t retx_left;    /* retransmissions of the last publication still due */
    bm_ms_t next_ms;      /* next periodic publication, 0 = none */
    bm_ms_t retx_ms;      /* when the next one is due */
    uint8_t label[16];    /* when addr is virtual */
};

struct bm_model {
    bool used;
    uint8_t elem;
    const struct bm_model_type *type;
    uint16_t keys[BM_CFG_MODEL_KEYS];
    uint8_t key_count;
    uint16_t subs[BM_CFG_MODEL_SUBS];
    uint8_t sub_count;
    struct bm_model_pub pub;
    bm_model_fn cb; /* the seed API's callback */
    void *user;
    union {
        uint64_t align;
        uint8_t bytes[BM_MODEL_STATE_MAX];
    } st;
};

/* --- the access layer's functions (access/dispatch.c, access/pub.c) --- */

/* Adds a model of type to element elem. BM_ENOSPC when the pool is full,
 * BM_EEXIST if the element already has this model. */
int bm_access_model_add(struct bm_node *node, uint8_t elem, const struct bm_model_type *type,
                        struct bm_model **out);
/* The model with this ID on the element at addr, or NULL. */
struct bm_model *bm_access_model_find(struct bm_node *node, uint16_t elem_addr,
                                      uint16_t company, uint16_t id);
/* The unicast address of the model's element. */
uint16_t bm_access_model_addr(const struct bm_node *node, const struct bm_model *model);

/* Delivers a decrypted access payload to every model it is for. Returns
 * the number of models that took it. */
int bm_access_rx(struct bm_node *node, const struct bm_msg_ctx *ctx, const uint8_t *payload,
                 size_t len);
/* The Label UUIDs whose virtual address is va (for decryption). */
size_t bm_access_labels(const struct bm_node *node, uint16_t va, uint8_t (*out)[16],
                        size_t max);

/* Sends opcode || params from the model's element. ctx gives dst,
 * app_idx (or BM_APP_IDX_DEV), ttl, net_idx (ignored for app keys) and
 * label. */
int bm_access_send(struct bm_node *node, const struct bm_model *model,
                   const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                   size_t len);
/* Answers the message of ctx: opcode || params to its source, from the
 * model's element, under the key the message came with and the Default
 * TTL. */
int bm_access_reply(struct bm_node *node, const struct bm_model *model,
                    const struct bm_msg_ctx *ctx, uint32_t opcode, const uint8_t *params,
                    size_t len);
/* Publishes opcode || params to the model's publication address, then its
 * retransmissions. BM_ENOENT when the model has no publication address,
 * BM_ENOKEY when its publication key is gone. */
int bm_access_publish(struct bm_node *node, struct bm_model *model, uint32_t opcode,
                      const uint8_t *params, size_t len);
/* The same with the Status its type's publish hook builds (which must not
 * be NULL). */
int bm_access_publish_state(struct bm_node *node, struct bm_model *model);
/* Publication period in ms from the 8-bit Publish Period (4.2.2.2); at
 * most 63 x 10 min, so 32 bits hold it. */
uint32_t bm_access_period_ms(uint8_t period);
/* Runs periodic publications, retransmissions and model timers; returns
 * the next deadline or 0 for none. */
bm_ms_t bm_access_process(struct bm_node *node, bm_ms_t now_ms);

/* Bindings (4.2.4) and subscriptions (4.2.3); a virtual address comes with
 * its label, which the node's table of Label UUIDs keeps (refcounted) while
 * a model is subscribed to it. */
int bm_access_bind(struct bm_model *model, uint16_t app_idx);
int bm_access_unbind(struct bm_model *model, uint16_t app_idx);
bool bm_access_is_bound(const struct bm_model *model, uint16_t app_idx);
int bm_access_sub_add(struct bm_node *node, struct bm_model *model, uint16_t addr,
                      const uint8_t *label);
int bm_access_sub_del(struct bm_node *node, struct bm_model *model, uint16_t addr);
void bm_access_sub_clear(struct bm_node *node, struct bm_model *model);

#endif
