/* Declarations shared by the files of src/net/ only; no other layer
 * includes this header. */
#ifndef BM_NET_INTERNAL_H
#define BM_NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

/* As bm_net_decode(), and *authentic tells whether the NetMIC verified.
 * bm_net_rx() needs it to tell a PDU that authenticated but breaks a field
 * rule (BM_EMALFORMED, the sender's fault) from one a key with a colliding
 * NID merely failed to deobfuscate into a sane header (not authenticated). */
int bm_net_decode_auth(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                       const uint8_t *pdu, size_t pdu_len, struct bm_net_hdr *hdr,
                       uint8_t transport[BM_NET_MAX_TRANSPORT], size_t *transport_len,
                       bool *authentic);
/* As bm_net_decode_auth() with c's keys prepared in enc and privacy (either
 * may be NULL or unprepared). */
int bm_net_decode_prep(const struct bm_net_creds *c, const struct bm_crypto_key *enc,
                       const struct bm_crypto_key *privacy, uint32_t iv_index,
                       enum bm_net_nonce_kind kind, const uint8_t *pdu, size_t pdu_len,
                       struct bm_net_hdr *hdr, uint8_t transport[BM_NET_MAX_TRANSPORT],
                       size_t *transport_len, bool *authentic);

#endif
