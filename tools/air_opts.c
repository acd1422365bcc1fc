/* The shared socket bearer options (see air_opts.h). */
#include "air_opts.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"

bool bm_air_opt(const char *cmd, const char *name, const char *value,
                struct bm_posix_bearer_opts *o)
{
    struct in_addr a;
    if (strcmp(name, "group") == 0) {
        if (inet_pton(AF_INET, value, &a) != 1 || (ntohl(a.s_addr) >> 28) != 0xe)
            bm_cli_fail(cmd, "--group: expected an IPv4 multicast address (224.0.0.0/4)");
        o->group = value;
    } else if (strcmp(name, "port") == 0) {
        o->port = (uint16_t)bm_cli_uint(cmd, "--port", value, 65535);
        if (o->port == 0)
            bm_cli_fail(cmd, "--port: expected 1..65535");
    } else if (strcmp(name, "iface") == 0) {
        if (inet_pton(AF_INET, value, &a) != 1)
            bm_cli_fail(cmd, "--iface: expected the IPv4 address of an interface");
        o->iface = value;
    } else if (strcmp(name, "drop") == 0) {
        char *end;
        double d = strtod(value, &end);
        if (*value == 0 || *end != 0 || !(d >= 0.0 && d <= 1.0))
            bm_cli_fail(cmd, "--drop: expected a fraction from 0 to 1");
        o->drop_rate = d;
    } else {
        return false;
    }
    return true;
}

void bm_air_help(FILE *f)
{
    fprintf(f,
            "air (socket bearer, docs/socket-bearer.md):\n"
            "  --group ADDR    IPv4 multicast group (default %s)\n"
            "  --port N        UDP port (default %u)\n"
            "  --iface ADDR    IPv4 address of the interface (default %s)\n"
            "  --drop P        drop this fraction of received advertisements, 0..1 (tests)\n",
            BM_POSIX_DEFAULT_GROUP, (unsigned)BM_POSIX_DEFAULT_PORT, BM_POSIX_DEFAULT_IFACE);
}
