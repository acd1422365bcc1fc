/* Test glue between the simulated air and blemesh nodes (see mesh_sim.h). */
#include "mesh_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The node's own drop counters feed the simulator's per-node counters. */
static void glue_rx(void *user, const uint8_t *adv, size_t len, int8_t rssi)
{
    struct test_node *n = user;
    struct bm_node_stats before, after;
    bm_node_get_stats(n->node, &before);
    bm_node_rx_adv(n->node, adv, len, rssi);
    bm_node_get_stats(n->node, &after);
    struct bm_sim_stats *st = bm_sim_stats(n->sim, n->id);
    st->dropped_cache += after.cache_dropped - before.cache_dropped;
    st->dropped_replay += after.replay_dropped - before.replay_dropped;
}

static uint64_t glue_process(void *user, uint64_t now_ms)
{
    struct test_node *n = user;
    return bm_node_process(n->node, now_ms);
}

static const struct bm_sim_node_ops glue_ops = {.rx = glue_rx, .process = glue_process};

struct test_node *mesh_sim_add(struct bm_sim *sim)
{
    struct test_node *n = calloc(1, sizeof(*n));
    n->sim = sim;
    if (bm_sim_add_node(sim, &glue_ops, n, &n->id) != BM_OK) {
        free(n);
        return NULL;
    }
    size_t size = bm_node_size();
    void *mem = malloc(size); /* malloc aligns for max_align_t */
    n->node = bm_node_create(mem, size, bm_sim_platform(sim, n->id));
    return n;
}

void mesh_sim_free(struct test_node *n)
{
    if (!n)
        return;
    bm_node_destroy(n->node);
    free(n->node);
    free(n);
}

static void device_prov_cb(void *user, const struct bm_prov_info *info)
{
    struct test_node *n = user;
    switch (info->event) {
    case BM_PROV_EVT_OUTPUT_OOB:
        if (info->oob_string)
            snprintf(n->shown, sizeof(n->shown), "%s", info->oob_string);
        else
            snprintf(n->shown, sizeof(n->shown), "%u", (unsigned)info->oob_number);
        n->shown_count++;
        break;
    case BM_PROV_EVT_COMPLETE:
        n->complete++;
        break;
    case BM_PROV_EVT_FAILED:
        n->failed++;
        n->fail_reason = info->reason;
        break;
    case BM_PROV_EVT_RESET:
        break;
    }
}

int mesh_sim_device(struct test_node *n, const char *name, uint8_t auth)
{
    int rc = bm_init(n->node, name, auth);
    if (rc == BM_OK)
        rc = bm_create_element(n->node, true, BM_RELAY, true, 7, NULL);
    if (rc == BM_OK)
        rc = bm_set_node_prov(n->node, BM_PROV_ADV, device_prov_cb, n);
    return rc;
}
