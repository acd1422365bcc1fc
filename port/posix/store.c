/* The POSIX record store: the platform's store_put/get/del over a
 * directory, one file per record, and a JSON-lines dump of it.
 *
 * Layout of a store directory:
 *   LOCK        empty; flock(LOCK_EX) held while the store is open, so a
 *               second opener (this or another process) gets BM_EBUSY
 *   rec-XXXX    one record, XXXX its key in 4 lowercase hex digits:
 *               "BMR1" | key (2, big endian) | len (2, BE) |
 *               CRC-32 (4, BE; IEEE 802.3, over key, len and value) | value
 *   tmp-XXXX    a put in progress; deleted on open (its record keeps the
 *               old value)
 * Any other file is ignored.
 *
 * Why a put is atomic: the new value is written whole to tmp-XXXX, fsync'd,
 * then renamed over rec-XXXX, and the directory is fsync'd. rename() is
 * atomic: every reader, and the directory after a SIGKILL or a power cut
 * (the data reached the disk before the rename did), sees either the old
 * file or the new one, never a mix, and never no file. The checksum and the
 * length in the header catch a file damaged some other way (a filesystem
 * that breaks the ordering), which then reads as BM_EMALFORMED instead of
 * as wrong data.
 *
 * Invariants: while open, this struct holds the lock, and present[] and
 * count match the rec-* files in the directory (nobody else writes there);
 * count <= BM_POSIX_STORE_MAX_RECORDS; no file longer than header +
 * BM_POSIX_STORE_MAX_LEN is written or read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "blemesh/errors.h"
#include "bm_posix.h"

#define REC_MAGIC "BMR1"
#define REC_HDR 12 /* magic 4, key 2, len 2, crc 4 */
#define NAME_LEN 9 /* "rec-XXXX" */

struct bm_posix_store {
    int dirfd;  /* the store directory, O_DIRECTORY */
    int lockfd; /* LOCK, flock'd exclusively */
    bool no_sync;
    int last_errno;
    size_t count;               /* records present */
    uint8_t present[65536 / 8]; /* bit per key: rec-XXXX exists */
};

static bool has(const struct bm_posix_store *st, uint16_t key)
{
    return (st->present[key >> 3] >> (key & 7)) & 1;
}

static void mark(struct bm_posix_store *st, uint16_t key, bool on)
{
    if (on == has(st, key))
        return;
    if (on) {
        st->present[key >> 3] |= (uint8_t)(1u << (key & 7));
        st->count++;
    } else {
        st->present[key >> 3] &= (uint8_t) ~(1u << (key & 7));
        st->count--;
    }
}

/* Maps an errno to the closest BM_E* code and remembers it. */
static int fail(struct bm_posix_store *st, int err)
{
    if (st)
        st->last_errno = err;
    switch (err) {
    case ENOENT:
        return BM_ENOENT;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG:
        return BM_ENOSPC;
    case EWOULDBLOCK:
        return BM_EBUSY;
    case EEXIST:
        return BM_EEXIST;
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
        return BM_EINVAL;
    default:
        return BM_ESTATE; /* EIO and friends: the disk is not usable */
    }
}

static uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rec_crc(const uint8_t *hdr, const uint8_t *value, size_t len)
{
    return crc32_ieee(crc32_ieee(0, hdr + 4, 4), value, len);
}

static void rec_name(char name[NAME_LEN], const char *prefix, uint16_t key)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(name, prefix, 4);
    for (int i = 0; i < 4; i++)
        name[4 + i] = hex[(key >> (12 - 4 * i)) & 0xf];
    name[8] = 0;
}

/* Parses "rec-XXXX" / "tmp-XXXX" (lowercase hex only, as rec_name writes). */
static bool parse_name(const char *name, const char *prefix, uint16_t *key)
{
    if (strlen(name) != NAME_LEN - 1 || memcmp(name, prefix, 4) != 0)
        return false;
    uint16_t k = 0;
    for (int i = 4; i < 8; i++) {
        char c = name[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return false;
        k = (uint16_t)(k << 4 | (uint16_t)d);
    }
    *key = k;
    return true;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0) {
            errno = EIO; /* the file shrank under us: not ours to explain */
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Values may be key material: do not leave them in freed memory. */
static void scrub_free(uint8_t *p, size_t len)
{
    if (!p)
        return;
    explicit_bzero(p, len);
    free(p);
}

/* Lists the directory: marks rec-* files present, deletes tmp-* leftovers
 * of interrupted puts. */
static int scan(struct bm_posix_store *st)
{
    int fd = dup(st->dirfd);
    if (fd < 0)
        return fail(st, errno);
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return fail(st, e);
    }
    rewinddir(d);
    bool removed = false;
    int rc = BM_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint16_t key;
        if (parse_name(de->d_name, "rec-", &key)) {
            if (!has(st, key) && st->count == BM_POSIX_STORE_MAX_RECORDS) {
                rc = BM_EMALFORMED;
                break;
            }
            mark(st, key, true);
        } else if (parse_name(de->d_name, "tmp-", &key)) {
            if (unlinkat(st->dirfd, de->d_name, 0) == 0)
                removed = true;
        }
    }
    closedir(d);
    if (rc == BM_OK && removed && !st->no_sync && fsync(st->dirfd) != 0)
        rc = fail(st, errno);
    return rc;
}

int bm_posix_store_open(struct bm_posix_store **out, const char *dir,
                        const struct bm_posix_store_opts *opts)
{
    if (!out || !dir || !*dir)
        return BM_EINVAL;
    *out = NULL;
    struct bm_posix_store *st = calloc(1, sizeof(*st));
    if (!st)
        return BM_ENOSPC;
    st->dirfd = st->lockfd = -1;
    st->no_sync = opts && opts->no_sync;
    int rc;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = fail(st, errno);
        goto err;
    }
    st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        rc = fail(st, errno);
        goto err;
    }
    st->lockfd = openat(st->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->lockfd < 0) {
        rc = fail(st, errno);
        goto err;
    }
    if (flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
        rc = fail(st, errno);
        goto err;
    }
    rc = scan(st);
    if (rc != BM_OK)
        goto err;
    *out = st;
    return BM_OK;
err:
    bm_posix_store_close(st);
    return rc;
}

void bm_posix_store_close(struct bm_posix_store *st)
{
    if (!st)
        return;
    if (st->lockfd >= 0)
        close(st->lockfd); /* releases the flock */
    if (st->dirfd >= 0)
        close(st->dirfd);
    free(st);
}

int bm_posix_store_put(struct bm_posix_store *st, uint16_t key, const void *data, size_t len)
{
    if (!st || len > BM_POSIX_STORE_MAX_LEN || (len && !data))
        return BM_EINVAL;
    if (!has(st, key) && st->count >= BM_POSIX_STORE_MAX_RECORDS)
        return BM_ENOSPC;
    uint8_t *buf = malloc(REC_HDR + len);
    if (!buf)
        return fail(st, ENOMEM);
    memcpy(buf, REC_MAGIC, 4);
    put_be16(buf + 4, key);
    put_be16(buf + 6, (uint16_t)len);
    if (len)
        memcpy(buf + REC_HDR, data, len);
    put_be32(buf + 8, rec_crc(buf, buf + REC_HDR, len));

    char tmp[NAME_LEN], name[NAME_LEN];
    rec_name(tmp, "tmp-", key);
    rec_name(name, "rec-", key);
    int rc = BM_OK;
    int fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = fail(st, errno);
        scrub_free(buf, REC_HDR + len);
        return rc;
    }
    if (write_all(fd, buf, REC_HDR + len) != 0 || (!st->no_sync && fsync(fd) != 0))
        rc = fail(st, errno);
    scrub_free(buf, REC_HDR + len);
    if (close(fd) != 0 && rc == BM_OK)
        rc = fail(st, errno);
    if (rc == BM_OK && renameat(st->dirfd, tmp, st->dirfd, name) != 0)
        rc = fail(st, errno);
    if (rc != BM_OK) {
        unlinkat(st->dirfd, tmp, 0); /* the record keeps its old value */
        return rc;
    }
    mark(st, key, true);
    /* The rename is only durable once the directory is. */
    if (!st->no_sync && fsync(st->dirfd) != 0)
        return fail(st, errno);
    return BM_OK;
}

/* Reads and checks rec-XXXX into a fresh buffer (*value, *len), which the
 * caller frees. */
static int load(struct bm_posix_store *st, uint16_t key, uint8_t **value, size_t *len)
{
    char name[NAME_LEN];
    rec_name(name, "rec-", key);
    int fd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fail(st, errno);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return fail(st, e);
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size < REC_HDR ||
        sb.st_size > REC_HDR + BM_POSIX_STORE_MAX_LEN) {
        close(fd);
        return BM_EMALFORMED;
    }
    size_t flen = (size_t)sb.st_size;
    uint8_t *buf = malloc(flen);
    if (!buf) {
        close(fd);
        return fail(st, ENOMEM);
    }
    int rc = read_all(fd, buf, flen) == 0 ? BM_OK : fail(st, errno);
    close(fd);
    if (rc == BM_OK && (memcmp(buf, REC_MAGIC, 4) != 0 || get_be16(buf + 4) != key ||
                        get_be16(buf + 6) != flen - REC_HDR ||
                        get_be32(buf + 8) != rec_crc(buf, buf + REC_HDR, flen - REC_HDR)))
        rc = BM_EMALFORMED;
    if (rc != BM_OK) {
        scrub_free(buf, flen);
        return rc;
    }
    memmove(buf, buf + REC_HDR, flen - REC_HDR);
    *value = buf;
    *len = flen - REC_HDR;
    return BM_OK;
}

int bm_posix_store_get(struct bm_posix_store *st, uint16_t key, void *data, size_t size,
                       size_t *len)
{
    if (!st || (size && !data))
        return BM_EINVAL;
    if (!has(st, key))
        return BM_ENOENT;
    uint8_t *value;
    size_t vlen;
    int rc = load(st, key, &value, &vlen);
    if (rc != BM_OK)
        return rc;
    if (len)
        *len = vlen;
    if (vlen > size) {
        scrub_free(value, vlen);
        return BM_ENOSPC;
    }
    if (vlen)
        memcpy(data, value, vlen);
    scrub_free(value, vlen);
    return BM_OK;
}

int bm_posix_store_del(struct bm_posix_store *st, uint16_t key)
{
    if (!st)
        return BM_EINVAL;
    if (!has(st, key))
        return BM_ENOENT;
    char name[NAME_LEN];
    rec_name(name, "rec-", key);
    if (unlinkat(st->dirfd, name, 0) != 0 && errno != ENOENT)
        return fail(st, errno);
    mark(st, key, false);
    if (!st->no_sync && fsync(st->dirfd) != 0)
        return fail(st, errno);
    return BM_OK;
}

size_t bm_posix_store_count(const struct bm_posix_store *st)
{
    return st ? st->count : 0;
}

int bm_posix_store_errno(const struct bm_posix_store *st)
{
    return st ? st->last_errno : 0;
}

int bm_posix_store_dump(struct bm_posix_store *st, FILE *out, bm_posix_secret_fn is_secret,
                        void *user, bool show_keys)
{
    if (!st || !out)
        return BM_EINVAL;
    for (uint32_t k = 0; k <= 0xffff; k++) {
        uint16_t key = (uint16_t)k;
        if (!has(st, key))
            continue;
        uint8_t *value = NULL;
        size_t len = 0;
        int rc = load(st, key, &value, &len);
        if (rc != BM_OK) {
            fprintf(out, "{\"key\":\"0x%04x\",\"error\":\"%s\"}\n", key, bm_strerror(rc));
            continue;
        }
        fprintf(out, "{\"key\":\"0x%04x\",\"len\":%zu,\"value\":\"", key, len);
        if (!show_keys && is_secret && is_secret(user, key)) {
            fputs("***", out);
        } else {
            for (size_t i = 0; i < len; i++)
                fprintf(out, "%02x", value[i]);
        }
        fputs("\"}\n", out);
        scrub_free(value, len);
    }
    return ferror(out) ? BM_ESTATE : BM_OK;
}
