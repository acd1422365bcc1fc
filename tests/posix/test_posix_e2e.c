/* End to end over the POSIX port: two processes, each a real blemesh node
 * on the socket bearer and the event loop, on an air of their own.
 *
 *   1. A provisioner process creates a network, scans, and provisions the
 *      device it sees over PB-ADV, every PDU a real UDP datagram (once
 *      clean, once with every receiver dropping 15%).
 *   2. The device process is SIGKILLed (a crash, no chance to flush); its
 *      store holds the UUID and provisioning records, the latter masked in
 *      the JSON dump.
 *   3. A new device process on the same store comes up provisioned with the
 *      same address; while it runs, the store is locked against others;
 *      SIGTERM makes its loop return and the process exit cleanly. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blemesh/provisioner.h"
#include "bm_posix.h"
#include "posix_util.h"
#include "storage/records.h"
#include "test.h"

static char base[400], dev_dir[512], pv_dir[512], group[32];
static uint16_t port;
static double loss; /* each bearer's drop_rate in the current scenario */

static const uint8_t dev_uuid[16] = {0x70, 0x6f, 0x73, 0x69, 0x78, 0x2d, 0x4d, 0x0e,
                                     0x8d, 0xe0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};

/* What a child tells the parent through a pipe. */
struct report {
    int rc;          /* BM_OK or where it failed */
    int event;       /* provisioner: BM_PROVISION_EVT_* */
    int provisioned; /* device: after bm_init */
    uint16_t addr;
};

static void opts_for(struct bm_posix_opts *o, const char *store, const char *name)
{
    bm_posix_opts_default(o);
    o->store_dir = store;
    o->bearer.group = group;
    o->bearer.port = port;
    o->name = name;
    o->bearer.drop_rate = loss;
}

static void send_report(int fd, const struct report *r)
{
    if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
        _exit(9);
}

/* Reads a report, waiting at most timeout_ms. Returns 0 or -1. */
static int read_report(int fd, struct report *r, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 0 : -1;
}

/* Waits at most timeout_ms for pid to end; returns its status or -1. */
static int wait_child(pid_t pid, int timeout_ms)
{
    int status = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return status;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* --- the provisioner process --- */

struct pv {
    struct bm_posix *px;
    bool found;
    bool done;
    struct bm_provision_result res;
};

static void on_scan(void *user, const struct bm_unprov_device *dev)
{
    struct pv *p = user;
    if (memcmp(dev->uuid, dev_uuid, 16) == 0 && !p->found) {
        p->found = true;
        bm_posix_stop(p->px);
    }
}

static void on_provision(void *user, const struct bm_provision_result *r)
{
    struct pv *p = user;
    if (r->event == BM_PROVISION_EVT_OOB_NEEDED)
        return;
    p->res = *r;
    p->done = true;
    bm_posix_stop(p->px);
}

static int provisioner_main(int ready_fd, int result_fd)
{
    struct report rep = {.rc = BM_ESTATE, .event = -1};
    struct pv p = {0};
    struct bm_posix_opts o;
    opts_for(&o, pv_dir, "pv");
    int rc = bm_posix_open(&p.px, &o);
    if (rc != BM_OK) {
        rep.rc = rc;
        send_report(ready_fd, &rep);
        return 1;
    }
    void *mem = malloc(bm_node_size());
    struct bm_node *node = bm_node_create(mem, bm_node_size(), bm_posix_platform(p.px));
    rc = node ? BM_OK : BM_ENOSPC;
    if (rc == BM_OK)
        rc = bm_init(node, "posix-pv", BM_OOB_NONE);
    if (rc == BM_OK)
        rc = bm_create_element(node, true, 0, true, 7, NULL);
    if (rc == BM_OK)
        rc = bm_prov_create_network(node, NULL, 0, 0, 0x0001);
    if (rc == BM_OK)
        rc = bm_prov_scan_start(node, on_scan, &p);
    rep.rc = rc;
    send_report(ready_fd, &rep); /* scanning (or not): the device may start */
    if (rc == BM_OK) {
        bm_posix_run_for(p.px, node, 20000); /* beacons every 5 s */
        rc = p.found ? bm_prov_provision(node, dev_uuid, NULL, on_provision, &p) : BM_ETIMEOUT;
    }
    if (rc == BM_OK) {
        bm_posix_run_for(p.px, node, 20000);
        rc = p.done ? BM_OK : BM_ETIMEOUT;
        bm_posix_run_for(p.px, node, 300); /* the Link Close goes out */
    }
    rep.rc = rc;
    rep.event = p.done ? (int)p.res.event : -1;
    rep.addr = p.res.addr;
    send_report(result_fd, &rep);
    bm_node_destroy(node);
    free(mem);
    bm_posix_close(p.px);
    return rc == BM_OK ? 0 : 1;
}

/* --- the device process --- */

static void on_device_prov(void *user, const struct bm_prov_info *info)
{
    (void)user;
    (void)info;
}

/* first: a fresh device with our UUID. Reports its state after bm_init,
 * then runs until a signal; exits 0 only if SIGTERM ended the loop. */
static int device_main(bool first, int report_fd)
{
    struct report rep = {.rc = BM_ESTATE};
    struct bm_posix *px = NULL;
    struct bm_posix_opts o;
    opts_for(&o, dev_dir, first ? "dev" : "dev2");
    int rc = bm_posix_open(&px, &o);
    if (rc != BM_OK) {
        rep.rc = rc;
        send_report(report_fd, &rep);
        return 1;
    }
    void *mem = malloc(bm_node_size());
    struct bm_node *node = bm_node_create(mem, bm_node_size(), bm_posix_platform(px));
    rc = node ? BM_OK : BM_ENOSPC;
    /* The composition comes first: once bm_init restores a provisioned
     * node, it is fixed. */
    if (rc == BM_OK)
        rc = bm_create_element(node, true, BM_RELAY, true, 7, NULL);
    if (rc == BM_OK)
        rc = bm_init(node, "posix-dev", BM_OOB_NONE);
    if (rc == BM_OK && first)
        rc = bm_set_uuid(node, dev_uuid);
    if (rc == BM_OK)
        rc = bm_set_node_prov(node, BM_PROV_ADV, on_device_prov, NULL);
    rep.rc = rc;
    rep.provisioned = node ? bm_node_is_provisioned(node) : 0;
    rep.addr = node ? bm_node_addr(node) : 0;
    send_report(report_fd, &rep);
    if (rc == BM_OK)
        rc = bm_posix_run(px, node);
    int sig = bm_posix_signal(px);
    bm_node_destroy(node);
    free(mem);
    bm_posix_close(px);
    return rc == BM_OK && sig == SIGTERM ? 0 : 1;
}

static pid_t spawn_device(bool first, int report_fd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        _exit(device_main(first, report_fd));
    return pid;
}

static bool is_secret(void *user, uint16_t key)
{
    (void)user;
    return key == BM_REC_PROV || key == BM_REC_SEQ;
}

static void provision_then_survive_a_kill(const char *tag, unsigned salt)
{
    snprintf(dev_dir, sizeof(dev_dir), "%s/%s-dev", base, tag);
    snprintf(pv_dir, sizeof(pv_dir), "%s/%s-pv", base, tag);
    port = posix_test_port(salt);
    posix_test_group(group, sizeof(group), salt);
    printf("    air %s:%u, drop rate %.2f, stores in %s\n", group, port, loss, base);

    int pv_ready[2], pv_result[2], dev_rep[2];
    CHECK_EQ(pipe(pv_ready), 0);
    CHECK_EQ(pipe(pv_result), 0);
    CHECK_EQ(pipe(dev_rep), 0);

    fflush(stdout);
    fflush(stderr);
    pid_t pv = fork();
    if (pv == 0)
        _exit(provisioner_main(pv_ready[1], pv_result[1]));
    struct report rep;
    CHECK_EQ(read_report(pv_ready[0], &rep, 10000), 0);
    CHECK_EQ(rep.rc, BM_OK);

    pid_t dev = spawn_device(true, dev_rep[1]);
    CHECK_EQ(read_report(dev_rep[0], &rep, 10000), 0);
    CHECK_EQ(rep.rc, BM_OK);
    CHECK_EQ(rep.provisioned, 0);

    /* 1. provisioning over the air */
    uint64_t t0 = bm_posix_now_ms();
    memset(&rep, 0, sizeof(rep));
    CHECK_EQ(read_report(pv_result[0], &rep, 50000), 0);
    CHECK_EQ(rep.rc, BM_OK);
    CHECK_EQ(rep.event, BM_PROVISION_EVT_COMPLETE);
    CHECK_EQ(rep.addr, 0x0002);
    uint16_t addr = rep.addr;
    printf("    provisioned 0x%04x in %llu ms\n", addr,
           (unsigned long long)(bm_posix_now_ms() - t0));
    int status = wait_child(pv, 5000);
    CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* 2. crash the device; its records are on disk */
    kill(dev, SIGKILL);
    status = wait_child(dev, 5000);
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct bm_posix_store *st = NULL;
    CHECK_EQ(bm_posix_store_open(&st, dev_dir, NULL), BM_OK);
    uint8_t buf[256];
    size_t len = 0;
    CHECK_EQ(bm_posix_store_get(st, BM_REC_UUID, buf, sizeof(buf), &len), BM_OK);
    CHECK_MEM("stored uuid", buf, len, dev_uuid, sizeof(dev_uuid));
    CHECK_EQ(bm_posix_store_get(st, BM_REC_PROV, buf, sizeof(buf), &len), BM_OK);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    CHECK_EQ(bm_posix_store_dump(st, f, is_secret, NULL, false), BM_OK);
    fclose(f);
    CHECK(text && strstr(text, "{\"key\":\"0x0002\",\"len\":"));
    CHECK(text && strstr(text, "\"value\":\"***\""));
    CHECK(text && strstr(text, "\"value\":\"706f7369782d4d0e8de0112233445566\""));
    if (text)
        printf("    device store after the kill:\n%s", text);
    free(text);
    bm_posix_store_close(st);

    /* 3. restart on the same store */
    dev = spawn_device(false, dev_rep[1]);
    memset(&rep, 0, sizeof(rep));
    CHECK_EQ(read_report(dev_rep[0], &rep, 10000), 0);
    CHECK_EQ(rep.rc, BM_OK);
    CHECK_EQ(rep.provisioned, 1);
    CHECK_EQ(rep.addr, addr);
    st = NULL;
    CHECK_EQ(bm_posix_store_open(&st, dev_dir, NULL), BM_EBUSY);
    kill(dev, SIGTERM);
    status = wait_child(dev, 5000);
    CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    close(pv_ready[0]);
    close(pv_ready[1]);
    close(pv_result[0]);
    close(pv_result[1]);
    close(dev_rep[0]);
    close(dev_rep[1]);
}

static void test_provision_over_udp_then_survive_a_kill(void)
{
    loss = 0;
    provision_then_survive_a_kill("clean", 2);
}

/* Every receiver drops 15% of what it hears: PB-ADV's retransmissions
 * and the bearer's repeats carry the procedure through. */
static void test_provision_over_lossy_udp(void)
{
    loss = 0.15;
    provision_then_survive_a_kill("lossy", 4);
}

int main(void)
{
    if (posix_tmpdir(base, sizeof(base)) != 0) {
        printf("FAIL cannot create a scratch directory\n");
        return 1;
    }
    BM_RUN(test_provision_over_udp_then_survive_a_kill);
    BM_RUN(test_provision_over_lossy_udp);
    posix_rmtree(base);
    return bm_test_done();
}
