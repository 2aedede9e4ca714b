"""How fast cancelling a run kills the whole process tree (target: gone in <= 1 s).

Each round starts, through m3tui's runner, a child that spawns three grandchildren (one
in a session of its own, as some tools do), waits until all are running, cancels the
awaiting task and times until no process of the tree is left running. A second variant
has every process ignore SIGTERM, so the runner must escalate to SIGKILL. The baseline,
measured in the same run, is the floor: SIGKILL and reap one plain child directly.

    python benchmarks/cancel.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time

import psutil

from m3tui.core import runner

TREE = r"""
import os, signal, subprocess, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
pre = "import signal,time;" + ("signal.signal(signal.SIGTERM, signal.SIG_IGN);" if sys.argv[1] == "ignore" else "")
kids = [subprocess.Popen([sys.executable, "-c", pre + "time.sleep(60)"], start_new_session=(i == 0)) for i in range(3)]
print(*[k.pid for k in kids], flush=True)
time.sleep(60)
"""


def _running(pids: list[int]) -> bool:
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            pass
    return False


async def cancel_once(mode: str) -> float:
    pids: list[int] = []
    ready = asyncio.Event()

    def on_batch(lines: list[runner.OutputLine]) -> None:
        for line in lines:
            if line.stream == "stdout" and line.text.strip():
                pids.extend(int(p) for p in line.text.split())
                ready.set()

    task = asyncio.create_task(runner.run([sys.executable, "-c", TREE, mode], on_batch=on_batch))
    await asyncio.wait_for(ready.wait(), 10)
    child = [p.pid for p in psutil.Process().children() if p.pid not in pids]
    tree = pids + child
    start = time.perf_counter()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    while _running(tree):
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


def baseline_once() -> float:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(0.05)
    start = time.perf_counter()
    proc.kill()
    proc.wait()
    return time.perf_counter() - start


async def main(rounds: int) -> int:
    results: dict[str, list[float]] = {"tree": [], "tree ignoring SIGTERM": [], "baseline: kill one child": []}
    for _ in range(rounds):
        results["tree"].append(await cancel_once("plain"))
        results["tree ignoring SIGTERM"].append(await cancel_once("ignore"))
        results["baseline: kill one child"].append(baseline_once())
    base = statistics.median(results["baseline: kill one child"])
    ok = True
    for name, times in results.items():
        worst = max(times)
        line = f"{name:<26} median {statistics.median(times) * 1000:7.1f} ms  max {worst * 1000:7.1f} ms"
        if not name.startswith("baseline"):
            line += f"  ({statistics.median(times) / base:.0f}x baseline)  target <= 1000 ms: "
            line += "OK" if worst <= 1.0 else "MISSED"
            ok &= worst <= 1.0
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
