/* Friendship transport control messages (Mesh Profile 3.6.5.1-3.6.5.9):
 * their parameters in C and on the air, both directions. Shared by the
 * Friend side (friend.c) and the Low Power side (lpn.c); nothing here
 * keeps state. Every decoder checks the exact length and every prohibited
 * value, and returns BM_EMALFORMED without writing its output otherwise. */
#ifndef BM_FRIEND_PDU_H
#define BM_FRIEND_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Transport control opcodes (Mesh Profile 3.6.5.1, table 3.24). */
#define BM_CTL_OP_FRIEND_POLL 0x01
#define BM_CTL_OP_FRIEND_UPDATE 0x02
#define BM_CTL_OP_FRIEND_REQUEST 0x03
#define BM_CTL_OP_FRIEND_OFFER 0x04
#define BM_CTL_OP_FRIEND_CLEAR 0x05
#define BM_CTL_OP_FRIEND_CLEAR_CONFIRM 0x06
#define BM_CTL_OP_FRIEND_SUB_ADD 0x07
#define BM_CTL_OP_FRIEND_SUB_REMOVE 0x08
#define BM_CTL_OP_FRIEND_SUB_CONFIRM 0x09

/* Friend Request (3.6.5.3). criteria packs RSSIFactor (bits 5-6),
 * ReceiveWindowFactor (bits 3-4) and MinQueueSizeLog (bits 0-2). */
struct bm_friend_req {
    uint8_t rssi_factor;        /* 0..3: 1, 1.5, 2, 2.5 */
    uint8_t recv_win_factor;    /* 0..3: 1, 1.5, 2, 2.5 */
    uint8_t min_queue_size_log; /* 1..7: at least 2^n entries */
    uint8_t receive_delay_ms;   /* 10..255 */
    uint32_t poll_timeout;      /* 100 ms units, 0x00000a..0x34bbff */
    uint16_t prev_addr;         /* previous friend, or 0 */
    uint8_t num_elements;       /* 1..255 */
    uint16_t lpn_counter;
};
#define BM_FRIEND_REQ_LEN 10
#define BM_POLL_TIMEOUT_MIN 0x00000au
#define BM_POLL_TIMEOUT_MAX 0x34bbffu
#define BM_RECEIVE_DELAY_MIN 0x0a

/* Friend Offer (3.6.5.4). */
struct bm_friend_offer {
    uint8_t receive_window_ms; /* 1..255 */
    uint8_t queue_size;
    uint8_t sub_list_size;
    int8_t rssi; /* of the Friend Request as received, dBm */
    uint16_t friend_counter;
};
#define BM_FRIEND_OFFER_LEN 6

/* Friend Update (3.6.5.2). */
struct bm_friend_update {
    uint8_t flags; /* bit 0 Key Refresh, bit 1 IV Update */
    uint32_t iv_index;
    uint8_t md; /* 0 queue empty, 1 more data */
};
#define BM_FRIEND_UPDATE_LEN 6

/* Friend Clear and Friend Clear Confirm (3.6.5.5-3.6.5.6). */
struct bm_friend_clear {
    uint16_t lpn_addr;
    uint16_t lpn_counter;
};
#define BM_FRIEND_CLEAR_LEN 4

/* Friend Subscription List Add/Remove (3.6.5.7-3.6.5.8): 1..5 addresses
 * in one unsegmented control message (11 octets). */
#define BM_FRIEND_SUB_MAX 5
struct bm_friend_sub {
    uint8_t transaction;
    uint8_t count;
    uint16_t addrs[BM_FRIEND_SUB_MAX];
};

/* Encoders write exactly the message's length and return it, or
 * BM_EINVAL for a field out of range. */
int bm_friend_req_encode(const struct bm_friend_req *r, uint8_t out[BM_FRIEND_REQ_LEN]);
int bm_friend_req_decode(const uint8_t *p, size_t len, struct bm_friend_req *r);
int bm_friend_offer_encode(const struct bm_friend_offer *o, uint8_t out[BM_FRIEND_OFFER_LEN]);
int bm_friend_offer_decode(const uint8_t *p, size_t len, struct bm_friend_offer *o);
/* Friend Poll (3.6.5.1): 7 bits of padding (zero) and the FSN. */
int bm_friend_poll_encode(uint8_t fsn, uint8_t out[1]);
int bm_friend_poll_decode(const uint8_t *p, size_t len, uint8_t *fsn);
int bm_friend_update_encode(const struct bm_friend_update *u, uint8_t out[BM_FRIEND_UPDATE_LEN]);
int bm_friend_update_decode(const uint8_t *p, size_t len, struct bm_friend_update *u);
int bm_friend_clear_encode(const struct bm_friend_clear *c, uint8_t out[BM_FRIEND_CLEAR_LEN]);
int bm_friend_clear_decode(const uint8_t *p, size_t len, struct bm_friend_clear *c);
/* Add and Remove share one layout; the addresses are group or virtual. */
int bm_friend_sub_encode(const struct bm_friend_sub *s, uint8_t *out, size_t out_size);
int bm_friend_sub_decode(const uint8_t *p, size_t len, struct bm_friend_sub *s);
int bm_friend_sub_confirm_decode(const uint8_t *p, size_t len, uint8_t *transaction);

/* Offer ranking (3.6.6.3.1): Local Delay = ReceiveWindowFactor *
 * ReceiveWindow - RSSIFactor * RSSI, in tenths of a ms so the factors'
 * halves stay exact. The Friend waits max(100 ms, Local Delay) before
 * offering; the Low Power node prefers the offer with the smallest value. */
int32_t bm_friend_local_delay_x10(uint8_t recv_win_factor, uint8_t receive_window_ms,
                                  uint8_t rssi_factor, int8_t rssi);

#endif
