/* Whole nodes for the node-level fuzz targets: a provisioned node with
 * the sample keys (address 0x1201, NetKey index 0, AppKey index 0x123,
 * the sample device key, IV index 0x12345678, relay on, two elements, an
 * echo vendor model and whatever SIG models exist, bound to the AppKey,
 * subscribed to group 0xC001 and a virtual address), and an unprovisioned
 * device with the sample UUID accepting PB-ADV links. Each is built once,
 * snapshotted, and restored before every input (so inputs are
 * independent and reproducible): the node keeps pointers only to itself
 * and to its fz_plat, both at fixed addresses. */
#ifndef BM_FUZZ_NODE_FIXTURE_H
#define BM_FUZZ_NODE_FIXTURE_H

#include "fuzz_common.h"
#include "node/node.h"

#define FZ_GROUP 0xc001
#define FZ_ECHO_OP 0xc10a00 /* vendor opcode, company 0x000a */
extern const uint8_t fz_label[16];
extern const uint8_t fz_uuid[16]; /* sample device UUID (Mesh Profile 8.7) */

struct fz_node {
    struct bm_platform plat;
    struct fz_plat st;
    struct bm_node *node;
    void *snap;
    struct fz_plat snap_st;
    uint16_t va; /* the virtual address of fz_label */
};

void fz_node_setup_provisioned(struct fz_node *n, uint16_t addr);
/* The same with the primary element's features (BM_RELAY, BM_FRIEND,
 * BM_LOW_POWER...) chosen by the caller. */
void fz_node_setup_provisioned_features(struct fz_node *n, uint16_t addr, uint8_t features);
void fz_node_setup_unprov(struct fz_node *n);
void fz_node_snapshot(struct fz_node *n);
void fz_node_restore(struct fz_node *n);
/* Advances the fake clock by ms, running every timer that falls due. */
void fz_node_advance(struct fz_node *n, uint64_t ms);

#endif
