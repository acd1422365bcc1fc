"""A provisioner with a Configuration Client, from Python.

It runs on its own node: in a :class:`blemesh.Sim` (waiting means running
virtual time) or on the socket bearer (waiting means letting the node's
loop thread work). Every call blocks until its answer and raises
:class:`blemesh.BLE_MeshError` on a timeout, a failure or a non-success
Status, naming the Status Code.
"""

import os
import struct
import threading
import time

from ._blemesh import BLE_MeshError, Node

MODEL_ONOFF_SRV = 0x1000
MODEL_ONOFF_CLI = 0x1001
MODEL_LEVEL_SRV = 0x1002
MODEL_LEVEL_CLI = 0x1003
SIG = 0xFFFF  # company of SIG models in the Configuration messages

# Mesh Profile 4.3.5
STATUS_NAMES = {
    0x01: "Invalid Address", 0x02: "Invalid Model", 0x03: "Invalid AppKey Index",
    0x04: "Invalid NetKey Index", 0x05: "Insufficient Resources",
    0x06: "Key Index Already Stored", 0x07: "Invalid Publish Parameters",
    0x08: "Not a Subscribe Model", 0x09: "Storage Failure", 0x0A: "Feature Not Supported",
    0x0B: "Cannot Update", 0x0C: "Cannot Remove", 0x0D: "Cannot Bind",
    0x0E: "Temporarily Unable to Change State", 0x0F: "Cannot Set",
    0x10: "Unspecified Error", 0x11: "Invalid Binding",
}

# Requests whose Status carries no Status Code.
_NO_STATUS = {"comp_get", "ttl_get", "ttl_set", "relay_get", "node_reset"}

PROVISION_OOB_NEEDED, PROVISION_COMPLETE, PROVISION_FAILED = 0, 1, 2


def _model(model_id):
    """(company, id) of a model: an int is a SIG model, a tuple a vendor one."""
    if isinstance(model_id, tuple):
        return model_id
    return SIG, model_id


class Provisioner:
    """Provisioner(sim=None, *, addr=0x0001, net_key=None, iv_index=0,
    store=None, group=None, port=0, iface=None, name="blemesh-provisioner",
    log_level=1)

    Creates a network (net_key: 16 octets, default random) with this
    provisioner at unicast address addr. With sim, its node is a new node
    of that Sim; otherwise a node on the socket bearer (group, port, iface:
    the air; store: a state directory, default none)."""

    def __init__(self, sim=None, *, addr=0x0001, net_key=None, iv_index=0, store=None,
                 group=None, port=0, iface=None, name="blemesh-provisioner", log_level=1):
        self.sim = sim
        if sim is not None:
            self.node = sim.node()
        else:
            self.node = Node(store, group=group, port=port, iface=iface,
                             log_level=log_level, name=name)
        self._cond = threading.Condition()
        self._rsp = None
        self._prov = None
        self.app_keys = {}
        self.node.create_element(primary=True)
        self.node.init(name[:29])
        self.node._prov_create_network(net_key, iv_index=iv_index, addr=addr)
        self.node._cfg_enable(self._on_cfg)

    # -- waiting -------------------------------------------------------

    def _wait(self, done, timeout_s):
        """Waits until done() is true, at most timeout_s (virtual seconds
        in a Sim). Returns done()."""
        if self.sim is not None:
            end = self.sim.now_ms + int(timeout_s * 1000)
            while not done() and self.sim.now_ms < end:
                self.sim.run(min(20, end - self.sim.now_ms))
            return done()
        with self._cond:
            return self._cond.wait_for(done, timeout_s)

    def _notify(self):
        if self.sim is None:
            with self._cond:
                self._cond.notify_all()

    def _on_cfg(self, rsp):
        self._rsp = rsp
        self._notify()

    def _on_provision(self, r):
        self._prov = r
        self._notify()

    # -- provisioning --------------------------------------------------

    def scan(self, timeout=10.0, *, count=1, name=None):
        """Listens for unprovisioned devices until count of them (with this
        name, if given) are seen, or timeout seconds pass. Returns a list of
        dicts: uuid (bytes), name, rssi, oob_info."""

        def found():
            devs = self.node._prov_scan_results()
            if name is not None:
                devs = [d for d in devs if d["name"] == name]
            return devs

        self.node._prov_scan(True)
        try:
            self._wait_poll(lambda: len(found()) >= count, timeout)
        finally:
            self.node._prov_scan(False)
        return found()

    def _wait_poll(self, done, timeout_s):
        if self.sim is not None:
            return self._wait(done, timeout_s)
        end = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True

    def provision(self, device, *, oob=None, timeout=60.0, refuse_no_oob=False, attention=0):
        """Provisions device (a scan result or a 16-octet UUID) over PB-ADV
        and returns its primary address. For an Output OOB device, oob gives
        what it shows: a string, or a callable (action, size) -> string, or
        None while the value is not known yet (it is asked again)."""
        uuid = device["uuid"] if isinstance(device, dict) else bytes(device)
        self._prov = None
        self.node._prov_provision(uuid, self._on_provision, attention=attention,
                                  refuse_no_oob=refuse_no_oob)
        while True:
            if not self._wait(lambda: self._prov is not None, timeout):
                raise BLE_MeshError("provision: no answer from the device in %g s" % timeout)
            r = self._prov
            if r["event"] != PROVISION_OOB_NEEDED:
                break
            self._prov = None
            value = self._oob_value(oob, r, timeout)
            self.node._prov_input_oob(value)
        if r["event"] == PROVISION_FAILED:
            raise BLE_MeshError("provision: failed: %s (Provisioning Failed reason 0x%02x)"
                                % (_strerror(r["err"]), r["reason"]))
        return r["addr"]

    def _oob_value(self, oob, r, timeout):
        if oob is None:
            raise BLE_MeshError("provision: the device shows an Output OOB value; pass oob=")
        if not callable(oob):
            return str(oob)
        box = []

        def ready():
            if not box:
                v = oob(r["oob_action"], r["oob_size"])
                if v is not None:
                    box.append(str(v))
            return bool(box)

        if not self._wait_poll(ready, timeout):
            raise BLE_MeshError("provision: no Output OOB value given in %g s" % timeout)
        return box[0]

    def nodes(self):
        """The network database: dicts of uuid, addr, elements."""
        return self.node._prov_nodes()

    # -- configuration -------------------------------------------------

    def request(self, name, dst, *args, timeout=30.0):
        """Sends one Configuration request and returns its Status as a
        dict (opcode, src, status, raw parameters). Raises BLE_MeshError on
        a timeout or a non-success Status Code."""
        self._rsp = None
        self.node._cfg(name, dst, *args)
        if not self._wait(lambda: self._rsp is not None, timeout):
            raise BLE_MeshError("%s to 0x%04x: no Status in %g s" % (name, dst, timeout))
        rsp = self._rsp
        if rsp["err"]:
            raise BLE_MeshError("%s to 0x%04x: %s" % (name, dst, rsp["error"]))
        if name not in _NO_STATUS and rsp["status"]:
            raise BLE_MeshError("%s to 0x%04x: Status 0x%02x (%s)" % (
                name, dst, rsp["status"], STATUS_NAMES.get(rsp["status"], "?")))
        return rsp

    def add_app_key(self, addr, app_idx=0, *, key=None, net_idx=0):
        """Config AppKey Add: sends the AppKey at app_idx (generated once per
        index unless key is given) to the node at addr."""
        if key is None:
            key = self.app_keys.get(app_idx) or os.urandom(16)
        self.app_keys[app_idx] = bytes(key)
        self.request("app_key_add", addr, net_idx, app_idx, bytes(key))

    def bind(self, addr, model_id, app_idx=0, *, element=0):
        """Config Model App Bind on the node's element (index)."""
        company, mid = _model(model_id)
        self.request("app_bind", addr, addr + element, app_idx, company, mid)

    def publish(self, addr, model_id, pub_addr, app_idx=0, *, element=0, ttl=0xFF, period=0,
                retransmit=(0, 0)):
        """Config Model Publication Set: the model publishes to pub_addr
        (ttl 0xFF: the node's default TTL; retransmit: (count 0..7, steps
        0..31 of 50 ms))."""
        company, mid = _model(model_id)
        self.request("pub_set", addr, addr + element, company, mid, pub_addr, app_idx, ttl,
                     period, retransmit[0], retransmit[1])

    def subscribe(self, addr, model_id, group, *, element=0):
        """Config Model Subscription Add."""
        company, mid = _model(model_id)
        self.request("sub_add", addr, addr + element, group, company, mid)

    def default_ttl(self, addr, ttl=None):
        """Config Default TTL Get (or Set, with ttl); returns the TTL."""
        if ttl is None:
            rsp = self.request("ttl_get", addr)
        else:
            rsp = self.request("ttl_set", addr, ttl)
        return rsp["raw"][0]

    def reset(self, addr):
        """Config Node Reset: the node forgets the network."""
        self.request("node_reset", addr)

    def composition(self, addr):
        """Composition Data page 0 (Mesh Profile 4.2.1.1) as a dict: cid,
        pid, vid, crpl, features, elements (each loc, sig models, vendor
        models)."""
        raw = self.request("comp_get", addr, 0)["raw"]
        page, cid, pid, vid, crpl, features = struct.unpack_from("<BHHHHH", raw, 0)
        off, elements = 11, []
        while off + 4 <= len(raw):
            loc, nsig, nvnd = struct.unpack_from("<HBB", raw, off)
            off += 4
            sig = list(struct.unpack_from("<%dH" % nsig, raw, off))
            off += 2 * nsig
            vnd = [struct.unpack_from("<HH", raw, off + 4 * i) for i in range(nvnd)]
            off += 4 * nvnd
            elements.append({"loc": loc, "sig": sig, "vendor": vnd})
        return {"page": page, "cid": cid, "pid": pid, "vid": vid, "crpl": crpl,
                "features": features, "elements": elements}

    def configure(self, addr, models, app_idx=0, *, publish=None, subscribe=None):
        """AppKey Add, then for each model id Model App Bind, then (if
        given) publication to publish and subscription to subscribe."""
        self.add_app_key(addr, app_idx)
        for m in models:
            self.bind(addr, m, app_idx)
            if publish is not None:
                self.publish(addr, m, publish, app_idx)
            if subscribe is not None:
                self.subscribe(addr, m, subscribe)

    def close(self):
        """Releases the provisioner's node."""
        self.node.close()


def _strerror(err):
    names = {-1: "invalid argument", -2: "malformed PDU", -5: "authentication failed",
             -13: "timed out", -16: "invalid public key", -17: "busy"}
    return names.get(err, "error %d" % err)
