/* Shared pieces of the libFuzzer harnesses (docs/fuzzing.md): a cursor
 * over the fuzz input that never reads past the end, the sample keys of
 * Mesh Profile 8.3, a fake platform (clock the harness moves, deterministic
 * random, an adv_send that records, an in-memory store) and the check that
 * turns a broken property into a crash libFuzzer reports. */
#ifndef BM_FUZZ_COMMON_H
#define BM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the code under test failed: report and abort so that
 * libFuzzer saves the input. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fz_fail(__FILE__, __LINE__, #cond);                                                    \
    } while (0)
void fz_fail(const char *file, int line, const char *what);

/* Reads the fuzz input front to back; past the end every read gives 0. */
struct fz {
    const uint8_t *p;
    size_t left;
};
static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
    f->p = data;
    f->left = size;
}
static inline bool fz_more(const struct fz *f)
{
    return f->left > 0;
}
uint8_t fz_u8(struct fz *f);
uint16_t fz_u16(struct fz *f);
uint32_t fz_u24(struct fz *f);
uint32_t fz_u32(struct fz *f);
/* Up to n octets; returns how many were available. */
size_t fz_take(struct fz *f, uint8_t *out, size_t n);
/* A length-prefixed field: one length octet (reduced to max), then bytes. */
size_t fz_chunk(struct fz *f, uint8_t *out, size_t max);

/* Mesh Profile 8.3 sample keys (messages.json "keys"). */
extern const uint8_t fz_net_key[16];
extern const uint8_t fz_net_key2[16]; /* a second, made-up subnet key */
extern const uint8_t fz_app_key[16];
extern const uint8_t fz_dev_key[16];  /* node 0x1201 */
#define FZ_IV_INDEX 0x12345678u
#define FZ_NODE_ADDR 0x1201
#define FZ_PEER_ADDR 0x0003
#define FZ_APP_IDX 0x123
#define FZ_NET_IDX 0x000
#define FZ_NET_IDX2 0x456

/* The fake platform. Everything in it is plain data, so a harness can
 * snapshot it together with a node and restore both per input. */
#define FZ_STORE_RECS 32
#define FZ_STORE_MAX 128
#define FZ_ADV_LOG 64
struct fz_plat {
    uint64_t now_ms;
    uint64_t rng;
    struct {
        bool used;
        uint16_t key;
        uint8_t len;
        uint8_t data[FZ_STORE_MAX];
    } store[FZ_STORE_RECS];
    /* the last FZ_ADV_LOG advertisements sent (a ring), and a count */
    uint8_t adv[FZ_ADV_LOG][BM_ADV_MAX_LEN];
    uint8_t adv_len[FZ_ADV_LOG];
    uint32_t adv_count;
    bool adv_full; /* adv_send returns BM_ENOSPC (bearer queue full) */
};

/* Fills plat with hooks over st (log at every level, with checks that a
 * line is a proper string). */
void fz_plat_init(struct bm_platform *plat, struct fz_plat *st, uint64_t seed);
/* Deterministic random octets (xorshift; not for anything but fuzzing). */
void fz_random(uint64_t *state, uint8_t *buf, size_t len);

/* Wraps data as one AD structure of type ad_type; returns the length. */
size_t fz_ad_wrap(uint8_t ad_type, const uint8_t *data, size_t len, uint8_t out[BM_ADV_MAX_LEN]);

#endif
