/* The simulator's event queue: an indexed binary min-heap of handles keyed by
 * (t_us, seq), plus the random streams every other file draws from.
 *
 * Invariants: a[0..n) is a min-heap on (t_us, seq); for every queued handle
 * h, a[pos[h] - 1].h == h; pos[h] == 0 for every handle not queued. Insert,
 * reschedule and remove are O(log n). Storage grows only in reserve(), which
 * the simulator calls when a node is added, never while events run. */
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

/* --- random streams ------------------------------------------------------ */

uint64_t bm_sim_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void bm_sim_rng_seed(struct bm_sim_rng *r, uint64_t seed, uint64_t domain)
{
    /* Mix the domain through one splitmix step of its own so neighbouring
     * domains (node ids) do not give overlapping splitmix sequences. */
    uint64_t d = domain;
    uint64_t st = seed ^ bm_sim_splitmix64(&d);
    for (int i = 0; i < 4; i++)
        r->s[i] = bm_sim_splitmix64(&st);
    /* xoshiro's one bad state is all zeros; splitmix64 never gives four
     * zeros in a row, but say so rather than rely on it silently. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t bm_sim_rng_next(struct bm_sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t bm_sim_rng_below(struct bm_sim_rng *r, uint64_t n)
{
    /* Accept draws below the largest multiple of n. */
    uint64_t lim = UINT64_MAX - (UINT64_MAX % n + 1) % n;
    uint64_t v;
    do
        v = bm_sim_rng_next(r);
    while (v > lim);
    return v % n;
}

/* --- heap ---------------------------------------------------------------- */

static bool less(const struct bm_sim_heap_ent *x, const struct bm_sim_heap_ent *y)
{
    return x->t_us < y->t_us || (x->t_us == y->t_us && x->seq < y->seq);
}

static void put_at(struct bm_sim_heap *hp, uint32_t i, const struct bm_sim_heap_ent *e)
{
    hp->a[i] = *e;
    hp->pos[e->h] = i + 1;
}

static void sift_up(struct bm_sim_heap *hp, uint32_t i)
{
    struct bm_sim_heap_ent e = hp->a[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!less(&e, &hp->a[p]))
            break;
        put_at(hp, i, &hp->a[p]);
        i = p;
    }
    put_at(hp, i, &e);
}

static void sift_down(struct bm_sim_heap *hp, uint32_t i)
{
    struct bm_sim_heap_ent e = hp->a[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= hp->n)
            break;
        if (c + 1 < hp->n && less(&hp->a[c + 1], &hp->a[c]))
            c++;
        if (!less(&hp->a[c], &e))
            break;
        put_at(hp, i, &hp->a[c]);
        i = c;
    }
    put_at(hp, i, &e);
}

int bm_sim_heap_reserve(struct bm_sim_heap *hp, uint32_t handles)
{
    if (handles <= hp->handles)
        return 0;
    struct bm_sim_heap_ent *a = realloc(hp->a, (size_t)handles * sizeof(*a));
    if (!a)
        return BM_ENOSPC;
    hp->a = a;
    uint32_t *pos = realloc(hp->pos, (size_t)handles * sizeof(*pos));
    if (!pos)
        return BM_ENOSPC;
    memset(pos + hp->handles, 0, (size_t)(handles - hp->handles) * sizeof(*pos));
    hp->pos = pos;
    hp->handles = handles;
    return 0;
}

void bm_sim_heap_set(struct bm_sim_heap *hp, uint32_t h, uint64_t t_us, uint64_t seq)
{
    struct bm_sim_heap_ent e = {t_us, seq, h};
    uint32_t i;
    if (hp->pos[h]) {
        i = hp->pos[h] - 1;
        bool up = less(&e, &hp->a[i]);
        hp->a[i] = e;
        if (up)
            sift_up(hp, i);
        else
            sift_down(hp, i);
        return;
    }
    i = hp->n++;
    put_at(hp, i, &e);
    sift_up(hp, i);
}

void bm_sim_heap_del(struct bm_sim_heap *hp, uint32_t h)
{
    if (!hp->pos[h])
        return;
    uint32_t i = hp->pos[h] - 1;
    hp->pos[h] = 0;
    hp->n--;
    if (i == hp->n)
        return;
    struct bm_sim_heap_ent last = hp->a[hp->n];
    bool up = less(&last, &hp->a[i]);
    put_at(hp, i, &last);
    if (up)
        sift_up(hp, i);
    else
        sift_down(hp, i);
}

bool bm_sim_heap_queued(const struct bm_sim_heap *hp, uint32_t h)
{
    return hp->pos[h] != 0;
}

const struct bm_sim_heap_ent *bm_sim_heap_top(const struct bm_sim_heap *hp)
{
    return hp->n ? &hp->a[0] : NULL;
}

void bm_sim_heap_free(struct bm_sim_heap *hp)
{
    free(hp->a);
    free(hp->pos);
    memset(hp, 0, sizeof(*hp));
}
