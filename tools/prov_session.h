/* One `blemesh prov` invocation: the database loaded, the provisioner's
 * node on the air (its own state in FILE.d/, locked while we run), the
 * request in flight, and the output conventions (text or --json). Shared
 * by cmd_prov.c (network, scan, provision) and prov_cfg.c (configuration
 * and models). */
#ifndef BM_PROV_SESSION_H
#define BM_PROV_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "blemesh/blemesh.h"
#include "blemesh/cfg_client.h"
#include "blemesh/provisioner.h"
#include "bm_posix.h"
#include "cdb.h"

/* Exit statuses: 0 done, 1 the network said no or did not answer, 2 bad
 * command-line input. */
#define PROV_EXIT_FAIL 1

/* The provisioner's own name on the air and in the database. */
#define PROV_NODE_NAME "blemesh-prov"
/* A provisioner whose store was lost resumes this far above the sequence
 * number the database last recorded: more than one invocation sends. */
#define PROV_SEQ_MARGIN 10000u

struct prov_opts {
    const char *db_path;
    bool json, verbose;
    struct bm_posix_bearer_opts air;
    /* command options */
    const char *oob_value;
    const char *name;
    uint32_t app_idx;
    int element; /* -1: the node's primary element */
    int ttl;     /* -1: not given */
    uint32_t period_ms;
    int retx_count, retx_interval_ms; /* -1: not given */
    int count, interval_ms;           /* relay retransmit, -1: not given */
    uint32_t scan_s;
    uint32_t timeout_s;
    bool force;
};

struct prov_session {
    const struct prov_opts *o;
    struct cdb *db;
    char store_dir[4200];
    struct bm_posix *px;
    struct bm_platform plat; /* the port's hooks, with our log hook */
    const struct bm_platform *base;
    struct bm_node *node;
    void *mem;
    struct bm_model *onoff_cli, *level_cli;
    bool creating;
    /* the request in flight */
    bool waiting;
    bool oob_needed;
    struct bm_provision_result prov;
    struct bm_cfg_rsp rsp;
    uint8_t raw[32]; /* the Status's first parameters (rsp.raw points here) */
    struct bm_model_event_info mev;
    uint16_t mev_src; /* the only source whose Status ends the wait (0: any) */
    bool progress; /* show the stack's provisioning events as progress */
};

/* Opens the session: takes the lock on FILE.d, loads the database (unless
 * creating), brings the provisioner node up. On failure prints one line
 * and returns the exit status to use (non-zero). */
int prov_open(struct prov_session *s, const struct prov_opts *o, bool creating);
/* Lets queued transmissions go out, records the sequence number, saves
 * the database when save is true, and closes everything. Returns 0 or
 * PROV_EXIT_FAIL (the save failed, with a line on stderr). */
int prov_close(struct prov_session *s, bool save);
/* Runs the air until the request in flight ends (s->waiting false), an
 * Output OOB value is needed, a signal arrives or timeout_ms passes.
 * Returns 0, BM_ETIMEOUT, or BM_ESTATE when a signal interrupted. */
int prov_wait(struct prov_session *s, uint32_t timeout_ms);
/* Saves the database now (crash safety between steps). */
int prov_save(struct prov_session *s);

/* One error line "blemesh prov <cmd>: ..." on stderr. Returns
 * PROV_EXIT_FAIL. */
int prov_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parses an address (decimal or 0x hex, 1..0xffff). */
uint16_t prov_addr_arg(const char *cmd, const char *what, const char *s);

/* The commands of prov_cfg.c; args are the positionals after the
 * command name. */
int prov_cmd_config(const struct prov_opts *o, int argc, char **args);
int prov_cmd_onoff(const struct prov_opts *o, int argc, char **args);
int prov_cmd_level(const struct prov_opts *o, int argc, char **args);

#endif
