/* The Friend feature (Mesh Profile 3.6.6.3, 4.2.13): offers to Low Power
 * nodes, the friendship table, a bounded Friend Queue per Low Power node,
 * its Friend Subscription List, the responses to Friend Poll, PollTimeout,
 * and the Friend Clear procedure towards a Low Power node's previous
 * friend. The node glue (node_msg.c) hands it network PDUs decoded with
 * friendship credentials, the PDUs to store, and the friendship control
 * messages; it sends through the node. */
#ifndef BM_FRIEND_H
#define BM_FRIEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"
#include "bm_time.h"
#include "net/net.h"

struct bm_node;

/* One network PDU kept for a Low Power node: what is needed to encode it
 * again with friendship credentials (same SRC, SEQ, IV index; TTL - 1). */
struct bm_frnd_pdu {
    uint16_t src, dst;
    uint32_t seq;
    uint32_t iv_index;
    uint8_t ctl, ttl;
    bool seg;   /* a segment: part of a message with seq_zero */
    bool ready; /* deliverable: unsegmented, or all segments are here */
    uint16_t seq_zero;
    uint8_t seg_n;
    uint8_t len; /* transport octets, 1..16 */
    uint8_t transport[BM_NET_MAX_TRANSPORT];
};

enum bm_frnd_state { BM_FRND_FREE = 0, BM_FRND_OFFERED, BM_FRND_ESTABLISHED };
/* What the next response of a friendship is. */
enum bm_frnd_reply { BM_FRND_REPLY_NONE = 0, BM_FRND_REPLY_POLL, BM_FRND_REPLY_SUB_CONFIRM };

/* One friendship (or an offer that may become one). */
struct bm_frnd_lpn {
    uint8_t state; /* enum bm_frnd_state */
    uint16_t net_idx;
    uint16_t lpn; /* primary address of the Low Power node */
    uint8_t num_elements;
    uint16_t lpn_counter;
    uint16_t friend_counter;
    uint16_t prev_friend; /* from the Friend Request, 0 = none */
    uint8_t receive_delay_ms;
    uint32_t poll_timeout; /* 100 ms units */
    int8_t req_rssi;
    struct bm_net_creds creds; /* friendship credentials (secret) */
    bm_ms_t offer_due_ms;      /* OFFERED: when the offer goes out, 0 once sent */
    bm_ms_t expire_ms;         /* OFFERED: offer lapses; ESTABLISHED: PollTimeout */
    /* responses: one at a time, ReceiveDelay after the request */
    uint8_t reply; /* enum bm_frnd_reply */
    bm_ms_t reply_ms;
    uint8_t sub_transaction;
    /* FSN (3.6.6.3.3): the last FSN seen and the last PDU sent */
    bool polled; /* a Poll was received since establishment */
    uint8_t fsn;
    bool last_valid;
    bool last_is_update;
    struct bm_frnd_pdu last;
    /* Friend Subscription List */
    uint16_t subs[BM_CFG_FRIEND_SUBS];
    uint8_t sub_count;
    /* Friend Queue, oldest first */
    struct bm_frnd_pdu queue[BM_CFG_FRIEND_QUEUE];
    uint8_t queue_count;
    /* Friend Clear procedure towards prev_friend (3.6.6.3.1) */
    bm_ms_t clear_next_ms; /* 0 = not running */
    uint32_t clear_interval_ms;
    bm_ms_t clear_end_ms;
};

struct bm_frnd {
    bool enabled;              /* Friend state 1 (needs the BM_FRIEND feature) */
    uint8_t receive_window_ms; /* offered ReceiveWindow, 1..255 */
    uint16_t counter;          /* FriendCounter of the next offer */
    struct bm_frnd_lpn lpns[BM_CFG_FRIENDS];
    uint32_t stored;    /* PDUs put in a Friend Queue */
    uint32_t discarded; /* PDUs dropped by the overflow rule */
    uint32_t cleared;   /* friendships ended (PollTimeout or Friend Clear) */
};

/* Offered ReceiveWindow unless changed (ms): long enough for the advertising
 * bearer's random delay (0..10 ms) on both the Poll and the response. */
#define BM_FRND_RECEIVE_WINDOW_MS 60

void bm_frnd_init(struct bm_frnd *f);
/* Ends every friendship and wipes the credentials. */
void bm_frnd_reset(struct bm_frnd *f);
/* Friend state Set (4.2.13): disabling ends every friendship. */
void bm_frnd_set_enabled(struct bm_node *node, bool enabled);

/* Tries the friendship credentials of every offer and friendship on a PDU
 * bm_net_rx() could not take. On success fills rx as bm_net_rx() does and
 * adds it to the network cache. Returns 0, BM_ENOKEY, BM_EAUTH or BM_EDUP. */
int bm_frnd_net_rx(struct bm_node *node, const uint8_t *pdu, size_t len, struct bm_net_rx *rx);

/* Stores rx in the Friend Queue of every Low Power node it is for (its
 * unicast addresses, its subscription list, all-nodes). Returns true when
 * rx is for the unicast address of a Low Power node we befriend (we then
 * acknowledge its segments on its behalf). */
bool bm_frnd_enqueue(struct bm_node *node, const struct bm_net_rx *rx);

/* Our own PDU (just sent with master credentials): a copy goes to the
 * queues of the Low Power nodes it is for, with its TTL unchanged. */
void bm_frnd_enqueue_local(struct bm_node *node, uint16_t net_idx, const struct bm_net_hdr *hdr,
                           const uint8_t *transport, size_t len);

/* Friendship control messages for the Friend side (opcodes 0x01, 0x03,
 * 0x05, 0x06, 0x07, 0x08). friendship: rx was decoded with friendship
 * credentials. rssi of the received PDU. */
void bm_frnd_rx_ctl(struct bm_node *node, const struct bm_net_rx *rx, bool friendship,
                    uint8_t opcode, const uint8_t *params, size_t len, int8_t rssi);

/* Runs due offers, responses, timeouts and Friend Clear retries; returns the
 * next deadline (0 for none). */
bm_ms_t bm_frnd_process(struct bm_node *node, bm_ms_t now);

/* The current PollTimeout timer of lpn_addr in 100 ms units (4.2.21), 0 if
 * we are not its friend. */
uint32_t bm_frnd_poll_timeout(const struct bm_node *node, uint16_t lpn_addr);

#endif
