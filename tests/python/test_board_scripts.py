"""Board scripts written for a Pycom board (tests/python/board/), run
unmodified against two nodes of one Sim, provisioned and configured by
blemesh.Provisioner: the client's set_state turns the server's value, and
the server's value(1) publication reaches the client's value()."""
import os
import re

import blemesh
from conftest import BOARD


def setup_scripts(capsys):
    sim = blemesh.Sim(seed=2)
    prov = blemesh.Provisioner(sim)
    srv_node, cli_node = sim.node(), sim.node()
    srv = blemesh.run_script(os.path.join(BOARD, "server.py"), srv_node, label="light")
    cli = blemesh.run_script(os.path.join(BOARD, "client.py"), cli_node, label="switch")
    out = capsys.readouterr().out
    assert "light ready" in out and "switch ready" in out
    assert "[light] pycom: heartbeat off" in out

    def shown(action, size):
        m = re.findall(r"OOB type (\d+) pass (\d+)", capsys.readouterr().out)
        if m:
            assert int(m[-1][0]) == blemesh.OOB_OUTPUT
            return m[-1][1]
        return None

    devs = {d["name"]: d for d in prov.scan(30, count=2)}
    srv_addr = prov.provision(devs["Pycom Li"], oob=shown)
    cli_addr = prov.provision(devs["Pycom Sw"])
    prov.configure(cli_addr, [blemesh.MODEL_ONOFF_CLI])
    prov.configure(srv_addr, [blemesh.MODEL_ONOFF_SRV], publish=cli_addr)
    capsys.readouterr()
    return sim, srv, cli


def test_board_scripts_client_set_state_turns_the_server(capsys):
    sim, srv, cli = setup_scripts(capsys)
    cli["toggle"]()  # what the board's button handler calls
    sim.run(1000)
    assert srv["model_server"].value() == 1
    assert cli["model_client"].value() == 1
    out = capsys.readouterr().out
    assert "light: event 0 opcode 0x8202 state 1" in out
    assert "[light] pycom: LED #ffffff (white)" in out
    assert "switch: event 1 opcode 0x8204 value 1" in out
    assert "[switch] pycom: LED #00ff00 (green)" in out
    cli["toggle"]()
    sim.run(1000)
    assert srv["model_server"].value() == 0


def test_board_scripts_server_value_publication_reaches_the_client(capsys):
    sim, srv, cli = setup_scripts(capsys)
    srv["model_server"].value(1)
    sim.run(1000)
    assert cli["model_client"].value() == 1
    out = capsys.readouterr().out
    assert out.count("switch: event 1 opcode 0x8204 value 1") == 1  # published once
    assert "light: event" not in out  # a local value() is not a remote Set
    srv["model_server"].value(0)
    sim.run(1000)
    assert cli["model_client"].value() == 0


def test_board_modules_are_only_there_during_the_script():
    import sys

    sim = blemesh.Sim()
    blemesh.run_script(os.path.join(BOARD, "client.py"), sim.node())
    assert "network" not in sys.modules and "pycom" not in sys.modules
