/* Test glue: blemesh nodes in the simulated air. Each node gets its memory
 * from the heap and its port from the simulator. */
#ifndef BM_TEST_MESH_SIM_H
#define BM_TEST_MESH_SIM_H

#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/provisioner.h"
#include "sim.h"

struct test_node {
    struct bm_node *node;
    struct bm_sim *sim;
    uint32_t id;
    /* what the device's provisioning callback saw */
    int complete;
    int failed;
    uint8_t fail_reason;
    char shown[16]; /* Output OOB value shown, as the user would type it */
    int shown_count;
};

/* Adds a node to the simulator and creates it (not yet initialized). */
struct test_node *mesh_sim_add(struct bm_sim *sim);
void mesh_sim_free(struct test_node *n);
/* The standard device set-up: init, primary element, PB-ADV. */
int mesh_sim_device(struct test_node *n, const char *name, uint8_t auth);

#endif
