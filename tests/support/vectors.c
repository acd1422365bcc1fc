#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

cJSON *bm_vec_load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", BM_VECTORS_DIR, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        /* Without the sample data every check would be vacuous: stop. */
        fprintf(stderr, "cannot open %s: the sample data is read from BM_VECTORS_DIR "
                        "(make VECTORS=/path/to/vectors)\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    if (!root) {
        fprintf(stderr, "cannot parse %s\n", path);
        exit(2);
    }
    return root;
}

cJSON *bm_vec_find(const cJSON *obj, const char *path)
{
    char part[128];
    const char *p = path;
    const cJSON *cur = obj;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = 0;
        if (cJSON_IsArray(cur)) {
            char *end;
            long idx = strtol(part, &end, 10);
            cur = (*end == 0) ? cJSON_GetArrayItem(cur, (int)idx) : NULL;
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
        }
        p += n;
        if (*p == '.')
            p++;
    }
    return (cJSON *)cur;
}

cJSON *bm_vec_get(const cJSON *obj, const char *path)
{
    cJSON *v = bm_vec_find(obj, path);
    if (!v)
        bm_test_fail(__FILE__, __LINE__, "vector field '%s' missing", path);
    return v;
}

const char *bm_vec_str(const cJSON *obj, const char *path)
{
    cJSON *v = bm_vec_get(obj, path);
    if (!v)
        return "";
    if (!cJSON_IsString(v)) {
        bm_test_fail(__FILE__, __LINE__, "vector field '%s' is not a string", path);
        return "";
    }
    return v->valuestring;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t bm_hex(const char *hex, uint8_t *out, size_t out_size)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > out_size) {
        bm_test_fail(__FILE__, __LINE__, "bad hex string '%s'", hex);
        return 0;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            bm_test_fail(__FILE__, __LINE__, "bad hex string '%s'", hex);
            return 0;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

size_t bm_vec_hex(const cJSON *obj, const char *path, uint8_t *out, size_t out_size)
{
    return bm_hex(bm_vec_str(obj, path), out, out_size);
}

uint32_t bm_vec_num(const cJSON *obj, const char *path)
{
    const char *s = bm_vec_str(obj, path);
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    if (*s == 0 || *end != 0)
        bm_test_fail(__FILE__, __LINE__, "vector field '%s' is not hex: '%s'", path, s);
    return (uint32_t)v;
}

int bm_vec_int(const cJSON *obj, const char *path)
{
    cJSON *v = bm_vec_get(obj, path);
    if (!v || !cJSON_IsNumber(v)) {
        bm_test_fail(__FILE__, __LINE__, "vector field '%s' is not a number", path);
        return 0;
    }
    return v->valueint;
}
