"""Stand-ins for the board's modules, and running a board script on a node.

On a Pycom board a script does ``from network import Bluetooth`` and
``BLE_Mesh = Bluetooth.BLE_Mesh``, and drives the LED through ``pycom``.
:func:`make_network` and :func:`make_pycom` build those modules for a
given node; :func:`run_script` runs an unmodified board script with them.
"""

import sys
import types

_COLOURS = {
    0x000000: "off",
    0xFF0000: "red",
    0x00FF00: "green",
    0x0000FF: "blue",
    0xFFFFFF: "white",
    0xFFFF00: "yellow",
    0x00FFFF: "cyan",
    0xFF00FF: "magenta",
}


def make_network(node):
    """A ``network`` module whose ``Bluetooth.BLE_Mesh`` is node."""
    mod = types.ModuleType("network", "blemesh stand-in for the board's network module")

    class Bluetooth:
        """The board's Bluetooth class: only its BLE_Mesh attribute is real."""

        BLE_Mesh = node

        def __init__(self, *args, **kwargs):
            pass

        def init(self, *args, **kwargs):
            pass

        def deinit(self):
            pass

    mod.Bluetooth = Bluetooth
    return mod


def make_pycom(out=None, label=None):
    """A ``pycom`` module whose rgbled() and heartbeat() print what the LED
    would do (to out, default sys.stdout), prefixed with label if given."""
    mod = types.ModuleType("pycom", "blemesh stand-in for the board's pycom module")
    state = {"heartbeat": True, "rgb": 0}
    prefix = f"[{label}] " if label else ""

    def say(text):
        print(f"{prefix}pycom: {text}", file=out or sys.stdout, flush=True)

    def rgbled(colour=None):
        if colour is None:
            return state["rgb"]
        colour = int(colour)
        if not 0 <= colour <= 0xFFFFFF:
            raise ValueError("rgbled: colour is 0x000000..0xFFFFFF")
        state["rgb"] = colour
        name = _COLOURS.get(colour)
        say(f"LED #{colour:06x}" + (f" ({name})" if name else ""))
        return None

    def heartbeat(on=None):
        if on is None:
            return state["heartbeat"]
        state["heartbeat"] = bool(on)
        say("heartbeat " + ("on" if on else "off"))
        return None

    mod.rgbled = rgbled
    mod.heartbeat = heartbeat
    return mod


def install(node, label=None):
    """Puts ``network`` and ``pycom`` for node into sys.modules; returns
    what they replaced, for :func:`restore`."""
    old = {k: sys.modules.get(k) for k in ("network", "pycom")}
    sys.modules["network"] = make_network(node)
    sys.modules["pycom"] = make_pycom(label=label)
    return old


def restore(old):
    for k, v in old.items():
        if v is None:
            sys.modules.pop(k, None)
        else:
            sys.modules[k] = v


def run_script(path, node=None, *, label=None, argv=None):
    """Runs the board script at path as ``__main__``, its ``network`` and
    ``pycom`` imports bound to node (default: the process's BLE_Mesh).
    Returns the script's globals, so a test can reach its models. label
    prefixes the pycom stand-in's lines (useful with several nodes)."""
    if node is None:
        from . import default_node

        node = default_node()
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    ns = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    old = install(node, label)
    old_argv = sys.argv
    sys.argv = [path] + list(argv or [])
    try:
        exec(code, ns)
    finally:
        sys.argv = old_argv
        restore(old)
    return ns
