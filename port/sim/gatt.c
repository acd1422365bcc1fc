/* GATT connections in the simulated air (docs/sim.md "GATT"): a model of
 * an LE connection good enough for the mesh GATT bearer. A connection
 * links a central and a peripheral; each side's values (one ATT Write
 * Without Response or Notification each) arrive reliably and in order at
 * the connection events, every BM_SIM_GATT_INTERVAL_MS from the
 * connection's start, at most BM_SIM_GATT_PDUS_PER_EVENT per direction per
 * event. Connection, data and disconnection are events in a queue of their
 * own, ordered by (time, seq) with the same sequence counter as the heap,
 * so runs stay deterministic.
 *
 * Invariants: a connection's delivery times never decrease per direction
 * (in-order delivery); after a disconnect is requested nothing more is
 * queued on it, and what was queued before arrives first. Host only: the
 * queue and the connection table come from malloc. */
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

struct gconn {
    uint16_t handle; /* 0: free slot */
    uint32_t central, peripheral;
    uint16_t mtu;
    bool up;      /* connected event ran */
    bool closing; /* disconnect requested: no more sends */
    uint64_t start_us;
    uint64_t last_us[2];  /* [0] to the peripheral, [1] to the central */
    uint8_t in_event[2];  /* values already in the event at last_us */
    uint64_t sent[2];     /* [0] by the central, [1] by the peripheral */
};

enum gevt_kind { EV_CONNECTED, EV_DATA, EV_DISCONNECTED };

struct gevt {
    uint64_t t_us, seq;
    uint8_t kind;
    uint16_t handle;
    uint32_t to; /* EV_DATA: the receiving node */
    uint16_t len;
    uint8_t *data;
};

struct bm_sim_gatt {
    struct gconn *conns;
    size_t n_conns;
    uint16_t next_handle;
    struct gevt *q; /* sorted by (t_us, seq), earliest last */
    size_t n_q, cap_q;
};

static struct bm_sim_gatt *ctx_of(struct bm_sim *sim)
{
    if (!sim->gatt)
        sim->gatt = calloc(1, sizeof(*sim->gatt));
    return sim->gatt;
}

void bm_sim_gatt_free(struct bm_sim *sim)
{
    struct bm_sim_gatt *g = sim->gatt;
    if (!g)
        return;
    for (size_t i = 0; i < g->n_q; i++)
        free(g->q[i].data);
    free(g->q);
    free(g->conns);
    free(g);
    sim->gatt = NULL;
}

static struct gconn *find(const struct bm_sim *sim, uint16_t handle)
{
    const struct bm_sim_gatt *g = sim->gatt;
    if (!g || handle == 0)
        return NULL;
    for (size_t i = 0; i < g->n_conns; i++)
        if (g->conns[i].handle == handle)
            return &g->conns[i];
    return NULL;
}

static int push(struct bm_sim *sim, const struct gevt *e)
{
    struct bm_sim_gatt *g = sim->gatt;
    if (g->n_q == g->cap_q) {
        size_t cap = g->cap_q ? g->cap_q * 2 : 32;
        struct gevt *q = realloc(g->q, cap * sizeof(*q));
        if (!q)
            return BM_ENOSPC;
        g->q = q;
        g->cap_q = cap;
    }
    struct gevt ev = *e;
    ev.seq = ++sim->seq;
    /* keep the earliest at the end: pending events are few */
    size_t i = g->n_q;
    while (i > 0 && (g->q[i - 1].t_us < ev.t_us ||
                     (g->q[i - 1].t_us == ev.t_us && g->q[i - 1].seq < ev.seq))) {
        g->q[i] = g->q[i - 1];
        i--;
    }
    g->q[i] = ev;
    g->n_q++;
    return 0;
}

bool bm_sim_gatt_next(const struct bm_sim *sim, uint64_t *t_us, uint64_t *seq)
{
    const struct bm_sim_gatt *g = sim->gatt;
    if (!g || g->n_q == 0)
        return false;
    *t_us = g->q[g->n_q - 1].t_us;
    *seq = g->q[g->n_q - 1].seq;
    return true;
}

/* The connection event a value sent now in direction dir goes out at. */
static uint64_t slot_time(struct bm_sim *sim, struct gconn *c, int dir)
{
    uint64_t iv = (uint64_t)BM_SIM_GATT_INTERVAL_MS * 1000;
    uint64_t now = sim->now_us;
    uint64_t k = now < c->start_us ? 1 : (now - c->start_us) / iv + 1;
    uint64_t t = c->start_us + k * iv;
    if (t < c->last_us[dir])
        t = c->last_us[dir];
    if (t == c->last_us[dir]) {
        if (c->in_event[dir] >= BM_SIM_GATT_PDUS_PER_EVENT) {
            t += iv;
            c->in_event[dir] = 0;
        }
    } else {
        c->in_event[dir] = 0;
    }
    c->last_us[dir] = t;
    c->in_event[dir]++;
    return t;
}

static bool in_range(struct bm_sim *sim, uint32_t a, uint32_t b)
{
    if (bm_sim_topo_build(sim) != 0 || a >= sim->nbr_nodes || b >= sim->nbr_nodes)
        return false;
    for (uint32_t k = 0; k < 2; k++) {
        uint32_t from = k ? b : a, to = k ? a : b;
        for (uint32_t i = sim->nbr_start[from]; i < sim->nbr_start[from + 1]; i++)
            if (sim->nbr[i].to == to && sim->nbr[i].thresh > 0)
                return true;
    }
    return false;
}

int bm_sim_gatt_connect(struct bm_sim *sim, uint32_t central, uint32_t peripheral, uint16_t mtu,
                        uint16_t *conn)
{
    if (!sim || central >= sim->n_nodes || peripheral >= sim->n_nodes || central == peripheral ||
        mtu < 23 || mtu > 517 || !conn)
        return BM_EINVAL;
    if (!sim->nodes[peripheral]->gatt_adv_len)
        return BM_ESTATE;
    if (!in_range(sim, central, peripheral))
        return BM_ENOENT;
    struct bm_sim_gatt *g = ctx_of(sim);
    if (!g)
        return BM_ENOSPC;
    struct gconn *c = NULL;
    for (size_t i = 0; i < g->n_conns && !c; i++)
        if (g->conns[i].handle == 0)
            c = &g->conns[i];
    if (!c) {
        struct gconn *t = realloc(g->conns, (g->n_conns + 1) * sizeof(*t));
        if (!t)
            return BM_ENOSPC;
        g->conns = t;
        c = &g->conns[g->n_conns++];
    }
    memset(c, 0, sizeof(*c));
    if (++g->next_handle == 0)
        g->next_handle = 1;
    c->handle = g->next_handle;
    c->central = central;
    c->peripheral = peripheral;
    c->mtu = mtu;
    c->start_us = sim->now_us + (uint64_t)BM_SIM_GATT_INTERVAL_MS * 1000;
    c->last_us[0] = c->last_us[1] = c->start_us;
    struct gevt e = {.t_us = c->start_us, .kind = EV_CONNECTED, .handle = c->handle};
    if (push(sim, &e) != 0) {
        c->handle = 0;
        return BM_ENOSPC;
    }
    *conn = c->handle;
    return 0;
}

static int request_disconnect(struct bm_sim *sim, struct gconn *c)
{
    if (c->closing)
        return 0;
    c->closing = true;
    /* after everything queued on it, and at least one event from now */
    uint64_t t = sim->now_us + (uint64_t)BM_SIM_GATT_INTERVAL_MS * 1000;
    for (int d = 0; d < 2; d++)
        if (c->last_us[d] > t)
            t = c->last_us[d];
    struct gevt e = {.t_us = t, .kind = EV_DISCONNECTED, .handle = c->handle};
    return push(sim, &e);
}

int bm_sim_gatt_disconnect(struct bm_sim *sim, uint16_t conn)
{
    struct gconn *c = sim ? find(sim, conn) : NULL;
    if (!c)
        return BM_EINVAL;
    return request_disconnect(sim, c);
}

bool bm_sim_gatt_is_up(const struct bm_sim *sim, uint16_t conn)
{
    const struct gconn *c = find(sim, conn);
    return c && c->up && !c->closing;
}

int bm_sim_gatt_counts(const struct bm_sim *sim, uint16_t conn, uint64_t *from_central,
                       uint64_t *from_peripheral)
{
    const struct gconn *c = find(sim, conn);
    if (!c)
        return BM_EINVAL;
    if (from_central)
        *from_central = c->sent[0];
    if (from_peripheral)
        *from_peripheral = c->sent[1];
    return 0;
}

int bm_sim_gatt_adv_data(struct bm_sim *sim, uint32_t id, uint8_t *buf, size_t size,
                         size_t *len)
{
    if (!sim || id >= sim->n_nodes || !buf || !len)
        return BM_EINVAL;
    const struct bm_sim_node *n = sim->nodes[id];
    if (!n->gatt_adv_len)
        return BM_ENOENT;
    if (size < n->gatt_adv_len)
        return BM_EINVAL;
    memcpy(buf, n->gatt_adv, n->gatt_adv_len);
    *len = n->gatt_adv_len;
    return 0;
}

/* --- the hooks a node's platform gets --- */

int bm_sim_gatt_adv(void *ctx, const uint8_t *adv_data, size_t len)
{
    struct bm_sim_node *n = ctx;
    if (len > BM_ADV_MAX_LEN || (len && !adv_data))
        return BM_EINVAL;
    if (len)
        memcpy(n->gatt_adv, adv_data, len);
    n->gatt_adv_len = (uint8_t)len;
    return 0;
}

int bm_sim_gatt_send(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
    struct bm_sim_node *n = ctx;
    struct bm_sim *sim = n->sim;
    struct gconn *c = find(sim, conn);
    if (!c || (n->id != c->central && n->id != c->peripheral) || !pdu || len < 1 ||
        len > (size_t)c->mtu - 3)
        return BM_EINVAL;
    if (!c->up || c->closing)
        return BM_ESTATE;
    int dir = n->id == c->central ? 0 : 1;
    uint8_t *copy = malloc(len);
    if (!copy)
        return BM_ENOSPC;
    memcpy(copy, pdu, len);
    struct gevt e = {.t_us = slot_time(sim, c, dir),
                     .kind = EV_DATA,
                     .handle = c->handle,
                     .to = dir == 0 ? c->peripheral : c->central,
                     .len = (uint16_t)len,
                     .data = copy};
    if (push(sim, &e) != 0) {
        free(copy);
        return BM_ENOSPC;
    }
    c->sent[dir]++;
    return 0;
}

int bm_sim_gatt_disconnect_hook(void *ctx, uint16_t conn)
{
    struct bm_sim_node *n = ctx;
    struct gconn *c = find(n->sim, conn);
    if (!c || (n->id != c->central && n->id != c->peripheral))
        return BM_EINVAL;
    return request_disconnect(n->sim, c);
}

void bm_sim_gatt_node_reset(struct bm_sim *sim, struct bm_sim_node *n)
{
    n->gatt_adv_len = 0;
    struct bm_sim_gatt *g = sim->gatt;
    for (size_t i = 0; g && i < g->n_conns; i++) {
        struct gconn *c = &g->conns[i];
        if (c->handle && (c->central == n->id || c->peripheral == n->id))
            request_disconnect(sim, c);
    }
}

/* --- running events --- */

static void deliver_connected(struct bm_sim *sim, struct gconn *c)
{
    if (c->closing)
        return; /* ended before it came up: nobody hears of it */
    c->up = true;
    uint32_t ids[2] = {c->peripheral, c->central};
    for (int k = 0; k < 2; k++) {
        struct bm_sim_node *n = sim->nodes[ids[k]];
        if (c->closing)
            return;
        if (n->ops.gatt_connected)
            n->ops.gatt_connected(n->user, c->handle, c->mtu, k == 1);
        bm_sim_call_process(sim, n);
    }
}

static void deliver_disconnected(struct bm_sim *sim, struct gconn *c)
{
    bool was_up = c->up;
    uint16_t h = c->handle;
    uint32_t ids[2] = {c->peripheral, c->central};
    c->handle = 0; /* the slot is free before anyone reacts */
    if (!was_up)
        return;
    for (int k = 0; k < 2; k++) {
        struct bm_sim_node *n = sim->nodes[ids[k]];
        if (n->ops.gatt_disconnected)
            n->ops.gatt_disconnected(n->user, h);
        bm_sim_call_process(sim, n);
    }
}

void bm_sim_gatt_run_one(struct bm_sim *sim)
{
    struct bm_sim_gatt *g = sim->gatt;
    struct gevt e = g->q[--g->n_q];
    struct gconn *c = find(sim, e.handle);
    if (c) {
        if (e.kind == EV_CONNECTED) {
            deliver_connected(sim, c);
        } else if (e.kind == EV_DISCONNECTED) {
            deliver_disconnected(sim, c);
        } else if (c->up) {
            struct bm_sim_node *n = sim->nodes[e.to];
            if (n->ops.gatt_rx)
                n->ops.gatt_rx(n->user, e.handle, e.data, e.len);
            bm_sim_call_process(sim, n);
        }
    }
    free(e.data);
}
