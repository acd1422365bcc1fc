#!/usr/bin/env python3
"""Worst-case stack depth of a linked image, from GCC's own data.

Usage: stack_report.py IMAGE.map [--entry FN]... [--static-ram N] [--ram-max N]
                       [--indirect] [--any-address-taken]

The image is either built without -flto and with -fstack-usage
-fcallgraph-info=su (GCC >= 10): every object then has a .ci file next
to it (foo.c.obj -> foo.c.ci) holding, in VCG form, each function's
frame in octets, its qualifier (static, dynamic, dynamic,bounded) and its
call edges; or linked with -flto -flto-partition=one -fstack-usage
-fcallgraph-info=su -save-temps (bench/footprint's -flto build, the image
that ships): GCC then writes the .ci of the one link-time (LTRANS) unit,
after cross-file inlining and cloning, next to the LTRANS object the map
names (IMAGE.elf.ltrans0.ltrans.o -> IMAGE.elf.ltrans0.ltrans.ci), and
the figure is that image's own. Its functions have link-time names
(clones foo.constprop.0, foo.isra.0, foo.part.0; foo.lto_priv.N for a
static name several sources use) and are all local to the unit; they are
printed as the file of their definition and that name
(net_pdu.c:encode.constprop.0.isra.0). Identical code folding leaves one
body and makes its copies aliases (bm_ms_due.lto_priv.1 of .lto_priv.0):
the .ci has calls to the aliases and a node for the body only, so a call
to an alias counts as a call to the body at the same section and address
in the LTRANS object's symbols. The early-debug objects -flto -g links
(*.debug.temp.o, .debug_* sections only) hold no code and are skipped.

Method. The linker map says which objects and input sections the image
kept. Their .ci files give the graph; the stack of a function is its own
frame plus the deepest of its callees, and the worst case is that of
the entry points (default: main; the footprint boards have no vector
table and no interrupt handler, -nostartfiles -Wl,-emain).

Indirect calls (function pointers: platform hooks, model handlers, ops
tables) appear as calls to __indirect_call, with the call's source
location. Each may reach any address-taken function of the image whose
type is the pointer's type, so the figure is an upper bound:
- "Address-taken" is read from the relocations of the kept objects
  (arm-none-eabi-readelf): a function named by a relocation that is not a
  call or branch (R_ARM_ABS32 in an ops table, a literal-pool load) has
  its address taken. Only relocations in input sections the linker kept
  count: a handler in a table --gc-sections dropped cannot be called.
  The .ci edges cannot show this (they hold calls, not addresses), and a
  symbol scan cannot tell a call from an address.
- Relocations in .debug_* sections do not count (debug information names
  every function; the -flto build has -g).
- The type: GCC's .ci carries none, so the sources are read (under -flto,
  the files named by the .ci's function and call locations: an indirect
  call inlined into another function keeps the location of its own
  source line). The pointer's
  type comes from the declarations of the name called at that location
  (the member or variable: "l->ops->send(" looks up "send"), every
  declaration of that name in the unit's sources, the headers beside them
  and include/ (a name declared with several types keeps those taking
  as many arguments as the call passes); the function's type from its
  definition, at the location the .ci gives. Types are compared as text
  with parameter names dropped, arrays as pointers and typedef aliases
  resolved; a function pointer parameter matches any type. C requires a
  function to be called through a pointer of its own type, so this drops
  no possible target, provided each type is spelled one way ("unsigned"
  and "unsigned int" would not match; these sources use the <stdint.h>
  names throughout, and --indirect shows every resolution to check). Whatever cannot be read (no declaration found, a
  macro in the call, a variadic function) falls back to every
  address-taken function.
- The plain rule "an indirect call may reach every address-taken
  function" (--any-address-taken) is the cruder bound; on these images it
  has cycles (a platform hook's caller reaches a model handler that
  reaches the hook's caller again), so it gives no figure at all.
- NOT_CALLED lists the edges the type match allows but the code cannot
  take, each with its reason: one today (a function of the same type as
  the hook it calls).
Run with --indirect to list every indirect call's resolved targets.

A function whose frame is "dynamic" without "bounded" (VLA, alloca) has no
bound: it is reported and the figure is marked unbounded (exit 1). A
cycle in the graph (recursion, direct or through __indirect_call) is
reported the same way.

Library functions (newlib-nano, libgcc) have no .ci. Those the image
calls are counted with the fixed allowances of LIB_STACK below, read from
their disassembly in these images (the registers each pushes, callees
included) and rounded up; a called library function not in the table is
an error, not a zero. The Thumb-1 switch helpers (__gnu_thumb1_case_*)
are called from switch statements, not as calls GCC records: when the
image links one, HIDDEN_HELPERS adds its frame once to the total (it is
a leaf, so at most one is live).

What the figure leaves out: interrupt nesting (no handler in these
images; a real board adds its handlers' worst case per priority level),
and the stack of mbed TLS inside the stand-in calls (mbedtls_stub.c's
frames are counted, the real library's are not: it is excluded like its
flash, BENCHMARKS.md section 4).
"""
import collections
import glob
import os
import re
import subprocess
import sys

from size_report import map_input_sections

# Octets of stack each library function may use, callees included.
LIB_STACK = {
    "memcpy": 24,  # newlib-nano: push {r4-r7, lr} on Cortex-M0+
    "memset": 24,  # push {r4-r7, lr}
    "memmove": 24,  # push {r4-r7, lr}
    "memcmp": 16,  # push {r4-r6, lr} on Cortex-M4
    "memchr": 16,
    "strlen": 16,  # push {r4, lr}
    "__aeabi_uidiv": 16,  # libgcc assembly; uidivmod pushes {r0, r1, lr}
    "__aeabi_uidivmod": 16,
    "__aeabi_idiv": 16,
    "__aeabi_idivmod": 16,
    "__aeabi_lmul": 16,
    "__aeabi_ldivmod": 64,  # -> __gnu_ldivmod_helper -> __divdi3 (C frames)
    "__aeabi_uldivmod": 64,
}
# Called from switch statements through a table, invisible to the .ci.
HIDDEN_HELPERS = {
    "__gnu_thumb1_case_uqi": 4,  # push {r1}
    "__gnu_thumb1_case_sqi": 4,
    "__gnu_thumb1_case_uhi": 8,  # push {r0, r1}
    "__gnu_thumb1_case_shi": 8,
    "__gnu_thumb1_case_si": 8,
}
INDIRECT = "__indirect_call"
# Indirect edges the type match allows but the code cannot take, each with
# the reason (checked by hand; a reviewer can check it again). Keys are
# (caller, target) as printed: file name and function. An entry whose
# two functions are in the image but whose edge the match no longer
# makes is stale and fails the report.
NOT_CALLED = {
    ("node_prov.c:link_random", "node_prov.c:link_random"):
        "link_random is the provisioning link's ops->random and calls node->plat.random, "
        "the board's hook; struct bm_platform is filled by the board only",
}
# Relocations that are calls or branches; any other one naming a function
# takes its address.
CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11",
               "R_ARM_THM_JUMP8", "R_ARM_CALL", "R_ARM_JUMP24", "R_ARM_PC24", "R_ARM_PLT32"}
READELF = os.environ.get("READELF", "arm-none-eabi-readelf")


def kept_sections(map_path):
    """(object path, input section) pairs the linker kept, and the archive
    members it pulled in, from the memory map part of the map file."""
    kept = set()
    members = set()
    for _, sec, _, obj in map_input_sections(map_path):
        if obj.startswith("load address"):
            continue
        kept.add((obj, sec))
        am = re.match(r"^(.*\.a)\((.*)\)$", obj)
        if am:
            members.add((am.group(1), am.group(2)))
    return kept, members


def aux_file(base_dir, obj, ext):
    """foo.c.obj -> foo.c.<ext> (GCC's auxiliary output name), or None."""
    stem = re.sub(r"\.(obj|o)$", "", obj)
    path = os.path.join(base_dir, stem + ext)
    return path if os.path.exists(path) else None


def our_objects(base_dir, kept, members):
    """Objects of the image that GCC compiled here (they have a .ci): plain
    objects, and members of archives built in base_dir (found by name)."""
    code = {o for o, sec in kept if not sec.startswith(".debug")}
    # (-flto -g also links an early-debug object per source, *.debug.temp.o,
    # holding .debug_* sections only: no code, so no .ci.)
    objs = sorted({o for o in code if not o.endswith(")") and re.search(r"\.(obj|o)$", o)})
    out = []
    for o in objs:
        out.append((o, os.path.join(base_dir, o)))
    for ar, mem in sorted(members):
        if os.path.isabs(ar):
            continue  # the toolchain's libraries: LIB_STACK
        hits = glob.glob(os.path.join(base_dir, "**", mem), recursive=True)
        if len(hits) == 1:
            out.append((f"{ar}({mem})", hits[0]))
    return out


LABEL = re.compile(r'^(.*?)\\n.*\\n(\d+) bytes \(([a-z,]+)\)$')


def parse_ci(path):
    """(unit title, {function: (frame, qualifier, where)},
    [(caller, callee, call site or None)])."""
    unit = None
    funcs = {}
    edges = []
    with open(path) as f:
        for line in f:
            m = re.match(r'^graph: \{ title: "(.*)"', line)
            if m:
                unit = m.group(1)
                continue
            m = re.match(r'^node: \{ title: "([^"]*)" label: "([^"]*)"', line)
            if m:
                lm = LABEL.match(m.group(2))
                if lm:
                    where = m.group(2).split("\\n")[1]
                    funcs[m.group(1)] = (int(lm.group(2)), lm.group(3), where)
                continue
            m = re.match(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"'
                         r'(?: label: "([^"]*)")?', line)
            if m:
                edges.append((m.group(1), m.group(2), m.group(3)))
    return unit, funcs, edges


def address_taken(objs, kept, units):
    """Functions named by a non-call relocation in a kept input section
    (debug information's excepted: it names every function, and takes no
    address the code can call), and the aliases among the objects'
    function symbols: {alias: [names at the same section and address]}.
    (Under -flto, identical code folding leaves one body and makes its
    copies aliases of it: bm_ms_due.lto_priv.1 .. .5 of .lto_priv.0; the
    .ci has calls to the aliases and a node for the body only.)"""
    taken = set()
    at = collections.defaultdict(list)
    paths = [p for _, p in objs]
    names = {p: n for n, p in objs}
    out = subprocess.run([READELF, "-W", "-s", "-r"] + paths, check=True, capture_output=True,
                         text=True).stdout
    # readelf prints each file's relocations before its symbols: gather
    # both, then decide.
    per_file = collections.defaultdict(lambda: (set(), []))
    cur = paths[0] if len(paths) == 1 else None
    src_sec = None
    for line in out.splitlines():
        m = re.match(r"^File: (.*)$", line)
        if m:
            cur = m.group(1)
            src_sec = None
            continue
        if cur is None:
            continue
        local_funcs, relocs = per_file[cur]
        m = re.match(r"^\s*\d+: ([0-9a-f]+)\s+\d+\s+FUNC\s+(\w+)\s+\S+\s+(\S+)\s+(\S+)$", line)
        if m:
            name = m.group(4)
            if m.group(2) == "LOCAL":
                local_funcs.add(name)
                name = f"{units[cur]}:{name}"
            if m.group(3) != "UND":
                at[(cur, m.group(3), m.group(1))].append(name)
            continue
        m = re.match(r"^Relocation section '\.rela?(\S+)'", line)
        if m:
            src_sec = m.group(1)
            continue
        m = re.match(r"^[0-9a-f]+\s+[0-9a-f]+\s+(R_\S+)\s+[0-9a-f]+\s+(\S+)", line)
        if m and src_sec is not None:
            relocs.append((src_sec, m.group(1), m.group(2)))
    for path, (local_funcs, relocs) in per_file.items():
        for src_sec, rtype, sym in relocs:
            if (rtype in CALL_RELOCS or (names[path], src_sec) not in kept
                    or src_sec.startswith(".debug")):
                continue
            if sym.startswith(".text."):  # a section symbol: the function it holds
                sym = sym[len(".text."):]
            if sym in local_funcs:
                taken.add(f"{units[path]}:{sym}")
            else:
                taken.add(sym)
    same = {n: group for group in at.values() if len(group) > 1 for n in group}
    return taken, same


_SOURCES = {}
KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "_Alignof", "defined"}


def source_at(where):
    """The source text from a "path:line:col" location on, or None."""
    m = re.match(r"^(.*):(\d+):(\d+)$", where or "")
    if not m:
        return None
    path, line, col = m.group(1), int(m.group(2)), int(m.group(3))
    if path not in _SOURCES:
        try:
            with open(path) as f:
                _SOURCES[path] = f.read().split("\n")
        except OSError:
            _SOURCES[path] = None
    lines = _SOURCES[path]
    if lines is None or line > len(lines):
        return None
    return "\n".join([lines[line - 1][col - 1:]] + lines[line:line + 40])


def split_args(text, i):
    """The top-level comma-separated items of the parenthesised list
    opening at text[i], and the index of its closing parenthesis; None if
    unbalanced."""
    depth, items, start, j = 0, [], i + 1, i
    while j < len(text):
        ch = text[j]
        if ch in "\"'":  # a string or character literal: skip it whole
            k = j + 1
            while k < len(text) and text[k] != ch:
                k += 2 if text[k] == "\\" else 1
            j = k + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                items.append(text[start:j])
                items = [x.strip() for x in items]
                return ([] if items == [""] else items), j
        elif ch == "," and depth == 1:
            items.append(text[start:j])
            start = j + 1
        j += 1
    return None


STORAGE = {"static", "inline", "extern", "register", "BM_NOINLINE", "__inline__", "typedef"}
BASE = {"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "_Bool",
        "bool", "const", "volatile", "struct", "union", "enum"}


def norm_type(text, aliases, named):
    """A C type as a canonical string: spaces and, when `named`, the
    declared name dropped, arrays as pointers, typedef aliases resolved;
    "?" when it holds a declarator this does not read (a function
    pointer parameter): "?" matches any type."""
    text = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", text)
    if "(" in text:
        return "?"
    toks = re.findall(r"[A-Za-z_]\w*|\*|\[[^\]]*\]", text)
    toks = [t for t in toks if t not in STORAGE]
    if named:
        idents = [k for k, t in enumerate(toks) if re.match(r"\w", t)]
        if len(idents) >= 2:
            k = idents[-1]
            prev = toks[k - 1] if k > 0 else ""
            if toks[k] not in BASE and prev not in ("struct", "union", "enum"):
                del toks[k]
    out = []
    for t in toks:
        if t.startswith("["):
            out.append("*")
        else:
            out.append(aliases.get(t, t))
    return " ".join(out).replace(" *", "*")


def norm_sig(ret, params, aliases):
    """(return type, parameter types) of a declarator, canonical."""
    if params is None:
        return None
    if [p.strip() for p in params] == ["void"]:
        params = []
    if any("..." in p for p in params):
        return None
    return (norm_type(ret, aliases, False), tuple(norm_type(p, aliases, True) for p in params))


def sig_match(a, b):
    if a is None or b is None:
        return True
    if len(a[1]) != len(b[1]):
        return False
    pairs = [(a[0], b[0])] + list(zip(a[1], b[1]))
    return all(x == y or "?" in (x, y) for x, y in pairs)


def pointer_decls(paths):
    """Every declaration of a function pointer in the given sources, by
    name: members, parameters, variables, and those typed by a pointer
    typedef. {name: {signature}}, plus the typedef aliases."""
    texts = []
    for p in sorted(paths):
        try:
            with open(p) as f:
                t = f.read()
        except OSError:
            continue
        t = re.sub(r"/\*.*?\*/|//[^\n]*", " ", t, flags=re.S)
        texts.append(re.sub(r"^\s*#.*$", " ", t, flags=re.M))
    aliases = {}
    for t in texts:
        for m in re.finditer(r"\btypedef\s+([\w\s\*]+?)\s*\b(\w+)\s*;", t):
            if not re.search(r"\b(struct|union|enum)\s*$", m.group(1)):
                aliases[m.group(2)] = norm_type(m.group(1), {}, False)
    decls = collections.defaultdict(set)
    fn_types = {}
    funcs_defined = set()
    for t in texts:
        for m in re.finditer(r"([\w\s\*]*?)\(\s*\*\s*(\w+)\s*\)\s*\(", t):
            got = split_args(t, m.end() - 1)
            if got is None:
                continue
            sig = norm_sig(m.group(1), got[0], aliases)
            if re.search(r"\btypedef\b", m.group(1)):
                fn_types[m.group(2)] = sig
            else:
                decls[m.group(2)].add(sig)
    for t in texts:  # function definitions: names that are not pointers
        for m in re.finditer(r"\b(\w+)\s*\(", t):
            got = split_args(t, m.end() - 1)
            if got and re.match(r"\s*\{", t[got[1] + 1:]):
                funcs_defined.add(m.group(1))
    for t in texts:
        for name, sig in fn_types.items():
            q = r"(?:(?:const|volatile)\s+)*"
            for m in re.finditer(r"\b%s\s+%s\*?\s*%s(\w+)\s*[;,)=\[]" % (re.escape(name), q, q), t):
                decls[m.group(1)].add(sig)
    return decls, aliases, funcs_defined


def def_sig(where, aliases):
    """Signature of the function defined at `where` (its name), or None."""
    text = source_at(where)
    m = re.match(r"^(.*):(\d+):(\d+)$", where or "")
    if text is None or not m:
        return None
    lines = _SOURCES[m.group(1)]
    line, col = int(m.group(2)), int(m.group(3))
    ret = lines[line - 1][:col - 1]
    if not ret.strip() and line >= 2:
        ret = lines[line - 2]
    i = text.find("(")
    got = split_args(text, i) if i >= 0 else None
    return norm_sig(ret, got[0], aliases) if got else None


def site_sigs(where, known, decls):
    """Signatures of the pointers the indirect call at `where` may go
    through: for every call in the statement starting there whose callee
    is not a known function, the declarations of its name (the member or
    variable called). None (any function) when a callee's name has no
    function pointer declaration, or a macro call is in the way."""
    text = source_at(where)
    if text is None:
        return None
    end = text.find(";")
    stmt = text[:end if end >= 0 else len(text)]
    found = set()
    for m in re.finditer(r"(->|\.)?\s*([A-Za-z_]\w*)\s*\(|\)\s*\(", stmt):
        name = m.group(2)
        if name is None:
            return None  # (expression)(...): no name to look up
        if not m.group(1):
            if name in KEYWORDS or (name in known and name not in decls):
                continue
            if name.isupper():
                return None
        if name not in decls:
            return None
        got = split_args(stmt, m.end() - 1)
        if got is None:
            return None
        # A name declared with several types (two structs' "send"): only
        # those taking as many arguments as this call passes.
        found |= {d for d in decls[name] if d is None or len(d[1]) == len(got[0])}
    return found or None


def analyse(map_path, any_taken=False):
    base_dir = os.path.dirname(os.path.abspath(map_path))
    kept, members = kept_sections(map_path)
    objs = our_objects(base_dir, kept, members)
    funcs = {}
    calls = collections.defaultdict(set)
    sites = collections.defaultdict(list)
    units = {}
    missing = []
    for name, path in objs:
        ci = aux_file(os.path.dirname(path), os.path.basename(path), ".ci")
        if ci is None:
            missing.append(name)
            continue
        unit, f, e = parse_ci(ci)
        units[path] = unit
        if unit and LTRANS_UNIT.search(unit):
            for fn, (_, _, where) in f.items():
                if fn.startswith(unit + ":"):
                    src = os.path.basename(re.sub(r":\d+:\d+$", "", where))
                    DISPLAY[fn] = f"{src}:{fn[len(unit) + 1:]}"
        funcs.update(f)
        for a, b, site in e:
            if b == INDIRECT:
                sites[a].append(site)
            else:
                calls[a].add(b)
    if missing:
        raise SystemExit("stack_report: no .ci for " + ", ".join(missing) +
                         " (build with -fcallgraph-info=su: without -flto at compile time,"
                         " with -flto at link time with -save-temps)")
    taken, same = address_taken([(n, p) for n, p in objs if p in units], kept, units)
    # A call to an alias is a call to the body it names (see address_taken).
    alias = {}
    for n, group in same.items():
        if n not in funcs:
            bodies = [g for g in group if g in funcs]
            if len(bodies) == 1:
                alias[n] = bodies[0]
    for a in calls:
        calls[a] = {alias.get(b, b) for b in calls[a]}
    taken = {alias.get(t, t) for t in taken}
    taken_defined = sorted(t for t in taken if t in funcs)
    # Type-based resolution (see the header): the sources of the units (an
    # LTRANS unit's are the files its functions are defined in), and the
    # headers beside them and under the include/ next to them.
    srcs = {u for u in units.values() if not LTRANS_UNIT.search(u) and os.path.exists(u)}
    srcs |= {w for w in (re.sub(r":\d+:\d+$", "", x) for x in
                         [f[2] for f in funcs.values()] + [w for ws in sites.values() for w in ws]
                         if x) if w.endswith(".c") and os.path.exists(w)}
    srcs = {os.path.abspath(u) for u in srcs}
    dirs = {os.path.dirname(u) for u in srcs}
    scan = set(srcs)
    for d in dirs:
        scan |= set(glob.glob(os.path.join(d, "*.h")))
    root = os.path.commonpath(sorted(dirs)) if dirs else base_dir
    for r in (root, os.path.dirname(root)):
        scan |= set(glob.glob(os.path.join(r, "include", "**", "*.h"), recursive=True))
    decls, aliases, known = pointer_decls(scan)
    known |= {f.split(":")[-1] for f in funcs} | set(LIB_STACK)
    known |= {re.sub(r"\..*$", "", f.split(":")[-1]) for f in funcs}  # foo.constprop.0: foo
    known |= {c.split(":")[-1] for cs in calls.values() for c in cs}
    sig = {t: def_sig(funcs[t][2], aliases) for t in taken_defined}
    resolved = {}
    used = set()
    for caller, where in sites.items():
        want = set()
        for w in where:
            got = site_sigs(w, known, decls)
            if got is None:
                want = None
                break
            want |= got
        if any_taken:
            want = None
        targets = {t for t in taken_defined
                   if want is None or any(sig_match(sig[t], x) for x in want)}
        for t in sorted(targets):
            if (short(caller), short(t)) in NOT_CALLED:
                targets.discard(t)
                used.add((short(caller), short(t)))
        resolved[caller] = (want is None, sorted(targets))
        calls[caller] |= targets
    present = {short(f) for f in funcs}
    for key in NOT_CALLED:
        if key[0] in present and key[1] in present and key not in used:
            raise SystemExit(f"stack_report: NOT_CALLED entry {key} is stale: remove it")
    helpers = {m: HIDDEN_HELPERS[s] for m in (mem for _, mem in members)
               for s in HIDDEN_HELPERS if m == "_" + s[len("__gnu_"):] + ".o"}
    return funcs, calls, taken_defined, helpers, resolved


def worst(funcs, calls, taken, entries):
    """Deepest path from the entries: (octets, path, cycles, unbounded, unknown)."""
    memo = {}
    state = {}
    cycles = []
    unbounded = set()
    unknown = set()

    def callees(fn):
        return calls.get(fn, ())

    def depth(fn, stack):
        if fn in memo:
            return memo[fn]
        if fn not in funcs:
            if fn in LIB_STACK:
                return LIB_STACK[fn], [fn]
            unknown.add(fn)
            return 0, [fn + " (unknown)"]
        if state.get(fn) == "open":
            cycles.append(stack[stack.index(fn):] + [fn])
            return 0, [fn + " (recursion)"]
        state[fn] = "open"
        frame, qual, _ = funcs[fn]
        if "dynamic" in qual and "bounded" not in qual:
            unbounded.add(fn)
        best, best_path = 0, []
        for c in sorted(set(callees(fn))):
            d, p = depth(c, stack + [fn])
            if d > best:
                best, best_path = d, p
        state[fn] = "done"
        memo[fn] = (frame + best, [fn] + best_path)
        return memo[fn]

    sys.setrecursionlimit(10000)
    best, best_path, best_entry = -1, [], None
    for e in entries:
        if e not in funcs:
            raise SystemExit(f"stack_report: entry point {e} not in the image's call graph")
        d, p = depth(e, [])
        if d > best:
            best, best_path, best_entry = d, p, e
    return best, best_path, cycles, unbounded, unknown


# Display names of the functions of a link-time (LTRANS) unit: its title
# is a temporary file name (/tmp/ccXXXX.ltrans0.o), so a function local to
# it is shown as the source file of its definition and its link-time name
# (net_pdu.c:encode.constprop.0), like the static functions of the build
# without -flto.
DISPLAY = {}
LTRANS_UNIT = re.compile(r"\.ltrans\d+\.o$")


def short(fn):
    return DISPLAY.get(fn) or re.sub(r"^.*/", "", fn)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    map_path = args[0]
    entries = [args[i + 1] for i, a in enumerate(args) if a == "--entry"] or ["main"]
    static_ram = ram_max = None
    if "--static-ram" in args:
        static_ram = int(args[args.index("--static-ram") + 1])
    if "--ram-max" in args:
        ram_max = int(args[args.index("--ram-max") + 1])
    funcs, calls, taken, helpers, resolved = analyse(map_path, "--any-address-taken" in args)
    stack, path, cycles, unbounded, unknown = worst(funcs, calls, taken, entries)
    if "--indirect" in args:
        for caller, (fallback, targets) in sorted(resolved.items()):
            how = "every address-taken function" if fallback else "by type"
            print(f"indirect: {short(caller)} -> ({how}) " +
                  (", ".join(short(t) for t in targets) or "none in the image"))
    extra = max(helpers.values(), default=0)
    total = stack + extra
    ok = True
    for c in cycles:
        print("recursion: " + " -> ".join(short(f) for f in c))
        ok = False
    for fn in sorted(unbounded):
        print(f"unbounded frame (dynamic): {short(fn)} at {funcs[fn][2]}")
        ok = False
    for fn in sorted(unknown):
        print(f"unknown callee (no .ci, not in LIB_STACK): {fn}")
        ok = False
    chain = []
    for fn in path:
        n = funcs[fn][0] if fn in funcs else LIB_STACK.get(fn, 0)
        chain.append(f"{short(fn)}({n})")
    helper_txt = f" + {extra} switch helper" if extra else ""
    print(f"stack {total} octets{'' if ok else ' (NO BOUND: see above)'}: "
          f"{' > '.join(chain)}{helper_txt}")
    by_type = sum(1 for fb, _ in resolved.values() if not fb)
    print(f"  (upper bound; {len(taken)} address-taken functions; of {len(resolved)} functions "
          f"calling through pointers, {by_type} resolved by type, {len(resolved) - by_type} "
          f"to every address-taken function; mbed TLS's own stack excluded)")
    if static_ram is not None:
        ram = static_ram + total
        verdict = ""
        if ram_max is not None:
            ok_r = ram <= ram_max
            ok = ok and ok_r
            verdict = f"  RAM {ram} <= {ram_max}: {'ok' if ok_r else 'OVER'}"
        print(f"RAM {static_ram} static + {total} stack = {ram} octets{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
