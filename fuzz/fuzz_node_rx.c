/* Fuzz target: the whole node fed raw advertising data
 * (bm_node_rx_adv -> bearer demux -> network / beacons / PB-ADV and up).
 * Two nodes are restored from snapshots per input: one provisioned with
 * the sample keys (so sample and captured PDUs decrypt), one unprovisioned
 * device with the sample UUID (so captured PB-ADV traffic opens a link and
 * provisions it). Input: records of [target(2 bits)|time step(3)|rssi(3)][length][advertising
 * data]; the clock advances between records and every timer that falls
 * due runs. Properties: no sanitizer report, every advertisement the nodes
 * send is well-formed (fuzz_common.c), timers never livelock, and the
 * provisioned node stays provisioned with its address. */
#include <string.h>

#include "node_fixture.h"

static struct fz_node prov, unprov;
static bool ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        fz_node_setup_provisioned(&prov, FZ_NODE_ADDR);
        fz_node_snapshot(&prov);
        fz_node_setup_unprov(&unprov);
        fz_node_snapshot(&unprov);
        ready = true;
    }
    fz_node_restore(&prov);
    fz_node_restore(&unprov);
    struct fz f;
    fz_init(&f, data, size);
    while (fz_more(&f)) {
        uint8_t ctl = fz_u8(&f);
        uint8_t adv[64];
        size_t len = fz_chunk(&f, adv, 40); /* lengths over 31 are refused */
        int8_t rssi = (int8_t)(-40 - (ctl & 7));
        if ((ctl & 0x40) == 0)
            bm_node_rx_adv(prov.node, adv, len, rssi);
        if ((ctl & 0x80) == 0)
            bm_node_rx_adv(unprov.node, adv, len, rssi);
        /* time step: 0, 10 ms, 100 ms... up to a few seconds */
        static const uint32_t steps[8] = {0, 10, 50, 100, 300, 1000, 5000, 31000};
        uint32_t dt = steps[(ctl >> 3) & 7];
        fz_node_advance(&prov, dt);
        fz_node_advance(&unprov, dt);
    }
    FZ_CHECK(bm_node_is_provisioned(prov.node) && bm_node_addr(prov.node) == FZ_NODE_ADDR);
    return 0;
}
