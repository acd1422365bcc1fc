/* A flood of garbage mesh advertisements (AD 0x29 PB-ADV, 0x2A network
 * PDUs, half of them with the network's NID so they reach decryption,
 * 0x2B beacons, half of them secure beacons with the network's Network
 * ID so they reach authentication) from four raw simulator nodes while
 * two real nodes exchange acknowledged (segmented, block-acked) messages:
 * every message must arrive and be acknowledged, the flooded nodes'
 * counters must show the drops, and memory must not grow: a node is the
 * bm_node_size() octets its caller gave it (the core calls no allocator:
 * see test_core_has_no_heap in this folder's tests.cmake), and the
 * process's heap in use stays flat while the flood goes on (within the
 * few octets the simulator's own tables may add once).
 *
 * Collisions are off: this is about the stack's work per garbage
 * advertisement, not about the air being full (test_air_quality).
 *
 * Checked to fail without its defence (scratch copy, not committed): a
 * per-packet allocation (16 octets, never freed) added to the drop path
 * of bm_node_rx_network() in src/node/node_msg.c, as BZ's msg_in_cache()
 * allocates per packet: the heap in use grew from 86 kB to 527 kB during
 * the flood and this test failed, and so did test_core_has_no_heap.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "node/node.h"
#include "sec_env.h"
#include "test.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SEC_ASAN 1
#endif
#ifdef SEC_ASAN
#include <sanitizer/allocator_interface.h>
#endif

#define FLOODERS 4

static size_t heap_in_use(void)
{
#ifdef SEC_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

static void test_garbage_flood_starves_nothing_and_grows_nothing(void)
{
    struct sec_net s;
    sec_net_setup(&s, 2, 71, false, 0x20, false);
    bm_sim_link(s.sim, s.n[0]->id, s.n[1]->id, 1.0);
    struct attacker *atk[FLOODERS];
    const struct bm_net_keyset *ks = &s.n[0]->node->net.subnets[0].keys[0];
    for (int i = 0; i < FLOODERS; i++) {
        atk[i] = atk_add(s.sim, false);
        atk[i]->flood_nid = ks->master.nid; /* both are in clear on the air */
        memcpy(atk[i]->flood_net_id, ks->network_id, 8);
        bm_sim_link(s.sim, atk[i]->id, s.n[0]->id, 1.0);
        bm_sim_link(s.sim, atk[i]->id, s.n[1]->id, 1.0);
        atk_flood(atk[i], true, 1);
    }
    /* warm-up: every pool at its working size, each node's first
     * sequence number reservation (a store record) made */
    uint8_t hello[40] = {0};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(sec_echo(&s, i & 1, sec_addr(!(i & 1)), hello, sizeof(hello)), BM_OK);
        bm_sim_run_for(s.sim, 1000);
    }
    s.got[0].count = s.got[1].count = 0;
    size_t heap0 = heap_in_use();
    struct bm_node_stats a0, b0;
    bm_node_get_stats(s.n[0]->node, &a0);
    bm_node_get_stats(s.n[1]->node, &b0);

    enum { MSGS = 30 };
    uint8_t msg[40];
    int sent = 0, acked = 0;
    for (int i = 0; i < MSGS; i++) {
        memset(msg, i, sizeof(msg));
        int from = i & 1, to = !from;
        CHECK_EQ(sec_echo(&s, from, sec_addr(to), msg, sizeof(msg)), BM_OK);
        sent++;
        bm_sim_run_for(s.sim, 1000);
        acked += !s.n[from]->node->sar_tx[0].busy;
    }
    bm_sim_run_for(s.sim, 2000);
    size_t heap1 = heap_in_use();
    struct bm_node_stats a1, b1;
    bm_node_get_stats(s.n[0]->node, &a1);
    bm_node_get_stats(s.n[1]->node, &b1);
    uint64_t garbage = 0;
    for (int i = 0; i < FLOODERS; i++)
        garbage += atk[i]->flood_sent;
    int got = s.got[0].count + s.got[1].count;
    printf("    %llu garbage advertisements in %.1f s (%.0f/s); %d/%d 3-segment messages "
           "delivered, %d/%d acknowledged within 1 s\n",
           (unsigned long long)garbage, bm_sim_now_ms(s.sim) / 1000.0,
           garbage * 1000.0 / (double)bm_sim_now_ms(s.sim), got, sent, acked, sent);
    printf("    node B during the run: %u advertisements, %u network PDUs dropped, %u beacons "
           "failed authentication, %u network PDUs accepted\n",
           (unsigned)(b1.adv_rx - b0.adv_rx), (unsigned)(b1.net_dropped - b0.net_dropped),
           (unsigned)(b1.beacons_bad - b0.beacons_bad), (unsigned)(b1.net_rx - b0.net_rx));
    printf("    memory: node %zu octets each (fixed); heap in use %zu -> %zu octets\n",
           bm_node_size(), heap0, heap1);
    CHECK_EQ(got, MSGS);
    CHECK_EQ(s.got[1].len, sizeof(msg));
    CHECK_EQ(acked, MSGS);
    CHECK(garbage > 20000);
    CHECK(b1.net_dropped - b0.net_dropped > 1000);
    CHECK(a1.net_dropped - a0.net_dropped > 1000);
    CHECK(b1.beacons_bad - b0.beacons_bad > 1000);
    /* no message of the flood was taken for a real one */
    CHECK_EQ(b1.replay_dropped, 0);
    /* 30 000 advertisements went through: a leak of even one octet per
     * packet would show as kilobytes; the simulator's own tables (its
     * event heap, outside the nodes) may take a few octets more once */
    CHECK(heap1 <= heap0 + 256);
    for (int i = 0; i < FLOODERS; i++)
        atk_free(atk[i]);
    sec_net_free(&s);
}

int main(void)
{
    BM_RUN(test_garbage_flood_starves_nothing_and_grows_nothing);
    return bm_test_done();
}
