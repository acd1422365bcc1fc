/* Shared harness code: see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "FUZZ PROPERTY FAILED %s:%d: %s\n", file, line, what);
    abort();
}

uint8_t fz_u8(struct fz *f)
{
    if (!f->left)
        return 0;
    f->left--;
    return *f->p++;
}

uint16_t fz_u16(struct fz *f)
{
    uint16_t hi = fz_u8(f);
    return (uint16_t)(hi << 8 | fz_u8(f));
}

uint32_t fz_u24(struct fz *f)
{
    uint32_t v = fz_u16(f);
    return v << 8 | fz_u8(f);
}

uint32_t fz_u32(struct fz *f)
{
    uint32_t v = fz_u16(f);
    return v << 16 | fz_u16(f);
}

size_t fz_take(struct fz *f, uint8_t *out, size_t n)
{
    if (n > f->left)
        n = f->left;
    if (n)
        memcpy(out, f->p, n);
    f->p += n;
    f->left -= n;
    return n;
}

size_t fz_chunk(struct fz *f, uint8_t *out, size_t max)
{
    size_t n = fz_u8(f);
    if (n > max)
        n = max;
    return fz_take(f, out, n);
}

const uint8_t fz_net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};
const uint8_t fz_net_key2[16] = {0xf7, 0xa2, 0xa4, 0x4f, 0x8e, 0x8a, 0x80, 0x29,
                                 0x06, 0x4f, 0x17, 0x3d, 0xdc, 0x1e, 0x2b, 0x00};
const uint8_t fz_app_key[16] = {0x63, 0x96, 0x47, 0x71, 0x73, 0x4f, 0xbd, 0x76,
                                0xe3, 0xb4, 0x05, 0x19, 0xd1, 0xd9, 0x4a, 0x48};
const uint8_t fz_dev_key[16] = {0x9d, 0x6d, 0xd0, 0xe9, 0x6e, 0xb2, 0x5d, 0xc1,
                                0x9a, 0x40, 0xed, 0x99, 0x14, 0xf8, 0xf0, 0x3f};

void fz_random(uint64_t *s, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x = *s;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *s = x;
        buf[i] = (uint8_t)(x >> 32);
    }
}

static uint64_t p_now(void *ctx)
{
    return ((struct fz_plat *)ctx)->now_ms;
}

static int p_random(void *ctx, uint8_t *buf, size_t len)
{
    fz_random(&((struct fz_plat *)ctx)->rng, buf, len);
    return BM_OK;
}

static int p_adv_send(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *xmit)
{
    struct fz_plat *st = ctx;
    FZ_CHECK(adv != NULL && len >= 1 && len <= BM_ADV_MAX_LEN);
    /* every AD structure the core builds must be well formed */
    size_t pos = 0;
    while (pos < len) {
        FZ_CHECK(adv[pos] != 0 && pos + 1 + adv[pos] <= len);
        pos += 1u + adv[pos];
    }
    if (xmit)
        FZ_CHECK(xmit->count >= 1 && xmit->count <= 8);
    if (st->adv_full)
        return BM_ENOSPC;
    uint32_t i = st->adv_count % FZ_ADV_LOG;
    memcpy(st->adv[i], adv, len);
    st->adv_len[i] = (uint8_t)len;
    st->adv_count++;
    return BM_OK;
}

static int p_store_put(void *ctx, uint16_t key, const void *data, size_t len)
{
    struct fz_plat *st = ctx;
    if (len > FZ_STORE_MAX)
        return BM_ENOSPC;
    int free_slot = -1;
    for (int i = 0; i < FZ_STORE_RECS; i++) {
        if (st->store[i].used && st->store[i].key == key) {
            free_slot = i;
            break;
        }
        if (!st->store[i].used && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0)
        return BM_ENOSPC;
    st->store[free_slot].used = true;
    st->store[free_slot].key = key;
    st->store[free_slot].len = (uint8_t)len;
    if (len)
        memcpy(st->store[free_slot].data, data, len);
    return BM_OK;
}

static int p_store_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len)
{
    struct fz_plat *st = ctx;
    for (int i = 0; i < FZ_STORE_RECS; i++) {
        if (st->store[i].used && st->store[i].key == key) {
            size_t n = st->store[i].len < size ? st->store[i].len : size;
            memcpy(data, st->store[i].data, n);
            if (len)
                *len = st->store[i].len;
            return BM_OK;
        }
    }
    return BM_ENOENT;
}

static int p_store_del(void *ctx, uint16_t key)
{
    struct fz_plat *st = ctx;
    for (int i = 0; i < FZ_STORE_RECS; i++)
        if (st->store[i].used && st->store[i].key == key)
            st->store[i].used = false;
    return BM_OK;
}

static void p_log(void *ctx, enum bm_log_level level, const char *layer, const char *line)
{
    (void)ctx;
    FZ_CHECK(level >= BM_LOG_ERR && level <= BM_LOG_DBG);
    FZ_CHECK(layer != NULL && line != NULL);
    FZ_CHECK(strlen(line) < 1024);
}

void fz_plat_init(struct bm_platform *plat, struct fz_plat *st, uint64_t seed)
{
    memset(st, 0, sizeof(*st));
    st->now_ms = 1000;
    st->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    memset(plat, 0, sizeof(*plat));
    plat->ctx = st;
    plat->now_ms = p_now;
    plat->random = p_random;
    plat->adv_send = p_adv_send;
    plat->store_put = p_store_put;
    plat->store_get = p_store_get;
    plat->store_del = p_store_del;
    plat->log = p_log;
}

size_t fz_ad_wrap(uint8_t ad_type, const uint8_t *data, size_t len, uint8_t out[BM_ADV_MAX_LEN])
{
    if (len > BM_ADV_MAX_LEN - 2)
        len = BM_ADV_MAX_LEN - 2;
    out[0] = (uint8_t)(len + 1);
    out[1] = ad_type;
    if (len)
        memcpy(out + 2, data, len);
    return len + 2;
}
