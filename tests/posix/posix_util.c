/* Scratch directories and per-run multicast addresses for the POSIX port's
 * tests (see posix_util.h). */
#define _GNU_SOURCE
#include "posix_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int posix_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    if ((size_t)snprintf(out, cap, "%s/bm-posix-XXXXXX", base) >= cap)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void posix_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint16_t posix_test_port(unsigned salt)
{
    return (uint16_t)(20000 + ((unsigned)getpid() * 7u + salt * 1009u) % 40000u);
}

void posix_test_group(char *out, size_t cap, unsigned salt)
{
    unsigned v = (unsigned)getpid() * 13u + salt * 101u;
    snprintf(out, cap, "239.255.%u.%u", (v >> 8) & 0xffu, 1u + v % 254u);
}
