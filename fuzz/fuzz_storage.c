/* Fuzz target: the storage loader. The record codecs of
 * src/storage/rec_codec.c are fed every record, and the whole restore
 * path runs: a node (the fixture's elements and models) is created over a
 * fake store holding fuzzed records, bm_init restores everything, then the
 * node runs a while and takes a few advertisements. The store starts
 * empty or (input flag) with the records the provisioned fixture node
 * wrote, and the input then puts, corrupts (xor at an offset), truncates
 * or deletes records of every key (UUID, PROV, SEQ, IV, CFG, HB,
 * PROVISIONER, NET/APP/MODEL_CFG/MODEL_STATE/PROV_DB/RPL slots).
 * Properties: no sanitizer report; a PROV record that does not decode
 * leaves the node unprovisioned (ignored, not half-applied); no log line
 * carries a key the store holds (the NetKeys, new NetKeys, AppKeys and
 * device keys of the records that decode, in hex either case); advertisements
 * are well-formed and timers never livelock (fuzz_common.c, node_fixture.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_fixture.h"
#include "storage/records.h"

#pragma weak bm_add_model

static struct fz_node base; /* the fixture, for its store */
static struct fz_node n;
static bool ready;

#define MAX_KEYS 24
static uint8_t keys[MAX_KEYS][16];
static int nkeys;

static void add_key(const uint8_t k[16])
{
    static const uint8_t zero[16];
    if (nkeys < MAX_KEYS && memcmp(k, zero, 16) != 0)
        memcpy(keys[nkeys++], k, 16);
}

static bool has_hex(const char *line, const uint8_t k[16], bool upper)
{
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, upper ? "%02X" : "%02x", k[i]);
    return strstr(line, hex) != NULL;
}

static void log_check(void *ctx, enum bm_log_level level, const char *layer, const char *line)
{
    (void)ctx;
    FZ_CHECK(level >= BM_LOG_ERR && level <= BM_LOG_DBG);
    FZ_CHECK(layer != NULL && line != NULL && strlen(line) < 1024);
    for (int i = 0; i < nkeys; i++)
        FZ_CHECK(!has_hex(line, keys[i], false) && !has_hex(line, keys[i], true));
}

static uint16_t pick_key(uint8_t sel, uint8_t slot)
{
    static const uint16_t fixed[7] = {BM_REC_UUID, BM_REC_PROV, BM_REC_SEQ, BM_REC_IV,
                                      BM_REC_CFG,  BM_REC_HB,   BM_REC_PROVISIONER};
    static const uint16_t ranged[6] = {BM_REC_NET,         BM_REC_APP,     BM_REC_MODEL_CFG,
                                       BM_REC_MODEL_STATE, BM_REC_PROV_DB, BM_REC_RPL};
    sel %= 13;
    if (sel < 7)
        return fixed[sel];
    return (uint16_t)(ranged[sel - 7] + (slot & 0x0f));
}

static int slot_of(uint16_t key)
{
    for (int i = 0; i < FZ_STORE_RECS; i++)
        if (n.st.store[i].used && n.st.store[i].key == key)
            return i;
    return -1;
}

/* every decoder on every record; collects the keys the store holds */
static void decode_all(void)
{
    for (int i = 0; i < FZ_STORE_RECS; i++) {
        if (!n.st.store[i].used)
            continue;
        const uint8_t *d = n.st.store[i].data;
        size_t len = n.st.store[i].len;
        struct bm_rec_prov p;
        if (bm_rec_prov_decode(d, len, &p) == BM_OK) {
            add_key(p.dev_key);
            if (p.v1)
                add_key(p.net_key);
        }
        struct bm_rec_net nk;
        if (bm_rec_net_decode(d, len, &nk) == BM_OK) {
            add_key(nk.key);
            add_key(nk.new_key);
        }
        struct bm_rec_app ak;
        if (bm_rec_app_decode(d, len, &ak) == BM_OK)
            add_key(ak.k.key);
        struct bm_rec_iv iv;
        (void)bm_rec_iv_decode(d, len, &iv);
        struct bm_rec_cfg cfg;
        (void)bm_rec_cfg_decode(d, len, &cfg);
        struct bm_rec_hb hb;
        (void)bm_rec_hb_decode(d, len, &hb);
        static struct bm_rec_model_cfg mc;
        (void)bm_rec_model_cfg_decode(d, len, &mc);
        struct bm_rec_model_state ms;
        (void)bm_rec_model_state_decode(d, len, &ms);
        struct bm_rec_model_id mid;
        (void)bm_rec_model_id_decode(d, len, &mid);
        struct bm_rec_provisioner pr;
        (void)bm_rec_provisioner_decode(d, len, &pr);
        struct bm_rec_db db;
        if (bm_rec_db_decode(d, len, &db) == BM_OK)
            add_key(db.dev_key);
        struct bm_rec_rpl rpl;
        (void)bm_rec_rpl_decode(d, len, &rpl);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        fz_node_setup_provisioned(&base, FZ_NODE_ADDR);
        size_t sz = bm_node_size();
        n.node = aligned_alloc(64, (sz + 63) / 64 * 64);
        FZ_CHECK(n.node != NULL);
        ready = true;
    }
    struct fz f;
    fz_init(&f, data, size);
    uint8_t flags = fz_u8(&f);
    fz_plat_init(&n.plat, &n.st, 0x0badc0ffee);
    n.plat.log = log_check;
    if (flags & 1)
        memcpy(n.st.store, base.st.store, sizeof(n.st.store));
    /* edits: [op: sel(6 bits) | kind(2)][slot][...] */
    int edits = 0;
    while (fz_more(&f) && edits++ < 16) {
        uint8_t op = fz_u8(&f);
        if (op == 0xff)
            break; /* the rest are advertisements */
        uint16_t key = pick_key((uint8_t)(op >> 2), fz_u8(&f));
        int i = slot_of(key);
        switch (op & 3) {
        case 0: { /* put */
            uint8_t rec[FZ_STORE_MAX];
            size_t len = fz_chunk(&f, rec, sizeof(rec));
            (void)n.plat.store_put(n.plat.ctx, key, rec, len);
            break;
        }
        case 1: { /* xor one octet */
            uint8_t at = fz_u8(&f), x = fz_u8(&f);
            if (i >= 0 && n.st.store[i].len)
                n.st.store[i].data[at % n.st.store[i].len] ^= x;
            break;
        }
        case 2: { /* truncate, or extend with zeros */
            uint8_t len = fz_u8(&f) % (FZ_STORE_MAX + 1);
            if (i >= 0) {
                if (len > n.st.store[i].len)
                    memset(n.st.store[i].data + n.st.store[i].len, 0, len - n.st.store[i].len);
                n.st.store[i].len = len;
            }
            break;
        }
        default:
            (void)n.plat.store_del(n.plat.ctx, key);
            break;
        }
    }
    nkeys = 0;
    decode_all();
    int prov_slot = slot_of(BM_REC_PROV);
    struct bm_rec_prov p;
    bool prov_ok = prov_slot >= 0 && bm_rec_prov_decode(n.st.store[prov_slot].data,
                                                        n.st.store[prov_slot].len, &p) == BM_OK;

    /* the node, as the fixture builds it, restored from the store */
    n.node = bm_node_create(n.node, bm_node_size(), &n.plat);
    FZ_CHECK(n.node != NULL);
    FZ_CHECK(bm_create_element(n.node, true, BM_RELAY, true, 7, NULL) == BM_OK);
    FZ_CHECK(bm_create_element(n.node, false, 0, false, 0, NULL) == BM_OK);
    int rc = bm_init(n.node, "fuzz", BM_OOB_NONE);
    if (!prov_ok)
        FZ_CHECK(!bm_node_is_provisioned(n.node));
    if (rc == BM_OK) {
        if (bm_add_model) {
            (void)bm_add_model(n.node, 0, BM_GENERIC, BM_ONOFF, BM_SERVER, NULL, NULL, 0, NULL);
            (void)bm_add_model(n.node, 0, BM_GENERIC, BM_LEVEL, BM_SERVER, NULL, NULL, 0, NULL);
            (void)bm_add_model(n.node, 1, BM_GENERIC, BM_ONOFF, BM_CLIENT, NULL, NULL, 0, NULL);
        }
        fz_node_advance(&n, 1000);
        while (fz_more(&f)) {
            uint8_t adv[40];
            size_t len = fz_chunk(&f, adv, sizeof(adv));
            bm_node_rx_adv(n.node, adv, len, -50);
            fz_node_advance(&n, 200);
        }
        fz_node_advance(&n, 70000);
    }
    bm_node_destroy(n.node);
    return 0;
}
