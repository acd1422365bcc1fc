/* Seed capture (not a fuzz target): runs nodes of the fuzz fixtures
 * against each other over a perfect simulated air and writes what they
 * send as corpus files for fuzz_node_rx, fuzz_pbadv, fuzz_prov_device and
 * fuzz_prov_provisioner into the directory given as argument:
 *  - a provisioner (network with the sample NetKey) provisions the
 *    unprovisioned fixture over PB-ADV; since the fixture is restored to
 *    the same state (and random stream) in fuzz_node_rx, the captured
 *    provisioner PDUs take it through the whole procedure there;
 *  - a node at 0x0003 with the sample keys sends access messages (OnOff,
 *    Level, echo short and segmented, Configuration with the device key,
 *    group and virtual destinations) to the provisioned fixture 0x1201. */
#include <stdio.h>
#include <string.h>

#include "access/model.h"
#include "blemesh/provisioner.h"
#include "node_fixture.h"

static FILE *open_out(const char *dir, const char *target, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        perror(path);
    return f;
}

/* Delivers every advertisement `from` sent since *seen to `to`; records
 * each as a fuzz_node_rx record (ctl selects the receiving fixture). */
static int shuttle(struct fz_node *from, uint32_t *seen, struct fz_node *to, FILE *rec,
                   uint8_t ctl, FILE *pbadv)
{
    int n = 0;
    while (*seen < from->st.adv_count) {
        uint32_t i = *seen % FZ_ADV_LOG;
        const uint8_t *adv = from->st.adv[i];
        uint8_t len = from->st.adv_len[i];
        if (to)
            bm_node_rx_adv(to->node, adv, len, -40);
        if (rec) {
            fputc(ctl, rec);
            fputc(len, rec);
            fwrite(adv, 1, len, rec);
        }
        if (pbadv && len >= 2 && adv[1] == BM_AD_PB_ADV) {
            fputc(len - 2, pbadv);
            fwrite(adv + 2, 1, len - 2, pbadv);
        }
        (*seen)++;
        n++;
    }
    return n;
}

static int prov_done;
static void on_provision(void *user, const struct bm_provision_result *r)
{
    (void)user;
    if (r->event == BM_PROVISION_EVT_COMPLETE)
        prov_done = 1;
    else if (r->event == BM_PROVISION_EVT_FAILED)
        prov_done = -1;
}

static struct fz_node pv, dev, a, b;

static void capture_provisioning(const char *dir)
{
    fz_node_setup_unprov(&dev);
    /* the provisioner: a fixture node turned into a network's first member */
    fz_plat_init(&pv.plat, &pv.st, 77);
    static _Alignas(64) uint8_t mem[1 << 17];
    FZ_CHECK(bm_node_size() <= sizeof(mem));
    pv.node = bm_node_create(mem, bm_node_size(), &pv.plat);
    FZ_CHECK(bm_create_element(pv.node, true, 0, true, 7, NULL) == BM_OK);
    FZ_CHECK(bm_init(pv.node, "pv", BM_OOB_NONE) == BM_OK);
    FZ_CHECK(bm_prov_create_network(pv.node, fz_net_key, FZ_NET_IDX, FZ_IV_INDEX, 0x0003) ==
             BM_OK);
    pv.st.now_ms = dev.st.now_ms;
    struct bm_provision_opts opts = {.attention_s = 0};
    FZ_CHECK(bm_prov_provision(pv.node, fz_uuid, &opts, on_provision, NULL) == BM_OK);
    FILE *rec = open_out(dir, "fuzz_node_rx", "captured_provisioning");
    FILE *pb = open_out(dir, "fuzz_pbadv", "captured_provisioning");
    FILE *pd = open_out(dir, "fuzz_prov_device", "captured_raw_provisioner_pdus");
    uint32_t seen_pv = 0, seen_dev = 0;
    fputc(0, pd); /* configuration octet: No OOB, both algorithms */
    for (int step = 0; step < 3000 && !prov_done; step++) {
        long pos = ftell(rec);
        int n = shuttle(&pv, &seen_pv, &dev, rec, 0x40 | (1 << 3), pb);
        shuttle(&dev, &seen_dev, &pv, NULL, 0, pb);
        if (!n)
            fseek(rec, pos, SEEK_SET);
        for (uint32_t k = seen_pv - (uint32_t)n; k < seen_pv; k++) {
            uint32_t i = k % FZ_ADV_LOG;
            if (pv.st.adv[i][1] != BM_AD_PB_ADV)
                continue;
            fputc(5, pd); /* OP_RAW */
            fputc(pv.st.adv_len[i] - 2, pd);
            fwrite(pv.st.adv[i] + 2, 1, pv.st.adv_len[i] - 2u, pd);
            fputc(1, pd); /* OP_DELIVER_TO_PEER: let the real peer see the answer */
        }
        if (!n) {
            /* 10 ms pass with nothing sent: an empty record */
            fputc(0x40 | (1 << 3), rec);
            fputc(0, rec);
        }
        fz_node_advance(&pv, 10);
        fz_node_advance(&dev, 10);
    }
    fprintf(stderr, "capture: provisioning %s at %llu ms, %u PDUs from the provisioner\n",
            prov_done == 1 ? "complete" : "NOT complete", (unsigned long long)dev.st.now_ms,
            seen_pv);
    fclose(rec);
    fclose(pb);
    fclose(pd);
}

static void send(struct fz_node *from, uint16_t dst, uint16_t app_idx, const uint8_t *msg,
                 size_t len, bool segmented)
{
    struct bm_send s = {.src = 0x0003,
                        .dst = dst,
                        .net_idx = FZ_NET_IDX,
                        .app_idx = app_idx,
                        .ttl = BM_TTL_DEFAULT,
                        .label = bm_addr_is_virtual(dst) ? fz_label : NULL,
                        .segmented = segmented};
    int rc = bm_node_send_access(from->node, &s, msg, len);
    if (rc != BM_OK)
        fprintf(stderr, "capture: send to 0x%04x failed: %d\n", dst, rc);
}

static void capture_messages(const char *dir)
{
    fz_node_setup_provisioned(&a, 0x0003);
    fz_node_setup_provisioned(&b, FZ_NODE_ADDR);
    b.st.now_ms = a.st.now_ms;
    FILE *rec = open_out(dir, "fuzz_node_rx", "captured_messages");
    static const uint8_t onoff_get[] = {0x82, 0x01};
    static const uint8_t onoff_set[] = {0x82, 0x02, 0x01, 0x07};
    static const uint8_t level_set[] = {0x82, 0x06, 0x34, 0x12, 0x09};
    static const uint8_t comp_get[] = {0x80, 0x08, 0x00};
    static const uint8_t ttl_set[] = {0x80, 0x0d, 0x05};
    static const uint8_t echo[] = {0xc1, 0x0a, 0x00, 'h', 'i'};
    uint8_t echo_long[60] = {0xc1, 0x0a, 0x00};
    for (size_t i = 3; i < sizeof(echo_long); i++)
        echo_long[i] = (uint8_t)i;
    uint32_t seen_a = 0, seen_b = 0;
    for (int m = 0; m < 9; m++) {
        switch (m) {
        case 0: send(&a, FZ_NODE_ADDR, FZ_APP_IDX, onoff_get, sizeof(onoff_get), false); break;
        case 1: send(&a, FZ_NODE_ADDR, FZ_APP_IDX, onoff_set, sizeof(onoff_set), false); break;
        case 2: send(&a, FZ_NODE_ADDR, FZ_APP_IDX, level_set, sizeof(level_set), true); break;
        case 3: send(&a, FZ_NODE_ADDR, BM_APP_IDX_DEV, comp_get, sizeof(comp_get), false); break;
        case 4: send(&a, FZ_NODE_ADDR, BM_APP_IDX_DEV, ttl_set, sizeof(ttl_set), false); break;
        case 5: send(&a, FZ_NODE_ADDR, FZ_APP_IDX, echo, sizeof(echo), false); break;
        case 6: send(&a, FZ_NODE_ADDR, FZ_APP_IDX, echo_long, sizeof(echo_long), false); break;
        case 7: send(&a, FZ_GROUP, FZ_APP_IDX, onoff_set, sizeof(onoff_set), false); break;
        default: send(&a, a.va, FZ_APP_IDX, echo, sizeof(echo), false); break;
        }
        for (int step = 0; step < 300; step++) {
            int n = shuttle(&a, &seen_a, &b, rec, 0x80 | (1 << 3), NULL);
            shuttle(&b, &seen_b, NULL, NULL, 0, NULL); /* echo replies would ping-pong */
            if (!n) {
                fputc(0x80 | (1 << 3), rec);
                fputc(0, rec);
            }
            fz_node_advance(&a, 10);
            fz_node_advance(&b, 10);
        }
    }
    fprintf(stderr, "capture: %u advertisements from 0x0003, %u from 0x1201\n", seen_a, seen_b);
    fclose(rec);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: capture <corpus dir>\n");
        return 2;
    }
    capture_provisioning(argv[1]);
    capture_messages(argv[1]);
    return 0;
}
