/* Friendship control message codecs (Mesh Profile 3.6.5.1-3.6.5.9), see
 * pdu.h. Multi-octet fields are big-endian, as all of the network and
 * transport layers' fields. A decoder reads into a local copy and writes
 * its output only once every check passed. */
#include <string.h>

#include "blemesh/errors.h"
#include "friend/pdu.h"

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static bool is_group_or_virtual(uint16_t a)
{
    return (a & 0x8000) != 0;
}

int bm_friend_req_encode(const struct bm_friend_req *r, uint8_t out[BM_FRIEND_REQ_LEN])
{
    if (r->rssi_factor > 3 || r->recv_win_factor > 3 || r->min_queue_size_log == 0 ||
        r->min_queue_size_log > 7 || r->receive_delay_ms < BM_RECEIVE_DELAY_MIN ||
        r->poll_timeout < BM_POLL_TIMEOUT_MIN || r->poll_timeout > BM_POLL_TIMEOUT_MAX ||
        r->num_elements == 0)
        return BM_EINVAL;
    out[0] = (uint8_t)(r->rssi_factor << 5 | r->recv_win_factor << 3 | r->min_queue_size_log);
    out[1] = r->receive_delay_ms;
    out[2] = (uint8_t)(r->poll_timeout >> 16);
    out[3] = (uint8_t)(r->poll_timeout >> 8);
    out[4] = (uint8_t)r->poll_timeout;
    put_be16(out + 5, r->prev_addr);
    out[7] = r->num_elements;
    put_be16(out + 8, r->lpn_counter);
    return BM_FRIEND_REQ_LEN;
}

int bm_friend_req_decode(const uint8_t *p, size_t len, struct bm_friend_req *r)
{
    if (len != BM_FRIEND_REQ_LEN)
        return BM_EMALFORMED;
    struct bm_friend_req v;
    /* 3.6.5.3: the RFU bit is 0, MinQueueSizeLog 0 is prohibited,
     * ReceiveDelay 0x00-0x09 and PollTimeout outside 0x0a-0x34bbff are
     * prohibited, and a node has at least one element. */
    if (p[0] & 0x80)
        return BM_EMALFORMED;
    v.rssi_factor = (uint8_t)((p[0] >> 5) & 3);
    v.recv_win_factor = (uint8_t)((p[0] >> 3) & 3);
    v.min_queue_size_log = (uint8_t)(p[0] & 7);
    v.receive_delay_ms = p[1];
    v.poll_timeout = (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    v.prev_addr = get_be16(p + 5);
    v.num_elements = p[7];
    v.lpn_counter = get_be16(p + 8);
    if (v.min_queue_size_log == 0 || v.receive_delay_ms < BM_RECEIVE_DELAY_MIN ||
        v.poll_timeout < BM_POLL_TIMEOUT_MIN || v.poll_timeout > BM_POLL_TIMEOUT_MAX ||
        v.num_elements == 0)
        return BM_EMALFORMED;
    /* the previous friend is unassigned or a unicast address */
    if (v.prev_addr & 0x8000)
        return BM_EMALFORMED;
    *r = v;
    return BM_OK;
}

int bm_friend_offer_encode(const struct bm_friend_offer *o, uint8_t out[BM_FRIEND_OFFER_LEN])
{
    if (o->receive_window_ms == 0)
        return BM_EINVAL;
    out[0] = o->receive_window_ms;
    out[1] = o->queue_size;
    out[2] = o->sub_list_size;
    out[3] = (uint8_t)o->rssi;
    put_be16(out + 4, o->friend_counter);
    return BM_FRIEND_OFFER_LEN;
}

int bm_friend_offer_decode(const uint8_t *p, size_t len, struct bm_friend_offer *o)
{
    /* 3.6.5.4: ReceiveWindow 0x00 is prohibited */
    if (len != BM_FRIEND_OFFER_LEN || p[0] == 0)
        return BM_EMALFORMED;
    o->receive_window_ms = p[0];
    o->queue_size = p[1];
    o->sub_list_size = p[2];
    o->rssi = (int8_t)p[3];
    o->friend_counter = get_be16(p + 4);
    return BM_OK;
}

int bm_friend_poll_encode(uint8_t fsn, uint8_t out[1])
{
    if (fsn > 1)
        return BM_EINVAL;
    out[0] = fsn;
    return 1;
}

int bm_friend_poll_decode(const uint8_t *p, size_t len, uint8_t *fsn)
{
    /* 3.6.5.1: the padding is 0b0000000; other values are prohibited */
    if (len != 1 || (p[0] & 0xfe))
        return BM_EMALFORMED;
    *fsn = p[0];
    return BM_OK;
}

int bm_friend_update_encode(const struct bm_friend_update *u, uint8_t out[BM_FRIEND_UPDATE_LEN])
{
    if ((u->flags & 0xfc) || u->md > 1)
        return BM_EINVAL;
    out[0] = u->flags;
    for (int i = 0; i < 4; i++)
        out[1 + i] = (uint8_t)(u->iv_index >> (24 - 8 * i));
    out[5] = u->md;
    return BM_FRIEND_UPDATE_LEN;
}

int bm_friend_update_decode(const uint8_t *p, size_t len, struct bm_friend_update *u)
{
    /* 3.6.5.2: Flags bits 2-7 are RFU; MD 0x02-0xff are prohibited */
    if (len != BM_FRIEND_UPDATE_LEN || p[5] > 1)
        return BM_EMALFORMED;
    u->flags = (uint8_t)(p[0] & 3);
    u->iv_index = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    u->md = p[5];
    return BM_OK;
}

int bm_friend_clear_encode(const struct bm_friend_clear *c, uint8_t out[BM_FRIEND_CLEAR_LEN])
{
    if (c->lpn_addr == 0 || (c->lpn_addr & 0x8000))
        return BM_EINVAL;
    put_be16(out, c->lpn_addr);
    put_be16(out + 2, c->lpn_counter);
    return BM_FRIEND_CLEAR_LEN;
}

int bm_friend_clear_decode(const uint8_t *p, size_t len, struct bm_friend_clear *c)
{
    if (len != BM_FRIEND_CLEAR_LEN)
        return BM_EMALFORMED;
    uint16_t lpn = get_be16(p);
    if (lpn == 0 || (lpn & 0x8000))
        return BM_EMALFORMED; /* the LPN address is unicast */
    c->lpn_addr = lpn;
    c->lpn_counter = get_be16(p + 2);
    return BM_OK;
}

int bm_friend_sub_encode(const struct bm_friend_sub *s, uint8_t *out, size_t out_size)
{
    if (s->count == 0 || s->count > BM_FRIEND_SUB_MAX)
        return BM_EINVAL;
    size_t len = 1 + 2u * s->count;
    if (out_size < len)
        return BM_EINVAL;
    out[0] = s->transaction;
    for (size_t i = 0; i < s->count; i++) {
        if (!is_group_or_virtual(s->addrs[i]))
            return BM_EINVAL;
        put_be16(out + 1 + 2 * i, s->addrs[i]);
    }
    return (int)len;
}

int bm_friend_sub_decode(const uint8_t *p, size_t len, struct bm_friend_sub *s)
{
    if (len < 3 || len > 1 + 2 * BM_FRIEND_SUB_MAX || (len - 1) % 2)
        return BM_EMALFORMED;
    struct bm_friend_sub v;
    v.transaction = p[0];
    v.count = (uint8_t)((len - 1) / 2);
    for (size_t i = 0; i < v.count; i++) {
        v.addrs[i] = get_be16(p + 1 + 2 * i);
        if (!is_group_or_virtual(v.addrs[i]))
            return BM_EMALFORMED; /* a subscription list holds group and virtual addresses */
    }
    *s = v;
    return BM_OK;
}

int bm_friend_sub_confirm_decode(const uint8_t *p, size_t len, uint8_t *transaction)
{
    if (len != 1)
        return BM_EMALFORMED;
    *transaction = p[0];
    return BM_OK;
}

int32_t bm_friend_local_delay_x10(uint8_t recv_win_factor, uint8_t receive_window_ms,
                                  uint8_t rssi_factor, int8_t rssi)
{
    int32_t rwf = 10 + 5 * (int32_t)(recv_win_factor & 3);
    int32_t rsf = 10 + 5 * (int32_t)(rssi_factor & 3);
    return rwf * receive_window_ms - rsf * rssi;
}
