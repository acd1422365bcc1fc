/* Checks on the transport layers shared by the network and reassembly
 * fuzz targets: lower transport parse/build round trips, Segment
 * Acknowledgment decode/encode, upper transport decryption with the
 * sample keys. */
#ifndef BM_FUZZ_TRANSPORT_CHECKS_H
#define BM_FUZZ_TRANSPORT_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "transport/lower.h"
#include "transport/upper.h"

/* Parses one lower transport PDU and checks build(parse(x)) == x; returns
 * the parse result (hdr, payload valid when 0). */
int fz_lower_roundtrip(uint8_t ctl, const uint8_t *pdu, size_t len, struct bm_lower_hdr *hdr,
                       const uint8_t **payload, size_t *payload_len);
/* Decrypts an upper transport access PDU with the sample app key and the
 * device key of 0x1201, checking the bounds of what comes out and, when
 * it decrypts, that encrypting it again gives the same octets. */
void fz_upper_check(uint8_t akf, uint8_t aid, uint8_t szmic, uint32_t seq, uint16_t src,
                    uint16_t dst, uint32_t iv_index, const uint8_t *upper, size_t upper_len);

#endif
