/* Network layer (Mesh Profile 3.4): network PDU encode/decode, subnets and
 * their keys (both key refresh key sets), the IV index rule and the network
 * message cache. Neighbours: the bearer below hands PDUs to bm_net_rx(); the
 * lower transport above calls bm_net_tx(). */
#ifndef BM_NET_H
#define BM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blemesh/config.h"
#include "crypto/crypto.h"

#define BM_NET_HDR_LEN 9        /* IVI|NID, CTL|TTL, SEQ(3), SRC(2), DST(2) */
#define BM_NET_MAX_PDU_LEN 29   /* Mesh Profile 3.4.4: at most 29 octets */
#define BM_NET_MIC_ACCESS 4     /* NetMIC size when CTL = 0 */
#define BM_NET_MIC_CTL 8        /* NetMIC size when CTL = 1 */
#define BM_NET_MAX_TRANSPORT 16 /* 29 - 9 - 4 */
#define BM_NET_MIN_PDU_LEN (BM_NET_HDR_LEN + 1 + BM_NET_MIC_ACCESS)
#define BM_TTL_MAX 127
#define BM_SEQ_MAX 0xffffff

/* Address ranges (Mesh Profile 3.4.2). */
#define BM_ADDR_UNASSIGNED 0x0000
#define BM_ADDR_ALL_PROXIES 0xfffc
#define BM_ADDR_ALL_FRIENDS 0xfffd
#define BM_ADDR_ALL_RELAYS 0xfffe
#define BM_ADDR_ALL_NODES 0xffff
static inline bool bm_addr_is_unicast(uint16_t a) { return a != 0 && a < 0x8000; }
static inline bool bm_addr_is_virtual(uint16_t a) { return (a & 0xc000) == 0x8000; }
static inline bool bm_addr_is_group(uint16_t a) { return (a & 0xc000) == 0xc000; }

/* NID, EncryptionKey and PrivacyKey from k2 (master or friendship). */
struct bm_net_creds {
    uint8_t nid; /* 7 bits */
    uint8_t enc_key[BM_KEY_LEN];
    uint8_t privacy_key[BM_KEY_LEN];
};

/* Master credentials: k2(NetKey, 0x00). */
int bm_net_creds_master(struct bm_net_creds *c, const uint8_t net_key[BM_KEY_LEN]);
/* Friendship credentials: k2(NetKey, 0x01||LPN||Friend||LPNCounter||FriendCounter). */
int bm_net_creds_friend(struct bm_net_creds *c, const uint8_t net_key[BM_KEY_LEN],
                        uint16_t lpn_addr, uint16_t friend_addr, uint16_t lpn_counter,
                        uint16_t friend_counter);

/* The clear header fields of a network PDU. */
struct bm_net_hdr {
    uint8_t ivi;  /* least significant bit of the IV index used */
    uint8_t nid;  /* 7 bits */
    uint8_t ctl;  /* 0 access, 1 control */
    uint8_t ttl;  /* 0..127 */
    uint32_t seq; /* 24 bits */
    uint16_t src; /* unicast */
    uint16_t dst;
};

/* Nonce used for the network layer: the network nonce for mesh messages,
 * the proxy nonce for proxy configuration messages (Mesh Profile 6.6). */
enum bm_net_nonce_kind { BM_NET_NONCE_NETWORK = 0, BM_NET_NONCE_PROXY = 1 };

/* Encrypts and obfuscates one network PDU. hdr->ivi and hdr->nid are
 * ignored (taken from iv_index and c). transport_len: 1..16 with CTL=0,
 * 1..12 with CTL=1. Writes 9 + transport_len + MIC octets to out, which
 * must not overlap transport (zeroed if the crypto fails).
 * Returns 0, BM_EINVAL for an out-of-range field, BM_ENOSPC if out_size is
 * too small. */
int bm_net_encode(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                  const struct bm_net_hdr *hdr, const uint8_t *transport, size_t transport_len,
                  uint8_t *out, size_t out_size, size_t *out_len);

/* Deobfuscates and decrypts one network PDU with the given credentials and
 * IV index. pdu is not modified. On success fills hdr and copies the
 * transport PDU (at most BM_NET_MAX_TRANSPORT octets) to transport.
 * Returns BM_EMALFORMED for a bad length or field, BM_ENOKEY if the NID
 * differs from c->nid, BM_EAUTH if the NetMIC does not verify. (A wrapper
 * of bm_net_open() for tests and tools.) */
int bm_net_decode(const struct bm_net_creds *c, uint32_t iv_index, enum bm_net_nonce_kind kind,
                  const uint8_t *pdu, size_t pdu_len, struct bm_net_hdr *hdr,
                  uint8_t transport[BM_NET_MAX_TRANSPORT], size_t *transport_len);

/* As bm_net_encode() with a key set's master credentials and their
 * prepared keys (the relay and transmit path). */
struct bm_net_keyset;
int bm_net_encode_keyset(const struct bm_net_keyset *ks, uint32_t iv_index,
                         enum bm_net_nonce_kind kind, const struct bm_net_hdr *hdr,
                         const uint8_t *transport, size_t transport_len, uint8_t *out,
                         size_t out_size, size_t *out_len);

/* A received network PDU and how to open it: bm_net_open()'s context. */
struct bm_net_in {
    const uint8_t *pdu;
    size_t len;
    uint32_t iv_index;
    enum bm_net_nonce_kind kind;
    /* the credentials' keys prepared for the per-packet calls (a key set's
     * enc and privacy), or NULL: the raw keys are used */
    const struct bm_crypto_key *enc, *privacy;
    /* set by bm_net_open(): whether the NetMIC verified. bm_net_rx() needs
     * it to tell a PDU that authenticated but breaks a field rule
     * (BM_EMALFORMED, the sender's fault) from one a key with a colliding
     * NID merely failed to deobfuscate into a sane header. */
    bool authentic;
};

/* Decodes in as bm_net_decode() does (same checks, same return values)
 * with credentials c. On success fills rx->hdr, rx->transport,
 * rx->transport_len and rx->iv_index (the others are left alone); on
 * failure writes nothing to rx. */
struct bm_net_rx;
int bm_net_open(const struct bm_net_creds *c, struct bm_net_in *in, struct bm_net_rx *rx);

/* --- subnets and key refresh (Mesh Profile 3.10.4) --- */

/* Everything derived from one NetKey. enc and privacy are master.enc_key
 * and master.privacy_key prepared for the per-packet calls
 * (BM_CFG_CRYPTO_KEY_CACHE); subnet.c prepares them when it installs the
 * key set and frees them before the key set is wiped, so a key set is
 * never copied once installed (crypto.h: prepared keys are not copied). */
struct bm_net_keyset {
    uint8_t net_key[BM_KEY_LEN];
    struct bm_net_creds master;
    uint8_t network_id[8];
    uint8_t beacon_key[BM_KEY_LEN];
    uint8_t identity_key[BM_KEY_LEN];
    struct bm_crypto_key enc;
    struct bm_crypto_key privacy;
};

/* Key refresh phases (Mesh Profile 3.10.4). */
#define BM_KR_NORMAL 0
#define BM_KR_PHASE1 1 /* new key distributed: rx old+new, tx old */
#define BM_KR_PHASE2 2 /* switching: rx old+new, tx new */
#define BM_KR_PHASE3 3 /* transient: revoking the old key */

struct bm_subnet {
    bool used;
    uint16_t net_idx;  /* 12 bits */
    uint8_t kr_phase;  /* BM_KR_* */
    struct bm_net_keyset keys[2]; /* [0] current (old), [1] new in phases 1-2 */
};

/* Network message cache: (src, seq) of recently accepted PDUs, a ring.
 * tag[i] is a one-octet hash of entry i, scanned first, four at a time
 * (net_cache.c): its size is rounded up to a multiple of 4. */
struct bm_net_cache {
    uint32_t seq[BM_CFG_NET_CACHE_SIZE];
    uint16_t src[BM_CFG_NET_CACHE_SIZE];
    uint8_t tag[(BM_CFG_NET_CACHE_SIZE + 3) / 4 * 4];
    uint16_t next;
    uint16_t count;
};

struct bm_net {
    struct bm_subnet subnets[BM_CFG_SUBNETS];
    uint32_t iv_index;   /* the current IV index; during an update, the new one */
    bool iv_update;      /* IV Update in Progress */
    struct bm_net_cache cache;
};

/* Initialises net, which holds no key (fresh memory, or after
 * bm_net_deinit()). */
void bm_net_init(struct bm_net *net, uint32_t iv_index, bool iv_update);
/* Frees every prepared key and wipes every key. */
void bm_net_deinit(struct bm_net *net);
/* For byte copies of a net (a test fixture that snapshots a node and
 * restores it per input): bm_net_keys_unshare() makes net prepare its own
 * keys, forgetting without freeing the ones it shares with the copy it was
 * made from; bm_net_keys_release() frees net's prepared keys and keeps the
 * keys. Snapshot: copy, then unshare the original. Restore: release, copy
 * back, unshare. */
void bm_net_keys_unshare(struct bm_net *net);
void bm_net_keys_release(struct bm_net *net);

int bm_net_subnet_add(struct bm_net *net, uint16_t net_idx, const uint8_t net_key[BM_KEY_LEN]);
/* Starts key refresh phase 1 with new_key. */
int bm_net_subnet_update(struct bm_net *net, uint16_t net_idx, const uint8_t new_key[BM_KEY_LEN]);
/* Moves to phase 2 or 3; phase 3 wipes the old key and returns to normal. */
int bm_net_subnet_set_phase(struct bm_net *net, uint16_t net_idx, uint8_t phase);
/* Removes the subnet and wipes its keys. */
int bm_net_subnet_del(struct bm_net *net, uint16_t net_idx);
struct bm_subnet *bm_net_subnet_find(struct bm_net *net, uint16_t net_idx);
/* The key set used to transmit on a subnet (new key from phase 2 on). */
const struct bm_net_keyset *bm_net_tx_keys(const struct bm_subnet *sub);

/* IV index rule (Mesh Profile 3.10.5): the IV index a received PDU with
 * this IVI bit was sent with, and the one we transmit with. */
uint32_t bm_net_rx_iv_index(const struct bm_net *net, uint8_t ivi);
uint32_t bm_net_tx_iv_index(const struct bm_net *net);

/* A PDU accepted by bm_net_rx(). */
struct bm_net_rx {
    struct bm_net_hdr hdr;
    uint32_t iv_index;
    uint16_t net_idx;
    uint8_t key_set; /* 0 old/current, 1 new (key refresh) */
    uint8_t transport[BM_NET_MAX_TRANSPORT];
    size_t transport_len;
};

/* Finds the subnet by NID (several subnets may share a NID; all matching
 * key sets are tried), decrypts with the nonce kind (the proxy nonce: a
 * proxy configuration message, Mesh Profile 6.6, whose DST must be the
 * unassigned address), and checks the message cache. Changes state (adds
 * to the cache) only for an authenticated, new PDU.
 * Returns 0, BM_EMALFORMED, BM_ENOKEY (no NID match), BM_EAUTH (NID matched
 * but no key authenticated) or BM_EDUP (already in the cache). */
int bm_net_rx(struct bm_net *net, enum bm_net_nonce_kind kind, const uint8_t *pdu, size_t pdu_len,
              struct bm_net_rx *rx);

/* Encodes a PDU on subnet net_idx with the current transmit keys and IV
 * index. Returns as bm_net_encode(), or BM_ENOENT for an unknown subnet. */
int bm_net_tx(const struct bm_net *net, uint16_t net_idx, const struct bm_net_hdr *hdr,
              const uint8_t *transport, size_t transport_len, uint8_t *out, size_t out_size,
              size_t *out_len);

/* Node Identity hash for Mesh Proxy Service advertising (7.2.2.2.4):
 * the last 8 octets of e(IdentityKey, 6 x 0x00 || Random || Address). */
int bm_net_node_identity_hash(const uint8_t identity_key[BM_KEY_LEN], const uint8_t random[8],
                              uint16_t addr, uint8_t hash[8]);

/* Cache: returns true if (src, seq) is present; bm_net_cache_add inserts. */
bool bm_net_cache_has(const struct bm_net_cache *c, uint16_t src, uint32_t seq);
void bm_net_cache_add(struct bm_net_cache *c, uint16_t src, uint32_t seq);

#endif
