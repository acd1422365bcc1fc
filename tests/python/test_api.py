"""The board API on Sim nodes: every method, keyword, default, constant
and error of docs/python.md, one behaviour per test."""
import threading

import pytest

import blemesh
from blemesh import BLE_MeshError

BOARD_CONSTANTS = {
    "PROV_ADV": 1, "PROV_GATT": 2, "PROV_NONE": 4,
    "RELAY": 1, "GATT_PROXY": 2, "LOW_POWER": 4, "FRIEND": 8,
    "OOB_INPUT": 1, "OOB_OUTPUT": 2,
    "ADDR_ALL_NODES": 0xFFFF, "ADDR_PUBLISH": 0x0000,
    "GENERIC": 0, "SENSORS": 1, "TIME_SCENES": 2, "LIGHTNING": 3,
    "ONOFF": 0, "LEVEL": 1, "SERVER": 0, "CLIENT": 1,
    "EVT_STATE_CHANGED": 0, "EVT_STATUS": 1, "EVT_TIMEOUT": 2,
}


@pytest.mark.parametrize("name,value", sorted(BOARD_CONSTANTS.items()))
def test_constant_values_on_node_class_instance_and_module(name, value):
    sim = blemesh.Sim()
    node = sim.node()
    assert getattr(blemesh.Node, name) == value
    assert getattr(node, name) == value
    assert getattr(blemesh, name) == value


def test_ble_mesh_error_is_a_runtime_error():
    assert issubclass(BLE_MeshError, RuntimeError)


# --- init ---

def test_init_default_name_is_the_boards(mesh):
    n = mesh.sim.node()
    n.create_element(primary=True)
    n.init()
    n.set_node_prov(blemesh.PROV_ADV)
    devs = mesh.prov.scan(10)
    assert [d["uuid"] for d in devs] == [n.uuid()]
    # the advertisement carries the name shortened to fit 31 octets
    assert len(devs[0]["name"]) >= 8 and "PYCOM-ESP-BLE-MESH".startswith(devs[0]["name"])


def test_init_default_auth_is_no_oob(mesh):
    mesh.device("plain")  # auth defaults to 0
    addr = mesh.provision("plain")  # no oob= needed
    assert addr > 0 and "plain" not in mesh.shown


def test_init_auth_output_calls_prov_callback_with_type_and_number(mesh):
    mesh.device("oob", auth=blemesh.OOB_OUTPUT)
    addr = mesh.provision("oob", oob=lambda action, size: mesh.shown.get("oob", (0, None))[1])
    oob_type, oob_pass = mesh.shown["oob"]
    assert oob_type == blemesh.OOB_OUTPUT
    assert isinstance(oob_pass, int) and 0 <= oob_pass < 10000
    assert addr > 0


def test_init_is_keyword_only_for_auth():
    n = blemesh.Sim().node()
    with pytest.raises(TypeError):
        n.init("x", 0)


@pytest.mark.parametrize("name", ["x" * 30, "a\0b"])
def test_init_rejects_bad_names(name):
    n = blemesh.Sim().node()
    with pytest.raises(ValueError, match="name"):
        n.init(name)


def test_init_rejects_unknown_auth():
    n = blemesh.Sim().node()
    with pytest.raises(ValueError, match="auth"):
        n.init("x", auth=5)


def test_init_input_oob_is_not_supported():
    n = blemesh.Sim().node()
    with pytest.raises(BLE_MeshError, match="OOB_INPUT"):
        n.init("x", auth=blemesh.OOB_INPUT)


def test_init_twice_is_a_state_error():
    n = blemesh.Sim().node()
    n.init("x")
    with pytest.raises(BLE_MeshError, match="already"):
        n.init("x")


# --- set_node_prov / reset_node_prov ---

def test_set_node_prov_default_bearer_is_none_so_not_discoverable(mesh):
    n = mesh.sim.node()
    n.create_element(primary=True)
    n.init("hidden")
    n.set_node_prov()
    assert mesh.prov.scan(12, name="hidden") == []


def test_set_node_prov_before_init_is_a_state_error():
    n = blemesh.Sim().node()
    with pytest.raises(BLE_MeshError, match="init"):
        n.set_node_prov(blemesh.PROV_ADV)


def test_set_node_prov_gatt_is_not_supported():
    n = blemesh.Sim().node()
    n.init("x")
    with pytest.raises(BLE_MeshError, match="PROV_GATT"):
        n.set_node_prov(blemesh.PROV_GATT)


@pytest.mark.parametrize("bearer", [0, 8, -1, 5])
def test_set_node_prov_rejects_unknown_bearers(bearer):
    n = blemesh.Sim().node()
    n.init("x")
    with pytest.raises(ValueError, match="bearer"):
        n.set_node_prov(bearer)


def test_set_node_prov_callback_must_be_callable():
    n = blemesh.Sim().node()
    n.init("x")
    with pytest.raises(ValueError, match="callable"):
        n.set_node_prov(blemesh.PROV_ADV, callback=3)


def test_set_node_prov_callback_is_keyword_only():
    n = blemesh.Sim().node()
    n.init("x")
    with pytest.raises(TypeError):
        n.set_node_prov(blemesh.PROV_ADV, print)


def test_reset_node_prov_unprovisions_and_beacons_again(mesh):
    n, _ = mesh.device("again")
    mesh.provision("again")
    assert n.is_provisioned() and n.address() > 0
    n.reset_node_prov()
    assert not n.is_provisioned() and n.address() == 0
    mesh.sim.run(100)
    assert mesh.provision("again") > 0


def test_reset_node_prov_before_init_is_a_state_error():
    with pytest.raises(BLE_MeshError):
        blemesh.Sim().node().reset_node_prov()


# --- create_element ---

def test_create_element_defaults_feature_0_beacon_true_ttl_7(mesh):
    n = mesh.sim.node()
    e = n.create_element(primary=True)
    assert isinstance(e, blemesh.Element) and e.index == 0 and e.node is n
    n.init("defaults")
    n.set_node_prov(blemesh.PROV_ADV)
    addr = mesh.provision("defaults")
    comp = mesh.prov.composition(addr)
    assert comp["features"] & 0x1 == 0  # no relay feature asked
    assert mesh.prov.default_ttl(addr) == 7


def test_create_element_feature_and_ttl_reach_the_configuration_server(mesh):
    n = mesh.sim.node()
    n.create_element(primary=True, feature=blemesh.RELAY, beacon=False, ttl=12)
    n.init("relay")
    n.set_node_prov(blemesh.PROV_ADV)
    addr = mesh.provision("relay")
    assert mesh.prov.composition(addr)["features"] & 0x1
    assert mesh.prov.default_ttl(addr) == 12


def test_create_element_secondary_gets_the_next_index_and_address(mesh):
    n = mesh.sim.node()
    n.create_element(primary=True)
    e1 = n.create_element(primary=False)
    assert e1.index == 1 and n.element_count() == 2
    n.init("two")
    n.set_node_prov(blemesh.PROV_ADV)
    addr = mesh.provision("two")
    assert e1.address() == addr + 1


def test_create_element_primary_is_required_and_keyword_only():
    n = blemesh.Sim().node()
    with pytest.raises(ValueError, match="primary"):
        n.create_element()
    with pytest.raises(TypeError):
        n.create_element(True)


@pytest.mark.parametrize("kw,match", [({"ttl": 1}, "ttl"), ({"ttl": 128}, "ttl"),
                                      ({"ttl": -1}, "ttl"), ({"feature": 16}, "feature")])
def test_create_element_rejects_bad_values(kw, match):
    n = blemesh.Sim().node()
    with pytest.raises(ValueError, match=match):
        n.create_element(primary=True, **kw)


def test_create_element_order_rules():
    n = blemesh.Sim().node()
    with pytest.raises(ValueError, match="primary"):
        n.create_element(primary=False)
    n.create_element(primary=True)
    with pytest.raises(ValueError, match="primary"):
        n.create_element(primary=True)


# --- add_model ---

def test_add_model_defaults_generic_onoff_server_value_0():
    n = blemesh.Sim().node()
    m = n.create_element(primary=True).add_model()
    assert isinstance(m, blemesh.Model)
    assert (m.type, m.functionality, m.server_client) == (0, 0, 0)
    assert m.model_id == blemesh.MODEL_ONOFF_SRV and m.callback is None
    assert m.value() == 0


@pytest.mark.parametrize("fn,sc,mid", [(0, 0, 0x1000), (0, 1, 0x1001), (1, 0, 0x1002),
                                       (1, 1, 0x1003)])
def test_add_model_each_generic_model(fn, sc, mid):
    n = blemesh.Sim().node()
    m = n.create_element(primary=True).add_model(blemesh.GENERIC, fn, sc)
    assert m.model_id == mid and m in n.models


def test_add_model_initial_value_and_signed_level():
    e = blemesh.Sim().node().create_element(primary=True)
    assert e.add_model(value=1).value() == 1
    assert e.add_model(value=True, functionality=blemesh.ONOFF,
                       server_client=blemesh.CLIENT).value() == 1
    lvl = e.add_model(blemesh.GENERIC, blemesh.LEVEL, blemesh.SERVER, value=-32768)
    assert lvl.value() == -32768


@pytest.mark.parametrize("args,kw,exc", [
    ((4,), {}, ValueError), ((0, 2), {}, ValueError), ((0, 0, 2), {}, ValueError),
    ((), {"value": 2}, ValueError), ((0, 1), {"value": 32768}, ValueError),
    ((0, 1), {"value": -32769}, ValueError), ((), {"callback": 1}, ValueError),
    ((), {"value": 0.5}, TypeError),
    ((blemesh.SENSORS,), {}, BLE_MeshError), ((blemesh.TIME_SCENES,), {}, BLE_MeshError),
    ((blemesh.LIGHTNING,), {}, BLE_MeshError),
])
def test_add_model_errors(args, kw, exc):
    e = blemesh.Sim().node().create_element(primary=True)
    with pytest.raises(exc):
        e.add_model(*args, **kw)


def test_add_model_callback_and_value_are_keyword_only():
    e = blemesh.Sim().node().create_element(primary=True)
    with pytest.raises(TypeError):
        e.add_model(0, 0, 0, print)


# --- value / set_state ---

def test_value_on_a_server_is_seen_by_a_remote_client_and_published_once(mesh):
    heard = []
    srv_n, srv = mesh.device("srv")
    cli_n, cli = mesh.device("cli", model=(blemesh.ONOFF, blemesh.CLIENT),
                             callback=lambda m, ev, op: heard.append((m, ev, op)))
    cli_addr = mesh.up("cli", blemesh.MODEL_ONOFF_CLI)
    mesh.up("srv", blemesh.MODEL_ONOFF_SRV, publish=cli_addr)
    srv.value(1)
    assert srv.value() == 1
    mesh.sim.run(1000)
    assert cli.value() == 1
    assert heard == [(cli, blemesh.EVT_STATUS, 0x8204)]  # one publication


def test_value_set_on_a_client_is_a_state_error():
    m = blemesh.Sim().node().create_element(primary=True).add_model(server_client=1)
    with pytest.raises(BLE_MeshError, match="set_state"):
        m.value(1)


@pytest.mark.parametrize("v,exc", [(2, ValueError), (-1, ValueError), ("1", TypeError)])
def test_value_rejects_bad_onoff_values(v, exc):
    m = blemesh.Sim().node().create_element(primary=True).add_model()
    with pytest.raises(exc):
        m.value(v)


def test_level_values_are_signed_16_bit():
    m = blemesh.Sim().node().create_element(primary=True).add_model(0, blemesh.LEVEL, 0)
    m.value(-1234)
    assert m.value() == -1234
    for bad in (32768, -32769, 65535):
        with pytest.raises(ValueError, match="signed 16-bit"):
            m.value(bad)


def test_set_state_default_addr_reaches_the_server_and_fires_both_callbacks(mesh):
    srv_ev, cli_ev = [], []
    srv_n, srv = mesh.device("srv", callback=lambda m, e, op: srv_ev.append((m, e, op)))
    cli_n, cli = mesh.device("cli", model=(blemesh.ONOFF, blemesh.CLIENT),
                             callback=lambda m, e, op: cli_ev.append((m, e, op)))
    mesh.up("srv", blemesh.MODEL_ONOFF_SRV)
    mesh.up("cli", blemesh.MODEL_ONOFF_CLI)
    cli.set_state(1)  # addr=ADDR_ALL_NODES, app_idx=0
    mesh.sim.run(1000)
    assert srv.value() == 1 and cli.value() == 1
    assert srv_ev == [(srv, blemesh.EVT_STATE_CHANGED, 0x8202)]
    assert cli_ev == [(cli, blemesh.EVT_STATUS, 0x8204)]


def test_set_state_level_to_a_unicast_address_with_a_negative_value(mesh):
    srv_n, srv = mesh.device("lsrv", model=(blemesh.LEVEL, blemesh.SERVER))
    cli_n, cli = mesh.device("lcli", model=(blemesh.LEVEL, blemesh.CLIENT))
    srv_addr = mesh.up("lsrv", blemesh.MODEL_LEVEL_SRV)
    mesh.up("lcli", blemesh.MODEL_LEVEL_CLI)
    cli.set_state(-1000, srv_addr, app_idx=0)
    mesh.sim.run(1000)
    assert srv.value() == -1000 and cli.value() == -1000


def test_set_state_addr_publish_uses_the_publication_address(mesh):
    srv_n, srv = mesh.device("srv")
    cli_n, cli = mesh.device("cli", model=(blemesh.ONOFF, blemesh.CLIENT))
    srv_addr = mesh.up("srv", blemesh.MODEL_ONOFF_SRV)
    cli_addr = mesh.provision("cli")
    mesh.prov.add_app_key(cli_addr)
    mesh.prov.bind(cli_addr, blemesh.MODEL_ONOFF_CLI)
    with pytest.raises(BLE_MeshError, match="publication"):
        cli.set_state(1, blemesh.ADDR_PUBLISH)
    mesh.prov.publish(cli_addr, blemesh.MODEL_ONOFF_CLI, srv_addr)
    cli.set_state(1, blemesh.ADDR_PUBLISH)
    mesh.sim.run(1000)
    assert srv.value() == 1


def test_set_state_ttl_line():
    """The switch's element TTL bounds how far its Set travels: with TTL 2
    it reaches the light one relay away (TTL 2 -> relayed with 1) but not
    the one two relays away."""
    sim = blemesh.Sim(seed=4, link=None)
    prov = blemesh.Provisioner(sim)
    nodes, srvs = [], []
    sw = sim.node()
    cli = sw.create_element(primary=True, ttl=2).add_model(0, 0, 1)
    sw.init("sw")
    sw.set_node_prov(blemesh.PROV_ADV)
    for i in range(3):
        n = sim.node()
        srvs.append(n.create_element(primary=True, feature=blemesh.RELAY).add_model())
        n.init(f"l{i}")
        n.set_node_prov(blemesh.PROV_ADV)
        nodes.append(n)
    line = [sw] + nodes
    for a, b in zip(line, line[1:]):
        sim.link(a, b)
    for n in line:
        sim.link(prov.node, n)
    for n, name in zip(line, ["sw", "l0", "l1", "l2"]):
        addr = prov.provision(prov.scan(30, name=name)[0])
        prov.configure(addr, [blemesh.MODEL_ONOFF_CLI if n is sw else blemesh.MODEL_ONOFF_SRV])
    for n in line:
        sim.unlink(prov.node, n)
    cli.set_state(1)
    sim.run(3000)
    assert [s.value() for s in srvs] == [1, 1, 0]


def test_set_state_errors(mesh):
    n = mesh.sim.node()
    e = n.create_element(primary=True)
    srv = e.add_model()
    cli = e.add_model(server_client=blemesh.CLIENT)
    n.init("errs")
    n.set_node_prov(blemesh.PROV_ADV)
    with pytest.raises(BLE_MeshError, match="client"):
        srv.set_state(1)
    with pytest.raises(BLE_MeshError, match="not provisioned"):
        cli.set_state(1)
    mesh.provision("errs")
    with pytest.raises(BLE_MeshError, match="no AppKey bound"):
        cli.set_state(1)
    with pytest.raises(ValueError):
        cli.set_state(2)
    with pytest.raises(ValueError, match="addr"):
        cli.set_state(1, 0x10000)
    with pytest.raises(ValueError, match="virtual"):
        cli.set_state(1, 0x8123)
    with pytest.raises(ValueError, match="app_idx"):
        cli.set_state(1, app_idx=4096)
    with pytest.raises(TypeError):
        cli.set_state(1, 0xFFFF, 0)  # app_idx is keyword-only


def test_client_timeout_event_carries_the_sets_opcode(mesh):
    ev = []
    n, cli = mesh.device("lonely", model=(blemesh.ONOFF, blemesh.CLIENT),
                         callback=lambda m, e, op: ev.append((e, op)))
    mesh.up("lonely", blemesh.MODEL_ONOFF_CLI)
    cli.set_state(1, 0x0123)  # nobody there
    mesh.sim.run(30000)
    assert ev == [(blemesh.EVT_TIMEOUT, 0x8202)]


def test_a_raising_callback_is_printed_and_the_loop_goes_on(mesh, monkeypatch):
    printed = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: printed.append(u.exc_value))
    calls = []

    def bad(m, e, op):
        calls.append(op)
        raise RuntimeError("boom")

    srv_n, srv = mesh.device("srv", callback=bad)
    cli_n, cli = mesh.device("cli", model=(blemesh.ONOFF, blemesh.CLIENT))
    mesh.up("srv", blemesh.MODEL_ONOFF_SRV)
    mesh.up("cli", blemesh.MODEL_ONOFF_CLI)
    cli.set_state(1)
    mesh.sim.run(1000)
    cli.set_state(0)
    mesh.sim.run(1000)
    assert calls == [0x8202, 0x8202] and srv.value() == 0
    assert [str(e) for e in printed] == ["boom", "boom"]


def test_callbacks_run_at_their_virtual_time_and_may_call_the_api(mesh):
    """A server callback that answers by changing its state: the core is
    not re-entered (the event is queued and run after the core returns)."""
    srv_n, srv = mesh.device("srv", callback=lambda m, e, op: m.value(0))
    cli_n, cli = mesh.device("cli", model=(blemesh.ONOFF, blemesh.CLIENT))
    mesh.up("srv", blemesh.MODEL_ONOFF_SRV)
    mesh.up("cli", blemesh.MODEL_ONOFF_CLI)
    cli.set_state(1)
    mesh.sim.run(1000)
    assert srv.value() == 0


def test_closed_node_raises(mesh):
    n = mesh.sim.node()
    m = n.create_element(primary=True).add_model()
    n.close()
    with pytest.raises(BLE_MeshError, match="closed"):
        m.value()
    with pytest.raises(BLE_MeshError, match="closed"):
        n.init()


def test_sim_is_deterministic_for_a_seed():
    def run(seed):
        m = __import__("conftest").Mesh(seed)
        m.device("d")
        m.provision("d")
        return m.sim.now_ms, m.sim.stats()["sent"]

    assert run(7) == run(7)


def test_default_node_is_one_per_process(tmp_path, monkeypatch):
    monkeypatch.setattr(blemesh, "_default", None)
    blemesh.configure(str(tmp_path / "store"), port=29000 + threading.get_ident() % 500)
    a = blemesh.BLE_Mesh
    assert a is blemesh.BLE_Mesh and a.sim is None
    with pytest.raises(BLE_MeshError, match="already open"):
        blemesh.configure(str(tmp_path / "other"))
    a.close()
