/* Mesh beacons (Mesh Profile 3.9) against the 8.4 sample data in
 * beacons.json: secure network beacons (8.4.3-8.4.5) encoded from their
 * fields and verified, unprovisioned device beacons (8.4.1-8.4.2) encoded
 * and parsed with the URI hash computed from the URI data; then every
 * malformed form is refused. */
#include <string.h>

#include "blemesh/errors.h"
#include "net/beacon.h"
#include "net/net.h"
#include "test.h"
#include "vectors.h"

static cJSON *root;

static void load_snb(const cJSON *e, uint8_t key[16], struct bm_snb *b, uint8_t beacon[32],
                     size_t *len)
{
    memset(b, 0, sizeof(*b));
    bm_vec_hex(e, "beacon_key", key, 16);
    b->flags = (uint8_t)bm_vec_num(e, "flags");
    bm_vec_hex(e, "network_id", b->network_id, 8);
    b->iv_index = bm_vec_num(e, "iv_index");
    *len = bm_vec_hex(e, "beacon", beacon, 32);
}

static void test_snb_8_4_3_to_8_4_5(void)
{
    const cJSON *e;
    int seen = 0;
    cJSON_ArrayForEach(e, bm_vec_get(root, "secure_network_beacons"))
    {
        uint8_t key[16], beacon[32], out[BM_SNB_LEN], nk[16], want[16];
        struct bm_snb b, got;
        size_t len;
        load_snb(e, key, &b, beacon, &len);
        CHECK_EQ(len, BM_SNB_LEN);
        /* the fields come from the NetKey as the spec derives them */
        bm_vec_hex(e, "net_key", nk, 16);
        CHECK_EQ(bm_crypto_beacon_key(nk, want), BM_OK);
        CHECK_MEM("beacon key", want, 16, key, 16);
        CHECK_EQ(bm_crypto_k3(nk, want), BM_OK);
        CHECK_MEM("network id", want, 8, b.network_id, 8);
        CHECK_EQ(b.flags, (bm_vec_int(e, "key_refresh_flag") ? BM_SNB_FLAG_KR : 0) |
                              (bm_vec_int(e, "iv_update_flag") ? BM_SNB_FLAG_IVU : 0));

        CHECK_EQ(bm_beacon_snb_encode(key, &b, out), BM_OK);
        CHECK_MEM(bm_vec_str(e, "spec_section"), out, BM_SNB_LEN, beacon, len);
        size_t al = bm_vec_hex(e, "authentication_value", want, sizeof(want));
        CHECK_MEM("authentication value", out + 14, 8, want, al);

        memset(&got, 0xee, sizeof(got));
        CHECK_EQ(bm_beacon_snb_verify(key, beacon, len, &got), BM_OK);
        CHECK_EQ(got.flags, b.flags);
        CHECK_MEM("verified network id", got.network_id, 8, b.network_id, 8);
        CHECK_EQ(got.iv_index, b.iv_index);
        memset(&got, 0xee, sizeof(got));
        CHECK_EQ(bm_beacon_snb_parse(beacon, len, &got), BM_OK);
        CHECK_EQ(got.flags, b.flags);
        CHECK_EQ(got.iv_index, b.iv_index);
        seen++;
    }
    CHECK_EQ(seen, 3);
}

/* A round trip with the Key Refresh flag, which the sample data lacks. */
static void test_snb_key_refresh_flag_round_trip(void)
{
    uint8_t key[16], beacon[32], out[BM_SNB_LEN];
    struct bm_snb b, got;
    size_t len;
    load_snb(bm_vec_get(root, "secure_network_beacons.0"), key, &b, beacon, &len);
    for (uint8_t f = 0; f < 4; f++) {
        b.flags = f;
        CHECK_EQ(bm_beacon_snb_encode(key, &b, out), BM_OK);
        CHECK_EQ(bm_beacon_snb_verify(key, out, sizeof(out), &got), BM_OK);
        CHECK_EQ(got.flags, f);
    }
}

static void snb_refused(const uint8_t key[16], const uint8_t *p, size_t len, int want)
{
    struct bm_snb got, poison;
    memset(&poison, 0x5c, sizeof(poison));
    got = poison;
    CHECK_EQ(bm_beacon_snb_verify(key, p, len, &got), want);
    CHECK(memcmp(&got, &poison, sizeof(got)) == 0);
    if (want == BM_EMALFORMED) {
        CHECK_EQ(bm_beacon_snb_parse(p, len, &got), BM_EMALFORMED);
        CHECK(memcmp(&got, &poison, sizeof(got)) == 0);
    }
}

/* 3.9.3: 22 octets, type 0x01, flag bits 2-7 RFU; the authentication value
 * covers flags, Network ID and IV index. */
static void test_snb_refuses(void)
{
    uint8_t key[16], beacon[32], p[40];
    struct bm_snb b;
    size_t len;
    load_snb(bm_vec_get(root, "secure_network_beacons.1"), key, &b, beacon, &len);

    memset(p, 0, sizeof(p));
    memcpy(p, beacon, len);
    for (size_t l = 0; l <= sizeof(p); l++) {
        if (l != BM_SNB_LEN)
            snb_refused(key, p, l, BM_EMALFORMED);
    }
    snb_refused(key, NULL, 0, BM_EMALFORMED);
    for (int t = 0; t < 256; t++) {
        if (t == BM_BEACON_SECURE)
            continue;
        memcpy(p, beacon, len);
        p[0] = (uint8_t)t;
        snb_refused(key, p, len, BM_EMALFORMED);
    }
    for (int bit = 2; bit < 8; bit++) {
        memcpy(p, beacon, len);
        p[1] ^= (uint8_t)(1u << bit);
        snb_refused(key, p, len, BM_EMALFORMED);
    }
    /* every other bit from the flags' two defined bits onwards */
    for (size_t i = 1; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            if (i == 1 && bit >= 2)
                continue;
            memcpy(p, beacon, len);
            p[i] ^= (uint8_t)(1u << bit);
            snb_refused(key, p, len, BM_EAUTH);
        }
    }
    uint8_t wrong[16];
    memcpy(wrong, key, 16);
    wrong[7] ^= 0x40;
    snb_refused(wrong, beacon, len, BM_EAUTH);

    uint8_t out[BM_SNB_LEN], fill[BM_SNB_LEN];
    memset(fill, 0x33, sizeof(fill));
    for (int bit = 2; bit < 8; bit++) {
        memcpy(out, fill, sizeof(out));
        b.flags = (uint8_t)(1u << bit);
        CHECK_EQ(bm_beacon_snb_encode(key, &b, out), BM_EINVAL);
        CHECK(memcmp(out, fill, sizeof(out)) == 0);
    }
}

static void test_udb_8_4_1_and_8_4_2(void)
{
    const cJSON *e;
    int seen = 0, with_uri = 0;
    cJSON_ArrayForEach(e, bm_vec_get(root, "unprovisioned_device_beacons"))
    {
        struct bm_udb b, got;
        uint8_t beacon[32], out[32], uri[128];
        size_t len = bm_vec_hex(e, "beacon", beacon, sizeof(beacon)), ol = 0;
        memset(&b, 0, sizeof(b));
        bm_vec_hex(e, "device_uuid", b.uuid, 16);
        b.oob_info = (uint16_t)bm_vec_num(e, "oob_information");
        if (bm_vec_find(e, "uri_data")) {
            uint8_t want[4];
            size_t ul = bm_vec_hex(e, "uri_data", uri, sizeof(uri));
            CHECK_EQ(bm_beacon_uri_hash(uri, ul, b.uri_hash), BM_OK);
            size_t wl = bm_vec_hex(e, "uri_hash", want, sizeof(want));
            CHECK_MEM("URI hash", b.uri_hash, 4, want, wl);
            b.has_uri_hash = true;
            with_uri++;
        }
        CHECK_EQ(bm_beacon_udb_encode(&b, out, sizeof(out), &ol), BM_OK);
        CHECK_MEM(bm_vec_str(e, "spec_section"), out, ol, beacon, len);
        /* exactly sized buffer is enough, one less is not */
        CHECK_EQ(bm_beacon_udb_encode(&b, out, len, &ol), BM_OK);
        CHECK_EQ(bm_beacon_udb_encode(&b, out, len - 1, &ol), BM_ENOSPC);

        memset(&got, 0xee, sizeof(got));
        CHECK_EQ(bm_beacon_udb_parse(beacon, len, &got), BM_OK);
        CHECK_MEM("uuid", got.uuid, 16, b.uuid, 16);
        CHECK_EQ(got.oob_info, b.oob_info);
        CHECK_EQ(got.has_uri_hash, b.has_uri_hash);
        if (b.has_uri_hash)
            CHECK_MEM("parsed uri hash", got.uri_hash, 4, b.uri_hash, 4);
        seen++;
    }
    CHECK_EQ(seen, 2);
    CHECK_EQ(with_uri, 1);
}

/* 3.9.2: 19 octets, or 23 with the URI hash; type 0x00. */
static void test_udb_refuses(void)
{
    uint8_t beacon[32], p[40];
    size_t len = bm_vec_hex(root, "unprovisioned_device_beacons.1.beacon", beacon, sizeof(beacon));
    struct bm_udb got, poison;
    memset(&poison, 0x5c, sizeof(poison));
    memset(p, 0, sizeof(p));
    memcpy(p, beacon, len);
    for (size_t l = 0; l <= sizeof(p); l++) {
        if (l == BM_UDB_LEN || l == BM_UDB_URI_LEN)
            continue;
        got = poison;
        CHECK_EQ(bm_beacon_udb_parse(p, l, &got), BM_EMALFORMED);
        CHECK(memcmp(&got, &poison, sizeof(got)) == 0);
    }
    got = poison;
    CHECK_EQ(bm_beacon_udb_parse(NULL, 0, &got), BM_EMALFORMED);
    for (int t = 1; t < 256; t++) {
        p[0] = (uint8_t)t;
        got = poison;
        CHECK_EQ(bm_beacon_udb_parse(p, BM_UDB_LEN, &got), BM_EMALFORMED);
        CHECK_EQ(bm_beacon_udb_parse(p, BM_UDB_URI_LEN, &got), BM_EMALFORMED);
        CHECK(memcmp(&got, &poison, sizeof(got)) == 0);
    }
    /* the 19-octet prefix of the URI beacon is a valid beacon without it */
    CHECK_EQ(bm_beacon_udb_parse(beacon, BM_UDB_LEN, &got), BM_OK);
    CHECK(!got.has_uri_hash);
}

int main(void)
{
    root = bm_vec_load("beacons.json");
    BM_RUN(test_snb_8_4_3_to_8_4_5);
    BM_RUN(test_snb_key_refresh_flag_round_trip);
    BM_RUN(test_snb_refuses);
    BM_RUN(test_udb_8_4_1_and_8_4_2);
    BM_RUN(test_udb_refuses);
    return bm_test_done();
}
