/* The radio model: the bearer queue behind adv_send, advertising events on
 * the three advertising channels, and delivery to neighbours with loss and
 * (optionally) collisions. docs/sim.md describes the model and its numbers.
 *
 * An advertising event (Core 6.B.4.4.2.2) starts interval_ms + advDelay
 * after the previous one of the same advertisement (advDelay uniform in
 * 0..adv_delay_max_us, also before the first) and puts one PDU on channel
 * 37, 38 and 39 in turn, each airtime(len) long, ch_gap_us apart. A scanner
 * listens to one channel at a time, moving on every scan interval; it
 * hears an event on the channel it listens to when the event starts, so
 * each neighbour gets exactly one chance per event.
 *
 * The bearer queue is first in, first out, as a legacy advertiser's is: an
 * advertisement starts its events only when the one queued before it has
 * finished all of its own (so a node's messages leave in the order it sent
 * them, which the receivers' replay protection relies on).
 *
 * Invariants: a slot is active from adv_send until its last event ends and
 * its heap handle is queued exactly while it is active; a node's radio runs
 * one advertising event at a time (an event due while another runs waits
 * for it: tx_until_us); a receiver is locked on at most one PDU (rx_serial,
 * until rx_end_us), the one that ends last among those it heard overlap,
 * which is enough to mark every overlapping PDU corrupted (see pdu_start);
 * neighbour lists are rebuilt only at the start of an event, never while a
 * delivery loop walks them. */
#include <string.h>

#include "blemesh/errors.h"
#include "sim_int.h"

/* Mesh Profile 4.2.19/4.2.20: Network Transmit and Relay Retransmit allow
 * 1..8 transmissions, 10..320 ms apart. */
#define XMIT_COUNT_MAX 8
#define XMIT_INTERVAL_MAX_MS 320
#define CHANNELS 3

uint32_t bm_sim_airtime_us(size_t len)
{
    return (uint32_t)((BM_SIM_PDU_OVERHEAD_OCTETS + len) * BM_SIM_US_PER_OCTET);
}

static uint32_t slot_handle(const struct bm_sim *sim, const struct bm_sim_node *n,
                            uint32_t slot)
{
    return bm_sim_wake_handle(sim, n->id) + 1 + slot;
}

static uint64_t draw_delay(struct bm_sim *sim)
{
    if (!sim->cfg.adv_delay_max_us)
        return 0;
    return bm_sim_rng_below(&sim->air, (uint64_t)sim->cfg.adv_delay_max_us + 1);
}

/* The channel (0..2 for 37..39) node r scans at time t_us. */
static unsigned scan_ch(const struct bm_sim *sim, const struct bm_sim_node *r, uint64_t t_us)
{
    uint64_t scan_us = (uint64_t)sim->cfg.scan_interval_ms * 1000;
    return (unsigned)(((t_us + r->scan_off_us) / scan_us) % CHANNELS);
}

/* The radio carries advertising data as it is: it does not parse the AD
 * structures (a controller does not either). */
int bm_sim_adv_send(void *ctx, const uint8_t *adv_data, size_t len,
                    const struct bm_adv_xmit *xmit)
{
    struct bm_sim_node *n = ctx;
    struct bm_sim *sim = n->sim;
    if (!adv_data || len < 1 || len > BM_ADV_MAX_LEN || !xmit || xmit->count < 1 ||
        xmit->count > XMIT_COUNT_MAX || xmit->interval_ms > XMIT_INTERVAL_MAX_MS) {
        n->stats.rejected++;
        return BM_EINVAL;
    }
    uint32_t i;
    bool busy = false;
    for (uint32_t k = 0; k < sim->cfg.queue_len; k++)
        busy = busy || n->slots[k].active;
    for (i = 0; i < sim->cfg.queue_len && n->slots[i].active; i++)
        ;
    if (i == sim->cfg.queue_len) {
        n->stats.rejected++;
        return BM_ENOSPC;
    }
    struct bm_sim_slot *s = &n->slots[i];
    memset(s, 0, sizeof(*s));
    s->active = true;
    s->len = (uint8_t)len;
    memcpy(s->data, adv_data, len);
    s->remaining = xmit->count;
    s->interval_ms = xmit->interval_ms;
    s->order = ++n->slot_order;
    n->stats.queued++;
    if (busy) {
        s->waiting = true; /* starts when the ones before it are done */
        return 0;
    }
    s->t_event_us = sim->now_us + draw_delay(sim);
    bm_sim_schedule(sim, slot_handle(sim, n, i), s->t_event_us);
    return 0;
}

void bm_sim_slots_clear(struct bm_sim *sim, struct bm_sim_node *n)
{
    for (uint32_t i = 0; i < sim->cfg.queue_len; i++) {
        n->slots[i].active = false;
        bm_sim_heap_del(&sim->heap, slot_handle(sim, n, i));
    }
}

/* The neighbours of n as [*begin, *end) of sim->nbr, with the channel each
 * listens on for n's current event in sim->nbr_ch (filled once per event,
 * or again if the lists were rebuilt during it). */
static void nbr_row(struct bm_sim *sim, struct bm_sim_node *n, const struct bm_sim_slot *s,
                    uint32_t *begin, uint32_t *end)
{
    *begin = *end = 0;
    if (!sim->nbr_start || n->id >= sim->nbr_nodes)
        return;
    *begin = sim->nbr_start[n->id];
    *end = sim->nbr_start[n->id + 1];
    if (n->ch_serial == s->serial && n->ch_gen == sim->topo_gen)
        return;
    for (uint32_t k = *begin; k < *end; k++)
        sim->nbr_ch[k] = (uint8_t)scan_ch(sim, sim->nodes[sim->nbr[k].to], s->t_event_us);
    n->ch_serial = s->serial;
    n->ch_gen = sim->topo_gen;
}

/* A PDU of slot s starts on channel ch now. With collisions on (reg), every
 * neighbour scanning ch registers it. A receiver that is transmitting
 * (half duplex) or locked on a PDU on another channel misses it; one locked
 * on an overlapping PDU on the same channel loses both. The receiver keeps
 * the lock on whichever ends last: any earlier PDU still on the air overlaps
 * that one too, so it was already marked when the later of the two came.
 * With collisions off nothing needs the start time, and the caller folds
 * this into the PDU's end (reg false). */
static void pdu_start(struct bm_sim *sim, struct bm_sim_node *n, struct bm_sim_slot *s,
                      unsigned ch, bool reg)
{
    s->started = true;
    s->on_air = n->radio_on;
    if (!s->on_air)
        return;
    n->stats.transmissions++;
    if (!reg)
        return;
    uint64_t t0 = sim->now_us, t1 = t0 + bm_sim_airtime_us(s->len);
    uint32_t b, e;
    nbr_row(sim, n, s, &b, &e);
    for (uint32_t k = b; k < e; k++) {
        if (sim->nbr_ch[k] != ch)
            continue;
        struct bm_sim_node *r = sim->nodes[sim->nbr[k].to];
        if (!r->radio_on)
            continue;
        if (r->tx_start_us <= t0 && t0 < r->tx_until_us)
            continue;
        if (r->rx_end_us > t0) {
            if (r->rx_ch == ch) {
                r->rx_bad = true;
                if (t1 > r->rx_end_us) {
                    r->rx_serial = s->serial;
                    r->rx_end_us = t1;
                }
            }
            continue;
        }
        r->rx_serial = s->serial;
        r->rx_end_us = t1;
        r->rx_ch = (uint8_t)ch;
        r->rx_bad = false;
    }
}

/* The PDU of slot s on channel ch ends now: hand it to every neighbour that
 * listened on ch and did not lose it. The rx callbacks may queue
 * advertisements, restart nodes and store records, so the PDU is copied
 * first and the caller checks afterwards that the slot still exists. */
static void pdu_end(struct bm_sim *sim, struct bm_sim_node *n, struct bm_sim_slot *s,
                    unsigned ch, bool coll)
{
    if (!s->on_air)
        return;
    uint8_t data[BM_ADV_MAX_LEN];
    size_t len = s->len;
    uint64_t serial = s->serial;
    memcpy(data, s->data, len);
    uint32_t b, e;
    nbr_row(sim, n, s, &b, &e);
    for (uint32_t k = b; k < e; k++) {
        if (sim->nbr_ch[k] != ch)
            continue;
        const struct bm_sim_nbr *nb = &sim->nbr[k];
        struct bm_sim_node *r = sim->nodes[nb->to];
        if (!r->radio_on) {
            r->stats.missed_off++;
            continue;
        }
        if (coll && (r->rx_serial != serial || r->rx_bad)) {
            r->stats.dropped_collision++;
            continue;
        }
        if (nb->thresh <= 0xffffffffull &&
            (nb->thresh == 0 || (bm_sim_rng_next(&sim->air) >> 32) >= nb->thresh)) {
            r->stats.dropped_loss++;
            continue;
        }
        r->stats.received++;
        if (r->ops.rx)
            r->ops.rx(r->user, data, len, nb->rssi);
        bm_sim_call_process(sim, r);
    }
}

/* The event of slot s is due now: a node's radio runs one event at a time,
 * so an event due while another runs starts when that one is over. Returns
 * false when it was put off. */
static bool event_start(struct bm_sim *sim, struct bm_sim_node *n, struct bm_sim_slot *s,
                        uint32_t h)
{
    uint64_t now = sim->now_us;
    if (n->tx_until_us > now) {
        s->t_event_us = n->tx_until_us + sim->cfg.ch_gap_us;
        bm_sim_schedule(sim, h, s->t_event_us);
        return false;
    }
    bm_sim_topo_build(sim);
    uint32_t air = bm_sim_airtime_us(s->len);
    s->t_event_us = now;
    s->serial = ++sim->serial;
    n->stats.sent++;
    n->tx_start_us = now;
    n->tx_until_us = now + CHANNELS * (uint64_t)air + (uint64_t)(CHANNELS - 1) * sim->cfg.ch_gap_us;
    /* Half duplex: a PDU this node was receiving is lost. */
    if (sim->cfg.collisions && n->radio_on && n->rx_end_us > now)
        n->rx_bad = true;
    if (n->radio_on && sim->transcript)
        sim->transcript(sim->transcript_ctx, now, n->id, s->data, s->len);
    return true;
}

/* Starts the oldest advertisement waiting in n's queue, if any. */
static void start_next(struct bm_sim *sim, struct bm_sim_node *n)
{
    struct bm_sim_slot *next = NULL;
    uint32_t idx = 0;
    for (uint32_t k = 0; k < sim->cfg.queue_len; k++) {
        struct bm_sim_slot *w = &n->slots[k];
        if (w->active && w->waiting && (!next || w->order < next->order)) {
            next = w;
            idx = k;
        }
    }
    if (!next)
        return;
    next->waiting = false;
    next->t_event_us = sim->now_us + draw_delay(sim);
    bm_sim_schedule(sim, slot_handle(sim, n, idx), next->t_event_us);
}

static void event_finish(struct bm_sim *sim, struct bm_sim_node *n, struct bm_sim_slot *s,
                         uint32_t h)
{
    if (--s->remaining == 0) {
        s->active = false;
        bm_sim_heap_del(&sim->heap, h);
        start_next(sim, n);
        return;
    }
    s->phase = 0;
    s->t_event_us += (uint64_t)s->interval_ms * 1000 + draw_delay(sim);
    bm_sim_schedule(sim, h, s->t_event_us);
}

/* Phases of one event, the PDU on channel c from t + c * (air + gap) to
 * that + air: phase 2c is its start, 2c + 1 its end; phase 0 also starts
 * the event and phase 5 finishes it. With collisions off the starts of
 * channels 1 and 2 are not scheduled: their end runs them (3 heap
 * operations per event instead of 6). */
void bm_sim_slot_event(struct bm_sim *sim, struct bm_sim_node *n, uint32_t slot)
{
    struct bm_sim_slot *s = &n->slots[slot];
    uint32_t h = slot_handle(sim, n, slot);
    uint8_t phase = s->phase;
    uint64_t air = bm_sim_airtime_us(s->len), step = air + sim->cfg.ch_gap_us;
    unsigned ch = phase / 2;
    bool coll = sim->cfg.collisions;

    if (phase % 2 == 0) {
        if (phase == 0 && !event_start(sim, n, s, h))
            return;
        pdu_start(sim, n, s, ch, coll);
        s->phase++;
        bm_sim_schedule(sim, h, s->t_event_us + ch * step + air);
        return;
    }
    if (!s->started)
        pdu_start(sim, n, s, ch, false);
    uint64_t serial = s->serial;
    pdu_end(sim, n, s, ch, coll);
    if (!s->active || s->serial != serial)
        return; /* a callback restarted the sender */
    s->started = false;
    if (ch + 1 == CHANNELS) {
        event_finish(sim, n, s, h);
    } else if (coll) {
        s->phase++;
        bm_sim_schedule(sim, h, s->t_event_us + (ch + 1) * step);
    } else {
        s->phase += 2;
        bm_sim_schedule(sim, h, s->t_event_us + (ch + 1) * step + air);
    }
}
