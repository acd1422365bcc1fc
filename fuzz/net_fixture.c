/* See net_fixture.h. */
#include "net_fixture.h"

#include "fuzz_common.h"

static struct bm_net nets[FZ_NET_VARIANTS];
static struct bm_net_creds sample, key2, friend_creds;
static bool ready;

static void build(void)
{
    for (int v = 0; v < FZ_NET_VARIANTS; v++) {
        struct bm_net *n = &nets[v];
        uint32_t iv = v == FZ_NET_IV_ZERO ? 0 : FZ_IV_INDEX;
        bm_net_init(n, iv, v == FZ_NET_IV_UPDATE);
        FZ_CHECK(bm_net_subnet_add(n, FZ_NET_IDX, fz_net_key) == BM_OK);
        FZ_CHECK(bm_net_subnet_add(n, FZ_NET_IDX2, fz_net_key2) == BM_OK);
        if (v == FZ_NET_KR1) {
            static const uint8_t new_key[16] = {0xaa, 0x55, 1, 2, 3, 4, 5, 6,
                                                7,    8,    9, 10, 11, 12, 13, 14};
            FZ_CHECK(bm_net_subnet_update(n, FZ_NET_IDX, new_key) == BM_OK);
        }
    }
    FZ_CHECK(bm_net_creds_master(&sample, fz_net_key) == BM_OK);
    FZ_CHECK(bm_net_creds_master(&key2, fz_net_key2) == BM_OK);
    FZ_CHECK(bm_net_creds_friend(&friend_creds, fz_net_key, 0x1201, 0x2345, 0x0000, 0x072f) ==
             BM_OK);
    ready = true;
}

const struct bm_net *fz_net_fixture(enum fz_net_variant v)
{
    if (!ready)
        build();
    return &nets[v % FZ_NET_VARIANTS];
}

const struct bm_net_creds *fz_creds_sample(void)
{
    if (!ready)
        build();
    return &sample;
}

const struct bm_net_creds *fz_creds_key2(void)
{
    if (!ready)
        build();
    return &key2;
}

const struct bm_net_creds *fz_creds_friend(void)
{
    if (!ready)
        build();
    return &friend_creds;
}
