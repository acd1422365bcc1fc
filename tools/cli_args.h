/* Command-line parsing helpers of the blemesh tool: option iteration,
 * numbers (decimal or 0x-prefixed hex, range-checked), hex strings, keys and
 * Label UUIDs. Every parse error is reported by bm_cli_fail(): one line on
 * stderr and exit status 2. Messages never echo key material: a bad key is
 * described by its option name and length only. */
#ifndef BM_CLI_ARGS_H
#define BM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

/* Exit status for bad command-line input. */
#define BM_CLI_EXIT_USAGE 2

/* One option a command accepts: "--name" with or without a value. */
struct bm_cli_opt {
    const char *name; /* without the leading "--" */
    bool has_value;
};

/* Walks argv of one command. */
struct bm_cli_iter {
    const char *cmd; /* "decode", "beacon encode": prefixes error lines */
    int argc;
    char **argv;
    int i;                /* next argv index to look at */
    bool only_positional; /* after "--" */
    const struct bm_cli_opt *opts;
    size_t opt_count;
};

enum bm_cli_kind { BM_CLI_END = 0, BM_CLI_OPTION = 1, BM_CLI_POSITIONAL = 2 };

void bm_cli_iter_init(struct bm_cli_iter *it, const char *cmd, int argc, char **argv, int first,
                      const struct bm_cli_opt *opts, size_t opt_count);

/* Returns BM_CLI_OPTION with *name (without "--") and *value (NULL for a flag),
 * BM_CLI_POSITIONAL with *value, or BM_CLI_END. An unknown option or a missing
 * value fails with exit 2. "-h" is reported as the option "help". */
enum bm_cli_kind bm_cli_next(struct bm_cli_iter *it, const char **name, const char **value);

/* Prints "blemesh <cmd>: <message>" on stderr and exits with status 2. */
_Noreturn void bm_cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* True when the first len chars of s may be repeated in an error message:
 * short, or not made of hex digits alone (so it cannot be key material). */
bool bm_cli_echo_ok(const char *s, size_t len);

/* Parses a decimal or 0x-prefixed hex number in 0..max. Returns 0 or -1. */
int bm_cli_parse_uint(const char *s, uint32_t max, uint32_t *out);
/* As bm_cli_parse_uint, failing with exit 2 and a message naming the option. */
uint32_t bm_cli_uint(const char *cmd, const char *opt, const char *s, uint32_t max);

/* Parses hex digits (either case, an even number of them) into out.
 * Returns the number of octets, or a negative CLI_HEX_* reason. */
#define BM_CLI_HEX_EMPTY (-1)
#define BM_CLI_HEX_ODD (-2)
#define BM_CLI_HEX_CHAR (-3)
#define BM_CLI_HEX_LONG (-4)
int bm_cli_parse_hex(const char *s, size_t slen, uint8_t *out, size_t out_size);
const char *bm_cli_hex_reason(int err);

/* A 16-octet key given as 32 hex digits; fails with exit 2 naming only the
 * option. s may stop at slen (for HEX:SUFFIX forms). */
void bm_cli_key(const char *cmd, const char *opt, const char *s, size_t slen,
                uint8_t key[BM_KEY_LEN]);
/* A Label UUID: 32 hex digits, dashes allowed (8-4-4-4-12 form). */
void bm_cli_uuid(const char *cmd, const char *opt, const char *s, uint8_t uuid[16]);

/* --friend LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER, four 16-bit numbers. */
struct bm_cli_friend {
    uint16_t lpn_addr, friend_addr, lpn_counter, friend_counter;
};
void bm_cli_friend_arg(const char *cmd, const char *s, struct bm_cli_friend *f);

/* Splits "HEX:SUFFIX": returns the length of HEX and points *suffix past
 * the colon (NULL when there is none). */
size_t bm_cli_split_colon(const char *s, const char **suffix);

/* Writes n octets as lowercase hex plus a NUL into out (2n + 1 chars). */
void bm_cli_hex_str(const uint8_t *p, size_t n, char *out);

#endif
