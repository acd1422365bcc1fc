/* A provisioning link under fuzz and an honest peer link of the other
 * role (both the real prov_link.c), joined by queues the fuzz input
 * controls: it delivers, drops, mutates and reorders what each side sends,
 * injects raw PB-ADV PDUs, wraps arbitrary Provisioning PDUs into valid
 * transactions for the current link, acknowledges, opens and closes
 * links, moves time and enters the OOB value. Because the peer is real,
 * inputs reach every state of the protocol (ECDH, confirmation, data)
 * instead of stopping at the first MIC. */
#ifndef BM_FUZZ_PROV_PAIR_H
#define BM_FUZZ_PROV_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "prov/prov_link.h"

/* Runs one input with the link under test in role `role`. */
void fz_prov_pair_run(enum bm_prov_role role, const uint8_t *data, size_t size);

#endif
