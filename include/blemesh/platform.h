/* The port interface: everything the core needs from the outside world.
 *
 * The core never reads a clock, draws random numbers, touches storage or a
 * radio, or prints, except through this struct. A port (the simulated air,
 * the POSIX event loop, a microcontroller board) fills it in once and keeps
 * it alive as long as the node. The core owns its timers: the port feeds
 * received advertising data in with bm_node_rx_adv() and calls
 * bm_node_process() when the time it returned has come. */
#ifndef BLEMESH_PLATFORM_H
#define BLEMESH_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* AD types of the mesh advertising bearers (Mesh Profile 3.3.1, 5.2.1). */
#define BM_AD_PB_ADV 0x29
#define BM_AD_MESH_MESSAGE 0x2a
#define BM_AD_MESH_BEACON 0x2b
/* Advertising data of one legacy advertisement: a sequence of AD
 * structures [length][AD type][data], at most 31 octets in all; one mesh
 * AD structure carries at most 29 octets of data. */
#define BM_ADV_MAX_LEN 31
#define BM_AD_MAX_DATA 29
#define BM_AD_COMPLETE_NAME 0x09
#define BM_AD_SHORT_NAME 0x08
/* AD types of connectable GATT advertising (Core Supplement 1.1, 1.3). */
#define BM_AD_FLAGS 0x01
#define BM_AD_UUID16_ALL 0x03
#define BM_AD_SERVICE_DATA16 0x16

/* How a bearer repeats one advertisement (Network Transmit / Relay
 * Retransmit states, Mesh Profile 4.2.19-4.2.20): count transmissions in
 * total, interval_ms apart (the bearer adds its own random advDelay). */
struct bm_adv_xmit {
    uint8_t count;        /* 1..8 */
    uint16_t interval_ms; /* 10..320 */
};

/* Log levels, most severe first. */
enum bm_log_level { BM_LOG_ERR = 0, BM_LOG_WRN = 1, BM_LOG_INF = 2, BM_LOG_DBG = 3 };

struct bm_platform {
    void *ctx; /* passed back to every hook */

    /* Monotonic milliseconds; never decreases, never wraps. The core keeps
     * its timers modulo 2^32 (src/bm_time.h: 32-bit arithmetic is much
     * smaller on a Cortex-M0+) and uses the full value only for the IV
     * Update state clock, which must stay right over months. */
    uint64_t (*now_ms)(void *ctx);

    /* Fills buf with len random octets (cryptographic quality on a real
     * device: it feeds ECDH keys and provisioning randoms). Returns 0. */
    int (*random)(void *ctx, uint8_t *buf, size_t len);

    /* Queues one advertisement: its advertising data (1..31 octets of AD
     * structures, exactly as on the air), repeated as xmit says. Must not
     * call back into the core. Returns 0 or a negative BM_E* code
     * (BM_ENOSPC if the bearer queue is full). */
    int (*adv_send)(void *ctx, const uint8_t *adv_data, size_t len,
                    const struct bm_adv_xmit *xmit);

    /* Records by 16-bit key (like Zephyr settings / ESP NVS). store_put
     * must be atomic per record: after a crash the record holds the old or
     * the new value, never a mix. store_get returns BM_ENOENT if absent.
     * Any of the three may be NULL: the node then keeps nothing. */
    int (*store_put)(void *ctx, uint16_t key, const void *data, size_t len);
    int (*store_get)(void *ctx, uint16_t key, void *data, size_t size, size_t *len);
    int (*store_del)(void *ctx, uint16_t key);

    /* One formatted log line (no newline) of a layer ("net", "prov"...).
     * May be NULL. Lines never contain key material. */
    void (*log)(void *ctx, enum bm_log_level level, const char *layer, const char *line);

    /* --- GATT (optional: all three NULL when the port has no GATT) ---
     * A connection is a number the port chose (conn); the port reports it
     * with bm_node_gatt_connected() (we are the peripheral) or
     * bm_gatt_client_connected() (we opened it as the central), hands in
     * each received ATT value with bm_node_gatt_rx() and the end with
     * bm_node_gatt_disconnected(). */

    /* Sends one ATT value on conn: one Proxy PDU of 1..MTU-3 octets (a
     * Notification from a server, a Write Without Response from a client),
     * delivered in order. Must not call back into the core. Returns 0,
     * BM_EINVAL (too long, unknown conn) or BM_ENOSPC. */
    int (*gatt_send)(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len);
    /* Ends conn; the port reports bm_node_gatt_disconnected() afterwards. */
    int (*gatt_disconnect)(void *ctx, uint16_t conn);
    /* Connectable advertising: adv_data is the advertising data to repeat
     * (AD structures: Flags, 16-bit Service UUIDs, Service Data; at most
     * 31 octets), len 0 stops it. The port picks the interval and accepts
     * connections only while it advertises. Returns 0 or BM_E*. */
    int (*gatt_adv)(void *ctx, const uint8_t *adv_data, size_t len);
};

#endif
