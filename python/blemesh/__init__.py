"""blemesh: the Pycom ``BLE_Mesh`` API on a host, over the blemesh C stack.

The board API (docs/python.md)::

    from blemesh import BLE_Mesh        # or, in a board script run by
                                        # python3 -m blemesh.run:
                                        # from network import Bluetooth
                                        # BLE_Mesh = Bluetooth.BLE_Mesh
    element = BLE_Mesh.create_element(primary=True)
    light = element.add_model(BLE_Mesh.GENERIC, BLE_Mesh.ONOFF, BLE_Mesh.SERVER)
    BLE_Mesh.init("my light")
    BLE_Mesh.set_node_prov(BLE_Mesh.PROV_ADV)

``BLE_Mesh`` is this process's node: created on first use on the socket
bearer (the air ``blemesh node`` processes share) with a directory store,
see :func:`configure`. Its callbacks run on the node's event loop thread.

Beyond the board: :class:`Sim` (the simulated air, many nodes in one
process, virtual time), :class:`Provisioner` (provision and configure from
Python) and :func:`run_script` (a board script against any node).
"""

import os
import threading

from ._blemesh import (  # noqa: F401  (re-exported)
    ADDR_ALL_NODES,
    ADDR_PUBLISH,
    CLIENT,
    EVT_STATE_CHANGED,
    EVT_STATUS,
    EVT_TIMEOUT,
    FRIEND,
    GATT_PROXY,
    GENERIC,
    LEVEL,
    LIGHTNING,
    LOW_POWER,
    NAME_MAX,
    OOB_INPUT,
    OOB_OUTPUT,
    ONOFF,
    PROV_ADV,
    PROV_GATT,
    PROV_NONE,
    RELAY,
    SENSORS,
    SERVER,
    TIME_SCENES,
    BLE_MeshError,
    Element,
    Model,
    Node,
    Sim,
)
from .board import run_script  # noqa: F401
from .provisioner import (  # noqa: F401
    MODEL_LEVEL_CLI,
    MODEL_LEVEL_SRV,
    MODEL_ONOFF_CLI,
    MODEL_ONOFF_SRV,
    Provisioner,
)

#: Log levels of the POSIX port (the node's log lines go to stderr).
LOG_ERR, LOG_WRN, LOG_INF, LOG_DBG = 0, 1, 2, 3

#: Where the default node keeps its state unless configure(store=...) or
#: the BLEMESH_STORE environment variable says otherwise.
DEFAULT_STORE = os.path.join(".blemesh", "python")

_lock = threading.Lock()
_default = None
_options = {}


def configure(store=None, *, group=None, port=0, iface=None, log_level=LOG_WRN, name=None):
    """Sets how the process's node (``BLE_Mesh``) is opened: its store
    directory, the socket bearer's multicast group, port and interface, the
    log level and the name in its log lines. Only before its first use."""
    with _lock:
        if _default is not None:
            raise BLE_MeshError("configure: BLE_Mesh is already open")
        _options.clear()
        _options.update(store=store, group=group, port=port, iface=iface,
                        log_level=log_level, name=name)


def default_node():
    """Returns the process's node, opening it on first use."""
    global _default
    with _lock:
        if _default is None:
            opts = dict(_options)
            store = opts.pop("store", None) or os.environ.get("BLEMESH_STORE") or DEFAULT_STORE
            os.makedirs(os.path.dirname(os.path.abspath(store)), exist_ok=True)
            opts.setdefault("log_level", LOG_WRN)
            _default = Node(store, **opts)
        return _default


def __getattr__(name):
    if name == "BLE_Mesh":
        return default_node()
    raise AttributeError(f"module 'blemesh' has no attribute {name!r}")
