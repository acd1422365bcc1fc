/* The network-layer fixture shared by the network fuzz targets: struct
 * bm_net states built once from the sample keys, restored per input. */
#ifndef BM_FUZZ_NET_FIXTURE_H
#define BM_FUZZ_NET_FIXTURE_H

#include "net/net.h"

enum fz_net_variant {
    FZ_NET_PLAIN = 0,   /* subnets 0x000 (sample key) and 0x456, IV 0x12345678 */
    FZ_NET_KR1,         /* subnet 0x000 in key refresh phase 1 (new key = key 2) */
    FZ_NET_IV_UPDATE,   /* IV Update in progress */
    FZ_NET_IV_ZERO,     /* IV index 0: no previous IV index */
    FZ_NET_VARIANTS
};

/* The prepared states (built on first use). */
const struct bm_net *fz_net_fixture(enum fz_net_variant v);
/* Master credentials of the sample key and of key 2, friendship
 * credentials of the sample (LPN 0x1201, friend 0x2345). */
const struct bm_net_creds *fz_creds_sample(void);
const struct bm_net_creds *fz_creds_key2(void);
const struct bm_net_creds *fz_creds_friend(void);

#endif
