/* blemesh encode: one access or transport control message -> its network
 * PDU(s) in hex, one per line, and nothing else.
 *
 * Access: the payload is encrypted with the app or device key (upper
 * transport), then sent unsegmented when it fits one PDU (at most 15 octets
 * of upper transport PDU, Mesh Profile 3.5.2.1) or segmented into 12-octet
 * segments, segment i taking SEQ = --seq + i and every segment carrying
 * SeqZero = --seq & 0x1fff. --szmic (64-bit TransMIC) exists only in
 * segmented messages, so it implies --segmented. Control: params of at most
 * 11 octets go unsegmented, longer ones in 8-octet segments. --proxy builds
 * a proxy configuration message (Mesh Profile 6.6): CTL=1, proxy nonce, the
 * TransportPDU is opcode || params.
 *
 * Invariant: every PDU is built before anything is printed, so a failure
 * prints only one line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "cli_args.h"
#include "commands.h"
#include "net/net.h"
#include "transport/lower.h"
#include "transport/upper.h"

#define CMD "encode"
#define MAX_PARAMS (BM_ACCESS_MAX_PAYLOAD + 1)

static const struct bm_cli_opt opts[] = {
    {"netkey", true}, {"iv-index", true},   {"seq", true},    {"src", true},
    {"dst", true},    {"ttl", true},        {"appkey", true}, {"devkey", true},
    {"szmic", false}, {"segmented", false}, {"label", true},  {"ctl", false},
    {"opcode", true}, {"friend", true},     {"proxy", false}, {"help", false},
};

void bm_cli_encode_help(FILE *f)
{
    fputs("usage: blemesh encode --netkey HEX --iv-index N --seq N --src ADDR --dst ADDR\n"
          "                      --ttl N [--friend LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER]\n"
          "                      (--appkey HEX | --devkey HEX) [--szmic] [--segmented]\n"
          "                      [--label UUID] ACCESS_HEX\n"
          "   or: blemesh encode ... --ctl --opcode N [--segmented] [--proxy] [PARAMS_HEX]\n"
          "\n"
          "Builds the network PDU(s) of one message and prints them in hex, one per\n"
          "line, and nothing else.\n"
          "\n"
          "options:\n"
          "  --netkey HEX      the network key (32 hex digits); required\n"
          "  --iv-index N      the IV index to encrypt with (IVI = its LSB); required\n"
          "  --seq N           the SEQ of the (first) PDU, 0..0xffffff; segment i of a\n"
          "                    segmented message uses N+i; required\n"
          "  --src ADDR        source, a unicast address; required\n"
          "  --dst ADDR        destination; required (0x0000 only with --proxy)\n"
          "  --ttl N           0..127; required\n"
          "  --appkey HEX[:INDEX]\n"
          "                    encrypt the access payload with this application key\n"
          "                    (AKF=1, AID from k4); INDEX is accepted and ignored\n"
          "  --devkey HEX[:ADDR]\n"
          "                    encrypt with this device key (AKF=0, device nonce); ADDR\n"
          "                    is accepted and ignored\n"
          "  --szmic           64-bit TransMIC; implies --segmented\n"
          "  --segmented       send segmented even when one unsegmented PDU would do;\n"
          "                    without it a message is segmented only when needed\n"
          "                    (upper transport PDU over 15 octets, control parameters\n"
          "                    over 11 octets)\n"
          "  --label UUID      the Label UUID of a virtual --dst (32 hex digits, dashes\n"
          "                    allowed); its virtual address must equal --dst\n"
          "  --ctl             a transport control message: --opcode N (0..0x7f) and\n"
          "                    PARAMS_HEX (may be omitted when empty)\n"
          "  --opcode N        the control opcode (with --ctl)\n"
          "  --friend LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER\n"
          "                    encrypt with these friendship credentials instead of the\n"
          "                    master credentials (four 16-bit numbers)\n"
          "  --proxy           a proxy configuration message: needs --ctl, uses the\n"
          "                    proxy nonce; --opcode 0..0xff, parameters at most 11 octets\n"
          "  --help, -h        this help\n"
          "\n"
          "Numbers are decimal or 0x-prefixed hex.\n"
          "exit status: 0 printed, 2 bad command-line input (one line on stderr)\n",
          f);
}

struct enc_args {
    uint8_t net_key[BM_KEY_LEN];
    uint8_t key[BM_KEY_LEN];
    uint8_t label[16];
    bool have_netkey, have_iv, have_seq, have_src, have_dst, have_ttl, have_opcode;
    bool appkey, devkey, szmic, segmented, have_label, ctl, proxy, have_friend;
    uint32_t iv_index, seq, src, dst, ttl, opcode;
    struct bm_cli_friend friend_;
    const char *payload_arg;
};

static void parse(struct enc_args *a, int argc, char **argv, int first)
{
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, CMD, argc, argv, first, opts, sizeof opts / sizeof opts[0]);
    const char *name, *v, *suffix;
    enum bm_cli_kind kind;
    while ((kind = bm_cli_next(&it, &name, &v)) != BM_CLI_END) {
        if (kind == BM_CLI_POSITIONAL) {
            if (a->payload_arg)
                bm_cli_fail(CMD, "one payload argument expected, got more");
            a->payload_arg = v;
        } else if (strcmp(name, "help") == 0) {
            bm_cli_encode_help(stdout);
            exit(0);
        } else if (strcmp(name, "netkey") == 0) {
            if (a->have_netkey)
                bm_cli_fail(CMD, "--netkey given twice");
            bm_cli_key(CMD, "--netkey", v, strlen(v), a->net_key);
            a->have_netkey = true;
        } else if (strcmp(name, "iv-index") == 0) {
            a->iv_index = bm_cli_uint(CMD, "--iv-index", v, 0xffffffffu);
            a->have_iv = true;
        } else if (strcmp(name, "seq") == 0) {
            a->seq = bm_cli_uint(CMD, "--seq", v, BM_SEQ_MAX);
            a->have_seq = true;
        } else if (strcmp(name, "src") == 0) {
            a->src = bm_cli_uint(CMD, "--src", v, 0x7fff);
            if (a->src == 0)
                bm_cli_fail(CMD, "--src: must be a unicast address (0x0001..0x7fff)");
            a->have_src = true;
        } else if (strcmp(name, "dst") == 0) {
            a->dst = bm_cli_uint(CMD, "--dst", v, 0xffff);
            a->have_dst = true;
        } else if (strcmp(name, "ttl") == 0) {
            a->ttl = bm_cli_uint(CMD, "--ttl", v, BM_TTL_MAX);
            a->have_ttl = true;
        } else if (strcmp(name, "appkey") == 0 || strcmp(name, "devkey") == 0) {
            bool app = name[0] == 'a';
            if (a->appkey || a->devkey)
                bm_cli_fail(CMD, "give exactly one --appkey or --devkey");
            size_t klen = bm_cli_split_colon(v, &suffix);
            bm_cli_key(CMD, app ? "--appkey" : "--devkey", v, klen, a->key);
            if (suffix)
                (void)bm_cli_uint(CMD, app ? "--appkey INDEX" : "--devkey ADDR", suffix,
                                  app ? 0xfff : 0x7fff);
            a->appkey = app;
            a->devkey = !app;
        } else if (strcmp(name, "szmic") == 0) {
            a->szmic = true;
        } else if (strcmp(name, "segmented") == 0) {
            a->segmented = true;
        } else if (strcmp(name, "label") == 0) {
            if (a->have_label)
                bm_cli_fail(CMD, "--label given twice");
            bm_cli_uuid(CMD, "--label", v, a->label);
            a->have_label = true;
        } else if (strcmp(name, "ctl") == 0) {
            a->ctl = true;
        } else if (strcmp(name, "opcode") == 0) {
            a->opcode = bm_cli_uint(CMD, "--opcode", v, 0xff);
            a->have_opcode = true;
        } else if (strcmp(name, "friend") == 0) {
            if (a->have_friend)
                bm_cli_fail(CMD, "--friend given twice");
            bm_cli_friend_arg(CMD, v, &a->friend_);
            a->have_friend = true;
        } else if (strcmp(name, "proxy") == 0) {
            a->proxy = true;
        }
    }
    static const char *const req_names[] = {"--netkey", "--iv-index", "--seq",
                                            "--src",    "--dst",      "--ttl"};
    const bool req[] = {a->have_netkey, a->have_iv,  a->have_seq,
                        a->have_src,    a->have_dst, a->have_ttl};
    for (size_t k = 0; k < sizeof req / sizeof req[0]; k++) {
        if (!req[k])
            bm_cli_fail(CMD, "missing required option %s (see blemesh encode --help)",
                        req_names[k]);
    }
    if (a->ctl) {
        if (a->appkey || a->devkey || a->szmic || a->have_label)
            bm_cli_fail(CMD, "--ctl does not take --appkey, --devkey, --szmic or --label");
        if (!a->have_opcode)
            bm_cli_fail(CMD, "missing required option --opcode (with --ctl)");
        if (!a->proxy && a->opcode > 0x7f)
            bm_cli_fail(CMD, "--opcode: a transport control opcode is 0..0x7f");
    } else {
        if (a->proxy)
            bm_cli_fail(CMD, "--proxy needs --ctl (proxy configuration messages are CTL=1)");
        if (a->have_opcode)
            bm_cli_fail(CMD, "--opcode needs --ctl (an access opcode is part of ACCESS_HEX)");
        if (!a->appkey && !a->devkey)
            bm_cli_fail(CMD, "missing required option --appkey or --devkey (or --ctl)");
        if (a->payload_arg == NULL)
            bm_cli_fail(CMD, "missing ACCESS_HEX (see blemesh encode --help)");
    }
    if (a->proxy && a->segmented)
        bm_cli_fail(CMD, "--proxy messages are never segmented");
    if (a->dst == BM_ADDR_UNASSIGNED && !a->proxy)
        bm_cli_fail(CMD, "--dst: 0x0000 (unassigned) is only valid with --proxy");
    if (a->have_label) {
        uint16_t va;
        int r = bm_crypto_virtual_addr(a->label, &va);
        if (r != 0)
            bm_cli_fail(CMD, "--label: cannot hash the Label UUID: %s", bm_strerror(r));
        if (va != a->dst)
            bm_cli_fail(CMD, "--label: its virtual address is 0x%04x, not --dst 0x%04x", va,
                        (unsigned)a->dst);
    } else if (!a->ctl && bm_addr_is_virtual((uint16_t)a->dst)) {
        bm_cli_fail(CMD, "--dst 0x%04x is a virtual address: give its --label", (unsigned)a->dst);
    }
}

/* The network PDUs built, printed only when all succeeded. */
struct out_pdus {
    uint8_t pdu[BM_CFG_MAX_SEGMENTS][BM_NET_MAX_PDU_LEN];
    size_t len[BM_CFG_MAX_SEGMENTS];
    size_t count;
};

static void net_out(const struct enc_args *a, const struct bm_net_creds *c, uint32_t seq,
                    const uint8_t *transport, size_t transport_len, struct out_pdus *o)
{
    struct bm_net_hdr hdr = {
        .ctl = a->ctl ? 1 : 0,
        .ttl = (uint8_t)a->ttl,
        .seq = seq,
        .src = (uint16_t)a->src,
        .dst = (uint16_t)a->dst,
    };
    int r = bm_net_encode(c, a->iv_index, a->proxy ? BM_NET_NONCE_PROXY : BM_NET_NONCE_NETWORK,
                          &hdr, transport, transport_len, o->pdu[o->count], BM_NET_MAX_PDU_LEN,
                          &o->len[o->count]);
    if (r != 0)
        bm_cli_fail(CMD, "cannot build the network PDU: %s", bm_strerror(r));
    o->count++;
}

static void lower_out(const struct enc_args *a, const struct bm_net_creds *c,
                      struct bm_lower_hdr *lh, const uint8_t *upper, size_t upper_len,
                      bool segmented, struct out_pdus *o)
{
    uint8_t lower[BM_NET_MAX_TRANSPORT];
    size_t lower_len;
    int r;
    if (!segmented) {
        lh->seg = 0;
        r = bm_lower_build(lh, upper, upper_len, lower, sizeof lower, &lower_len);
        if (r != 0)
            bm_cli_fail(CMD, "cannot build the lower transport PDU: %s", bm_strerror(r));
        net_out(a, c, a->seq, lower, lower_len, o);
        return;
    }
    int n = bm_lower_seg_count(lh->ctl, upper_len);
    if (n < 0)
        bm_cli_fail(CMD, "payload too long for a segmented message (%zu octets)", upper_len);
    if (a->seq + (uint32_t)n - 1 > BM_SEQ_MAX)
        bm_cli_fail(CMD, "--seq: %d segments would run past SEQ 0xffffff", n);
    lh->seg = 1;
    lh->seq_zero = bm_lower_seq_zero(a->seq);
    for (int i = 0; i < n; i++) {
        r = bm_lower_segment(lh, upper, upper_len, (uint8_t)i, lower, sizeof lower, &lower_len);
        if (r != 0)
            bm_cli_fail(CMD, "cannot build segment %d: %s", i, bm_strerror(r));
        net_out(a, c, a->seq + (uint32_t)i, lower, lower_len, o);
    }
}

int bm_cli_encode(int argc, char **argv, int first)
{
    struct enc_args a;
    memset(&a, 0, sizeof a);
    parse(&a, argc, argv, first);

    uint8_t payload[MAX_PARAMS];
    size_t payload_len = 0;
    if (a.payload_arg && a.payload_arg[0] != '\0') {
        int n = bm_cli_parse_hex(a.payload_arg, strlen(a.payload_arg), payload, sizeof payload);
        if (n < 0)
            bm_cli_fail(CMD, "%s: %s", a.ctl ? "PARAMS_HEX" : "ACCESS_HEX", bm_cli_hex_reason(n));
        payload_len = (size_t)n;
    }

    struct bm_net_creds c;
    int r;
    if (a.have_friend)
        r = bm_net_creds_friend(&c, a.net_key, a.friend_.lpn_addr, a.friend_.friend_addr,
                                a.friend_.lpn_counter, a.friend_.friend_counter);
    else
        r = bm_net_creds_master(&c, a.net_key);
    bm_crypto_wipe(a.net_key, sizeof a.net_key);
    if (r != 0) {
        fprintf(stderr, "blemesh " CMD ": cannot derive network credentials: %s\n", bm_strerror(r));
        return 1;
    }

    struct out_pdus out;
    struct out_pdus *o = &out;
    memset(o, 0, sizeof *o);
    struct bm_lower_hdr lh;
    memset(&lh, 0, sizeof lh);
    if (a.proxy) {
        /* Mesh Profile 6.6: the TransportPDU is Opcode (8 bits) || Parameters. */
        if (payload_len > BM_LOWER_UNSEG_CTL_MAX)
            bm_cli_fail(CMD,
                        "PARAMS_HEX: a proxy configuration message carries at most %d "
                        "octets of parameters",
                        BM_LOWER_UNSEG_CTL_MAX);
        uint8_t t[1 + BM_LOWER_UNSEG_CTL_MAX];
        t[0] = (uint8_t)a.opcode;
        memcpy(t + 1, payload, payload_len);
        net_out(&a, &c, a.seq, t, 1 + payload_len, o);
    } else if (a.ctl) {
        lh.ctl = 1;
        lh.opcode = (uint8_t)a.opcode;
        bool seg = a.segmented || payload_len > BM_LOWER_UNSEG_CTL_MAX;
        lower_out(&a, &c, &lh, payload, payload_len, seg, o);
    } else {
        if (payload_len == 0)
            bm_cli_fail(CMD, "ACCESS_HEX: an access payload has at least one octet");
        if (payload_len > BM_ACCESS_MAX_PAYLOAD)
            bm_cli_fail(CMD, "ACCESS_HEX: at most %d octets", BM_ACCESS_MAX_PAYLOAD);
        lh.akf = a.appkey ? 1 : 0;
        if (a.appkey) {
            r = bm_crypto_k4(a.key, &lh.aid);
            if (r != 0)
                bm_cli_fail(CMD, "--appkey: cannot derive the AID: %s", bm_strerror(r));
        }
        lh.szmic = a.szmic ? 1 : 0;
        struct bm_upper_params p = {
            .dev_key = a.devkey,
            .szmic = lh.szmic,
            .seq = a.seq,
            .src = (uint16_t)a.src,
            .dst = (uint16_t)a.dst,
            .iv_index = a.iv_index,
            .label = a.have_label ? a.label : NULL,
        };
        uint8_t upper[BM_ACCESS_MAX_PAYLOAD + BM_TRANSMIC_LONG];
        size_t upper_len;
        r = bm_upper_encrypt(a.key, &p, payload, payload_len, upper, sizeof upper, &upper_len);
        bm_crypto_wipe(a.key, sizeof a.key);
        if (r != 0)
            bm_cli_fail(CMD, "cannot encrypt the access payload: %s", bm_strerror(r));
        bool seg = a.segmented || a.szmic || upper_len > BM_LOWER_UNSEG_ACCESS_MAX;
        lower_out(&a, &c, &lh, upper, upper_len, seg, o);
    }
    bm_crypto_wipe(&c, sizeof c);

    char line[2 * BM_NET_MAX_PDU_LEN + 1];
    for (size_t k = 0; k < o->count; k++) {
        bm_cli_hex_str(o->pdu[k], o->len[k], line);
        puts(line);
    }
    return 0;
}
