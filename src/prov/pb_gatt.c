/* PB-GATT (Mesh Profile 5.2.2): the provisioning bearer over a GATT
 * connection to the Mesh Provisioning Service. The connection is the
 * link: it opens when the connection is up (the device side accepts one
 * while it is unprovisioned and waiting), carries whole Provisioning PDUs
 * (in Proxy PDUs of type 0x03, segmented by bearer/proxy_sar.c in the
 * node glue) reliably and in order, so there are no transactions,
 * acknowledgements or retransmissions, and closes when the connection
 * ends. The 60 s provisioning protocol timeout (5.4.4) still applies; on
 * it the link asks for the connection to be closed.
 *
 * The protocol itself is prov_link.c's, shared with PB-ADV. */
#include <string.h>

#include "blemesh/errors.h"
#include "prov/prov_link.h"

int bm_pb_gatt_device_open(struct bm_prov_link *l, const struct bm_pb_gatt_ops *gatt,
                           bm_ms_t now)
{
    if (l->role != BM_PROV_ROLE_DEVICE || !l->device_enabled)
        return BM_ESTATE;
    if (l->state != BM_PROV_LINK_IDLE)
        return BM_EBUSY;
    bm_prov_link_reset(l); /* wipes what a previous attempt left */
    l->role = BM_PROV_ROLE_DEVICE;
    l->gatt = gatt;
    bm_prov_link_device_open(l, BM_PROV_BEARER_GATT, now);
    return BM_OK;
}

int bm_pb_gatt_provision(struct bm_prov_link *l, const struct bm_pb_gatt_ops *gatt,
                         const struct bm_prov_provisioner_cfg *cfg, bm_ms_t now)
{
    if (!BM_CFG_PROVISIONER)
        return BM_ENOTSUP;
    if (l->state != BM_PROV_LINK_IDLE && l->state != BM_PROV_LINK_CLOSING)
        return BM_EBUSY;
    bm_prov_link_reset(l);
    l->device_enabled = false;
    l->role = BM_PROV_ROLE_PROVISIONER;
    l->bearer = BM_PROV_BEARER_GATT;
    l->gatt = gatt;
    l->pv_cfg = *cfg;
    l->state = BM_PROV_LINK_OPEN;
    l->done = false;
    l->link_deadline = bm_ms_after(now, BM_PROV_LINK_TIMEOUT_MS);
    if (l->ops->log)
        l->ops->log(l->ctx, "pb-gatt link open");
    bm_prov_link_start(l, now);
    return BM_OK;
}

void bm_pb_gatt_rx(struct bm_prov_link *l, const uint8_t *pdu, size_t len, bm_ms_t now)
{
    if (l->bearer != BM_PROV_BEARER_GATT)
        return;
    bm_prov_link_pdu_rx(l, pdu, len, now);
}

void bm_pb_gatt_closed(struct bm_prov_link *l)
{
    if (l->bearer != BM_PROV_BEARER_GATT)
        return;
    /* 5.2.2: losing the connection ends the link; unfinished, it failed */
    bm_prov_link_closed(l, BM_ESTATE);
}
