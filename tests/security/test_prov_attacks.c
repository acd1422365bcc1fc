/* Provisioning attacks over PB-ADV in the simulated air (Mesh Profile
 * 5.4.2.3-5.4.2.4, Mesh Protocol 1.1 5.4.2.4, the 2020 advisories
 * CVE-2020-26556/26560): a rogue (tests/node/rogue.h) reflects the peer's
 * public key or Confirmation, sends public keys that are not points of
 * P-256 (invalid-curve attack), and, as a provisioner, guesses an Output
 * OOB value over and over: the device must draw a fresh value each time so
 * a guess succeeds with probability 10^-size per attempt, never more.
 *
 * A rogue provisioner cannot see the device's key or Confirmation before
 * it must send its own, so the reflections against a device run twice
 * with one seed: a probe run learns what the device will send, the attack
 * run (identical up to the reflected PDU: deterministic simulator, the
 * device's key and Random from its own stream) sends it back.
 *
 * How each test was checked to fail without its defence (scratch copy of
 * the tree, not committed):
 * - public key reflection: bm_prov_is_reflection() check removed from
 *   key_exchange() in src/prov/prov_link.c;
 * - Confirmation reflection: the two bm_prov_is_reflection() checks on the
 *   peer's Confirmation removed from prov_link.c;
 * - invalid-curve keys: the mbedtls_ecp_check_pubkey() call removed from
 *   load_point() in src/crypto/crypto_mbedtls.c: the provisioner's cases
 *   failed (err became BM_ECRYPTO, from mbed TLS's own check inside the
 *   ECDH, instead of BM_EBADKEY); the device still sent Invalid Format,
 *   since any ECDH failure there is reported that way;
 * - Output OOB brute force: the device's value drawn once and reused
 *   (bm_prov_oob_generate() fed a constant instead of fresh random). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "mesh_sim.h"
#include "rogue.h"
#include "test.h"

static const uint8_t net_key[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                    0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};

enum mode {
    RP_HONEST_GUESS, /* Output OOB with a fixed guess */
    RP_PROBE_PUB,
    RP_REFLECT_PUB,
    RP_PROBE_CONF,
    RP_REFLECT_CONF,
    RP_BAD_PUB,
    RD_REFLECT_PUB,
    RD_REFLECT_CONF,
    RD_BAD_PUB,
};

/* Public keys that are not points of P-256. */
enum bad_key { BAD_Y_FLIPPED, BAD_ZERO, BAD_X_ABOVE_P, BAD_COUNT };
static const char *bad_name[BAD_COUNT] = {"(X, Y^1): a point of another curve",
                                          "(0, 0): the point at infinity's encoding",
                                          "X = 2^256-1 >= p"};

struct world {
    struct bm_sim *sim;
    struct test_node *dev, *pv;
    struct rogue *rg;
    uint8_t uuid[16];
    enum mode mode;
    enum bad_key bad;
    /* probe results */
    uint8_t learned[64];
    size_t learned_len;
    bool learned_ok;
    /* the rogue's view */
    bool peer_went_on; /* the peer answered what it should have refused */
    int failed_code;   /* Provisioning Failed the rogue received, -1 none */
    bool got_random;   /* the peer revealed its Random */
    bool got_data;
    bool done;
    /* Output OOB guessing */
    char guess[12];
    /* the real provisioner's result */
    bool pv_busy;
    struct bm_provision_result last;
};

static void make_bad(enum bad_key k, const uint8_t good[64], uint8_t out[64])
{
    memcpy(out, good, 64);
    if (k == BAD_Y_FLIPPED)
        out[63] ^= 0x01;
    else if (k == BAD_ZERO)
        memset(out, 0, 64);
    else
        memset(out, 0xff, 32);
}

static void finish(struct world *w, struct rogue *r)
{
    w->done = true;
    rogue_close(r, BM_PBADV_CLOSE_FAIL);
}

/* --- rogue provisioner --- */

static void rp_caps(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (len != 1 + BM_PROV_CAPS_LEN)
        return;
    memcpy(r->s.caps, pdu + 1, BM_PROV_CAPS_LEN);
    uint16_t algs = (uint16_t)(pdu[2] << 8 | pdu[3]);
    r->s.alg = (algs & BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC)) ? BM_PROV_ALG_HMAC : BM_PROV_ALG_CMAC;
    uint8_t start[1 + BM_PROV_START_LEN] = {BM_PROV_START, r->s.alg, BM_PROV_PUB_KEY_NO_OOB,
                                            BM_PROV_AUTH_NO_OOB, 0, 0};
    if (w->mode == RP_HONEST_GUESS) {
        start[3] = BM_PROV_AUTH_OUTPUT;
        start[4] = BM_PROV_OUT_NUMERIC;
        start[5] = pdu[6]; /* Output OOB Size as offered */
    }
    memcpy(r->s.start, start + 1, BM_PROV_START_LEN);
    CHECK_EQ(rogue_send(r, start, sizeof(start)), BM_OK);
    CHECK_EQ(rogue_keygen(r), BM_OK);
    struct bm_prov_pdu pk = {.type = BM_PROV_PUB_KEY};
    memcpy(pk.u.pub_key, r->s.pub, 64);
    if (w->mode == RP_REFLECT_PUB)
        memcpy(pk.u.pub_key, w->learned, 64);
    else if (w->mode == RP_BAD_PUB)
        make_bad(w->bad, r->s.pub, pk.u.pub_key);
    CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
}

static void rp_pub(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (len != 1 + 64)
        return;
    memcpy(r->s.peer_pub, pdu + 1, 64);
    if (w->mode == RP_PROBE_PUB) {
        memcpy(w->learned, pdu + 1, 64);
        w->learned_len = 64;
        w->learned_ok = true;
        finish(w, r);
        return;
    }
    if (w->mode == RP_REFLECT_PUB || w->mode == RP_BAD_PUB) {
        w->peer_went_on = true;
        finish(w, r);
        return;
    }
    /* the AuthValue: No OOB zeros, or our guess of the Output OOB number */
    memset(r->s.auth, 0, sizeof(r->s.auth));
    if (w->mode == RP_HONEST_GUESS) {
        struct bm_prov_start st = {.algorithm = r->s.alg,
                                   .auth_method = BM_PROV_AUTH_OUTPUT,
                                   .auth_action = BM_PROV_OUT_NUMERIC,
                                   .auth_size = r->s.start[4]};
        struct bm_prov_oob oob;
        CHECK_EQ(bm_prov_oob_from_text(&st, w->guess, strlen(w->guess), &oob), BM_OK);
        CHECK_EQ(bm_prov_auth_from_oob(r->s.alg, &oob, r->s.auth), BM_OK);
    }
    CHECK_EQ(rogue_confirm_setup(r), BM_OK);
    size_t n = bm_prov_auth_len(r->s.alg);
    struct bm_prov_pdu c = {.type = BM_PROV_CONFIRM};
    c.u.confirm.len = (uint8_t)n;
    uint8_t rnd[32];
    CHECK_EQ(rogue_random(r, rnd, n), BM_OK);
    CHECK_EQ(rogue_confirmation(r, rnd, c.u.confirm.value), BM_OK);
    if (w->mode == RP_REFLECT_CONF)
        memcpy(c.u.confirm.value, w->learned, n);
    CHECK_EQ(rogue_send_pdu(r, &c), BM_OK);
    /* the Random that opens our Confirmation, sent once the device's
     * Confirmation arrives */
    memcpy(w->learned + 32, rnd, n);
}

static void rp_conf(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    size_t n = len - 1;
    if (w->mode == RP_PROBE_CONF) {
        memcpy(w->learned, pdu + 1, n);
        w->learned_len = n;
        w->learned_ok = true;
        finish(w, r);
        return;
    }
    if (w->mode == RP_REFLECT_CONF) {
        w->peer_went_on = true;
        finish(w, r);
        return;
    }
    struct bm_prov_pdu rp = {.type = BM_PROV_RANDOM};
    rp.u.random.len = (uint8_t)n;
    memcpy(rp.u.random.value, w->learned + 32, n);
    CHECK_EQ(rogue_send_pdu(r, &rp), BM_OK);
}

static void rogue_prov_script(void *user, struct rogue *r, enum rogue_event ev, const uint8_t *pdu,
                              size_t len)
{
    struct world *w = user;
    if (ev == ROGUE_EVT_LINK_UP) {
        const uint8_t invite[] = {BM_PROV_INVITE, 0x00};
        r->s.invite[0] = 0;
        CHECK_EQ(rogue_send(r, invite, sizeof(invite)), BM_OK);
        return;
    }
    if (ev == ROGUE_EVT_LINK_CLOSED) {
        w->done = true;
        return;
    }
    if (len < 1)
        return;
    switch (pdu[0]) {
    case BM_PROV_CAPABILITIES:
        rp_caps(w, r, pdu, len);
        return;
    case BM_PROV_PUB_KEY:
        rp_pub(w, r, pdu, len);
        return;
    case BM_PROV_CONFIRM:
        rp_conf(w, r, pdu, len);
        return;
    case BM_PROV_RANDOM:
        w->got_random = true; /* the device accepted our AuthValue */
        finish(w, r);
        return;
    case BM_PROV_FAILED:
        w->failed_code = len > 1 ? pdu[1] : 0;
        finish(w, r);
        return;
    default:
        finish(w, r);
        return;
    }
}

/* --- rogue device --- */

static const uint8_t rd_caps[1 + BM_PROV_CAPS_LEN] = {
    BM_PROV_CAPABILITIES, 1, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static void rogue_dev_script(void *user, struct rogue *r, enum rogue_event ev, const uint8_t *pdu,
                             size_t len)
{
    struct world *w = user;
    if (ev != ROGUE_EVT_PDU || len < 1)
        return;
    switch (pdu[0]) {
    case BM_PROV_INVITE:
        r->s.invite[0] = len > 1 ? pdu[1] : 0;
        memcpy(r->s.caps, rd_caps + 1, BM_PROV_CAPS_LEN);
        CHECK_EQ(rogue_send(r, rd_caps, sizeof(rd_caps)), BM_OK);
        return;
    case BM_PROV_START:
        if (len == 1 + BM_PROV_START_LEN) {
            memcpy(r->s.start, pdu + 1, BM_PROV_START_LEN);
            r->s.alg = pdu[1];
        }
        return;
    case BM_PROV_PUB_KEY: {
        if (len != 65)
            return;
        memcpy(r->s.peer_pub, pdu + 1, 64);
        struct bm_prov_pdu pk = {.type = BM_PROV_PUB_KEY};
        CHECK_EQ(rogue_keygen(r), BM_OK);
        memcpy(pk.u.pub_key, r->s.pub, 64);
        if (w->mode == RD_REFLECT_PUB)
            memcpy(pk.u.pub_key, r->s.peer_pub, 64);
        else if (w->mode == RD_BAD_PUB)
            make_bad(w->bad, r->s.pub, pk.u.pub_key);
        else {
            memset(r->s.auth, 0, sizeof(r->s.auth));
            CHECK_EQ(rogue_confirm_setup(r), BM_OK);
        }
        CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
        return;
    }
    case BM_PROV_CONFIRM:
        if (w->mode == RD_REFLECT_CONF)
            CHECK_EQ(rogue_send(r, pdu, len), BM_OK); /* its own Confirmation back */
        else
            w->peer_went_on = true;
        return;
    case BM_PROV_RANDOM:
        w->got_random = true;
        if (w->mode == RD_REFLECT_CONF)
            CHECK_EQ(rogue_send(r, pdu, len), BM_OK); /* CVE-2020-26560 */
        return;
    case BM_PROV_DATA:
        w->got_data = true;
        return;
    default:
        return;
    }
}

/* --- worlds --- */

static void on_provision(void *user, const struct bm_provision_result *res)
{
    struct world *w = user;
    if (res->event == BM_PROVISION_EVT_OOB_NEEDED)
        return;
    w->last = *res;
    w->pv_busy = false;
}

static void world_init(struct world *w, uint64_t seed, bool rogue_is_device, enum mode mode)
{
    memset(w, 0, sizeof(*w));
    w->mode = mode;
    w->failed_code = -1;
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&w->sim, &cfg), BM_OK);
    CHECK_EQ(bm_sim_set_range(w->sim, 50.0, 1.0), BM_OK);
    if (rogue_is_device) {
        w->pv = mesh_sim_add(w->sim);
        CHECK_EQ(bm_init(w->pv->node, "pv", BM_OOB_NONE), BM_OK);
        CHECK_EQ(bm_create_element(w->pv->node, true, 0, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_prov_create_network(w->pv->node, net_key, 0, 0, 0x0001), BM_OK);
        bm_sim_set_position(w->sim, w->pv->id, 0, 0);
    } else {
        w->dev = mesh_sim_add(w->sim);
        CHECK_EQ(mesh_sim_device(w->dev, "victim", BM_OOB_OUTPUT), BM_OK);
        CHECK_EQ(bm_get_uuid(w->dev->node, w->uuid), BM_OK);
        bm_sim_set_position(w->sim, w->dev->id, 0, 0);
    }
    w->rg = rogue_add(w->sim, rogue_is_device ? rogue_dev_script : rogue_prov_script, w);
    CHECK(w->rg != NULL);
    bm_sim_set_position(w->sim, w->rg->id, 1, 0);
}

static void world_free(struct world *w)
{
    mesh_sim_free(w->dev);
    mesh_sim_free(w->pv);
    bm_sim_free(w->sim);
    rogue_free(w->rg);
}

static bool not_done(void *ctx)
{
    return !((struct world *)ctx)->done;
}

static bool pv_busy(void *ctx)
{
    return ((struct world *)ctx)->pv_busy;
}

/* One rogue provisioner attempt against the device; returns when the
 * rogue finished and the device is back to waiting. */
static void rogue_attempt(struct world *w)
{
    w->done = false;
    CHECK_EQ(rogue_open(w->rg, w->uuid), BM_OK);
    CHECK_EQ(bm_sim_run_while(w->sim, not_done, w, 30000), BM_OK);
    bm_sim_run_for(w->sim, 1500); /* Link Close out, the device idle again */
}

/* --- rogue provisioner against a real device --- */

static void device_case(uint64_t seed, enum mode mode, enum mode probe_mode, enum bad_key bad,
                        uint8_t want_code, const char *what)
{
    struct world w;
    uint8_t learned[64];
    size_t learned_len = 0;
    if (probe_mode != RP_HONEST_GUESS) {
        world_init(&w, seed, false, probe_mode);
        rogue_attempt(&w);
        CHECK(w.learned_ok);
        memcpy(learned, w.learned, sizeof(learned));
        learned_len = w.learned_len;
        world_free(&w);
    }
    world_init(&w, seed, false, mode);
    w.bad = bad;
    memcpy(w.learned, learned, learned_len);
    w.learned_len = learned_len;
    rogue_attempt(&w);
    printf("    %-48s device sent Failed 0x%02x (want 0x%02x), %s, %s\n", what,
           w.failed_code < 0 ? 0 : (unsigned)w.failed_code, want_code,
           w.peer_went_on ? "WENT ON" : "stopped",
           bm_node_is_provisioned(w.dev->node) ? "PROVISIONED" : "unprovisioned");
    CHECK(!w.peer_went_on);
    CHECK(!w.got_random);
    CHECK_EQ(w.failed_code, want_code);
    CHECK_EQ(w.dev->failed, 1);
    CHECK_EQ(w.dev->complete, 0);
    CHECK(!bm_node_is_provisioned(w.dev->node));
    world_free(&w);
}

static void test_device_refuses_reflected_public_key(void)
{
    device_case(31, RP_REFLECT_PUB, RP_PROBE_PUB, 0, BM_PROV_ERR_INVALID_FORMAT,
                "rogue provisioner reflects the device's key:");
}

static void test_device_refuses_reflected_confirmation(void)
{
    device_case(32, RP_REFLECT_CONF, RP_PROBE_CONF, 0, BM_PROV_ERR_CONFIRMATION_FAILED,
                "rogue provisioner reflects the Confirmation:");
}

static void test_device_refuses_invalid_curve_keys(void)
{
    for (int k = 0; k < BAD_COUNT; k++)
        device_case(33 + (uint64_t)k, RP_BAD_PUB, RP_HONEST_GUESS, (enum bad_key)k,
                    BM_PROV_ERR_INVALID_FORMAT, bad_name[k]);
}

/* --- rogue device against a real provisioner --- */

static void provisioner_case(uint64_t seed, enum mode mode, enum bad_key bad, int want_err,
                             const char *what)
{
    struct world w;
    world_init(&w, seed, true, mode);
    w.bad = bad;
    for (int i = 0; i < 16; i++)
        w.uuid[i] = (uint8_t)(0xc0 + i);
    rogue_listen(w.rg, w.uuid);
    w.pv_busy = true;
    CHECK_EQ(bm_prov_provision(w.pv->node, w.uuid, NULL, on_provision, &w), BM_OK);
    bm_sim_kick(w.sim, w.pv->id);
    CHECK_EQ(bm_sim_run_while(w.sim, pv_busy, &w, 120000), BM_OK);
    size_t n = 0;
    struct bm_prov_node_info nodes[1];
    CHECK_EQ(bm_prov_nodes(w.pv->node, nodes, 1, &n), BM_OK);
    printf("    %-48s provisioner %s err=%s, Random %s, Data %s\n", what,
           w.last.event == BM_PROVISION_EVT_FAILED ? "failed" : "COMPLETED",
           bm_strerror(w.last.err), w.got_random ? "REVEALED" : "kept",
           w.got_data ? "HANDED OVER" : "kept");
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_FAILED);
    CHECK_EQ(w.last.err, want_err);
    CHECK(!w.peer_went_on || mode == RD_REFLECT_CONF);
    CHECK(!w.got_random);
    CHECK(!w.got_data);
    CHECK_EQ(n, 0);
    world_free(&w);
}

static void test_provisioner_refuses_reflected_public_key(void)
{
    provisioner_case(41, RD_REFLECT_PUB, 0, BM_EBADKEY, "rogue device reflects the key:");
}

static void test_provisioner_refuses_reflected_confirmation(void)
{
    provisioner_case(42, RD_REFLECT_CONF, 0, BM_EAUTH, "rogue device reflects the Confirmation:");
}

static void test_provisioner_refuses_invalid_curve_keys(void)
{
    for (int k = 0; k < BAD_COUNT; k++)
        provisioner_case(43 + (uint64_t)k, RD_BAD_PUB, (enum bad_key)k, BM_EBADKEY, bad_name[k]);
}

/* --- Output OOB brute force --- */

/* attempts against a device showing size digits, always guessing guess;
 * returns the successes and fills shown[] with the values the device
 * showed. */
static int brute_force(uint64_t seed, uint8_t size, const char *guess, int attempts,
                       uint32_t *shown, int *distinct)
{
    struct world w;
    world_init(&w, seed, false, RP_HONEST_GUESS);
    CHECK_EQ(bm_set_output_oob(w.dev->node, 1 << BM_OOB_ACT_NUMERIC, size), BM_OK);
    snprintf(w.guess, sizeof(w.guess), "%s", guess);
    int successes = 0;
    for (int i = 0; i < attempts; i++) {
        int before = w.dev->shown_count;
        w.got_random = false;
        w.failed_code = -1;
        rogue_attempt(&w);
        CHECK_EQ(w.dev->shown_count, before + 1);
        shown[i] = (uint32_t)strtoul(w.dev->shown, NULL, 10);
        bool right = strcmp(w.dev->shown, guess) == 0;
        /* the device accepts the guess exactly when it is what it showed */
        CHECK_EQ(w.got_random, right);
        if (!right)
            CHECK_EQ(w.failed_code, BM_PROV_ERR_CONFIRMATION_FAILED);
        successes += w.got_random;
        CHECK(!bm_node_is_provisioned(w.dev->node));
    }
    *distinct = 0;
    for (int i = 0; i < attempts; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || shown[j] == shown[i];
        *distinct += !seen;
    }
    world_free(&w);
    return successes;
}

static void test_output_oob_brute_force_gains_nothing(void)
{
    enum { N4 = 30, N1 = 40 };
    uint32_t shown[N1];
    int distinct;
    /* 4 digits, the same guess 30 times: expect 30 / 10^4 = 0.003 */
    int ok4 = brute_force(51, 4, "1234", N4, shown, &distinct);
    printf("    4 digits, guess 1234 x %d: %d accepted; the device showed %d distinct values "
           "(%u, %u, %u, %u, ...)\n",
           N4, ok4, distinct, (unsigned)shown[0], (unsigned)shown[1], (unsigned)shown[2],
           (unsigned)shown[3]);
    CHECK_EQ(ok4, 0);
    CHECK(distinct >= N4 - 2);
    /* 1 digit, the same guess 40 times: each attempt 1/10, expect 4;
     * binomial(40, 0.1): P(X > 12) < 1e-4. The values cover the digits. */
    int ok1 = brute_force(52, 1, "7", N1, shown, &distinct);
    int sevens = 0;
    for (int i = 0; i < N1; i++)
        sevens += shown[i] == 7;
    printf("    1 digit, guess 7 x %d: %d accepted (expected ~%d), the device showed 7 %d times, "
           "%d distinct digits\n",
           N1, ok1, N1 / 10, sevens, distinct);
    CHECK_EQ(ok1, sevens);
    CHECK(ok1 <= 12);
    CHECK(distinct >= 7);
}

int main(void)
{
    BM_RUN(test_device_refuses_reflected_public_key);
    BM_RUN(test_device_refuses_reflected_confirmation);
    BM_RUN(test_device_refuses_invalid_curve_keys);
    BM_RUN(test_provisioner_refuses_reflected_public_key);
    BM_RUN(test_provisioner_refuses_reflected_confirmation);
    BM_RUN(test_provisioner_refuses_invalid_curve_keys);
    BM_RUN(test_output_oob_brute_force_gains_nothing);
    return bm_test_done();
}
