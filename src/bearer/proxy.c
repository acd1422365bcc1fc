/* Proxy configuration messages, proxy filters and the connectable
 * advertising data of the mesh GATT services (Mesh Profile 6.5-6.7,
 * 7.1.2.2, 7.2.2.2).
 *
 * Invariants: every parser checks each length before reading and leaves
 * its output untouched on failure; a filter never holds 0x0000 or the same
 * address twice, and never more than BM_CFG_PROXY_FILTER_SIZE. */
#include <string.h>

#include "blemesh/errors.h"
#include "bearer/proxy.h"

/* --- proxy configuration messages (6.5) --- */

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A message of 12 octets holds at most 5 addresses: no count check needed */
_Static_assert((BM_PROXY_CFG_MAX_LEN - 1) / 2 <= BM_PROXY_CFG_MAX_ADDRS, "address array");

int bm_proxy_cfg_parse(const uint8_t *msg, size_t len, struct bm_proxy_cfg_msg *out)
{
    if (!msg || !out || len < 1 || len > BM_PROXY_CFG_MAX_LEN)
        return BM_EMALFORMED;
    uint8_t op = msg[0];
    const uint8_t *p = msg + 1;
    size_t n = len - 1;
    if (op > BM_PROXY_OP_FILTER_STATUS)
        return BM_ENOTSUP;
    bool addrs = op == BM_PROXY_OP_ADD_ADDRS || op == BM_PROXY_OP_REMOVE_ADDRS;
    /* Add/Remove: an address array; Set Filter Type: FilterType; Filter
     * Status: FilterType and ListSize. 6.5.1: FilterType 0x02..0xff
     * prohibited */
    if (addrs ? n == 0 || n % 2 != 0
              : n != (op == BM_PROXY_OP_SET_FILTER_TYPE ? 1u : 3u) || p[0] > BM_PROXY_FILTER_REJECT)
        return BM_EMALFORMED;
    memset(out, 0, sizeof(*out));
    out->opcode = op;
    if (addrs) {
        out->count = (uint8_t)(n / 2);
        for (size_t i = 0; i < out->count; i++)
            out->addrs[i] = get_be16(p + 2 * i);
    } else {
        out->filter_type = p[0];
        if (n == 3)
            out->list_size = get_be16(p + 1);
    }
    return BM_OK;
}

int bm_proxy_cfg_build(const struct bm_proxy_cfg_msg *m, uint8_t *out, size_t out_size,
                       size_t *out_len)
{
    if (!m || !out || !out_len || m->opcode > BM_PROXY_OP_FILTER_STATUS)
        return BM_EINVAL;
    uint8_t buf[BM_PROXY_CFG_MAX_LEN];
    size_t n = 1;
    buf[0] = m->opcode;
    if (m->opcode == BM_PROXY_OP_ADD_ADDRS || m->opcode == BM_PROXY_OP_REMOVE_ADDRS) {
        if (m->count < 1 || m->count > BM_PROXY_CFG_MAX_ADDRS)
            return BM_EINVAL;
        for (uint8_t i = 0; i < m->count; i++, n += 2)
            put_be16(buf + n, m->addrs[i]);
    } else {
        if (m->filter_type > BM_PROXY_FILTER_REJECT)
            return BM_EINVAL;
        buf[n++] = m->filter_type;
        if (m->opcode == BM_PROXY_OP_FILTER_STATUS) {
            put_be16(buf + n, m->list_size);
            n += 2;
        }
    }
    if (out_size < n)
        return BM_ENOSPC;
    memcpy(out, buf, n);
    *out_len = n;
    return BM_OK;
}

int bm_proxy_cfg_encode(const struct bm_net_creds *c, uint32_t iv_index, uint16_t src, uint32_t seq,
                        const uint8_t *msg, size_t len, uint8_t *out, size_t out_size,
                        size_t *out_len)
{
    /* 6.6: CTL 1, TTL 0, DST the unassigned address, proxy nonce; with
     * CTL 1 bm_net_encode() takes 1..12 (BM_PROXY_CFG_MAX_LEN) octets */
    struct bm_net_hdr h = {.ctl = 1, .ttl = 0, .seq = seq, .src = src, .dst = 0};
    return bm_net_encode(c, iv_index, BM_NET_NONCE_PROXY, &h, msg, len, out, out_size, out_len);
}

int bm_proxy_cfg_decode(struct bm_net *net, const uint8_t *pdu, size_t len, uint16_t *src,
                        uint16_t *net_idx, uint8_t msg[BM_PROXY_CFG_MAX_LEN], size_t *msg_len)
{
    /* The network layer's search over every subnet and key set, with the
     * proxy nonce; it checks CTL 1 and TTL 0 (once authenticated), DST 0,
     * and the message cache. With CTL 1 the message has at most 12
     * (BM_PROXY_CFG_MAX_LEN) octets. */
    struct bm_net_rx rx;
    if (!net)
        return BM_EMALFORMED;
    int rc = bm_net_rx(net, BM_NET_NONCE_PROXY, pdu, len, &rx);
    if (rc != BM_OK)
        return rc;
    memcpy(msg, rx.transport, rx.transport_len);
    *msg_len = rx.transport_len;
    *src = rx.hdr.src;
    *net_idx = rx.net_idx;
    return BM_OK;
}

/* --- the proxy filter (6.7) --- */

void bm_proxy_filter_init(struct bm_proxy_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->type = BM_PROXY_FILTER_ACCEPT;
}

void bm_proxy_filter_edit(struct bm_proxy_filter *f, uint16_t addr, bool add)
{
    size_t i = 0;
    while (i < f->count && f->addrs[i] != addr)
        i++;
    if (!add) {
        if (i < f->count)
            f->addrs[i] = f->addrs[--f->count];
        return;
    }
    /* 6.7: a full list takes no more addresses */
    if (addr != 0 && i == f->count && f->count < BM_CFG_PROXY_FILTER_SIZE)
        f->addrs[f->count++] = addr;
}

void bm_proxy_filter_add(struct bm_proxy_filter *f, uint16_t addr)
{
    bm_proxy_filter_edit(f, addr, true);
}

void bm_proxy_filter_remove(struct bm_proxy_filter *f, uint16_t addr)
{
    bm_proxy_filter_edit(f, addr, false);
}

void bm_proxy_filter_apply(struct bm_proxy_filter *f, const struct bm_proxy_cfg_msg *m)
{
    if (m->opcode == BM_PROXY_OP_SET_FILTER_TYPE) {
        /* 6.6.1: the new type starts with an empty list */
        f->type = m->filter_type;
        f->count = 0;
        return;
    }
    if (m->opcode != BM_PROXY_OP_ADD_ADDRS && m->opcode != BM_PROXY_OP_REMOVE_ADDRS)
        return;
    for (size_t i = 0; i < m->count; i++)
        bm_proxy_filter_edit(f, m->addrs[i], m->opcode == BM_PROXY_OP_ADD_ADDRS);
}

bool bm_proxy_filter_match(const struct bm_proxy_filter *f, uint16_t dst)
{
    bool listed = false;
    for (uint8_t i = 0; i < f->count && !listed; i++)
        listed = f->addrs[i] == dst;
    return f->type == BM_PROXY_FILTER_ACCEPT ? listed : !listed;
}

/* --- connectable advertising data (7.1.2.2.1, 7.2.2.2) --- */

_Static_assert(BM_GATT_SVC_PROV >> 8 == 0x18 && BM_GATT_SVC_PROXY >> 8 == 0x18, "UUIDs 0x18xx");

/* Writes Flags (LE General Discoverable, BR/EDR not supported), the
 * service's UUID in a complete list and the head of its Service Data AD
 * structure for n octets of data. Returns where the data goes, or NULL if
 * it does not fit. */
static uint8_t *adv_head(uint16_t svc, size_t n, uint8_t *out, size_t out_size, size_t *out_len)
{
    /* the service UUIDs are 0x18xx, little-endian on the air */
    static const uint8_t head[BM_GATT_ADV_SVC_DATA_OFF + 4] = {
        2, BM_AD_FLAGS, 0x06, 3, BM_AD_UUID16_ALL, 0, 0x18, 0, BM_AD_SERVICE_DATA16, 0, 0x18};
    size_t total = sizeof(head) + n;
    if (!out || !out_len || total > BM_ADV_MAX_LEN || out_size < total)
        return NULL;
    memcpy(out, head, sizeof(head));
    out[5] = out[9] = (uint8_t)svc;
    out[7] = (uint8_t)(n + 3);
    *out_len = total;
    return out + sizeof(head);
}

int bm_gatt_adv_prov(const uint8_t uuid[16], uint16_t oob_info, uint8_t *out, size_t out_size,
                     size_t *out_len)
{
    uint8_t *d = adv_head(BM_GATT_SVC_PROV, 18, out, out_size, out_len);
    if (!d)
        return BM_ENOSPC;
    memcpy(d, uuid, 16);
    put_be16(d + 16, oob_info);
    return BM_OK;
}

int bm_gatt_adv_proxy(const uint8_t id[8], const uint8_t *random, uint8_t *out, size_t out_size,
                      size_t *out_len)
{
    uint8_t *d = adv_head(BM_GATT_SVC_PROXY, random ? 17 : 9, out, out_size, out_len);
    if (!d)
        return BM_ENOSPC;
    d[0] = random ? BM_PROXY_ID_NODE : BM_PROXY_ID_NETWORK;
    memcpy(d + 1, id, 8);
    if (random)
        memcpy(d + 9, random, 8);
    return BM_OK;
}

int bm_gatt_adv_net_id(const uint8_t network_id[8], uint8_t *out, size_t out_size, size_t *out_len)
{
    return bm_gatt_adv_proxy(network_id, NULL, out, out_size, out_len);
}

int bm_gatt_adv_node_id(const uint8_t hash[8], const uint8_t random[8], uint8_t *out,
                        size_t out_size, size_t *out_len)
{
    return bm_gatt_adv_proxy(hash, random, out, out_size, out_len);
}

int bm_gatt_adv_parse(const uint8_t *adv, size_t len, struct bm_gatt_adv_info *info)
{
    if (!adv || !info || len > BM_ADV_MAX_LEN)
        return BM_EMALFORMED;
    size_t pos = 0;
    while (pos < len) {
        size_t l = adv[pos];
        if (l == 0)
            break;
        if (pos + 1 + l > len)
            return BM_EMALFORMED;
        const uint8_t *d = adv + pos + 2;
        size_t n = l - 1;
        pos += 1 + l;
        if (adv[pos - l] != BM_AD_SERVICE_DATA16 || n < 2)
            continue;
        uint16_t svc = (uint16_t)(d[0] | d[1] << 8);
        struct bm_gatt_adv_info r;
        memset(&r, 0, sizeof(r));
        r.service = svc;
        if (svc == BM_GATT_SVC_PROV) {
            if (n != 2 + 18)
                return BM_EMALFORMED;
            memcpy(r.uuid, d + 2, 16);
            r.oob_info = get_be16(d + 18);
        } else if (svc == BM_GATT_SVC_PROXY) {
            if (n < 3)
                return BM_EMALFORMED;
            r.id_type = d[2];
            if (r.id_type == BM_PROXY_ID_NETWORK && n == 3 + 8) {
                memcpy(r.network_id, d + 3, 8);
            } else if (r.id_type == BM_PROXY_ID_NODE && n == 3 + 16) {
                memcpy(r.hash, d + 3, 8);
                memcpy(r.random, d + 11, 8);
            } else {
                return BM_EMALFORMED;
            }
        } else {
            continue;
        }
        *info = r;
        return BM_OK;
    }
    return BM_ENOENT;
}
