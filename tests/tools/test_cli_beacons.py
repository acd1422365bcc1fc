"""blemesh beacon encode / decode against beacons.json (Mesh Profile v1.0.1
sections 8.4.1-8.4.5): every secure network beacon encoded and decoded,
every unprovisioned device beacon decoded, and a tampered beacon rejected.
Every expected value comes from beacons.json."""
from cli_common import Runner, key_strings, num

R = Runner()
B = R.load("beacons.json")


def test_secure():
    for b in B["secure_network_beacons"]:
        what = "SNB " + b["spec_section"]
        args = ["beacon", "encode", "--netkey", b["net_key"], "--iv-index", "0x" + b["iv_index"]]
        if b["key_refresh_flag"]:
            args.append("--key-refresh")
        if b["iv_update_flag"]:
            args.append("--iv-update")
        rc, out, err = R.run(args)
        R.eq(rc, 0, what + " encode exit status (%r)" % err)
        R.eq(out, b["beacon"] + "\n", what + " encode")

        rc, out, err = R.run(["beacon", "decode", "--netkey", b["net_key"], b["beacon"]])
        objs = R.json_lines(out, what)
        R.eq(rc, 0, what + " decode exit status (%r)" % err)
        o = objs[0] if objs else {}
        R.eq(o.get("type"), num(b["beacon_type"]), what + " type")
        R.eq(o.get("flags"), num(b["flags"]), what + " flags")
        R.eq(o.get("key_refresh"), bool(b["key_refresh_flag"]), what + " key_refresh")
        R.eq(o.get("iv_update"), bool(b["iv_update_flag"]), what + " iv_update")
        R.eq(o.get("network_id"), b["network_id"], what + " network_id")
        R.eq(o.get("iv_index"), num(b["iv_index"]), what + " iv_index")
        R.eq(o.get("auth"), b["authentication_value"], what + " auth")
        R.eq(o.get("valid"), True, what + " valid")

        # One flipped bit of the authentication value: does not verify.
        bad = b["beacon"][:-1] + "%x" % (int(b["beacon"][-1], 16) ^ 1)
        rc, out, err = R.run(["beacon", "decode", "--netkey", b["net_key"], bad])
        objs = R.json_lines(out, what + " tampered")
        R.eq(rc, 1, what + " tampered: exit status")
        o = objs[0] if objs else {}
        R.eq(o.get("valid"), False, what + " tampered: valid")
        R.check("error" in o, what + " tampered: error key")
        # Another network's key: the NetworkID does not match.
        other = M_PROXY_NETKEY
        rc, out, err = R.run(["beacon", "decode", "--netkey", other, b["beacon"]])
        objs = R.json_lines(out, what + " other key")
        R.eq(rc, 1, what + " other key: exit status")
        R.check(objs and objs[0].get("valid") is False and "error" in objs[0],
                what + " other key: invalid with error")
        # Truncated by one octet.
        rc, out, err = R.run(["beacon", "decode", "--netkey", b["net_key"], b["beacon"][:-2]])
        R.eq(rc, 1, what + " truncated: exit status")
        R.check("error" in out, what + " truncated: error object")


def test_unprovisioned():
    for b in B["unprovisioned_device_beacons"]:
        what = "UDB " + b["spec_section"]
        rc, out, err = R.run(["beacon", "decode", b["beacon"]])
        objs = R.json_lines(out, what)
        R.eq(rc, 0, what + " decode exit status (%r)" % err)
        o = objs[0] if objs else {}
        R.eq(o.get("type"), num(b["beacon_type"]), what + " type")
        R.eq(o.get("uuid"), b["device_uuid"], what + " uuid")
        R.eq(o.get("oob_info"), num(b["oob_information"]), what + " oob_info")
        R.eq(o.get("uri_hash"), b.get("uri_hash"), what + " uri_hash")
        rc, out, err = R.run(["beacon", "decode", b["beacon"][:-2]])
        R.eq(rc, 1, what + " truncated: exit status")
        R.check("error" in out, what + " truncated: error object")


def test_several():
    """Several beacons in one call print one line each, in order."""
    s = B["secure_network_beacons"]
    u = B["unprovisioned_device_beacons"]
    rc, out, err = R.run(["beacon", "decode", "--netkey", s[0]["net_key"], s[0]["beacon"],
                          u[0]["beacon"], s[1]["beacon"]])
    objs = R.json_lines(out, "several")
    R.eq(rc, 0, "several: exit status (%r)" % err)
    R.eq([o.get("type") for o in objs], [1, 0, 1], "several: types")


# A network key of the other sample network (messages.json proxy sample).
M_PROXY_NETKEY = R.load("messages.json")["proxy_configuration_messages"][0]["net_key"]

test_secure()
test_unprovisioned()
test_several()
R.check_no_keys(key_strings(B) + [M_PROXY_NETKEY])
R.finish("test_cli_beacons")
