/* Mesh beacons (Mesh Profile 3.9): the secure network beacon and the
 * unprovisioned device beacon, as carried in AD type 0x2B. */
#ifndef BM_BEACON_H
#define BM_BEACON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define BM_BEACON_UNPROVISIONED 0x00
#define BM_BEACON_SECURE 0x01

#define BM_SNB_LEN 22 /* type, flags, NetworkID(8), IV(4), auth(8) */
#define BM_SNB_FLAG_KR 0x01
#define BM_SNB_FLAG_IVU 0x02

struct bm_snb {
    uint8_t flags;         /* BM_SNB_FLAG_* */
    uint8_t network_id[8];
    uint32_t iv_index;
};

/* Builds a 22-octet secure network beacon authenticated with beacon_key. */
int bm_beacon_snb_encode(const uint8_t beacon_key[BM_KEY_LEN], const struct bm_snb *b,
                         uint8_t out[BM_SNB_LEN]);
/* The same from its fields, written straight into out (which holds no
 * beacon if it fails); flags must hold only BM_SNB_FLAG_* bits. */
int bm_beacon_snb_write(const uint8_t beacon_key[BM_KEY_LEN], uint8_t flags,
                        const uint8_t network_id[8], uint32_t iv_index, uint8_t out[BM_SNB_LEN]);
/* Parses without authenticating. BM_EMALFORMED for a bad length, type or
 * RFU flag bits. */
int bm_beacon_snb_parse(const uint8_t *data, size_t len, struct bm_snb *b);
/* Checks the authentication value of a beacon bm_beacon_snb_parse()
 * accepted; BM_EAUTH if it does not verify. */
int bm_beacon_snb_auth(const uint8_t beacon_key[BM_KEY_LEN], const uint8_t data[BM_SNB_LEN]);
/* Parses and checks the authentication value; BM_EAUTH if it does not verify. */
int bm_beacon_snb_verify(const uint8_t beacon_key[BM_KEY_LEN], const uint8_t *data, size_t len,
                         struct bm_snb *b);

#define BM_UDB_LEN 19      /* type, UUID(16), OOB info(2) */
#define BM_UDB_URI_LEN 23  /* ... URI hash(4) */

struct bm_udb {
    uint8_t uuid[16];
    uint16_t oob_info;
    bool has_uri_hash;
    uint8_t uri_hash[4];
};

/* Writes the BM_UDB_LEN octets of a beacon without URI Hash. */
void bm_beacon_udb_write(const uint8_t uuid[16], uint16_t oob_info, uint8_t out[BM_UDB_LEN]);
int bm_beacon_udb_encode(const struct bm_udb *b, uint8_t *out, size_t out_size, size_t *out_len);
/* Computes the URI hash (first 4 octets of s1(URI data)). */
int bm_beacon_uri_hash(const uint8_t *uri_data, size_t len, uint8_t hash[4]);
int bm_beacon_udb_parse(const uint8_t *data, size_t len, struct bm_udb *b);

#endif
