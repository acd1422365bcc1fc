/* The socket bearer: three bearers in this process on a group and port of
 * this run exchange advertisements; nobody hears itself; malformed
 * datagrams are dropped and counted; the drop option drops about the
 * fraction asked; count and interval are kept (receive timestamps); the
 * queue is bounded; separate groups on one port do not mix. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bm_posix.h"
#include "posix_util.h"
#include "test.h"

static char group[32];
static uint16_t port;

static struct bm_posix_bearer *open_bearer(double drop_rate, uint64_t seed)
{
    struct bm_posix_bearer_opts o = {
        .group = group, .port = port, .drop_rate = drop_rate, .seed = seed};
    struct bm_posix_bearer *b = NULL;
    int rc = bm_posix_bearer_open(&b, &o);
    CHECK_EQ(rc, BM_OK);
    if (rc != BM_OK)
        printf("    bearer on %s:%u: %s\n", group, port, bm_strerror(rc));
    return b;
}

struct rx_log {
    int n;
    uint8_t adv[700][BM_ADV_MAX_LEN];
    size_t len[700];
    uint64_t t_ms[700];
};

static void drain(struct bm_posix_bearer *b, struct rx_log *log)
{
    uint8_t buf[BM_ADV_MAX_LEN];
    size_t len;
    while (bm_posix_bearer_recv(b, buf, &len, NULL) == BM_OK) {
        if (log && log->n < 700) {
            memcpy(log->adv[log->n], buf, len);
            log->len[log->n] = len;
            log->t_ms[log->n] = bm_posix_now_ms();
            log->n++;
        }
    }
}

/* Runs the bearers' transmissions and receptions for ms milliseconds, or
 * until every log in logs[] has want entries (want > 0). */
static void pump(struct bm_posix_bearer **bs, struct rx_log **logs, int n, uint32_t ms, int want)
{
    uint64_t end = bm_posix_now_ms() + ms;
    for (;;) {
        uint64_t now = bm_posix_now_ms();
        uint64_t wake = end;
        for (int i = 0; i < n; i++) {
            uint64_t t = bm_posix_bearer_tx(bs[i], now);
            if (t < wake)
                wake = t;
        }
        struct pollfd fds[4];
        for (int i = 0; i < n; i++)
            fds[i] = (struct pollfd){.fd = bm_posix_bearer_fd(bs[i]), .events = POLLIN};
        poll(fds, (nfds_t)n, wake > now ? (int)(wake - now) : 0);
        for (int i = 0; i < n; i++)
            if (fds[i].revents & POLLIN)
                drain(bs[i], logs[i]);
        bool done = want > 0;
        for (int i = 0; i < n; i++)
            if (logs[i] && logs[i]->n < want)
                done = false;
        if (done || bm_posix_now_ms() >= end)
            return;
    }
}

static struct rx_log la, lb, lc;

static bool has_adv(const struct rx_log *l, const uint8_t *adv, size_t len)
{
    for (int i = 0; i < l->n; i++)
        if (l->len[i] == len && memcmp(l->adv[i], adv, len) == 0)
            return true;
    return false;
}

static void test_three_bearers_hear_each_other_not_themselves(void)
{
    struct bm_posix_bearer *a = open_bearer(0, 1), *b = open_bearer(0, 2), *c = open_bearer(0, 3);
    if (!a || !b || !c)
        return;
    memset(&la, 0, sizeof(la));
    memset(&lb, 0, sizeof(lb));
    memset(&lc, 0, sizeof(lc));
    const uint8_t from_a[] = {0x04, BM_AD_MESH_MESSAGE, 0xaa, 0xbb, 0xcc};
    const uint8_t from_b[] = {0x02, 0x01, 0x06, 0x03, BM_AD_PB_ADV, 0x01, 0x02};
    CHECK_EQ(bm_posix_bearer_send(a, from_a, sizeof(from_a), NULL), BM_OK);
    CHECK_EQ(bm_posix_bearer_send(b, from_b, sizeof(from_b), NULL), BM_OK);
    struct bm_posix_bearer *bs[3] = {a, b, c};
    struct rx_log *logs[3] = {&la, &lb, &lc};
    pump(bs, logs, 3, 3000, 1); /* until everyone heard something */
    pump(bs, logs, 3, 300, 0);  /* anything late or duplicated would show */
    CHECK_EQ(la.n, 1);
    CHECK_EQ(lb.n, 1);
    CHECK_EQ(lc.n, 2);
    CHECK(has_adv(&la, from_b, sizeof(from_b)));
    CHECK(has_adv(&lb, from_a, sizeof(from_a)));
    CHECK(has_adv(&lc, from_a, sizeof(from_a)) && has_adv(&lc, from_b, sizeof(from_b)));
    struct bm_posix_bearer_stats sa, sc;
    bm_posix_bearer_get_stats(a, &sa);
    bm_posix_bearer_get_stats(c, &sc);
    CHECK_EQ(sa.tx, 1);
    CHECK_EQ(sa.rx, 1);
    CHECK_EQ(sa.rx_own, 1); /* it came back, and was recognised */
    CHECK_EQ(sc.rx_own, 0);
    CHECK_EQ(sc.rx, 2);
    bm_posix_bearer_close(a);
    bm_posix_bearer_close(b);
    bm_posix_bearer_close(c);
}

static void raw_send(int fd, const void *data, size_t len)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, group, &to.sin_addr);
    CHECK_EQ(sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
}

static void test_malformed_datagrams_are_dropped_and_counted(void)
{
    struct bm_posix_bearer *b = open_bearer(0, 4);
    if (!b)
        return;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct in_addr lo;
    inet_pton(AF_INET, "127.0.0.1", &lo);
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo));
    uint8_t big[40];
    memset(big, 0x01, sizeof(big));
    const uint8_t past_end[] = {0x05, BM_AD_MESH_MESSAGE, 0x01, 0x02};
    const uint8_t second_past_end[] = {0x02, 0x01, 0x06, 0x04, BM_AD_MESH_BEACON, 0x00};
    const uint8_t only_padding[] = {0x00, 0x00};
    const uint8_t good[] = {0x02, 0x01, 0x06};
    const uint8_t padded[] = {0x02, BM_AD_MESH_MESSAGE, 0x77, 0x00, 0x00};
    uint8_t full[31];
    full[0] = 30;
    full[1] = BM_AD_MESH_MESSAGE;
    memset(full + 2, 0x33, 29);
    raw_send(fd, "", 0);
    raw_send(fd, big, 32);
    raw_send(fd, big, sizeof(big));
    raw_send(fd, past_end, sizeof(past_end));
    raw_send(fd, second_past_end, sizeof(second_past_end));
    raw_send(fd, only_padding, sizeof(only_padding));
    raw_send(fd, good, sizeof(good));
    raw_send(fd, padded, sizeof(padded));
    raw_send(fd, full, sizeof(full));
    close(fd);

    memset(&lb, 0, sizeof(lb));
    struct bm_posix_bearer *bs[1] = {b};
    struct rx_log *logs[1] = {&lb};
    pump(bs, logs, 1, 3000, 3);
    pump(bs, logs, 1, 100, 0);
    CHECK_EQ(lb.n, 3);
    CHECK(has_adv(&lb, good, sizeof(good)));
    CHECK(has_adv(&lb, padded, sizeof(padded)));
    CHECK(has_adv(&lb, full, sizeof(full)));
    struct bm_posix_bearer_stats s;
    bm_posix_bearer_get_stats(b, &s);
    CHECK_EQ(s.rx_malformed, 6);
    CHECK_EQ(s.rx, 3);
    bm_posix_bearer_close(b);
}

static void test_drop_option_drops_about_that_fraction(void)
{
    struct bm_posix_bearer *a = open_bearer(0, 5), *b = open_bearer(0.3, 12345);
    if (!a || !b)
        return;
    memset(&lb, 0, sizeof(lb));
    struct bm_posix_bearer *bs[2] = {a, b};
    struct rx_log *logs[2] = {NULL, &lb};
    const int total = 600, batch = 30;
    for (int sent = 0; sent < total; sent += batch) {
        for (int i = 0; i < batch; i++) {
            uint8_t adv[6] = {0x05, BM_AD_MESH_MESSAGE};
            int k = sent + i;
            memcpy(adv + 2, &k, 4);
            CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), NULL), BM_OK);
        }
        /* until the batch is out and every datagram of it is accounted for */
        for (int spin = 0; spin < 300; spin++) {
            pump(bs, logs, 2, 10, 0);
            struct bm_posix_bearer_stats s;
            bm_posix_bearer_get_stats(b, &s);
            if (bm_posix_bearer_queued(a) == 0 && (int)(s.rx + s.rx_dropped) >= sent + batch)
                break;
        }
    }
    struct bm_posix_bearer_stats sa, sb;
    bm_posix_bearer_get_stats(a, &sa);
    bm_posix_bearer_get_stats(b, &sb);
    CHECK_EQ(sa.tx, total);
    CHECK_EQ(sb.rx + sb.rx_dropped, total);
    CHECK_EQ(lb.n, (int)sb.rx);
    /* 30% of 600 = 180, standard deviation ~11: 6 sigma either way */
    CHECK(sb.rx_dropped >= 115 && sb.rx_dropped <= 245);
    printf("    dropped %u of %d (asked 30%%)\n", (unsigned)sb.rx_dropped, total);
    bm_posix_bearer_close(a);
    bm_posix_bearer_close(b);
}

static void test_count_and_interval_are_kept(void)
{
    struct bm_posix_bearer *a = open_bearer(0, 6), *b = open_bearer(0, 7);
    if (!a || !b)
        return;
    memset(&lb, 0, sizeof(lb));
    const uint8_t adv[] = {0x03, BM_AD_MESH_MESSAGE, 0x12, 0x34};
    const struct bm_adv_xmit x = {.count = 5, .interval_ms = 60};
    uint64_t t0 = bm_posix_now_ms();
    CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), &x), BM_OK);
    CHECK_EQ(bm_posix_bearer_queued(a), 1);
    struct bm_posix_bearer *bs[2] = {a, b};
    struct rx_log *logs[2] = {NULL, &lb};
    pump(bs, logs, 2, 3000, 5);
    pump(bs, logs, 2, 200, 0);
    CHECK_EQ(lb.n, 5);
    CHECK_EQ(bm_posix_bearer_queued(a), 0);
    if (lb.n != 5)
        return;
    /* first after advDelay (0..10 ms); then interval + advDelay apart; the
     * upper bounds leave 40 ms for a busy CI machine */
    CHECK(lb.t_ms[0] - t0 <= BM_POSIX_ADV_DELAY_MAX_MS + 40);
    for (int i = 1; i < 5; i++) {
        uint64_t gap = lb.t_ms[i] - lb.t_ms[i - 1];
        /* timestamps are whole ms: a gap may read 1 ms short */
        CHECK(gap + 1 >= x.interval_ms);
        CHECK(gap <= x.interval_ms + BM_POSIX_ADV_DELAY_MAX_MS + 40u);
        printf("    gap %d: %llu ms\n", i, (unsigned long long)gap);
    }
    CHECK(lb.t_ms[4] - lb.t_ms[0] + 1 >= 4u * x.interval_ms);
    bm_posix_bearer_close(a);
    bm_posix_bearer_close(b);
}

static void test_queue_is_bounded_and_arguments_checked(void)
{
    struct bm_posix_bearer *a = open_bearer(0, 8);
    if (!a)
        return;
    const uint8_t adv[] = {0x02, 0x01, 0x06};
    uint8_t long_adv[32] = {31};
    struct bm_adv_xmit none = {.count = 0, .interval_ms = 20};
    struct bm_adv_xmit nine = {.count = 9, .interval_ms = 20};
    CHECK_EQ(bm_posix_bearer_send(a, adv, 0, NULL), BM_EINVAL);
    CHECK_EQ(bm_posix_bearer_send(a, long_adv, 32, NULL), BM_EINVAL);
    CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), &none), BM_EINVAL);
    CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), &nine), BM_EINVAL);
    for (int i = 0; i < BM_POSIX_BEARER_QUEUE; i++)
        CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), NULL), BM_OK);
    CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), NULL), BM_ENOSPC);
    struct bm_posix_bearer_stats s;
    bm_posix_bearer_get_stats(a, &s);
    CHECK_EQ(s.queue_full, 1);
    CHECK_EQ(bm_posix_bearer_queued(a), BM_POSIX_BEARER_QUEUE);
    bm_posix_bearer_close(a);

    struct bm_posix_bearer *bad = NULL;
    struct bm_posix_bearer_opts o = {.group = "10.1.2.3", .port = port};
    CHECK_EQ(bm_posix_bearer_open(&bad, &o), BM_EINVAL); /* not a multicast group */
    o.group = "239.255.1.300";
    CHECK_EQ(bm_posix_bearer_open(&bad, &o), BM_EINVAL);
    o.group = group;
    o.drop_rate = 1.5;
    CHECK_EQ(bm_posix_bearer_open(&bad, &o), BM_EINVAL);
    o.drop_rate = 0;
    o.iface = "not-an-address";
    CHECK_EQ(bm_posix_bearer_open(&bad, &o), BM_EINVAL);
    CHECK(bad == NULL);
}

static void test_other_groups_on_the_same_port_do_not_mix(void)
{
    struct bm_posix_bearer *a = open_bearer(0, 9);
    char other[32];
    posix_test_group(other, sizeof(other), 99);
    if (strcmp(other, group) == 0)
        snprintf(other, sizeof(other), "239.255.254.254");
    struct bm_posix_bearer_opts o = {.group = other, .port = port};
    struct bm_posix_bearer *d = NULL;
    CHECK_EQ(bm_posix_bearer_open(&d, &o), BM_OK);
    if (!a || !d)
        return;
    memset(&la, 0, sizeof(la));
    memset(&lb, 0, sizeof(lb));
    const uint8_t adv[] = {0x02, BM_AD_MESH_MESSAGE, 0x01};
    CHECK_EQ(bm_posix_bearer_send(a, adv, sizeof(adv), NULL), BM_OK);
    CHECK_EQ(bm_posix_bearer_send(d, adv, sizeof(adv), NULL), BM_OK);
    struct bm_posix_bearer *bs[2] = {a, d};
    struct rx_log *logs[2] = {&la, &lb};
    pump(bs, logs, 2, 300, 0);
    CHECK_EQ(la.n, 0);
    CHECK_EQ(lb.n, 0);
    struct bm_posix_bearer_stats s;
    bm_posix_bearer_get_stats(a, &s);
    CHECK_EQ(s.rx_own, 1); /* a did hear its own group */
    bm_posix_bearer_close(a);
    bm_posix_bearer_close(d);
}

int main(void)
{
    port = posix_test_port(1);
    posix_test_group(group, sizeof(group), 1);
    printf("    air %s:%u\n", group, port);
    BM_RUN(test_three_bearers_hear_each_other_not_themselves);
    BM_RUN(test_malformed_datagrams_are_dropped_and_counted);
    BM_RUN(test_drop_option_drops_about_that_fraction);
    BM_RUN(test_count_and_interval_are_kept);
    BM_RUN(test_queue_is_bounded_and_arguments_checked);
    BM_RUN(test_other_groups_on_the_same_port_do_not_mix);
    return bm_test_done();
}
