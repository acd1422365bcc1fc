"""Over the real socket bearer: the server board script runs under
`python3 -m blemesh.run` in a subprocess (its own process, store and loop
thread, as a board would be); a Provisioner and the client board script run
in this process on their own nodes, on a private air (random UDP port)."""
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

import blemesh
from conftest import BOARD


def reader(pipe, q):
    for line in pipe:
        q.put(line)


def wait_line(q, pattern, timeout=30, seen=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if seen is not None:
            seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    raise AssertionError(f"no line matching {pattern!r} in {timeout} s; got {seen}")


def test_board_scripts_over_the_socket_bearer(tmp_path):
    port = random.randint(30000, 60000)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    srv = subprocess.Popen(
        [sys.executable, "-m", "blemesh.run", os.path.join(BOARD, "server.py"),
         "--store", str(tmp_path / "server"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    q = queue.Queue()
    threading.Thread(target=reader, args=(srv.stdout, q), daemon=True).start()
    seen = []
    prov = cli_node = None
    try:
        wait_line(q, "light ready", seen=seen)
        prov = blemesh.Provisioner(port=port)
        cli_node = blemesh.Node(None, port=port)
        cli = blemesh.run_script(os.path.join(BOARD, "client.py"), cli_node)

        devs = {d["name"]: d for d in prov.scan(20, count=2)}
        assert set(devs) >= {"Pycom Li", "Pycom Sw"}
        shown = []

        def oob(action, size):
            if not shown:
                shown.append(wait_line(q, r"OOB type 2 pass (\d+)", seen=seen).group(1))
            return shown[0]

        srv_addr = prov.provision(devs["Pycom Li"], oob=oob, timeout=60)
        cli_addr = prov.provision(devs["Pycom Sw"], timeout=60)
        prov.configure(cli_addr, [blemesh.MODEL_ONOFF_CLI])
        prov.configure(srv_addr, [blemesh.MODEL_ONOFF_SRV], publish=cli_addr)

        model = cli["model_client"]
        cli["toggle"]()
        wait_line(q, r"light: event 0 opcode 0x8202 state 1", seen=seen)
        wait_line(q, r"pycom: LED #ffffff", seen=seen)
        end = time.monotonic() + 10
        while model.value() != 1 and time.monotonic() < end:
            time.sleep(0.05)
        assert model.value() == 1
    finally:
        if prov:
            prov.close()
        if cli_node:
            cli_node.close()
        srv.send_signal(signal.SIGINT)
        try:
            rc = srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
            pytest.fail("blemesh.run did not stop on SIGINT")
    assert rc == 0
    # the store keeps the node: a restart comes back provisioned
    assert os.listdir(tmp_path / "server")


def test_callbacks_run_on_the_loop_thread(tmp_path):
    port = random.randint(30000, 60000)
    opened = []
    try:
        prov = blemesh.Provisioner(port=port)
        opened.append(prov)
        n = blemesh.Node(str(tmp_path / "n"), port=port)
        opened.append(n)
        got = []
        ev = threading.Event()

        def cb(model, event, recv_op):
            got.append((threading.current_thread() is threading.main_thread(), event, recv_op))
            ev.set()

        srv = n.create_element(primary=True).add_model(callback=cb)
        n.init("thread")
        n.set_node_prov(blemesh.PROV_ADV)
        c = blemesh.Node(None, port=port)
        opened.append(c)
        cli = c.create_element(primary=True).add_model(server_client=blemesh.CLIENT)
        c.init("cthread")
        c.set_node_prov(blemesh.PROV_ADV)
        devs = {d["name"]: d for d in prov.scan(20, count=2)}
        a = prov.provision(devs["thread"])
        b = prov.provision(devs["cthread"])
        prov.configure(a, [blemesh.MODEL_ONOFF_SRV])
        prov.configure(b, [blemesh.MODEL_ONOFF_CLI])
        cli.set_state(1, a)
        assert ev.wait(10)
        assert got == [(False, blemesh.EVT_STATE_CHANGED, 0x8202)] and srv.value() == 1
    finally:
        for x in opened:
            x.close()


def test_store_in_use_is_a_clear_error(tmp_path):
    a = blemesh.Node(str(tmp_path / "s"), port=random.randint(30000, 60000))
    try:
        with pytest.raises(blemesh.BLE_MeshError, match="in use"):
            blemesh.Node(str(tmp_path / "s"), port=random.randint(30000, 60000))
    finally:
        a.close()


def test_run_usage_errors():
    r = subprocess.run([sys.executable, "-m", "blemesh.run", "/nonexistent.py"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "no such script" in r.stderr
