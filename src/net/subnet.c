/* Subnets, their keys through key refresh (Mesh Profile 3.10.4), the IV
 * index rule (3.10.5) and the receive/transmit entry points of the network
 * layer.
 *
 * Invariants:
 * - a used subnet has a net_idx <= 0xfff, unique in the table;
 * - keys[0] is the key the subnet was added with (or the key that replaced
 *   it when key refresh completed); keys[1] holds the new key only in
 *   phases 1 and 2 and is all zeros otherwise;
 * - every key leaving the table (delete, revocation, deinit) is wiped, its
 *   prepared keys (enc, privacy) freed first: a key set owns them from
 *   keyset_install() until keyset_clear(), and is never struct-copied while
 *   it owns them (mbed TLS's allocation would then be freed twice);
 * - a rejected call or PDU leaves struct bm_net unchanged: derived keys are
 *   built in locals and copied in only once everything succeeded. */
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"

#define NET_IDX_MAX 0x0fff

/* Derives every key of a key set into ks (the caller's local, wiped by it
 * either way), whose prepared keys are left unprepared (all-zero). */
static int derive_keyset(struct bm_net_keyset *ks, const uint8_t net_key[BM_KEY_LEN])
{
    int rc;

    memset(ks, 0, sizeof(*ks));
    memcpy(ks->net_key, net_key, BM_KEY_LEN);
    rc = bm_net_creds_master(&ks->master, net_key);
    if (rc == BM_OK)
        rc = bm_crypto_k3(net_key, ks->network_id);
    if (rc == BM_OK)
        rc = bm_crypto_beacon_key(net_key, ks->beacon_key);
    if (rc == BM_OK)
        rc = bm_crypto_identity_key(net_key, ks->identity_key);
    return rc;
}

/* Copies the derived keys of src (whose prepared keys are unprepared) into
 * the table slot dst and prepares dst's EncryptionKey and PrivacyKey. A
 * failed prepare (mbed TLS out of memory) leaves that key unprepared, which
 * works through the slower raw-key path. */
static void keyset_install(struct bm_net_keyset *dst, const struct bm_net_keyset *src)
{
    *dst = *src;
    if (BM_CFG_CRYPTO_KEY_CACHE) {
        (void)bm_crypto_key_prepare(&dst->enc, BM_CRYPTO_KEY_CCM, dst->master.enc_key);
        (void)bm_crypto_key_prepare(&dst->privacy, BM_CRYPTO_KEY_ECB, dst->master.privacy_key);
    }
}

/* Frees the prepared keys of ks and wipes it. */
static void keyset_clear(struct bm_net_keyset *ks)
{
    bm_crypto_key_free(&ks->enc);
    bm_crypto_key_free(&ks->privacy);
    bm_crypto_wipe(ks, sizeof(*ks));
}

static void subnet_clear(struct bm_subnet *s)
{
    keyset_clear(&s->keys[0]);
    keyset_clear(&s->keys[1]);
    bm_crypto_wipe(s, sizeof(*s));
}

static const struct bm_subnet *find_const(const struct bm_net *net, uint16_t net_idx)
{
    if (!net)
        return NULL;
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        const struct bm_subnet *s = &net->subnets[i];
        if (s->used && s->net_idx == net_idx)
            return s;
    }
    return NULL;
}

void bm_net_init(struct bm_net *net, uint32_t iv_index, bool iv_update)
{
    memset(net, 0, sizeof(*net));
    net->iv_index = iv_index;
    net->iv_update = iv_update;
}

void bm_net_deinit(struct bm_net *net)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++)
        subnet_clear(&net->subnets[i]);
    bm_crypto_wipe(net, sizeof(*net));
}

void bm_net_keys_unshare(struct bm_net *net)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        for (size_t k = 0; k < 2; k++) {
            struct bm_net_keyset *ks = &net->subnets[i].keys[k];
            bool had = ks->enc.ready || ks->privacy.ready;
            bm_crypto_wipe(&ks->enc, sizeof(ks->enc));
            bm_crypto_wipe(&ks->privacy, sizeof(ks->privacy));
            if (had) {
                struct bm_net_keyset copy = *ks;
                keyset_install(ks, &copy);
                bm_crypto_wipe(&copy, sizeof(copy));
            }
        }
    }
}

void bm_net_keys_release(struct bm_net *net)
{
    for (size_t i = 0; i < BM_CFG_SUBNETS; i++) {
        for (size_t k = 0; k < 2; k++) {
            bm_crypto_key_free(&net->subnets[i].keys[k].enc);
            bm_crypto_key_free(&net->subnets[i].keys[k].privacy);
        }
    }
}

struct bm_subnet *bm_net_subnet_find(struct bm_net *net, uint16_t net_idx)
{
    return (struct bm_subnet *)find_const(net, net_idx);
}

int bm_net_subnet_add(struct bm_net *net, uint16_t net_idx, const uint8_t net_key[BM_KEY_LEN])
{
    if (!net || !net_key || net_idx > NET_IDX_MAX)
        return BM_EINVAL;

    /* As Config NetKey Add (Mesh Profile 4.3.2.31, 4.4.1.2): re-adding the
     * same key at the same index succeeds; a different key is "Key Index
     * Already Stored". */
    struct bm_subnet *s = bm_net_subnet_find(net, net_idx);
    if (s)
        return bm_crypto_memcmp(s->keys[0].net_key, net_key, BM_KEY_LEN) == 0 ? BM_OK : BM_EEXIST;

    struct bm_subnet *slot = NULL;
    for (size_t i = 0; i < BM_CFG_SUBNETS && !slot; i++) {
        if (!net->subnets[i].used)
            slot = &net->subnets[i];
    }
    if (!slot)
        return BM_ENOSPC;

    struct bm_net_keyset ks;
    int rc = derive_keyset(&ks, net_key);
    if (rc == BM_OK) {
        subnet_clear(slot);
        keyset_install(&slot->keys[0], &ks);
        slot->net_idx = net_idx;
        slot->kr_phase = BM_KR_NORMAL;
        slot->used = true;
    }
    bm_crypto_wipe(&ks, sizeof(ks));
    return rc;
}

int bm_net_subnet_update(struct bm_net *net, uint16_t net_idx, const uint8_t new_key[BM_KEY_LEN])
{
    if (!net || !new_key || net_idx > NET_IDX_MAX)
        return BM_EINVAL;
    struct bm_subnet *s = bm_net_subnet_find(net, net_idx);
    if (!s)
        return BM_ENOENT;

    /* Mesh Profile 3.10.4.1 and Config NetKey Update (4.3.2.32): the new key is
     * accepted in the normal state, which starts phase 1; repeating the
     * update with the same key in phase 1 succeeds and changes nothing;
     * anything else is not allowed in the current state. */
    if (s->kr_phase == BM_KR_PHASE1)
        return bm_crypto_memcmp(s->keys[1].net_key, new_key, BM_KEY_LEN) == 0 ? BM_OK : BM_ESTATE;
    if (s->kr_phase != BM_KR_NORMAL)
        return BM_ESTATE;

    struct bm_net_keyset ks;
    int rc = derive_keyset(&ks, new_key);
    if (rc == BM_OK) {
        keyset_clear(&s->keys[1]);
        keyset_install(&s->keys[1], &ks);
        s->kr_phase = BM_KR_PHASE1;
    }
    bm_crypto_wipe(&ks, sizeof(ks));
    return rc;
}

int bm_net_subnet_set_phase(struct bm_net *net, uint16_t net_idx, uint8_t phase)
{
    if (!net || net_idx > NET_IDX_MAX)
        return BM_EINVAL;
    /* Mesh Profile 4.2.14 (Key Refresh Phase state): only transitions 2 and
     * 3 can be requested; phase 1 is entered by a key update. */
    if (phase != BM_KR_PHASE2 && phase != BM_KR_PHASE3)
        return BM_EINVAL;
    struct bm_subnet *s = bm_net_subnet_find(net, net_idx);
    if (!s)
        return BM_ENOENT;

    /* Mesh Profile 4.2.14 transition table: 0 + transition 3 -> 0 (no
     * change); 0 + transition 2 is prohibited; 1|2 + 2 -> 2; 1|2 + 3 -> 0,
     * the old key revoked and the new one kept as the only key. */
    if (s->kr_phase == BM_KR_NORMAL)
        return phase == BM_KR_PHASE3 ? BM_OK : BM_ESTATE;
    if (phase == BM_KR_PHASE2) {
        s->kr_phase = BM_KR_PHASE2;
        return BM_OK;
    }
    /* The new key set moves to keys[0]: its derived keys are copied with
     * the prepared keys left behind, keys[0] prepares its own, and keys[1]
     * frees its own, so each mbed TLS allocation has one owner. */
    struct bm_net_keyset moved = s->keys[1];
    bm_crypto_wipe(&moved.enc, sizeof(moved.enc));
    bm_crypto_wipe(&moved.privacy, sizeof(moved.privacy));
    keyset_clear(&s->keys[0]);
    keyset_clear(&s->keys[1]);
    keyset_install(&s->keys[0], &moved);
    bm_crypto_wipe(&moved, sizeof(moved));
    s->kr_phase = BM_KR_NORMAL;
    return BM_OK;
}

int bm_net_subnet_del(struct bm_net *net, uint16_t net_idx)
{
    if (!net || net_idx > NET_IDX_MAX)
        return BM_EINVAL;
    struct bm_subnet *s = bm_net_subnet_find(net, net_idx);
    if (!s)
        return BM_ENOENT;
    subnet_clear(s);
    return BM_OK;
}

const struct bm_net_keyset *bm_net_tx_keys(const struct bm_subnet *sub)
{
    /* Mesh Profile 3.10.4.2: from phase 2 on the node transmits with the
     * new key; in phase 1 it still transmits with the old one. */
    if (!sub)
        return NULL;
    return sub->kr_phase == BM_KR_PHASE2 ? &sub->keys[1] : &sub->keys[0];
}

uint32_t bm_net_rx_iv_index(const struct bm_net *net, uint8_t ivi)
{
    /* Mesh Profile 3.10.5: the IVI bit is the least significant bit of the
     * IV index the PDU was sent with; if it differs from ours the sender is
     * still on the previous IV index. Wraps for IV index 0 (bm_net_rx
     * rejects that case, there is no previous index). */
    return (ivi & 1) == (net->iv_index & 1) ? net->iv_index : net->iv_index - 1;
}

uint32_t bm_net_tx_iv_index(const struct bm_net *net)
{
    /* Mesh Profile 3.10.5: during IV Update in Progress a node keeps
     * transmitting with the previous IV index (iv_index - 1). */
    return net->iv_update && net->iv_index > 0 ? net->iv_index - 1 : net->iv_index;
}

int bm_net_rx(struct bm_net *net, enum bm_net_nonce_kind kind, const uint8_t *pdu, size_t pdu_len,
              struct bm_net_rx *rx)
{
    struct bm_net_rx got;
    bool matched = false, malformed = false, found = false;

    if (!net || !rx)
        return BM_EINVAL;
    if (!pdu || pdu_len < BM_NET_MIN_PDU_LEN || pdu_len > BM_NET_MAX_PDU_LEN)
        return BM_EMALFORMED;

    uint8_t nid = pdu[0] & 0x7f;
    uint8_t ivi = pdu[0] >> 7;
    struct bm_net_in in; /* enc and privacy set per key set, authentic by bm_net_open() */
    in.pdu = pdu;
    in.len = pdu_len;
    in.iv_index = bm_net_rx_iv_index(net, ivi);
    in.kind = kind;
    /* At IV index 0 there is no previous IV index to accept. */
    bool iv_ok = !((ivi & 1) != (net->iv_index & 1) && net->iv_index == 0);

    for (size_t i = 0; i < BM_CFG_SUBNETS && !found; i++) {
        const struct bm_subnet *s = &net->subnets[i];
        if (!s->used)
            continue;
        /* Mesh Profile 3.10.4: in phases 1 and 2 both the old and the new
         * key are accepted; several subnets (and both key sets) may share a
         * NID, so every match is tried until one authenticates. */
        size_t nsets = (s->kr_phase == BM_KR_PHASE1 || s->kr_phase == BM_KR_PHASE2) ? 2 : 1;
        for (size_t k = 0; k < nsets && !found; k++) {
            const struct bm_net_keyset *ks = &s->keys[k];
            if (ks->master.nid != nid)
                continue;
            matched = true;
            if (!iv_ok)
                continue;
            in.enc = &ks->enc;
            in.privacy = &ks->privacy;
            int rc = bm_net_open(&ks->master, &in, &got);
            if (rc == BM_OK) {
                found = true;
                got.net_idx = s->net_idx;
                got.key_set = (uint8_t)k;
            } else if (rc == BM_EMALFORMED) {
                /* Before the NetMIC verified, a bad field only says this
                 * key deobfuscated the header into noise. */
                malformed = malformed || in.authentic;
            } else if (rc != BM_EAUTH) {
                bm_crypto_wipe(&got, sizeof(got));
                return rc;
            }
        }
    }

    int rc;
    if (!found)
        rc = !matched ? BM_ENOKEY : malformed ? BM_EMALFORMED : BM_EAUTH;
    else if (kind == BM_NET_NONCE_PROXY && got.hdr.dst != BM_ADDR_UNASSIGNED)
        rc = BM_EMALFORMED; /* 6.6: a proxy configuration message has DST 0 */
    else if (bm_net_cache_has(&net->cache, got.hdr.src, got.hdr.seq))
        rc = BM_EDUP;
    else
        rc = BM_OK;

    if (rc == BM_OK) {
        bm_net_cache_add(&net->cache, got.hdr.src, got.hdr.seq);
        *rx = got;
    }
    bm_crypto_wipe(&got, sizeof(got));
    return rc;
}

int bm_net_tx(const struct bm_net *net, uint16_t net_idx, const struct bm_net_hdr *hdr,
              const uint8_t *transport, size_t transport_len, uint8_t *out, size_t out_size,
              size_t *out_len)
{
    if (!net)
        return BM_EINVAL;
    const struct bm_subnet *s = find_const(net, net_idx);
    if (!s)
        return BM_ENOENT;
    return bm_net_encode_keyset(bm_net_tx_keys(s), bm_net_tx_iv_index(net), BM_NET_NONCE_NETWORK,
                                hdr, transport, transport_len, out, out_size, out_len);
}
