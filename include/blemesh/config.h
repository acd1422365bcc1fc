/* Compile-time limits of the core. Each knob says what it bounds, what it
 * costs and its allowed range. Override any of them by defining it before
 * this header is included (e.g. -DBM_CFG_SUBNETS=4 or a user config header
 * named by BM_CFG_USER_HEADER). */
#ifndef BLEMESH_CONFIG_H
#define BLEMESH_CONFIG_H

#ifdef BM_CFG_USER_HEADER
#include BM_CFG_USER_HEADER
#endif

/* Subnets (NetKeys) a node holds. RAM: ~180 bytes each (two key sets for
 * key refresh). Range 1..32. */
#ifndef BM_CFG_SUBNETS
#define BM_CFG_SUBNETS 4
#endif
#if BM_CFG_SUBNETS < 1 || BM_CFG_SUBNETS > 32
#error "BM_CFG_SUBNETS out of range (1..32)"
#endif

/* Application keys a node holds. RAM: ~40 bytes each. Range 1..64. */
#ifndef BM_CFG_APP_KEYS
#define BM_CFG_APP_KEYS 4
#endif
#if BM_CFG_APP_KEYS < 1 || BM_CFG_APP_KEYS > 64
#error "BM_CFG_APP_KEYS out of range (1..64)"
#endif

/* Network message cache entries (recently seen network PDUs). RAM: 9 bytes
 * each. Range 2..4096. */
#ifndef BM_CFG_NET_CACHE_SIZE
#define BM_CFG_NET_CACHE_SIZE 64
#endif
#if BM_CFG_NET_CACHE_SIZE < 2 || BM_CFG_NET_CACHE_SIZE > 4096
#error "BM_CFG_NET_CACHE_SIZE out of range (2..4096)"
#endif

/* Replay protection list entries, one per source we accept. RAM: 8 bytes
 * each. Range 2..32767. */
#ifndef BM_CFG_RPL_SIZE
#define BM_CFG_RPL_SIZE 32
#endif
#if BM_CFG_RPL_SIZE < 2 || BM_CFG_RPL_SIZE > 32767
#error "BM_CFG_RPL_SIZE out of range (2..32767)"
#endif

/* Segmented messages being reassembled at once (from different sources).
 * RAM: ~400 bytes each (a full 32-segment buffer). Range 1..16. */
#ifndef BM_CFG_RX_SEG_CTX
#define BM_CFG_RX_SEG_CTX 2
#endif
#if BM_CFG_RX_SEG_CTX < 1 || BM_CFG_RX_SEG_CTX > 16
#error "BM_CFG_RX_SEG_CTX out of range (1..16)"
#endif

/* Largest number of segments of one upper transport PDU. The spec allows
 * 32 (SegN is 5 bits); a smaller value shrinks every reassembly buffer.
 * Range 1..32. */
#ifndef BM_CFG_MAX_SEGMENTS
#define BM_CFG_MAX_SEGMENTS 32
#endif
#if BM_CFG_MAX_SEGMENTS < 1 || BM_CFG_MAX_SEGMENTS > 32
#error "BM_CFG_MAX_SEGMENTS out of range (1..32)"
#endif

/* Virtual address labels known to a node. RAM: 18 bytes each. Range 0..64. */
#ifndef BM_CFG_LABELS
#define BM_CFG_LABELS 4
#endif
#if BM_CFG_LABELS < 0 || BM_CFG_LABELS > 64
#error "BM_CFG_LABELS out of range (0..64)"
#endif

/* Elements of a node (the primary and its secondaries). RAM: ~8 bytes each
 * plus their models. Range 1..16. */
#ifndef BM_CFG_ELEMENTS
#define BM_CFG_ELEMENTS 4
#endif
#if BM_CFG_ELEMENTS < 1 || BM_CFG_ELEMENTS > 16
#error "BM_CFG_ELEMENTS out of range (1..16)"
#endif

/* Nodes a provisioner keeps in its network database. RAM: ~24 bytes each.
 * Range 1..4096. */
#ifndef BM_CFG_PROV_NODES
#define BM_CFG_PROV_NODES 32
#endif
#if BM_CFG_PROV_NODES < 1 || BM_CFG_PROV_NODES > 4096
#error "BM_CFG_PROV_NODES out of range (1..4096)"
#endif

/* Unprovisioned devices a provisioner remembers from its scan. RAM: ~40
 * bytes each. Range 1..256. */
#ifndef BM_CFG_SCAN_RESULTS
#define BM_CFG_SCAN_RESULTS 16
#endif
#if BM_CFG_SCAN_RESULTS < 1 || BM_CFG_SCAN_RESULTS > 256
#error "BM_CFG_SCAN_RESULTS out of range (1..256)"
#endif

/* Models on all elements of a node, the foundation models included. RAM:
 * ~120 bytes each. Range 2..256. */
#ifndef BM_CFG_MODELS
#define BM_CFG_MODELS 12
#endif
#if BM_CFG_MODELS < 2 || BM_CFG_MODELS > 256
#error "BM_CFG_MODELS out of range (2..256)"
#endif

/* Application keys one model can be bound to. RAM: 2 bytes each per model.
 * Range 1..16. */
#ifndef BM_CFG_MODEL_KEYS
#define BM_CFG_MODEL_KEYS 4
#endif
#if BM_CFG_MODEL_KEYS < 1 || BM_CFG_MODEL_KEYS > 16
#error "BM_CFG_MODEL_KEYS out of range (1..16)"
#endif

/* Subscription list entries per model. RAM: 2 bytes each per model.
 * Range 1..32. */
#ifndef BM_CFG_MODEL_SUBS
#define BM_CFG_MODEL_SUBS 4
#endif
#if BM_CFG_MODEL_SUBS < 1 || BM_CFG_MODEL_SUBS > 32
#error "BM_CFG_MODEL_SUBS out of range (1..32)"
#endif

/* Segmented messages being sent at once (waiting for acknowledgements).
 * RAM: ~400 bytes each. Range 1..8. */
#ifndef BM_CFG_TX_SEG_CTX
#define BM_CFG_TX_SEG_CTX 2
#endif
#if BM_CFG_TX_SEG_CTX < 1 || BM_CFG_TX_SEG_CTX > 8
#error "BM_CFG_TX_SEG_CTX out of range (1..8)"
#endif

/* Sequence numbers reserved in storage at a time: a restart resumes at the
 * reserved mark, so a crash skips at most this many, never repeats one.
 * Costs one store write per block. Range 1..65536. */
#ifndef BM_CFG_SEQ_BLOCK
#define BM_CFG_SEQ_BLOCK 128
#endif
#if BM_CFG_SEQ_BLOCK < 1 || BM_CFG_SEQ_BLOCK > 65536
#error "BM_CFG_SEQ_BLOCK out of range (1..65536)"
#endif

/* Replay protection entries are written to storage every this many
 * accepted messages of a source (the exact last SEQ). 1 writes every
 * update: no replay is ever accepted after a power cut. A larger value
 * saves flash writes but, after a power cut, up to this many - 1 of a
 * source's most recent messages could be replayed once. Range 1..65536. */
#ifndef BM_CFG_RPL_STORE_BLOCK
#define BM_CFG_RPL_STORE_BLOCK 1
#endif
#if BM_CFG_RPL_STORE_BLOCK < 1 || BM_CFG_RPL_STORE_BLOCK > 65536
#error "BM_CFG_RPL_STORE_BLOCK out of range (1..65536)"
#endif

/* Low Power nodes one Friend node serves at once (friendships). RAM: the
 * friend queue and subscription list of each, ~30 bytes per queue entry
 * plus ~80. Range 1..32. */
#ifndef BM_CFG_FRIENDS
#define BM_CFG_FRIENDS 2
#endif
#if BM_CFG_FRIENDS < 1 || BM_CFG_FRIENDS > 32
#error "BM_CFG_FRIENDS out of range (1..32)"
#endif

/* Friend Queue entries (network PDUs) kept per Low Power node; the Friend
 * Offer's QueueSize. When full the oldest message goes, all its segments
 * together. RAM: ~30 bytes each per friendship. Range 2..255. */
#ifndef BM_CFG_FRIEND_QUEUE
#define BM_CFG_FRIEND_QUEUE 16
#endif
#if BM_CFG_FRIEND_QUEUE < 2 || BM_CFG_FRIEND_QUEUE > 255
#error "BM_CFG_FRIEND_QUEUE out of range (2..255)"
#endif

/* Friend Subscription List entries per Low Power node (the Friend Offer's
 * SubscriptionListSize), and the addresses a Low Power node asks its
 * friend to keep. RAM: 2 bytes each. Range 1..64. */
#ifndef BM_CFG_FRIEND_SUBS
#define BM_CFG_FRIEND_SUBS 8
#endif
#if BM_CFG_FRIEND_SUBS < 1 || BM_CFG_FRIEND_SUBS > 64
#error "BM_CFG_FRIEND_SUBS out of range (1..64)"
#endif

/* Friend Offers a Low Power node compares in one search (the best by the
 * criteria of its Friend Request is chosen). RAM: ~12 bytes each.
 * Range 1..16. */
#ifndef BM_CFG_LPN_OFFERS
#define BM_CFG_LPN_OFFERS 4
#endif
#if BM_CFG_LPN_OFFERS < 1 || BM_CFG_LPN_OFFERS > 16
#error "BM_CFG_LPN_OFFERS out of range (1..16)"
#endif

/* GATT connections a node serves or holds at once (Mesh Proxy Service or
 * Mesh Provisioning Service as a peripheral, proxy client or PB-GATT
 * provisioner as a central). RAM: ~100 bytes each plus the proxy filter.
 * Range 1..8. */
#ifndef BM_CFG_GATT_CONNS
#define BM_CFG_GATT_CONNS 2
#endif
#if BM_CFG_GATT_CONNS < 1 || BM_CFG_GATT_CONNS > 8
#error "BM_CFG_GATT_CONNS out of range (1..8)"
#endif

/* Addresses in one proxy client's filter list (Mesh Profile 6.7). RAM: 2
 * bytes each per connection. Range 1..128. */
#ifndef BM_CFG_PROXY_FILTER_SIZE
#define BM_CFG_PROXY_FILTER_SIZE 8
#endif
#if BM_CFG_PROXY_FILTER_SIZE < 1 || BM_CFG_PROXY_FILTER_SIZE > 128
#error "BM_CFG_PROXY_FILTER_SIZE out of range (1..128)"
#endif

/* --- features (0/1, tested with `if`, so every line compiles either way) --- */

/* Keep the AES schedules of each subnet's EncryptionKey and PrivacyKey
 * expanded (an mbed TLS context per key, set up when the key is installed),
 * so receiving and relaying a PDU expands no key and allocates nothing.
 * 0: every call expands its key (mbed TLS then allocates a CCM context per
 * call). RAM when 1: 2 x (8 pointers + 48) octets per key set in the node
 * context (x2 key sets per subnet), plus about 2 x 280 octets of mbed TLS
 * heap per installed key set. 0 or 1. */
#ifndef BM_CFG_CRYPTO_KEY_CACHE
#define BM_CFG_CRYPTO_KEY_CACHE 1
#endif
#if BM_CFG_CRYPTO_KEY_CACHE != 0 && BM_CFG_CRYPTO_KEY_CACHE != 1
#error "BM_CFG_CRYPTO_KEY_CACHE must be 0 or 1"
#endif

/* Log lines compiled in: those of a level (platform.h: ERR 0, WRN 1, INF 2,
 * DBG 3) below this value reach the port's log hook; the others compile to
 * nothing. 0 compiles every log call out, and with it the formatter
 * (vsnprintf, about 3 KB of flash with newlib-nano) and every format string.
 * Range 0..4 (4: everything). */
#ifndef BM_CFG_LOG_LEVEL
#define BM_CFG_LOG_LEVEL 4
#endif
#if BM_CFG_LOG_LEVEL < 0 || BM_CFG_LOG_LEVEL > 4
#error "BM_CFG_LOG_LEVEL out of range (0..4)"
#endif

/* Model types an image links (bm_add_model of a type compiled out returns
 * BM_ENOTSUP). Flash (Cortex-M4, -Os): Generic OnOff about 0.9 KB, Generic
 * Level about 1.9 KB, servers and clients together. 0 or 1 each. */
#ifndef BM_CFG_MODEL_ONOFF_SERVER
#define BM_CFG_MODEL_ONOFF_SERVER 1
#endif
#ifndef BM_CFG_MODEL_ONOFF_CLIENT
#define BM_CFG_MODEL_ONOFF_CLIENT 1
#endif
#ifndef BM_CFG_MODEL_LEVEL_SERVER
#define BM_CFG_MODEL_LEVEL_SERVER 1
#endif
#ifndef BM_CFG_MODEL_LEVEL_CLIENT
#define BM_CFG_MODEL_LEVEL_CLIENT 1
#endif
#if (BM_CFG_MODEL_ONOFF_SERVER | BM_CFG_MODEL_ONOFF_CLIENT | BM_CFG_MODEL_LEVEL_SERVER |          \
     BM_CFG_MODEL_LEVEL_CLIENT) & ~1
#error "BM_CFG_MODEL_* must be 0 or 1"
#endif

/* The provisioner role: provisioning other devices (PB-ADV and PB-GATT
 * links as provisioner, scanning for unprovisioned devices, the network
 * database and its records). 0 builds a device-only image: the role's code
 * is compiled but never linked, and its calls (bm_prov_create_network,
 * bm_prov_provision...) return BM_ENOTSUP. Flash: a few KB. 0 or 1. */
#ifndef BM_CFG_PROVISIONER
#define BM_CFG_PROVISIONER 1
#endif
#if BM_CFG_PROVISIONER != 0 && BM_CFG_PROVISIONER != 1
#error "BM_CFG_PROVISIONER must be 0 or 1"
#endif

/* The Friend and Low Power features (Mesh Profile 3.6.6). 0 leaves the
 * feature out of the image: bm_create_element() refuses its feature bit
 * (BM_ENOTSUP) and the node never reaches its code. Flash (Cortex-M4,
 * -Os): Friend about 3.8 KB, Low Power about 2.3 KB, plus 0.7 KB of
 * friendship PDUs shared by both. 0 or 1 each. */
#ifndef BM_CFG_FRIEND
#define BM_CFG_FRIEND 1
#endif
#if BM_CFG_FRIEND != 0 && BM_CFG_FRIEND != 1
#error "BM_CFG_FRIEND must be 0 or 1"
#endif
#ifndef BM_CFG_LPN
#define BM_CFG_LPN 1
#endif
#if BM_CFG_LPN != 0 && BM_CFG_LPN != 1
#error "BM_CFG_LPN must be 0 or 1"
#endif

#endif
