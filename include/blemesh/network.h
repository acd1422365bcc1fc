/* The network-wide procedures of Mesh Profile 3.10: IV Update (3.10.5) and
 * Key Refresh (3.10.4), as a node takes part in them and as a provisioner
 * drives them. A node follows both on its own: it reads the IV Index, the
 * IV Update flag and the Key Refresh flag of every authenticated secure
 * network beacon, and the provisioner's Config NetKey Update, AppKey
 * Update and Key Refresh Phase Set. These calls let an application (a
 * provisioner, or a test) see and start them. */
#ifndef BLEMESH_NETWORK_H
#define BLEMESH_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

/* The IV index (during an update, the new one; the node still sends with
 * the one before) and whether the IV Update procedure is in progress.
 * BM_ESTATE if not provisioned. */
int bm_iv_get(const struct bm_node *node, uint32_t *iv_index, bool *in_progress);

/* Initiates the IV Update procedure: IV index + 1, In Progress, announced
 * in the node's secure network beacons; every node hearing them follows,
 * and each returns to Normal Operation (sequence numbers from 0) after the
 * minimum time In Progress. A node also initiates it by itself when its
 * sequence numbers pass half their space. Returns BM_ESTATE when not
 * provisioned, already in progress, or Normal Operation has not lasted its
 * minimum time (96 hours, Mesh Profile 3.10.5). */
int bm_iv_update_start(struct bm_node *node);

/* Test mode (Mesh Profile 3.10.5 allows it for testing): min_ms replaces
 * the 96 hours each IV Update state must last (and the 192 hours between
 * two IV Index Recoveries becomes 2 * min_ms); 0 removes the wait.
 * enable false restores the specification's durations. Not stored. */
int bm_iv_test_mode(struct bm_node *node, bool enable, uint32_t min_ms);

/* Key Refresh on the provisioner's own keys (it has no Configuration
 * Server talking to itself): the same steps as Config NetKey Update,
 * Config AppKey Update and Config Key Refresh Phase Set on a node.
 * bm_kr_net_key_update starts phase 1 with the new NetKey (BM_ENOENT for
 * an unknown index, BM_ESTATE outside phase 0, repeating the same key in
 * phase 1 is BM_OK); bm_kr_app_key_update adds an AppKey's new key in phase
 * 1; bm_kr_phase_set takes transition 2 (use the new keys) or 3 (revoke
 * the old ones, back to normal). Every step is stored. */
int bm_kr_net_key_update(struct bm_node *node, uint16_t net_idx, const uint8_t key[16]);
int bm_kr_app_key_update(struct bm_node *node, uint16_t app_idx, const uint8_t key[16]);
int bm_kr_phase_set(struct bm_node *node, uint16_t net_idx, uint8_t transition);
/* The Key Refresh phase (0..2) of a subnet; BM_ENOENT if unknown. */
int bm_kr_phase_get(const struct bm_node *node, uint16_t net_idx, uint8_t *phase);

#endif
