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
    uint8_t sar;
    if (count == 1)
        sar = BM_PROXY_SAR_COMPLETE;
    else if (index == 0)
        sar = BM_PROXY_SAR_FIRST;
    else if (index + 1 == count)
        sar = BM_PROXY_SAR_LAST;
    else
        sar = BM_PROXY_SAR_CONT;
    out[0] = bm_proxy_hdr(sar, type);
    memcpy(out + 1, msg + off, n);
    *out_len = n + 1;
    return BM_OK;
}

void bm_proxy_sar_rx_reset(struct bm_proxy_sar_rx *r)
{
    memset(r, 0, sizeof(*r));
}

bool bm_proxy_sar_rx_expired(const struct bm_proxy_sar_rx *r, uint64_t now_ms)
{
    return r->busy && now_ms >= r->deadline_ms;
}

int bm_proxy_sar_rx_add(struct bm_proxy_sar_rx *r, const uint8_t *pdu, size_t len,
                        uint64_t now_ms, uint8_t *type, const uint8_t **msg, size_t *msg_len)
{
    if (!pdu || len < 1)
        return BM_EMALFORMED;
    uint8_t sar = pdu[0] >> 6;
    uint8_t t = pdu[0] & 0x3f;
    const uint8_t *data = pdu + 1;
    size_t n = len - 1;
    switch (sar) {
    case BM_PROXY_SAR_COMPLETE:
        /* 6.3.2: a new message must not start inside another one */
        if (r->busy || n > BM_PROXY_MSG_MAX)
            return BM_EMALFORMED;
        *type = t;
        *msg = data;
        *msg_len = n;
        return BM_OK;
    case BM_PROXY_SAR_FIRST:
        if (r->busy || n > BM_PROXY_MSG_MAX)
            return BM_EMALFORMED;
        r->busy = true;
        r->type = t;
        memcpy(r->buf, data, n);
        r->len = n;
        r->deadline_ms = now_ms + BM_PROXY_SAR_TIMEOUT_MS;
        return BM_EINCOMPLETE;
    default: /* Continuation or Last */
        if (!r->busy || r->type != t || n > BM_PROXY_MSG_MAX - r->len)
            return BM_EMALFORMED;
        memcpy(r->buf + r->len, data, n);
        r->len += n;
        if (sar == BM_PROXY_SAR_CONT) {
            r->deadline_ms = now_ms + BM_PROXY_SAR_TIMEOUT_MS;
            return BM_EINCOMPLETE;
        }
        r->busy = false;
        *type = r->type;
        *msg = r->buf;
        *msg_len = r->len;
        return BM_OK;
    }
}
