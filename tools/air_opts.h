/* The socket bearer options `blemesh node` and `blemesh prov` share:
 * --group, --port, --iface, --drop (docs/socket-bearer.md). */
#ifndef BM_AIR_OPTS_H
#define BM_AIR_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "bm_posix.h"

/* The option table entries, to splice into a command's table. */
#define BM_AIR_OPTS {"group", true}, {"port", true}, {"iface", true}, {"drop", true}

/* Applies one option if it is an air option: returns true then (a bad
 * value fails with exit 2), false for any other option. */
bool bm_air_opt(const char *cmd, const char *name, const char *value,
                struct bm_posix_bearer_opts *o);

/* The help lines of the air options. */
void bm_air_help(FILE *f);

#endif
