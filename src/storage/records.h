/* What a node persists, as records by 16-bit key through the platform's
 * store hooks, and the encodings of those records. Each record is written
 * whole (the port makes a put atomic), so a crash leaves the old or the new
 * value. Keys are stable across versions: never renumber. */
#ifndef BM_RECORDS_H
#define BM_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct bm_node;

#define BM_REC_UUID 0x0001 /* device UUID, 16 octets */
#define BM_REC_PROV 0x0002 /* provisioning data, see node_prov.c */
#define BM_REC_SEQ 0x0003  /* sequence number reservation mark */

/* Wrappers over the platform hooks: without storage, put succeeds and
 * keeps nothing, get reports BM_ENOENT. */
int bm_store_put(struct bm_node *node, uint16_t key, const void *data, size_t len);
int bm_store_get(struct bm_node *node, uint16_t key, void *data, size_t size, size_t *len);
int bm_store_del(struct bm_node *node, uint16_t key);

#endif
