/* blemesh decode: network PDUs in hex -> one JSON object per message.
 *
 * Each PDU is deobfuscated and decrypted with every network credential
 * (master, and friendship ones from --friend) whose NID matches, using the
 * IV index rule of Mesh Profile 3.10.5 (IVI == LSB of --iv-index: that
 * index, else the one before). Unsegmented PDUs print at once. Segments are
 * grouped per message by (SRC, DST, CTL, SeqAuth) and each group is fed to
 * its own lower transport reassembly pool, so any number of messages may be
 * interleaved on the command line; a message prints when its last missing
 * segment arrives, and messages still incomplete print at the end.
 *
 * Invariant: nothing is printed before every argument has been checked, so
 * bad input exits 2 with stderr only; a PDU that does not decode prints an
 * object with "error" and makes the exit status 1. Keys are never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "blemesh/errors.h"
#include "cli_args.h"
#include "commands.h"
#include "json_out.h"
#include "net/net.h"
#include "transport/lower.h"
#include "transport/upper.h"

#define CMD "decode"
/* Longest PDU argument decoded (longer ones are reported as malformed). */
#define MAX_PDU_ARG 64

struct creds {
    struct bm_net_creds c;
    bool friendship;
};

/* One network PDU that passed the network layer. */
struct pdu_rx {
    int arg; /* 1-based position among the PDU arguments */
    struct bm_net_hdr hdr;
    uint32_t iv_index;
    bool friendship;
    uint8_t net_mic[BM_NET_MIC_CTL];
    size_t mic_len;
    uint8_t transport[BM_NET_MAX_TRANSPORT];
    size_t transport_len;
    struct bm_lower_hdr lh;
};

/* One segmented message, collected from its segments. */
struct seg_msg {
    uint16_t src, dst;
    uint8_t ctl;
    uint32_t first_seq; /* SeqAuth's SEQ: the SEQ segment 0 was first sent with */
    uint32_t iv_index;
    bool done;
    struct bm_reasm_pool pool;
    struct pdu_rx *segs;
    size_t nseg, cap;
};

struct decoder {
    uint32_t iv_index;
    bool proxy;
    struct creds *creds;
    size_t ncreds;
    struct bm_upper_appkey *app;
    size_t napp;
    struct bm_upper_devkey *dev; /* dev[k].key = dev_keys[k], set once all are read */
    uint8_t (*dev_keys)[BM_KEY_LEN];
    size_t ndev;
    uint8_t (*labels)[16];
    uint16_t *label_addr;
    size_t nlabels;
    struct bm_upper_keyring ring;
    struct seg_msg **msgs;
    size_t nmsgs;
    int status;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "blemesh " CMD ": out of memory\n");
        exit(1);
    }
    return q;
}

static void put_hdr(struct bm_jw *w, const struct pdu_rx *p, uint32_t seq)
{
    bm_jw_uint(w, "ivi", p->hdr.ivi);
    bm_jw_uint(w, "nid", p->hdr.nid);
    bm_jw_uint(w, "ctl", p->hdr.ctl);
    bm_jw_uint(w, "ttl", p->hdr.ttl);
    bm_jw_uint(w, "seq", seq);
    bm_jw_uint(w, "src", p->hdr.src);
    bm_jw_uint(w, "dst", p->hdr.dst);
    bm_jw_uint(w, "iv_index", p->iv_index);
    bm_jw_str(w, "credentials", p->friendship ? "friendship" : "master");
    bm_jw_hex(w, "net_mic", p->net_mic, p->mic_len);
}

static void put_error(struct decoder *d, struct bm_jw *w, const char *reason)
{
    bm_jw_str(w, "error", reason);
    d->status = 1;
}

/* Explains a failed bm_upper_decrypt_any() in the words of the issue. */
static void no_key_reason(const struct decoder *d, uint8_t akf, uint8_t aid, uint16_t src,
                          uint16_t dst, char *out, size_t n)
{
    if (akf) {
        bool have_aid = false;
        for (size_t k = 0; k < d->napp; k++)
            have_aid |= d->app[k].aid == aid;
        if (!have_aid) {
            snprintf(out, n, "no key for AID 0x%02x", aid);
            return;
        }
    } else {
        bool have_dev = false;
        for (size_t k = 0; k < d->ndev; k++)
            have_dev |= d->dev[k].addr == src || d->dev[k].addr == dst;
        if (!have_dev) {
            snprintf(out, n, "no device key for 0x%04x or 0x%04x", src, dst);
            return;
        }
    }
    if (bm_addr_is_virtual(dst)) {
        bool have_label = false;
        for (size_t k = 0; k < d->nlabels; k++)
            have_label |= d->label_addr[k] == dst;
        if (!have_label) {
            snprintf(out, n, "no label UUID for virtual address 0x%04x", dst);
            return;
        }
    }
    snprintf(out, n, "no matching key");
}

/* Prints the upper transport and access fields of a complete message and
 * returns NULL, or returns the reason it does not decode (written to buf). */
static const char *put_upper(struct decoder *d, struct bm_jw *w, const struct bm_lower_hdr *lh,
                             uint16_t src, uint16_t dst, uint32_t first_seq, uint32_t iv_index,
                             const uint8_t *upper, size_t upper_len, char *buf, size_t n)
{
    if (lh->ctl) {
        char op[3];
        snprintf(op, sizeof op, "%02x", lh->opcode);
        bm_jw_str(w, "opcode", op);
        bm_jw_hex(w, "params", upper, upper_len);
        if (lh->opcode == BM_CTL_OP_SEG_ACK && !lh->seg) {
            struct bm_seg_ack ack;
            int r = bm_lower_ack_decode(upper, upper_len, &ack);
            if (r != 0) {
                snprintf(buf, n, "malformed Segment Acknowledgment: %s", bm_strerror(r));
                return buf;
            }
            bm_jw_obj_key_begin(w, "seg_ack");
            bm_jw_uint(w, "obo", ack.obo);
            bm_jw_uint(w, "seq_zero", ack.seq_zero);
            bm_jw_uint(w, "block_ack", ack.block_ack);
            bm_jw_obj_end(w);
        }
        return NULL;
    }
    bm_jw_uint(w, "akf", lh->akf);
    bm_jw_uint(w, "aid", lh->aid);
    bm_jw_uint(w, "szmic", lh->seg ? lh->szmic : 0);

    struct bm_upper_params p = {
        .szmic = lh->seg ? lh->szmic : 0,
        .seq = first_seq,
        .src = src,
        .dst = dst,
        .iv_index = iv_index,
    };
    uint8_t access[BM_ACCESS_MAX_PAYLOAD + BM_TRANSMIC_LONG];
    size_t access_len = 0;
    struct bm_upper_match m;
    memset(&m, 0, sizeof m);
    int r = bm_upper_decrypt_any(&d->ring, lh->akf, lh->aid, p, upper, upper_len, access,
                                 sizeof access, &access_len, &m);
    if (r == BM_ENOKEY) {
        no_key_reason(d, lh->akf, lh->aid, src, dst, buf, n);
        return buf;
    }
    if (r == BM_EAUTH) {
        snprintf(buf, n, "TransMIC does not verify with any %s",
                 lh->akf ? "application key of this AID" : "device key of SRC or DST");
        return buf;
    }
    if (r != 0) {
        snprintf(buf, n, "upper transport PDU does not decrypt: %s", bm_strerror(r));
        return buf;
    }
    char key[24];
    if (m.dev_key)
        snprintf(key, sizeof key, "dev:0x%04x", m.index);
    else
        snprintf(key, sizeof key, "app:%u", (unsigned)m.index);
    bm_jw_str(w, "key", key);
    bm_jw_hex(w, "access", access, access_len);

    uint32_t opcode;
    const uint8_t *params;
    size_t params_len;
    r = bm_access_parse(access, access_len, &opcode, &params, &params_len);
    if (r != 0) {
        snprintf(buf, n, "malformed access payload: %s", bm_strerror(r));
        return buf;
    }
    /* The opcode's own octets, exactly as sent (1-3 of them). */
    size_t op_len = (size_t)(params - access);
    bm_jw_hex(w, "opcode", access, op_len);
    bm_jw_hex(w, "params", params, params_len);
    return NULL;
}

static void print_unsegmented(struct decoder *d, const struct pdu_rx *p, const uint8_t *payload,
                              size_t payload_len)
{
    struct bm_jw w;
    char buf[96];
    bm_jw_begin(&w, stdout);
    bm_jw_uint(&w, "pdu", (uint32_t)p->arg);
    put_hdr(&w, p, p->hdr.seq);
    bm_jw_hex(&w, "transport_pdu", p->transport, p->transport_len);
    bm_jw_uint(&w, "seg", 0);
    bm_jw_hex(&w, "upper_transport_pdu", payload, payload_len);
    const char *err = put_upper(d, &w, &p->lh, p->hdr.src, p->hdr.dst, p->hdr.seq, p->iv_index,
                                payload, payload_len, buf, sizeof buf);
    if (err)
        put_error(d, &w, err);
    bm_jw_end(&w);
}

/* Proxy configuration messages (Mesh Profile 6.6) carry opcode || params
 * directly as the TransportPDU: no lower or upper transport. */
static void print_proxy(struct decoder *d, const struct pdu_rx *p)
{
    struct bm_jw w;
    bm_jw_begin(&w, stdout);
    bm_jw_uint(&w, "pdu", (uint32_t)p->arg);
    put_hdr(&w, p, p->hdr.seq);
    bm_jw_hex(&w, "transport_pdu", p->transport, p->transport_len);
    if (p->hdr.ctl != 1) {
        put_error(d, &w, "proxy configuration message with CTL=0");
    } else {
        char op[3];
        snprintf(op, sizeof op, "%02x", p->transport[0]);
        bm_jw_str(&w, "opcode", op);
        bm_jw_hex(&w, "params", p->transport + 1, p->transport_len - 1);
    }
    bm_jw_end(&w);
}

static const struct pdu_rx *seg_head(const struct seg_msg *g)
{
    for (size_t k = 0; k < g->nseg; k++) {
        if (g->segs[k].lh.seg_o == 0)
            return &g->segs[k];
    }
    return &g->segs[0];
}

/* Prints a segmented message: complete (upper != NULL) or not. */
static void print_segmented(struct decoder *d, const struct seg_msg *g, const uint8_t *upper,
                            size_t upper_len)
{
    const struct pdu_rx *h = seg_head(g);
    struct bm_jw w;
    char buf[96];
    bm_jw_begin(&w, stdout);
    put_hdr(&w, h, g->first_seq);
    if (upper)
        bm_jw_hex(&w, "transport_pdu", upper, upper_len);
    bm_jw_uint(&w, "seg", 1);
    bm_jw_uint(&w, "seq_zero", h->lh.seq_zero);
    bm_jw_uint(&w, "seg_n", h->lh.seg_n);
    const char *err = NULL;
    if (upper) {
        bm_jw_hex(&w, "upper_transport_pdu", upper, upper_len);
        err = put_upper(d, &w, &h->lh, g->src, g->dst, g->first_seq, g->iv_index, upper, upper_len,
                        buf, sizeof buf);
    } else {
        uint32_t have = 0;
        for (size_t k = 0; k < g->nseg; k++)
            have |= 1u << g->segs[k].lh.seg_o;
        unsigned count = 0;
        for (; have; have &= have - 1)
            count++;
        snprintf(buf, sizeof buf, "incomplete segmented message: %u of %u segments", count,
                 (unsigned)h->lh.seg_n + 1);
        err = buf;
    }
    bm_jw_array_begin(&w, "segments");
    for (size_t k = 0; k < g->nseg; k++) {
        const struct pdu_rx *s = &g->segs[k];
        bm_jw_obj_begin(&w);
        bm_jw_uint(&w, "pdu", (uint32_t)s->arg);
        bm_jw_uint(&w, "seq", s->hdr.seq);
        bm_jw_uint(&w, "ttl", s->hdr.ttl);
        bm_jw_uint(&w, "seg_o", s->lh.seg_o);
        bm_jw_hex(&w, "net_mic", s->net_mic, s->mic_len);
        bm_jw_hex(&w, "transport_pdu", s->transport, s->transport_len);
        bm_jw_obj_end(&w);
    }
    bm_jw_array_end(&w);
    if (err)
        put_error(d, &w, err);
    bm_jw_end(&w);
}

static void print_pdu_error(struct decoder *d, const struct pdu_rx *p, const char *reason)
{
    struct bm_jw w;
    bm_jw_begin(&w, stdout);
    bm_jw_uint(&w, "pdu", (uint32_t)p->arg);
    put_hdr(&w, p, p->hdr.seq);
    bm_jw_hex(&w, "transport_pdu", p->transport, p->transport_len);
    put_error(d, &w, reason);
    bm_jw_end(&w);
}

static struct seg_msg *find_msg(struct decoder *d, const struct pdu_rx *p, uint32_t first_seq)
{
    for (size_t k = 0; k < d->nmsgs; k++) {
        struct seg_msg *g = d->msgs[k];
        if (g->src == p->hdr.src && g->dst == p->hdr.dst && g->ctl == p->hdr.ctl &&
            g->first_seq == first_seq && g->iv_index == p->iv_index)
            return g;
    }
    struct seg_msg *g = xrealloc(NULL, sizeof *g);
    memset(g, 0, sizeof *g);
    g->src = p->hdr.src;
    g->dst = p->hdr.dst;
    g->ctl = p->hdr.ctl;
    g->first_seq = first_seq;
    g->iv_index = p->iv_index;
    bm_lower_reasm_init(&g->pool);
    d->msgs = xrealloc(d->msgs, (d->nmsgs + 1) * sizeof(struct seg_msg *));
    d->msgs[d->nmsgs++] = g;
    return g;
}

static void rx_segment(struct decoder *d, const struct pdu_rx *p, const uint8_t *payload,
                       size_t payload_len)
{
    uint32_t first_seq = bm_lower_first_seq(p->hdr.seq, p->lh.seq_zero);
    struct seg_msg *g = find_msg(d, p, first_seq);
    if (g->done) {
        /* A retransmitted segment of a message already printed. */
        struct bm_jw w;
        bm_jw_begin(&w, stdout);
        bm_jw_uint(&w, "pdu", (uint32_t)p->arg);
        put_hdr(&w, p, p->hdr.seq);
        bm_jw_hex(&w, "transport_pdu", p->transport, p->transport_len);
        bm_jw_uint(&w, "seg", 1);
        bm_jw_uint(&w, "seg_o", p->lh.seg_o);
        bm_jw_bool(&w, "duplicate", true);
        bm_jw_end(&w);
        return;
    }
    struct bm_lower_msg msg = {.hdr = p->lh,
                               .src = p->hdr.src,
                               .dst = p->hdr.dst,
                               .ttl = p->hdr.ttl,
                               .seq = p->hdr.seq,
                               .iv_index = p->iv_index,
                               .upper = payload,
                               .upper_len = payload_len};
    int r = bm_lower_reasm_rx(&g->pool, &msg, 0, &msg);
    if (r != 0 && r != BM_EINCOMPLETE) {
        char buf[96];
        snprintf(buf, sizeof buf, "segment does not fit its message: %s", bm_strerror(r));
        print_pdu_error(d, p, buf);
        return;
    }
    if (g->nseg == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 4;
        g->segs = xrealloc(g->segs, g->cap * sizeof *g->segs);
    }
    g->segs[g->nseg++] = *p;
    if (r == 0) {
        g->done = true;
        print_segmented(d, g, msg.upper, msg.upper_len);
    }
}

static void rx_pdu(struct decoder *d, int arg, const uint8_t *pdu, size_t len)
{
    struct pdu_rx p;
    memset(&p, 0, sizeof p);
    p.arg = arg;
    struct bm_jw w;
    const char *reason = NULL;
    char buf[96];
    int last = BM_ENOKEY;

    if (len < BM_NET_MIN_PDU_LEN || len > BM_NET_MAX_PDU_LEN) {
        snprintf(buf, sizeof buf, "malformed network PDU: %zu octets (%d..%d)", len,
                 BM_NET_MIN_PDU_LEN, BM_NET_MAX_PDU_LEN);
        reason = buf;
    } else {
        uint8_t ivi = pdu[0] >> 7, nid = pdu[0] & 0x7f;
        /* Mesh Profile 3.10.5: a PDU whose IVI differs from the LSB of the
         * current IV index was sent with the previous one. */
        if ((d->iv_index & 1) == ivi) {
            p.iv_index = d->iv_index;
        } else if (d->iv_index == 0) {
            reason = "IVI 1 cannot precede --iv-index 0";
        } else {
            p.iv_index = d->iv_index - 1;
        }
        for (size_t k = 0; reason == NULL && k < d->ncreds; k++) {
            if (d->creds[k].c.nid != nid)
                continue;
            last = bm_net_decode(&d->creds[k].c, p.iv_index,
                                 d->proxy ? BM_NET_NONCE_PROXY : BM_NET_NONCE_NETWORK, pdu, len,
                                 &p.hdr, p.transport, &p.transport_len);
            if (last == 0) {
                p.friendship = d->creds[k].friendship;
                break;
            }
        }
        if (reason == NULL && last == BM_ENOKEY) {
            snprintf(buf, sizeof buf, "no network key for NID 0x%02x", nid);
            reason = buf;
        } else if (reason == NULL && last == BM_EAUTH) {
            reason = "NetMIC does not verify";
        } else if (reason == NULL && last != 0) {
            snprintf(buf, sizeof buf, "network PDU does not decode: %s", bm_strerror(last));
            reason = buf;
        }
    }
    if (reason) {
        bm_jw_begin(&w, stdout);
        bm_jw_uint(&w, "pdu", (uint32_t)arg);
        if (len > 0 && len <= MAX_PDU_ARG) {
            bm_jw_uint(&w, "ivi", pdu[0] >> 7);
            bm_jw_uint(&w, "nid", pdu[0] & 0x7f);
        }
        put_error(d, &w, reason);
        bm_jw_end(&w);
        return;
    }
    p.mic_len = p.hdr.ctl ? BM_NET_MIC_CTL : BM_NET_MIC_ACCESS;
    memcpy(p.net_mic, pdu + len - p.mic_len, p.mic_len);

    if (d->proxy) {
        print_proxy(d, &p);
        return;
    }
    const uint8_t *payload;
    size_t payload_len;
    int r = bm_lower_parse(p.hdr.ctl, p.transport, p.transport_len, &p.lh, &payload, &payload_len);
    if (r != 0) {
        print_pdu_error(d, &p, "malformed lower transport PDU");
        return;
    }
    p.lh.ctl = p.hdr.ctl;
    if (p.lh.seg)
        rx_segment(d, &p, payload, payload_len);
    else
        print_unsegmented(d, &p, payload, payload_len);
}

static const struct bm_cli_opt opts[] = {
    {"netkey", true}, {"iv-index", true}, {"appkey", true}, {"devkey", true},
    {"label", true},  {"friend", true},   {"proxy", false}, {"help", false},
};

void bm_cli_decode_help(FILE *f)
{
    fputs("usage: blemesh decode --netkey HEX --iv-index N [--appkey HEX[:INDEX]]...\n"
          "                      [--devkey HEX:ADDR]... [--label UUID]...\n"
          "                      [--friend LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER]... [--proxy]\n"
          "                      PDU...\n"
          "\n"
          "Decodes network PDUs (hex) and prints one JSON object per line for each\n"
          "message. The segments of a segmented message, given together in any order,\n"
          "are reassembled into one message.\n"
          "\n"
          "options:\n"
          "  --netkey HEX      the network key (32 hex digits); required\n"
          "  --iv-index N      the current IV index; required. A PDU whose IVI differs\n"
          "                    from the LSB of N is decoded with N-1 (Mesh Profile 3.10.5)\n"
          "  --appkey HEX[:INDEX]\n"
          "                    an application key; its index is INDEX (0..4095) or, when\n"
          "                    omitted, N-1 for the N-th --appkey. Repeatable\n"
          "  --devkey HEX:ADDR a device key of the node with unicast address ADDR; it\n"
          "                    applies to messages from or to ADDR. Repeatable\n"
          "  --label UUID      a Label UUID (32 hex digits, dashes allowed), needed to\n"
          "                    decrypt messages to its virtual address. Repeatable\n"
          "  --friend LPN:FRIEND:LPNCOUNTER:FRIENDCOUNTER\n"
          "                    also try the friendship credentials of this friendship\n"
          "                    (four 16-bit numbers). Repeatable\n"
          "  --proxy           use the proxy nonce: PDUs are proxy configuration messages\n"
          "                    (CTL=1, TransportPDU = opcode || parameters)\n"
          "  --help, -h        this help\n"
          "\n"
          "Numbers are decimal or 0x-prefixed hex.\n"
          "\n"
          "JSON keys (numbers unless noted; byte strings as lowercase hex):\n"
          "  ivi nid ctl ttl seq src dst   network header fields\n"
          "  iv_index                      the IV index the PDU was decoded with\n"
          "  credentials                   \"master\" or \"friendship\"\n"
          "  net_mic (hex)                 the NetMIC\n"
          "  transport_pdu (hex)           unsegmented: the network TransportPDU (lower\n"
          "                                transport header + upper transport PDU);\n"
          "                                segmented: the reassembled upper transport PDU\n"
          "  upper_transport_pdu (hex)     the upper transport PDU (both kinds)\n"
          "  seg                           0 unsegmented, 1 segmented\n"
          "  pdu                           position of the PDU among the PDU arguments\n"
          "                                (1-based; per segment for segmented messages)\n"
          "  access messages: akf aid szmic, key (\"app:<index>\" or \"dev:0x<addr>\"),\n"
          "    access (hex, decrypted access payload), opcode (hex, its 1-3 octets, such\n"
          "    as \"8003\"), params (hex)\n"
          "  control messages: opcode (two hex digits), params (hex); a Segment\n"
          "    Acknowledgment also gets seg_ack {obo, seq_zero, block_ack}\n"
          "  segmented messages: seq is SeqAuth's SEQ (the SEQ of segment 0 as first\n"
          "    sent, from SeqZero); ttl and net_mic are those of the PDU carrying\n"
          "    segment 0; also seq_zero, seg_n and segments: [{pdu, seq, ttl, seg_o,\n"
          "    net_mic, transport_pdu}] with each PDU's own values\n"
          "  a retransmitted segment of a message already printed: duplicate: true\n"
          "  error (string)                why a PDU or message does not decode; the\n"
          "                                object keeps the fields decoded so far\n"
          "\n"
          "exit status: 0 all decoded, 1 some PDU or message did not decode, 2 bad\n"
          "command-line input (one line on stderr, nothing on stdout)\n",
          f);
}

static void add_appkey(struct decoder *d, const char *v, size_t nth)
{
    const char *suffix;
    size_t klen = bm_cli_split_colon(v, &suffix);
    struct bm_upper_appkey a;
    memset(&a, 0, sizeof a);
    bm_cli_key(CMD, "--appkey", v, klen, a.key);
    uint32_t idx = (uint32_t)nth;
    if (suffix)
        idx = bm_cli_uint(CMD, "--appkey INDEX", suffix, 0xfff);
    else if (idx > 0xfff)
        bm_cli_fail(CMD, "--appkey: too many keys for implicit indexes");
    for (size_t k = 0; k < d->napp; k++) {
        if (d->app[k].app_idx == idx)
            bm_cli_fail(CMD, "--appkey: index %u given twice", (unsigned)idx);
    }
    a.app_idx = (uint16_t)idx;
    int r = bm_crypto_k4(a.key, &a.aid);
    if (r != 0)
        bm_cli_fail(CMD, "--appkey: cannot derive the AID: %s", bm_strerror(r));
    d->app = xrealloc(d->app, (d->napp + 1) * sizeof *d->app);
    d->app[d->napp++] = a;
}

static void add_devkey(struct decoder *d, const char *v)
{
    const char *suffix;
    size_t klen = bm_cli_split_colon(v, &suffix);
    struct bm_upper_devkey k;
    uint8_t key[BM_KEY_LEN];
    memset(&k, 0, sizeof k);
    bm_cli_key(CMD, "--devkey", v, klen, key);
    if (suffix == NULL)
        bm_cli_fail(CMD, "--devkey: expected HEX:ADDR (the node's unicast address)");
    uint32_t addr = bm_cli_uint(CMD, "--devkey ADDR", suffix, 0x7fff);
    if (addr == 0)
        bm_cli_fail(CMD, "--devkey ADDR: must be a unicast address (0x0001..0x7fff)");
    k.addr = (uint16_t)addr;
    d->dev = xrealloc(d->dev, (d->ndev + 1) * sizeof *d->dev);
    d->dev_keys = xrealloc(d->dev_keys, (d->ndev + 1) * sizeof *d->dev_keys);
    memcpy(d->dev_keys[d->ndev], key, BM_KEY_LEN);
    bm_crypto_wipe(key, sizeof(key));
    d->dev[d->ndev++] = k;
}

static void add_label(struct decoder *d, const char *v)
{
    d->labels = xrealloc(d->labels, (d->nlabels + 1) * sizeof *d->labels);
    d->label_addr = xrealloc(d->label_addr, (d->nlabels + 1) * sizeof *d->label_addr);
    bm_cli_uuid(CMD, "--label", v, d->labels[d->nlabels]);
    int r = bm_crypto_virtual_addr(d->labels[d->nlabels], &d->label_addr[d->nlabels]);
    if (r != 0)
        bm_cli_fail(CMD, "--label: cannot hash the Label UUID: %s", bm_strerror(r));
    d->nlabels++;
}

static void free_decoder(struct decoder *d)
{
    for (size_t k = 0; k < d->nmsgs; k++) {
        free(d->msgs[k]->segs);
        free(d->msgs[k]);
    }
    free(d->msgs);
    if (d->creds)
        bm_crypto_wipe(d->creds, d->ncreds * sizeof *d->creds);
    if (d->app)
        bm_crypto_wipe(d->app, d->napp * sizeof *d->app);
    if (d->dev_keys)
        bm_crypto_wipe(d->dev_keys, d->ndev * sizeof *d->dev_keys);
    free(d->creds);
    free(d->app);
    free(d->dev);
    free(d->dev_keys);
    free(d->labels);
    free(d->label_addr);
}

int bm_cli_decode(int argc, char **argv, int first)
{
    struct decoder d;
    memset(&d, 0, sizeof d);
    struct bm_cli_iter it;
    bm_cli_iter_init(&it, CMD, argc, argv, first, opts, sizeof opts / sizeof opts[0]);

    uint8_t net_key[BM_KEY_LEN];
    bool have_netkey = false, have_iv = false;
    struct bm_cli_friend *friends = NULL;
    size_t nfriends = 0, nappkeys = 0;
    const char **pdu_args = NULL;
    size_t npdus = 0;
    const char *name, *v;
    enum bm_cli_kind kind;
    while ((kind = bm_cli_next(&it, &name, &v)) != BM_CLI_END) {
        if (kind == BM_CLI_POSITIONAL) {
            pdu_args = xrealloc(pdu_args, (npdus + 1) * sizeof *pdu_args);
            pdu_args[npdus++] = v;
        } else if (strcmp(name, "help") == 0) {
            bm_cli_decode_help(stdout);
            exit(0);
        } else if (strcmp(name, "netkey") == 0) {
            if (have_netkey)
                bm_cli_fail(CMD, "--netkey given twice");
            bm_cli_key(CMD, "--netkey", v, strlen(v), net_key);
            have_netkey = true;
        } else if (strcmp(name, "iv-index") == 0) {
            d.iv_index = bm_cli_uint(CMD, "--iv-index", v, 0xffffffffu);
            have_iv = true;
        } else if (strcmp(name, "appkey") == 0) {
            add_appkey(&d, v, nappkeys++);
        } else if (strcmp(name, "devkey") == 0) {
            add_devkey(&d, v);
        } else if (strcmp(name, "label") == 0) {
            add_label(&d, v);
        } else if (strcmp(name, "friend") == 0) {
            friends = xrealloc(friends, (nfriends + 1) * sizeof *friends);
            bm_cli_friend_arg(CMD, v, &friends[nfriends++]);
        } else if (strcmp(name, "proxy") == 0) {
            d.proxy = true;
        }
    }
    if (!have_netkey)
        bm_cli_fail(CMD, "missing required option --netkey (see blemesh decode --help)");
    if (!have_iv)
        bm_cli_fail(CMD, "missing required option --iv-index (see blemesh decode --help)");
    if (npdus == 0)
        bm_cli_fail(CMD, "no PDU given (see blemesh decode --help)");

    /* Check every PDU argument before printing anything. */
    uint8_t(*pdus)[MAX_PDU_ARG] = xrealloc(NULL, npdus * sizeof *pdus);
    size_t *lens = xrealloc(NULL, npdus * sizeof *lens);
    for (size_t k = 0; k < npdus; k++) {
        size_t slen = strlen(pdu_args[k]);
        int n = bm_cli_parse_hex(pdu_args[k], slen, pdus[k], MAX_PDU_ARG);
        if (n < 0 && n != BM_CLI_HEX_LONG)
            bm_cli_fail(CMD, "PDU %zu: %s", k + 1, bm_cli_hex_reason(n));
        lens[k] = n < 0 ? slen / 2 : (size_t)n; /* too long: reported as malformed */
    }

    d.creds = xrealloc(NULL, (1 + nfriends) * sizeof *d.creds);
    int r = bm_net_creds_master(&d.creds[0].c, net_key);
    d.creds[0].friendship = false;
    for (size_t k = 0; r == 0 && k < nfriends; k++) {
        r = bm_net_creds_friend(&d.creds[1 + k].c, net_key, friends[k].lpn_addr,
                                friends[k].friend_addr, friends[k].lpn_counter,
                                friends[k].friend_counter);
        d.creds[1 + k].friendship = true;
    }
    bm_crypto_wipe(net_key, sizeof net_key);
    d.ncreds = 1 + nfriends;
    if (r != 0) {
        fprintf(stderr, "blemesh " CMD ": cannot derive network credentials: %s\n", bm_strerror(r));
        free_decoder(&d);
        return 1;
    }
    d.ring.app = d.app;
    d.ring.app_count = d.napp;
    for (size_t k = 0; k < d.ndev; k++)
        d.dev[k].key = d.dev_keys[k];
    d.ring.dev = d.dev;
    d.ring.dev_count = d.ndev;
    d.ring.labels = (const uint8_t(*)[16])d.labels;
    d.ring.label_count = d.nlabels;

    for (size_t k = 0; k < npdus; k++)
        rx_pdu(&d, (int)k + 1, pdus[k], lens[k]);
    for (size_t k = 0; k < d.nmsgs; k++) {
        if (!d.msgs[k]->done)
            print_segmented(&d, d.msgs[k], NULL, 0);
    }
    int status = d.status;
    free(pdus);
    free(lens);
    free(pdu_args);
    free(friends);
    free_decoder(&d);
    return status;
}
