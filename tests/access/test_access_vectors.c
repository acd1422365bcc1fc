/* Access payloads (Mesh Profile 3.7.3) of the sample access messages in
 * ../shared/vectors/messages.json: each parses into the printed opcode
 * (1-, 2- and 3-octet) and its parameters and builds back byte for byte.
 * Then the refusals: empty, RFU opcode 0x7f, truncated 2- and 3-octet
 * opcodes, payloads over 380 octets, opcodes out of range. */
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "test.h"
#include "vectors.h"

static cJSON *mv;

static void test_3_7_3_parse_and_build_every_access_payload(void)
{
    const cJSON *m;
    int n = 0, lens_seen = 0;
    cJSON_ArrayForEach(m, bm_vec_get(mv, "messages"))
    {
        if (!bm_vec_find(m, "access_message"))
            continue;
        uint8_t payload[64], out[64];
        size_t len = bm_vec_hex(m, "access_message.access_payload", payload, sizeof(payload));
        const char *op_hex = bm_vec_str(m, "access_message.opcode");
        size_t op_len = strlen(op_hex) / 2;
        uint32_t want_op = bm_vec_num(m, "access_message.opcode");

        uint32_t op = 0;
        const uint8_t *params = NULL;
        size_t params_len = 0;
        CHECK_EQ(bm_access_parse(payload, len, &op, &params, &params_len), BM_OK);
        CHECK_EQ(op, want_op);
        CHECK_EQ(bm_access_opcode_len(op), (int)op_len);
        CHECK(params == payload + op_len);
        CHECK_EQ(params_len, len - op_len);
        lens_seen |= 1 << op_len;

        size_t out_len = 0;
        CHECK_EQ(bm_access_build(op, params, params_len, out, sizeof(out), &out_len), BM_OK);
        CHECK_MEM("built access payload", out, out_len, payload, len);
        n++;
    }
    CHECK_EQ(n, 9);
    CHECK_EQ(lens_seen, (1 << 1) | (1 << 2) | (1 << 3)); /* every opcode size occurs */
}

/* 8.3.21: vendor opcode 0x15 of company 0x000a, parameters "Hello". */
static void test_3_7_3_1_vendor_opcode_parameters(void)
{
    uint8_t payload[64], want[16];
    size_t len =
        bm_vec_hex(mv, "messages.20.access_message.access_payload", payload, sizeof(payload));
    size_t wn = bm_vec_hex(mv, "messages.20.access_message.parameters.params", want, sizeof(want));
    uint32_t op;
    const uint8_t *params;
    size_t params_len;
    CHECK_EQ(bm_access_parse(payload, len, &op, &params, &params_len), BM_OK);
    CHECK_EQ(op, bm_vec_num(mv, "messages.20.access_message.opcode"));
    CHECK_MEM("vendor params", params, params_len, want, wn);
}

static void test_3_7_3_1_malformed_payloads(void)
{
    uint32_t op = 0x1234;
    const uint8_t *params = NULL;
    size_t params_len = 77;
    static const uint8_t rfu[] = {0x7f, 0x01, 0x02};
    static const uint8_t two[] = {0x80, 0x03};
    static const uint8_t three[] = {0xd5, 0x0a, 0x00};

    CHECK_EQ(bm_access_parse(rfu, 0, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(NULL, 0, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(rfu, 1, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(rfu, 3, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(two, 1, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(three, 1, &op, &params, &params_len), BM_EMALFORMED);
    CHECK_EQ(bm_access_parse(three, 2, &op, &params, &params_len), BM_EMALFORMED);
    /* Nothing was written by the refusals. */
    CHECK_EQ(op, 0x1234);
    CHECK(params == NULL);
    CHECK_EQ(params_len, 77);
    /* Exactly an opcode and no parameters is fine. */
    CHECK_EQ(bm_access_parse(two, 2, &op, &params, &params_len), BM_OK);
    CHECK_EQ(op, 0x8003);
    CHECK_EQ(params_len, 0);
    CHECK_EQ(bm_access_parse(three, 3, &op, &params, &params_len), BM_OK);
    CHECK_EQ(op, 0xd50a00);
    CHECK_EQ(params_len, 0);
    CHECK_EQ(bm_access_parse(three, 3, NULL, &params, &params_len), BM_EINVAL);
}

/* 3.7.3: at most 380 octets (32 segments x 12 - 4-octet TransMIC). */
static void test_3_7_3_size_limit(void)
{
    static uint8_t payload[BM_ACCESS_MAX_PAYLOAD + 2], out[BM_ACCESS_MAX_PAYLOAD + 2];
    memset(payload, 0x42, sizeof(payload));
    payload[0] = 0x04;
    uint32_t op;
    const uint8_t *params;
    size_t params_len, out_len;
    CHECK_EQ(bm_access_parse(payload, BM_ACCESS_MAX_PAYLOAD, &op, &params, &params_len), BM_OK);
    CHECK_EQ(params_len, BM_ACCESS_MAX_PAYLOAD - 1);
    CHECK_EQ(bm_access_parse(payload, BM_ACCESS_MAX_PAYLOAD + 1, &op, &params, &params_len),
             BM_EMALFORMED);

    /* Building: the limit counts the opcode. */
    CHECK_EQ(bm_access_build(0x04, payload, 379, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(out_len, 380);
    CHECK_EQ(bm_access_build(0x04, payload, 380, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_access_build(0x8003, payload, 378, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(bm_access_build(0x8003, payload, 379, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_access_build(0xea0a00, payload, 377, out, sizeof(out), &out_len), BM_OK);
    CHECK_EQ(bm_access_build(0xea0a00, payload, 378, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_access_build(0xea0a00, payload, (size_t)-1, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_access_build(0xea0a00, payload, 5, out, 7, &out_len), BM_ENOSPC);
    CHECK_EQ(bm_access_build(0xea0a00, payload, 5, out, 8, &out_len), BM_OK);
    CHECK_EQ(bm_access_build(0x00, NULL, 0, out, 1, &out_len), BM_OK);
    CHECK_EQ(out_len, 1);
    CHECK_EQ(out[0], 0x00);
}

/* 3.7.3.1: which numbers are opcodes. */
static void test_3_7_3_1_opcode_ranges(void)
{
    CHECK_EQ(bm_access_opcode_len(0x00), 1);
    CHECK_EQ(bm_access_opcode_len(0x7e), 1);
    CHECK_EQ(bm_access_opcode_len(0x7f), BM_EINVAL);
    CHECK_EQ(bm_access_opcode_len(0x80), BM_EINVAL);
    CHECK_EQ(bm_access_opcode_len(0x7fff), BM_EINVAL);
    CHECK_EQ(bm_access_opcode_len(0x8000), 2);
    CHECK_EQ(bm_access_opcode_len(0xbfff), 2);
    CHECK_EQ(bm_access_opcode_len(0xc000), BM_EINVAL);
    CHECK_EQ(bm_access_opcode_len(0xbfffff), BM_EINVAL);
    CHECK_EQ(bm_access_opcode_len(0xc00000), 3);
    CHECK_EQ(bm_access_opcode_len(0xffffff), 3);
    CHECK_EQ(bm_access_opcode_len(0x1000000), BM_EINVAL);
    uint8_t out[8];
    size_t out_len;
    CHECK_EQ(bm_access_build(0x7f, NULL, 0, out, sizeof(out), &out_len), BM_EINVAL);
    CHECK_EQ(bm_access_build(0xc000, NULL, 0, out, sizeof(out), &out_len), BM_EINVAL);
}

int main(void)
{
    mv = bm_vec_load("messages.json");
    BM_RUN(test_3_7_3_parse_and_build_every_access_payload);
    BM_RUN(test_3_7_3_1_vendor_opcode_parameters);
    BM_RUN(test_3_7_3_1_malformed_payloads);
    BM_RUN(test_3_7_3_size_limit);
    BM_RUN(test_3_7_3_1_opcode_ranges);
    return bm_test_done();
}
