/* Fuzz target: network PDU decode (net/net_pdu.c, net/subnet.c) on raw
 * bytes. Input: one octet choosing the network state (two subnets, one
 * in key refresh, IV update, IV index 0) and the nonce, then the PDU.
 * Properties: a rejected PDU leaves struct bm_net byte-identical; an
 * accepted one re-encodes to the same octets, stays within the transport
 * bounds, and is a duplicate the second time. */
#include <string.h>

#include "fuzz_common.h"
#include "net_fixture.h"

static void check_reencode(const struct bm_net_creds *c, uint32_t iv, enum bm_net_nonce_kind kind,
                           const struct bm_net_hdr *hdr, const uint8_t *transport,
                           size_t transport_len, const uint8_t *pdu, size_t len)
{
    uint8_t out[BM_NET_MAX_PDU_LEN];
    size_t out_len = 0;
    FZ_CHECK(transport_len >= 1 && transport_len <= BM_NET_MAX_TRANSPORT);
    FZ_CHECK(bm_net_encode(c, iv, kind, hdr, transport, transport_len, out, sizeof(out),
                           &out_len) == BM_OK);
    FZ_CHECK(out_len == len && memcmp(out, pdu, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *pdu = data + 1;
    size_t len = size - 1;

    /* direct decode with the sample credentials */
    enum bm_net_nonce_kind kind = (sel & 0x10) ? BM_NET_NONCE_PROXY : BM_NET_NONCE_NETWORK;
    const struct bm_net_creds *c = (sel & 0x20) ? fz_creds_friend() : fz_creds_sample();
    uint32_t iv = (sel & 0x40) ? FZ_IV_INDEX - 1 : FZ_IV_INDEX;
    struct bm_net_hdr hdr;
    uint8_t transport[BM_NET_MAX_TRANSPORT];
    size_t transport_len = 0;
    if (bm_net_decode(c, iv, kind, pdu, len, &hdr, transport, &transport_len) == BM_OK)
        check_reencode(c, iv, kind, &hdr, transport, transport_len, pdu, len);

    /* the receive path over a subnet table */
    struct bm_net net = *fz_net_fixture((enum fz_net_variant)(sel & 3));
    struct bm_net before = net;
    struct bm_net_rx rx;
    int rc = bm_net_rx(&net, BM_NET_NONCE_NETWORK, pdu, len, &rx);
    if (rc != BM_OK) {
        FZ_CHECK(rc == BM_EMALFORMED || rc == BM_ENOKEY || rc == BM_EAUTH);
        FZ_CHECK(memcmp(&net, &before, sizeof(net)) == 0);
        return 0;
    }
    const struct bm_subnet *sub = bm_net_subnet_find(&net, rx.net_idx);
    FZ_CHECK(sub != NULL && rx.key_set <= 1);
    check_reencode(&sub->keys[rx.key_set].master, rx.iv_index, BM_NET_NONCE_NETWORK, &rx.hdr,
                   rx.transport, rx.transport_len, pdu, len);
    before = net;
    FZ_CHECK(bm_net_rx(&net, BM_NET_NONCE_NETWORK, pdu, len, &rx) == BM_EDUP);
    FZ_CHECK(memcmp(&net, &before, sizeof(net)) == 0);
    return 0;
}
