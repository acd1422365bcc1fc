"""blemesh error handling and help:
  - a PDU that does not decode (flipped bit, truncated, wrong key, no key
    for the AID, no label) prints a JSON object with "error", exit 1;
  - bad command-line input (bad hex, wrong key length, number out of range,
    unknown option, missing option) prints one line on stderr, exit 2;
  - --help of every command exits 0 and names every option;
  - no key's hex string is ever printed, in any run.
The PDUs and keys come from messages.json."""
from cli_common import Runner, key_strings, num

R = Runner()
M = R.load("messages.json")
msg = {m["message_number"]: m for m in M["messages"]}
m1, m6, m18, m22 = msg[1], msg[6], msg[18], msg[22]
NETKEY = m1["net_key"]
IV = "0x" + m1["iv_index"]
PDU1 = m1["lower_transport_pdus"][0]["network"]["network_pdu"]
PDU18 = m18["lower_transport_pdus"][0]["network"]["network_pdu"]
APPKEY = m18["upper_transport"]["access_key"]
OTHER_NETKEY = M["proxy_configuration_messages"][0]["net_key"]
# Malformed key-like arguments: they must not be echoed either.
BAD_KEYS = ["7dd7364cd842ad18c17c2b820c84c3d6aa", "7dd7364cd842ad18c17c2b820c84c3",
            "7dd7364cd842ad18c17c2b820c84c3zz"]


def flip(hexstr, octet, bit=0):
    b = bytearray.fromhex(hexstr)
    b[octet] ^= 1 << bit
    return b.hex()


def decode_error(args, what, want_in_error=None):
    rc, out, err = R.run(["decode"] + args)
    objs = R.json_lines(out, what)
    R.eq(rc, 1, what + ": exit status")
    R.check(any("error" in o for o in objs), what + ": error object in %r" % out)
    if want_in_error:
        errs = [o.get("error", "") for o in objs]
        R.check(any(want_in_error in e for e in errs),
                "%s: want %r in the error, got %r" % (what, want_in_error, errs))
    return objs


def test_decode_errors():
    base = ["--netkey", NETKEY, "--iv-index", IV]
    n = len(bytes.fromhex(PDU1))
    for octet in (7, 12, n - 1):  # encrypted DST, TransportPDU, NetMIC
        decode_error(base + [flip(PDU1, octet)], "flipped bit in octet %d" % octet,
                     "NetMIC")
    decode_error(base + [flip(PDU1, 0)], "flipped NID bit", "no network key for NID")
    decode_error(base + [PDU1[:-2]], "truncated by one octet")
    decode_error(base + [PDU1[:20]], "truncated to 10 octets", "malformed")
    decode_error(base + [PDU1 + "00" * 20], "too long")
    decode_error(["--netkey", OTHER_NETKEY, "--iv-index", IV, PDU1], "wrong network key")
    decode_error(base + ["--devkey", m6["upper_transport"]["access_key"] + ":0x1201", PDU18],
                 "app message without its app key", "no key for AID 0x26")
    # Wrong app key whose AID differs: the same error; an app key of another
    # AID cannot decrypt.
    decode_error(base + ["--appkey", OTHER_NETKEY, PDU18], "wrong app key",
                 "no key for AID 0x26")
    decode_error(["--netkey", NETKEY, "--iv-index", "0x" + m6["iv_index"],
                  m6["lower_transport_pdus"][0]["network"]["network_pdu"],
                  m6["lower_transport_pdus"][1]["network"]["network_pdu"]],
                 "device key message without device keys", "no device key")
    p22 = m22["lower_transport_pdus"][0]["network"]["network_pdu"]
    decode_error(["--netkey", NETKEY, "--iv-index", "0x" + m22["iv_index"], "--appkey", APPKEY,
                  p22], "virtual address without --label", "no label UUID for virtual address")
    # One bad PDU among good ones: the good one still decodes, exit 1.
    objs = decode_error(base + [PDU1, flip(PDU1, 12)], "good then bad")
    R.eq(len(objs), 2, "good then bad: two objects")
    R.check(objs and "error" not in objs[0], "good then bad: first decodes")


def test_usage_errors():
    dec = ["decode", "--netkey", NETKEY, "--iv-index", IV]
    enc = ["encode", "--netkey", NETKEY, "--iv-index", IV, "--seq", "1", "--src", "0x1201",
           "--dst", "0xfffd", "--ttl", "0", "--ctl", "--opcode", "3", "4b50057e400000010000"]
    cases = [
        (dec + [PDU1[:-1]], "odd hex PDU"),
        (dec + [PDU1[:-2] + "zz"], "non-hex PDU"),
        (["decode", "--netkey", NETKEY[:-2], "--iv-index", IV, PDU1], "short netkey"),
        (["decode", "--netkey", NETKEY + "00", "--iv-index", IV, PDU1], "long netkey"),
        (["decode", "--netkey", "xx" + NETKEY[2:], "--iv-index", IV, PDU1], "non-hex netkey"),
        (["decode", "--netkey", NETKEY, "--iv-index", "0x100000000", PDU1], "iv out of range"),
        (["decode", "--netkey", NETKEY, "--iv-index", "12a", PDU1], "bad number"),
        (["decode", "--netkey", NETKEY, "--iv-index", "-1", PDU1], "negative number"),
        (["decode", "--iv-index", IV, PDU1], "missing --netkey"),
        (["decode", "--netkey", NETKEY, PDU1], "missing --iv-index"),
        (dec, "no PDU"),
        (dec + ["--bogus", PDU1], "unknown option"),
        (dec + ["--devkey", APPKEY, PDU1], "devkey without ADDR"),
        (dec + ["--devkey", APPKEY + ":0x8000", PDU1], "devkey with group ADDR"),
        (dec + ["--appkey", APPKEY + ":0x1000", PDU1], "app key index out of range"),
        (dec + ["--friend", "0x1201:0x2345:0", PDU1], "friend with three numbers"),
        (dec + ["--label", "0073e7e4", PDU1], "short label"),
        (enc[:-1] + ["4b5"], "odd params"),
        ([a if a != "0" else "128" for a in enc], "ttl out of range"),
        ([a if a != "1" else "0x1000000" for a in enc], "seq out of range"),
        ([a if a != "0x1201" else "0xc000" for a in enc], "group src"),
        ([a for a in enc if a not in ("--seq", "1")], "missing --seq"),
        ([a for a in enc if a not in ("--opcode", "3")], "missing --opcode"),
        ([a if a != "3" else "0x80" for a in enc], "control opcode out of range"),
        (enc[:-3] + ["--appkey", APPKEY, "--devkey", APPKEY, "00"], "two access keys"),
        (enc[:-3] + ["00"], "access without key"),
        (enc[:-3] + ["--appkey", APPKEY, "--dst", "0xb529", "00"], "virtual dst without label"),
        (enc[:-3] + ["--appkey", APPKEY, "--label", m22["label_uuid"], "00"],
         "label of another address"),
        (enc[:-3] + ["--appkey", APPKEY, "00" * 381], "access payload too long"),
        (enc[:-1] + ["--proxy", "--segmented", "00"], "segmented proxy message"),
        ([a if a != "0xfffd" else "0" for a in enc], "unassigned dst without --proxy"),
        (["beacon", "encode", "--netkey", NETKEY], "beacon encode without --iv-index"),
        (["beacon", "encode", "--iv-index", "1"], "beacon encode without --netkey"),
        (["beacon", "decode", B_SNB], "secure beacon without --netkey"),
        (["beacon", "decode", "--netkey", NETKEY, "010"], "odd hex beacon"),
        (["beacon"], "beacon without subcommand"),
        (["beacon", "frobnicate"], "unknown beacon subcommand"),
        (["frobnicate"], "unknown command"),
        (["--frobnicate"], "unknown top-level option"),
        (["help", "frobnicate"], "help of an unknown command"),
        ([], "no command"),
    ]
    # A key typed where a command, option or number belongs is not echoed
    # (check_no_keys below scans these runs too).
    cases += [([NETKEY], "key as command"), (["help", NETKEY], "key as help topic"),
              (["decode", "--" + NETKEY], "key as option"),
              (dec + ["--iv-index", NETKEY, PDU1], "key as number"),
              (dec + ["--friend", "1:2:3:" + NETKEY, PDU1], "key in --friend")]
    for bad in BAD_KEYS:
        cases.append((["decode", "--netkey", bad, "--iv-index", IV, PDU1], "bad key " + bad[:6]))
        cases.append((dec + ["--appkey", bad, PDU1], "bad app key " + bad[:6]))
        cases.append((dec + ["--devkey", bad + ":1", PDU1], "bad dev key " + bad[:6]))
        cases.append((["beacon", "encode", "--netkey", bad, "--iv-index", "1"],
                      "bad beacon key " + bad[:6]))
    for args, what in cases:
        if what == "no command":
            rc, out, err = R.run(args)
            R.eq(rc, 2, what + ": exit status")
            R.eq(out, "", what + ": stdout")
            continue
        R.usage_error(args, what)
    # A bad number is named in the message; a bad key never is.
    err = R.usage_error(dec[:-1] + ["0x1g", PDU1], "bad iv number text")
    R.check("--iv-index" in err, "bad number: message names the option: %r" % err)
    # Bad input prints nothing on stdout even when earlier PDUs were fine.
    R.usage_error(dec + [PDU1, "abc"], "good PDU then bad hex")


HELP_OPTIONS = {
    "decode": ["--netkey", "--iv-index", "--appkey", "--devkey", "--label", "--friend",
               "--proxy", "--help"],
    "encode": ["--netkey", "--iv-index", "--seq", "--src", "--dst", "--ttl", "--appkey",
               "--devkey", "--szmic", "--segmented", "--label", "--ctl", "--opcode",
               "--friend", "--proxy", "--help"],
    "beacon": ["--netkey", "--iv-index", "--key-refresh", "--iv-update", "--help"],
}


def test_help():
    for cmd, options in HELP_OPTIONS.items():
        forms = [["help", cmd], [cmd, "--help"], [cmd, "-h"]]
        if cmd == "beacon":
            forms += [["beacon", "encode", "--help"], ["beacon", "decode", "--help"]]
        else:
            # --help wins over otherwise incomplete input.
            forms += [[cmd, "--netkey", NETKEY, "--help"]]
        for f in forms:
            rc, out, err = R.run(f)
            R.eq(rc, 0, "%s: exit status" % " ".join(f))
            R.eq(err, "", "%s: stderr" % " ".join(f))
            for o in options:
                R.check(o in out, "%s: help does not mention %s" % (" ".join(f), o))
            R.check("exit status" in out, "%s: help gives the exit status" % " ".join(f))
            if cmd == "decode":
                R.check("JSON keys" in out, "decode help lists the JSON keys")
    for f in (["--help"], ["-h"], ["help"]):
        rc, out, err = R.run(f)
        R.eq(rc, 0, "%s: exit status" % f)
        for cmd in ("decode", "encode", "beacon", "--version"):
            R.check(cmd in out, "%s: top-level help mentions %s" % (f, cmd))
    rc, out, err = R.run(["--version"])
    R.eq(rc, 0, "--version exit status")
    R.check(out.startswith("blemesh ") and len(out.splitlines()) == 1,
            "--version prints one line 'blemesh X': %r" % out)


B_SNB = R.load("beacons.json")["secure_network_beacons"][0]["beacon"]

test_decode_errors()
test_usage_errors()
test_help()
R.check_no_keys(key_strings(M) + key_strings(R.load("beacons.json")) + BAD_KEYS
                + [k[:-2] for k in BAD_KEYS if len(k) > 32])
R.finish("test_cli_errors")
