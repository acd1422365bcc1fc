/* Proxy PDUs (Mesh Profile 6.3): the octet SAR(2 bits) | Message Type
 * (6 bits) and the segmentation of one proxy message over ATT values of at
 * most MTU - 3 octets, and its bounded reassembly with the 20 s SAR timer
 * (6.3.2). Used by the proxy server and client and by PB-GATT. */
#ifndef BM_PROXY_SAR_H
#define BM_PROXY_SAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_time.h"

/* SAR field (6.3.1, Table 6.2). */
#define BM_PROXY_SAR_COMPLETE 0x0
#define BM_PROXY_SAR_FIRST 0x1
#define BM_PROXY_SAR_CONT 0x2
#define BM_PROXY_SAR_LAST 0x3

/* Message types (6.3.1, Table 6.3); 0x04..0x3f are RFU. */
#define BM_PROXY_TYPE_NET 0x00
#define BM_PROXY_TYPE_BEACON 0x01
#define BM_PROXY_TYPE_CONFIG 0x02
#define BM_PROXY_TYPE_PROV 0x03

/* The largest proxy message we carry: a Provisioning Public Key PDU
 * (1 + 64 octets); network PDUs and beacons are shorter. */
#define BM_PROXY_MSG_MAX 65
/* ATT: a value of one Write Without Response / Notification is at most
 * ATT_MTU - 3 octets (opcode and handle); ATT_MTU is 23..517. */
#define BM_ATT_MTU_MIN 23
#define BM_ATT_MTU_MAX 517
#define BM_PROXY_SAR_TIMEOUT_MS 20000u /* 6.3.2: then the link is dropped */

static inline uint8_t bm_proxy_hdr(uint8_t sar, uint8_t type)
{
    return (uint8_t)(sar << 6 | (type & 0x3f));
}

/* Number of Proxy PDUs msg_len octets take with ATT MTU mtu; 0 for an
 * out-of-range argument. */
size_t bm_proxy_sar_count(size_t msg_len, uint16_t mtu);
/* Builds Proxy PDU number index (0..count-1) of a message of type over
 * ATT MTU mtu into out. Returns 0, BM_EINVAL (bad argument or index past
 * the end), BM_ENOSPC (out too small). */
int bm_proxy_sar_segment(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                         size_t index, uint8_t *out, size_t out_size, size_t *out_len);

/* Sends one Proxy PDU on connection conn; returns 0 or a negative BM_E*
 * (the port's gatt_send). */
typedef int (*bm_proxy_pdu_fn)(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len);
/* Sends a message of type over ATT MTU mtu as its Proxy PDUs, in order,
 * through send on conn (the same PDUs as bm_proxy_sar_segment() for index 0, 1,
 * ...). Returns 0, BM_EINVAL (bad argument, as bm_proxy_sar_segment()),
 * BM_ENOSPC (a message over BM_PROXY_MSG_MAX, which no peer reassembles)
 * or the first error of send, after which nothing more is sent. */
int bm_proxy_sar_send(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                      bm_proxy_pdu_fn send, void *ctx, uint16_t conn);
/* The same for a caller whose mtu, msg, msg_len (at least 1) and type are
 * known good (a node's connection, its MTU checked when it opened): no
 * argument checks but the BM_ENOSPC one. */
int bm_proxy_sar_send_valid(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                            bm_proxy_pdu_fn send, void *ctx, uint16_t conn);

/* Reassembly of one message on one connection. */
struct bm_proxy_sar_rx {
    bool busy; /* a First arrived, the Last not yet */
    uint8_t type;
    uint8_t len;          /* <= BM_PROXY_MSG_MAX */
    bm_ms_t deadline_ms;  /* SAR timer; valid while busy */
    uint8_t buf[BM_PROXY_MSG_MAX];
};

void bm_proxy_sar_rx_reset(struct bm_proxy_sar_rx *r);
/* Adds one received Proxy PDU. Returns 0 with *type, *msg, *msg_len set
 * when a message is complete (msg points into r, valid until the
 * next call), BM_EINCOMPLETE after a First or Continuation, BM_EMALFORMED
 * for an empty PDU, a Continuation or Last without a First or of another
 * type, a Complete or First in the middle of a message, or a message over
 * BM_PROXY_MSG_MAX; a rejected PDU leaves r as it was. */
int bm_proxy_sar_rx_add(struct bm_proxy_sar_rx *r, const uint8_t *pdu, size_t len, bm_ms_t now_ms,
                        uint8_t *type, const uint8_t **msg, size_t *msg_len);
/* True if a message in progress has run past its SAR timer (now_ms is
 * taken modulo 2^32, as the core's time). */
bool bm_proxy_sar_rx_expired(const struct bm_proxy_sar_rx *r, uint64_t now_ms);

#endif
