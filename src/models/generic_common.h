/* What the Generic OnOff and Generic Level models share (Mesh Model 1.0.1,
 * 3.1.3, 3.2, 3.3): the transaction identifier rule, the Transition Time
 * and Delay fields, and the client side (a Set with a fresh TID, its
 * acknowledgement, retries and timeout). The seed API glue
 * (node/node_models.c) reaches the models through these functions. */
#ifndef BM_GENERIC_COMMON_H
#define BM_GENERIC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/model.h"

/* Mesh Model 3.3.1.2.2 / 3.3.2.2.2: a message with the TID, source and
 * destination of the previous one, received within 6 s of it, belongs to
 * the same transaction. */
#define BM_GEN_TID_WINDOW_MS 6000u

/* Transition Time field (Mesh Model 3.1.3): 6-bit number of steps, 2-bit
 * step resolution. 0x3F steps means "unknown". */
#define BM_GEN_TT_UNKNOWN 0x3f
/* Delay field: 5 ms steps (3.2.1.2). */
#define BM_GEN_DELAY_STEP_MS 5u

/* An acknowledged client Set waits this long for a Status, then sends the
 * same message again (same TID: the server answers a retransmission without
 * applying it twice), BM_GEN_CLI_RETRIES times, then reports
 * BM_EVT_TIMEOUT. 3 x 1.5 s stays inside the 6 s TID window, so a late
 * retry can never be applied as a new transaction. */
#define BM_GEN_CLI_TIMEOUT_MS 1500u
#define BM_GEN_CLI_RETRIES 2

/* A client reserves its TIDs in storage this many at a time (the model's
 * persisted state is the end of the reserved block): after a power cut it
 * resumes past every TID it may have sent, so its first Set can never be
 * taken by a server for a retransmission of its last one before the cut,
 * at one store write per block of Sets. Below 256. */
#define BM_GEN_TID_BLOCK 16u

/* The previous message of a transaction, for the TID rule. */
struct bm_gen_tid {
    bool valid;
    uint8_t tid;
    uint16_t src;
    uint16_t dst;
    bm_ms_t at_ms;
};

/* Returns true when (tid, src, dst) continues the previous message's
 * transaction (within BM_GEN_TID_WINDOW_MS of it); records this message as
 * the previous one either way. */
bool bm_gen_tid_same(struct bm_gen_tid *c, uint8_t tid, uint16_t src, uint16_t dst, bm_ms_t now_ms);

/* Decodes a Transition Time octet to ms; BM_EMALFORMED for 0x3F steps,
 * which a Set may not carry. */
int bm_gen_tt_decode(uint8_t tt, uint32_t *ms);
/* Encodes a remaining time in ms as a Transition Time octet: the finest
 * resolution that holds it, rounded up to whole steps; BM_GEN_TT_UNKNOWN
 * beyond 62 x 10 min. */
uint8_t bm_gen_tt_encode(uint32_t ms);
/* The optional Transition Time and Delay that end a Set's parameters
 * (tail: 0 or 2 octets). Without them the Generic Default Transition Time
 * applies; blemesh has no Generic Default Transition Time Server, so it is
 * 0: the change is immediate. BM_EMALFORMED for another length or an
 * unknown transition time. */
int bm_gen_timing(const uint8_t *tail, size_t len, uint32_t *trans_ms, uint32_t *delay_ms);

/* Client state, the same for the OnOff and Level clients (st[] of the
 * model). */
struct bm_gen_cli {
    int32_t value;  /* the last Present value heard */
    uint8_t tid;      /* the last TID sent */
    uint8_t tid_mark; /* stored: TIDs up to tid_mark - 1 may have been sent */
    bool pending;   /* an acknowledged Set waits for its Status */
    bool pub_label; /* dst is the publication's virtual address */
    uint8_t retries_left;
    uint16_t dst;
    uint16_t app_idx;
    uint32_t set_op;
    int32_t set_value;
    uint8_t params[4];
    uint8_t params_len;
    bm_ms_t deadline_ms;
    uint8_t retx_left;   /* Publish Retransmit copies still to send (4.2.2.6) */
    bm_ms_t retx_ms;     /* when the next one goes */
};

/* Sends set_op(params) from a client to dst under app_idx with the node's
 * default TTL; when ack, waits for status_op (see BM_GEN_CLI_TIMEOUT_MS).
 * dst BM_ADDR_PUBLISH means the publication address, and then the
 * model's Publish Retransmit state repeats the message (same TID). BM_ESTATE without a
 * publication address or when app_idx is not bound. */
int bm_gen_cli_send(struct bm_node *node, struct bm_model *model, uint32_t set_op, bool ack,
                    int32_t value, const uint8_t *params, size_t len, uint16_t dst,
                    uint16_t app_idx);
/* The TID of a new client transaction. Reserves (and stores, before the
 * message can go out) the next BM_GEN_TID_BLOCK TIDs when the reserved
 * ones are used up. */
uint8_t bm_gen_cli_next_tid(struct bm_node *node, struct bm_model *model);
/* The client's persisted state (a model type's state_save / state_load):
 * the TID mark. */
size_t bm_gen_cli_state_save(const struct bm_model *model, uint8_t *out);
int bm_gen_cli_state_load(struct bm_model *model, const uint8_t *in, size_t len);
/* A Status reached a client: stores value, ends a pending Set it answers,
 * and tells the callback. */
void bm_gen_cli_status(struct bm_model *model, const struct bm_msg_ctx *ctx, uint32_t op,
                       int32_t value);
/* The client's retry/timeout timer (a model type's process hook). */
bm_ms_t bm_gen_cli_process(struct bm_node *node, struct bm_model *model, bm_ms_t now_ms);

/* Calls the seed API callback, if any. */
void bm_gen_notify(struct bm_model *model, enum bm_model_event ev, uint32_t op, int32_t value,
                   uint16_t src);

/* The models behind the seed API (onoff.c, level.c). */
void bm_onoff_init(struct bm_model *model, int32_t value);
int32_t bm_onoff_srv_value(const struct bm_model *model);
int bm_onoff_srv_set(struct bm_node *node, struct bm_model *model, int32_t value);
int bm_onoff_cli_set(struct bm_node *node, struct bm_model *model, int32_t value, uint16_t dst,
                     uint16_t app_idx, bool ack);
void bm_level_init(struct bm_model *model, int32_t value);
int32_t bm_level_srv_value(const struct bm_model *model);
int bm_level_srv_set(struct bm_node *node, struct bm_model *model, int32_t value);
int bm_level_cli_set(struct bm_node *node, struct bm_model *model, int32_t value, uint16_t dst,
                     uint16_t app_idx, bool ack);

static inline uint16_t bm_gen_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void bm_gen_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

#endif
