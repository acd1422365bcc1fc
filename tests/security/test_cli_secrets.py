"""No key in the blemesh tool's output (tests/security, label security).

Runs `blemesh decode`, `encode` and `beacon` with known keys, on good and bad
input (a wrong key, a broken MIC, a malformed PDU, a bad option), and
`blemesh demo` (which has no log option: its output is what a user sees), and
searches stdout and stderr for every key: hex with separators removed, any 8
consecutive octets. The demo's AppKey is splitmix64 of seed ^ 0x5eed5eed
(tools/cmd_demo.c); its NetKey and device keys come from the simulator's
random streams and are not known here, so they are covered by
test_secrets_in_logs instead.

usage: python3 test_cli_secrets.py <blemesh binary> <vectors dir>
"""
import re
import struct
import subprocess
import sys

NETKEY = "7dd7364cd842ad18c17c2b820c84c3d6"
APPKEY = "63964771734fbd76e3b40519d1d94a48"
DEVKEY = "9d6dd0e96eb25dc19a40ed9914f8f03f"
OTHER = "00112233445566778899aabbccddeeff"
MSG18 = "6848cba437860e5673728a627fb938535508e21a6baf57"


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return state, z ^ (z >> 31)


def demo_app_key(seed):
    s = seed ^ 0x5EED5EED
    out = b""
    for _ in range(2):
        s, r = splitmix(s)
        out += struct.pack("<Q", r)
    return out.hex()


def leaks(text, key):
    hx = re.sub(r"[^0-9a-f]", "", text.lower())
    for off in range(0, 32 - 16 + 1, 2):
        if key[off:off + 16] in hx:
            return True
    return False


def main():
    tool = sys.argv[1]
    runs = [
        ["decode", "--netkey", NETKEY, "--iv-index", "0x12345677", "--appkey", APPKEY, MSG18],
        ["decode", "--netkey", NETKEY, "--iv-index", "0x12345677", "--appkey", OTHER, MSG18],
        ["decode", "--netkey", OTHER, "--iv-index", "0x12345677", MSG18],
        ["decode", "--netkey", NETKEY, "--iv-index", "0x12345677", MSG18[:-2] + "00"],
        ["decode", "--netkey", NETKEY, "--iv-index", "0x12345677", "--devkey",
         DEVKEY + ":0x1201", "6848cb"],
        ["decode", "--netkey", NETKEY[:-2], "--iv-index", "1", MSG18],
        ["encode", "--netkey", NETKEY, "--iv-index", "0x12345677", "--seq", "0x07080d",
         "--src", "0x1234", "--dst", "0x9736", "--ttl", "3", "--appkey", APPKEY, "ea0a00"],
        ["encode", "--netkey", NETKEY, "--iv-index", "0x12345677", "--seq", "1",
         "--src", "0x1234", "--dst", "0x0001", "--ttl", "3", "--devkey", DEVKEY, "800800"],
        ["encode", "--netkey", NETKEY, "--iv-index", "1", "--seq", "1", "--src", "0",
         "--dst", "1", "--ttl", "3", "--appkey", APPKEY, "00"],
        ["beacon", "encode", "--netkey", NETKEY, "--iv-index", "0x12345678", "--iv-update"],
        ["beacon", "decode", "--netkey", NETKEY,
         "01003ecaff672f673370123456788ea261582f364f6f"],
        ["beacon", "decode", "--netkey", OTHER,
         "01003ecaff672f673370123456788ea261582f364f6f"],
    ]
    keys = [("NetKey", NETKEY), ("AppKey", APPKEY), ("DevKey", DEVKEY), ("other key", OTHER)]
    failures = 0
    checked = 0
    for args in runs:
        p = subprocess.run([tool] + args, capture_output=True, text=True)
        out = p.stdout + p.stderr
        for name, key in keys:
            checked += 1
            if leaks(out, key):
                failures += 1
                print("LEAK: %s in the output of blemesh %s" % (name, " ".join(args)))
    for seed in (1, 7):
        args = ["demo", "--nodes", "3", "--seed", str(seed)]
        p = subprocess.run([tool] + args, capture_output=True, text=True)
        checked += 1
        if leaks(p.stdout + p.stderr, demo_app_key(seed)):
            failures += 1
            print("LEAK: the demo's AppKey in the output of blemesh %s" % " ".join(args))
    # the search finds a key printed with separators
    planted = ":".join(NETKEY[i:i + 2] for i in range(0, 32, 2))
    if not leaks("key " + planted, NETKEY):
        failures += 1
        print("the search missed a planted key")
    print("%d outputs searched for keys, %d leaks" % (checked, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
