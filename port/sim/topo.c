/* Topology: explicit links and 2-D positions with a radio range, turned into
 * one neighbour list per node (compressed rows: nbr_start/nbr).
 *
 * Lists are rebuilt lazily, once after any change, at the start of the next
 * advertising event, so a transmission costs O(its neighbours), never O(n).
 * Positions go through a uniform grid of cells at least range_m wide: a
 * node's neighbours lie in its own and the 8 surrounding cells, so building
 * costs O(n + pairs examined), not O(n^2). The grid is capped at about 4
 * cells per positioned node (cells widen when the nodes are sparse).
 *
 * Invariants: no list holds its own node; each (from, to) appears at most
 * once; an explicit link wins over a position-derived one, and the latest
 * link call for a direction wins over earlier ones. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

/* A neighbour before deduplication. prio: 0 from positions, 1 + edge index
 * for links, so sorting by descending prio puts the winner first. */
struct cand {
    uint32_t from, to;
    uint64_t prio;
    uint64_t thresh;
    int8_t rssi;
};

struct cands {
    struct cand *v;
    size_t n, cap;
};

static int cand_add(struct cands *c, const struct cand *x)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct cand *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return BM_ENOSPC;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *x;
    return 0;
}

static int cmp_cand(const void *pa, const void *pb)
{
    const struct cand *a = pa, *b = pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    if (a->prio != b->prio)
        return a->prio > b->prio ? -1 : 1;
    return 0;
}

/* Free-space path loss from 0 dBm at 1 m (exponent 2), as dBm. */
static int8_t rssi_at(double d)
{
    double v = -40.0 - 20.0 * log10(d < 1.0 ? 1.0 : d);
    if (v < -127.0)
        v = -127.0;
    return (int8_t)lround(v);
}

static int add_grid_pairs(struct bm_sim *sim, struct cands *c)
{
    uint32_t np = 0;
    double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    for (uint32_t i = 0; i < sim->n_nodes; i++) {
        const struct bm_sim_node *n = sim->nodes[i];
        if (!n->has_pos)
            continue;
        if (!np || n->x < x0)
            x0 = n->x;
        if (!np || n->x > x1)
            x1 = n->x;
        if (!np || n->y < y0)
            y0 = n->y;
        if (!np || n->y > y1)
            y1 = n->y;
        np++;
    }
    if (np < 2 || !(sim->range_m > 0))
        return 0;
    double cell = sim->range_m;
    uint64_t gx, gy;
    for (;;) {
        double fx = (x1 - x0) / cell, fy = (y1 - y0) / cell;
        if (fx < 4.0 * np + 64 && fy < 4.0 * np + 64) {
            gx = (uint64_t)fx + 1;
            gy = (uint64_t)fy + 1;
            if (gx * gy <= 4ull * np + 64)
                break;
        }
        cell *= 2;
    }
    size_t ncell = (size_t)(gx * gy);
    uint32_t *start = calloc(ncell + 1, sizeof(*start));
    uint32_t *order = malloc((size_t)np * sizeof(*order));
    uint32_t *cellof = malloc((size_t)sim->n_nodes * sizeof(*cellof));
    int rc = BM_ENOSPC;
    if (!start || !order || !cellof)
        goto out;
    for (uint32_t i = 0; i < sim->n_nodes; i++) {
        const struct bm_sim_node *n = sim->nodes[i];
        if (!n->has_pos)
            continue;
        uint64_t cx = (uint64_t)((n->x - x0) / cell), cy = (uint64_t)((n->y - y0) / cell);
        cx = cx < gx ? cx : gx - 1;
        cy = cy < gy ? cy : gy - 1;
        cellof[i] = (uint32_t)(cy * gx + cx);
        start[cellof[i] + 1]++;
    }
    for (size_t k = 0; k < ncell; k++)
        start[k + 1] += start[k];
    /* Counting sort, stable: nodes of a cell stay in id order. */
    {
        /* ncell >= 1 (gx, gy >= 1); the analyzer cannot see it through the loop above.
         * NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
        uint32_t *fill = malloc(ncell * sizeof(*fill));
        if (!fill)
            goto out;
        memcpy(fill, start, ncell * sizeof(*fill));
        for (uint32_t i = 0; i < sim->n_nodes; i++)
            if (sim->nodes[i]->has_pos)
                order[fill[cellof[i]]++] = i;
        free(fill);
    }
    double r2 = sim->range_m * sim->range_m;
    for (uint32_t i = 0; i < sim->n_nodes; i++) {
        const struct bm_sim_node *a = sim->nodes[i];
        if (!a->has_pos)
            continue;
        int64_t cx = (int64_t)(cellof[i] % gx), cy = (int64_t)(cellof[i] / gx);
        for (int64_t yy = cy - 1; yy <= cy + 1; yy++) {
            for (int64_t xx = cx - 1; xx <= cx + 1; xx++) {
                if (xx < 0 || yy < 0 || xx >= (int64_t)gx || yy >= (int64_t)gy)
                    continue;
                size_t k = (size_t)yy * gx + (size_t)xx;
                for (uint32_t j = start[k]; j < start[k + 1]; j++) {
                    uint32_t o = order[j];
                    if (o == i)
                        continue;
                    const struct bm_sim_node *b = sim->nodes[o];
                    double dx = a->x - b->x, dy = a->y - b->y, d2 = dx * dx + dy * dy;
                    if (d2 > r2)
                        continue;
                    struct cand x = {i, o, 0, sim->range_thresh, rssi_at(sqrt(d2))};
                    if (cand_add(c, &x))
                        goto out;
                }
            }
        }
    }
    rc = 0;
out:
    free(start);
    free(order);
    free(cellof);
    return rc;
}

int bm_sim_topo_build(struct bm_sim *sim)
{
    if (!sim->topo_dirty)
        return 0;
    struct cands c = {0};
    int rc = add_grid_pairs(sim, &c);
    for (size_t i = 0; !rc && i < sim->n_edges; i++) {
        const struct bm_sim_edge *e = &sim->edges[i];
        struct cand x = {e->from, e->to, 1 + (uint64_t)i, e->thresh, e->rssi};
        rc = cand_add(&c, &x);
    }
    uint32_t *start = NULL;
    struct bm_sim_nbr *nbr = NULL;
    uint8_t *nbr_ch = NULL;
    if (!rc) {
        if (c.n)
            qsort(c.v, c.n, sizeof(*c.v), cmp_cand);
        start = calloc((size_t)sim->n_nodes + 1, sizeof(*start));
        nbr = malloc((c.n ? c.n : 1) * sizeof(*nbr));
        nbr_ch = calloc(c.n ? c.n : 1, 1);
        if (!start || !nbr || !nbr_ch)
            rc = BM_ENOSPC;
    }
    if (rc) {
        free(c.v);
        free(start);
        free(nbr);
        free(nbr_ch);
        return rc;
    }
    size_t m = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (i && c.v[i].from == c.v[i - 1].from && c.v[i].to == c.v[i - 1].to)
            continue;
        nbr[m] = (struct bm_sim_nbr){c.v[i].to, c.v[i].rssi, c.v[i].thresh};
        start[c.v[i].from + 1]++;
        m++;
    }
    for (uint32_t i = 0; i < sim->n_nodes; i++)
        start[i + 1] += start[i];
    free(c.v);
    bm_sim_topo_free(sim);
    sim->nbr_start = start;
    sim->nbr = nbr;
    sim->nbr_ch = nbr_ch;
    sim->topo_gen++;
    sim->nbr_nodes = sim->n_nodes;
    sim->topo_dirty = false;
    return 0;
}

void bm_sim_topo_free(struct bm_sim *sim)
{
    free(sim->nbr_start);
    free(sim->nbr);
    sim->nbr_start = NULL;
    sim->nbr = NULL;
    free(sim->nbr_ch);
    sim->nbr_ch = NULL;
    sim->nbr_nodes = 0;
}

/* --- the topology API ---------------------------------------------------- */

static bool valid_prob(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

int bm_sim_link_rssi(struct bm_sim *sim, uint32_t from, uint32_t to, double prob, int8_t rssi)
{
    if (!sim || from >= sim->n_nodes || to >= sim->n_nodes || from == to || !valid_prob(prob))
        return BM_EINVAL;
    if (sim->n_edges == sim->cap_edges) {
        size_t cap = sim->cap_edges ? sim->cap_edges * 2 : 64;
        struct bm_sim_edge *v = realloc(sim->edges, cap * sizeof(*v));
        if (!v)
            return BM_ENOSPC;
        sim->edges = v;
        sim->cap_edges = cap;
    }
    sim->edges[sim->n_edges++] = (struct bm_sim_edge){from, to, bm_sim_thresh(prob), rssi};
    sim->topo_dirty = true;
    return 0;
}

int bm_sim_link_directed(struct bm_sim *sim, uint32_t from, uint32_t to, double prob)
{
    return bm_sim_link_rssi(sim, from, to, prob, BM_SIM_LINK_RSSI_DEFAULT);
}

int bm_sim_link(struct bm_sim *sim, uint32_t a, uint32_t b, double prob)
{
    int rc = bm_sim_link_directed(sim, a, b, prob);
    return rc ? rc : bm_sim_link_directed(sim, b, a, prob);
}

int bm_sim_unlink(struct bm_sim *sim, uint32_t a, uint32_t b)
{
    if (!sim || a >= sim->n_nodes || b >= sim->n_nodes)
        return BM_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < sim->n_edges; i++) {
        const struct bm_sim_edge *e = &sim->edges[i];
        if ((e->from == a && e->to == b) || (e->from == b && e->to == a))
            continue;
        sim->edges[m++] = *e;
    }
    sim->n_edges = m;
    sim->topo_dirty = true;
    return 0;
}

int bm_sim_set_position(struct bm_sim *sim, uint32_t id, double x, double y)
{
    if (!sim || id >= sim->n_nodes || !isfinite(x) || !isfinite(y))
        return BM_EINVAL;
    struct bm_sim_node *n = sim->nodes[id];
    n->has_pos = true;
    n->x = x;
    n->y = y;
    sim->topo_dirty = true;
    return 0;
}

int bm_sim_set_range(struct bm_sim *sim, double range_m, double prob)
{
    if (!sim || !(range_m >= 0.0) || !isfinite(range_m) || !valid_prob(prob))
        return BM_EINVAL;
    sim->range_m = range_m;
    sim->range_thresh = bm_sim_thresh(prob);
    sim->topo_dirty = true;
    return 0;
}
