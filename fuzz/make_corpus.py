#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

From the specification's sample data (../shared/vectors/*.json: network
PDUs, beacons, PB-ADV PDUs, Provisioning PDUs) and, if the capture tool is
given, from captured simulated traffic (fuzz/capture.c). Standard library
only. Usage: make_corpus.py [--vectors DIR] [--capture build-fuzz/capture]
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def ad(ad_type, payload):
    return bytes([len(payload) + 1, ad_type]) + payload


def node_rec(ctl, adv):
    return bytes([ctl, len(adv)]) + adv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", default=os.path.join(HERE, "..", "..", "shared", "vectors"))
    ap.add_argument("--capture", help="path of the built capture tool")
    ap.add_argument("--blemesh", help="path of the built blemesh tool (fuzz_cdb seeds)")
    args = ap.parse_args()
    load = lambda n: json.load(open(os.path.join(args.vectors, n)))
    msgs = load("messages.json")
    beacons = load("beacons.json")
    prov = load("provisioning.json")

    # --- network PDUs (Mesh Profile 8.3) ---
    all_pdus = []
    for m in msgs["messages"]:
        n = m["message_number"]
        pdus = [bytes.fromhex(l["network"]["network_pdu"]) for l in m["lower_transport_pdus"] if "network" in l]
        all_pdus += pdus
        for i, pdu in enumerate(pdus):
            put("fuzz_net_decode", "msg%02d_%d" % (n, i), b"\x00" + pdu)
            if m.get("security_credentials", "").startswith("friend"):
                put("fuzz_net_decode", "msg%02d_%d_friend" % (n, i), b"\x20" + pdu)
        # structure-aware: the same header and transport PDUs for fuzz_net_valid
        for i, l in enumerate(m["lower_transport_pdus"]):
            tp = bytes.fromhex(l.get("lower_transport_pdu", l.get("transport_pdu", "")))
            if not tp:
                continue
            ctl = int(m["ctl"])
            ttl = int(m["ttl"], 16)
            seq = int(l.get("seq", m["seq"]), 16)
            sel = 2 if m.get("security_credentials", "").startswith("friend") else 0
            if int(m["iv_index"], 16) != 0x12345678:
                sel |= 4  # the previous IV index
            hdr = bytes([sel, ctl << 7 | ttl]) + seq.to_bytes(3, "big") + \
                bytes.fromhex(m["src"]) + bytes.fromhex(m["dst"]) + b"\x00"
            put("fuzz_net_valid", "msg%02d_%d" % (n, i), hdr + tp)
            # reassembly: raw records (flags 0x04 | ctl<<3, seq, len, pdu)
        segs = [l for l in m["lower_transport_pdus"] if l.get("seg") == 1]
        if segs:
            out = b"\x00"
            for l in segs:
                tp = bytes.fromhex(l.get("lower_transport_pdu", l.get("transport_pdu", "")))
                seq = int(l.get("seq", m["seq"]), 16)
                out += bytes([0x04 | int(m["ctl"]) << 3]) + seq.to_bytes(3, "big") + bytes([len(tp)]) + tp
            put("fuzz_reasm", "msg%02d" % n, out)
            put("fuzz_reasm", "msg%02d_reversed" % n, b"\x00" + b"".join(
                bytes([0x04 | int(m["ctl"]) << 3]) + int(l.get("seq", m["seq"]), 16).to_bytes(3, "big")
                + bytes([len(bytes.fromhex(l.get("lower_transport_pdu", l.get("transport_pdu", ""))))])
                + bytes.fromhex(l.get("lower_transport_pdu", l.get("transport_pdu", "")))
                for l in reversed(segs)))
        if "access_message" in m:
            put("fuzz_access_parse", "msg%02d" % n, bytes.fromhex(m["access_message"]["access_payload"]))
    # node: every sample PDU in one advertisement each, to both nodes
    put("fuzz_node_rx", "sample_messages",
        b"".join(node_rec(0x08, ad(0x2A, p)) for p in all_pdus))
    # structured reassembly: a 3-segment access message, out of order, with a duplicate
    rec = lambda flags, segn, sego, sz, hi, ln, fill: bytes([flags, segn, sego]) + sz.to_bytes(2, "big") + bytes([hi]) + (bytes([ln]) if sego == segn else b"") + bytes([fill]) * 12
    put("fuzz_reasm", "structured_3seg",
        b"\x00" + rec(0x20, 2, 1, 0x123, 1, 0, 0xa1) + rec(0x20, 2, 0, 0x123, 1, 0, 0xa0) +
        rec(0x20, 2, 1, 0x123, 1, 0, 0xa1) + rec(0x20, 2, 2, 0x123, 1, 5, 0xa2) +
        rec(0x81, 0, 0, 0x050, 0, 3, 0xb0) + b"\x64")

    # --- beacons (8.4) ---
    for i, b in enumerate(beacons["secure_network_beacons"]):
        put("fuzz_beacon", "snb%d" % i, bytes.fromhex(b["beacon"]))
    for i, b in enumerate(beacons["unprovisioned_device_beacons"]):
        put("fuzz_beacon", "udb%d" % i, bytes.fromhex(b["beacon"]))
    put("fuzz_node_rx", "sample_beacons", b"".join(
        node_rec(0x08, ad(0x2B, bytes.fromhex(b["beacon"])))
        for b in beacons["secure_network_beacons"] + beacons["unprovisioned_device_beacons"]))

    # --- PB-ADV and Provisioning PDUs (8.7) ---
    pbadv = []
    for s in prov["pb_adv"]["steps"]:
        if "pb_adv_pdu" in s:
            pbadv.append(bytes.fromhex(s["pb_adv_pdu"]))
        for p in s.get("pb_adv_pdus", []):
            pbadv.append(bytes.fromhex(p))
        if "provisioning_pdu" in s:
            pdu = bytes.fromhex(s["provisioning_pdu"])
            name = s["title"].lower().replace(" ", "_").replace("/", "_")
            for alg in (0, 2):
                put("fuzz_prov_pdu", "%s_alg%d" % (name, alg), bytes([alg]) + pdu)
    put("fuzz_pbadv", "sample_run", b"".join(bytes([len(p)]) + p for p in pbadv))
    put("fuzz_node_rx", "sample_pbadv", b"".join(node_rec(0x48, ad(0x29, p)) for p in pbadv))
    for role in ("fuzz_prov_device", "fuzz_prov_provisioner"):
        put(role, "sample_raw", b"\x00" + b"".join(b"\x05" + bytes([len(p)]) + p for p in pbadv))
        # the honest protocol: pump, let time pass, pump (No OOB / Output OOB / CMAC only / refuse)
        for cfg in (0x00, 0x01, 0x02, 0x06, 0x80, 0x82):
            honest = bytes([cfg]) + (b"\x0b\x09\x00" * 12)
            if cfg & 2:
                honest = bytes([cfg]) + b"\x0b\x09\x00" * 6 + b"\x0a\x00" + b"\x0b\x09\x00" * 8
            put(role, "honest_cfg%02x" % cfg, honest)
        # wrapped Provisioning PDUs straight into the link
        wr = b"\x00\x0b"
        for s in prov["pb_adv"]["steps"]:
            if "provisioning_pdu" in s:
                p = bytes.fromhex(s["provisioning_pdu"])
                wr += b"\x06" + bytes([len(p)]) + p + b"\x07"
        put(role, "sample_wrapped", wr)

    # --- access valid: one record per interesting opcode ---
    ops = [
        ("onoff_get", 1, "8201"), ("onoff_set", 1, "82020105"), ("onoff_set_unack", 1, "8203000a0101"),
        ("level_get", 1, "8205"), ("level_set", 1, "82063412070000"), ("level_delta", 1, "820900100000090a05"),
        ("level_move", 1, "820b0001050a01"), ("echo", 1, "c10a00686921"),
        ("comp_get", 0, "800800"), ("ttl_set", 0, "800d05"), ("relay_set", 0, "80270121"),
        ("beacon_set", 0, "800a01"), ("appkey_add", 0, "0023010063964771734fbd76e3b40519d1d94a48"),
        ("model_app_bind", 0, "803d01120123001000"), ("sub_add", 0, "801b011201c0001000"),
        ("pub_set", 0, "03011203c02301ff0a15001010"), ("node_reset", 0, "8049"),
        ("hb_pub_set", 0, "8039c00103030701000000"), ("hb_sub_set", 0, "803b000301121005"),
        ("netkey_add", 0, "80405604" + "11" * 16), ("kr_phase_set", 0, "8017000002"),
        ("net_transmit_set", 0, "802423"), ("friend_get", 0, "800f"), ("gatt_proxy_get", 0, "8012"),
    ]
    for name, akf, hexp in ops:
        payload = bytes.fromhex(hexp)
        flags = akf  # dst primary, unsegmented when it fits, no time step
        recd = bytes([flags, 0x00, 0x05, 0x00]) + len(payload).to_bytes(2, "big") + payload
        put("fuzz_access_valid", name, recd)
        put("fuzz_access_valid", name + "_seg", bytes([flags | 0x04 | 0x40, 0x01, 0x05, 0x81]) +
            len(payload).to_bytes(2, "big") + payload)
    # a long echo that the node answers segmented, then acks for its reply
    long = bytes.fromhex("c10a00") + bytes(range(100))
    put("fuzz_access_valid", "echo_long_then_acks",
        bytes([0x41, 0x02, 0x05, 0x00]) + len(long).to_bytes(2, "big") + long +
        bytes([0x40, 0x82, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00, 0x03]) +
        bytes([0x40, 0x82, 0x05, 0x80, 0x04, 0x00, 0x02, 0x00, 0x00]))

    if args.capture:
        subprocess.run([args.capture, CORPUS], check=True)
    if args.blemesh:
        cdb_seeds(args.blemesh)
    proxy_seeds(msgs)
    storage_seeds(all_pdus)
    friend_seeds(msgs)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(CORPUS) for f in fs)
    print("corpus: %d octets" % total)


def proxy_seeds(msgs):
    """fuzz_proxy: connections, the specification's proxy configuration
    sample as a raw Proxy PDU, and structured records (fuzz_proxy.c) for
    every proxy configuration opcode and for network PDUs both ways."""
    def conn(h, mtu=0):
        return bytes([0 | h << 3]) + mtu.to_bytes(2, "big")
    def cfg(h, opcode, params, how=4, src=3):
        return bytes([4 | h << 3, how]) + src.to_bytes(2, "big") + bytes([opcode, len(params)]) + params
    def net(h, dst, src=3, ctl=0, ttl=5, tp=b"\x02\x03\x04", air=False):
        return bytes([(6 if air else 5) | h << 3, ctl, ttl]) + src.to_bytes(2, "big") + \
            dst.to_bytes(2, "big") + bytes([len(tp)]) + tp
    def raw(h, pdu):
        return bytes([2 | h << 3, len(pdu)]) + pdu
    tick = lambda k: bytes([7 | k << 5])
    v = msgs["proxy_configuration_messages"][0]
    put("fuzz_proxy", "sample_proxy_pdu", conn(0) + raw(0, bytes.fromhex(v["proxy_pdu"])))
    addrs = lambda *a: b"".join(x.to_bytes(2, "big") for x in a)
    put("fuzz_proxy", "accept_add_remove", conn(0) + cfg(0, 0, b"\x00") +
        cfg(0, 1, addrs(0x1201, 0xc001, 0x0003, 0xffff, 0x0005)) +
        cfg(0, 1, addrs(0x0006, 0x0007, 0x0008, 0x0009, 0x000a)) +
        cfg(0, 2, addrs(0x0003, 0xc001)) + net(0, 0x0003, src=0x0100, air=True) + tick(3))
    put("fuzz_proxy", "reject_list", conn(1, 0x8000 | 517) + cfg(1, 0, b"\x01") +
        cfg(1, 1, addrs(0x0100)) + net(1, 0x0100, src=0x0200, air=True) +
        net(1, 0x0101, src=0x0200, air=True) + cfg(1, 0, b"\x02") + cfg(1, 3, b"\x00\x00\x01"))
    put("fuzz_proxy", "segmented_cfg", conn(0) + cfg(0, 1, addrs(1, 2, 3, 4, 5), how=5) +
        cfg(0, 1, addrs(1, 2, 3), how=7) + tick(5) + tick(6))
    put("fuzz_proxy", "net_from_client", conn(0) + conn(1) + net(0, 0x1201) + net(0, 0xc001, src=4) +
        net(0, 0x0009, src=5, ttl=3) + net(1, 0xffff, ctl=1, tp=b"\x0a" + bytes(6)))
    # a First, a Continuation and a Last by hand, and one left open past 20 s
    put("fuzz_proxy", "raw_sar", conn(0) + raw(0, b"\x40" + bytes(19)) + raw(0, b"\x80" + bytes(19)) +
        raw(0, b"\xc0" + bytes(5)) + raw(0, b"\x41\x00") + tick(6) + raw(0, b"\xc1\x00"))
    put("fuzz_proxy", "disconnect_reconnect", conn(0) + cfg(0, 1, addrs(7)) + bytes([1]) + conn(0) +
        net(0, 7, src=0x300, air=True))


def storage_seeds(pdus):
    """fuzz_storage: the fixture node's store as it wrote it (flag 1) and
    empty (flag 0), then each record key corrupted, truncated, deleted, or
    replaced (fuzz_storage.c), and the store followed by traffic."""
    put("fuzz_storage", "empty", b"\x00")
    put("fuzz_storage", "fixture", b"\x01")
    for sel in range(13):
        for slot in (0, 1):
            if sel < 7 and slot:
                continue
            put("fuzz_storage", "xor_%02d_%d" % (sel, slot), bytes([1, sel << 2 | 1, slot, 3, 0x80]))
            put("fuzz_storage", "trunc_%02d_%d" % (sel, slot), bytes([1, sel << 2 | 2, slot, 2]))
            put("fuzz_storage", "del_%02d_%d" % (sel, slot), bytes([1, sel << 2 | 3, slot]))
            put("fuzz_storage", "put_%02d_%d" % (sel, slot), bytes([1, sel << 2, slot, 4, 2, 0, 0, 0]))
    traffic = b"".join(bytes([len(p) + 2, len(p) + 1, 0x2a]) + p for p in pdus[:6])
    put("fuzz_storage", "fixture_traffic", b"\x01\xff" + traffic)


def cdb_seeds(tool):
    """fuzz_cdb: a database `blemesh prov create` exports, and variations of
    it that reach every reader of tools/cdb.c (nodes with composition,
    features, publication, subscriptions; key refresh; groups; vendor
    models), plus a few that each fail one check."""
    import copy
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.json")
        subprocess.run([tool, "prov", "--db", path, "create", "--name", "fuzz"], check=True,
                       stdout=subprocess.DEVNULL)
        text = open(path, "rb").read()
    put("fuzz_cdb", "created", text)
    db = json.loads(text)
    put("fuzz_cdb", "created_compact", json.dumps(db, separators=(",", ":")).encode())
    full = copy.deepcopy(db)
    full["netKeys"].append({"name": "second", "index": 1, "key": "11" * 16, "oldKey": "22" * 16,
                            "phase": 1, "minSecurity": "insecure",
                            "timestamp": "2024-01-01T00:00:00Z"})
    full["appKeys"].append({"name": "a1", "index": 1, "boundNetKey": 1, "key": "33" * 16,
                            "oldKey": "44" * 16})
    full["groups"] = [{"name": "g", "address": "C001", "parentAddress": "0000"},
                      {"name": "h", "address": "C002", "parentAddress": "C001"}]
    node = {"UUID": "70cf7c9732a345b691494810d2e9cbf4", "name": "lamp",
            "unicastAddress": "0002", "deviceKey": "9D6DD0E96EB25DC19A40ED9914F8F03F",
            "security": "insecure", "netKeys": [{"index": 0, "updated": False},
                                                {"index": 1, "updated": True}],
            "configComplete": False, "cid": "000A", "pid": "0001", "vid": "0002",
            "crpl": "0010",
            "features": {"relay": 1, "proxy": 2, "friend": 0, "lowPower": 2},
            "secureNetworkBeacon": True, "defaultTTL": 5,
            "relayRetransmit": {"count": 2, "interval": 20},
            "appKeys": [{"index": 0, "updated": False}, {"index": 1, "updated": False}],
            "elements": [{"name": "e0", "index": 0, "location": "0001", "models": [
                {"modelId": "1000", "subscribe": ["C001", "C002"], "bind": [0, 1],
                 "publish": {"address": "C001", "index": 0, "ttl": 7, "credentials": 0,
                             "period": {"numberOfSteps": 3, "resolution": 1000},
                             "retransmit": {"count": 2, "interval": 100}}},
                {"modelId": "000A0001", "subscribe": [], "bind": [1]}]},
                {"index": 1, "location": "0002", "models": [
                    {"modelId": "1002", "subscribe": [], "bind": [],
                     "publish": {"address": "F4A002C7FB1E4CA0A469A021DE0DB875", "index": 1,
                                 "ttl": 255}}]}],
            "excluded": False}
    full["nodes"].append(node)
    full["blemesh"] = {"ivIndex": 0x12345678, "nextUnicast": 0x10, "sequenceNumber": 0x100}
    put("fuzz_cdb", "full", json.dumps(full, indent=1).encode())
    bad = [("version2", lambda x: x.__setitem__("version", "2.0")),
           ("no_provisioner_node", lambda x: x.__setitem__("nodes", [])),
           ("bad_key", lambda x: x["netKeys"][0].__setitem__("key", "zz" * 16)),
           ("group_unicast", lambda x: x["groups"][0].__setitem__("address", "0005")),
           ("pub_ttl", lambda x: x["nodes"][1]["elements"][0]["models"][0]["publish"]
            .__setitem__("ttl", 200)),
           ("excluded", lambda x: x["nodes"][1].__setitem__("excluded", True)),
           ("partial", lambda x: x.__setitem__("partial", True))]
    for name, f in bad:
        v = copy.deepcopy(full)
        f(v)
        put("fuzz_cdb", "full_" + name, json.dumps(v).encode())
    put("fuzz_cdb", "not_json", b'{"version": "1.0.1", "meshUUID": ')
    put("fuzz_cdb", "empty_object", b"{}")


def friend_seeds(msgs):
    """fuzz_friend: records (fuzz_friend.c) carrying the control opcode and
    parameters of messages #1-#5 and #10-#14, and the transport PDUs of
    #11/#13/#15 (Message #6 delivered from a Friend Queue), to the Friend
    fixture (0x2345, first octet 0) and the Low Power one (0x1201, 1).
    Run alone: python3 -c 'import make_corpus as m, json;
    m.friend_seeds(json.load(open("../../shared/vectors/messages.json")))'"""
    m = {x["message_number"]: x for x in msgs["messages"]}
    src_sel = {0x1201: 0, 0x2345: 1, 0x2fe3: 2, 0x0003: 3}
    def ctl(num, step, creds, dst_sel):
        x = m[num]
        tc = x["transport_control_message"]
        params = bytes.fromhex(x["upper_transport_pdu"])
        op = step << 5 | src_sel[int(x["src"], 16)] << 2
        return bytes([op, dst_sel << 2 | creds, int(tc["opcode"], 16) if isinstance(tc["opcode"], str)
                      else tc["opcode"], len(params)]) + params
    def tp(num, step, dst_sel):
        x = m[num]
        t = bytes.fromhex(x["lower_transport_pdus"][0]["lower_transport_pdu"])
        op = step << 5 | src_sel[0x0003] << 2 | 1
        return bytes([op, dst_sel << 2, len(t)]) + t
    def raw(num, step):
        pdu = bytes.fromhex(x_net(m[num]))
        return bytes([step << 5 | 2, 0x14, len(pdu)]) + pdu
    x_net = lambda x: x["lower_transport_pdus"][0]["network"]["network_pdu"]
    fr = lambda *recs: b"\x00" + b"".join(recs)
    lp = lambda *recs: b"\x01" + b"".join(recs)
    # one message each, master (0) or the node's friendship credentials (1)
    for num in (1, 2, 3, 4, 5, 10, 12, 14):
        creds = 1 if m[num]["security_credentials"] == "friendship" else 0
        dst = 1 if int(m[num]["dst"], 16) == 0xfffd else 0
        put("fuzz_friend", "msg%02d_friend" % num, fr(ctl(num, 4, creds, dst)))
        put("fuzz_friend", "msg%02d_lpn" % num, lp(ctl(num, 7, creds, dst)))
    # the Friend: request, poll, queue Message #6 (as #11/#13/#15 carry it), polls
    put("fuzz_friend", "friend_sequence", fr(
        ctl(1, 5, 0, 1), ctl(4, 3, 1, 0), tp(11, 0, 2), tp(13, 0, 2), ctl(10, 4, 1, 0),
        ctl(12, 4, 1, 0), tp(15, 0, 2), ctl(14, 4, 1, 0), ctl(10, 6, 1, 0)))
    # the Friend: request, poll, subscription add/remove, clear, timeouts
    sub = lambda opcode, params, step=3: bytes([step << 5 | 0 << 2, 0x01, opcode, len(params)]) + params
    put("fuzz_friend", "friend_subs_clear", fr(
        ctl(1, 5, 0, 1), ctl(4, 3, 1, 0), sub(7, bytes.fromhex("07c0018123")),
        sub(8, bytes.fromhex("08c001")), tp(11, 0, 4),
        bytes([4 << 5 | 1 << 2, 0x00, 5, 4]) + bytes.fromhex("12010000"),
        bytes([7 << 5 | 3, 0])))
    put("fuzz_friend", "friend_poll_timeout", fr(
        ctl(1, 5, 0, 1), ctl(4, 3, 1, 0), bytes([7 << 5 | 3, 0]), bytes([7 << 5 | 3, 0])))
    # the Low Power node: offers #3 and #2 in the window, then #5 answers
    # its poll, #11/#13/#15 (raw, sample friendship credentials) and updates
    put("fuzz_friend", "lpn_sequence", lp(
        bytes([7 << 5 | 3, 0]), ctl(3, 0, 0, 0), ctl(2, 5, 0, 0), ctl(5, 7, 1, 0),
        raw(11, 7), raw(13, 7), raw(15, 7), ctl(5, 7, 1, 0)))
    put("fuzz_friend", "lpn_sub_confirm", lp(
        bytes([7 << 5 | 3, 0]), ctl(2, 5, 0, 0), ctl(5, 7, 1, 0),
        bytes([7 << 5 | 1 << 2, 0x01, 9, 1, 0x00]), bytes([7 << 5 | 3, 0])))
    # decoders: the parameters alone
    for num in (1, 2, 4, 5):
        put("fuzz_friend", "params%02d" % num, bytes.fromhex(m[num]["upper_transport_pdu"]))


if __name__ == "__main__":
    main()
