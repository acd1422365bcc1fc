"""Fixtures for the blemesh Python module's tests (ctest label `python`).

ctest runs `python3 -m pytest` on this directory with the built package on
PYTHONPATH (tests/python/tests.cmake). Nodes live in a blemesh.Sim: virtual
time, deterministic for a seed; test_socket.py also uses the socket bearer.
"""
import os

import pytest

import blemesh

BOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "board")


class Mesh:
    """A Sim with a provisioner in it, and helpers to bring nodes up."""

    def __init__(self, seed=1):
        self.sim = blemesh.Sim(seed=seed)
        self.prov = blemesh.Provisioner(self.sim)
        self.shown = {}

    def device(self, name, *, model=(blemesh.ONOFF, blemesh.SERVER), callback=None, value=None,
               ttl=7, auth=0):
        """A node with one primary element and one generic model, initialized
        and provisionable over PB-ADV. Returns (node, model)."""
        n = self.sim.node()
        e = n.create_element(primary=True, ttl=ttl)
        m = e.add_model(blemesh.GENERIC, model[0], model[1], callback=callback, value=value)
        n.init(name, auth=auth)
        n.set_node_prov(blemesh.PROV_ADV,
                        callback=lambda t, p: self.shown.__setitem__(name, (t, p)))
        return n, m

    def provision(self, name, **kw):
        devs = self.prov.scan(30, name=name)
        assert devs, f"{name} not seen"
        return self.prov.provision(devs[0], **kw)

    def up(self, name, model_id, **cfg):
        """Provisions and configures the device called name."""
        addr = self.provision(name)
        self.prov.configure(addr, [model_id], **cfg)
        return addr


@pytest.fixture
def mesh():
    return Mesh()
