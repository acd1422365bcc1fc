/* The POSIX event loop and its hooks: a run ends on bm_posix_stop, on its
 * time limit and on SIGINT/SIGTERM (read from the signalfd, the process
 * survives); a node on the loop beacons through the bearer; log lines in
 * text and JSON (escaped, filtered by level); getrandom fills buffers. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_posix.h"
#include "posix_util.h"
#include "test.h"

static char group[32];
static uint16_t port;

static struct bm_posix *open_px(bool signals, FILE *log, bool json)
{
    struct bm_posix_opts o;
    bm_posix_opts_default(&o);
    o.bearer.group = group;
    o.bearer.port = port;
    o.no_signals = !signals;
    o.log_file = log;
    o.log_json = json;
    o.name = "t";
    struct bm_posix *px = NULL;
    CHECK_EQ(bm_posix_open(&px, &o), BM_OK);
    return px;
}

static struct bm_node *make_node(struct bm_posix *px)
{
    void *mem = malloc(bm_node_size());
    struct bm_node *node = bm_node_create(mem, bm_node_size(), bm_posix_platform(px));
    CHECK(node != NULL);
    return node;
}

static void free_node(struct bm_node *node)
{
    bm_node_destroy(node);
    free(node);
}

static void test_run_for_times_out_and_the_node_beacons(void)
{
    FILE *log = fopen("/dev/null", "w");
    struct bm_posix *px = open_px(false, log, false);
    if (!px)
        return;
    CHECK(bm_posix_get_store(px) == NULL);
    CHECK(bm_posix_platform(px)->store_put == NULL);
    struct bm_node *node = make_node(px);
    CHECK_EQ(bm_create_element(node, true, 0, true, 7, NULL), BM_OK);
    CHECK_EQ(bm_init(node, "loop", BM_OOB_NONE), BM_OK);
    CHECK_EQ(bm_set_node_prov(node, BM_PROV_ADV, NULL, NULL), BM_OK);
    uint64_t t0 = bm_posix_now_ms();
    CHECK_EQ(bm_posix_run_for(px, node, 150), BM_ETIMEOUT);
    uint64_t took = bm_posix_now_ms() - t0;
    CHECK(took >= 150 && took < 1000);
    struct bm_posix_bearer_stats s;
    bm_posix_bearer_get_stats(bm_posix_get_bearer(px), &s);
    CHECK(s.tx >= 1);         /* the first Unprovisioned Device beacon went out */
    CHECK_EQ(s.rx_own, s.tx); /* and came back, recognised as ours */
    free_node(node);
    bm_posix_close(px);
    fclose(log);
}

static void test_stop_ends_a_run(void)
{
    FILE *log = fopen("/dev/null", "w");
    struct bm_posix *px = open_px(false, log, false);
    if (!px)
        return;
    struct bm_node *node = make_node(px);
    bm_posix_stop(px); /* before the run: it returns after one step */
    uint64_t t0 = bm_posix_now_ms();
    CHECK_EQ(bm_posix_run_for(px, node, 5000), BM_OK);
    CHECK(bm_posix_now_ms() - t0 < 1000);
    CHECK_EQ(bm_posix_signal(px), 0);
    free_node(node);
    bm_posix_close(px);
    fclose(log);
}

static void test_signals_end_a_run_and_spare_the_process(void)
{
    FILE *log = fopen("/dev/null", "w");
    struct bm_posix *px = open_px(true, log, false);
    if (!px)
        return;
    struct bm_node *node = make_node(px);
    raise(SIGTERM); /* blocked: waits in the signalfd */
    CHECK_EQ(bm_posix_run_for(px, node, 5000), BM_OK);
    CHECK_EQ(bm_posix_signal(px), SIGTERM);
    raise(SIGINT);
    CHECK_EQ(bm_posix_run(px, node), BM_OK);
    CHECK_EQ(bm_posix_signal(px), SIGINT);
    CHECK_EQ(bm_posix_run_for(px, node, 50), BM_ETIMEOUT);
    CHECK_EQ(bm_posix_signal(px), 0);
    free_node(node);
    bm_posix_close(px);
    /* the mask is back: SIGINT is not blocked any more */
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGINT));
    CHECK(!sigismember(&now, SIGTERM));
    fclose(log);
}

static char *capture(bool json, enum bm_log_level level, const char *layer, const char *line)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct bm_posix *px = open_px(false, f, json);
    fflush(f);
    size_t skip = size; /* the port's own "open" line */
    bm_posix_log(px, level, layer, line);
    bm_posix_close(px);
    fclose(f);
    char *out = strdup(text + skip);
    free(text);
    return out;
}

static void test_log_lines_text_and_json(void)
{
    char *t = capture(false, BM_LOG_WRN, "net", "rx src=0x0003 dst=0xc105");
    CHECK(t && strstr(t, " WRN [t] net: rx src=0x0003 dst=0xc105\n"));
    CHECK(t && strchr(t, '\n') == t + strlen(t) - 1);
    free(t);

    char *j = capture(true, BM_LOG_INF, "prov", "say \"hi\"\\\n");
    CHECK(j && strncmp(j, "{\"t_ms\":", 8) == 0);
    CHECK(j && strstr(j, "\"level\":\"INF\",\"name\":\"t\",\"layer\":\"prov\","
                         "\"msg\":\"say \\\"hi\\\"\\\\\\u000a\"}\n"));
    free(j);

    char *none = capture(false, BM_LOG_DBG, "net", "debug is below INF");
    CHECK(none && none[0] == 0);
    free(none);

    char long_line[3000];
    memset(long_line, 'x', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = 0;
    char *cut = capture(false, BM_LOG_ERR, "net", long_line);
    CHECK(cut && strlen(cut) < 1100 && cut[strlen(cut) - 1] == '\n');
    CHECK(cut && strchr(cut, '\n') == cut + strlen(cut) - 1);
    free(cut);
}

static void test_random_fills_buffers(void)
{
    uint8_t a[64] = {0}, b[64] = {0};
    CHECK_EQ(bm_posix_random(a, sizeof(a)), BM_OK);
    CHECK_EQ(bm_posix_random(b, sizeof(b)), BM_OK);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    int zeros = 0;
    for (size_t i = 0; i < sizeof(a); i++)
        zeros += a[i] == 0;
    CHECK(zeros < 16);
}

static void test_open_reports_errors(void)
{
    struct bm_posix_opts o;
    bm_posix_opts_default(&o);
    o.bearer.group = "1.2.3.4";
    o.no_signals = true;
    o.log_file = fopen("/dev/null", "w");
    struct bm_posix *px = NULL;
    CHECK_EQ(bm_posix_open(&px, &o), BM_EINVAL);
    CHECK(px == NULL);
    fclose(o.log_file);
}

int main(void)
{
    port = posix_test_port(3);
    posix_test_group(group, sizeof(group), 3);
    BM_RUN(test_run_for_times_out_and_the_node_beacons);
    BM_RUN(test_stop_ends_a_run);
    BM_RUN(test_signals_end_a_run_and_spare_the_process);
    BM_RUN(test_log_lines_text_and_json);
    BM_RUN(test_random_fills_buffers);
    BM_RUN(test_open_reports_errors);
    return bm_test_done();
}
