/* The Low Power feature (Mesh Profile 3.6.6.4): finding a friend (Friend
 * Request, offers compared by the request's criteria), Friend Poll with
 * FSN and the receive window, polling until the friend's queue is empty,
 * the Friend Subscription List kept equal to our models' subscriptions,
 * periodic polls within PollTimeout, and friendship loss (no response after
 * a few polls) followed by a new search naming the previous friend.
 *
 * Sleep is modelled: outside its receive windows the node drops every
 * advertisement (bm_lpn_asleep), and the time spent listening is counted. */
#ifndef BM_LPN_H
#define BM_LPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/config.h"
#include "bm_time.h"
#include "friend/pdu.h"
#include "net/net.h"

struct bm_node;

enum bm_lpn_state {
    BM_LPN_OFF = 0,      /* disabled, or not provisioned yet */
    BM_LPN_REQUEST,      /* a Friend Request is due at next_ms */
    BM_LPN_WAIT_OFFERS,  /* collecting offers until next_ms */
    BM_LPN_ESTABLISHING, /* first Poll sent, waiting for the Friend Update */
    BM_LPN_IDLE,         /* friendship established, asleep until next_ms */
    BM_LPN_POLLING,      /* Poll sent, waiting for a response */
    BM_LPN_SUB,          /* Subscription List Add/Remove sent, waiting for the Confirm */
};

struct bm_lpn_offer {
    bool used;
    uint16_t src;
    uint16_t net_idx;
    struct bm_friend_offer offer;
};

struct bm_lpn {
    bool enabled;
    uint8_t state;    /* enum bm_lpn_state */
    bm_ms_t next_ms;  /* the state's deadline; 0 (or reached) = due */
    /* parameters of our Friend Request (3.6.5.3) and polling */
    struct bm_friend_req req;  /* criteria, ReceiveDelay, PollTimeout */
    uint32_t poll_interval_ms; /* sleep between polls, < PollTimeout */
    /* the friendship */
    uint16_t net_idx;
    uint16_t friend_addr; /* 0 while none */
    uint16_t prev_friend; /* the friend before, named in the next request */
    uint16_t lpn_counter; /* of our next Friend Request */
    uint16_t friend_counter;
    uint8_t receive_window_ms;
    struct bm_net_creds creds; /* friendship credentials (secret) */
    uint8_t fsn;
    uint8_t attempts; /* requests sent without a response */
    bool got_response;
    bool more_data;
    struct bm_lpn_offer offers[BM_CFG_LPN_OFFERS];
    /* Friend Subscription List: what the friend holds, the change in flight */
    uint16_t fsubs[BM_CFG_FRIEND_SUBS];
    uint8_t fsub_count;
    uint8_t transaction;
    struct bm_friend_sub sub_req;
    uint8_t sub_op; /* BM_CTL_OP_FRIEND_SUB_ADD or _REMOVE */
    /* the receive window: the radio listens in [listen_from, listen_until) */
    bm_ms_t listen_from, listen_until;
    /* counters */
    uint64_t enabled_ms; /* when counting started, on bm_node_clock64 (0: not yet) */
    uint64_t listen_ms;  /* time spent listening */
    uint32_t polls;
    uint32_t friendships;
    uint32_t losses;
    uint32_t dropped_asleep; /* advertisements missed while asleep */
    bm_friendship_fn cb;
    void *cb_user;
};

/* Defaults of our Friend Request: RSSIFactor 1.5, ReceiveWindowFactor 1.5,
 * at least 8 queue entries, ReceiveDelay 100 ms, PollTimeout 10 s; a poll
 * every 3 s; 4 attempts per poll before the friendship counts as lost;
 * a new search every 3 s. Offers are collected 100 ms .. 1100 ms after
 * the request (3.6.6.4.1). */
#define BM_LPN_RECEIVE_DELAY_MS 100
#define BM_LPN_POLL_TIMEOUT 100u
#define BM_LPN_POLL_INTERVAL_MS 3000u
#define BM_LPN_ATTEMPTS 4
#define BM_LPN_REQ_RETRY_MS 3000u
#define BM_LPN_OFFER_DELAY_MS 100u
#define BM_LPN_OFFER_WINDOW_MS 1000u
/* After a window without a response, the next attempt follows this soon. */
#define BM_LPN_RETRY_MS 100u

void bm_lpn_init(struct bm_lpn *l);
/* Ends the friendship without messages and wipes the credentials. */
void bm_lpn_reset(struct bm_lpn *l);

/* True while the radio sleeps: the node drops what it would receive. */
bool bm_lpn_asleep(struct bm_node *node);
bool bm_lpn_established(const struct bm_node *node);

/* Tries our friendship credentials on a PDU bm_net_rx() could not take;
 * a PDU from our friend inside a receive window is a response even when
 * the network cache already holds it. Returns as bm_frnd_net_rx(). */
int bm_lpn_net_rx(struct bm_node *node, const uint8_t *pdu, size_t len, struct bm_net_rx *rx);

/* Friendship control messages for the Low Power side (Offer, Update,
 * Subscription List Confirm). */
void bm_lpn_rx_ctl(struct bm_node *node, const struct bm_net_rx *rx, bool friendship,
                   uint8_t opcode, const uint8_t *params, size_t len);

/* Returns the next deadline (never 0). */
bm_ms_t bm_lpn_process(struct bm_node *node, bm_ms_t now);

#endif
