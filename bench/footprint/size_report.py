#!/usr/bin/env python3
"""Size of a linked footprint image per layer, from the GNU ld map file.

Usage: size_report.py IMAGE.map [--flash-max N --ram-max N] [--by-file]

Every input section the linker kept is attributed to the file it came
from: src/<layer>/... to that layer, src/errors.c to "core", the image's
main and board.c to "board", newlib/libgcc to "libc", and
mbedtls_stub.c to "mbedtls-stub" (an empty stand-in: mbed TLS is
reported separately). text = code + read-only data (flash), data =
initialised data (flash and RAM), bss = zeroed RAM. The node context is
the static buffer in the board's bss (sizeof(struct bm_node)).

Flash = text + data of everything but the mbed TLS stand-in; RAM = data +
bss of everything (the stack is not included). With limits given, exits 1
when either is over. --by-file lists the text of every source file
instead, largest first (where to look when shrinking the image).

The map of an image built with -flto names the link-time partitions, not
the sources: its per-layer table is meaningless, its totals are right.
bench/footprint.sh therefore takes the layers from the same image built
without -flto.
"""
import re
import sys

ORDER = ["crypto", "net", "transport", "access", "models", "prov", "node", "storage",
         "bearer", "friend", "core", "board", "libc", "mbedtls-stub", "other"]


def layer_of(path):
    m = re.search(r"/src/([a-z_]+)/[^/]+\.c\.obj$", path)
    if m:
        return m.group(1)
    if re.search(r"/src/[^/]+\.c\.obj$", path):
        return "core"
    if "mbedtls_stub" in path:
        return "mbedtls-stub"
    if ".a(" in path or path.endswith(".a") or "/lib/gcc/" in path or "crt" in path:
        return "libc"
    if path.endswith(".obj") or path.endswith(".o"):
        return "board"
    return "other"


def kind_of(out_sec, in_sec):
    name = in_sec or out_sec
    if name.startswith((".bss", "COMMON", ".noinit")) or out_sec.startswith(".bss"):
        return "bss"
    if name.startswith(".data") or out_sec.startswith(".data"):
        return "data"
    return "text"


ALLOC = re.compile(r"^\.(text|rodata|data|bss|ARM\.exidx|ARM\.extab|init|fini|ctors|dtors|"
                   r"init_array|fini_array|preinit_array|eh_frame|heap|stack)")


def map_input_sections(path):
    """(output section, input section, size, object) for each input section
    line of a GNU ld map's memory map part (the input section's name may sit
    alone on the line before its address and size)."""
    in_map = False
    out_sec = None
    pending = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = re.match(r"^(\.\S+|COMMON)", line)
            if m and not line.startswith(" "):
                out_sec = m.group(1)
                pending = None
                continue
            m = re.match(r"^ (\.\S+|COMMON)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if not m:
                pending = None
                continue
            in_sec = m.group(1) or pending
            pending = None
            if in_sec is not None:
                yield out_sec, in_sec, int(m.group(3), 16), m.group(4).strip()


def parse(path):
    sizes = {}
    for out_sec, in_sec, size, obj in map_input_sections(path):
        if out_sec is None or not ALLOC.match(out_sec) or size == 0:
            continue
        key = (layer_of(obj), kind_of(out_sec, in_sec))
        sizes[key] = sizes.get(key, 0) + size
    return sizes


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    path = args[0]
    flash_max = ram_max = None
    if "--flash-max" in args:
        flash_max = int(args[args.index("--flash-max") + 1])
    if "--ram-max" in args:
        ram_max = int(args[args.index("--ram-max") + 1])
    if "--by-file" in args:
        global layer_of
        layer_of = lambda p: re.sub(r".*/(src|footprint)/", "", p)  # noqa: E731
        sizes = parse(path)
        for (name, kind), n in sorted(sizes.items(), key=lambda x: -x[1]):
            if kind == "text":
                print(f"{n:>7} {name}")
        return 0
    sizes = parse(path)
    layers = [l for l in ORDER if any(k[0] == l for k in sizes)]
    print(f"{'layer':<14} {'text':>8} {'data':>8} {'bss':>8}")
    tot = {"text": 0, "data": 0, "bss": 0}
    for l in layers:
        t, d, b = (sizes.get((l, k), 0) for k in ("text", "data", "bss"))
        print(f"{l:<14} {t:>8} {d:>8} {b:>8}")
        if l != "mbedtls-stub":
            tot["text"] += t
            tot["data"] += d
            tot["bss"] += b
    flash = tot["text"] + tot["data"]
    ram = tot["data"] + tot["bss"]
    print(f"{'total*':<14} {tot['text']:>8} {tot['data']:>8} {tot['bss']:>8}"
          f"   (* without the mbed TLS stand-in)")
    verdict = ""
    ok = True
    if flash_max is not None:
        ok_f = flash <= flash_max
        ok = ok and ok_f
        verdict += f"  flash {flash} <= {flash_max}: {'ok' if ok_f else 'OVER'}"
    if ram_max is not None:
        ok_r = ram <= ram_max
        ok = ok and ok_r
        verdict += f"  RAM {ram} <= {ram_max}: {'ok' if ok_r else 'OVER'}"
    print(f"flash {flash} octets, RAM {ram} octets (static; stack not included){verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
