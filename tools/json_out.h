/* A tiny JSON line writer for the blemesh tool: one object per line, keys in
 * the order they are written, strings escaped, byte strings as lowercase
 * hex. Nesting (arrays of objects) up to BM_JW_MAX_DEPTH levels. */
#ifndef BM_JSON_OUT_H
#define BM_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BM_JW_MAX_DEPTH 4

struct bm_jw {
    FILE *f;
    int depth; /* open objects/arrays */
    bool need_comma[BM_JW_MAX_DEPTH];
};

/* Starts a top-level object on f. */
void bm_jw_begin(struct bm_jw *w, FILE *f);
/* Closes the top-level object and ends the line. */
void bm_jw_end(struct bm_jw *w);

void bm_jw_uint(struct bm_jw *w, const char *key, uint32_t v);
void bm_jw_bool(struct bm_jw *w, const char *key, bool v);
void bm_jw_str(struct bm_jw *w, const char *key, const char *s);
void bm_jw_hex(struct bm_jw *w, const char *key, const uint8_t *p, size_t n);

/* "key": [ ... ] holding objects: bm_jw_array_begin, then bm_jw_obj_begin /
 * fields / bm_jw_obj_end per element, then bm_jw_array_end. */
void bm_jw_array_begin(struct bm_jw *w, const char *key);
void bm_jw_array_end(struct bm_jw *w);
void bm_jw_obj_begin(struct bm_jw *w);
void bm_jw_obj_end(struct bm_jw *w);
/* "key": { ... } */
void bm_jw_obj_key_begin(struct bm_jw *w, const char *key);

#endif
