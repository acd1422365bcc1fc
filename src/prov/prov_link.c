/* PB-ADV link and provisioning protocol state machine, device and
 * provisioner roles (Mesh Profile 5.3, 5.4; Mesh Protocol 1.1 5.4.2 for
 * the HMAC algorithm).
 *
 * Invariants: one link at a time; at most one transaction of ours is in
 * flight (plus one queued behind it); every PDU from the air is parsed and
 * checked before any state changes; a failure wipes the secrets and the
 * device never takes provisioning data it could not fully verify. The
 * 2020 advisories' defences: a peer public key equal to ours or off the
 * curve, a peer Confirmation equal to ours, and a peer Random equal to ours
 * all fail the procedure. */
#include <string.h>

#include "blemesh/errors.h"
#include "blemesh/platform.h"
#include "prov/prov_crypto.h"
#include "prov/prov_link.h"

#define LINK_IDLE BM_PROV_LINK_IDLE
#define LINK_OPENING BM_PROV_LINK_OPENING
#define LINK_OPEN BM_PROV_LINK_OPEN
#define LINK_CLOSING BM_PROV_LINK_CLOSING

/* Where each part of the ConfirmationInputs lies (Mesh Profile 5.4.2.4). */
#define CONF_INVITE 0
#define CONF_CAPS (CONF_INVITE + BM_PROV_INVITE_LEN)
#define CONF_START (CONF_CAPS + BM_PROV_CAPS_LEN)
#define CONF_PROV_PUB (CONF_START + BM_PROV_START_LEN)
#define CONF_DEV_PUB (CONF_PROV_PUB + BM_P256_PUB_LEN)
_Static_assert(CONF_DEV_PUB + BM_P256_PUB_LEN == BM_PROV_CONF_INPUTS_LEN,
               "ConfirmationInputs are Invite, Capabilities, Start and the two public keys");

#define EXPECT_NONE 0xff
#define NEVER 0 /* a deadline not set (bm_time.h) */

/* Kept out of line: the link lives at a fixed place in a node that is often
 * a static object, and where the optimiser (with -flto) inlines the
 * protocol into its caller, every field is reached through a literal
 * address instead of a small offset from the one pointer l; on Thumb-1
 * that cost the light image about 430 octets. A hint, nothing more. */
#if defined(__GNUC__)
#define BM_NOINLINE __attribute__((noinline))
#else
#define BM_NOINLINE
#endif

/* The link's events are debug lines (the node logs them at BM_LOG_DBG):
 * compiled out, strings and all, where debug lines are (BM_CFG_LOG_LEVEL). */
static void log_event(struct bm_prov_link *l, const char *event)
{
    if ((int)BM_LOG_DBG < BM_CFG_LOG_LEVEL && l->ops->log)
        l->ops->log(l->ctx, event);
}

static void wipe_protocol(struct bm_prov_link *l)
{
    bm_crypto_wipe(&l->att, sizeof(l->att)); /* the reassembler back to idle too */
    l->auth_ready = false;
    l->peer_pub_ready = false;
    l->confirm_sent = false;
    l->peer_confirm_ready = false;
    l->tx_pending = false;
    l->tx_len = 0;
    l->queued_len = 0;
}

/* Back to idle: a device keeps listening if it was enabled. */
static void to_idle(struct bm_prov_link *l)
{
    wipe_protocol(l);
    l->state = LINK_IDLE;
    l->link_deadline = NEVER;
    l->tx_deadline = NEVER;
    l->trans_deadline = NEVER;
    l->close_left = 0;
    l->done = false;
    l->expect = EXPECT_NONE;
    l->role = l->device_enabled ? BM_PROV_ROLE_DEVICE : BM_PROV_ROLE_NONE;
}

void bm_prov_link_init(struct bm_prov_link *l, const struct bm_prov_link_ops *ops, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->ops = ops;
    l->ctx = ctx;
    to_idle(l);
}

void bm_prov_link_reset(struct bm_prov_link *l)
{
    bm_crypto_wipe(&l->pv_cfg, sizeof(l->pv_cfg));
    to_idle(l);
}

bool bm_prov_link_active(const struct bm_prov_link *l)
{
    return l->state != LINK_IDLE && l->state != LINK_CLOSING;
}

/* --- bearer: sending --- */

static void send_raw(struct bm_prov_link *l, const uint8_t *pdu, size_t len)
{
    l->ops->send(l->ctx, pdu, len);
}

static void send_segments(struct bm_prov_link *l)
{
    uint8_t n = bm_pbadv_seg_count(l->tx_len);
    for (uint8_t i = 0; i < n; i++) {
        uint8_t out[BM_PBADV_MAX_LEN];
        size_t len;
        if (bm_pbadv_build_segment(l->link_id, l->tx_trans, l->att.tx_pdu, l->tx_len, i, out,
                                   sizeof(out), &len) == BM_OK)
            send_raw(l, out, len);
    }
}

static void start_transaction(struct bm_prov_link *l, const uint8_t *pdu, size_t len)
{
    memcpy(l->att.tx_pdu, pdu, len);
    l->tx_len = len;
    l->tx_pending = true;
    l->trans_deadline = bm_ms_after(l->now, BM_PROV_TRANS_TIMEOUT_MS);
    l->tx_deadline = bm_ms_after(l->now, BM_PROV_RETRANSMIT_MS);
    send_segments(l);
}

/* Sends a Provisioning PDU as the next transaction, or queues it behind
 * the one in flight. */
static void send_built(struct bm_prov_link *l, const uint8_t *buf, size_t len)
{
    if (l->bearer == BM_PROV_BEARER_GATT) {
        /* 5.2.2: GATT is reliable; no transactions, no retransmission */
        l->gatt->send(l->ctx, buf, len);
    } else if (l->tx_pending) {
        memcpy(l->att.queued_pdu, buf, len);
        l->queued_len = len;
    } else {
        start_transaction(l, buf, len);
    }
}

/* A PDU whose parameters are plain octets (Public Key, Confirmation,
 * Random, Complete, Failed): its type octet, then param. */
static void send_octets(struct bm_prov_link *l, uint8_t type, const uint8_t *param, size_t n)
{
    uint8_t buf[BM_PROV_PDU_MAX_LEN];
    buf[0] = type;
    if (n) /* Complete has none (and param may be NULL) */
        memcpy(buf + 1, param, n);
    send_built(l, buf, 1 + n);
    bm_crypto_wipe(buf, sizeof(buf));
}

static void send_pdu(struct bm_prov_link *l, const struct bm_prov_pdu *pdu)
{
    uint8_t buf[BM_PROV_PDU_MAX_LEN];
    size_t len;
    if (bm_prov_pdu_build(pdu, buf, sizeof(buf), &len) == BM_OK)
        send_built(l, buf, len);
    bm_crypto_wipe(buf, sizeof(buf));
}

static void tx_acked(struct bm_prov_link *l)
{
    l->tx_pending = false;
    l->trans_deadline = NEVER;
    l->tx_deadline = NEVER;
    l->tx_trans = bm_pbadv_tn_next(l->tx_trans);
    if (l->queued_len) {
        size_t len = l->queued_len;
        l->queued_len = 0;
        send_built(l, l->att.queued_pdu, len); /* PB-ADV, none in flight: it starts */
    }
}

/* Link Open and Link Close are the provisioner's; a device only acks. */
static void send_ctl(struct bm_prov_link *l, uint8_t opcode)
{
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t len;
    const uint8_t *param = NULL;
    size_t param_len = 0;
    if (BM_CFG_PROVISIONER && opcode == BM_PBADV_LINK_OPEN) {
        param = l->pv_cfg.uuid;
        param_len = 16;
    } else if (BM_CFG_PROVISIONER && opcode == BM_PBADV_LINK_CLOSE) {
        param = &l->close_reason;
        param_len = 1;
    }
    if (bm_pbadv_build_ctl(l->link_id, opcode, param, param_len, out, sizeof(out), &len) == BM_OK)
        send_raw(l, out, len);
}

/* Ends the link: PB-GATT by ending the connection, PB-ADV (only a
 * provisioner closes one) with Link Close, repeated. */
static void close_link(struct bm_prov_link *l, uint8_t reason)
{
    if (!BM_CFG_PROVISIONER || l->bearer == BM_PROV_BEARER_GATT) {
        /* 5.2.2: a PB-GATT link is closed by ending the connection */
        to_idle(l);
        l->gatt->close(l->ctx);
        return;
    }
    wipe_protocol(l);
    l->state = LINK_CLOSING;
    l->close_reason = reason;
    l->close_left = BM_PROV_CLOSE_REPEAT - 1;
    l->link_deadline = NEVER;
    l->trans_deadline = NEVER;
    l->tx_deadline = bm_ms_after(l->now, BM_PROV_RETRANSMIT_MS);
    send_ctl(l, BM_PBADV_LINK_CLOSE);
}

static int err_of_reason(uint8_t reason)
{
    switch (reason) {
    case BM_PROV_ERR_CONFIRMATION_FAILED:
    case BM_PROV_ERR_DECRYPTION_FAILED:
        return BM_EAUTH;
    case BM_PROV_ERR_OUT_OF_RESOURCES:
    case BM_PROV_ERR_CANNOT_ASSIGN_ADDRESSES:
        return BM_ENOSPC;
    case BM_PROV_ERR_INVALID_PDU:
    case BM_PROV_ERR_INVALID_FORMAT:
    case BM_PROV_ERR_UNEXPECTED_PDU:
        return BM_EMALFORMED;
    default:
        return BM_ESTATE;
    }
}

/* On a link in progress: our role is the device's (the only one there is
 * without BM_CFG_PROVISIONER). */
static bool is_device(const struct bm_prov_link *l)
{
    return !BM_CFG_PROVISIONER || l->role == BM_PROV_ROLE_DEVICE;
}

/* Our public key and the peer's, where the ConfirmationInputs hold them. */
static uint8_t *own_pub(struct bm_prov_link *l)
{
    return l->conf_inputs + (is_device(l) ? CONF_DEV_PUB : CONF_PROV_PUB);
}

static uint8_t *peer_pub(struct bm_prov_link *l)
{
    return l->conf_inputs + (is_device(l) ? CONF_PROV_PUB : CONF_DEV_PUB);
}

static const uint8_t *peer_uuid(const struct bm_prov_link *l)
{
    return BM_CFG_PROVISIONER && l->role == BM_PROV_ROLE_PROVISIONER ? l->pv_cfg.uuid
                                                                    : l->dev_cfg.uuid;
}

/* The procedure failed on our side. A device sends Provisioning Failed and
 * waits for the provisioner to close the link; a provisioner closes it. */
static void fail(struct bm_prov_link *l, int err, uint8_t reason)
{
    if (l->done)
        return;
    l->done = true;
    l->expect = EXPECT_NONE;
    log_event(l, "failed");
    uint8_t uuid[16];
    memcpy(uuid, peer_uuid(l), 16);
    if (is_device(l)) {
        wipe_protocol(l);
        uint8_t code = reason ? reason : BM_PROV_ERR_UNEXPECTED_ERROR;
        /* a device fails only on a PDU (handle_pdu), which restarted the
         * link timer: it waits that long for the provisioner's Link Close */
        send_octets(l, BM_PROV_FAILED, &code, 1);
    } else if (BM_CFG_PROVISIONER) {
        close_link(l, BM_PBADV_CLOSE_FAIL);
    }
    l->ops->failed(l->ctx, uuid, err, reason);
}

/* --- protocol --- */

/* The algorithm agreed in Start. */
static uint8_t alg_of(const struct bm_prov_link *l)
{
    return l->start.algorithm;
}

/* Used once Start is agreed, which admits only the two algorithms. */
static size_t auth_len(const struct bm_prov_link *l)
{
    return l->auth_n;
}

/* Start agreed: its algorithm fixes the length of what follows. */
static void agree_start(struct bm_prov_link *l, const struct bm_prov_start *st)
{
    l->start = *st;
    l->auth_n = (uint8_t)bm_prov_auth_len(st->algorithm);
}

static int gen_keys(struct bm_prov_link *l)
{
    return bm_crypto_p256_keygen(l->ops->random, l->ctx, l->att.priv, own_pub(l));
}

/* After both public keys: ECDH and the ConfirmationSalt over the inputs
 * gathered in place. */
static int key_exchange(struct bm_prov_link *l)
{
    if (bm_prov_is_reflection(own_pub(l), peer_pub(l), BM_P256_PUB_LEN))
        return BM_EBADKEY;
    int rc = bm_crypto_p256_ecdh(l->att.priv, peer_pub(l), l->att.secret);
    if (rc == BM_OK)
        rc = bm_prov_conf_salt(alg_of(l), l->conf_inputs, l->conf_salt);
    return rc;
}

/* With the AuthValue known: our Random and Confirmation. */
static int make_confirmation(struct bm_prov_link *l)
{
    int rc = bm_prov_conf_key(alg_of(l), l->att.secret, l->conf_salt, l->att.auth, l->att.conf_key);
    if (rc == BM_OK && l->ops->random(l->ctx, l->att.random, auth_len(l)) != 0)
        rc = BM_ECRYPTO;
    if (rc == BM_OK)
        rc = bm_prov_confirmation(alg_of(l), l->att.conf_key, l->att.random, l->att.auth,
                                  l->confirm);
    return rc;
}

/* Our Confirmation or Random (one layout). */
static void send_auth_sized(struct bm_prov_link *l, uint8_t type, const uint8_t *value)
{
    send_octets(l, type, value, auth_len(l));
}

static void send_pub_key(struct bm_prov_link *l)
{
    send_octets(l, BM_PROV_PUB_KEY, own_pub(l), BM_P256_PUB_LEN);
}

/* Parameters of a PDU as sent (without the type octet), for the
 * confirmation inputs. */
static void raw_params(const struct bm_prov_pdu *p, uint8_t *out, size_t len)
{
    uint8_t buf[BM_PROV_PDU_MAX_LEN];
    size_t n = 0;
    if (bm_prov_pdu_build(p, buf, sizeof(buf), &n) == BM_OK && n == len + 1)
        memcpy(out, buf + 1, len);
}

static bool derive_session(struct bm_prov_link *l, struct bm_prov_session *s)
{
    uint8_t salt[BM_PROV_SALT_LEN];
    bool device = is_device(l);
    int rc = bm_prov_prov_salt(alg_of(l), l->conf_salt, device ? l->peer_random : l->att.random,
                               device ? l->att.random : l->peer_random, salt);
    if (rc == BM_OK)
        rc = bm_prov_session_derive(l->att.secret, salt, s);
    return rc == BM_OK;
}

/* Both roles: the peer's Public Key, then ECDH. A reflected or invalid key
 * fails with Invalid Format (Mesh Profile 5.4.4; CVE-2020-26560). */
static int take_peer_pub(struct bm_prov_link *l, const struct bm_prov_pdu *p)
{
    memcpy(peer_pub(l), p->u.pub_key, BM_P256_PUB_LEN);
    return key_exchange(l);
}

/* Device: Provisioning Data, the last step (Mesh Profile 5.4.2.5). */
static int device_data(struct bm_prov_link *l, const struct bm_prov_pdu *p, uint8_t *reason)
{
    struct bm_prov_session s;
    struct bm_prov_result_data r;
    if (!derive_session(l, &s))
        return BM_ECRYPTO;
    /* r.data is written only when the data decrypted and decoded */
    int rc = bm_prov_data_decrypt(&s, p->u.data.enc, p->u.data.mic, &r.data);
    if (rc != BM_OK) {
        bm_crypto_wipe(&s, sizeof(s));
        *reason = rc == BM_EAUTH ? BM_PROV_ERR_DECRYPTION_FAILED : BM_PROV_ERR_INVALID_FORMAT;
        return rc;
    }
    r.algorithm = alg_of(l);
    memcpy(r.dev_key, s.dev_key, BM_KEY_LEN);
    bm_crypto_wipe(&s, sizeof(s));
    wipe_protocol(l);
    send_octets(l, BM_PROV_COMPLETE, NULL, 0);
    l->expect = EXPECT_NONE;
    l->done = true;
    /* provisioned: no more links until a reset re-enables us */
    l->device_enabled = false;
    log_event(l, "complete");
    l->ops->complete(l->ctx, l->dev_cfg.uuid, &r, l->dev_cfg.caps.num_elements);
    bm_crypto_wipe(&r, sizeof(r));
    return BM_OK;
}

/* Device: our Capabilities' parameters (Mesh Profile 5.4.1.2), the
 * multi-octet fields big-endian. The node derives them from its settings,
 * which admit only valid ones. */
static void encode_caps(const struct bm_prov_caps *c, uint8_t *b)
{
    b[0] = c->num_elements;
    b[1] = (uint8_t)(c->algorithms >> 8);
    b[2] = (uint8_t)c->algorithms;
    b[3] = c->pub_key_type;
    b[4] = c->static_oob_type;
    b[5] = c->output_oob_size;
    b[6] = (uint8_t)(c->output_oob_action >> 8);
    b[7] = (uint8_t)c->output_oob_action;
    b[8] = c->input_oob_size;
    b[9] = (uint8_t)(c->input_oob_action >> 8);
    b[10] = (uint8_t)c->input_oob_action;
}

/* Device: one PDU of the type expected, parsed (p) and as received
 * (params: its parameters, for the confirmation inputs). Returns 0, or the
 * cause of the failure with *reason the Provisioning Failed error code to
 * send (left at Unexpected Error where our own side failed). */
static int device_pdu(struct bm_prov_link *l, const struct bm_prov_pdu *p, const uint8_t *params,
                      uint8_t *reason)
{
    int rc;
    switch (p->type) {
    case BM_PROV_INVITE: {
        l->conf_inputs[CONF_INVITE] = p->u.attention_duration_s;
        uint8_t *caps = l->conf_inputs + CONF_CAPS;
        encode_caps(&l->dev_cfg.caps, caps);
        send_octets(l, BM_PROV_CAPABILITIES, caps, BM_PROV_CAPS_LEN);
        l->expect = BM_PROV_START;
        log_event(l, "invite");
        return BM_OK;
    }
    case BM_PROV_START:
        if (bm_prov_start_fits_caps(&p->u.start, &l->dev_cfg.caps) != BM_OK ||
            p->u.start.pub_key != BM_PROV_PUB_KEY_NO_OOB ||
            p->u.start.auth_method == BM_PROV_AUTH_STATIC ||
            p->u.start.auth_method == BM_PROV_AUTH_INPUT) {
            *reason = BM_PROV_ERR_INVALID_FORMAT;
            return BM_EMALFORMED;
        }
        agree_start(l, &p->u.start);
        memcpy(l->conf_inputs + CONF_START, params, BM_PROV_START_LEN);
        l->expect = BM_PROV_PUB_KEY;
        return gen_keys(l) == BM_OK ? BM_OK : BM_ECRYPTO;
    case BM_PROV_PUB_KEY:
        rc = take_peer_pub(l, p);
        if (rc != BM_OK) {
            *reason = BM_PROV_ERR_INVALID_FORMAT;
            return rc;
        }
        send_pub_key(l);
        /* Mesh Profile 5.4.2.4: the device outputs its value once the
         * public keys are exchanged (Start fit our Capabilities, so we
         * offer Output OOB and output_oob is installed). With No OOB the
         * AuthValue is all zeros, as att.auth is since the attempt began. */
        if (l->start.auth_method == BM_PROV_AUTH_OUTPUT &&
            (!l->output_oob || l->output_oob(l) != BM_OK))
            return BM_ECRYPTO;
        l->expect = BM_PROV_CONFIRM;
        return make_confirmation(l) == BM_OK ? BM_OK : BM_ECRYPTO;
    case BM_PROV_CONFIRM:
    case BM_PROV_RANDOM: {
        /* One sequence for both (the parser fixed their length to the
         * algorithm's): the peer's value checked and kept, ours sent back,
         * the next type expected. A peer Confirmation equal to ours, or a
         * Random that does not confirm the peer's Confirmation, fails. */
        const uint8_t *value = p->u.confirm.value;
        uint8_t *keep = l->peer_confirm;
        const uint8_t *ours = l->confirm;
        *reason = BM_PROV_ERR_CONFIRMATION_FAILED;
        if (p->type == BM_PROV_RANDOM) {
            if (bm_prov_confirmation_check(alg_of(l), l->att.conf_key, value, l->att.auth,
                                           l->peer_confirm, l->att.random) != BM_OK)
                return BM_EAUTH;
            keep = l->peer_random;
            ours = l->att.random;
        } else if (bm_prov_is_reflection(l->confirm, value, auth_len(l))) {
            return BM_EAUTH;
        }
        memcpy(keep, value, auth_len(l));
        send_auth_sized(l, p->type, ours);
        l->expect = (uint8_t)(p->type + 1); /* Random after Confirmation, then Data */
        return BM_OK;
    }
    default: /* BM_PROV_DATA: a device expects no other type */
        return device_data(l, p, reason);
    }
}

int bm_prov_link_output_value(struct bm_prov_link *l, struct bm_prov_oob *oob)
{
    /* a fresh value every attempt */
    uint8_t rnd[BM_PROV_OOB_RANDOM_LEN];
    if (l->ops->random(l->ctx, rnd, sizeof(rnd)) != 0 ||
        bm_prov_oob_generate(&l->start, rnd, oob) != BM_OK ||
        bm_prov_auth_from_oob(alg_of(l), oob, l->att.auth) != BM_OK)
        return BM_ECRYPTO;
    return BM_OK;
}

/* Provisioner: pick the algorithm and authentication from Capabilities. */
static int choose_start(struct bm_prov_link *l, const struct bm_prov_caps *caps,
                        struct bm_prov_start *st)
{
    memset(st, 0, sizeof(*st));
    uint16_t common = (uint16_t)(caps->algorithms & l->pv_cfg.algorithms);
    if (common & BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC))
        st->algorithm = BM_PROV_ALG_HMAC; /* the stronger one (CVE-2020-26556/26557) */
    else if (common & BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC))
        st->algorithm = BM_PROV_ALG_CMAC;
    else
        return BM_ENOTSUP;
    st->pub_key = BM_PROV_PUB_KEY_NO_OOB;
    if (caps->output_oob_size && caps->output_oob_action) {
        static const uint8_t prefer[] = {BM_PROV_OUT_NUMERIC, BM_PROV_OUT_ALPHANUMERIC,
                                         BM_PROV_OUT_BLINK, BM_PROV_OUT_BEEP,
                                         BM_PROV_OUT_VIBRATE};
        for (size_t i = 0; i < sizeof(prefer); i++) {
            if (caps->output_oob_action & BM_PROV_ACTION_BIT(prefer[i])) {
                st->auth_method = BM_PROV_AUTH_OUTPUT;
                st->auth_action = prefer[i];
                st->auth_size = caps->output_oob_size;
                break;
            }
        }
    }
    if (st->auth_method == BM_PROV_AUTH_NO_OOB && l->pv_cfg.refuse_no_oob)
        return BM_EAUTH;
    return bm_prov_start_fits_caps(st, caps) == BM_OK ? BM_OK : BM_ENOTSUP;
}

static void provisioner_confirm_if_ready(struct bm_prov_link *l)
{
    if (!l->auth_ready || !l->peer_pub_ready || l->confirm_sent || l->expect != BM_PROV_CONFIRM)
        return;
    l->confirm_sent = true;
    if (make_confirmation(l) != BM_OK) {
        fail(l, BM_ECRYPTO, 0);
        return;
    }
    send_auth_sized(l, BM_PROV_CONFIRM, l->confirm);
}

static void provisioner_pdu(struct bm_prov_link *l, const struct bm_prov_pdu *p)
{
    if (p->type == BM_PROV_FAILED) {
        uint8_t reason = p->u.error_code;
        fail(l, err_of_reason(reason), reason);
        return;
    }
    switch (p->type) {
    case BM_PROV_CAPABILITIES: {
        struct bm_prov_start st;
        l->peer_caps = p->u.caps;
        raw_params(p, l->conf_inputs + CONF_CAPS, BM_PROV_CAPS_LEN);
        int rc = choose_start(l, &p->u.caps, &st);
        if (rc != BM_OK) {
            fail(l, rc, 0);
            return;
        }
        agree_start(l, &st);
        struct bm_prov_pdu sp = {.type = BM_PROV_START};
        sp.u.start = st;
        raw_params(&sp, l->conf_inputs + CONF_START, BM_PROV_START_LEN);
        if (gen_keys(l) != BM_OK) {
            fail(l, BM_ECRYPTO, 0);
            return;
        }
        send_pdu(l, &sp);
        send_pub_key(l);
        if (st.auth_method == BM_PROV_AUTH_NO_OOB) {
            bm_prov_auth_no_oob(alg_of(l), l->att.auth);
            l->auth_ready = true;
        }
        l->expect = BM_PROV_PUB_KEY;
        return;
    }
    case BM_PROV_PUB_KEY: {
        int rc = take_peer_pub(l, p);
        if (rc != BM_OK) {
            fail(l, rc, BM_PROV_ERR_INVALID_FORMAT);
            return;
        }
        l->peer_pub_ready = true;
        l->expect = BM_PROV_CONFIRM;
        if (l->start.auth_method == BM_PROV_AUTH_OUTPUT && !l->auth_ready)
            l->ops->oob_needed(l->ctx, l->start.auth_action, l->start.auth_size);
        provisioner_confirm_if_ready(l);
        return;
    }
    case BM_PROV_CONFIRM:
        /* the parser fixed its length to the algorithm's */
        if (!l->confirm_sent ||
            bm_prov_is_reflection(l->confirm, p->u.confirm.value, auth_len(l))) {
            fail(l, BM_EAUTH, BM_PROV_ERR_CONFIRMATION_FAILED);
            return;
        }
        memcpy(l->peer_confirm, p->u.confirm.value, auth_len(l));
        send_auth_sized(l, BM_PROV_RANDOM, l->att.random);
        l->expect = BM_PROV_RANDOM;
        return;
    case BM_PROV_RANDOM: {
        if (bm_prov_confirmation_check(alg_of(l), l->att.conf_key, p->u.random.value, l->att.auth,
                                       l->peer_confirm, l->att.random) != BM_OK) {
            fail(l, BM_EAUTH, BM_PROV_ERR_CONFIRMATION_FAILED);
            return;
        }
        memcpy(l->peer_random, p->u.random.value, auth_len(l));
        struct bm_prov_session s;
        struct bm_prov_data d = {.net_key_index = l->pv_cfg.net_idx,
                                 .flags = l->pv_cfg.flags,
                                 .iv_index = l->pv_cfg.iv_index,
                                 .unicast_addr = l->pv_cfg.addr};
        memcpy(d.net_key, l->pv_cfg.net_key, BM_KEY_LEN);
        struct bm_prov_pdu dp = {.type = BM_PROV_DATA};
        bool ok = derive_session(l, &s) &&
                  bm_prov_data_encrypt(&s, &d, dp.u.data.enc, dp.u.data.mic) == BM_OK;
        bm_crypto_wipe(&d, sizeof(d));
        if (!ok) {
            bm_crypto_wipe(&s, sizeof(s));
            fail(l, BM_ECRYPTO, 0);
            return;
        }
        /* the device key is ours to keep until Complete arrives */
        memcpy(l->att.secret, s.dev_key, BM_KEY_LEN);
        bm_crypto_wipe(&s, sizeof(s));
        send_pdu(l, &dp);
        bm_crypto_wipe(&dp, sizeof(dp));
        l->expect = BM_PROV_COMPLETE;
        return;
    }
    case BM_PROV_COMPLETE: {
        struct bm_prov_result_data r;
        memcpy(r.data.net_key, l->pv_cfg.net_key, BM_KEY_LEN);
        r.data.net_key_index = l->pv_cfg.net_idx;
        r.data.flags = l->pv_cfg.flags;
        r.data.iv_index = l->pv_cfg.iv_index;
        r.data.unicast_addr = l->pv_cfg.addr;
        r.algorithm = alg_of(l);
        memcpy(r.dev_key, l->att.secret, BM_KEY_LEN);
        uint8_t uuid[16];
        memcpy(uuid, l->pv_cfg.uuid, 16);
        uint8_t elements = l->peer_caps.num_elements;
        l->done = true;
        close_link(l, BM_PBADV_CLOSE_SUCCESS);
        log_event(l, "complete");
        l->ops->complete(l->ctx, uuid, &r, elements);
        bm_crypto_wipe(&r, sizeof(r));
        return;
    }
    default:
        fail(l, BM_EMALFORMED, BM_PROV_ERR_UNEXPECTED_PDU);
        return;
    }
}

BM_NOINLINE static void handle_pdu(struct bm_prov_link *l, const uint8_t *buf, size_t len)
{
    if (l->done || l->expect == EXPECT_NONE)
        return; /* after the end, retransmissions are only acknowledged */
    /* Every PDU restarts the protocol timer (Mesh Profile 5.4.4), one the
     * device then fails too: it waits that long for the Link Close. */
    l->link_deadline = bm_ms_after(l->now, BM_PROV_LINK_TIMEOUT_MS);
    struct bm_prov_pdu p;
    uint8_t reason = BM_PROV_ERR_UNEXPECTED_ERROR;
    uint8_t alg = l->expect >= BM_PROV_CONFIRM ? alg_of(l) : BM_PROV_ALG_UNKNOWN;
    int rc = bm_prov_pdu_parse(buf, len, alg, &p, &reason);
    /* A Provisioning Failed from the device is always expected. */
    if (rc == BM_OK && p.type != l->expect &&
        !(BM_CFG_PROVISIONER && p.type == BM_PROV_FAILED && l->role == BM_PROV_ROLE_PROVISIONER)) {
        rc = BM_EMALFORMED;
        reason = BM_PROV_ERR_UNEXPECTED_PDU;
    }
    if (rc == BM_OK) {
        if (is_device(l))
            rc = device_pdu(l, &p, buf + 1, &reason);
        else if (BM_CFG_PROVISIONER)
            provisioner_pdu(l, &p);
    }
    if (rc != BM_OK)
        fail(l, rc, reason);
    bm_crypto_wipe(&p, sizeof(p));
}

void bm_prov_link_pdu_rx(struct bm_prov_link *l, const uint8_t *pdu, size_t len, bm_ms_t now)
{
    l->now = now;
    if (l->state != LINK_OPEN)
        return;
    handle_pdu(l, pdu, len);
}

void bm_prov_link_device_open(struct bm_prov_link *l, uint8_t bearer, bm_ms_t now)
{
    l->now = now;
    wipe_protocol(l);
    l->bearer = bearer;
    l->state = LINK_OPEN;
    l->done = false;
    l->expect = BM_PROV_INVITE;
    l->link_deadline = bm_ms_after(now, BM_PROV_LINK_TIMEOUT_MS);
    log_event(l, bearer == BM_PROV_BEARER_GATT ? "pb-gatt link open" : "link open");
}

void bm_prov_link_start(struct bm_prov_link *l, bm_ms_t now)
{
    l->now = now;
    struct bm_prov_pdu inv = {.type = BM_PROV_INVITE};
    inv.u.attention_duration_s = l->pv_cfg.attention_s;
    l->conf_inputs[CONF_INVITE] = l->pv_cfg.attention_s;
    l->expect = BM_PROV_CAPABILITIES;
    send_pdu(l, &inv);
}

/* The link ends (closed by the peer, or timed out: close it on our side
 * too): a procedure that had not ended failed with err. */
static void link_ended(struct bm_prov_link *l, const char *event, int err, bool close)
{
    log_event(l, event);
    bool report = !l->done;
    uint8_t uuid[16];
    memcpy(uuid, peer_uuid(l), 16);
    l->done = true;
    if (close)
        close_link(l, BM_PBADV_CLOSE_TIMEOUT);
    else
        to_idle(l);
    if (report)
        l->ops->failed(l->ctx, uuid, err, 0);
}

void bm_prov_link_closed(struct bm_prov_link *l, int err)
{
    if (l->state != LINK_IDLE)
        link_ended(l, "link closed by peer", err, false);
}

/* --- bearer: receiving --- */

static void send_tx_ack(struct bm_prov_link *l, uint8_t tn)
{
    uint8_t out[BM_PBADV_MAX_LEN];
    size_t len;
    if (bm_pbadv_build_tx_ack(l->link_id, tn, out, sizeof(out), &len) == BM_OK)
        send_raw(l, out, len);
}

static void rx_ctl(struct bm_prov_link *l, const struct bm_pbadv_pdu *p)
{
    switch (p->u.ctl.opcode) {
    case BM_PBADV_LINK_OPEN:
        if (l->role != BM_PROV_ROLE_DEVICE || !l->device_enabled ||
            memcmp(p->u.ctl.uuid, l->dev_cfg.uuid, 16) != 0)
            return;
        if (l->state == LINK_OPEN && p->link_id == l->link_id) {
            send_ctl(l, BM_PBADV_LINK_ACK); /* our Link Ack was lost */
            return;
        }
        if (l->state != LINK_IDLE)
            return;
        l->link_id = p->link_id;
        l->tx_trans = BM_PBADV_TN_DEVICE_FIRST;
        l->rx_trans = BM_PBADV_TN_PROVISIONER_FIRST;
        l->last_rx_trans = BM_PBADV_TN_DEVICE_FIRST; /* none yet */
        bm_prov_link_device_open(l, BM_PROV_BEARER_ADV, l->now);
        send_ctl(l, BM_PBADV_LINK_ACK);
        return;
    case BM_PBADV_LINK_ACK:
        if (!BM_CFG_PROVISIONER || l->role != BM_PROV_ROLE_PROVISIONER ||
            l->state != LINK_OPENING || p->link_id != l->link_id)
            return;
        l->state = LINK_OPEN;
        l->tx_deadline = NEVER;
        l->link_deadline = bm_ms_after(l->now, BM_PROV_LINK_TIMEOUT_MS);
        log_event(l, "link ack");
        bm_prov_link_start(l, l->now);
        return;
    case BM_PBADV_LINK_CLOSE:
        if (l->state == LINK_IDLE || p->link_id != l->link_id)
            return;
        bm_prov_link_closed(l, p->u.ctl.reason == BM_PBADV_CLOSE_TIMEOUT ? BM_ETIMEOUT
                                                                           : BM_ESTATE);
        return;
    default:
        return;
    }
}

BM_NOINLINE void bm_prov_link_rx(struct bm_prov_link *l, const uint8_t *buf, size_t len,
                                 bm_ms_t now)
{
    l->now = now;
    struct bm_pbadv_pdu p;
    if (l->state != LINK_IDLE && l->bearer != BM_PROV_BEARER_ADV)
        return; /* busy on PB-GATT */
    if (bm_pbadv_parse(buf, len, &p) != BM_OK)
        return;
    if (p.gpcf == BM_PBADV_GPCF_CTL) {
        rx_ctl(l, &p);
        return;
    }
    if (l->state != LINK_OPEN || p.link_id != l->link_id)
        return;
    if (p.gpcf == BM_PBADV_GPCF_ACK) {
        if (l->tx_pending && p.tn == l->tx_trans)
            tx_acked(l);
        return;
    }
    /* Transaction segments must come from the peer's number range. */
    bool from_device = bm_pbadv_tn_is_device(p.tn);
    if (from_device != (BM_CFG_PROVISIONER && l->role == BM_PROV_ROLE_PROVISIONER))
        return;
    if (p.tn == l->last_rx_trans) {
        send_tx_ack(l, p.tn); /* a retransmission of what we already have */
        return;
    }
    if (p.tn != l->rx_trans)
        return;
    const uint8_t *pdu;
    size_t pdu_len;
    /* The reassembler only ever collects rx_trans (it is wiped when the
     * link opens, and rx_trans moves on only as a transaction completes),
     * so it never holds another transaction to abandon: BM_ESTATE is a
     * Continuation ahead of its Start, dropped like any other error. Nor
     * can it answer BM_EDUP: the transaction it completed last is
     * last_rx_trans, whose segments were acknowledged again above. */
    if (bm_pbadv_rx_add(&l->att.rx, &p, &pdu, &pdu_len) != BM_OK)
        return;
    /* A new transaction from the peer means it received ours. */
    if (l->tx_pending)
        tx_acked(l);
    send_tx_ack(l, p.tn);
    l->last_rx_trans = p.tn;
    l->rx_trans = bm_pbadv_tn_next(p.tn);
    /* The PDU stays in the reassembler until the next transaction starts
     * or the attempt is wiped: only ever one transaction of the peer's is
     * new (its retransmissions are caught above by last_rx_trans). */
    handle_pdu(l, pdu, pdu_len);
}

/* --- roles and timers --- */

void bm_prov_link_device_enable(struct bm_prov_link *l, const struct bm_prov_device_cfg *cfg,
                                bool enable)
{
    if (cfg)
        l->dev_cfg = *cfg;
    l->device_enabled = enable;
    if (l->state == LINK_IDLE)
        l->role = enable ? BM_PROV_ROLE_DEVICE : BM_PROV_ROLE_NONE;
}

int bm_prov_link_open(struct bm_prov_link *l, const struct bm_prov_provisioner_cfg *cfg,
                      bm_ms_t now)
{
    if (!BM_CFG_PROVISIONER)
        return BM_ENOTSUP;
    l->now = now;
    /* a link still repeating its Link Close is finished: a new one may start */
    if (l->state != LINK_IDLE && l->state != LINK_CLOSING)
        return BM_EBUSY;
    uint8_t id[4];
    if (l->ops->random(l->ctx, id, sizeof(id)) != 0)
        return BM_ECRYPTO;
    wipe_protocol(l);
    l->device_enabled = false;
    l->role = BM_PROV_ROLE_PROVISIONER;
    l->bearer = BM_PROV_BEARER_ADV;
    l->pv_cfg = *cfg;
    l->link_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    l->state = LINK_OPENING;
    l->done = false;
    l->tx_trans = BM_PBADV_TN_PROVISIONER_FIRST;
    l->rx_trans = BM_PBADV_TN_DEVICE_FIRST;
    l->last_rx_trans = BM_PBADV_TN_PROVISIONER_FIRST; /* none yet */
    l->expect = EXPECT_NONE;
    l->link_deadline = bm_ms_after(now, BM_PROV_LINK_TIMEOUT_MS);
    l->tx_deadline = bm_ms_after(now, BM_PROV_RETRANSMIT_MS);
    log_event(l, "link open");
    send_ctl(l, BM_PBADV_LINK_OPEN);
    return BM_OK;
}

int bm_prov_link_input_oob(struct bm_prov_link *l, const char *value, bm_ms_t now)
{
    l->now = now;
    if (!BM_CFG_PROVISIONER || l->role != BM_PROV_ROLE_PROVISIONER || l->state != LINK_OPEN ||
        l->done ||
        l->start.auth_method != BM_PROV_AUTH_OUTPUT || l->auth_ready)
        return BM_ESTATE;
    struct bm_prov_oob oob;
    int rc = bm_prov_oob_from_text(&l->start, value, strlen(value), &oob);
    if (rc != BM_OK)
        return rc;
    rc = bm_prov_auth_from_oob(alg_of(l), &oob, l->att.auth);
    bm_crypto_wipe(&oob, sizeof(oob));
    if (rc != BM_OK)
        return rc;
    l->auth_ready = true;
    provisioner_confirm_if_ready(l);
    return BM_OK;
}

bm_ms_t bm_prov_link_process(struct bm_prov_link *l, bm_ms_t now)
{
    l->now = now;
    if (l->state == LINK_IDLE)
        return 0;
    if (bm_ms_due(now, l->link_deadline) || bm_ms_due(now, l->trans_deadline)) {
        link_ended(l, "timeout", BM_ETIMEOUT,
                   l->role == BM_PROV_ROLE_PROVISIONER || l->bearer == BM_PROV_BEARER_GATT);
    }
    if (bm_ms_due(now, l->tx_deadline)) {
        /* Opening and Closing are a provisioner's PB-ADV states */
        if (BM_CFG_PROVISIONER && l->state == LINK_OPENING) {
            send_ctl(l, BM_PBADV_LINK_OPEN);
            l->tx_deadline = bm_ms_after(now, BM_PROV_RETRANSMIT_MS);
        } else if (BM_CFG_PROVISIONER && l->state == LINK_CLOSING) {
            if (l->close_left) {
                l->close_left--;
                send_ctl(l, BM_PBADV_LINK_CLOSE);
                l->tx_deadline = bm_ms_after(now, BM_PROV_RETRANSMIT_MS);
            } else {
                to_idle(l);
                return 0;
            }
        } else if (l->tx_pending) {
            send_segments(l);
            l->tx_deadline = bm_ms_after(now, BM_PROV_RETRANSMIT_MS);
        } else {
            l->tx_deadline = NEVER;
        }
    }
    if (l->state == LINK_IDLE)
        return 0;
    return bm_ms_min(now, bm_ms_min(now, l->link_deadline, l->trans_deadline), l->tx_deadline);
}
