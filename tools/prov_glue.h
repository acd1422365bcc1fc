/* What `blemesh prov` needs from a node that the public API does not offer
 * yet. A provisioner that lives in short processes must rebuild its role
 * from its network database at every start, and read the device key of a
 * node it just provisioned to write it to that database; the public
 * provisioner.h only creates a network once and never hands out device
 * keys. These helpers reach into the node's internals (src/node/node.h)
 * and are the one place in tools/ that does: each maps to a core function
 * that should replace it (see the comment of each).
 *
 * Every function returns 0 or a negative BM_E* code. */
#ifndef BM_PROV_GLUE_H
#define BM_PROV_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"

/* Makes an initialized node the provisioner of the network it is
 * provisioned on (restored from its store), or first gives it that network
 * (net_key, net_idx, iv_index, own address and device key from the
 * database) when its store was lost. Provisioned devices get addresses
 * from next_addr on. Core: bm_prov_restore_network(). */
int bm_glue_prov_restore(struct bm_node *node, const uint8_t net_key[16], uint16_t net_idx,
                         uint32_t iv_index, uint16_t own_addr, const uint8_t dev_key[16],
                         uint32_t seq_floor, uint16_t next_addr);

/* Sets where the next provisioned device's addresses start. Core: a
 * field of struct bm_provision_opts. */
int bm_glue_prov_set_next_addr(struct bm_node *node, uint16_t next_addr);

/* Enters a node of the network database (its device key, for the
 * Configuration Client). BM_ENOSPC when the table is full. Core:
 * bm_prov_node_add(). */
int bm_glue_prov_node_add(struct bm_node *node, const uint8_t uuid[16], uint16_t addr,
                          uint8_t elements, const uint8_t dev_key[16]);
/* Forgets a node (after Config Node Reset). Core: bm_prov_node_del(). */
int bm_glue_prov_node_del(struct bm_node *node, uint16_t addr);

/* Copies the device key of the node at addr (ours or a provisioned
 * device's). BM_ENOENT if unknown. Core: bm_prov_node_dev_key(). */
int bm_glue_dev_key(const struct bm_node *node, uint16_t addr, uint8_t key[16]);

/* The sequence number the node will send with next (for the database's
 * record of it). */
uint32_t bm_glue_seq(const struct bm_node *node);

/* Gives the node an AppKey for its own clients and binds it to model.
 * An index already there with the same key is fine. Core: a local
 * configuration API (bm_app_key_add / bm_model_bind). */
int bm_glue_local_app_key(struct bm_node *node, uint16_t net_idx, uint16_t app_idx,
                          const uint8_t key[16], struct bm_model *model);

/* Sends a Generic OnOff Get (level false) or Generic Level Get (level
 * true) from a client model, acknowledged like a Set: the Status or the
 * timeout reaches the model's callback. Core: bm_model_get_state(). */
int bm_glue_generic_get(struct bm_node *node, struct bm_model *client, bool level, uint16_t dst,
                        uint16_t app_idx);

#endif
