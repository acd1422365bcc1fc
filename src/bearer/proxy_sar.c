/* Proxy PDU segmentation and reassembly (Mesh Profile 6.3).
 *
 * A message that fits one ATT value (MTU - 3 octets, the header octet
 * included) goes as SAR Complete; otherwise as First, Continuations and
 * Last, each filling the value. Reassembly keeps one message per
 * connection; its SAR timer restarts at every segment (6.3.2). Invariant:
 * r->len <= BM_PROXY_MSG_MAX, and a rejected PDU never changes r. */
#include <string.h>

#include "blemesh/errors.h"
#include "bearer/proxy_sar.h"

static bool mtu_ok(uint16_t mtu)
{
    return mtu >= BM_ATT_MTU_MIN && mtu <= BM_ATT_MTU_MAX;
}

size_t bm_proxy_sar_count(size_t msg_len, uint16_t mtu)
{
    if (!mtu_ok(mtu) || msg_len == 0)
        return 0;
    size_t room = (size_t)mtu - 3 - 1; /* message octets per ATT value */
    return (msg_len + room - 1) / room;
}

/* Writes the Proxy PDU that carries octets off..off+n-1 of msg to out;
 * returns its length. */
static size_t seg_put(uint8_t type, const uint8_t *msg, size_t msg_len, size_t off, size_t n,
                      uint8_t *out)
{
    /* SAR (6.3.1, Table 6.2) */
    bool last = off + n == msg_len;
    uint8_t sar = off == 0 ? (last ? BM_PROXY_SAR_COMPLETE : BM_PROXY_SAR_FIRST)
                           : (last ? BM_PROXY_SAR_LAST : BM_PROXY_SAR_CONT);
    out[0] = bm_proxy_hdr(sar, type);
    memcpy(out + 1, msg + off, n);
    return n + 1;
}

int bm_proxy_sar_segment(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                         size_t index, uint8_t *out, size_t out_size, size_t *out_len)
{
    size_t count = bm_proxy_sar_count(msg_len, mtu);
    if (!msg || !out || !out_len || type > 0x3f || index >= count)
        return BM_EINVAL;
    size_t room = (size_t)mtu - 3 - 1;
    size_t off = index * room;
    size_t n = msg_len - off < room ? msg_len - off : room;
    if (out_size < n + 1)
        return BM_ENOSPC;
    *out_len = seg_put(type, msg, msg_len, off, n, out);
    return BM_OK;
}

int bm_proxy_sar_send_valid(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                            bm_proxy_pdu_fn send, void *ctx, uint16_t conn)
{
    if (msg_len > BM_PROXY_MSG_MAX)
        return BM_ENOSPC;
    size_t room = (size_t)mtu - 3 - 1;
    for (size_t off = 0, n; off < msg_len; off += n) {
        uint8_t pdu[BM_PROXY_MSG_MAX + 1];
        n = msg_len - off < room ? msg_len - off : room;
        int rc = send(ctx, conn, pdu, seg_put(type, msg, msg_len, off, n, pdu));
        if (rc != BM_OK)
            return rc;
    }
    return BM_OK;
}

int bm_proxy_sar_send(uint8_t type, const uint8_t *msg, size_t msg_len, uint16_t mtu,
                      bm_proxy_pdu_fn send, void *ctx, uint16_t conn)
{
    if (!mtu_ok(mtu) || !msg || msg_len == 0 || type > 0x3f)
        return BM_EINVAL;
    return bm_proxy_sar_send_valid(type, msg, msg_len, mtu, send, ctx, conn);
}

void bm_proxy_sar_rx_reset(struct bm_proxy_sar_rx *r)
{
    memset(r, 0, sizeof(*r));
}

bool bm_proxy_sar_rx_expired(const struct bm_proxy_sar_rx *r, uint64_t now_ms)
{
    return r->busy && bm_ms_reached((bm_ms_t)now_ms, r->deadline_ms);
}

int bm_proxy_sar_rx_add(struct bm_proxy_sar_rx *r, const uint8_t *pdu, size_t len, bm_ms_t now_ms,
                        uint8_t *type, const uint8_t **msg, size_t *msg_len)
{
    if (!pdu || len < 1)
        return BM_EMALFORMED;
    uint8_t sar = pdu[0] >> 6;
    uint8_t t = pdu[0] & 0x3f;
    size_t n = len - 1;
    /* 6.3.2: Complete and First start a message, and must not come inside
     * another one; Continuation and Last go on the one in progress, of the
     * same type */
    bool starts = sar == BM_PROXY_SAR_COMPLETE || sar == BM_PROXY_SAR_FIRST;
    if (starts ? r->busy : !r->busy || r->type != t)
        return BM_EMALFORMED;
    size_t have = starts ? 0 : r->len;
    if (n > BM_PROXY_MSG_MAX - have)
        return BM_EMALFORMED;
    /* a Complete goes through r->buf too: one way out for every message */
    memcpy(r->buf + have, pdu + 1, n);
    r->len = (uint8_t)(have + n);
    r->type = t;
    r->busy = sar == BM_PROXY_SAR_FIRST || sar == BM_PROXY_SAR_CONT;
    if (r->busy) {
        r->deadline_ms = bm_ms_after(now_ms, BM_PROXY_SAR_TIMEOUT_MS);
        return BM_EINCOMPLETE;
    }
    *type = t;
    *msg = r->buf;
    *msg_len = r->len;
    return BM_OK;
}
