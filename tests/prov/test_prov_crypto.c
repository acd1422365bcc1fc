/* Provisioning security (Mesh Profile 5.4.2.4-5.4.2.5) against the sample
 * run of Mesh Profile 8.7 (provisioning.json, and the prck/prsk/prsn/prdk
 * k1 rows and the provisioning AES-CCM row of crypto-functions.json):
 * confirmation inputs, salt, key and both confirmations, provisioning salt,
 * session key/nonce, device key, the encrypted provisioning data and back.
 *
 * The HMAC-SHA256 algorithm (Mesh Protocol 1.1) has no sample data in the
 * vectors. It is tested by properties (both sides agree, a wrong AuthValue
 * fails, lengths) and by recomputing each value in the test with raw
 * HMAC-SHA256 / AES-CMAC calls from its definition, not through the
 * function under test.
 *
 * The OOB helpers are tested against the AuthValue layout of 5.4.2.4
 * written out by hand, and by properties over many random draws. */
#include <stdio.h>
#include <string.h>

#include "blemesh/errors.h"
#include "crypto/crypto.h"
#include "prov/prov_crypto.h"
#include "test.h"
#include "vectors.h"

static cJSON *pv, *cf;

static void load_pub(const char *who, uint8_t pub[64])
{
    char path[64];
    snprintf(path, sizeof(path), "keys_and_randoms.%s_public_key_x", who);
    bm_vec_hex(pv, path, pub, 32);
    snprintf(path, sizeof(path), "keys_and_randoms.%s_public_key_y", who);
    bm_vec_hex(pv, path, pub + 32, 32);
}

/* The ECDH secret of 8.7 as the device computes it (provisioner private
 * key is used in test_8_7_ecdh_secret). */
static void ecdh_secret(uint8_t secret[32])
{
    uint8_t priv[32], ppub[64];
    bm_vec_hex(pv, "keys_and_randoms.device_private_key", priv, 32);
    load_pub("provisioner", ppub);
    CHECK_EQ(bm_crypto_p256_ecdh(priv, ppub, secret), BM_OK);
}

/* Finds the k1 row of crypto-functions.json with the given id. */
static const cJSON *k1_row(const char *id)
{
    const cJSON *rows = bm_vec_get(cf, "k1");
    for (int i = 0; i < cJSON_GetArraySize(rows); i++) {
        const cJSON *r = cJSON_GetArrayItem(rows, i);
        if (strcmp(bm_vec_str(r, "id"), id) == 0)
            return r;
    }
    CHECK(0);
    return rows;
}

static void conf_inputs_8_7(uint8_t inputs[145])
{
    uint8_t invite[1], caps[11], start[5], ppub[64], dpub[64];
    CHECK_EQ(bm_vec_hex(pv, "confirmation.invite_pdu_value", invite, 1), 1);
    CHECK_EQ(bm_vec_hex(pv, "confirmation.capabilities_pdu_value", caps, 11), 11);
    CHECK_EQ(bm_vec_hex(pv, "confirmation.start_pdu_value", start, 5), 5);
    load_pub("provisioner", ppub);
    load_pub("device", dpub);
    CHECK_EQ(bm_prov_conf_inputs(invite, caps, start, ppub, dpub, inputs), BM_OK);
}

static void test_8_7_ecdh_secret(void)
{
    uint8_t priv[32], dpub[64], got[32], want[32];
    bm_vec_hex(pv, "keys_and_randoms.provisioner_private_key", priv, 32);
    load_pub("device", dpub);
    CHECK_EQ(bm_crypto_p256_ecdh(priv, dpub, got), BM_OK);
    bm_vec_hex(pv, "keys_and_randoms.provisioner_ecdh_secret", want, 32);
    CHECK_MEM("provisioner ECDHSecret", got, 32, want, 32);
    ecdh_secret(got);
    bm_vec_hex(pv, "keys_and_randoms.device_ecdh_secret", want, 32);
    CHECK_MEM("device ECDHSecret", got, 32, want, 32);
}

static void test_8_7_8_confirmation_inputs_salt_key(void)
{
    uint8_t inputs[145], want[145], salt[32], key[32], ecdh[32];
    conf_inputs_8_7(inputs);
    CHECK_EQ(bm_vec_hex(pv, "confirmation.confirmation_inputs", want, 145), 145);
    CHECK_MEM("ConfirmationInputs", inputs, 145, want, 145);

    memset(salt, 0xaa, sizeof(salt));
    CHECK_EQ(bm_prov_conf_salt(BM_PROV_ALG_CMAC, inputs, salt), BM_OK);
    bm_vec_hex(pv, "confirmation.confirmation_salt", want, 16);
    CHECK_MEM("ConfirmationSalt", salt, 16, want, 16);
    CHECK(salt[16] == 0xaa); /* 16 octets with CMAC, no more */

    ecdh_secret(ecdh);
    memset(key, 0xaa, sizeof(key));
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_CMAC, ecdh, salt, NULL, key), BM_OK);
    bm_vec_hex(pv, "confirmation.confirmation_key", want, 16);
    CHECK_MEM("ConfirmationKey", key, 16, want, 16);
    bm_vec_hex(k1_row("k1_confirmation_key"), "output", want, 16);
    CHECK_MEM("ConfirmationKey (k1 row)", key, 16, want, 16);
    CHECK(key[16] == 0xaa);
}

static void test_8_7_8_9_both_confirmations(void)
{
    uint8_t key[16], rp[16], rd[16], auth[16], got[16], want[16];
    bm_vec_hex(pv, "confirmation.confirmation_key", key, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_provisioner", rp, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_device", rd, 16);
    bm_vec_hex(pv, "keys_and_randoms.auth_value", auth, 16);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_CMAC, key, rp, auth, got), BM_OK);
    bm_vec_hex(pv, "confirmation.confirmation_provisioner", want, 16);
    CHECK_MEM("ConfirmationProvisioner", got, 16, want, 16);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_CMAC, key, rd, auth, got), BM_OK);
    bm_vec_hex(pv, "confirmation.confirmation_device", want, 16);
    CHECK_MEM("ConfirmationDevice", got, 16, want, 16);
}

static void test_8_7_confirmation_check_both_ways(void)
{
    uint8_t key[16], rp[16], rd[16], auth[16], cp[16], cd[16];
    bm_vec_hex(pv, "confirmation.confirmation_key", key, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_provisioner", rp, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_device", rd, 16);
    bm_vec_hex(pv, "keys_and_randoms.auth_value", auth, 16);
    bm_vec_hex(pv, "confirmation.confirmation_provisioner", cp, 16);
    bm_vec_hex(pv, "confirmation.confirmation_device", cd, 16);
    /* the device checks the provisioner, the provisioner the device */
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_CMAC, key, rp, auth, cp, rd), BM_OK);
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_CMAC, key, rd, auth, cd, rp), BM_OK);
    /* swapped confirmations, a wrong AuthValue, a reflected Random */
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_CMAC, key, rp, auth, cd, rd), BM_EAUTH);
    auth[15] ^= 0x01;
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_CMAC, key, rp, auth, cp, rd), BM_EAUTH);
    auth[15] ^= 0x01;
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_CMAC, key, rp, auth, cp, rp), BM_EAUTH);
    /* reflections of our own values are recognised */
    CHECK(bm_prov_is_reflection(cp, cp, 16));
    CHECK(!bm_prov_is_reflection(cp, cd, 16));
    uint8_t ppub[64], dpub[64];
    load_pub("provisioner", ppub);
    load_pub("device", dpub);
    CHECK(!bm_prov_is_reflection(dpub, ppub, 64));
    CHECK(bm_prov_is_reflection(dpub, dpub, 64));
}

static void test_8_7_12_provisioning_salt_and_session(void)
{
    uint8_t csalt[16], rp[16], rd[16], got[48], want[48], ecdh[32];
    bm_vec_hex(pv, "confirmation.confirmation_salt", csalt, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_provisioner", rp, 16);
    bm_vec_hex(pv, "keys_and_randoms.random_device", rd, 16);
    /* ProvisioningInputs as the vectors print them */
    CHECK_EQ(bm_vec_hex(pv, "session.provisioning_inputs", want, 48), 48);
    CHECK(memcmp(want, csalt, 16) == 0 && memcmp(want + 16, rp, 16) == 0 &&
          memcmp(want + 32, rd, 16) == 0);
    CHECK_EQ(bm_prov_prov_salt(BM_PROV_ALG_CMAC, csalt, rp, rd, got), BM_OK);
    bm_vec_hex(pv, "session.provisioning_salt", want, 16);
    CHECK_MEM("ProvisioningSalt", got, 16, want, 16);

    struct bm_prov_session s;
    ecdh_secret(ecdh);
    CHECK_EQ(bm_prov_session_derive(ecdh, got, &s), BM_OK);
    bm_vec_hex(pv, "session.session_key", want, 16);
    CHECK_MEM("SessionKey", s.session_key, 16, want, 16);
    bm_vec_hex(k1_row("k1_session_key"), "output", want, 16);
    CHECK_MEM("SessionKey (k1 row)", s.session_key, 16, want, 16);
    bm_vec_hex(pv, "session.session_nonce", want, 13);
    CHECK_MEM("SessionNonce", s.session_nonce, 13, want, 13);
    bm_vec_hex(k1_row("k1_session_nonce"), "output_truncated_13_octets", want, 13);
    CHECK_MEM("SessionNonce (k1 row)", s.session_nonce, 13, want, 13);
    bm_vec_hex(pv, "session.device_key", want, 16);
    CHECK_MEM("DeviceKey", s.dev_key, 16, want, 16);
    bm_vec_hex(k1_row("k1_device_key"), "output", want, 16);
    CHECK_MEM("DeviceKey (k1 row)", s.dev_key, 16, want, 16);
}

static void session_8_7(struct bm_prov_session *s)
{
    bm_vec_hex(pv, "session.session_key", s->session_key, 16);
    bm_vec_hex(pv, "session.session_nonce", s->session_nonce, 13);
    bm_vec_hex(pv, "session.device_key", s->dev_key, 16);
}

static void data_8_7(struct bm_prov_data *d)
{
    memset(d, 0, sizeof(*d));
    bm_vec_hex(pv, "provisioning_data.net_key", d->net_key, 16);
    d->net_key_index = (uint16_t)bm_vec_num(pv, "provisioning_data.net_key_index");
    d->flags = (uint8_t)bm_vec_num(pv, "provisioning_data.flags");
    d->iv_index = bm_vec_num(pv, "provisioning_data.iv_index");
    d->unicast_addr = (uint16_t)bm_vec_num(pv, "provisioning_data.unicast_address");
}

static void test_8_7_12_provisioning_data_encrypt_and_back(void)
{
    struct bm_prov_session s;
    struct bm_prov_data d, back;
    uint8_t plain[25], enc[25], mic[8], want[25];
    session_8_7(&s);
    data_8_7(&d);
    CHECK_EQ(bm_prov_data_encode(&d, plain), BM_OK);
    bm_vec_hex(pv, "provisioning_data.provisioning_data", want, 25);
    CHECK_MEM("ProvisioningData", plain, 25, want, 25);

    CHECK_EQ(bm_prov_data_encrypt(&s, &d, enc, mic), BM_OK);
    bm_vec_hex(pv, "provisioning_data.encrypted_provisioning_data", want, 25);
    CHECK_MEM("EncProvisioningData", enc, 25, want, 25);
    bm_vec_hex(pv, "provisioning_data.provisioning_data_mic", want, 8);
    CHECK_MEM("ProvisioningDataMIC", mic, 8, want, 8);

    /* the same against the AES-CCM row of crypto-functions.json */
    const cJSON *rows = bm_vec_get(cf, "aes_ccm");
    int found = 0;
    for (int i = 0; i < cJSON_GetArraySize(rows); i++) {
        const cJSON *r = cJSON_GetArrayItem(rows, i);
        if (strcmp(bm_vec_str(r, "layer"), "provisioning") != 0)
            continue;
        uint8_t key[16], nonce[13];
        bm_vec_hex(r, "key", key, 16);
        bm_vec_hex(r, "nonce", nonce, 13);
        CHECK_MEM("CCM key", s.session_key, 16, key, 16);
        CHECK_MEM("CCM nonce", s.session_nonce, 13, nonce, 13);
        bm_vec_hex(r, "ciphertext", want, 25);
        CHECK_MEM("CCM ciphertext", enc, 25, want, 25);
        bm_vec_hex(r, "mic", want, 8);
        CHECK_MEM("CCM MIC", mic, 8, want, 8);
        found++;
    }
    CHECK_EQ(found, 1);

    memset(&back, 0, sizeof(back));
    CHECK_EQ(bm_prov_data_decrypt(&s, enc, mic, &back), BM_OK);
    CHECK_MEM("NetKey", back.net_key, 16, d.net_key, 16);
    CHECK_EQ(back.net_key_index, 0x0567);
    CHECK_EQ(back.flags, 0x00);
    CHECK_EQ(back.iv_index, 0x01020304);
    CHECK_EQ(back.unicast_addr, 0x0b0c);
}

static void test_provisioning_data_rejects(void)
{
    struct bm_prov_session s;
    struct bm_prov_data d, out, before;
    uint8_t enc[25], mic[8];
    session_8_7(&s);
    bm_vec_hex(pv, "provisioning_data.encrypted_provisioning_data", enc, 25);
    bm_vec_hex(pv, "provisioning_data.provisioning_data_mic", mic, 8);
    memset(&out, 0x77, sizeof(out));
    before = out;
    mic[0] ^= 0x01; /* Decryption Failed */
    CHECK_EQ(bm_prov_data_decrypt(&s, enc, mic, &out), BM_EAUTH);
    mic[0] ^= 0x01;
    enc[24] ^= 0x80;
    CHECK_EQ(bm_prov_data_decrypt(&s, enc, mic, &out), BM_EAUTH);
    enc[24] ^= 0x80;
    s.session_nonce[0] ^= 0x01;
    CHECK_EQ(bm_prov_data_decrypt(&s, enc, mic, &out), BM_EAUTH);
    CHECK(memcmp(&out, &before, sizeof(out)) == 0);
    session_8_7(&s);

    /* Fields that encrypt but may not be decoded: NetKey index of 13 bits,
     * address 0x0000 (unassigned) and 0x8000 (virtual) / 0xffff (group). */
    uint8_t plain[25];
    data_8_7(&d);
    CHECK_EQ(bm_prov_data_encode(&d, plain), BM_OK);
    const struct {
        int off;
        uint8_t hi, lo;
    } bad[] = {{16, 0x10, 0x00}, {23, 0x00, 0x00}, {23, 0x80, 0x00}, {23, 0xff, 0xff}};
    for (int i = 0; i < 4; i++) {
        uint8_t p[25];
        memcpy(p, plain, 25);
        p[bad[i].off] = bad[i].hi;
        p[bad[i].off + 1] = bad[i].lo;
        CHECK_EQ(bm_prov_data_decode(p, &out), BM_EMALFORMED);
        /* the same after a valid encryption of those bytes */
        uint8_t e[25], m[8];
        CHECK_EQ(bm_crypto_ccm_encrypt(s.session_key, s.session_nonce, NULL, 0, p, 25, e, m, 8),
                 BM_OK);
        CHECK_EQ(bm_prov_data_decrypt(&s, e, m, &out), BM_EMALFORMED);
        CHECK(memcmp(&out, &before, sizeof(out)) == 0);
    }
    /* RFU flag bits are kept, not rejected; 0x7fff is the last unicast */
    plain[18] = 0xfc;
    plain[23] = 0x7f;
    plain[24] = 0xff;
    CHECK_EQ(bm_prov_data_decode(plain, &out), BM_OK);
    CHECK_EQ(out.flags, 0xfc);
    CHECK_EQ(out.unicast_addr, 0x7fff);
    d.unicast_addr = 0;
    CHECK_EQ(bm_prov_data_encode(&d, plain), BM_EINVAL);
    d.unicast_addr = 1;
    d.net_key_index = 0x1000;
    CHECK_EQ(bm_prov_data_encode(&d, plain), BM_EINVAL);
}

/* --- BTM_ECDH_P256_HMAC_SHA256_AES_CCM (no sample data: see the top) --- */

/* The 8.7 inputs with Start switched to algorithm 0x01 and Static OOB. */
static void hmac_inputs(uint8_t inputs[145])
{
    uint8_t invite[1], caps[11], start[5] = {0x01, 0x00, 0x01, 0x00, 0x00}, ppub[64], dpub[64];
    bm_vec_hex(pv, "confirmation.invite_pdu_value", invite, 1);
    bm_vec_hex(pv, "confirmation.capabilities_pdu_value", caps, 11);
    caps[2] = 0x03; /* algorithms: CMAC and HMAC */
    caps[4] = 0x01; /* static OOB available */
    load_pub("provisioner", ppub);
    load_pub("device", dpub);
    CHECK_EQ(bm_prov_conf_inputs(invite, caps, start, ppub, dpub, inputs), BM_OK);
}

static void test_hmac_values_match_their_definitions(void)
{
    static const uint8_t zero32[32];
    uint8_t inputs[145], ecdh[32], auth[32], rp[32], rd[32];
    uint8_t salt[48], key[48], conf[48], psalt[16];
    uint8_t want_salt[32], t[32], want_key[32], want_conf[32], want_psalt[16], m[96];
    hmac_inputs(inputs);
    ecdh_secret(ecdh);
    for (int i = 0; i < 32; i++) {
        auth[i] = (uint8_t)(0xa0 + i); /* a 32-octet static OOB value */
        rp[i] = (uint8_t)(3 * i + 1);
        rd[i] = (uint8_t)(5 * i + 2);
    }
    CHECK_EQ(bm_prov_auth_static(BM_PROV_ALG_HMAC, auth, 32, auth), BM_OK);

    /* s2(M) = HMAC-SHA-256 with a zero 32-octet key (Mesh Protocol 1.1). */
    memset(salt, 0xaa, sizeof(salt));
    CHECK_EQ(bm_prov_conf_salt(BM_PROV_ALG_HMAC, inputs, salt), BM_OK);
    CHECK_EQ(bm_crypto_hmac_sha256(zero32, 32, inputs, 145, want_salt), BM_OK);
    CHECK_MEM("ConfirmationSalt (s2)", salt, 32, want_salt, 32);
    CHECK(salt[32] == 0xaa);

    /* k5(N, SALT, P) = HMAC_T(P) with T = HMAC_SALT(N), N = ECDH || AuthValue. */
    uint8_t n[64];
    memcpy(n, ecdh, 32);
    memcpy(n + 32, auth, 32);
    CHECK_EQ(bm_crypto_hmac_sha256(want_salt, 32, n, 64, t), BM_OK);
    CHECK_EQ(bm_crypto_hmac_sha256(t, 32, (const uint8_t *)"prck256", 7, want_key), BM_OK);
    memset(key, 0xaa, sizeof(key));
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_HMAC, ecdh, salt, auth, key), BM_OK);
    CHECK_MEM("ConfirmationKey (k5)", key, 32, want_key, 32);
    CHECK(key[32] == 0xaa);

    /* Confirmation = HMAC-SHA-256_ConfirmationKey(Random): no AuthValue. */
    CHECK_EQ(bm_crypto_hmac_sha256(want_key, 32, rp, 32, want_conf), BM_OK);
    memset(conf, 0xaa, sizeof(conf));
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_HMAC, key, rp, NULL, conf), BM_OK);
    CHECK_MEM("ConfirmationProvisioner (HMAC)", conf, 32, want_conf, 32);
    CHECK(conf[32] == 0xaa);

    /* ProvisioningSalt = s1(salt || RandomProvisioner || RandomDevice),
     * s1 = AES-CMAC with a zero key, over 96 octets here. */
    memcpy(m, want_salt, 32);
    memcpy(m + 32, rp, 32);
    memcpy(m + 64, rd, 32);
    CHECK_EQ(bm_crypto_cmac(zero32, m, 96, want_psalt), BM_OK);
    CHECK_EQ(bm_prov_prov_salt(BM_PROV_ALG_HMAC, salt, rp, rd, psalt), BM_OK);
    CHECK_MEM("ProvisioningSalt (HMAC)", psalt, 16, want_psalt, 16);
}

static void test_hmac_both_sides_agree_and_wrong_auth_fails(void)
{
    uint8_t inputs[145], pe[32], de[32], auth[32], wrong[32], rp[32], rd[32];
    uint8_t salt[32], pkey[32], dkey[32], cp[32], cd[32], ps_p[16], ps_d[16];
    uint8_t ppriv[32], dpriv[32], ppub[64], dpub[64];
    bm_vec_hex(pv, "keys_and_randoms.provisioner_private_key", ppriv, 32);
    bm_vec_hex(pv, "keys_and_randoms.device_private_key", dpriv, 32);
    load_pub("provisioner", ppub);
    load_pub("device", dpub);
    CHECK_EQ(bm_crypto_p256_ecdh(ppriv, dpub, pe), BM_OK);
    CHECK_EQ(bm_crypto_p256_ecdh(dpriv, ppub, de), BM_OK);
    hmac_inputs(inputs);
    struct bm_prov_start st = {BM_PROV_ALG_HMAC, 0, BM_PROV_AUTH_OUTPUT, BM_PROV_OUT_NUMERIC, 6};
    struct bm_prov_oob shown, typed;
    const uint8_t rnd[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_EQ(bm_prov_oob_generate(&st, rnd, &shown), BM_OK);
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &shown, auth), BM_OK); /* device */
    char text[16];
    int tl = snprintf(text, sizeof(text), "%u", (unsigned)shown.number);
    CHECK_EQ(bm_prov_oob_from_text(&st, text, (size_t)tl, &typed), BM_OK);
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &typed, wrong), BM_OK); /* provisioner */
    CHECK_MEM("AuthValue both sides", wrong, 32, auth, 32);
    for (int i = 0; i < 32; i++) {
        rp[i] = (uint8_t)(i * 11);
        rd[i] = (uint8_t)(i * 13 + 7);
    }
    CHECK_EQ(bm_prov_conf_salt(BM_PROV_ALG_HMAC, inputs, salt), BM_OK);
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_HMAC, pe, salt, auth, pkey), BM_OK);
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_HMAC, de, salt, auth, dkey), BM_OK);
    CHECK_MEM("ConfirmationKey both sides", pkey, 32, dkey, 32);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_HMAC, pkey, rp, NULL, cp), BM_OK);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_HMAC, dkey, rd, NULL, cd), BM_OK);
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_HMAC, dkey, rp, NULL, cp, rd), BM_OK);
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_HMAC, pkey, rd, NULL, cd, rp), BM_OK);
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_HMAC, dkey, rp, NULL, cp, rp), BM_EAUTH);
    CHECK_EQ(bm_prov_prov_salt(BM_PROV_ALG_HMAC, salt, rp, rd, ps_p), BM_OK);
    CHECK_EQ(bm_prov_prov_salt(BM_PROV_ALG_HMAC, salt, rp, rd, ps_d), BM_OK);
    CHECK_MEM("ProvisioningSalt both sides", ps_p, 16, ps_d, 16);

    /* The provisioner typed one digit wrong: its key, and so its
     * confirmation, no longer verify at the device. */
    typed.number = (typed.number + 1) % 1000000;
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &typed, wrong), BM_OK);
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_HMAC, pe, salt, wrong, pkey), BM_OK);
    CHECK(memcmp(pkey, dkey, 32) != 0);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_HMAC, pkey, rp, NULL, cp), BM_OK);
    CHECK_EQ(bm_prov_confirmation_check(BM_PROV_ALG_HMAC, dkey, rp, NULL, cp, rd), BM_EAUTH);
    /* and the CMAC algorithm is not HMAC's: the lengths differ */
    CHECK_EQ(bm_prov_auth_len(BM_PROV_ALG_CMAC), 16);
    CHECK_EQ(bm_prov_auth_len(BM_PROV_ALG_HMAC), 32);
    CHECK_EQ(bm_prov_auth_len(0x02), 0);
}

static void test_bad_algorithm_and_arguments(void)
{
    uint8_t b[145] = {0}, out[32];
    CHECK_EQ(bm_prov_conf_salt(0x02, b, out), BM_EINVAL);
    CHECK_EQ(bm_prov_conf_key(0x02, b, b, b, out), BM_EINVAL);
    CHECK_EQ(bm_prov_conf_key(BM_PROV_ALG_HMAC, b, b, NULL, out), BM_EINVAL);
    CHECK_EQ(bm_prov_confirmation(0x02, b, b, b, out), BM_EINVAL);
    CHECK_EQ(bm_prov_confirmation(BM_PROV_ALG_CMAC, b, b, NULL, out), BM_EINVAL);
    CHECK_EQ(bm_prov_confirmation_check(0x02, b, b, b, b, b), BM_EINVAL);
    CHECK_EQ(bm_prov_prov_salt(0x02, b, b, b, out), BM_EINVAL);
    CHECK_EQ(bm_prov_session_derive(b, b, NULL), BM_EINVAL);
}

/* --- OOB values and AuthValue (Mesh Profile 5.4.2.4) --- */

static void test_5_4_2_4_auth_value_layout(void)
{
    /* Numbers big-endian in the last octets, strings left-aligned, zero
     * padding, written out by hand. 19088743 = 0x01234567. */
    uint8_t auth[32], want[32];
    struct bm_prov_oob o = {0};
    o.number = 19088743;
    memset(want, 0, 32);
    want[12] = 0x01, want[13] = 0x23, want[14] = 0x45, want[15] = 0x67;
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_CMAC, &o, auth), BM_OK);
    CHECK_MEM("numeric, 16", auth, 16, want, 16);
    memset(want, 0, 32);
    want[28] = 0x01, want[29] = 0x23, want[30] = 0x45, want[31] = 0x67;
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &o, auth), BM_OK);
    CHECK_MEM("numeric, 32", auth, 32, want, 32);
    o.number = 100000000; /* 9 digits: no OOB size allows it */
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_CMAC, &o, auth), BM_EINVAL);

    struct bm_prov_oob s = {.alphanumeric = true, .str_len = 3, .str = "A7B"};
    memset(want, 0, 32);
    want[0] = 0x41, want[1] = 0x37, want[2] = 0x42;
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_CMAC, &s, auth), BM_OK);
    CHECK_MEM("alphanumeric, 16", auth, 16, want, 16);
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &s, auth), BM_OK);
    CHECK_MEM("alphanumeric, 32", auth, 32, want, 32);

    uint8_t stat[32];
    for (int i = 0; i < 32; i++)
        stat[i] = (uint8_t)(0xf0 ^ i);
    CHECK_EQ(bm_prov_auth_static(BM_PROV_ALG_CMAC, stat, 16, auth), BM_OK);
    CHECK_MEM("static, 16", auth, 16, stat, 16);
    CHECK_EQ(bm_prov_auth_static(BM_PROV_ALG_HMAC, stat, 32, auth), BM_OK);
    CHECK_MEM("static, 32", auth, 32, stat, 32);
    CHECK_EQ(bm_prov_auth_static(BM_PROV_ALG_CMAC, stat, 32, auth), BM_EINVAL);
    CHECK_EQ(bm_prov_auth_static(BM_PROV_ALG_HMAC, stat, 16, auth), BM_EINVAL);
    memset(auth, 0xff, 32);
    memset(want, 0, 32);
    CHECK_EQ(bm_prov_auth_no_oob(BM_PROV_ALG_HMAC, auth), BM_OK);
    CHECK_MEM("no OOB", auth, 32, want, 32);
}

static uint32_t pow10u(int n)
{
    uint32_t v = 1;
    while (n--)
        v *= 10;
    return v;
}

static void test_5_4_2_4_generated_values_stay_in_range(void)
{
    uint32_t state = 12345;
    for (uint8_t method = BM_PROV_AUTH_OUTPUT; method <= BM_PROV_AUTH_INPUT; method++) {
        uint8_t actions = method == BM_PROV_AUTH_OUTPUT ? BM_PROV_OUT_COUNT : BM_PROV_IN_COUNT;
        for (uint8_t action = 0; action < actions; action++) {
            int alnum = (method == BM_PROV_AUTH_OUTPUT && action == BM_PROV_OUT_ALPHANUMERIC) ||
                        (method == BM_PROV_AUTH_INPUT && action == BM_PROV_IN_ALPHANUMERIC);
            int numeric = (method == BM_PROV_AUTH_OUTPUT && action == BM_PROV_OUT_NUMERIC) ||
                          (method == BM_PROV_AUTH_INPUT && action == BM_PROV_IN_NUMERIC);
            for (uint8_t size = 1; size <= 8; size++) {
                struct bm_prov_start st = {BM_PROV_ALG_CMAC, 0, method, action, size};
                uint32_t lo = UINT32_MAX, hi = 0;
                for (int k = 0; k < 200; k++) {
                    uint8_t rnd[8];
                    for (int i = 0; i < 8; i++) {
                        state = state * 1103515245u + 12345u;
                        rnd[i] = (uint8_t)(state >> 16);
                    }
                    struct bm_prov_oob o;
                    CHECK_EQ(bm_prov_oob_generate(&st, rnd, &o), BM_OK);
                    CHECK_EQ(o.alphanumeric, alnum);
                    if (alnum) {
                        CHECK_EQ(o.str_len, size);
                        CHECK_EQ(strlen(o.str), size);
                        CHECK(strspn(o.str, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == size);
                        /* what a user types back is the same AuthValue */
                        struct bm_prov_oob t;
                        CHECK_EQ(bm_prov_oob_from_text(&st, o.str, size, &t), BM_OK);
                        CHECK(strcmp(t.str, o.str) == 0);
                        continue;
                    }
                    CHECK(o.number < pow10u(size));
                    if (!numeric) /* a count of zero cannot be shown */
                        CHECK(o.number >= 1);
                    lo = o.number < lo ? o.number : lo;
                    hi = o.number > hi ? o.number : hi;
                    struct bm_prov_oob t;
                    CHECK_EQ(bm_prov_oob_from_number(&st, o.number, &t), BM_OK);
                    CHECK_EQ(t.number, o.number);
                }
                if (!alnum && size == 1)
                    CHECK(hi - lo >= 7); /* 200 draws cover most of 0..9 */
            }
        }
    }
    struct bm_prov_start none = {BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_STATIC, 0, 0};
    struct bm_prov_oob o;
    const uint8_t rnd[8] = {0};
    CHECK_EQ(bm_prov_oob_generate(&none, rnd, &o), BM_EINVAL);
}

static void test_5_4_2_4_user_input_must_fit(void)
{
    struct bm_prov_start num = {BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_OUTPUT, BM_PROV_OUT_NUMERIC, 6};
    struct bm_prov_start blink = {BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_OUTPUT, BM_PROV_OUT_BLINK, 1};
    struct bm_prov_start push = {BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_INPUT, BM_PROV_IN_PUSH, 2};
    struct bm_prov_start str = {BM_PROV_ALG_HMAC, 0, BM_PROV_AUTH_INPUT, BM_PROV_IN_ALPHANUMERIC,
                                4};
    struct bm_prov_oob o, before;
    memset(&o, 0x11, sizeof(o));
    before = o;
    /* rejected, *o untouched */
    CHECK_EQ(bm_prov_oob_from_text(&num, "1234567", 7, &o), BM_EINVAL); /* too long */
    CHECK_EQ(bm_prov_oob_from_text(&num, "12a4", 4, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_text(&num, "-12", 3, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_text(&num, "", 0, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_text(&blink, "0", 1, &o), BM_EINVAL); /* count 0 */
    CHECK_EQ(bm_prov_oob_from_text(&blink, "10", 2, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_text(&str, "AB-1", 4, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_text(&str, "ABCDE", 5, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_number(&num, 1000000, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_number(&push, 0, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_number(&push, 100, &o), BM_EINVAL);
    CHECK_EQ(bm_prov_oob_from_number(&str, 5, &o), BM_EINVAL);
    struct bm_prov_start stat = {BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_STATIC, 0, 0};
    CHECK_EQ(bm_prov_oob_from_text(&stat, "1", 1, &o), BM_EINVAL);
    CHECK(memcmp(&o, &before, sizeof(o)) == 0);

    /* accepted */
    CHECK_EQ(bm_prov_oob_from_text(&num, "000042", 6, &o), BM_OK);
    CHECK_EQ(o.number, 42);
    CHECK_EQ(bm_prov_oob_from_text(&num, "999999", 6, &o), BM_OK);
    CHECK_EQ(o.number, 999999);
    CHECK_EQ(bm_prov_oob_from_text(&num, "0", 1, &o), BM_OK);
    CHECK_EQ(o.number, 0);
    CHECK_EQ(bm_prov_oob_from_text(&blink, "9", 1, &o), BM_OK);
    CHECK_EQ(bm_prov_oob_from_number(&push, 99, &o), BM_OK);
    CHECK_EQ(bm_prov_oob_from_text(&str, "a7bz", 4, &o), BM_OK); /* folded */
    CHECK(o.alphanumeric && o.str_len == 4 && strcmp(o.str, "A7BZ") == 0);
    CHECK_EQ(bm_prov_oob_from_text(&str, "Q", 1, &o), BM_OK);
    uint8_t auth[32], want[32] = {'Q'};
    CHECK_EQ(bm_prov_auth_from_oob(BM_PROV_ALG_HMAC, &o, auth), BM_OK);
    CHECK_MEM("typed string", auth, 32, want, 32);
}

int main(void)
{
    pv = bm_vec_load("provisioning.json");
    cf = bm_vec_load("crypto-functions.json");
    BM_RUN(test_8_7_ecdh_secret);
    BM_RUN(test_8_7_8_confirmation_inputs_salt_key);
    BM_RUN(test_8_7_8_9_both_confirmations);
    BM_RUN(test_8_7_confirmation_check_both_ways);
    BM_RUN(test_8_7_12_provisioning_salt_and_session);
    BM_RUN(test_8_7_12_provisioning_data_encrypt_and_back);
    BM_RUN(test_provisioning_data_rejects);
    BM_RUN(test_hmac_values_match_their_definitions);
    BM_RUN(test_hmac_both_sides_agree_and_wrong_auth_fails);
    BM_RUN(test_bad_algorithm_and_arguments);
    BM_RUN(test_5_4_2_4_auth_value_layout);
    BM_RUN(test_5_4_2_4_generated_values_stay_in_range);
    BM_RUN(test_5_4_2_4_user_input_must_fit);
    return bm_test_done();
}
