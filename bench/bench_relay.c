/* Per-packet cost of the receive-and-relay path, against the floor of the
 * AES work that path cannot avoid.
 *
 * The path: a provisioned relay node (blemesh built with 8 subnets) takes
 * N distinct network PDUs through bm_node_rx_adv(): AD split, NID lookup
 * over the subnets, deobfuscation, CCM decrypt and NetMIC check, message
 * cache, then the relay's re-encode (TTL - 1, CCM encrypt, obfuscation) and
 * the bearer hand-off (a stub that hashes what it is given). The PDUs go
 * to a group the node does not subscribe to, so only the relay acts on
 * them (the replay list belongs to messages delivered locally, after the
 * upper transport decrypted them, Mesh Profile 3.8.8: not on this path).
 *
 * The floor: the same PDUs through raw mbed TLS calls with key schedules
 * expanded once, doing only what the path cannot skip: per candidate key
 * whose NID matches, one AES-ECB (PECB) and one CCM decrypt; then one CCM
 * encrypt and one AES-ECB for the relayed copy. Both produce the same
 * relayed PDUs (checked by hash).
 *
 * With 8 subnets every key has the same NID (keys found by search), and
 * the PDUs are spread evenly over the 8 keys: on average 4.5 trial
 * decryptions per PDU, in both the path and the floor.
 *
 * Usage: bench_relay [--n N] [--reps R] [--no-callgrind]
 *        bench_relay --only path|floor --subnets S   (one run, for callgrind)
 * Instructions come from valgrind --tool=callgrind with --toggle-collect on
 * the function that runs the loop (the program re-runs itself under it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/ccm.h>

#include "bench_util.h"
#include "blemesh/blemesh.h"
#include "net/net.h"
#include "node/node.h"

#define MAX_SUBNETS 8
#define GROUP_DST 0xc123
#define RELAY_ADDR 0x0001

struct keyring {
    int count;
    uint8_t net_key[MAX_SUBNETS][16];
    struct bm_net_creds creds[MAX_SUBNETS];
};

struct data {
    size_t n;
    uint8_t (*pdu)[BM_NET_MAX_PDU_LEN];
    uint8_t *len;
};

/* --- the stub platform: a clock at 0, no storage, a hashing bearer --- */

struct stub {
    uint64_t hash;
    uint64_t sent;
};

static uint64_t stub_now(void *ctx)
{
    (void)ctx;
    return 0;
}

static int stub_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
    return 0;
}

static void hash_in(uint64_t *h, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= 0x100000001b3ull;
    }
}

static int stub_send(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *x)
{
    (void)x;
    struct stub *s = ctx;
    hash_in(&s->hash, adv + 2, len - 2); /* the network PDU of [len][0x2a][pdu] */
    s->sent++;
    return 0;
}

/* --- data --- */

/* count master credentials sharing one NID (count 1: any key). */
static void make_keys(struct keyring *kr, int count, uint64_t *rng)
{
    kr->count = 0;
    while (kr->count < count) {
        uint8_t key[16];
        struct bm_net_creds c;
        bench_fill(rng, key, sizeof(key));
        if (bm_net_creds_master(&c, key) != BM_OK)
            exit(2);
        if (kr->count && c.nid != kr->creds[0].nid)
            continue;
        memcpy(kr->net_key[kr->count], key, 16);
        kr->creds[kr->count++] = c;
    }
}

static void make_pdus(struct data *d, const struct keyring *kr, size_t n, uint64_t *rng)
{
    d->n = n;
    d->pdu = malloc(n * sizeof(*d->pdu));
    d->len = malloc(n);
    if (!d->pdu || !d->len)
        exit(2);
    for (size_t i = 0; i < n; i++) {
        uint8_t transport[BM_NET_MAX_TRANSPORT];
        bench_fill(rng, transport, sizeof(transport));
        transport[0] &= 0x7f; /* SEG = 0: an unsegmented access message */
        struct bm_net_hdr h = {.ctl = 0,
                               .ttl = 5,
                               .seq = (uint32_t)(i + 1),
                               .src = (uint16_t)(0x0100 + i % 64),
                               .dst = GROUP_DST};
        size_t len;
        if (bm_net_encode(&kr->creds[i % (size_t)kr->count], 0, BM_NET_NONCE_NETWORK, &h,
                          transport, sizeof(transport), d->pdu[i], BM_NET_MAX_PDU_LEN,
                          &len) != BM_OK)
            exit(2);
        d->len[i] = (uint8_t)len;
    }
}

/* --- the path: a real node --- */

static struct bm_node *make_node(void *mem, const struct bm_platform *plat,
                                 const struct keyring *kr)
{
    struct bm_node *node = bm_node_create(mem, bm_node_size(), plat);
    uint8_t dev_key[16] = {0xd0};
    if (!node || bm_create_element(node, true, BM_RELAY, false, 7, NULL) != BM_OK ||
        bm_init(node, "relay", BM_OOB_NONE) != BM_OK ||
        bm_node_provisioned(node, kr->net_key[0], 0, 0, 0, RELAY_ADDR, dev_key) != BM_OK)
        exit(2);
    for (int k = 1; k < kr->count; k++)
        if (bm_net_subnet_add(&node->net, (uint16_t)k, kr->net_key[k]) != BM_OK)
            exit(2);
    return node;
}

__attribute__((noinline, used)) static void bench_run_path(struct bm_node *node,
                                                           const struct data *d)
{
    uint8_t adv[BM_ADV_MAX_LEN];
    adv[1] = BM_AD_MESH_MESSAGE;
    for (size_t i = 0; i < d->n; i++) {
        adv[0] = (uint8_t)(d->len[i] + 1);
        memcpy(adv + 2, d->pdu[i], d->len[i]);
        bm_node_rx_adv(node, adv, (size_t)d->len[i] + 2, -50);
    }
}

/* --- the floor: raw mbed TLS, schedules expanded once --- */

struct floor_keys {
    int count;
    uint8_t nid[MAX_SUBNETS];
    mbedtls_aes_context privacy[MAX_SUBNETS];
    mbedtls_ccm_context enc[MAX_SUBNETS];
};

static void floor_setup(struct floor_keys *f, const struct keyring *kr)
{
    f->count = kr->count;
    for (int k = 0; k < kr->count; k++) {
        f->nid[k] = kr->creds[k].nid;
        mbedtls_aes_init(&f->privacy[k]);
        mbedtls_ccm_init(&f->enc[k]);
        if (mbedtls_aes_setkey_enc(&f->privacy[k], kr->creds[k].privacy_key, 128) ||
            mbedtls_ccm_setkey(&f->enc[k], MBEDTLS_CIPHER_ID_AES, kr->creds[k].enc_key, 128))
            exit(2);
    }
}

static void floor_free(struct floor_keys *f)
{
    for (int k = 0; k < f->count; k++) {
        mbedtls_aes_free(&f->privacy[k]);
        mbedtls_ccm_free(&f->enc[k]);
    }
}

/* PECB = e(PrivacyKey, 0x0000000000 || IV index || Privacy Random), XORed
 * over octets 1..6 (Mesh Profile 3.8.7.3); IV index 0 here. */
__attribute__((noinline)) static void floor_obfuscate(mbedtls_aes_context *aes, uint8_t *pdu)
{
    uint8_t in[16] = {0}, pecb[16];
    memcpy(in + 9, pdu + 7, 7);
    mbedtls_aes_crypt_ecb(aes, MBEDTLS_AES_ENCRYPT, in, pecb);
    for (int i = 0; i < 6; i++)
        pdu[1 + i] ^= pecb[i];
}

static void floor_nonce(uint8_t nonce[13], const uint8_t *hdr)
{
    nonce[0] = 0x00; /* network nonce, IV index 0 */
    memcpy(nonce + 1, hdr + 1, 6);
    memset(nonce + 7, 0, 6);
}

__attribute__((noinline, used)) static void bench_run_floor(struct floor_keys *f,
                                                            const struct data *d, struct stub *out)
{
    for (size_t i = 0; i < d->n; i++) {
        size_t len = d->len[i], mic = BM_NET_MIC_ACCESS, tlen = len - 9 - mic;
        uint8_t buf[BM_NET_MAX_PDU_LEN], plain[BM_NET_MAX_PDU_LEN], nonce[13];
        int k;
        for (k = 0; k < f->count; k++) {
            if (f->nid[k] != (d->pdu[i][0] & 0x7f))
                continue;
            memcpy(buf, d->pdu[i], len);
            floor_obfuscate(&f->privacy[k], buf);
            floor_nonce(nonce, buf);
            if (mbedtls_ccm_auth_decrypt(&f->enc[k], 2 + tlen, nonce, 13, NULL, 0, buf + 7,
                                         plain + 7, buf + 9 + tlen, mic) == 0)
                break;
        }
        if (k == f->count)
            continue;
        memcpy(plain, buf, 7);
        plain[1] = (uint8_t)(plain[1] - 1); /* TTL - 1 (CTL = 0) */
        floor_nonce(nonce, plain);
        mbedtls_ccm_encrypt_and_tag(&f->enc[k], 2 + tlen, nonce, 13, NULL, 0, plain + 7,
                                    plain + 7, plain + 9 + tlen, mic);
        floor_obfuscate(&f->privacy[k], plain);
        hash_in(&out->hash, plain, len);
        out->sent++;
    }
}

/* --- runs --- */

struct result {
    double path_ns, floor_ns;
    uint64_t path_ir, floor_ir;
    uint64_t relayed, floor_relayed;
    int hashes_match;
};

static void run_once(int subnets, size_t n, int reps, struct result *r, const char *only)
{
    uint64_t rng = 0x5eedull + (uint64_t)subnets;
    struct keyring kr;
    make_keys(&kr, subnets, &rng);
    struct data d;
    make_pdus(&d, &kr, n, &rng);

    struct stub ps = {.hash = 0xcbf29ce484222325ull}, fs = ps;
    struct bm_platform plat = {.ctx = &ps, .now_ms = stub_now, .random = stub_random,
                               .adv_send = stub_send};
    void *mem = aligned_alloc(_Alignof(max_align_t),
                              (bm_node_size() + _Alignof(max_align_t) - 1) /
                                  _Alignof(max_align_t) * _Alignof(max_align_t));
    struct floor_keys *fk = calloc(1, sizeof(*fk));
    if (!mem || !fk)
        exit(2);
    struct bm_node *node = make_node(mem, &plat, &kr);
    floor_setup(fk, &kr);

    r->path_ns = r->floor_ns = 1e18;
    for (int rep = 0; rep < reps; rep++) {
        if (!only || !strcmp(only, "path")) {
            ps.hash = 0xcbf29ce484222325ull;
            ps.sent = 0;
            uint64_t t0 = bench_ns();
            bench_run_path(node, &d);
            double ns = (double)(bench_ns() - t0) / (double)n;
            if (ns < r->path_ns)
                r->path_ns = ns;
        }
        if (!only || !strcmp(only, "floor")) {
            fs.hash = 0xcbf29ce484222325ull;
            fs.sent = 0;
            uint64_t t0 = bench_ns();
            bench_run_floor(fk, &d, &fs);
            double ns = (double)(bench_ns() - t0) / (double)n;
            if (ns < r->floor_ns)
                r->floor_ns = ns;
        }
    }
    r->relayed = ps.sent;
    r->floor_relayed = fs.sent;
    r->hashes_match = ps.hash == fs.hash;
    bm_node_destroy(node);
    floor_free(fk);
    free(fk);
    free(mem);
    free(d.pdu);
    free(d.len);
}

/* Instructions of one function's loop: re-runs this program under
 * callgrind, collecting only inside fn, into the file out; 0 if valgrind
 * is missing. */
static uint64_t callgrind_ir(const char *self, const char *fn, const char *only, int subnets,
                             size_t n, const char *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "valgrind --tool=callgrind --toggle-collect=%s --callgrind-out-file=%s "
             "%s --only %s --subnets %d --n %zu --reps 1 >/dev/null 2>&1",
             fn, out, self, only, subnets, n);
    if (system(cmd) != 0)
        return 0;
    FILE *f = fopen(out, "r");
    if (!f)
        return 0;
    char line[512];
    uint64_t ir = 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))
            ir = strtoull(strchr(line, ':') + 1, NULL, 10);
    fclose(f);
    return ir;
}

/* Inclusive instructions of function name in a callgrind file, from
 * callgrind_annotate (0 if absent). */
static uint64_t cg_inclusive(const char *file, const char *name)
{
    char cmd[512], line[1024], key[128];
    snprintf(cmd, sizeof(cmd), "callgrind_annotate --inclusive=yes --threshold=100 %s 2>/dev/null",
             file);
    snprintf(key, sizeof(key), ":%s", name);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    uint64_t best = 0;
    while (fgets(line, sizeof(line), p)) {
        char *at = strstr(line, key);
        if (!at)
            continue;
        char end = at[strlen(key)];
        if (end != ' ' && end != '\n' && end != 0)
            continue;
        uint64_t v = 0;
        for (const char *c = line; *c && *c != '('; c++)
            if (*c >= '0' && *c <= '9')
                v = v * 10 + (uint64_t)(*c - '0');
        if (v > best)
            best = v;
    }
    pclose(p);
    return best;
}

/* Where the path's instructions go beyond the floor's, per packet. */
static void breakdown(const char *path_cg, const char *floor_cg, size_t n, uint64_t pir,
                      uint64_t fir)
{
    double k = 1.0 / (double)n;
    double ccm = (double)(cg_inclusive(path_cg, "bm_crypto_ccm_decrypt_k") +
                          cg_inclusive(path_cg, "bm_crypto_ccm_encrypt_k")) -
                 (double)(cg_inclusive(floor_cg, "mbedtls_ccm_auth_decrypt") +
                          cg_inclusive(floor_cg, "mbedtls_ccm_encrypt_and_tag"));
    double ecb = (double)cg_inclusive(path_cg, "bm_crypto_obfuscate_k") -
                 (double)cg_inclusive(floor_cg, "floor_obfuscate");
    double cache = (double)(cg_inclusive(path_cg, "bm_net_cache_has") +
                            cg_inclusive(path_cg, "bm_net_cache_add"));
    double rest = (double)pir - (double)fir - ccm - ecb - cache;
    printf("   %-58s %7.0f\n", "AES block work (the floor)", (double)fir * k);
    printf("   %-58s %7.0f\n", "+ CCM calls beyond the floor's (checks, dispatch)", ccm * k);
    printf("   %-58s %7.0f\n", "+ obfuscation beyond the floor's (cipher layer)", ecb * k);
    printf("   %-58s %7.0f\n", "+ message cache (tag scan of the ring)", cache * k);
    printf("   %-58s %7.0f\n", "+ rest (AD split, header checks, copies, wipes, bearer)",
           rest * k);
    printf("   %-58s %7.0f\n", "= path", (double)pir * k);
}

int main(int argc, char **argv)
{
    size_t n = 20000;
    int reps = 7, subnets_only = 0, callgrind = 1;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--subnets") && i + 1 < argc)
            subnets_only = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-callgrind"))
            callgrind = 0;
        else {
            fprintf(stderr, "usage: %s [--n N] [--reps R] [--no-callgrind] "
                            "[--only path|floor --subnets 1..8]\n", argv[0]);
            return 2;
        }
    }
    if (n < 1 || reps < 1 || subnets_only < 0 || subnets_only > MAX_SUBNETS)
        return 2;
    if (only) {
        struct result r;
        run_once(subnets_only ? subnets_only : 1, n, reps, &r, only);
        return 0;
    }

    printf("== relay path: ns and instructions per packet (29-octet PDUs, %zu per run)\n", n);
    printf("%-22s %9s %9s %6s %11s %11s %6s  %s\n", "case", "path ns", "floor ns", "x",
           "path Ir", "floor Ir", "x", "check");
    const int cases[] = {1, 8};
    int met = 1;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct result r;
        run_once(cases[c], n, reps, &r, NULL);
        uint64_t pir = 0, fir = 0;
        size_t cn = n < 4000 ? n : 4000;
        char path_cg[128], floor_cg[128];
        snprintf(path_cg, sizeof(path_cg), "/tmp/bench_relay.%ld.path%d.cg", (long)getpid(),
                 cases[c]);
        snprintf(floor_cg, sizeof(floor_cg), "/tmp/bench_relay.%ld.floor%d.cg", (long)getpid(),
                 cases[c]);
        if (callgrind) {
            pir = callgrind_ir(argv[0], "bench_run_path", "path", cases[c], cn, path_cg);
            fir = callgrind_ir(argv[0], "bench_run_floor", "floor", cases[c], cn, floor_cg);
        }
        char name[32];
        snprintf(name, sizeof(name), cases[c] == 1 ? "1 subnet" : "%d subnets, same NID",
                 cases[c]);
        double xt = r.path_ns / r.floor_ns;
        double xi = fir ? (double)pir / (double)fir : 0;
        printf("%-22s %9.0f %9.0f %6.2f %11.0f %11.0f %6.2f  %s\n", name, r.path_ns, r.floor_ns,
               xt, pir ? (double)pir / (double)cn : 0.0, fir ? (double)fir / (double)cn : 0.0, xi,
               r.hashes_match && r.relayed == n && r.floor_relayed == n ? "same relayed PDUs"
                                                                       : "MISMATCH");
        if (!(r.hashes_match && r.relayed == n))
            met = 0;
        if ((fir ? xi : xt) > 1.5)
            met = 0;
        if (pir && fir) {
            printf("   where the instructions go (per packet, %s):\n", name);
            breakdown(path_cg, floor_cg, cn, pir, fir);
        }
        remove(path_cg);
        remove(floor_cg);
    }
    printf("target: path within 1.5x of the floor (instructions; ns without valgrind): %s\n",
           met ? "met" : "NOT met");
    return 0;
}
