"""`m3tui doctor --offline --json` against `go version` + `go env -json KEYS`, in one run.

Target: the doctor's wall time <= 1.5x the baseline, which runs the two go commands
one after the other (the least any doctor must do). The apps alternate, medians are
compared. Two doctor figures are printed:

* end to end: `python -m m3tui doctor --offline --json` as a user runs it, including
  the Python interpreter's start and imports;
* in process: `run_doctor(offline)` timed inside one Python process, i.e. the checks
  themselves (they run concurrently), without the interpreter's start.

    python benchmarks/doctor.py [--rounds 9] [--go PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from startup import compile_m3tui  # benchmarks/ is sys.path[0] when run as a script

from m3tui.doctor.checks_go import GO_ENV_KEYS
from m3tui.doctor.model import DoctorContext
from m3tui.doctor.run import run_doctor

TARGET = 1.5


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def baseline(go: str, env: dict[str, str]) -> float:
    return timed([go, "version"], env) + timed([go, "env", "-json", *GO_ENV_KEYS], env)


def in_process() -> float:
    start = time.perf_counter()
    asyncio.run(run_doctor(DoctorContext(offline=True)))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--go", default=shutil.which("go"), help="the go to time (default: the first on PATH)")
    parser.add_argument(
        "--only-this-go", action="store_true", help="PATH = that go's directory + /usr/bin:/bin (no other go to look at)"
    )
    args = parser.parse_args()
    if not args.go:
        parser.error("no go on PATH (use --go)")
    env = dict(os.environ, M3TUI_HOME=tempfile.mkdtemp(prefix="m3tui-bench-"))
    rest = "/usr/bin:/bin" if args.only_this_go else env.get("PATH", "")
    env["PATH"] = f"{os.path.dirname(os.path.abspath(args.go))}{os.pathsep}{rest}"
    os.environ.update(env)
    doctor_cmd = [sys.executable, "-m", "m3tui", "doctor", "--offline", "--json"]
    times: dict[str, list[float]] = {"go version + go env": [], "doctor end to end": [], "doctor in process": []}
    compile_m3tui()
    floor = [timed([sys.executable, "-c", "import asyncio, json"], env) for _ in range(5)]
    timed(doctor_cmd, env), baseline(args.go, env), in_process()  # warm-up
    for _ in range(args.rounds):
        times["go version + go env"].append(baseline(args.go, env))
        times["doctor end to end"].append(timed(doctor_cmd, env))
        times["doctor in process"].append(in_process())
    base = statistics.median(times["go version + go env"])
    print(f"go: {args.go}; {args.rounds} alternating rounds, medians")
    ok = True
    for name, values in times.items():
        med = statistics.median(values)
        line = f"{name:<22} {med * 1000:8.1f} ms"
        if name != "go version + go env":
            ratio = med / base
            line += f"  {ratio:5.2f}x baseline (target <= {TARGET}x) {'OK' if ratio <= TARGET else 'MISSED'}"
            ok &= ratio <= TARGET
        print(line)
    print(f"(for scale: a bare `python -c 'import asyncio, json'` takes {statistics.median(floor) * 1000:.1f} ms here)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
