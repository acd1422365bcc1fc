/* The POSIX directory store: round trips, overwrite, absent records, size
 * and count limits, reopening, the lock (in this process and from
 * another), damaged and leftover files, the JSON dump's secret masking, and
 * crash safety: a child writing self-checking records in a loop is
 * SIGKILLed at random moments, and after every kill each record reads back
 * whole, as the last value acknowledged or the one being written. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bm_posix.h"
#include "posix_util.h"
#include "test.h"

static char dir[512];

static struct bm_posix_store *open_fresh(void)
{
    posix_rmtree(dir);
    struct bm_posix_store *st = NULL;
    CHECK_EQ(bm_posix_store_open(&st, dir, NULL), BM_OK);
    return st;
}

static void test_put_get_round_trip(void)
{
    struct bm_posix_store *st = open_fresh();
    const uint8_t a[] = {1, 2, 3, 4, 5};
    const uint8_t b[] = {0xff};
    CHECK_EQ(bm_posix_store_put(st, 0x0001, a, sizeof(a)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0xffff, b, sizeof(b)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0x0000, NULL, 0), BM_OK);
    uint8_t out[16];
    size_t len = 0;
    CHECK_EQ(bm_posix_store_get(st, 0x0001, out, sizeof(out), &len), BM_OK);
    CHECK_MEM("key 1", out, len, a, sizeof(a));
    CHECK_EQ(bm_posix_store_get(st, 0xffff, out, sizeof(out), &len), BM_OK);
    CHECK_MEM("key ffff", out, len, b, sizeof(b));
    CHECK_EQ(bm_posix_store_get(st, 0x0000, out, sizeof(out), &len), BM_OK);
    CHECK_EQ(len, 0);
    CHECK_EQ(bm_posix_store_count(st), 3);
    CHECK_EQ(bm_posix_store_del(st, 0x0001), BM_OK);
    CHECK_EQ(bm_posix_store_get(st, 0x0001, out, sizeof(out), &len), BM_ENOENT);
    CHECK_EQ(bm_posix_store_count(st), 2);
    bm_posix_store_close(st);
}

static void test_overwrite_keeps_the_last_value(void)
{
    struct bm_posix_store *st = open_fresh();
    const uint8_t big[100] = {7};
    const uint8_t small[3] = {9, 8, 7};
    CHECK_EQ(bm_posix_store_put(st, 0x0042, big, sizeof(big)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0x0042, small, sizeof(small)), BM_OK);
    uint8_t out[200];
    size_t len = 0;
    CHECK_EQ(bm_posix_store_get(st, 0x0042, out, sizeof(out), &len), BM_OK);
    CHECK_MEM("overwritten", out, len, small, sizeof(small));
    CHECK_EQ(bm_posix_store_count(st), 1);
    bm_posix_store_close(st);
}

static void test_missing_record_is_enoent(void)
{
    struct bm_posix_store *st = open_fresh();
    uint8_t out[4];
    size_t len = 123;
    CHECK_EQ(bm_posix_store_get(st, 0x0007, out, sizeof(out), &len), BM_ENOENT);
    CHECK_EQ(len, 123);
    CHECK_EQ(bm_posix_store_del(st, 0x0007), BM_ENOENT);
    bm_posix_store_close(st);
}

static void test_size_limits(void)
{
    struct bm_posix_store *st = open_fresh();
    static uint8_t big[BM_POSIX_STORE_MAX_LEN + 1];
    memset(big, 0x5a, sizeof(big));
    CHECK_EQ(bm_posix_store_put(st, 1, big, BM_POSIX_STORE_MAX_LEN), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 2, big, BM_POSIX_STORE_MAX_LEN + 1), BM_EINVAL);
    CHECK_EQ(bm_posix_store_put(st, 3, NULL, 4), BM_EINVAL);
    uint8_t small[8];
    size_t len = 0;
    /* too small a buffer: the length is still reported */
    CHECK_EQ(bm_posix_store_get(st, 1, small, sizeof(small), &len), BM_ENOSPC);
    CHECK_EQ(len, BM_POSIX_STORE_MAX_LEN);
    CHECK_EQ(bm_posix_store_get(st, 2, small, sizeof(small), &len), BM_ENOENT);
    bm_posix_store_close(st);
}

static void test_record_count_limit(void)
{
    posix_rmtree(dir);
    struct bm_posix_store *st = NULL;
    struct bm_posix_store_opts fast = {.no_sync = true};
    CHECK_EQ(bm_posix_store_open(&st, dir, &fast), BM_OK);
    int ok = 0;
    for (uint32_t k = 0; k < BM_POSIX_STORE_MAX_RECORDS; k++)
        ok += bm_posix_store_put(st, (uint16_t)k, &k, sizeof(k)) == BM_OK;
    CHECK_EQ(ok, BM_POSIX_STORE_MAX_RECORDS);
    uint32_t v = 1;
    CHECK_EQ(bm_posix_store_put(st, 0xfff0, &v, sizeof(v)), BM_ENOSPC);
    CHECK_EQ(bm_posix_store_put(st, 5, &v, sizeof(v)), BM_OK); /* overwrite still fits */
    CHECK_EQ(bm_posix_store_del(st, 6), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0xfff0, &v, sizeof(v)), BM_OK);
    bm_posix_store_close(st);
}

static void test_reopen_keeps_data(void)
{
    struct bm_posix_store *st = open_fresh();
    const uint8_t a[] = "provisioned";
    CHECK_EQ(bm_posix_store_put(st, 0x0002, a, sizeof(a)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0x0003, a, 4), BM_OK);
    CHECK_EQ(bm_posix_store_del(st, 0x0003), BM_OK);
    bm_posix_store_close(st);

    st = NULL;
    CHECK_EQ(bm_posix_store_open(&st, dir, NULL), BM_OK);
    uint8_t out[32];
    size_t len = 0;
    CHECK_EQ(bm_posix_store_get(st, 0x0002, out, sizeof(out), &len), BM_OK);
    CHECK_MEM("after reopen", out, len, a, sizeof(a));
    CHECK_EQ(bm_posix_store_get(st, 0x0003, out, sizeof(out), &len), BM_ENOENT);
    CHECK_EQ(bm_posix_store_count(st), 1);
    bm_posix_store_close(st);
}

static void test_lock_refuses_a_second_opener(void)
{
    struct bm_posix_store *st = open_fresh();
    struct bm_posix_store *again = NULL;
    CHECK_EQ(bm_posix_store_open(&again, dir, NULL), BM_EBUSY);
    CHECK(again == NULL);

    /* another process too */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct bm_posix_store *other = NULL;
        _exit(bm_posix_store_open(&other, dir, NULL) == BM_EBUSY ? 0 : 1);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    bm_posix_store_close(st);
    CHECK_EQ(bm_posix_store_open(&again, dir, NULL), BM_OK); /* released on close */
    bm_posix_store_close(again);
}

static void write_file(const char *name, const void *data, size_t len)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static bool file_exists(const char *name)
{
    char path[600];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

static void test_damaged_record_and_leftovers(void)
{
    struct bm_posix_store *st = open_fresh();
    const uint8_t v[] = {1, 2, 3, 4};
    CHECK_EQ(bm_posix_store_put(st, 0x0010, v, sizeof(v)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0x0011, v, sizeof(v)), BM_OK);
    bm_posix_store_close(st);

    /* a flipped bit in a value, a truncated record, an interrupted put */
    char path[600];
    snprintf(path, sizeof(path), "%s/rec-0010", dir);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, -1, SEEK_END);
        fputc(5, f);
        fclose(f);
    }
    write_file("rec-0012", "BMR1", 4);
    write_file("tmp-0011", "half a reco", 11);
    write_file("notes.txt", "ignored", 7);

    st = NULL;
    CHECK_EQ(bm_posix_store_open(&st, dir, NULL), BM_OK);
    CHECK(!file_exists("tmp-0011"));
    CHECK(file_exists("notes.txt"));
    uint8_t out[8];
    size_t len = 0;
    CHECK_EQ(bm_posix_store_get(st, 0x0010, out, sizeof(out), &len), BM_EMALFORMED);
    CHECK_EQ(bm_posix_store_get(st, 0x0012, out, sizeof(out), &len), BM_EMALFORMED);
    CHECK_EQ(bm_posix_store_get(st, 0x0011, out, sizeof(out), &len), BM_OK);
    CHECK_MEM("untouched by the leftover", out, len, v, sizeof(v));
    /* a damaged record can be rewritten */
    CHECK_EQ(bm_posix_store_put(st, 0x0010, v, sizeof(v)), BM_OK);
    CHECK_EQ(bm_posix_store_get(st, 0x0010, out, sizeof(out), &len), BM_OK);
    bm_posix_store_close(st);
}

static void test_bad_directory(void)
{
    struct bm_posix_store *st = NULL;
    write_file("plainfile", "x", 1);
    char path[600];
    snprintf(path, sizeof(path), "%s/plainfile", dir);
    CHECK_EQ(bm_posix_store_open(&st, path, NULL), BM_EINVAL);
    CHECK_EQ(bm_posix_store_open(&st, "", NULL), BM_EINVAL);
    CHECK(st == NULL);
}

static bool secret_prov(void *user, uint16_t key)
{
    (void)user;
    return key == 0x0002;
}

static char *dump(struct bm_posix_store *st, bool show_keys)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    CHECK_EQ(bm_posix_store_dump(st, f, secret_prov, NULL, show_keys), BM_OK);
    fclose(f);
    return text;
}

static void test_dump_masks_secret_records(void)
{
    struct bm_posix_store *st = open_fresh();
    const uint8_t key[16] = {0x7d, 0xd7, 0x36, 0x4c, 0xd8, 0x42, 0xad, 0x18,
                             0xc1, 0x7c, 0x2b, 0x82, 0x0c, 0x84, 0xc3, 0xd6};
    const uint8_t uuid[2] = {0xab, 0xcd};
    CHECK_EQ(bm_posix_store_put(st, 0x0002, key, sizeof(key)), BM_OK);
    CHECK_EQ(bm_posix_store_put(st, 0x0001, uuid, sizeof(uuid)), BM_OK);

    char *masked = dump(st, false);
    const char *want = "{\"key\":\"0x0001\",\"len\":2,\"value\":\"abcd\"}\n"
                       "{\"key\":\"0x0002\",\"len\":16,\"value\":\"***\"}\n";
    CHECK(masked && strcmp(masked, want) == 0);
    CHECK(masked && !strstr(masked, "7dd7364c"));
    if (masked && strcmp(masked, want) != 0)
        printf("    got:\n%s", masked);
    free(masked);

    char *shown = dump(st, true);
    CHECK(shown && strstr(shown, "\"value\":\"7dd7364cd842ad18c17c2b820c84c3d6\""));
    free(shown);
    bm_posix_store_close(st);
}

/* --- crash safety --- */

#define CRASH_KEYS 6
#define CRASH_ROUNDS 25

/* A self-checking value: key, counter, a length that changes with the
 * counter (up to a few KiB, so a put spans several writes' worth of
 * pages), a pattern from both, and an FNV-1a hash of all that. */
static size_t make_value(uint8_t *buf, uint16_t key, uint32_t counter)
{
    size_t len = 16 + (counter * 733u + key * 97u) % (BM_POSIX_STORE_MAX_LEN - 16);
    buf[0] = (uint8_t)(key >> 8);
    buf[1] = (uint8_t)key;
    memcpy(buf + 2, &counter, 4);
    for (size_t i = 6; i < len - 4; i++)
        buf[i] = (uint8_t)(counter * 31u + i * 7u + key);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len - 4; i++)
        h = (h ^ buf[i]) * 16777619u;
    memcpy(buf + len - 4, &h, 4);
    return len;
}

/* Returns the counter, or -1 if the value is not one make_value wrote. */
static long check_value(const uint8_t *buf, size_t len, uint16_t key)
{
    if (len < 16)
        return -1;
    uint32_t counter;
    memcpy(&counter, buf + 2, 4);
    static uint8_t want[BM_POSIX_STORE_MAX_LEN];
    size_t wlen = make_value(want, key, counter);
    if (wlen != len || memcmp(want, buf, len) != 0)
        return -1;
    return (long)counter;
}

struct shared {
    volatile uint32_t started;
    volatile uint32_t acked[CRASH_KEYS];   /* last counter whose put returned 0 */
    volatile uint32_t writing[CRASH_KEYS]; /* the counter of the put under way */
};

static uint16_t crash_key(int i)
{
    return (uint16_t)(0x0100 + i * 0x111);
}

/* The child: continues every key's counter from what is stored and writes
 * forever, publishing each acknowledged counter. */
static void writer(struct shared *sh)
{
    struct bm_posix_store *st = NULL;
    for (int tries = 0; bm_posix_store_open(&st, dir, NULL) != BM_OK; tries++) {
        if (tries > 200)
            _exit(2);
        usleep(1000);
    }
    static uint8_t buf[BM_POSIX_STORE_MAX_LEN];
    uint32_t counter = 0;
    for (int i = 0; i < CRASH_KEYS; i++)
        if (sh->acked[i] > counter)
            counter = sh->acked[i];
    sh->started = 1;
    for (;;) {
        counter++;
        for (int i = 0; i < CRASH_KEYS; i++) {
            size_t len = make_value(buf, crash_key(i), counter);
            sh->writing[i] = counter;
            if (bm_posix_store_put(st, crash_key(i), buf, len) != BM_OK)
                _exit(3);
            sh->acked[i] = counter;
        }
    }
}

static int count_tmp_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, "tmp-", 4) == 0;
    closedir(d);
    return n;
}

static void test_sigkill_never_tears_or_loses_a_record(void)
{
    struct bm_posix_store *st = open_fresh();
    static uint8_t buf[BM_POSIX_STORE_MAX_LEN];
    for (int i = 0; i < CRASH_KEYS; i++)
        CHECK_EQ(bm_posix_store_put(st, crash_key(i), buf, make_value(buf, crash_key(i), 0)),
                 BM_OK);
    bm_posix_store_close(st);

    struct shared *sh =
        mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED);
    if (sh == MAP_FAILED)
        return;
    memset((void *)sh, 0, sizeof(*sh));
    srand((unsigned)time(NULL) ^ (unsigned)getpid());

    int torn = 0, lost = 0, stale = 0, mid_write = 0;
    uint32_t writes = 0;
    for (int round = 0; round < CRASH_ROUNDS; round++) {
        uint32_t before = sh->acked[0];
        sh->started = 0;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            writer(sh);
        for (int w = 0; !sh->started && w < 5000; w++)
            usleep(1000);
        CHECK(sh->started);
        usleep(1000 + (useconds_t)(rand() % 40000)); /* 1..41 ms of writing */
        kill(pid, SIGKILL);
        int status = 0;
        CHECK_EQ(waitpid(pid, &status, 0), pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        writes += sh->acked[0] - before;
        mid_write += count_tmp_files() > 0;

        st = NULL;
        CHECK_EQ(bm_posix_store_open(&st, dir, NULL), BM_OK);
        if (!st)
            break;
        CHECK_EQ(count_tmp_files(), 0);
        for (int i = 0; i < CRASH_KEYS; i++) {
            size_t len = 0;
            int rc = bm_posix_store_get(st, crash_key(i), buf, sizeof(buf), &len);
            if (rc == BM_ENOENT) {
                lost++;
                continue;
            }
            long c = rc == BM_OK ? check_value(buf, len, crash_key(i)) : -1;
            if (c < 0) {
                torn++;
                continue;
            }
            /* the put that returned, or the one the kill interrupted */
            if (c != (long)sh->acked[i] && c != (long)sh->writing[i])
                stale++;
            sh->acked[i] = sh->writing[i] = (uint32_t)c; /* the next child goes on from here */
        }
        bm_posix_store_close(st);
    }
    CHECK_EQ(torn, 0);
    CHECK_EQ(lost, 0);
    CHECK_EQ(stale, 0);
    CHECK(writes > 0);
    printf("    %d kills; %u values of each key acknowledged; %d kills left a put half done\n",
           CRASH_ROUNDS, (unsigned)writes, mid_write);
    munmap((void *)sh, sizeof(*sh));
}

int main(void)
{
    char base[400];
    if (posix_tmpdir(base, sizeof(base)) != 0) {
        printf("FAIL cannot create a scratch directory\n");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s/store", base);
    BM_RUN(test_put_get_round_trip);
    BM_RUN(test_overwrite_keeps_the_last_value);
    BM_RUN(test_missing_record_is_enoent);
    BM_RUN(test_size_limits);
    BM_RUN(test_record_count_limit);
    BM_RUN(test_reopen_keeps_data);
    BM_RUN(test_lock_refuses_a_second_opener);
    BM_RUN(test_damaged_record_and_leftovers);
    BM_RUN(test_bad_directory);
    BM_RUN(test_dump_masks_secret_records);
    BM_RUN(test_sigkill_never_tears_or_loses_a_record);
    posix_rmtree(base);
    return bm_test_done();
}
