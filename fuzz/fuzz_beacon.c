/* Fuzz target: mesh beacons (net/beacon.c). Input: a beacon (AD type 0x2B
 * payload). Properties: a secure network beacon that parses encodes back
 * to the same octets when its authentication verifies with the sample
 * beacon key (and verify agrees with parse on everything but the MIC); an
 * unprovisioned device beacon that parses encodes back to the same octets. */
#include <string.h>

#include "crypto/crypto.h"
#include "fuzz_common.h"
#include "net/beacon.h"

static uint8_t beacon_key[BM_KEY_LEN];
static bool ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        FZ_CHECK(bm_crypto_beacon_key(fz_net_key, beacon_key) == BM_OK);
        ready = true;
    }
    struct bm_snb snb, snb2;
    int prc = bm_beacon_snb_parse(data, size, &snb);
    int vrc = bm_beacon_snb_verify(beacon_key, data, size, &snb2);
    if (prc != BM_OK)
        FZ_CHECK(vrc != BM_OK);
    if (vrc == BM_OK) {
        FZ_CHECK(prc == BM_OK);
        FZ_CHECK(snb.flags == snb2.flags && snb.iv_index == snb2.iv_index &&
                 memcmp(snb.network_id, snb2.network_id, 8) == 0);
        uint8_t out[BM_SNB_LEN];
        FZ_CHECK(bm_beacon_snb_encode(beacon_key, &snb2, out) == BM_OK);
        FZ_CHECK(size == BM_SNB_LEN && memcmp(out, data, size) == 0);
    } else if (prc == BM_OK) {
        FZ_CHECK(vrc == BM_EAUTH);
    }

    struct bm_udb udb;
    if (bm_beacon_udb_parse(data, size, &udb) == BM_OK) {
        uint8_t out[BM_UDB_URI_LEN + 4];
        size_t out_len = 0;
        FZ_CHECK(bm_beacon_udb_encode(&udb, out, sizeof(out), &out_len) == BM_OK);
        FZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
    }
    if (size <= 64) {
        uint8_t hash[4];
        FZ_CHECK(bm_beacon_uri_hash(data, size, hash) == BM_OK || size == 0);
    }
    return 0;
}
