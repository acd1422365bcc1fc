/* Access to the Mesh Profile sample data in ../shared/vectors (JSON, read
 * with cJSON). Any missing file or field is a test failure, never a silent
 * skip: the helpers record the failure and return an empty value. */
#ifndef BM_VECTORS_H
#define BM_VECTORS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Loads BM_VECTORS_DIR/<file>; the returned tree lives until exit. */
cJSON *bm_vec_load(const char *file);
/* Follows a dotted path ("upper_transport.nonce", "messages.5" for array
 * index 5) from obj. Returns NULL (and fails the test) if absent. */
cJSON *bm_vec_get(const cJSON *obj, const char *path);
/* As bm_vec_get but absence is not a failure. */
cJSON *bm_vec_find(const cJSON *obj, const char *path);
/* The string at path ("" on failure). */
const char *bm_vec_str(const cJSON *obj, const char *path);
/* The hex string at path decoded into out; returns its length (0 on failure). */
size_t bm_vec_hex(const cJSON *obj, const char *path, uint8_t *out, size_t out_size);
/* The hex string at path as a number ("3129ab" -> 0x3129ab). */
uint32_t bm_vec_num(const cJSON *obj, const char *path);
/* The integer at path (JSON number). */
int bm_vec_int(const cJSON *obj, const char *path);
/* Decodes a hex string; returns its length, or fails the test. */
size_t bm_hex(const char *hex, uint8_t *out, size_t out_size);

#endif
