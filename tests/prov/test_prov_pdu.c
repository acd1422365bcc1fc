/* Provisioning PDUs (Mesh Profile 5.4.1) against the sample data of 8.7:
 * every Provisioning PDU of the PB-ADV run parses to its listed fields and
 * is rebuilt byte-exact from them; then the negative cases: each type one
 * octet short and one long, padding bits and RFU types, prohibited field
 * values, and the Start-versus-Capabilities rule. Expected bytes come from
 * provisioning.json or from the spec's field tables (named in comments). */
#include <string.h>

#include "blemesh/errors.h"
#include "prov/prov_pdu.h"
#include "test.h"
#include "vectors.h"

static cJSON *pv;

static const cJSON *step(int i)
{
    char path[32];
    snprintf(path, sizeof(path), "pb_adv.steps.%d", i);
    return bm_vec_get(pv, path);
}

static int step_count(void)
{
    return cJSON_GetArraySize(bm_vec_get(pv, "pb_adv.steps"));
}

static int is_transaction(const cJSON *s)
{
    return strcmp(bm_vec_str(s, "kind"), "provisioning_pdu_transaction") == 0;
}

/* Fills a parsed-form PDU from a step's "fields" (the independent side). */
static void pdu_from_fields(const cJSON *s, uint8_t type, struct bm_prov_pdu *p)
{
    memset(p, 0, sizeof(*p));
    p->type = type;
    switch (type) {
    case BM_PROV_INVITE:
        p->u.attention_duration_s = (uint8_t)bm_vec_num(s, "fields.attention_duration");
        break;
    case BM_PROV_CAPABILITIES:
        p->u.caps.num_elements = (uint8_t)bm_vec_num(s, "fields.number_of_elements");
        p->u.caps.algorithms = (uint16_t)bm_vec_num(s, "fields.algorithms");
        p->u.caps.pub_key_type = (uint8_t)bm_vec_num(s, "fields.public_key_type");
        p->u.caps.static_oob_type = (uint8_t)bm_vec_num(s, "fields.static_oob_type");
        p->u.caps.output_oob_size = (uint8_t)bm_vec_num(s, "fields.output_oob_size");
        p->u.caps.output_oob_action = (uint16_t)bm_vec_num(s, "fields.output_oob_action");
        p->u.caps.input_oob_size = (uint8_t)bm_vec_num(s, "fields.input_oob_size");
        p->u.caps.input_oob_action = (uint16_t)bm_vec_num(s, "fields.input_oob_action");
        break;
    case BM_PROV_START:
        p->u.start.algorithm = (uint8_t)bm_vec_num(s, "fields.algorithm");
        p->u.start.pub_key = (uint8_t)bm_vec_num(s, "fields.public_key");
        p->u.start.auth_method = (uint8_t)bm_vec_num(s, "fields.authentication_method");
        p->u.start.auth_action = (uint8_t)bm_vec_num(s, "fields.authentication_action");
        p->u.start.auth_size = (uint8_t)bm_vec_num(s, "fields.authentication_size");
        break;
    case BM_PROV_PUB_KEY:
        bm_vec_hex(s, "fields.public_key_x", p->u.pub_key, 32);
        bm_vec_hex(s, "fields.public_key_y", p->u.pub_key + 32, 32);
        break;
    case BM_PROV_CONFIRM:
        p->u.confirm.len = (uint8_t)bm_vec_hex(s, "fields.confirmation", p->u.confirm.value, 32);
        break;
    case BM_PROV_RANDOM:
        p->u.random.len = (uint8_t)bm_vec_hex(s, "fields.random", p->u.random.value, 32);
        break;
    case BM_PROV_DATA:
        bm_vec_hex(s, "fields.encrypted_provisioning_data", p->u.data.enc, 25);
        bm_vec_hex(s, "fields.provisioning_data_mic", p->u.data.mic, 8);
        break;
    default:
        break;
    }
}

static void test_8_7_every_prov_pdu_builds_from_its_fields(void)
{
    int seen = 0;
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!is_transaction(s))
            continue;
        uint8_t want[80], got[80];
        size_t want_len = bm_vec_hex(s, "provisioning_pdu", want, sizeof(want)), got_len = 0;
        struct bm_prov_pdu p;
        pdu_from_fields(s, want[0], &p);
        CHECK_EQ(bm_prov_pdu_build(&p, got, sizeof(got), &got_len), BM_OK);
        CHECK_MEM(bm_vec_str(s, "title"), got, got_len, want, want_len);
        seen++;
    }
    CHECK_EQ(seen, 11); /* 8.7.3 - 8.7.13: Invite .. Complete, keys/confirms/randoms twice */
}

static void test_8_7_every_prov_pdu_parses_to_its_fields(void)
{
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!is_transaction(s))
            continue;
        uint8_t buf[80];
        size_t len = bm_vec_hex(s, "provisioning_pdu", buf, sizeof(buf));
        struct bm_prov_pdu want, got;
        pdu_from_fields(s, buf[0], &want);
        /* the sample run uses the CMAC algorithm; also parse before one is agreed */
        const uint8_t algs[] = {BM_PROV_ALG_CMAC, BM_PROV_ALG_UNKNOWN};
        for (int a = 0; a < 2; a++) {
            uint8_t code = 0xee;
            memset(&got, 0, sizeof(got));
            CHECK_EQ(bm_prov_pdu_parse(buf, len, algs[a], &got, &code), BM_OK);
            CHECK_EQ(code, 0xee); /* untouched on success */
            CHECK_EQ(got.type, want.type);
            CHECK(memcmp(&got, &want, sizeof(got)) == 0);
        }
    }
}

/* One valid PDU of each type: from the sample run where it has one, else
 * from the field tables (Input Complete: no parameters; Failed: one
 * error code). */
static size_t valid_pdu(uint8_t type, uint8_t *buf)
{
    if (type == BM_PROV_INPUT_COMPLETE) {
        buf[0] = BM_PROV_INPUT_COMPLETE;
        return 1;
    }
    if (type == BM_PROV_FAILED) {
        buf[0] = BM_PROV_FAILED;
        buf[1] = BM_PROV_ERR_CONFIRMATION_FAILED;
        return 2;
    }
    for (int i = 0; i < step_count(); i++) {
        const cJSON *s = step(i);
        if (!is_transaction(s))
            continue;
        size_t len = bm_vec_hex(s, "provisioning_pdu", buf, 80);
        if (buf[0] == type)
            return len;
    }
    CHECK(0);
    return 0;
}

/* Expects a rejection with the given Provisioning Failed code and the
 * output left as it was. */
static void expect_reject(const uint8_t *buf, size_t len, uint8_t alg, uint8_t want_code)
{
    struct bm_prov_pdu p, before;
    memset(&p, 0x5a, sizeof(p));
    before = p;
    uint8_t code = 0;
    CHECK_EQ(bm_prov_pdu_parse(buf, len, alg, &p, &code), BM_EMALFORMED);
    CHECK_EQ(code, want_code);
    CHECK(memcmp(&p, &before, sizeof(p)) == 0);
}

static void test_5_4_1_each_type_short_and_long_is_invalid_format(void)
{
    for (uint8_t t = 0; t < BM_PROV_TYPE_COUNT; t++) {
        uint8_t buf[81];
        size_t len = valid_pdu(t, buf);
        struct bm_prov_pdu p;
        uint8_t code;
        CHECK_EQ(bm_prov_pdu_parse(buf, len, BM_PROV_ALG_CMAC, &p, &code), BM_OK);
        if (len > 1)
            expect_reject(buf, len - 1, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT);
        buf[len] = 0x00;
        expect_reject(buf, len + 1, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT);
        buf[len] = 0xff;
        expect_reject(buf, len + 1, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT);
    }
    uint8_t empty[1] = {0};
    expect_reject(empty, 0, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT);
}

static void test_5_4_1_padding_bits_and_rfu_types_are_invalid_pdu(void)
{
    for (uint8_t t = 0; t < BM_PROV_TYPE_COUNT; t++) {
        uint8_t buf[81];
        size_t len = valid_pdu(t, buf);
        buf[0] = (uint8_t)(t | 0x40);
        expect_reject(buf, len, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_PDU);
        buf[0] = (uint8_t)(t | 0x80);
        expect_reject(buf, len, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_PDU);
    }
    /* 0x0a..0x3f: RFU in 1.0.1, certificate records in 1.1 (unsupported) */
    for (unsigned t = BM_PROV_TYPE_COUNT; t < 0x100; t++) {
        uint8_t buf[2] = {(uint8_t)t, 0};
        expect_reject(buf, 1, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_PDU);
        expect_reject(buf, 2, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_PDU);
    }
}

static void parse_start(const uint8_t params[5], int want_ok)
{
    uint8_t buf[6] = {BM_PROV_START};
    memcpy(buf + 1, params, 5);
    if (want_ok) {
        struct bm_prov_pdu p;
        uint8_t code;
        CHECK_EQ(bm_prov_pdu_parse(buf, 6, BM_PROV_ALG_UNKNOWN, &p, &code), BM_OK);
        CHECK_EQ(p.u.start.algorithm, params[0]);
        CHECK_EQ(p.u.start.auth_size, params[4]);
    } else {
        expect_reject(buf, 6, BM_PROV_ALG_UNKNOWN, BM_PROV_ERR_INVALID_FORMAT);
    }
}

/* Mesh Profile 5.4.1.3 field tables (algorithm 0x01 from Mesh Protocol
 * 1.1): each row a Start parameter set and whether it is allowed. */
static void test_5_4_1_3_start_prohibited_values(void)
{
    static const struct {
        uint8_t p[5];
        int ok;
    } rows[] = {
        {{0x00, 0x00, 0x00, 0x00, 0x00}, 1}, /* CMAC, no OOB */
        {{0x01, 0x01, 0x01, 0x00, 0x00}, 1}, /* HMAC, OOB key, static */
        {{0x00, 0x00, 0x02, 0x04, 0x08}, 1}, /* output alphanumeric, 8 */
        {{0x00, 0x00, 0x03, 0x03, 0x01}, 1}, /* input alphanumeric, 1 */
        {{0x02, 0x00, 0x00, 0x00, 0x00}, 0}, /* algorithm RFU */
        {{0xff, 0x00, 0x00, 0x00, 0x00}, 0},
        {{0x00, 0x02, 0x00, 0x00, 0x00}, 0}, /* public key prohibited */
        {{0x00, 0x00, 0x04, 0x00, 0x00}, 0}, /* auth method prohibited */
        {{0x00, 0x00, 0x00, 0x01, 0x00}, 0}, /* no OOB: action must be 0 */
        {{0x00, 0x00, 0x00, 0x00, 0x01}, 0}, /* no OOB: size must be 0 */
        {{0x00, 0x00, 0x01, 0x01, 0x00}, 0}, /* static: action must be 0 */
        {{0x00, 0x00, 0x01, 0x00, 0x01}, 0}, /* static: size must be 0 */
        {{0x00, 0x00, 0x02, 0x05, 0x04}, 0}, /* output action RFU */
        {{0x00, 0x00, 0x02, 0x03, 0x00}, 0}, /* output size 0 prohibited */
        {{0x00, 0x00, 0x02, 0x03, 0x09}, 0}, /* output size RFU */
        {{0x00, 0x00, 0x03, 0x04, 0x04}, 0}, /* input action RFU */
        {{0x00, 0x00, 0x03, 0x02, 0x00}, 0}, /* input size 0 prohibited */
        {{0x00, 0x00, 0x03, 0x02, 0x09}, 0}, /* input size RFU */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        parse_start(rows[i].p, rows[i].ok);
}

static void test_5_4_1_2_capabilities_prohibited_values(void)
{
    uint8_t base[12];
    CHECK_EQ(valid_pdu(BM_PROV_CAPABILITIES, base), 12);
    /* offset within the PDU, value, allowed? */
    static const struct {
        int off;
        uint8_t v;
        int ok;
    } rows[] = {
        {1, 0x00, 0},               /* number of elements 0 prohibited */
        {1, 0xff, 1}, {2, 0xff, 1}, /* algorithm RFU bits: kept, never selected */
        {4, 0x01, 1},               /* OOB public key available */
        {4, 0x02, 0},               /* public key type bits 1..7 prohibited */
        {5, 0x03, 1},               /* static OOB available | OOB auth required (1.1) */
        {5, 0x04, 0},               /* static OOB type bits 2..7 prohibited */
        {6, 0x08, 1},               /* output OOB size 8 */
        {6, 0x09, 0},               /* output OOB size RFU */
        {9, 0x08, 1},               /* input OOB size 8 */
        {9, 0x09, 0},               /* input OOB size RFU */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t buf[12];
        memcpy(buf, base, sizeof(buf));
        buf[rows[i].off] = rows[i].v;
        if (rows[i].ok) {
            struct bm_prov_pdu p;
            uint8_t code;
            CHECK_EQ(bm_prov_pdu_parse(buf, 12, BM_PROV_ALG_UNKNOWN, &p, &code), BM_OK);
        } else {
            expect_reject(buf, 12, BM_PROV_ALG_UNKNOWN, BM_PROV_ERR_INVALID_FORMAT);
        }
    }
}

static void test_confirm_and_random_length_follow_the_algorithm(void)
{
    const uint8_t types[] = {BM_PROV_CONFIRM, BM_PROV_RANDOM};
    for (int t = 0; t < 2; t++) {
        uint8_t buf[34] = {types[t]};
        for (uint8_t i = 1; i < sizeof(buf); i++)
            buf[i] = i;
        struct bm_prov_pdu p;
        uint8_t code;
        CHECK_EQ(bm_prov_pdu_parse(buf, 33, BM_PROV_ALG_HMAC, &p, &code), BM_OK);
        CHECK_EQ(p.u.confirm.len, 32);
        CHECK_MEM("32-octet value", p.u.confirm.value, 32, buf + 1, 32);
        CHECK_EQ(bm_prov_pdu_parse(buf, 33, BM_PROV_ALG_UNKNOWN, &p, &code), BM_OK);
        CHECK_EQ(bm_prov_pdu_parse(buf, 17, BM_PROV_ALG_UNKNOWN, &p, &code), BM_OK);
        expect_reject(buf, 33, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT);
        expect_reject(buf, 17, BM_PROV_ALG_HMAC, BM_PROV_ERR_INVALID_FORMAT);
        expect_reject(buf, 32, BM_PROV_ALG_HMAC, BM_PROV_ERR_INVALID_FORMAT);
        expect_reject(buf, 34, BM_PROV_ALG_HMAC, BM_PROV_ERR_INVALID_FORMAT);
        expect_reject(buf, 25, BM_PROV_ALG_UNKNOWN, BM_PROV_ERR_INVALID_FORMAT);
        /* and they build back */
        uint8_t out[40];
        size_t out_len;
        CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &out_len), BM_OK);
        CHECK_MEM("rebuilt", out, out_len, buf, 17);
    }
    struct bm_prov_pdu p;
    uint8_t code;
    CHECK_EQ(bm_prov_pdu_parse((const uint8_t *)"\x05", 1, 0x07, &p, &code), BM_EINVAL);
}

static void test_5_4_1_10_failed_error_codes(void)
{
    uint8_t buf[2] = {BM_PROV_FAILED, 0};
    expect_reject(buf, 2, BM_PROV_ALG_CMAC, BM_PROV_ERR_INVALID_FORMAT); /* 0x00 prohibited */
    for (unsigned c = 1; c < 0x100; c++) {
        buf[1] = (uint8_t)c;
        struct bm_prov_pdu p;
        uint8_t code;
        CHECK_EQ(bm_prov_pdu_parse(buf, 2, BM_PROV_ALG_CMAC, &p, &code), BM_OK);
        CHECK_EQ(p.u.error_code, c);
    }
    /* The codes as Mesh Profile 5.4.1.10 numbers them. */
    CHECK_EQ(BM_PROV_ERR_INVALID_PDU, 0x01);
    CHECK_EQ(BM_PROV_ERR_INVALID_FORMAT, 0x02);
    CHECK_EQ(BM_PROV_ERR_UNEXPECTED_PDU, 0x03);
    CHECK_EQ(BM_PROV_ERR_CONFIRMATION_FAILED, 0x04);
    CHECK_EQ(BM_PROV_ERR_OUT_OF_RESOURCES, 0x05);
    CHECK_EQ(BM_PROV_ERR_DECRYPTION_FAILED, 0x06);
    CHECK_EQ(BM_PROV_ERR_UNEXPECTED_ERROR, 0x07);
    CHECK_EQ(BM_PROV_ERR_CANNOT_ASSIGN_ADDRESSES, 0x08);
}

static void test_build_refuses_what_parse_rejects(void)
{
    struct bm_prov_pdu p;
    uint8_t out[80];
    size_t len;
    memset(&p, 0, sizeof(p));
    p.type = BM_PROV_START;
    p.u.start.algorithm = 0x02;
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    p.u.start.algorithm = 0;
    p.u.start.auth_method = BM_PROV_AUTH_OUTPUT; /* size 0 */
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    memset(&p, 0, sizeof(p));
    p.type = BM_PROV_CAPABILITIES; /* zero elements */
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    memset(&p, 0, sizeof(p));
    p.type = BM_PROV_FAILED; /* error code 0 */
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    memset(&p, 0, sizeof(p));
    p.type = BM_PROV_CONFIRM;
    p.u.confirm.len = 20;
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    p.type = 0x0a;
    CHECK_EQ(bm_prov_pdu_build(&p, out, sizeof(out), &len), BM_EINVAL);
    /* a buffer one octet short */
    p.type = BM_PROV_PUB_KEY;
    CHECK_EQ(bm_prov_pdu_build(&p, out, 64, &len), BM_ENOSPC);
    CHECK_EQ(bm_prov_pdu_build(&p, out, 65, &len), BM_OK);
    CHECK_EQ(len, 65);
}

static void caps_of(struct bm_prov_caps *c)
{
    struct bm_prov_pdu p;
    uint8_t buf[12], code;
    valid_pdu(BM_PROV_CAPABILITIES, buf);
    CHECK_EQ(bm_prov_pdu_parse(buf, 12, BM_PROV_ALG_UNKNOWN, &p, &code), BM_OK);
    *c = p.u.caps;
}

static void test_5_4_2_4_start_must_fit_capabilities(void)
{
    struct bm_prov_caps c;
    struct bm_prov_start s = {0};
    caps_of(&c); /* 8.7.4: CMAC only, no OOB of any kind */
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK);
    s.algorithm = BM_PROV_ALG_HMAC;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s.algorithm = BM_PROV_ALG_CMAC;
    s.pub_key = BM_PROV_PUB_KEY_OOB;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s.pub_key = 0;
    s.auth_method = BM_PROV_AUTH_STATIC;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);

    c.algorithms = BM_PROV_ALG_BIT(BM_PROV_ALG_CMAC) | BM_PROV_ALG_BIT(BM_PROV_ALG_HMAC);
    c.pub_key_type = BM_PROV_PUB_KEY_OOB_AVAILABLE;
    c.static_oob_type = BM_PROV_STATIC_OOB_AVAILABLE;
    c.output_oob_size = 4;
    c.output_oob_action = BM_PROV_ACTION_BIT(BM_PROV_OUT_NUMERIC);
    c.input_oob_size = 2;
    c.input_oob_action = BM_PROV_ACTION_BIT(BM_PROV_IN_PUSH);
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK); /* static */
    s.pub_key = BM_PROV_PUB_KEY_OOB;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK);
    s = (struct bm_prov_start){BM_PROV_ALG_HMAC, 0, BM_PROV_AUTH_OUTPUT, BM_PROV_OUT_NUMERIC, 4};
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK);
    s.auth_size = 5; /* above the offered size */
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s.auth_size = 4;
    s.auth_action = BM_PROV_OUT_BLINK; /* not offered */
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s = (struct bm_prov_start){BM_PROV_ALG_CMAC, 0, BM_PROV_AUTH_INPUT, BM_PROV_IN_PUSH, 2};
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK);
    s.auth_action = BM_PROV_IN_TWIST;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s.auth_action = BM_PROV_IN_PUSH;
    s.auth_size = 3;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);

    /* Mesh Protocol 1.1: "OOB authentication required" rules out the CMAC
     * algorithm and No OOB. */
    c.static_oob_type |= BM_PROV_STATIC_OOB_AUTH_REQUIRED;
    s = (struct bm_prov_start){BM_PROV_ALG_HMAC, 0, BM_PROV_AUTH_STATIC, 0, 0};
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_OK);
    s.algorithm = BM_PROV_ALG_CMAC;
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
    s = (struct bm_prov_start){BM_PROV_ALG_HMAC, 0, BM_PROV_AUTH_NO_OOB, 0, 0};
    CHECK_EQ(bm_prov_start_fits_caps(&s, &c), BM_EMALFORMED);
}

int main(void)
{
    pv = bm_vec_load("provisioning.json");
    BM_RUN(test_8_7_every_prov_pdu_builds_from_its_fields);
    BM_RUN(test_8_7_every_prov_pdu_parses_to_its_fields);
    BM_RUN(test_5_4_1_each_type_short_and_long_is_invalid_format);
    BM_RUN(test_5_4_1_padding_bits_and_rfu_types_are_invalid_pdu);
    BM_RUN(test_5_4_1_3_start_prohibited_values);
    BM_RUN(test_5_4_1_2_capabilities_prohibited_values);
    BM_RUN(test_confirm_and_random_length_follow_the_algorithm);
    BM_RUN(test_5_4_1_10_failed_error_codes);
    BM_RUN(test_build_refuses_what_parse_rejects);
    BM_RUN(test_5_4_2_4_start_must_fit_capabilities);
    return bm_test_done();
}
