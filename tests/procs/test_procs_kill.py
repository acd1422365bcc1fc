#!/usr/bin/env python3
"""A provisioner process and 5 node processes on the socket bearer.

`blemesh prov` creates a network, scans, provisions the five nodes (one with
Output OOB, its value read from the node's log), configures them (AppKey,
binding, group subscription, default TTL, relay) and toggles the lights.
Then 20 times a node is killed with SIGKILL at a random moment: during a
configuration write, during an OnOff Set, during provisioning (the node is
reset and provisioned again) or while idle. It is restarted on its store
and must answer with its configuration intact.

A sniffer in this process joins the multicast group and keeps every mesh
message on the air. At the end the messages are decoded with `blemesh
decode` and the keys from `blemesh prov export`: every (SRC, SEQ) must
stand for one message only (relayed and repeated copies are the same
bytes), so no sequence number was ever reused across the kills.

Assertions that need the core to persist configuration states (AppKeys,
bindings, subscriptions, model states, TTL) are marked PERSISTENCE: they
are enforced when the core has its persistence layer (src/storage/persist.c);
before that they are reported and the node is configured again instead.

usage: test_procs_kill.py BLEMESH [VECTORS_DIR]
"""
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BLEMESH = os.path.abspath(sys.argv[1])
SRC_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PERSISTENCE = os.path.exists(os.path.join(SRC_DIR, "src", "storage", "persist.c"))
GROUP_IP = "239.255.83.77"
PORT = 20000 + (os.getpid() * 7919) % 30000
AIR = ["--port", str(PORT)]
MESH_GROUP = 0xC000
T0 = time.monotonic()

failures = []
notes = []


def log(msg):
    print("[%6.2f] %s" % (time.monotonic() - T0, msg), flush=True)


def check(cond, msg, persistence=False):
    if cond:
        return True
    if persistence and not PERSISTENCE:
        notes.append("PERSISTENCE (not landed): " + msg)
        log("  PERSISTENCE (not landed, not enforced): " + msg)
    else:
        failures.append(msg)
        log("  FAILED: " + msg)
    return False


class Sniffer(threading.Thread):
    """Keeps every Mesh Message AD (0x2A) seen on the air."""

    def __init__(self):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((GROUP_IP, PORT))
        self.s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                          socket.inet_aton(GROUP_IP) + socket.inet_aton("127.0.0.1"))
        self.s.settimeout(0.2)
        self.pdus = []
        self.datagrams = 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                adv, _ = self.s.recvfrom(64)
            except socket.timeout:
                continue
            self.datagrams += 1
            i = 0
            while i < len(adv) and adv[i]:
                n = adv[i]
                if i + 1 + n > len(adv):
                    break
                if adv[i + 1] == 0x2A:
                    self.pdus.append(bytes(adv[i + 2:i + 1 + n]))
                i += 1 + n


class Node:
    def __init__(self, tmp, idx, opts):
        self.idx = idx
        self.name = "light%d" % idx
        self.store = os.path.join(tmp, self.name)
        self.logpath = os.path.join(tmp, self.name + ".log")
        self.uuid = "%032x" % (0x6b696c6c00000000000000000000000 + idx)
        self.opts = opts
        self.addr = None
        self.ttl = None
        self.onoff = None
        self.proc = None

    def start(self):
        f = open(self.logpath, "a")
        self.log_offset = os.path.getsize(self.logpath)
        self.proc = subprocess.Popen(
            [BLEMESH, "node", "--store", self.store, "--name", self.name, "--uuid", self.uuid,
             "--onoff-server"] + self.opts + AIR, stderr=f, stdout=subprocess.DEVNULL)
        f.close()
        self.wait_log("app: up:", 10)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def new_log(self):
        with open(self.logpath) as f:
            f.seek(self.log_offset)
            return f.read()

    def wait_log(self, text, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.new_log():
                return True
            time.sleep(0.02)
        return False


def prov(*args, timeout=60, stdin=None):
    p = subprocess.run([BLEMESH, "prov", "--db", DB] + [str(a) for a in args] + AIR,
                       capture_output=True, text=True, timeout=timeout, input=stdin)
    return p.returncode, p.stdout, p.stderr


def provision(node, extra_kill=None):
    """Provisions node (Output OOB value from its log). Returns True."""
    cmd = [BLEMESH, "prov", "--db", DB, "provision", node.uuid, "--name", node.name,
           "--oob-value", "-", "--timeout", "6", "--json"] + AIR
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if extra_kill:
        extra_kill()
    if "--oob" in node.opts:
        if node.wait_log("OOB: show", 8):
            value = node.new_log().split("OOB: show ")[-1].split()[0]
            try:
                p.stdin.write(value + "\n")
                p.stdin.flush()
            except BrokenPipeError:
                pass
    out, err = p.communicate(timeout=60)
    if p.returncode == 0:
        node.addr = json.loads(out)["address"]
        return True
    log("  provision %s: %s" % (node.name, err.strip().splitlines()[-1] if err else "?"))
    return False


def db_has(uuid):
    rc, out, _ = prov("nodes", "--json")
    return any(json.loads(line)["uuid"] == uuid for line in out.splitlines())


def provision_until(node, attempts=4):
    for _ in range(attempts):
        if provision(node):
            return True
        # An orphan: the device took the data but we never heard Complete.
        # Factory-reset it (its address is never handed out again).
        if not db_has(node.uuid):
            node.stop()
            if "unprovisioned" not in node.new_log().split("app: up:")[-1]:
                shutil.rmtree(node.store, ignore_errors=True)
            node.start()
    return False


def configure(node):
    a = node.addr
    steps = [("appkey-add",), ("bind", "onoff-server"), ("sub-add", "onoff-server", "0xc000"),
             ("ttl", node.ttl)]
    if "--relay" in node.opts:
        steps.append(("relay", "on"))
    for s in steps:
        rc, out, err = prov("config", a, *s)
        if rc != 0:
            rc, out, err = prov("config", a, *s)  # the protocol retried already; once more
        if not check(rc == 0, "config %s %s: %s" % (node.name, s, err.strip())):
            return False
    return True


def onoff(node, value):
    rc, out, err = prov("onoff", node.addr, "on" if value else "off")
    if rc == 0:
        node.onoff = value
    return rc == 0 and out.strip().endswith("on" if value else "off")


def verify(node, why):
    """After a restart: the node answers, with its configuration intact."""
    rc, out, err = prov("config", node.addr, "ttl", "get", "--json")
    ok_ttl = rc == 0 and json.loads(out)["ttl"] == node.ttl
    check(rc == 0, "%s (%s) does not answer Config Default TTL Get" % (node.name, why))
    if rc == 0:
        check(ok_ttl, "%s (%s): default TTL %s, configured %s" % (
            node.name, why, json.loads(out)["ttl"], node.ttl), persistence=True)
    if rc == 0 and not ok_ttl and not PERSISTENCE:
        # the configuration is gone with the process: no use waiting for
        # the OnOff Get to time out as well
        configure(node)
        onoff(node, node.onoff)
        return
    rc, out, err = prov("onoff", node.addr, "get", "--json")
    ok_onoff = rc == 0 and json.loads(out)["onoff"] == node.onoff
    check(ok_onoff, "%s (%s): OnOff Get %s (AppKey, binding and state kept)" % (
        node.name, why, "answered %s, expected %s" % (json.loads(out)["onoff"], node.onoff)
        if rc == 0 else "unanswered"), persistence=True)
    if not (ok_ttl and ok_onoff) and not PERSISTENCE:
        configure(node)
        onoff(node, node.onoff)


def main():
    global DB
    seed = int(os.environ.get("BM_TEST_SEED", str(int(time.time()) & 0xFFFF)))
    rnd = random.Random(seed)
    log("seed %d, air %s:%d, persistence in the core: %s" % (seed, GROUP_IP, PORT, PERSISTENCE))
    tmp = tempfile.mkdtemp(prefix="bm-procs-")
    DB = os.path.join(tmp, "net.json")
    sniff = Sniffer()
    sniff.start()
    nodes = [Node(tmp, i + 1, (["--oob", "output"] if i == 0 else []) +
                  (["--relay"] if i in (1, 3) else [])) for i in range(5)]
    try:
        rc, out, err = prov("create")
        check(rc == 0, "create: " + err)
        check(oct(os.stat(DB).st_mode & 0o777) == "0o600", "the database is not mode 0600")
        for n in nodes:
            n.start()
        seen = set()
        for _ in range(3):
            rc, out, err = prov("scan", "--time", "6", "--json")
            seen |= {json.loads(l)["uuid"] for l in out.splitlines()}
            if all(n.uuid in seen for n in nodes):
                break
        check(all(n.uuid in seen for n in nodes), "scan saw %d of 5 devices" % len(seen))
        for i, n in enumerate(nodes):
            n.ttl = 4 + i
            if check(provision_until(n), "provisioning %s" % n.name) and configure(n):
                check(onoff(n, 1), "%s did not turn on" % n.name)
        log("provisioned and configured: %s" % ", ".join("%s=0x%04x" % (n.name, n.addr or 0)
                                                         for n in nodes))
        rc, out, err = prov("onoff", "0xc000", "off")
        check(rc == 0, "group off: " + err)
        time.sleep(0.5)
        for n in nodes:
            n.onoff = 0
            rc, out, _ = prov("onoff", n.addr, "get")
            check(rc == 0 and out.strip().endswith("off"), "%s missed the group Set" % n.name)

        modes = ["config"] * 6 + ["onoff"] * 5 + ["provision"] * 3 + ["idle"] * 6
        rnd.shuffle(modes)
        stats = {"kills": 0, "restarts": 0, "in_flight": 0}
        for k, mode in enumerate(modes):
            n = rnd.choice(nodes)
            delay = rnd.uniform(0.0, 0.35)
            log("kill %d/20: %s during %s after %.0f ms" % (k + 1, n.name, mode, delay * 1000))
            if mode == "provision":
                rc, _, err = prov("config", n.addr, "reset")
                check(rc == 0, "reset %s: %s" % (n.name, err.strip()))
                n.wait_log("reset", 5)
                time.sleep(0.3)
                n.onoff = 0

                def killer(node=n, d=delay * 2):
                    time.sleep(d)
                    node.kill()
                    stats["kills"] += 1
                    node.start()
                    stats["restarts"] += 1

                ok = provision(n, extra_kill=killer)
                if ok:
                    stats["in_flight"] += 0
                elif check(provision_until(n), "re-provisioning %s" % n.name):
                    stats["in_flight"] += 1
                if n.addr and configure(n):
                    onoff(n, 0)
                verify(n, "after a kill during provisioning")
                continue
            bg = None
            if mode == "config":
                n.ttl = rnd.randint(2, 100)
                bg = subprocess.Popen([BLEMESH, "prov", "--db", DB, "config", str(n.addr), "ttl",
                                       str(n.ttl)] + AIR, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            elif mode == "onoff":
                value = rnd.randint(0, 1)
                bg = subprocess.Popen([BLEMESH, "prov", "--db", DB, "onoff", str(n.addr),
                                       "on" if value else "off"] + AIR, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            time.sleep(delay)
            n.kill()
            stats["kills"] += 1
            n.start()
            stats["restarts"] += 1
            if bg:
                t = time.monotonic()
                out, err = bg.communicate(timeout=60)
                if time.monotonic() - t > 1.0:
                    stats["in_flight"] += 1  # it needed the protocol's retry
                if mode == "onoff" and bg.returncode == 0:
                    n.onoff = value
                check(bg.returncode == 0, "%s during the kill: %s" % (mode, err.strip()),
                      persistence=mode == "onoff")
            verify(n, "after a kill during " + mode)
        log("kills %d, restarts %d, requests that spanned a kill %d" % (
            stats["kills"], stats["restarts"], stats["in_flight"]))
        check(stats["kills"] == 20, "expected 20 kills")
    finally:
        for n in nodes:
            n.stop()
        time.sleep(0.3)
        sniff.stop = True
        sniff.join()

    # every (SRC, SEQ) on the air names one message
    rc, out, err = prov("export")
    cdb = json.loads(out)
    keys = ["--netkey", cdb["netKeys"][0]["key"], "--iv-index", "0",
            "--appkey", cdb["appKeys"][0]["key"] + ":0"]
    for nd in cdb["nodes"]:
        keys += ["--devkey", "%s:0x%s" % (nd["deviceKey"], nd["unicastAddress"])]
    unique = list(dict.fromkeys(sniff.pdus))
    seen = {}
    decoded = 0
    for i in range(0, len(unique), 400):
        p = subprocess.run([BLEMESH, "decode"] + keys + [u.hex() for u in unique[i:i + 400]],
                           capture_output=True, text=True)
        for line in p.stdout.splitlines():
            o = json.loads(line)
            if "src" not in o:
                continue
            parts = o.get("segments") or [o]
            for s in parts:
                if "seq" not in s or "transport_pdu" not in s:
                    continue
                decoded += 1
                ident = (o.get("ctl"), o.get("dst"), s["transport_pdu"])
                seen.setdefault((o["src"], s["seq"]), set()).add(ident)
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    log("air: %d datagrams, %d network PDUs (%d distinct), %d decoded, %d (SRC,SEQ) pairs, "
        "%d sources, %d reused" % (sniff.datagrams, len(sniff.pdus), len(unique), decoded,
                                   len(seen), len({s for s, _ in seen}), len(dups)))
    for (src, seq), v in list(dups.items())[:5]:
        log("  reused: src 0x%04x seq %d: %d different messages" % (src, seq, len(v)))
    check(len(seen) > 100, "too few messages seen on the air")
    check(not dups, "%d sequence numbers were reused" % len(dups))
    for note in sorted(set(notes)):
        print("NOTE " + note)
    if failures:
        print("FAILED (seed %d): %d failure(s), kept %s" % (seed, len(failures), tmp))
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok: %.1f s" % (time.monotonic() - T0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
