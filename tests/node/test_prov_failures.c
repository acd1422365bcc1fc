/* Provisioning that must fail, and fail safely (Mesh Profile 1.0.1 5.4.4,
 * Mesh Protocol 1.1 5.4.2, the 2020 advisories CVE-2020-26556/26557/
 * 26559/26560): a wrong OOB value, reflected public keys and
 * confirmations, keys off the curve, a Random that does not open its
 * Confirmation, silent peers, malformed Provisioning PDUs, a provisioner
 * that refuses No OOB, and PB-ADV garbage on the air.
 *
 * Real blemesh nodes meet each other or a rogue peer (rogue.h) in the
 * simulated air. Every expectation comes from the spec: the Provisioning
 * Failed code a device must send (5.4.4: 0x01 Invalid PDU for an unknown
 * type or set padding bits, 0x02 Invalid Format for a wrong length or a
 * prohibited value, 0x03 Unexpected PDU for a valid PDU out of order, 0x04
 * Confirmation Failed), the Link Close a provisioner must send (5.3.1.4.3:
 * 0x02 Fail), and the end states: a device that failed is unprovisioned and
 * sends Unprovisioned Device beacons again (3.9.2).
 *
 * A rogue provisioner cannot know the device's public key or Confirmation
 * before it has to send its own. The reflection tests therefore run twice
 * with one seed: the simulator is deterministic and the device draws its
 * key and Random from its own stream, so a probe run that plays honestly
 * learns the values the device will use, and the attack run, identical up
 * to the reflected PDU, sends them back. If the device nevertheless answers
 * with its own value, the test tells whether it was the same (the
 * reflection went undetected) or not (the replay premise broke). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blemesh/errors.h"
#include "mesh_sim.h"
#include "rogue.h"
#include "test.h"

static const uint8_t net_key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                                    0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};

/* Unprovisioned beacons are 5 s apart in this stack; 3.9.2 leaves the
 * interval to the implementation, so allow a little more than one. */
#define BEACON_WAIT_MS 7000u

/* --- the air, as a sniffer sees it --- */

enum air_kind { AIR_PROV_PDU = 1, AIR_LINK_CLOSE, AIR_UDB };

struct air_rec {
    uint64_t t_ms;
    uint32_t node;
    uint8_t kind;
    uint8_t a, b;     /* PROV_PDU: type, first parameter octet; LINK_CLOSE: reason */
    uint8_t uuid[16]; /* UDB */
};

#define AIR_MAX 20000

/* What a rogue script does (one mode per scenario). */
enum mode {
    MODE_NONE,
    /* rogue provisioner */
    RP_PROBE_PUBKEY,
    RP_REFLECT_PUBKEY,
    RP_OFFCURVE_PUBKEY,
    RP_PROBE_CONFIRM,
    RP_REFLECT_CONFIRM,
    RP_SILENT,
    RP_INVITE_LONG,
    RP_INVITE_SHORT,
    RP_TYPE_0A,
    RP_RFU_BITS,
    RP_START_OUTPUT_OOB,
    RP_START_OOB_PUBKEY,
    RP_START_FIRST,
    RP_PUBKEY_BEFORE_START,
    /* rogue device */
    RD_REFLECT_PUBKEY,
    RD_OFFCURVE_PUBKEY,
    RD_REFLECT_CONFIRM,
    RD_WRONG_RANDOM,
    RD_SEND_FAILED,
    RD_SILENT,
};

struct world {
    struct bm_sim *sim;
    struct air_rec *air;
    size_t air_n;
    bool air_full;

    struct test_node *dev; /* a real device, or NULL */
    uint8_t dev_uuid[16];
    struct test_node *pv; /* a real provisioner, or NULL */
    struct rogue *rg;     /* a rogue, or NULL */

    /* the real provisioner's view */
    bool busy, oob_needed;
    uint8_t oob_size;
    struct bm_provision_result last;
    int pv_complete, pv_failed;

    /* the rogue's script */
    enum mode mode;
    uint8_t learned[BM_P256_PUB_LEN]; /* probe result: device key or Confirmation */
    size_t learned_len;
    bool learned_ok;
    bool peer_answered; /* the device sent the value the attack should have stopped */
    bool peer_value_same;
    int rogue_got_failed; /* Provisioning Failed code the rogue received, or -1 */
    bool rogue_got_data;  /* a rogue device was handed Provisioning Data */
    bool rogue_got_confirm;
    bool rogue_got_random; /* a rogue device was shown the provisioner's Random */
    uint8_t rd_random[BM_PROV_AUTH_MAX_LEN];
};

static void on_air(void *ctx, uint64_t t_us, uint32_t node, const uint8_t *adv, size_t len)
{
    struct world *w = ctx;
    size_t pos = 0;
    while (pos + 1 < len) {
        size_t l = adv[pos];
        if (l == 0 || pos + 1 + l > len)
            break;
        const uint8_t *d = adv + pos + 2;
        size_t dl = l - 1;
        struct air_rec rec = {.t_ms = t_us / 1000, .node = node};
        struct bm_pbadv_pdu p;
        if (adv[pos + 1] == BM_PBADV_AD_TYPE && bm_pbadv_parse(d, dl, &p) == BM_OK) {
            if (p.gpcf == BM_PBADV_GPCF_CTL && p.u.ctl.opcode == BM_PBADV_LINK_CLOSE) {
                rec.kind = AIR_LINK_CLOSE;
                rec.a = p.u.ctl.reason;
            } else if (p.gpcf == BM_PBADV_GPCF_START && p.u.start.seg_n == 0 &&
                       p.u.start.data_len == p.u.start.total_len &&
                       bm_pbadv_fcs(p.u.start.data, p.u.start.data_len) == p.u.start.fcs) {
                /* a whole Provisioning PDU in one segment */
                rec.kind = AIR_PROV_PDU;
                rec.a = p.u.start.data[0];
                rec.b = p.u.start.data_len > 1 ? p.u.start.data[1] : 0;
            }
        } else if (adv[pos + 1] == BM_AD_MESH_BEACON && dl >= 17 && d[0] == 0x00) {
            rec.kind = AIR_UDB;
            memcpy(rec.uuid, d + 1, 16);
        }
        if (rec.kind) {
            if (w->air_n < AIR_MAX)
                w->air[w->air_n++] = rec;
            else
                w->air_full = true;
        }
        pos += 1 + l;
    }
}

/* Provisioning PDUs of this type (and first parameter, if code >= 0) that
 * node put on the air at or after since_ms. */
static int air_prov_pdus(const struct world *w, uint32_t node, uint8_t type, int code,
                         uint64_t since_ms)
{
    int n = 0;
    for (size_t i = 0; i < w->air_n; i++) {
        const struct air_rec *r = &w->air[i];
        if (r->kind == AIR_PROV_PDU && r->node == node && r->a == type && r->t_ms >= since_ms &&
            (code < 0 || r->b == code))
            n++;
    }
    return n;
}

static int air_link_closes(const struct world *w, uint32_t node, int reason)
{
    int n = 0;
    for (size_t i = 0; i < w->air_n; i++) {
        const struct air_rec *r = &w->air[i];
        if (r->kind == AIR_LINK_CLOSE && r->node == node && (reason < 0 || r->a == reason))
            n++;
    }
    return n;
}

static int air_beacons_after(const struct world *w, uint32_t node, const uint8_t uuid[16],
                             uint64_t after_ms)
{
    int n = 0;
    for (size_t i = 0; i < w->air_n; i++) {
        const struct air_rec *r = &w->air[i];
        if (r->kind == AIR_UDB && r->node == node && r->t_ms > after_ms &&
            memcmp(r->uuid, uuid, 16) == 0)
            n++;
    }
    return n;
}

/* --- the rogue's scripts --- */

static void send_raw(struct rogue *r, const uint8_t *pdu, size_t len)
{
    CHECK_EQ(rogue_send(r, pdu, len), BM_OK);
}

static void rp_link_up(struct world *w, struct rogue *r)
{
    static const uint8_t invite_long[] = {BM_PROV_INVITE, 0x05, 0x00};
    static const uint8_t invite_short[] = {BM_PROV_INVITE};
    static const uint8_t type_0a[] = {0x0a, 0x05};
    static const uint8_t rfu_bits[] = {0x40 | BM_PROV_INVITE, 0x05};
    /* a well-formed Start (CMAC, no OOB key, No OOB auth) before Invite */
    static const uint8_t start_first[] = {BM_PROV_START, 0x00, 0x00, 0x00, 0x00, 0x00};
    switch (w->mode) {
    case RP_SILENT:
        return;
    case RP_INVITE_LONG:
        send_raw(r, invite_long, sizeof(invite_long));
        return;
    case RP_INVITE_SHORT:
        send_raw(r, invite_short, sizeof(invite_short));
        return;
    case RP_TYPE_0A:
        send_raw(r, type_0a, sizeof(type_0a));
        return;
    case RP_RFU_BITS:
        send_raw(r, rfu_bits, sizeof(rfu_bits));
        return;
    case RP_START_FIRST:
        send_raw(r, start_first, sizeof(start_first));
        return;
    default: {
        uint8_t invite[] = {BM_PROV_INVITE, 0x05};
        r->s.invite[0] = invite[1];
        send_raw(r, invite, sizeof(invite));
        return;
    }
    }
}

/* A point that is not on P-256: our own key with the last bit of Y
 * flipped. Only (X, Y) and (X, p - Y) are on the curve, and p - Y equals
 * Y ^ 1 only if Y is (p +- 1) / 2; the callers check the premise. */
static void off_curve(const uint8_t pub[BM_P256_PUB_LEN], uint8_t out[BM_P256_PUB_LEN])
{
    memcpy(out, pub, BM_P256_PUB_LEN);
    out[BM_P256_PUB_LEN - 1] ^= 0x01;
}

static void rp_caps(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (len != 1 + BM_PROV_CAPS_LEN)
        return;
    memcpy(r->s.caps, pdu + 1, BM_PROV_CAPS_LEN);
    /* Capabilities: Number of Elements, then Algorithms (big-endian) */
    uint16_t algs = (uint16_t)(pdu[2] << 8 | pdu[3]);
    r->s.alg = (algs & BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC)) ? BM_PROV_ALG_HMAC : BM_PROV_ALG_CMAC;
    uint8_t start[1 + BM_PROV_START_LEN] = {BM_PROV_START,       r->s.alg, BM_PROV_PUB_KEY_NO_OOB,
                                            BM_PROV_AUTH_NO_OOB, 0,        0};
    if (w->mode == RP_START_OUTPUT_OOB) {
        /* Output OOB numeric, 4 digits, to a device that offered no OOB */
        start[3] = BM_PROV_AUTH_OUTPUT;
        start[4] = BM_PROV_OUT_NUMERIC;
        start[5] = 4;
    } else if (w->mode == RP_START_OOB_PUBKEY) {
        /* an OOB public key the device did not offer */
        start[2] = BM_PROV_PUB_KEY_OOB;
    }
    CHECK_EQ(rogue_keygen(r), BM_OK);
    struct bm_prov_pdu pk = {.type = BM_PROV_PUB_KEY};
    memcpy(pk.u.pub_key, r->s.pub, BM_P256_PUB_LEN);
    if (w->mode == RP_PUBKEY_BEFORE_START) {
        CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
        return;
    }
    memcpy(r->s.start, start + 1, BM_PROV_START_LEN);
    send_raw(r, start, sizeof(start));
    if (w->mode == RP_START_OUTPUT_OOB || w->mode == RP_START_OOB_PUBKEY)
        return;
    if (w->mode == RP_REFLECT_PUBKEY) {
        CHECK(w->learned_ok);
        memcpy(pk.u.pub_key, w->learned, BM_P256_PUB_LEN);
    } else if (w->mode == RP_OFFCURVE_PUBKEY) {
        off_curve(r->s.pub, pk.u.pub_key);
        CHECK(bm_crypto_p256_check(pk.u.pub_key) != BM_OK); /* the premise */
    }
    CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
}

static void rp_dev_pub_key(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (len != 1 + BM_P256_PUB_LEN)
        return;
    memcpy(r->s.peer_pub, pdu + 1, BM_P256_PUB_LEN);
    if (w->mode == RP_PROBE_PUBKEY) {
        memcpy(w->learned, r->s.peer_pub, BM_P256_PUB_LEN);
        w->learned_len = BM_P256_PUB_LEN;
        w->learned_ok = true;
        rogue_close(r, BM_PBADV_CLOSE_FAIL);
        return;
    }
    if (w->mode == RP_REFLECT_PUBKEY) {
        /* the device went on after getting its own key back */
        w->peer_answered = true;
        w->peer_value_same = memcmp(w->learned, r->s.peer_pub, BM_P256_PUB_LEN) == 0;
        rogue_close(r, BM_PBADV_CLOSE_FAIL);
        return;
    }
    if (w->mode == RP_OFFCURVE_PUBKEY) {
        w->peer_answered = true;
        rogue_close(r, BM_PBADV_CLOSE_FAIL);
        return;
    }
    /* honest: No OOB AuthValue is zeros */
    memset(r->s.auth, 0, sizeof(r->s.auth));
    CHECK_EQ(rogue_confirm_setup(r), BM_OK);
    size_t n = bm_prov_auth_len(r->s.alg);
    uint8_t rnd[BM_PROV_AUTH_MAX_LEN];
    struct bm_prov_pdu c = {.type = BM_PROV_CONFIRM};
    c.u.confirm.len = (uint8_t)n;
    CHECK_EQ(rogue_random(r, rnd, n), BM_OK);
    CHECK_EQ(rogue_confirmation(r, rnd, c.u.confirm.value), BM_OK);
    if (w->mode == RP_REFLECT_CONFIRM) {
        CHECK(w->learned_ok && w->learned_len == n);
        memcpy(c.u.confirm.value, w->learned, n);
    }
    CHECK_EQ(rogue_send_pdu(r, &c), BM_OK);
}

static void rp_dev_confirm(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    size_t n = len - 1;
    if (w->mode == RP_PROBE_CONFIRM) {
        if (n <= sizeof(w->learned)) {
            memcpy(w->learned, pdu + 1, n);
            w->learned_len = n;
            w->learned_ok = true;
        }
    } else if (w->mode == RP_REFLECT_CONFIRM) {
        w->peer_answered = true;
        w->peer_value_same = n == w->learned_len && memcmp(w->learned, pdu + 1, n) == 0;
    }
    rogue_close(r, BM_PBADV_CLOSE_FAIL);
}

static void rogue_prov_script(void *user, struct rogue *r, enum rogue_event ev, const uint8_t *pdu,
                              size_t len)
{
    struct world *w = user;
    if (ev == ROGUE_EVT_LINK_UP) {
        rp_link_up(w, r);
        return;
    }
    if (ev != ROGUE_EVT_PDU || len < 1)
        return;
    switch (pdu[0]) {
    case BM_PROV_FAILED:
        /* 5.4.4: the provisioner ends the link after Provisioning Failed */
        w->rogue_got_failed = len > 1 ? pdu[1] : 0;
        rogue_close(r, BM_PBADV_CLOSE_FAIL);
        return;
    case BM_PROV_CAPABILITIES:
        rp_caps(w, r, pdu, len);
        return;
    case BM_PROV_PUB_KEY:
        rp_dev_pub_key(w, r, pdu, len);
        return;
    case BM_PROV_CONFIRM:
        rp_dev_confirm(w, r, pdu, len);
        return;
    default:
        rogue_close(r, BM_PBADV_CLOSE_FAIL);
        return;
    }
}

/* Capabilities of a No OOB device offering both algorithms. */
static const uint8_t rd_caps[1 + BM_PROV_CAPS_LEN] = {
    BM_PROV_CAPABILITIES, 1, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static void rd_pub_key(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    if (len != 1 + BM_P256_PUB_LEN)
        return;
    memcpy(r->s.peer_pub, pdu + 1, BM_P256_PUB_LEN);
    struct bm_prov_pdu pk = {.type = BM_PROV_PUB_KEY};
    if (w->mode == RD_REFLECT_PUBKEY) {
        memcpy(pk.u.pub_key, r->s.peer_pub, BM_P256_PUB_LEN);
        CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
        return;
    }
    CHECK_EQ(rogue_keygen(r), BM_OK);
    if (w->mode == RD_OFFCURVE_PUBKEY) {
        off_curve(r->s.pub, pk.u.pub_key);
        CHECK(bm_crypto_p256_check(pk.u.pub_key) != BM_OK);
        CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
        return;
    }
    memcpy(pk.u.pub_key, r->s.pub, BM_P256_PUB_LEN);
    CHECK_EQ(rogue_send_pdu(r, &pk), BM_OK);
    memset(r->s.auth, 0, sizeof(r->s.auth));
    CHECK_EQ(rogue_confirm_setup(r), BM_OK);
}

static void rd_confirm(struct world *w, struct rogue *r, const uint8_t *pdu, size_t len)
{
    w->rogue_got_confirm = true;
    if (w->mode == RD_REFLECT_CONFIRM) {
        send_raw(r, pdu, len);
        return;
    }
    if (w->mode != RD_WRONG_RANDOM)
        return;
    size_t n = bm_prov_auth_len(r->s.alg);
    struct bm_prov_pdu c = {.type = BM_PROV_CONFIRM};
    c.u.confirm.len = (uint8_t)n;
    CHECK_EQ(rogue_random(r, w->rd_random, n), BM_OK);
    CHECK_EQ(rogue_confirmation(r, w->rd_random, c.u.confirm.value), BM_OK);
    CHECK_EQ(rogue_send_pdu(r, &c), BM_OK);
}

static void rogue_dev_script(void *user, struct rogue *r, enum rogue_event ev, const uint8_t *pdu,
                             size_t len)
{
    struct world *w = user;
    if (ev == ROGUE_EVT_LINK_UP) {
        if (w->mode == RD_SILENT)
            rogue_silence(r);
        return;
    }
    if (ev != ROGUE_EVT_PDU || len < 1)
        return;
    switch (pdu[0]) {
    case BM_PROV_INVITE:
        if (len == 1 + BM_PROV_INVITE_LEN)
            r->s.invite[0] = pdu[1];
        memcpy(r->s.caps, rd_caps + 1, BM_PROV_CAPS_LEN);
        send_raw(r, rd_caps, sizeof(rd_caps));
        return;
    case BM_PROV_START:
        if (len == 1 + BM_PROV_START_LEN) {
            memcpy(r->s.start, pdu + 1, BM_PROV_START_LEN);
            r->s.alg = pdu[1];
        }
        if (w->mode == RD_SEND_FAILED) {
            const uint8_t failed[] = {BM_PROV_FAILED, BM_PROV_ERR_OUT_OF_RESOURCES};
            send_raw(r, failed, sizeof(failed));
        }
        return;
    case BM_PROV_PUB_KEY:
        rd_pub_key(w, r, pdu, len);
        return;
    case BM_PROV_CONFIRM:
        rd_confirm(w, r, pdu, len);
        return;
    case BM_PROV_RANDOM:
        w->rogue_got_random = true;
        if (w->mode == RD_REFLECT_CONFIRM) {
            /* CVE-2020-26560: a Random reflected with the Confirmation
             * would open it */
            send_raw(r, pdu, len);
            return;
        }
        if (w->mode == RD_WRONG_RANDOM) {
            /* a Random that does not open the Confirmation we sent */
            size_t n = bm_prov_auth_len(r->s.alg);
            struct bm_prov_pdu rp = {.type = BM_PROV_RANDOM};
            rp.u.random.len = (uint8_t)n;
            memcpy(rp.u.random.value, w->rd_random, n);
            rp.u.random.value[0] ^= 0x01;
            CHECK_EQ(rogue_send_pdu(r, &rp), BM_OK);
        }
        return;
    case BM_PROV_DATA:
        w->rogue_got_data = true;
        return;
    default:
        return;
    }
}

/* --- worlds --- */

static void on_provision(void *user, const struct bm_provision_result *res)
{
    struct world *w = user;
    w->last = *res;
    if (res->event == BM_PROVISION_EVT_OOB_NEEDED) {
        w->oob_needed = true;
        w->oob_size = res->oob_size;
        return;
    }
    w->busy = false;
    if (res->event == BM_PROVISION_EVT_COMPLETE)
        w->pv_complete++;
    else
        w->pv_failed++;
}

enum { WITH_DEVICE = 1, WITH_PROVISIONER = 2, WITH_ROGUE_PROV = 4, WITH_ROGUE_DEV = 8 };

/* Everyone within range of everyone, nothing lost. The order of creation
 * fixes node ids and so every node's random stream. */
static void world_init(struct world *w, uint64_t seed, unsigned what, uint8_t dev_auth,
                       enum mode mode)
{
    memset(w, 0, sizeof(*w));
    w->mode = mode;
    w->rogue_got_failed = -1;
    w->air = calloc(AIR_MAX, sizeof(*w->air));
    CHECK(w->air != NULL);
    struct bm_sim_config cfg;
    bm_sim_config_default(&cfg);
    cfg.seed = seed;
    CHECK_EQ(bm_sim_create(&w->sim, &cfg), BM_OK);
    bm_sim_set_transcript(w->sim, on_air, w);
    CHECK_EQ(bm_sim_set_range(w->sim, 50.0, 1.0), BM_OK);
    if (what & WITH_DEVICE) {
        w->dev = mesh_sim_add(w->sim);
        CHECK_EQ(mesh_sim_device(w->dev, "victim", dev_auth), BM_OK);
        CHECK_EQ(bm_get_uuid(w->dev->node, w->dev_uuid), BM_OK);
        bm_sim_set_position(w->sim, w->dev->id, 0, 0);
    }
    if (what & WITH_PROVISIONER) {
        w->pv = mesh_sim_add(w->sim);
        CHECK_EQ(bm_init(w->pv->node, "provisioner", BM_OOB_NONE), BM_OK);
        CHECK_EQ(bm_create_element(w->pv->node, true, 0, true, 7, NULL), BM_OK);
        CHECK_EQ(bm_prov_create_network(w->pv->node, net_key, 0, 0, 0x0001), BM_OK);
        bm_sim_set_position(w->sim, w->pv->id, 1, 0);
    }
    if (what & (WITH_ROGUE_PROV | WITH_ROGUE_DEV)) {
        w->rg =
            rogue_add(w->sim, (what & WITH_ROGUE_DEV) ? rogue_dev_script : rogue_prov_script, w);
        CHECK(w->rg != NULL);
        bm_sim_set_position(w->sim, w->rg->id, 0, 1);
    }
}

static void world_free(struct world *w)
{
    CHECK(!w->air_full);
    if (w->dev)
        mesh_sim_free(w->dev);
    if (w->pv)
        mesh_sim_free(w->pv);
    bm_sim_free(w->sim);
    rogue_free(w->rg);
    free(w->air);
}

static bool dev_not_failed(void *ctx)
{
    struct world *w = ctx;
    return w->dev->failed == 0;
}

static bool pv_busy(void *ctx)
{
    struct world *w = ctx;
    return w->busy && !w->oob_needed;
}

static bool rogue_probing(void *ctx)
{
    struct world *w = ctx;
    return !w->learned_ok;
}

/* The device's end state after a failure at fail_ms: unprovisioned, and
 * its Unprovisioned Device beacons are on the air again. */
static void check_device_recovered(struct world *w, uint64_t fail_ms)
{
    uint64_t now = bm_sim_now_ms(w->sim);
    if (now < fail_ms + BEACON_WAIT_MS)
        CHECK_EQ(bm_sim_run_until(w->sim, fail_ms + BEACON_WAIT_MS), BM_OK);
    CHECK(!bm_node_is_provisioned(w->dev->node));
    CHECK_EQ(bm_node_addr(w->dev->node), 0);
    CHECK(air_beacons_after(w, w->dev->id, w->dev_uuid, fail_ms) > 0);
}

/* Starts a real provisioning and runs it to its end, typing `typed` (or
 * what the device shows, if NULL) when the value is needed. */
static void run_provisioning(struct world *w, const struct bm_provision_opts *opts,
                             bool wrong_value)
{
    w->busy = true;
    w->oob_needed = false;
    CHECK_EQ(bm_prov_provision(w->pv->node, w->dev_uuid, opts, on_provision, w), BM_OK);
    bm_sim_kick(w->sim, w->pv->id);
    for (;;) {
        int rc = bm_sim_run_while(w->sim, pv_busy, w, 120000);
        if (rc != BM_OK || !w->oob_needed)
            break;
        w->oob_needed = false;
        CHECK(w->dev->shown_count > 0);
        char value[24];
        snprintf(value, sizeof(value), "%s", w->dev->shown);
        if (wrong_value) {
            /* the shown number + 1, still oob_size digits at most */
            uint32_t mod = 1;
            for (uint8_t i = 0; i < w->oob_size && i < 8; i++)
                mod *= 10;
            uint32_t v = (uint32_t)strtoul(w->dev->shown, NULL, 10);
            snprintf(value, sizeof(value), "%u", (unsigned)((v + 1) % mod));
        }
        CHECK_EQ(bm_prov_input_oob(w->pv->node, value), BM_OK);
        bm_sim_kick(w->sim, w->pv->id);
    }
    CHECK(!w->busy);
}

/* After a failure the device is as new: a real provisioner provisions it. */
static bool provisioned_afterwards(struct world *w)
{
    run_provisioning(w, NULL, false);
    bm_sim_run_for(w->sim, 2000);
    CHECK_EQ(w->last.event, BM_PROVISION_EVT_COMPLETE);
    CHECK(bm_node_is_provisioned(w->dev->node));
    CHECK_EQ(w->dev->complete, 1);
    return w->last.event == BM_PROVISION_EVT_COMPLETE && bm_node_is_provisioned(w->dev->node);
}

/* --- 1. wrong OOB value --- */

static void test_wrong_output_oob_value_fails_then_retry_succeeds(void)
{
    struct world w;
    world_init(&w, 101, WITH_DEVICE | WITH_PROVISIONER, BM_OOB_OUTPUT, MODE_NONE);
    run_provisioning(&w, NULL, true);
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_FAILED);
    CHECK_EQ(w.last.err, BM_EAUTH);
    /* the device checks the provisioner's Confirmation first (5.4.2.4) */
    CHECK_EQ(bm_sim_run_while(w.sim, dev_not_failed, &w, 5000), BM_OK);
    uint64_t fail_ms = bm_sim_now_ms(w.sim);
    CHECK_EQ(w.dev->failed, 1);
    CHECK_EQ(w.dev->complete, 0);
    CHECK_EQ(w.dev->fail_reason, BM_PROV_ERR_CONFIRMATION_FAILED);
    check_device_recovered(&w, fail_ms);
    CHECK(air_prov_pdus(&w, w.dev->id, BM_PROV_FAILED, BM_PROV_ERR_CONFIRMATION_FAILED, 0) > 0);
    CHECK_EQ(air_prov_pdus(&w, w.pv->id, BM_PROV_DATA, -1, 0), 0);
    CHECK(air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_FAIL) > 0);
    printf("    wrong OOB value: provisioner %s err=%s reason=0x%02x, device failed 0x%02x, %s\n",
           w.last.event == BM_PROVISION_EVT_FAILED ? "FAILED" : "COMPLETE", bm_strerror(w.last.err),
           w.last.reason, w.dev->fail_reason,
           bm_node_is_provisioned(w.dev->node) ? "PROVISIONED" : "unprovisioned, beaconing");

    /* a second attempt with the value the device shows now */
    run_provisioning(&w, NULL, false);
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_COMPLETE);
    CHECK_EQ(w.pv_complete, 1);
    bm_sim_run_for(w.sim, 2000);
    CHECK(bm_node_is_provisioned(w.dev->node));
    CHECK_EQ(w.dev->complete, 1);
    CHECK_EQ(w.dev->shown_count, 2);
    printf("    retry with the right value: %s, device addr 0x%04x\n",
           w.last.event == BM_PROVISION_EVT_COMPLETE ? "complete" : "FAILED",
           bm_node_addr(w.dev->node));
    world_free(&w);
}

/* --- 2, 3. rogue provisioner reflecting / sending a bad key --- */

/* Runs a rogue provisioner against a fresh No OOB device until the device
 * fails (or limit_ms). Returns the virtual time of the failure. */
static uint64_t rogue_prov_run(struct world *w, uint64_t seed, unsigned what, enum mode mode,
                               uint64_t limit_ms)
{
    world_init(w, seed, WITH_DEVICE | WITH_ROGUE_PROV | what, BM_OOB_NONE, mode);
    CHECK_EQ(rogue_open(w->rg, w->dev_uuid), BM_OK);
    bm_sim_run_while(w->sim, dev_not_failed, w, limit_ms);
    return bm_sim_now_ms(w->sim);
}

/* Learns the value the device will use (probe) with this seed. */
static bool probe(uint64_t seed, enum mode mode, uint8_t *out, size_t *out_len)
{
    struct world w;
    world_init(&w, seed, WITH_DEVICE | WITH_ROGUE_PROV, BM_OOB_NONE, mode);
    CHECK_EQ(rogue_open(w.rg, w.dev_uuid), BM_OK);
    CHECK_EQ(bm_sim_run_while(w.sim, rogue_probing, &w, 10000), BM_OK);
    bool ok = w.learned_ok;
    memcpy(out, w.learned, w.learned_len);
    *out_len = w.learned_len;
    world_free(&w);
    return ok;
}

static void expect_device_failed(struct world *w, uint64_t fail_ms, uint8_t code, const char *what)
{
    CHECK_EQ(w->dev->failed, 1);
    CHECK_EQ(w->dev->complete, 0);
    CHECK_EQ(w->dev->fail_reason, code);
    check_device_recovered(w, fail_ms); /* runs on: the Failed PDU goes out */
    CHECK(air_prov_pdus(w, w->dev->id, BM_PROV_FAILED, code, 0) > 0);
    CHECK_EQ(w->rogue_got_failed, code);
    bool beacons = air_beacons_after(w, w->dev->id, w->dev_uuid, fail_ms) > 0;
    printf("    %-44s device sent Failed 0x%02x (want 0x%02x), %s, %s\n", what,
           w->rogue_got_failed < 0 ? 0 : w->rogue_got_failed, code,
           bm_node_is_provisioned(w->dev->node) ? "PROVISIONED" : "unprovisioned",
           beacons ? "beaconing" : "NOT beaconing");
}

static void reflection_attack(uint64_t seed, enum mode probe_mode, enum mode attack_mode,
                              uint8_t code, const char *what)
{
    uint8_t learned[BM_P256_PUB_LEN];
    size_t learned_len = 0;
    CHECK(probe(seed, probe_mode, learned, &learned_len));

    /* the same seed and the same calls as the probe, up to the reflection */
    struct world w;
    world_init(&w, seed, WITH_DEVICE | WITH_ROGUE_PROV, BM_OOB_NONE, attack_mode);
    memcpy(w.learned, learned, learned_len);
    w.learned_len = learned_len;
    w.learned_ok = true;
    CHECK_EQ(rogue_open(w.rg, w.dev_uuid), BM_OK);
    bm_sim_run_while(w.sim, dev_not_failed, &w, 10000);
    uint64_t t = bm_sim_now_ms(w.sim);
    if (w.peer_answered)
        printf("    %-44s the device answered with its own value: %s\n", what,
               w.peer_value_same ? "the same as reflected: reflection NOT detected"
                                 : "a different one: replay premise broken (test problem)");
    CHECK(!w.peer_answered);
    expect_device_failed(&w, t, code, what);
    world_free(&w);
}

static void test_rogue_provisioner_reflects_device_confirmation(void)
{
    reflection_attack(202, RP_PROBE_CONFIRM, RP_REFLECT_CONFIRM, BM_PROV_ERR_CONFIRMATION_FAILED,
                      "reflected device Confirmation:");
}

static void test_rogue_provisioner_reflects_device_public_key(void)
{
    reflection_attack(303, RP_PROBE_PUBKEY, RP_REFLECT_PUBKEY, BM_PROV_ERR_INVALID_FORMAT,
                      "reflected device public key:");
}

static void test_rogue_provisioner_public_key_off_curve(void)
{
    struct world w;
    uint64_t t = rogue_prov_run(&w, 304, 0, RP_OFFCURVE_PUBKEY, 10000);
    CHECK(!w.peer_answered);
    expect_device_failed(&w, t, BM_PROV_ERR_INVALID_FORMAT, "public key off the curve:");
    world_free(&w);
}

/* --- 4. rogue device against a real provisioner --- */

static void rogue_device_case(uint64_t seed, enum mode mode, int want_err, int want_reason,
                              const char *what)
{
    struct world w;
    world_init(&w, seed, WITH_PROVISIONER | WITH_ROGUE_DEV, BM_OOB_NONE, mode);
    /* the rogue answers for a UUID of its own; the provisioner asks for it */
    for (int i = 0; i < 16; i++)
        w.dev_uuid[i] = (uint8_t)(0xa0 + i);
    rogue_listen(w.rg, w.dev_uuid);
    w.busy = true;
    CHECK_EQ(bm_prov_provision(w.pv->node, w.dev_uuid, NULL, on_provision, &w), BM_OK);
    bm_sim_kick(w.sim, w.pv->id);
    CHECK_EQ(bm_sim_run_while(w.sim, pv_busy, &w, 120000), BM_OK);
    bm_sim_run_for(w.sim, 2000); /* the Link Close goes out */
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_FAILED);
    CHECK_EQ(w.pv_failed, 1);
    CHECK_EQ(w.pv_complete, 0);
    if (want_err)
        CHECK_EQ(w.last.err, want_err);
    if (want_reason >= 0)
        CHECK_EQ(w.last.reason, want_reason);
    CHECK(!w.rogue_got_data);
    if (mode == RD_REFLECT_CONFIRM) {
        /* the reflected Confirmation itself must stop it (Mesh Protocol
         * 1.1 5.4.2.4), before the provisioner reveals its Random */
        CHECK(!w.rogue_got_random);
    }
    /* 5.3.1.4.3: the provisioner closes the link, reason Fail */
    int closes = air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_FAIL);
    CHECK(closes > 0);
    size_t n = 0;
    struct bm_prov_node_info nodes[2];
    CHECK_EQ(bm_prov_nodes(w.pv->node, nodes, 2, &n), BM_OK);
    CHECK_EQ(n, 0);
    printf("    %-44s provisioner %s err=%s reason=0x%02x, Link Close(Fail) %s, %s\n", what,
           w.last.event == BM_PROVISION_EVT_FAILED ? "FAILED" : "COMPLETE", bm_strerror(w.last.err),
           w.last.reason, closes > 0 ? "sent" : "NOT sent",
           w.rogue_got_data ? "DATA HANDED OVER" : "no data");
    world_free(&w);
}

static void test_rogue_device_reflects_provisioner_public_key(void)
{
    rogue_device_case(401, RD_REFLECT_PUBKEY, BM_EBADKEY, -1, "device reflects provisioner key:");
}

static void test_rogue_device_public_key_off_curve(void)
{
    rogue_device_case(402, RD_OFFCURVE_PUBKEY, BM_EBADKEY, -1, "device key off the curve:");
}

static void test_rogue_device_reflects_provisioner_confirmation(void)
{
    rogue_device_case(403, RD_REFLECT_CONFIRM, BM_EAUTH, -1, "device reflects Confirmation:");
}

static void test_rogue_device_random_does_not_match_confirmation(void)
{
    rogue_device_case(404, RD_WRONG_RANDOM, BM_EAUTH, -1, "device Random != its Confirmation:");
}

static void test_rogue_device_sends_provisioning_failed(void)
{
    /* the reason reported is the code the device sent (provisioner.h) */
    rogue_device_case(405, RD_SEND_FAILED, 0, BM_PROV_ERR_OUT_OF_RESOURCES,
                      "device sends Failed(Out of Resources):");
}

/* --- 5. silent links --- */

static void test_device_gives_up_on_silent_provisioner_after_60s(void)
{
    struct world w;
    world_init(&w, 501, WITH_DEVICE | WITH_PROVISIONER | WITH_ROGUE_PROV, BM_OOB_NONE, RP_SILENT);
    CHECK_EQ(rogue_open(w.rg, w.dev_uuid), BM_OK);
    bm_sim_run_for(w.sim, 1000);
    uint64_t up = w.rg->link_up_ms; /* the device opened the link just before */
    CHECK(up > 0);
    /* 5.4.4: the provisioning protocol times out after 60 s without a PDU */
    CHECK_EQ(bm_sim_run_until(w.sim, up + 59500), BM_OK);
    bool early = w.dev->failed != 0;
    CHECK(!early);
    bm_sim_run_while(w.sim, dev_not_failed, &w, up + 61000 - bm_sim_now_ms(w.sim));
    uint64_t t = bm_sim_now_ms(w.sim);
    CHECK_EQ(w.dev->failed, 1);
    CHECK(t <= up + 61000);
    CHECK_EQ(w.dev->fail_reason, 0); /* a timeout has no Provisioning Failed code */
    check_device_recovered(&w, t);
    printf("    silent provisioner: link up at %llu ms, device gave up %s at %llu ms (+%llu), "
           "%s\n",
           (unsigned long long)up, early ? "EARLY" : "", (unsigned long long)t,
           (unsigned long long)(t - up),
           bm_node_is_provisioned(w.dev->node) ? "PROVISIONED" : "unprovisioned, beaconing");
    printf("    then a real provisioner: %s\n", provisioned_afterwards(&w) ? "complete" : "FAILED");
    world_free(&w);
}

static void test_provisioner_times_out_on_silent_device(void)
{
    struct world w;
    world_init(&w, 502, WITH_PROVISIONER | WITH_ROGUE_DEV, BM_OOB_NONE, RD_SILENT);
    for (int i = 0; i < 16; i++)
        w.dev_uuid[i] = (uint8_t)(0xb0 + i);
    rogue_listen(w.rg, w.dev_uuid);
    w.busy = true;
    CHECK_EQ(bm_prov_provision(w.pv->node, w.dev_uuid, NULL, on_provision, &w), BM_OK);
    bm_sim_kick(w.sim, w.pv->id);
    CHECK_EQ(bm_sim_run_while(w.sim, pv_busy, &w, 120000), BM_OK);
    uint64_t t = bm_sim_now_ms(w.sim);
    bm_sim_run_for(w.sim, 2000);
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_FAILED);
    CHECK_EQ(w.last.err, BM_ETIMEOUT);
    /* 5.3.2: the Invite transaction is given up after 30 s; 5.4.4: the
     * protocol after 60 s. Either way not before 30 s, not after 61 s. */
    CHECK(t >= 29000 && t <= 61000);
    int closes = air_link_closes(&w, w.pv->id, -1);
    CHECK(closes > 0);
    CHECK_EQ(air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_SUCCESS), 0);
    printf("    silent device: provisioner %s err=%s after %llu ms, Link Close %s "
           "(Timeout: %d, Fail: %d)\n",
           w.last.event == BM_PROVISION_EVT_FAILED ? "FAILED" : "COMPLETE", bm_strerror(w.last.err),
           (unsigned long long)t, closes > 0 ? "sent" : "NOT sent",
           air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_TIMEOUT),
           air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_FAIL));
    world_free(&w);
}

/* --- 6. malformed Provisioning PDUs to a device --- */

static void malformed_case(uint64_t seed, enum mode mode, uint8_t code, const char *what)
{
    struct world w;
    uint64_t t = rogue_prov_run(&w, seed, WITH_PROVISIONER, mode, 10000);
    expect_device_failed(&w, t, code, what);
    CHECK_EQ(air_prov_pdus(&w, w.dev->id, BM_PROV_PUB_KEY, -1, 0), 0);
    if (!provisioned_afterwards(&w))
        printf("    %-44s then a real provisioner FAILED\n", what);
    world_free(&w);
}

static void test_device_rejects_malformed_pdus(void)
{
    malformed_case(601, RP_INVITE_LONG, BM_PROV_ERR_INVALID_FORMAT, "Invite one octet too long:");
    malformed_case(602, RP_INVITE_SHORT, BM_PROV_ERR_INVALID_FORMAT, "Invite without parameter:");
    malformed_case(603, RP_TYPE_0A, BM_PROV_ERR_INVALID_PDU, "PDU type 0x0a:");
    malformed_case(604, RP_RFU_BITS, BM_PROV_ERR_INVALID_PDU, "Invite with RFU type bits set:");
    malformed_case(605, RP_START_OUTPUT_OOB, BM_PROV_ERR_INVALID_FORMAT,
                   "Start: Output OOB not offered:");
    malformed_case(606, RP_START_OOB_PUBKEY, BM_PROV_ERR_INVALID_FORMAT,
                   "Start: OOB public key not offered:");
    malformed_case(607, RP_START_FIRST, BM_PROV_ERR_UNEXPECTED_PDU, "valid Start before Invite:");
    malformed_case(608, RP_PUBKEY_BEFORE_START, BM_PROV_ERR_UNEXPECTED_PDU,
                   "valid Public Key before Start:");
}

/* --- 7. refuse_no_oob --- */

static void test_provisioner_refusing_no_oob_fails_on_no_oob_device(void)
{
    struct world w;
    world_init(&w, 701, WITH_DEVICE | WITH_PROVISIONER, BM_OOB_NONE, MODE_NONE);
    struct bm_provision_opts opts = {.refuse_no_oob = true};
    run_provisioning(&w, &opts, false);
    bm_sim_run_for(w.sim, 3000);
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_FAILED);
    CHECK_EQ(w.pv_complete, 0);
    CHECK(!bm_node_is_provisioned(w.dev->node));
    CHECK_EQ(w.dev->complete, 0);
    /* nothing after Capabilities: no Start, no key exchange */
    CHECK_EQ(air_prov_pdus(&w, w.pv->id, BM_PROV_START, -1, 0), 0);
    CHECK(air_link_closes(&w, w.pv->id, -1) > 0);
    CHECK_EQ(air_link_closes(&w, w.pv->id, BM_PBADV_CLOSE_SUCCESS), 0);
    check_device_recovered(&w, bm_sim_now_ms(w.sim));
    printf("    refuse_no_oob vs No OOB device: provisioner %s err=%s, device %s\n",
           w.last.event == BM_PROVISION_EVT_FAILED ? "FAILED" : "COMPLETE", bm_strerror(w.last.err),
           bm_node_is_provisioned(w.dev->node) ? "PROVISIONED" : "unprovisioned, beaconing");
    world_free(&w);
}

/* --- 8. garbage on the air --- */

static void test_pbadv_garbage_does_not_break_provisioning(void)
{
    struct world w;
    world_init(&w, 801, WITH_DEVICE | WITH_PROVISIONER | WITH_ROGUE_DEV, BM_OOB_OUTPUT, MODE_NONE);
    /* the rogue listens for nobody's UUID: it only jams */
    static const uint8_t nobody[16] = {0};
    rogue_listen(w.rg, nobody);
    rogue_jam(w.rg, true);
    /* a few hand-made ones besides: empty, header only, a Start whose
     * TotalLength the data does not fill, an RFU bearer opcode */
    static const uint8_t junk[][12] = {
        {2, BM_PBADV_AD_TYPE},
        {6, BM_PBADV_AD_TYPE, 1, 2, 3, 4, 0},
        {10, BM_PBADV_AD_TYPE, 1, 2, 3, 4, 0, 0x00, 0x00, 0x41, 0x12, 0x03},
        {7, BM_PBADV_AD_TYPE, 1, 2, 3, 4, 0, 0x3f << 2 | 0x03},
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        rogue_send_adv(w.rg, junk[i], (size_t)junk[i][0] + 1);
    run_provisioning(&w, NULL, false);
    bm_sim_run_for(w.sim, 2000);
    CHECK_EQ(w.last.event, BM_PROVISION_EVT_COMPLETE);
    CHECK_EQ(w.pv_complete, 1);
    CHECK_EQ(w.pv_failed, 0);
    CHECK(bm_node_is_provisioned(w.dev->node));
    CHECK_EQ(w.dev->complete, 1);
    CHECK_EQ(w.dev->failed, 0);
    CHECK(w.rg->garbage_sent > 100);
    printf("    %llu garbage advertisements during provisioning: %s in %llu ms\n",
           (unsigned long long)w.rg->garbage_sent,
           w.last.event == BM_PROVISION_EVT_COMPLETE ? "complete" : "FAILED",
           (unsigned long long)bm_sim_now_ms(w.sim));
    world_free(&w);
}

int main(void)
{
    BM_RUN(test_wrong_output_oob_value_fails_then_retry_succeeds);
    BM_RUN(test_rogue_provisioner_reflects_device_confirmation);
    BM_RUN(test_rogue_provisioner_reflects_device_public_key);
    BM_RUN(test_rogue_provisioner_public_key_off_curve);
    BM_RUN(test_rogue_device_reflects_provisioner_public_key);
    BM_RUN(test_rogue_device_public_key_off_curve);
    BM_RUN(test_rogue_device_reflects_provisioner_confirmation);
    BM_RUN(test_rogue_device_random_does_not_match_confirmation);
    BM_RUN(test_rogue_device_sends_provisioning_failed);
    BM_RUN(test_device_gives_up_on_silent_provisioner_after_60s);
    BM_RUN(test_provisioner_times_out_on_silent_device);
    BM_RUN(test_device_rejects_malformed_pdus);
    BM_RUN(test_provisioner_refusing_no_oob_fails_on_no_oob_device);
    BM_RUN(test_pbadv_garbage_does_not_break_provisioning);
    return bm_test_done();
}
