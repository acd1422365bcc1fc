/* Network PDU encoding and decoding (Mesh Profile 3.4.4) and the k2
 * credentials it is secured with (Mesh Profile 3.8.6.3.1).
 *
 * Layout: IVI|NID (1), CTL|TTL (1), SEQ (3), SRC (2), DST (2),
 * TransportPDU (1..16), NetMIC (4 when CTL=0, 8 when CTL=1). DST and the
 * TransportPDU are encrypted with AES-CCM under the EncryptionKey; then
 * CTL|TTL, SEQ and SRC are obfuscated with the PrivacyKey (3.8.7.3).
 *
 * Invariants: the decoder never writes to the input, works on a local copy,
 * and writes its outputs only on success; the encoder writes `out` only
 * once every check passed, in place, and zeroes it again if the crypto
 * fails. Every local copy of plaintext is wiped before returning. */
#include <string.h>

#include "blemesh/errors.h"
#include "net/net.h"

#define NID_MASK 0x7f
#define TTL_MASK 0x7f

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int creds_from_p(struct bm_net_creds *c, const uint8_t net_key[BM_KEY_LEN], const uint8_t *p,
                        size_t p_len)
{
    struct bm_net_creds tmp;
    int rc = bm_crypto_k2(net_key, p, p_len, &tmp.nid, tmp.enc_key, tmp.privacy_key);
    if (rc == BM_OK)
        *c = tmp;
    bm_crypto_wipe(&tmp, sizeof(tmp));
    return rc;
}

int bm_net_creds_master(struct bm_net_creds *c, const uint8_t net_key[BM_KEY_LEN])
{
    static const uint8_t p_master = 0x00;
    if (!c || !net_key)
        return BM_EINVAL;
    return creds_from_p(c, net_key, &p_master, 1);
}

int bm_net_creds_friend(struct bm_net_creds *c, const uint8_t net_key[BM_KEY_LEN],
                        uint16_t lpn_addr, uint16_t friend_addr, uint16_t lpn_counter,
                        uint16_t friend_counter)
{
    /* Mesh Profile 3.8.6.3.1: P = 0x01 || LPNAddress || FriendAddress ||
     * LPNCounter || FriendCounter, each big-endian. */
    uint8_t p[9];
    if (!c || !net_key)
        return BM_EINVAL;
    p[0] = 0x01;
    put_be16(p + 1, lpn_addr);
    put_be16(p + 3, friend_addr);
    put_be16(p + 5, lpn_counter);
    put_be16(p + 7, friend_counter);
    return creds_from_p(c, net_key, p, sizeof(p));
}

static size_t mic_len_of(uint8_t ctl)
{
    return ctl ? BM_NET_MIC_CTL : BM_NET_MIC_ACCESS;
}

static size_t max_transport_of(uint8_t ctl)
{
    return BM_NET_MAX_PDU_LEN - BM_NET_HDR_LEN - mic_len_of(ctl);
}

static void make_nonce(uint8_t nonce[BM_NONCE_LEN], enum bm_net_nonce_kind kind, uint8_t ctl_ttl,
                       uint32_t seq, uint16_t src, uint32_t iv_index)
{
    if (kind == BM_NET_NONCE_PROXY)
        bm_crypto_proxy_nonce(nonce, seq, src, iv_index);
    else
        bm_crypto_net_nonce(nonce, ctl_ttl, seq, src, iv_index);
}

/* Header rules shared by both directions, checked on clear values.
 * Mesh Profile 3.4.4.6: SRC is a unicast address. 3.4.4.7: DST is never
 * the unassigned address in a mesh message; a proxy configuration message
 * (6.6) is the one PDU that carries it. 6.6 also fixes CTL = 1 and TTL = 0
 * for proxy configuration messages; the proxy nonce does not cover CTL|TTL,
 * so without this check a flipped TTL bit would go unnoticed. */
static bool hdr_valid(enum bm_net_nonce_kind kind, uint8_t ctl, uint8_t ttl, uint16_t src,
                      uint16_t dst)
{
    if (!bm_addr_is_unicast(src))
        return false;
    if (kind == BM_NET_NONCE_PROXY)
        return ctl == 1 && ttl == 0;
    return dst != BM_ADDR_UNASSIGNED;
}

static int encode(const struct bm_net_creds *c, const struct bm_crypto_key *enc,
                  const struct bm_crypto_key *privacy, uint32_t iv_index,
                  enum bm_net_nonce_kind kind, const struct bm_net_hdr *hdr,
                  const uint8_t *transport, size_t transport_len, uint8_t *out, size_t out_size,
                  size_t *out_len);

int bm_net_encode(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                  const struct bm_net_hdr *hdr, const uint8_t *transport, size_t transport_len,
                  uint8_t *out, size_t out_size, size_t *out_len)
{
    return encode(c, NULL, NULL, iv_index, kind, hdr, transport, transport_len, out, out_size,
                  out_len);
}

int bm_net_encode_keyset(const struct bm_net_keyset *ks, uint32_t iv_index,
                         enum bm_net_nonce_kind kind, const struct bm_net_hdr *hdr,
                         const uint8_t *transport, size_t transport_len, uint8_t *out,
                         size_t out_size, size_t *out_len)
{
    if (!ks)
        return BM_EINVAL;
    return encode(&ks->master, &ks->enc, &ks->privacy, iv_index, kind, hdr, transport,
                  transport_len, out, out_size, out_len);
}

static int encode(const struct bm_net_creds *c, const struct bm_crypto_key *enc,
                  const struct bm_crypto_key *privacy, uint32_t iv_index,
                  enum bm_net_nonce_kind kind, const struct bm_net_hdr *hdr,
                  const uint8_t *transport, size_t transport_len, uint8_t *out, size_t out_size,
                  size_t *out_len)
{
    uint8_t nonce[BM_NONCE_LEN];

    if (!c || !hdr || !transport || !out || !out_len)
        return BM_EINVAL;
    if (kind != BM_NET_NONCE_NETWORK && kind != BM_NET_NONCE_PROXY)
        return BM_EINVAL;
    if (hdr->ctl > 1 || hdr->ttl > BM_TTL_MAX || hdr->seq > BM_SEQ_MAX || c->nid > NID_MASK)
        return BM_EINVAL;
    if (!hdr_valid(kind, hdr->ctl, hdr->ttl, hdr->src, hdr->dst))
        return BM_EINVAL;
    if (transport_len < 1 || transport_len > max_transport_of(hdr->ctl))
        return BM_EINVAL;

    size_t mic_len = mic_len_of(hdr->ctl);
    size_t total = BM_NET_HDR_LEN + transport_len + mic_len;
    if (out_size < total)
        return BM_ENOSPC;

    /* the PDU is put together and secured in out */
    uint8_t *pdu = out;
    uint8_t ctl_ttl = (uint8_t)(hdr->ctl << 7 | hdr->ttl);
    pdu[0] = (uint8_t)((iv_index & 1) << 7 | c->nid);
    pdu[1] = ctl_ttl;
    put_be24(pdu + 2, hdr->seq);
    put_be16(pdu + 5, hdr->src);
    put_be16(pdu + 7, hdr->dst);
    memcpy(pdu + BM_NET_HDR_LEN, transport, transport_len);

    make_nonce(nonce, kind, ctl_ttl, hdr->seq, hdr->src, iv_index);
    /* Mesh Profile 3.8.7.2: EncDST || EncTransportPDU, NetMIC =
     * AES-CCM(EncryptionKey, nonce, DST || TransportPDU). */
    int rc = bm_crypto_ccm_encrypt_k(enc, c->enc_key, nonce, NULL, 0, pdu + 7, 2 + transport_len,
                                     pdu + 7, pdu + BM_NET_HDR_LEN + transport_len, mic_len);
    if (rc == BM_OK)
        rc = bm_crypto_obfuscate_k(privacy, c->privacy_key, iv_index, pdu, total);
    if (rc == BM_OK)
        *out_len = total;
    else
        bm_crypto_wipe(pdu, total);
    return rc;
}

int bm_net_decode(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                  const uint8_t *pdu, size_t pdu_len, struct bm_net_hdr *hdr,
                  uint8_t transport[BM_NET_MAX_TRANSPORT], size_t *transport_len)
{
    if (!hdr || !transport || !transport_len)
        return BM_EINVAL;
    struct bm_net_in in = {.pdu = pdu, .len = pdu_len, .iv_index = iv_index, .kind = kind};
    struct bm_net_rx rx;
    int rc = bm_net_open(c, &in, &rx);
    if (rc == BM_OK) {
        *hdr = rx.hdr;
        memcpy(transport, rx.transport, rx.transport_len);
        *transport_len = rx.transport_len;
        bm_crypto_wipe(&rx, sizeof(rx));
    }
    return rc;
}

int bm_net_open(const struct bm_net_creds *c, struct bm_net_in *in, struct bm_net_rx *rx)
{
    uint8_t buf[BM_NET_MAX_PDU_LEN];
    uint8_t nonce[BM_NONCE_LEN];

    if (!in)
        return BM_EINVAL;
    in->authentic = false;
    if (!c || !rx)
        return BM_EINVAL;
    const uint8_t *pdu = in->pdu;
    size_t pdu_len = in->len;
    if (in->kind != BM_NET_NONCE_NETWORK && in->kind != BM_NET_NONCE_PROXY)
        return BM_EINVAL;
    /* Mesh Profile 3.4.4: 9 header octets, at least one transport octet and
     * a 4-octet NetMIC; 29 octets at most. */
    if (!pdu || pdu_len < BM_NET_MIN_PDU_LEN || pdu_len > BM_NET_MAX_PDU_LEN)
        return BM_EMALFORMED;
    if ((pdu[0] & NID_MASK) != c->nid)
        return BM_ENOKEY;
    /* The IVI bit is not covered by the NetMIC (the nonce holds the whole IV
     * index), so a PDU whose IVI disagrees with iv_index is checked here: it
     * cannot have been sent under this IV index. */
    if ((pdu[0] >> 7) != (in->iv_index & 1))
        return BM_EAUTH;

    /* a local copy, deobfuscated and then decrypted in place */
    memcpy(buf, pdu, pdu_len);
    int rc = bm_crypto_obfuscate_k(in->privacy, c->privacy_key, in->iv_index, buf, pdu_len);
    if (rc != BM_OK)
        goto out;

    uint8_t ctl = buf[1] >> 7;
    uint32_t seq = get_be24(buf + 2);
    uint16_t src = get_be16(buf + 5);
    size_t mic_len = mic_len_of(ctl);
    /* With CTL = 1 the 8-octet NetMIC needs at least 18 octets. As
     * pdu_len <= 29, tlen <= max_transport_of(ctl) follows. */
    if (pdu_len < BM_NET_HDR_LEN + 1 + mic_len) {
        rc = BM_EMALFORMED;
        goto out;
    }
    size_t tlen = pdu_len - BM_NET_HDR_LEN - mic_len;

    make_nonce(nonce, in->kind, buf[1], seq, src, in->iv_index);
    rc = bm_crypto_ccm_decrypt_k(in->enc, c->enc_key, nonce, NULL, 0, buf + 7, 2 + tlen, buf + 7,
                                 buf + BM_NET_HDR_LEN + tlen, mic_len);
    if (rc != BM_OK)
        goto out;
    in->authentic = true;

    /* Field rules are checked only once the PDU is authenticated, so that a
     * wrong key with a colliding NID reads as BM_EAUTH, not as garbage. */
    uint16_t dst = get_be16(buf + 7);
    if (!hdr_valid(in->kind, ctl, buf[1] & TTL_MASK, src, dst)) {
        rc = BM_EMALFORMED;
        goto out;
    }

    /* buf[0] (IVI, NID) is not obfuscated */
    rx->hdr.ivi = buf[0] >> 7;
    rx->hdr.nid = buf[0] & NID_MASK;
    rx->hdr.ctl = ctl;
    rx->hdr.ttl = buf[1] & TTL_MASK;
    rx->hdr.seq = seq;
    rx->hdr.src = src;
    rx->hdr.dst = dst;
    rx->iv_index = in->iv_index;
    memcpy(rx->transport, buf + BM_NET_HDR_LEN, tlen);
    rx->transport_len = tlen;
out:
    bm_crypto_wipe(buf, sizeof(buf));
    return rc;
}
