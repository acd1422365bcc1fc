"""Shared helpers of the blemesh CLI tests (Python 3 stdlib only).

Each test script is run by ctest as:  python3 <script> <blemesh binary> <vectors dir>
Every expected value a script checks comes from the vector files; nothing here
is produced by the tool under test.

Runner records the stdout and stderr of every run so that a script can check,
at its end, that no key's hex string was ever printed (check_no_keys).
"""
import json
import os
import subprocess
import sys


class Runner:
    def __init__(self):
        if len(sys.argv) != 3:
            sys.exit("usage: %s <blemesh binary> <vectors dir>" % sys.argv[0])
        self.bin = sys.argv[1]
        self.vectors = sys.argv[2]
        self.runs = []  # (argv, stdout, stderr, allowed plaintexts)
        self.failures = 0
        self.checks = 0

    def load(self, name):
        with open(os.path.join(self.vectors, name)) as f:
            return json.load(f)

    def run(self, args, allowed_plaintext=()):
        """Runs blemesh with args; returns (exit status, stdout, stderr).
        allowed_plaintext: strings from the vectors (decrypted access payloads)
        that may legitimately contain key bytes, e.g. a Config AppKey Add."""
        p = subprocess.run([self.bin] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.runs.append((list(args), p.stdout, p.stderr, tuple(allowed_plaintext)))
        return p.returncode, p.stdout, p.stderr

    def check(self, cond, what):
        self.checks += 1
        if not cond:
            self.failures += 1
            print("FAIL: " + what)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want))

    def json_lines(self, out, what):
        objs = []
        for line in out.splitlines():
            try:
                objs.append(json.loads(line))
            except ValueError:
                self.check(False, "%s: stdout line is not JSON: %r" % (what, line))
        return objs

    def usage_error(self, args, what):
        """Bad input: exit 2, nothing on stdout, exactly one line on stderr."""
        rc, out, err = self.run(args)
        self.eq(rc, 2, what + ": exit status")
        self.eq(out, "", what + ": stdout")
        lines = err.splitlines()
        self.check(len(lines) == 1 and lines[0].startswith("blemesh"),
                   "%s: want one 'blemesh ...' line on stderr, got %r" % (what, err))
        return err

    def check_no_keys(self, keys):
        """No key hex string (either case) appears in any stdout or stderr.
        The only text removed before searching is a decrypted access payload
        listed by the vectors (Message #6 is a Config AppKey Add: its plaintext
        carries the AppKey as data, and decode must show the plaintext)."""
        keys = sorted({k.lower() for k in keys})
        for args, out, err, allowed in self.runs:
            text = (out + "\n" + err).lower()
            for a in allowed:
                text = text.replace(a.lower(), "")
            for k in keys:
                if not self.check(k not in text, "key material printed by: blemesh %s"
                                  % " ".join(a[:12] for a in args)):
                    break

    def finish(self, name):
        print("%s: %d checks, %d failures, %d runs" % (name, self.checks, self.failures,
                                                       len(self.runs)))
        sys.exit(1 if self.failures else 0)


def key_strings(obj):
    """Every hex value in the vector tree stored under a key-ish field name."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and ("key" in k and k not in ("access_key_type",)
                                       or k in ("encryption_key", "privacy_key")):
                if len(v) == 32:
                    found.append(v)
            found.extend(key_strings(v))
    elif isinstance(obj, list):
        for v in obj:
            found.extend(key_strings(v))
    return found


def num(hexstr):
    return int(hexstr, 16)
