/* The stand-in board of the footprint images (see board.h). */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RADIO_RX_LEN REG(0x40001000u)
#define RADIO_RX_DATA REG(0x40001004u)
#define RADIO_TX_DATA REG(0x40001008u)
#define RTC_MS REG(0x4000b000u)
#define RNG_VALUE REG(0x4000d000u)
#define GPIO_IN REG(0x50000510u)

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

const struct bm_platform board_platform = {.now_ms = now_ms, .random = random_fill,
                                           .adv_send = adv_send};

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
