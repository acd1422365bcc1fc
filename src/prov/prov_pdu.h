/* Provisioning PDUs (Mesh Profile 1.0.1 5.4.1, Mesh Protocol 1.1 5.4.1):
 * field constants, a parsed form and the parse/build pair. Neighbours: the
 * provisioning state machines (device and provisioner) call these on the
 * PDUs a bearer (PB-ADV, PB-GATT) reassembled or will segment. */
#ifndef BM_PROV_PDU_H
#define BM_PROV_PDU_H

#include <stddef.h>
#include <stdint.h>

/* PDU type: the 6 low bits of the first octet; the 2 high bits are padding
 * and must be 0. */
#define BM_PROV_INVITE 0x00
#define BM_PROV_CAPABILITIES 0x01
#define BM_PROV_START 0x02
#define BM_PROV_PUB_KEY 0x03
#define BM_PROV_INPUT_COMPLETE 0x04
#define BM_PROV_CONFIRM 0x05
#define BM_PROV_RANDOM 0x06
#define BM_PROV_DATA 0x07
#define BM_PROV_COMPLETE 0x08
#define BM_PROV_FAILED 0x09
#define BM_PROV_TYPE_COUNT 0x0a /* 0x0a..0x3f: not supported (records, RFU) */

/* Provisioning Failed error codes (Mesh Profile 5.4.1.10;
 * 0x09 added by Mesh Protocol 1.1). Data sent on the air, never returned. */
#define BM_PROV_ERR_INVALID_PDU 0x01
#define BM_PROV_ERR_INVALID_FORMAT 0x02
#define BM_PROV_ERR_UNEXPECTED_PDU 0x03
#define BM_PROV_ERR_CONFIRMATION_FAILED 0x04
#define BM_PROV_ERR_OUT_OF_RESOURCES 0x05
#define BM_PROV_ERR_DECRYPTION_FAILED 0x06
#define BM_PROV_ERR_UNEXPECTED_ERROR 0x07
#define BM_PROV_ERR_CANNOT_ASSIGN_ADDRESSES 0x08
#define BM_PROV_ERR_INVALID_DATA 0x09

/* Algorithms: the Start PDU carries the value, Capabilities the bitmask
 * BM_PROV_ALG_BIT(value). */
#define BM_PROV_ALG_CMAC 0x00 /* BTM_ECDH_P256_CMAC_AES128_AES_CCM */
#define BM_PROV_ALG_HMAC 0x01 /* BTM_ECDH_P256_HMAC_SHA256_AES_CCM (1.1) */
#define BM_PROV_ALG_BIT(alg) ((uint16_t)(1u << (alg)))

/* Public Key type (Capabilities bit 0) and Start's Public Key field. */
#define BM_PROV_PUB_KEY_OOB_AVAILABLE 0x01
#define BM_PROV_PUB_KEY_NO_OOB 0x00
#define BM_PROV_PUB_KEY_OOB 0x01

/* Static OOB type bits (Capabilities). Bit 1 is Mesh Protocol 1.1. */
#define BM_PROV_STATIC_OOB_AVAILABLE 0x01
#define BM_PROV_STATIC_OOB_AUTH_REQUIRED 0x02

/* Authentication methods (Start). */
#define BM_PROV_AUTH_NO_OOB 0x00
#define BM_PROV_AUTH_STATIC 0x01
#define BM_PROV_AUTH_OUTPUT 0x02
#define BM_PROV_AUTH_INPUT 0x03

/* Output OOB actions: the Start value; Capabilities carries the bitmask
 * BM_PROV_ACTION_BIT(value). */
#define BM_PROV_OUT_BLINK 0x00
#define BM_PROV_OUT_BEEP 0x01
#define BM_PROV_OUT_VIBRATE 0x02
#define BM_PROV_OUT_NUMERIC 0x03
#define BM_PROV_OUT_ALPHANUMERIC 0x04
#define BM_PROV_OUT_COUNT 5
/* Input OOB actions, likewise. */
#define BM_PROV_IN_PUSH 0x00
#define BM_PROV_IN_TWIST 0x01
#define BM_PROV_IN_NUMERIC 0x02
#define BM_PROV_IN_ALPHANUMERIC 0x03
#define BM_PROV_IN_COUNT 4
#define BM_PROV_ACTION_BIT(action) ((uint16_t)(1u << (action)))

/* Output/Input OOB size and Start's Authentication Size: 1..8. */
#define BM_PROV_OOB_SIZE_MAX 8

/* Parameter lengths (PDU length minus the type octet). */
#define BM_PROV_INVITE_LEN 1
#define BM_PROV_CAPS_LEN 11
#define BM_PROV_START_LEN 5
#define BM_PROV_PUB_KEY_LEN 64
#define BM_PROV_CONFIRM_LEN_CMAC 16
#define BM_PROV_CONFIRM_LEN_HMAC 32
#define BM_PROV_RANDOM_LEN_CMAC 16
#define BM_PROV_RANDOM_LEN_HMAC 32
#define BM_PROV_DATA_ENC_LEN 25
#define BM_PROV_DATA_MIC_LEN 8
#define BM_PROV_DATA_LEN (BM_PROV_DATA_ENC_LEN + BM_PROV_DATA_MIC_LEN)
#define BM_PROV_FAILED_LEN 1
/* The longest Provisioning PDU: Public Key, 1 + 64 octets. */
#define BM_PROV_PDU_MAX_LEN (1 + BM_PROV_PUB_KEY_LEN)

/* The value passed to bm_prov_pdu_parse() before an algorithm is agreed:
 * Confirmation and Random are then accepted in either length. */
#define BM_PROV_ALG_UNKNOWN 0xff

struct bm_prov_caps {
    uint8_t num_elements;       /* 1..255 */
    uint16_t algorithms;        /* BM_PROV_ALG_BIT() mask; RFU bits kept */
    uint8_t pub_key_type;       /* 0 or BM_PROV_PUB_KEY_OOB_AVAILABLE */
    uint8_t static_oob_type;    /* BM_PROV_STATIC_OOB_* bits */
    uint8_t output_oob_size;    /* 0 (none) or 1..8 */
    uint16_t output_oob_action; /* BM_PROV_ACTION_BIT(BM_PROV_OUT_*) mask */
    uint8_t input_oob_size;     /* 0 (none) or 1..8 */
    uint16_t input_oob_action;  /* BM_PROV_ACTION_BIT(BM_PROV_IN_*) mask */
};

struct bm_prov_start {
    uint8_t algorithm;   /* BM_PROV_ALG_* */
    uint8_t pub_key;     /* BM_PROV_PUB_KEY_NO_OOB or _OOB */
    uint8_t auth_method; /* BM_PROV_AUTH_* */
    uint8_t auth_action; /* BM_PROV_OUT_* or BM_PROV_IN_*, else 0 */
    uint8_t auth_size;   /* 1..8 for output/input OOB, else 0 */
};

/* A parsed Provisioning PDU. Byte fields are copies, not pointers. */
struct bm_prov_pdu {
    uint8_t type; /* BM_PROV_INVITE .. BM_PROV_FAILED */
    union {
        uint8_t attention_duration_s; /* Invite */
        struct bm_prov_caps caps;
        struct bm_prov_start start;
        uint8_t pub_key[BM_PROV_PUB_KEY_LEN]; /* X || Y, big-endian */
        struct {
            uint8_t len; /* 16 (CMAC) or 32 (HMAC) */
            uint8_t value[32];
        } confirm, random;
        struct {
            uint8_t enc[BM_PROV_DATA_ENC_LEN];
            uint8_t mic[BM_PROV_DATA_MIC_LEN];
        } data;
        uint8_t error_code; /* Failed: BM_PROV_ERR_* (others RFU) */
    } u;
};

/* Length of Confirmation, Random and AuthValue for alg: 16 (CMAC), 32
 * (HMAC), 0 for any other value. */
size_t bm_prov_auth_len(uint8_t alg);

/* Parses one complete Provisioning PDU. alg is the algorithm agreed in
 * Start (fixes the Confirmation/Random length) or BM_PROV_ALG_UNKNOWN.
 * Returns 0, or BM_EMALFORMED with *fail_code set to the Provisioning
 * Failed error code the receiver reports (Mesh Profile 5.4.4):
 * BM_PROV_ERR_INVALID_PDU for an unknown type or set padding bits,
 * BM_PROV_ERR_INVALID_FORMAT for a wrong length or a prohibited field
 * value. BM_EINVAL for bad arguments. pdu is written only on success. */
int bm_prov_pdu_parse(const uint8_t *buf, size_t len, uint8_t alg, struct bm_prov_pdu *pdu,
                      uint8_t *fail_code);

/* Writes pdu (type octet first) into out. Refuses, with BM_EINVAL, any
 * field value the parser would reject, so what we send always parses.
 * Returns 0 and *out_len, BM_ENOSPC if out_size is too small. */
int bm_prov_pdu_build(const struct bm_prov_pdu *pdu, uint8_t *out, size_t out_size,
                      size_t *out_len);

/* Checks a Start against the Capabilities it answers (Mesh Profile
 * 5.4.2.4): the algorithm, the OOB public key, the static OOB and the
 * output/input action and size must all be offered. The device calls it on
 * the received Start (failure -> BM_PROV_ERR_INVALID_FORMAT), the
 * provisioner on its own choice. Returns 0 or BM_EMALFORMED. */
int bm_prov_start_fits_caps(const struct bm_prov_start *start, const struct bm_prov_caps *caps);

#endif
