#!/usr/bin/env python3
"""`blemesh demo` (issue #4's main command): for several seeds, loss rates and
sizes it provisions and configures every device and every light follows
every toggle (exit 0, summary 'ok'); the same seed prints the same run;
bad options exit 2 with one line on stderr. argv: blemesh binary, vectors dir."""
import re
import subprocess
import sys

BIN = sys.argv[1]
checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args):
    return subprocess.run([BIN, "demo", *args], capture_output=True, text=True, timeout=120)


SUMMARY = re.compile(r"summary: (\d+)/(\d+) devices provisioned, (\d+)/(\d+) configured, "
                     r"(\d+)/(\d+) toggles followed by every light")

for nodes, seed, loss in [(6, 1, "0.1"), (6, 2, "0.1"), (3, 7, "0"), (12, 3, "0.2"), (1, 5, "0.3")]:
    r = run("--nodes", str(nodes), "--seed", str(seed), "--loss", loss)
    what = f"demo --nodes {nodes} --seed {seed} --loss {loss}"
    check(r.returncode == 0, f"{what}: exit {r.returncode}\n{r.stdout[-2000:]}")
    m = SUMMARY.search(r.stdout)
    check(m is not None, f"{what}: no summary line")
    if m:
        prov, total, conf, total2, follow, toggles = map(int, m.groups())
        check(total == nodes + 1 and prov == total, f"{what}: provisioned {prov}/{total}")
        check(conf == total2 == total, f"{what}: configured {conf}/{total2}")
        check(follow == toggles == 2, f"{what}: toggles {follow}/{toggles}")
    check(r.stdout.rstrip().endswith("ok"), f"{what}: summary does not end with ok")
    # every light reported on, then off
    for i in range(1, nodes + 1):
        check(f"light-{i} is on" in r.stdout and f"light-{i} is off" in r.stdout,
              f"{what}: light-{i} not seen on and off")
    check("shows" in r.stdout, f"{what}: no Output OOB step")

# same seed, same run (the wall-clock figure aside)
strip = lambda s: re.sub(r"[\d.]+ s wall", "", s)
a, b = run("--seed", "9"), run("--seed", "9")
check(strip(a.stdout) == strip(b.stdout), "same seed gave different output")
c = run("--seed", "10")
check(strip(a.stdout) != strip(c.stdout), "different seeds gave identical output")

# --quiet prints only the summary
q = run("--quiet")
check(q.returncode == 0 and q.stdout.count("\n") == 1 and q.stdout.startswith("summary:"),
      "--quiet output")

# bad options: exit 2, one line on stderr
for bad in (["--nodes", "0"], ["--nodes", "41"], ["--loss", "0.9"], ["--loss", "x"],
            ["--seed", "-1"], ["--bogus"], ["extra"]):
    r = run(*bad)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and r.stdout == "",
          f"demo {' '.join(bad)}: exit {r.returncode}, stderr {r.stderr!r}")
h = run("--help")
check(h.returncode == 0 and all(o in h.stdout for o in ("--nodes", "--seed", "--loss", "--quiet")),
      "demo --help")

print(f"{checks} checks, {failures} failures")
sys.exit(1 if failures else 0)
