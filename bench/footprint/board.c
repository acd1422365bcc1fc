/* The stand-in board of the footprint images (see board.h). */
#include "board.h"

#include "node/node.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RADIO_RX_LEN REG(0x40001000u)
#define RADIO_RX_DATA REG(0x40001004u)
#define RADIO_TX_DATA REG(0x40001008u)
#define RTC_MS REG(0x4000b000u)
#define RNG_VALUE REG(0x4000d000u)
#define GPIO_IN REG(0x50000510u)
/* A record store in flash behind a tiny controller: key, length, data. */
#define FLASH_CMD REG(0x4001e000u)
#define FLASH_LEN REG(0x4001e004u)
#define FLASH_DATA REG(0x4001e008u)
#define FLASH_STATUS REG(0x4001e00cu)
/* The BLE controller's GATT side (the light's Proxy Service). */
#define GATT_EVENT REG(0x40002000u)
#define GATT_CONN REG(0x40002004u)
#define GATT_LEN REG(0x40002008u)
#define GATT_DATA REG(0x4000200cu)

uint64_t board_now_ms(void)
{
    return RTC_MS;
}

static uint64_t now_ms(void *ctx)
{
    (void)ctx;
    return board_now_ms();
}

static int random_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)RNG_VALUE;
    return 0;
}

static int adv_send(void *ctx, const uint8_t *adv, size_t len, const struct bm_adv_xmit *xmit)
{
    (void)ctx;
    RADIO_TX_DATA = (uint32_t)xmit->count << 16 | xmit->interval_ms;
    for (size_t i = 0; i < len; i++)
        RADIO_TX_DATA = adv[i];
    return 0;
}

/* Storage: every image keeps its state, as a real device would (a board
 * without storage would let link-time optimisation drop persistence). */
static int store_put(void *ctx, uint16_t key, const void *data, size_t len)
{
    (void)ctx;
    const uint8_t *p = data;
    FLASH_CMD = 1u << 16 | key;
    FLASH_LEN = (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        FLASH_DATA = p[i];
    return -(int)FLASH_STATUS;
}

static int store_get(void *ctx, uint16_t key, void *data, size_t size, size_t *len)
{
    (void)ctx;
    uint8_t *p = data;
    FLASH_CMD = 2u << 16 | key;
    int status = -(int)FLASH_STATUS;
    if (status)
        return status;
    size_t n = FLASH_LEN;
    *len = n;
    for (size_t i = 0; i < n && i < size; i++)
        p[i] = (uint8_t)FLASH_DATA;
    return 0;
}

static int store_del(void *ctx, uint16_t key)
{
    (void)ctx;
    FLASH_CMD = 3u << 16 | key;
    return -(int)FLASH_STATUS;
}

#if defined(BM_FP_RELAY_PROXY_ONOFF)
static int gatt_send(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
    (void)ctx;
    GATT_CONN = conn;
    GATT_LEN = (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        GATT_DATA = pdu[i];
    return 0;
}

static int gatt_disconnect(void *ctx, uint16_t conn)
{
    (void)ctx;
    GATT_EVENT = 0x100u | conn;
    return 0;
}

static int gatt_adv(void *ctx, const uint8_t *adv_data, size_t len)
{
    (void)ctx;
    GATT_EVENT = 0x200u | (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        GATT_DATA = adv_data[i];
    return 0;
}

enum board_gatt_event board_gatt_poll(uint16_t *conn, uint16_t *mtu, uint8_t *data, size_t *len)
{
    uint32_t ev = GATT_EVENT;
    *conn = (uint16_t)GATT_CONN;
    *mtu = (uint16_t)(ev >> 16);
    *len = 0;
    if ((ev & 0xffu) == BOARD_GATT_RX) {
        size_t n = GATT_LEN;
        if (n > BOARD_GATT_MAX)
            return BOARD_GATT_NONE;
        for (size_t i = 0; i < n; i++)
            data[i] = (uint8_t)GATT_DATA;
        *len = n;
    }
    return (enum board_gatt_event)(ev & 0xffu);
}
#endif

const struct bm_platform board_platform = {
    .now_ms = now_ms,
    .random = random_fill,
    .adv_send = adv_send,
    .store_put = store_put,
    .store_get = store_get,
    .store_del = store_del,
#if defined(BM_FP_RELAY_PROXY_ONOFF)
    .gatt_send = gatt_send,
    .gatt_disconnect = gatt_disconnect,
    .gatt_adv = gatt_adv,
#endif
};

size_t board_radio_rx(uint8_t adv[BM_ADV_MAX_LEN], int8_t *rssi)
{
    size_t len = RADIO_RX_LEN;
    if (len > BM_ADV_MAX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        adv[i] = (uint8_t)RADIO_RX_DATA;
    *rssi = -50;
    return len;
}

int board_button(void)
{
    return (int)(GPIO_IN & 1u);
}

/* The node context lives in static RAM: its bss is the RAM figure of the
 * size report. */
static union {
    max_align_t align;
    unsigned char bytes[sizeof(struct bm_node)];
} node_mem;

struct bm_node *board_node_create(void)
{
    return bm_node_create(&node_mem, sizeof(node_mem), &board_platform);
}

void board_on_prov(void *user, const struct bm_prov_info *info)
{
    (void)user, (void)info;
}
