/* Command-line parsing helpers of the blemesh tool (see cli_args.h).
 * Invariant: a parse error never prints the text of a key argument; it
 * names the option and says what is wrong with it (length, character). */
#include "cli_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bm_cli_iter_init(struct bm_cli_iter *it, const char *cmd, int argc, char **argv, int first,
                      const struct bm_cli_opt *opts, size_t opt_count)
{
    it->cmd = cmd;
    it->argc = argc;
    it->argv = argv;
    it->i = first;
    it->only_positional = false;
    it->opts = opts;
    it->opt_count = opt_count;
}

void bm_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "blemesh %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(BM_CLI_EXIT_USAGE);
}

bool bm_cli_echo_ok(const char *s, size_t len)
{
    if (len > 40)
        return false;
    if (len <= 12)
        return true;
    for (size_t k = 0; k < len; k++) {
        char c = s[k];
        bool hexish = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                      c == 'x' || c == 'X';
        if (!hexish)
            return true;
    }
    return false;
}

static const struct bm_cli_opt *find_opt(const struct bm_cli_iter *it, const char *name, size_t len)
{
    for (size_t k = 0; k < it->opt_count; k++) {
        if (strlen(it->opts[k].name) == len && strncmp(it->opts[k].name, name, len) == 0)
            return &it->opts[k];
    }
    return NULL;
}

enum bm_cli_kind bm_cli_next(struct bm_cli_iter *it, const char **name, const char **value)
{
    *name = NULL;
    *value = NULL;
    if (it->i >= it->argc)
        return BM_CLI_END;
    const char *a = it->argv[it->i++];
    if (it->only_positional || a[0] != '-' || a[1] == '\0') {
        *value = a;
        return BM_CLI_POSITIONAL;
    }
    if (strcmp(a, "--") == 0) {
        /* Everything after "--" is positional, even "-x" or "--". */
        it->only_positional = true;
        if (it->i >= it->argc)
            return BM_CLI_END;
        *value = it->argv[it->i++];
        return BM_CLI_POSITIONAL;
    }
    if (strcmp(a, "-h") == 0) {
        *name = "help";
        return BM_CLI_OPTION;
    }
    if (a[1] != '-') {
        /* Option names are not echoed in full: they could be a mistyped key. */
        bm_cli_fail(it->cmd, "unknown option (options start with \"--\"; see --help)");
    }
    const char *n = a + 2;
    const char *eq = strchr(n, '=');
    size_t len = eq ? (size_t)(eq - n) : strlen(n);
    const struct bm_cli_opt *o = find_opt(it, n, len);
    if (o == NULL) {
        if (!bm_cli_echo_ok(n, len))
            bm_cli_fail(it->cmd, "unknown option (see --help)");
        bm_cli_fail(it->cmd, "unknown option --%.*s (see --help)", (int)len, n);
    }
    *name = o->name;
    if (!o->has_value) {
        if (eq)
            bm_cli_fail(it->cmd, "option --%s takes no value", o->name);
        return BM_CLI_OPTION;
    }
    if (eq) {
        *value = eq + 1;
    } else {
        if (it->i >= it->argc)
            bm_cli_fail(it->cmd, "option --%s needs a value", o->name);
        *value = it->argv[it->i++];
    }
    return BM_CLI_OPTION;
}

int bm_cli_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
    int base = 10;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0')
        return -1;
    uint64_t v = 0;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > max)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

uint32_t bm_cli_uint(const char *cmd, const char *opt, const char *s, uint32_t max)
{
    uint32_t v;
    if (bm_cli_parse_uint(s, max, &v) != 0) {
        if (!bm_cli_echo_ok(s, strlen(s)))
            bm_cli_fail(cmd, "%s: not a number in 0..0x%x (decimal or 0x-prefixed hex)", opt,
                        (unsigned)max);
        bm_cli_fail(cmd, "%s: \"%s\" is not a number in 0..0x%x (decimal or 0x-prefixed hex)", opt,
                    s, (unsigned)max);
    }
    return v;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int bm_cli_parse_hex(const char *s, size_t slen, uint8_t *out, size_t out_size)
{
    if (slen == 0)
        return BM_CLI_HEX_EMPTY;
    for (size_t k = 0; k < slen; k++) {
        if (hex_val(s[k]) < 0)
            return BM_CLI_HEX_CHAR;
    }
    if (slen % 2)
        return BM_CLI_HEX_ODD;
    if (slen / 2 > out_size)
        return BM_CLI_HEX_LONG;
    for (size_t k = 0; k < slen / 2; k++)
        out[k] = (uint8_t)(hex_val(s[2 * k]) << 4 | hex_val(s[2 * k + 1]));
    return (int)(slen / 2);
}

const char *bm_cli_hex_reason(int err)
{
    switch (err) {
    case BM_CLI_HEX_EMPTY:
        return "empty hex string";
    case BM_CLI_HEX_ODD:
        return "odd number of hex digits";
    case BM_CLI_HEX_CHAR:
        return "not a hex string";
    case BM_CLI_HEX_LONG:
        return "hex string too long";
    default:
        return "bad hex string";
    }
}

void bm_cli_key(const char *cmd, const char *opt, const char *s, size_t slen,
                uint8_t key[BM_KEY_LEN])
{
    int n = bm_cli_parse_hex(s, slen, key, BM_KEY_LEN);
    if (n == BM_CLI_HEX_LONG || (n >= 0 && n != BM_KEY_LEN))
        bm_cli_fail(cmd, "%s: a key is 32 hex digits (16 octets), got %zu digits", opt, slen);
    if (n < 0)
        bm_cli_fail(cmd, "%s: %s (a key is 32 hex digits)", opt, bm_cli_hex_reason(n));
}

void bm_cli_uuid(const char *cmd, const char *opt, const char *s, uint8_t uuid[16])
{
    char digits[33];
    size_t n = 0;
    size_t slen = strlen(s);
    /* Dashes are accepted only at the places of the 8-4-4-4-12 form. */
    bool dashed = slen == 36;
    for (size_t k = 0; k < slen; k++) {
        bool dash_pos = k == 8 || k == 13 || k == 18 || k == 23;
        if (dashed && dash_pos) {
            if (s[k] != '-')
                bm_cli_fail(cmd, "%s: a Label UUID is 32 hex digits (dashes allowed as 8-4-4-4-12)",
                            opt);
            continue;
        }
        if (n == sizeof digits - 1)
            bm_cli_fail(cmd, "%s: a Label UUID is 32 hex digits, got more", opt);
        digits[n++] = s[k];
    }
    int r = bm_cli_parse_hex(digits, n, uuid, 16);
    if (r != 16)
        bm_cli_fail(cmd, "%s: a Label UUID is 32 hex digits (dashes allowed as 8-4-4-4-12)", opt);
}

void bm_cli_hex_str(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        out[2 * k] = digits[p[k] >> 4];
        out[2 * k + 1] = digits[p[k] & 0x0f];
    }
    out[2 * n] = '\0';
}

size_t bm_cli_split_colon(const char *s, const char **suffix)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL) {
        *suffix = NULL;
        return strlen(s);
    }
    *suffix = colon + 1;
    return (size_t)(colon - s);
}

void bm_cli_friend_arg(const char *cmd, const char *s, struct bm_cli_friend *f)
{
    uint32_t v[4];
    const char *p = s;
    for (int k = 0; k < 4; k++) {
        char part[24];
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if ((k < 3 && colon == NULL) || (k == 3 && colon != NULL) || len >= sizeof part)
            bm_cli_fail(cmd, "--friend: expected LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER");
        memcpy(part, p, len);
        part[len] = '\0';
        if (bm_cli_parse_uint(part, 0xffff, &v[k]) != 0)
            bm_cli_fail(cmd, "--friend: \"%s\" is not a number in 0..0xffff",
                        bm_cli_echo_ok(part, len) ? part : "...");
        p = colon ? colon + 1 : p + len;
    }
    if (v[0] == 0 || v[0] > 0x7fff || v[1] == 0 || v[1] > 0x7fff)
        bm_cli_fail(cmd, "--friend: LPN and FRIEND must be unicast addresses (0x0001..0x7fff)");
    f->lpn_addr = (uint16_t)v[0];
    f->friend_addr = (uint16_t)v[1];
    f->lpn_counter = (uint16_t)v[2];
    f->friend_counter = (uint16_t)v[3];
}
