"""python3 -m blemesh.run SCRIPT.py [options] [-- script args]

Runs a Pycom board script on this host: ``from network import Bluetooth``
gives the script this process's node (``Bluetooth.BLE_Mesh``) on the socket
bearer, so it shares the air with ``blemesh node`` processes and is
provisioned by ``blemesh prov`` or a blemesh.Provisioner; ``pycom.rgbled()``
and ``pycom.heartbeat()`` print what the LED would do. The node keeps its
state in the store directory and, like a board, keeps serving after the
script ends, until Ctrl-C (or SIGTERM).
"""

import argparse
import os
import signal
import sys
import time
import traceback

from . import LOG_DBG, LOG_ERR, LOG_INF, LOG_WRN, board, configure, default_node

_LEVELS = {"err": LOG_ERR, "wrn": LOG_WRN, "inf": LOG_INF, "dbg": LOG_DBG}


def _parser():
    p = argparse.ArgumentParser(
        prog="python3 -m blemesh.run",
        description="Run a Pycom BLE_Mesh board script on this host, on the socket bearer.")
    p.add_argument("script", help="the board script (.py)")
    p.add_argument("args", nargs="*", help="arguments for the script (after --)")
    p.add_argument("--store", metavar="DIR",
                   help="the node's state directory (default: .blemesh/<script name>)")
    p.add_argument("--group", help="multicast group of the air (default 239.255.83.77)")
    p.add_argument("--port", type=int, default=0, help="UDP port of the air (default 29877)")
    p.add_argument("--iface", help="IPv4 address of the interface (default 127.0.0.1)")
    p.add_argument("--log", choices=sorted(_LEVELS), default="wrn",
                   help="the node's log level on stderr (default wrn)")
    p.add_argument("--exit", action="store_true",
                   help="exit when the script ends instead of serving until Ctrl-C")
    return p


def _sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    a = _parser().parse_args(argv)
    if not os.path.isfile(a.script):
        print(f"blemesh.run: no such script: {a.script}", file=sys.stderr)
        return 2
    stem = os.path.splitext(os.path.basename(a.script))[0]
    store = a.store or os.path.join(".blemesh", stem)
    os.makedirs(os.path.dirname(os.path.abspath(store)), exist_ok=True)
    configure(store, group=a.group, port=a.port, iface=a.iface, log_level=_LEVELS[a.log],
              name=stem)
    signal.signal(signal.SIGTERM, _sigterm)
    try:
        node = default_node()
    except Exception as e:  # noqa: BLE001 - a clear line, not a traceback
        print(f"blemesh.run: {e}", file=sys.stderr)
        return 1
    # As on the board, the modules stay: callbacks may import them later.
    board.install(node)
    sys.path.insert(0, os.path.dirname(os.path.abspath(a.script)))
    try:
        board.run_script(a.script, node, argv=a.args)
    except KeyboardInterrupt:
        print("blemesh.run: stopped", file=sys.stderr)
        node.close()
        return 0
    except SystemExit as e:
        node.close()
        return e.code if isinstance(e.code, int) else 0
    except BaseException:  # noqa: BLE001 - the script's error, as the board prints it
        traceback.print_exc()
        node.close()
        return 1
    board.install(node)
    if a.exit:
        node.close()
        return 0
    print(f"blemesh.run: {stem} ended; the node keeps serving (store {store}). "
          "Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    print("blemesh.run: stopped", file=sys.stderr)
    node.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
