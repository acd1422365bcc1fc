/* blemesh beacon encode | decode: mesh beacons (Mesh Profile 3.9).
 *
 * encode builds a secure network beacon: the NetworkID is k3(NetKey), the
 * authentication value is made with the BeaconKey (Mesh Profile 3.9.3).
 * decode prints one JSON object per beacon: secure network beacons are
 * checked against --netkey (the NetworkID must be that of the key and the
 * authentication value must verify), unprovisioned device beacons need no
 * key. Every argument is checked before anything is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "cli_args.h"
#include "commands.h"
#include "json_out.h"
#include "net/beacon.h"

/* Longest beacon argument parsed (longer ones are reported as malformed). */
#define MAX_BEACON_ARG 64

static const struct bm_cli_opt enc_opts[] = {
    {"netkey", true},     {"iv-index", true}, {"key-refresh", false},
    {"iv-update", false}, {"help", false},
};
static const struct bm_cli_opt dec_opts[] = {
    {"netkey", true},
    {"help", false},
};

void bm_cli_beacon_help(FILE *f)
{
    fputs("usage: blemesh beacon encode --netkey HEX --iv-index N [--key-refresh] [--iv-update]\n"
          "       blemesh beacon decode [--netkey HEX] BEACON_HEX...\n"
          "\n"
          "beacon encode prints the secure network beacon (22 octets, hex) of a network\n"
          "key. options:\n"
          "  --netkey HEX      the network key (32 hex digits); required\n"
          "  --iv-index N      the IV index to announce (decimal or 0x-prefixed hex);\n"
          "                    required\n"
          "  --key-refresh     set the Key Refresh flag\n"
          "  --iv-update       set the IV Update flag\n"
          "  --help, -h        this help\n"
          "\n"
          "beacon decode prints one JSON object per beacon (the beacon type octet\n"
          "first, as in AD type 0x2B). options:\n"
          "  --netkey HEX      the network key to verify secure network beacons with;\n"
          "                    required when a secure network beacon is given\n"
          "  --help, -h        this help\n"
          "JSON keys of a secure network beacon (type 1): type, flags, key_refresh,\n"
          "  iv_update (true/false), network_id (hex), iv_index, auth (hex, the\n"
          "  authentication value), valid (true when the NetworkID is that of --netkey\n"
          "  and the authentication value verifies).\n"
          "JSON keys of an unprovisioned device beacon (type 0): type, uuid (hex),\n"
          "  oob_info (number), uri_hash (hex, only when present).\n"
          "A beacon that does not parse or verify gets an error key (exit status 1).\n"
          "\n"
          "exit status: 0 ok, 1 a beacon did not parse or verify, 2 bad command-line\n"
          "input (one line on stderr)\n",
          f);
}

static int beacon_encode(int argc, char **argv, int first)
{
    const char *cmd = "beacon encode";
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, cmd, argc, argv, first, enc_opts, sizeof enc_opts / sizeof enc_opts[0]);
    uint8_t net_key[BM_KEY_LEN];
    bool have_netkey = false, have_iv = false;
    struct bm_snb b;
    memset(&b, 0, sizeof b);
    const char *name, *v;
    enum bm_cli_kind kind;
    while ((kind = bm_cli_next(&it, &name, &v)) != BM_CLI_END) {
        if (kind == BM_CLI_POSITIONAL)
            bm_cli_fail(cmd, "unexpected argument (see blemesh beacon --help)");
        if (strcmp(name, "help") == 0) {
            bm_cli_beacon_help(stdout);
            exit(0);
        } else if (strcmp(name, "netkey") == 0) {
            if (have_netkey)
                bm_cli_fail(cmd, "--netkey given twice");
            bm_cli_key(cmd, "--netkey", v, strlen(v), net_key);
            have_netkey = true;
        } else if (strcmp(name, "iv-index") == 0) {
            b.iv_index = bm_cli_uint(cmd, "--iv-index", v, 0xffffffffu);
            have_iv = true;
        } else if (strcmp(name, "key-refresh") == 0) {
            b.flags |= BM_SNB_FLAG_KR;
        } else if (strcmp(name, "iv-update") == 0) {
            b.flags |= BM_SNB_FLAG_IVU;
        }
    }
    if (!have_netkey)
        bm_cli_fail(cmd, "missing required option --netkey (see blemesh beacon --help)");
    if (!have_iv)
        bm_cli_fail(cmd, "missing required option --iv-index (see blemesh beacon --help)");

    uint8_t beacon_key[BM_KEY_LEN], out[BM_SNB_LEN];
    int r = bm_crypto_k3(net_key, b.network_id);
    if (r == 0)
        r = bm_crypto_beacon_key(net_key, beacon_key);
    if (r == 0)
        r = bm_beacon_snb_encode(beacon_key, &b, out);
    bm_crypto_wipe(net_key, sizeof net_key);
    bm_crypto_wipe(beacon_key, sizeof beacon_key);
    if (r != 0) {
        fprintf(stderr, "blemesh %s: cannot build the beacon: %s\n", cmd, bm_strerror(r));
        return 1;
    }
    char line[2 * BM_SNB_LEN + 1];
    bm_cli_hex_str(out, sizeof out, line);
    puts(line);
    return 0;
}

static int decode_udb(const uint8_t *p, size_t len)
{
    struct bm_udb u;
    struct bm_jw w;
    int r = bm_beacon_udb_parse(p, len, &u);
    bm_jw_begin(&w, stdout);
    bm_jw_uint(&w, "type", BM_BEACON_UNPROVISIONED);
    if (r != 0) {
        char buf[80];
        snprintf(buf, sizeof buf, "malformed unprovisioned device beacon (%zu octets)", len);
        bm_jw_str(&w, "error", buf);
        bm_jw_end(&w);
        return 1;
    }
    bm_jw_hex(&w, "uuid", u.uuid, sizeof u.uuid);
    bm_jw_uint(&w, "oob_info", u.oob_info);
    if (u.has_uri_hash)
        bm_jw_hex(&w, "uri_hash", u.uri_hash, sizeof u.uri_hash);
    bm_jw_end(&w);
    return 0;
}

/* beacon_key and network_id belong to --netkey. */
static int decode_snb(const uint8_t *p, size_t len, const uint8_t beacon_key[BM_KEY_LEN],
                      const uint8_t network_id[8])
{
    struct bm_snb b;
    struct bm_jw w;
    int r = bm_beacon_snb_parse(p, len, &b);
    bm_jw_begin(&w, stdout);
    bm_jw_uint(&w, "type", BM_BEACON_SECURE);
    if (r != 0) {
        char buf[80];
        snprintf(buf, sizeof buf, "malformed secure network beacon (%zu octets)", len);
        bm_jw_bool(&w, "valid", false);
        bm_jw_str(&w, "error", buf);
        bm_jw_end(&w);
        return 1;
    }
    bm_jw_uint(&w, "flags", b.flags);
    bm_jw_bool(&w, "key_refresh", (b.flags & BM_SNB_FLAG_KR) != 0);
    bm_jw_bool(&w, "iv_update", (b.flags & BM_SNB_FLAG_IVU) != 0);
    bm_jw_hex(&w, "network_id", b.network_id, sizeof b.network_id);
    bm_jw_uint(&w, "iv_index", b.iv_index);
    bm_jw_hex(&w, "auth", p + BM_SNB_LEN - 8, 8);
    const char *err = NULL;
    if (memcmp(b.network_id, network_id, 8) != 0) {
        err = "network ID does not match --netkey";
    } else {
        struct bm_snb checked;
        r = bm_beacon_snb_verify(beacon_key, p, len, &checked);
        if (r == BM_EAUTH)
            err = "authentication value does not verify";
        else if (r != 0)
            err = "beacon does not verify";
    }
    bm_jw_bool(&w, "valid", err == NULL);
    if (err)
        bm_jw_str(&w, "error", err);
    bm_jw_end(&w);
    return err ? 1 : 0;
}

static int beacon_decode(int argc, char **argv, int first)
{
    const char *cmd = "beacon decode";
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, cmd, argc, argv, first, dec_opts, sizeof dec_opts / sizeof dec_opts[0]);
    uint8_t net_key[BM_KEY_LEN];
    bool have_netkey = false;
    const char **args = NULL;
    size_t nargs = 0;
    const char *name, *v;
    enum bm_cli_kind kind;
    while ((kind = bm_cli_next(&it, &name, &v)) != BM_CLI_END) {
        if (kind == BM_CLI_POSITIONAL) {
            const char **n = realloc(args, (nargs + 1) * sizeof *args);
            if (n == NULL) {
                free(args);
                fprintf(stderr, "blemesh %s: out of memory\n", cmd);
                return 1;
            }
            args = n;
            args[nargs++] = v;
        } else if (strcmp(name, "help") == 0) {
            free(args);
            bm_cli_beacon_help(stdout);
            exit(0);
        } else if (strcmp(name, "netkey") == 0) {
            if (have_netkey)
                bm_cli_fail(cmd, "--netkey given twice");
            bm_cli_key(cmd, "--netkey", v, strlen(v), net_key);
            have_netkey = true;
        }
    }
    if (nargs == 0)
        bm_cli_fail(cmd, "no beacon given (see blemesh beacon --help)");

    uint8_t(*bufs)[MAX_BEACON_ARG] = malloc(nargs * sizeof *bufs);
    size_t *lens = malloc(nargs * sizeof *lens);
    if (bufs == NULL || lens == NULL) {
        fprintf(stderr, "blemesh %s: out of memory\n", cmd);
        free(bufs);
        free(lens);
        free(args);
        return 1;
    }
    for (size_t k = 0; k < nargs; k++) {
        size_t slen = strlen(args[k]);
        int n = bm_cli_parse_hex(args[k], slen, bufs[k], MAX_BEACON_ARG);
        if (n == BM_CLI_HEX_LONG) {
            /* Every digit was checked: only the type octet is kept, the
             * length says the beacon is too long. */
            (void)bm_cli_parse_hex(args[k], 2, bufs[k], MAX_BEACON_ARG);
            lens[k] = slen / 2;
        } else if (n < 0) {
            bm_cli_fail(cmd, "beacon %zu: %s", k + 1, bm_cli_hex_reason(n));
        } else {
            lens[k] = (size_t)n;
        }
        if (bufs[k][0] == BM_BEACON_SECURE && !have_netkey)
            bm_cli_fail(cmd, "beacon %zu is a secure network beacon: --netkey is required", k + 1);
    }

    uint8_t beacon_key[BM_KEY_LEN], network_id[8];
    memset(beacon_key, 0, sizeof beacon_key);
    memset(network_id, 0, sizeof network_id);
    if (have_netkey) {
        int r = bm_crypto_k3(net_key, network_id);
        if (r == 0)
            r = bm_crypto_beacon_key(net_key, beacon_key);
        bm_crypto_wipe(net_key, sizeof net_key);
        if (r != 0) {
            fprintf(stderr, "blemesh %s: cannot derive the beacon key: %s\n", cmd, bm_strerror(r));
            free(bufs);
            free(lens);
            free(args);
            return 1;
        }
    }
    int status = 0;
    for (size_t k = 0; k < nargs; k++) {
        const uint8_t *p = bufs[k];
        size_t len = lens[k];
        if (len > MAX_BEACON_ARG)
            len = MAX_BEACON_ARG + 1; /* still too long for every beacon type */
        if (p[0] == BM_BEACON_UNPROVISIONED) {
            status |= decode_udb(p, len);
        } else if (p[0] == BM_BEACON_SECURE) {
            status |= decode_snb(p, len, beacon_key, network_id);
        } else {
            struct bm_jw w;
            char buf[64];
            bm_jw_begin(&w, stdout);
            bm_jw_uint(&w, "type", p[0]);
            snprintf(buf, sizeof buf, "unsupported beacon type 0x%02x", p[0]);
            bm_jw_str(&w, "error", buf);
            bm_jw_end(&w);
            status = 1;
        }
    }
    bm_crypto_wipe(beacon_key, sizeof beacon_key);
    free(bufs);
    free(lens);
    free(args);
    return status;
}

int bm_cli_beacon(int argc, char **argv, int first)
{
    if (first >= argc)
        bm_cli_fail("beacon", "expected \"encode\" or \"decode\" (see blemesh beacon --help)");
    const char *sub = argv[first];
    if (strcmp(sub, "encode") == 0)
        return beacon_encode(argc, argv, first + 1);
    if (strcmp(sub, "decode") == 0)
        return beacon_decode(argc, argv, first + 1);
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        bm_cli_beacon_help(stdout);
        return 0;
    }
    bm_cli_fail("beacon", "unknown subcommand (expected \"encode\" or \"decode\")");
}
