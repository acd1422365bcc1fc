/* The JSON line writer of the blemesh tool (see json_out.h). Keys are
 * program constants; only bm_jw_str() values come from data and are escaped. */
#include "json_out.h"

static void sep(struct bm_jw *w)
{
    if (w->need_comma[w->depth - 1])
        fputc(',', w->f);
    w->need_comma[w->depth - 1] = true;
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void key(struct bm_jw *w, const char *k)
{
    sep(w);
    put_string(w->f, k);
    fputc(':', w->f);
}

static void push(struct bm_jw *w, char c)
{
    fputc(c, w->f);
    if (w->depth < BM_JW_MAX_DEPTH) {
        w->depth++;
        w->need_comma[w->depth - 1] = false;
    }
}

static void pop(struct bm_jw *w, char c)
{
    fputc(c, w->f);
    if (w->depth > 0)
        w->depth--;
}

void bm_jw_begin(struct bm_jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    push(w, '{');
}

void bm_jw_end(struct bm_jw *w)
{
    pop(w, '}');
    fputc('\n', w->f);
    fflush(w->f);
}

void bm_jw_uint(struct bm_jw *w, const char *k, uint32_t v)
{
    key(w, k);
    fprintf(w->f, "%lu", (unsigned long)v);
}

void bm_jw_bool(struct bm_jw *w, const char *k, bool v)
{
    key(w, k);
    fputs(v ? "true" : "false", w->f);
}

void bm_jw_str(struct bm_jw *w, const char *k, const char *s)
{
    key(w, k);
    put_string(w->f, s);
}

void bm_jw_hex(struct bm_jw *w, const char *k, const uint8_t *p, size_t n)
{
    key(w, k);
    fputc('"', w->f);
    for (size_t i = 0; i < n; i++)
        fprintf(w->f, "%02x", p[i]);
    fputc('"', w->f);
}

void bm_jw_array_begin(struct bm_jw *w, const char *k)
{
    key(w, k);
    push(w, '[');
}

void bm_jw_array_end(struct bm_jw *w)
{
    pop(w, ']');
}

void bm_jw_obj_begin(struct bm_jw *w)
{
    sep(w);
    push(w, '{');
}

void bm_jw_obj_end(struct bm_jw *w)
{
    pop(w, '}');
}

void bm_jw_obj_key_begin(struct bm_jw *w, const char *k)
{
    key(w, k);
    push(w, '{');
}
