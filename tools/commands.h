/* The commands of the blemesh tool, called by main.c. Each run_* takes the
 * argv of its command (argv[first] is the first argument after the command
 * name) and returns the process exit status: 0 success, 1 a PDU or beacon
 * that does not decode or verify, 2 bad command-line input. Each *_help
 * prints that command's full help. */
#ifndef BM_CLI_COMMANDS_H
#define BM_CLI_COMMANDS_H

#include <stdio.h>

int bm_cli_decode(int argc, char **argv, int first);
void bm_cli_decode_help(FILE *f);

int bm_cli_encode(int argc, char **argv, int first);
void bm_cli_encode_help(FILE *f);

int bm_cli_beacon(int argc, char **argv, int first);
void bm_cli_beacon_help(FILE *f);

int bm_cli_demo(int argc, char **argv, int first);
void bm_cli_demo_help(FILE *f);

int bm_cli_node(int argc, char **argv, int first);
void bm_cli_node_help(FILE *f);

int bm_cli_prov(int argc, char **argv, int first);
void bm_cli_prov_help(FILE *f);

#endif
