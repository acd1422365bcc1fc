/* blemesh: the command-line tool. Dispatches to the commands (decode,
 * encode, beacon, demo, node, prov) and prints the general help and the version. Exit status
 * everywhere: 0 ok, 1 something given did not decode or verify, 2 bad
 * command-line input (one line on stderr). */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"

/* Kept in step with project(blemesh VERSION ...) in CMakeLists.txt. */
#define BM_CLI_VERSION "0.1.0"

static void usage(FILE *f)
{
    fputs("usage: blemesh <command> [options] [arguments]\n"
          "\n"
          "Bluetooth Mesh (Mesh Profile 1.0.1) PDU tool.\n"
          "\n"
          "commands:\n"
          "  demo            a whole mesh in the simulated air: provisioning,\n"
          "                  configuration, a switch turning lights on and off\n"
          "  decode          decode network PDUs (hex) into JSON lines, reassembling\n"
          "                  segmented messages\n"
          "  encode          build the network PDU(s) of an access or control message\n"
          "  beacon encode   build a secure network beacon\n"
          "  beacon decode   verify and decode secure network / unprovisioned device\n"
          "                  beacons\n"
          "  node            run a mesh device on the socket bearer, state in a directory\n"
          "  prov            a provisioner on the socket bearer: create, scan, provision,\n"
          "                  config, onoff, level; network in a Mesh Configuration Database\n"
          "  help <command>  the help of a command (also: blemesh <command> --help)\n"
          "\n"
          "options:\n"
          "  --help, -h      this help\n"
          "  --version       the version\n"
          "\n"
          "Numbers are decimal or 0x-prefixed hex; byte strings are hex. Keys are never\n"
          "printed. exit status: 0 ok, 1 something did not decode or verify, 2 bad\n"
          "command-line input.\n",
          f);
}

/* The help of one command, or -1 if there is no such command. */
static int command_help(const char *cmd)
{
    if (strcmp(cmd, "demo") == 0)
        bm_cli_demo_help(stdout);
    else if (strcmp(cmd, "decode") == 0)
        bm_cli_decode_help(stdout);
    else if (strcmp(cmd, "encode") == 0)
        bm_cli_encode_help(stdout);
    else if (strcmp(cmd, "beacon") == 0)
        bm_cli_beacon_help(stdout);
    else if (strcmp(cmd, "node") == 0)
        bm_cli_node_help(stdout);
    else if (strcmp(cmd, "prov") == 0)
        bm_cli_prov_help(stdout);
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BM_CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("blemesh " BM_CLI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        if (command_help(argv[2]) != 0)
            bm_cli_fail("help", "unknown command \"%s\" (commands: demo, decode, encode, beacon, node, prov)",
                        bm_cli_echo_ok(argv[2], strlen(argv[2])) ? argv[2] : "...");
        return 0;
    }
    if (strcmp(cmd, "demo") == 0)
        return bm_cli_demo(argc, argv, 2);
    if (strcmp(cmd, "decode") == 0)
        return bm_cli_decode(argc, argv, 2);
    if (strcmp(cmd, "encode") == 0)
        return bm_cli_encode(argc, argv, 2);
    if (strcmp(cmd, "beacon") == 0)
        return bm_cli_beacon(argc, argv, 2);
    if (strcmp(cmd, "node") == 0)
        return bm_cli_node(argc, argv, 2);
    if (strcmp(cmd, "prov") == 0)
        return bm_cli_prov(argc, argv, 2);
    if (cmd[0] == '-')
        fprintf(stderr, "blemesh: unknown option (see blemesh --help)\n");
    else
        fprintf(stderr, "blemesh: unknown command \"%s\" (see blemesh --help)\n",
                bm_cli_echo_ok(cmd, strlen(cmd)) ? cmd : "...");
    return BM_CLI_EXIT_USAGE;
}
