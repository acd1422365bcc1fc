/* Mesh beacons (Mesh Profile 3.9): the secure network beacon (3.9.3) and
 * the unprovisioned device beacon (3.9.2), encoded and parsed with explicit
 * byte access. Parsers check every length and field before they fill their
 * output, and write it only on success. */
#include <string.h>

#include "blemesh/errors.h"
#include "net/beacon.h"

#define SNB_FLAGS_KNOWN (BM_SNB_FLAG_KR | BM_SNB_FLAG_IVU)
#define SNB_AUTH_OFF 14 /* type, flags, NetworkID(8), IV index(4) */
#define SNB_AUTH_LEN 8

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Mesh Profile 3.9.3: Authentication Value = the first 8 octets of
 * AES-CMAC_BeaconKey(Flags || Network ID || IV Index), i.e. of octets 1..13
 * of the beacon. */
static int snb_auth(const uint8_t beacon_key[BM_KEY_LEN], const uint8_t *beacon,
                    uint8_t auth[SNB_AUTH_LEN])
{
    uint8_t mac[16];
    int rc = bm_crypto_cmac(beacon_key, beacon + 1, SNB_AUTH_OFF - 1, mac);
    if (rc == BM_OK)
        memcpy(auth, mac, SNB_AUTH_LEN);
    bm_crypto_wipe(mac, sizeof(mac));
    return rc;
}

int bm_beacon_snb_write(const uint8_t beacon_key[BM_KEY_LEN], uint8_t flags,
                        const uint8_t network_id[8], uint32_t iv_index, uint8_t out[BM_SNB_LEN])
{
    out[0] = BM_BEACON_SECURE;
    out[1] = flags;
    memcpy(out + 2, network_id, 8);
    put_be32(out + 10, iv_index);
    return snb_auth(beacon_key, out, out + SNB_AUTH_OFF);
}

int bm_beacon_snb_encode(const uint8_t beacon_key[BM_KEY_LEN], const struct bm_snb *b,
                         uint8_t out[BM_SNB_LEN])
{
    uint8_t buf[BM_SNB_LEN];
    if (!beacon_key || !b || !out)
        return BM_EINVAL;
    /* Mesh Profile 3.9.3.1: flag bits 2..7 are RFU and sent as zero. */
    if (b->flags & ~SNB_FLAGS_KNOWN)
        return BM_EINVAL;
    int rc = bm_beacon_snb_write(beacon_key, b->flags, b->network_id, b->iv_index, buf);
    if (rc == BM_OK)
        memcpy(out, buf, BM_SNB_LEN);
    return rc;
}

int bm_beacon_snb_parse(const uint8_t *data, size_t len, struct bm_snb *b)
{
    if (!b)
        return BM_EINVAL;
    if (!data || len != BM_SNB_LEN || data[0] != BM_BEACON_SECURE)
        return BM_EMALFORMED;
    /* Mesh Profile 3.9.3.1: a beacon with RFU flag bits set is not one we
     * understand; its meaning may differ, so it is rejected. */
    if (data[1] & ~SNB_FLAGS_KNOWN)
        return BM_EMALFORMED;
    b->flags = data[1];
    memcpy(b->network_id, data + 2, 8);
    b->iv_index = get_be32(data + 10);
    return BM_OK;
}

int bm_beacon_snb_auth(const uint8_t beacon_key[BM_KEY_LEN], const uint8_t data[BM_SNB_LEN])
{
    uint8_t auth[SNB_AUTH_LEN];
    int rc = snb_auth(beacon_key, data, auth);
    if (rc == BM_OK && bm_crypto_memcmp(auth, data + SNB_AUTH_OFF, SNB_AUTH_LEN) != 0)
        rc = BM_EAUTH;
    return rc;
}

int bm_beacon_snb_verify(const uint8_t beacon_key[BM_KEY_LEN], const uint8_t *data, size_t len,
                         struct bm_snb *b)
{
    struct bm_snb tmp;
    if (!beacon_key || !b)
        return BM_EINVAL;
    int rc = bm_beacon_snb_parse(data, len, &tmp);
    if (rc != BM_OK)
        return rc;
    rc = bm_beacon_snb_auth(beacon_key, data);
    if (rc == BM_OK)
        *b = tmp;
    return rc;
}

void bm_beacon_udb_write(const uint8_t uuid[16], uint16_t oob_info, uint8_t out[BM_UDB_LEN])
{
    /* Mesh Profile 3.9.2: type, Device UUID, OOB Information (big-endian),
     * then (bm_beacon_udb_encode) the optional URI Hash. */
    out[0] = BM_BEACON_UNPROVISIONED;
    memcpy(out + 1, uuid, 16);
    out[17] = (uint8_t)(oob_info >> 8);
    out[18] = (uint8_t)oob_info;
}

int bm_beacon_udb_encode(const struct bm_udb *b, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!b || !out || !out_len)
        return BM_EINVAL;
    size_t len = b->has_uri_hash ? BM_UDB_URI_LEN : BM_UDB_LEN;
    if (out_size < len)
        return BM_ENOSPC;
    bm_beacon_udb_write(b->uuid, b->oob_info, out);
    if (b->has_uri_hash)
        memcpy(out + BM_UDB_LEN, b->uri_hash, 4);
    *out_len = len;
    return BM_OK;
}

int bm_beacon_uri_hash(const uint8_t *uri_data, size_t len, uint8_t hash[4])
{
    uint8_t full[16];
    if ((!uri_data && len) || !hash)
        return BM_EINVAL;
    /* Mesh Profile 3.9.2: URI Hash = s1(URI Data)[0-3]. */
    const uint8_t none = 0;
    int rc = bm_crypto_s1(uri_data ? uri_data : &none, len, full);
    if (rc == BM_OK)
        memcpy(hash, full, 4);
    return rc;
}

int bm_beacon_udb_parse(const uint8_t *data, size_t len, struct bm_udb *b)
{
    if (!b)
        return BM_EINVAL;
    if (!data || (len != BM_UDB_LEN && len != BM_UDB_URI_LEN) || data[0] != BM_BEACON_UNPROVISIONED)
        return BM_EMALFORMED;
    memcpy(b->uuid, data + 1, 16);
    b->oob_info = (uint16_t)(data[17] << 8 | data[18]);
    b->has_uri_hash = len == BM_UDB_URI_LEN;
    memset(b->uri_hash, 0, 4);
    if (b->has_uri_hash)
        memcpy(b->uri_hash, data + BM_UDB_LEN, 4);
    return BM_OK;
}
