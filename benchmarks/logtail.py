"""`m3tui logs FILE` on a 10-million-line file against toolong, in tmux: time to the last line.

Three measurements, each in a real terminal (a tmux server of our own, `-L` socket, no
config file, COLSxROWS window, TERM=screen-256color, COLUMNS/LINES/TEXTUAL_* removed):

* **last line**: from just before `tmux new-session … CMD FILE` until the file's last line is
  on the tmux screen (`capture-pane -p` every --poll seconds, 10 ms). FILE is a copy of
  benchmarks/logindex.py's cached ~760 MB, 10,000,000-line log (generated there if missing)
  with one unique marker line appended, made once and cached next to it. The peer is
  toolong 1.5.0 (`tl FILE`), installed once in a venv of its own (--toolong-venv; it pins an
  older Textual); m3tui is `python -m m3tui logs FILE` with a fresh temporary M3TUI_HOME and
  working directory. Target (issue 17): m3tui <= 0.06x toolong.
* **bare first paint** (the second baseline): `python -m m3tui`, no arguments, until the pane
  bar's "1 Environment" is on the screen. Target: `m3tui logs FILE`'s last line <= 1.2x that.
  Also reported: when `m3tui logs FILE` has painted at all, and when its background index is
  done (the marker line gets its line number).
* **follow**: `m3tui logs SMALL` on a small file, `f` pressed (status "following"); then
  --appends times a unique line is appended (open, write, close) and timed until it is on
  the screen. Baseline in the same run: `tail -n 30 -F` on a second small file in the same
  tmux server, the two appended to alternately. Target: median append-to-visible <= 100 ms
  (p90 reported).

The three programs rotate their order every round, after one discarded warm-up run of each.
Times are taken when the capture that shows the line returns, so they include up to one poll
interval plus one `capture-pane` (a few ms): the `tail -F` baseline shows that floor.

    python benchmarks/logtail.py [--rounds 5] [--appends 10] [--size 120x40] [--json]

Exit status: 0 all targets hold, 1 a target is missed, 2 the measurement failed.
Every tmux server started here is killed on the way out (errors and Ctrl-C too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from logindex import generate  # noqa: E402

TOOLONG_TARGET = 0.06  # m3tui's time to the last line <= this many times toolong's
PAINT_TARGET = 1.2  # and <= this many times m3tui's own first paint with no file
FOLLOW_TARGET_MS = 100.0  # median append-to-visible while following

TOOLONG_VERSION = "1.5.0"
MARKER = "m3tui-bench-logtail: the last line of the file"

EXIT_OK, EXIT_MISSED, EXIT_ERROR = 0, 1, 2


class BenchmarkError(Exception):
    pass


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match or min(int(match[1]), int(match[2])) < 10:
        raise argparse.ArgumentTypeError(f"expected COLUMNSxROWS such as 120x40, got {text!r}")
    return int(match[1]), int(match[2])


# --- tmux ---------------------------------------------------------------------------------


class Tmux:
    """One tmux server of our own; every instance ever made is killed by kill_all()."""

    live: list[Tmux] = []

    def __init__(self, size: tuple[int, int], env: dict[str, str]) -> None:
        self.socket = f"m3tui-bench-{uuid.uuid4().hex[:8]}"
        self.size = size
        self.env = env
        Tmux.live.append(self)
        # A holding session first, so the server's own start-up is not in any measurement,
        # and remain-on-exit so a program that dies leaves its last screen to report.
        self("new-session", "-d", "-s", "hold", "-x", str(size[0]), "-y", str(size[1]), "sleep", "3600")
        self("set-option", "-g", "remain-on-exit", "on")

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True, text=True, timeout=10, env=self.env,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise BenchmarkError(f"tmux {' '.join(args[:3])}…: {done.stderr.strip()}")
        return done.stdout

    def start(self, name: str, command: Sequence[str], env: dict[str, str], cwd: str) -> float:
        """Start COMMAND in session NAME; returns the perf_counter just before."""
        exports = [f"{k}={v}" for k, v in env.items()]
        w, h = self.size
        t0 = time.perf_counter()
        self("new-session", "-d", "-s", name, "-x", str(w), "-y", str(h), "-c", cwd, "env", *exports, *command)
        return t0

    def screen(self, name: str) -> str:
        return self("capture-pane", "-p", "-t", name)

    def wait(self, name: str, predicate: Callable[[str], bool], t0: float, timeout: float, poll: float, what: str) -> float:
        """Seconds from t0 until predicate(screen) holds."""
        deadline = time.perf_counter() + timeout
        screen = ""
        while time.perf_counter() < deadline:
            screen = self.screen(name)
            now = time.perf_counter()
            if predicate(screen):
                return now - t0
            time.sleep(poll)
        raise BenchmarkError(f"timed out after {timeout:.0f} s waiting for {what}; the screen was:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10, check=False)
        sock = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / self.socket
        sock.unlink(missing_ok=True)  # kill-server leaves the socket file behind
        if self in Tmux.live:
            Tmux.live.remove(self)

    @classmethod
    def kill_all(cls) -> None:
        for t in list(cls.live):
            t.kill()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL_", "TMUX"))}
    for k in ("COLUMNS", "LINES"):
        env.pop(k, None)
    return env


# --- inputs -------------------------------------------------------------------------------


def big_file(cache: Path, lines: int) -> Path:
    """logindex.py's cached log plus one unique last line (a copy, made once)."""
    cache.mkdir(parents=True, exist_ok=True)
    source = cache / f"mixed-{lines}.log"
    if not source.exists():
        print(f"generating {source} ({lines:,} lines) …", flush=True)
        t0 = time.perf_counter()
        generate(source, lines)
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    marked = cache / f"mixed-{lines}-tail.log"
    if not marked.exists() or marked.stat().st_size != source.stat().st_size + len(MARKER) + 1:
        print(f"copying it to {marked} with a unique last line …", flush=True)
        part = marked.with_name(marked.name + ".part")
        shutil.copyfile(source, part)
        with open(part, "ab") as f:
            f.write(MARKER.encode() + b"\n")
        os.replace(part, marked)
    return marked


def toolong(venv: Path) -> Path:
    """The venv's `tl`, installing toolong==1.5.0 there first if needed."""
    tl = venv / "bin" / "tl"
    python = venv / "bin" / "python"
    if tl.exists():
        out = subprocess.run([str(tl), "--version"], capture_output=True, text=True, timeout=60)
        if TOOLONG_VERSION in out.stdout:
            return tl
    print(f"installing toolong=={TOOLONG_VERSION} in {venv} …", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"toolong=={TOOLONG_VERSION}"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0 or not tl.exists():
        raise BenchmarkError(f"pip install toolong=={TOOLONG_VERSION} failed:\n{done.stderr[-2000:]}")
    return tl


def compile_m3tui() -> None:
    """Write m3tui's bytecode, as a real install does (see startup.py: PYTHONDONTWRITEBYTECODE)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("m3tui")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


# --- the measurements ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5; ~2 min once cached)")
    parser.add_argument("--appends", type=int, default=10, help="appends timed per followed file (default 10)")
    parser.add_argument("--size", type=parse_size, default=(120, 40), help="tmux window COLSxROWS (default 120x40)")
    parser.add_argument("--lines", type=int, default=10_000_000, help="lines in the big file (default 10,000,000)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/m3tui-bench-logindex"), help="logindex.py's cache")
    parser.add_argument("--toolong-venv", type=Path, default=Path("/tmp/m3tui-bench-toolong"), help="cached venv")
    parser.add_argument("--poll", type=float, default=0.01, help="seconds between captures (default 0.01)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for one screen (default 90)")
    parser.add_argument("--no-index-time", action="store_true", help="do not wait for m3tui's index to finish")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.appends < 1:
        parser.error("--rounds and --appends must be at least 1")
    if shutil.which("tmux") is None:
        print("logtail benchmark failed: tmux is not installed", file=sys.stderr)
        return EXIT_ERROR

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="m3tui-bench-logtail-"))
    try:
        return run(args, tmp)
    except BenchmarkError as exc:
        print(f"logtail benchmark failed: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        Tmux.kill_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    path = big_file(args.cache, args.lines)
    tl = toolong(args.toolong_venv)
    compile_m3tui()
    with open(path, "rb") as f:  # warm the page cache: both read the same cached bytes
        while f.read(1 << 24):
            pass
    size_mb = path.stat().st_size / 1e6
    w, h = args.size
    print(f"file: {path} ({size_mb:.0f} MB, {args.lines + 1:,} lines), tmux {w}x{h}, poll {args.poll * 1000:.0f} ms")
    print(f"toolong {TOOLONG_VERSION}: {tl}")

    env = base_env()
    # Bytecode as an installed package has it: compiled once (the warm-up) into the cache, not
    # compiled again on every launch (PYTHONDONTWRITEBYTECODE with a checkout edited since its .pyc).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(args.cache / "pycache")
    term = {"TERM": "screen-256color", "COLORTERM": "", "PATH": env.get("PATH", "")}
    m3tui_cmd = [sys.executable, "-m", "m3tui"]
    indexed_re = re.compile(rf"\b{args.lines + 1}\s+{re.escape(MARKER)}")
    counter = iter(range(1_000_000))

    def one(kind: str) -> dict[str, float]:
        """One run of KIND in a fresh tmux server; times in ms."""
        n = next(counter)
        home = tmp / f"home-{n}"
        cwd = tmp / f"cwd-{n}"
        home.mkdir()
        cwd.mkdir()
        tmux = Tmux(args.size, env)
        try:
            if kind == "toolong":
                t0 = tmux.start("run", [str(tl), str(path)], term, str(cwd))
                last = tmux.wait("run", lambda s: MARKER in s, t0, args.timeout, args.poll, "toolong's last line")
                return {"last_line": last * 1000}
            run_env = term | {"M3TUI_HOME": str(home)}
            if kind == "bare":
                t0 = tmux.start("run", m3tui_cmd, run_env, str(cwd))
                paint = tmux.wait("run", lambda s: "1 Environment" in s, t0, args.timeout, args.poll, "m3tui's paint")
                return {"first_paint": paint * 1000}
            t0 = tmux.start("run", [*m3tui_cmd, "logs", str(path)], run_env, str(cwd))
            painted: list[float] = []

            def seen(screen: str) -> bool:
                if not painted and "1 Environment" in screen:
                    painted.append(time.perf_counter() - t0)
                return MARKER in screen

            last = tmux.wait("run", seen, t0, args.timeout, args.poll, "m3tui's last line")
            out = {"last_line": last * 1000, "first_paint": (painted[0] if painted else last) * 1000}
            if not args.no_index_time:
                indexed = tmux.wait(
                    "run", lambda s: indexed_re.search(s) is not None, t0, args.timeout, 0.05,
                    "m3tui's index to finish (the last line numbered)",
                )  # fmt: skip
                out["indexed"] = indexed * 1000
            return out
        finally:
            tmux.kill()
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(cwd, ignore_errors=True)

    kinds = ["toolong", "logs", "bare"]
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    print()
    print(f"{'round':>6}  {'toolong last':>13} {'m3tui last':>11} {'m3tui bare':>11}   {'logs paint':>10} {'indexed':>9}")
    for r in range(args.rounds + 1):
        order = kinds[r % 3 :] + kinds[: r % 3]
        got = {k: one(k) for k in order}
        if r > 0:
            for k in kinds:
                results[k].append(got[k])
        idx = got["logs"].get("indexed")
        print(
            f"{'warmup' if r == 0 else r:>6}  {got['toolong']['last_line']:10.0f} ms {got['logs']['last_line']:8.0f} ms"
            f" {got['bare']['first_paint']:8.0f} ms   {got['logs']['first_paint']:7.0f} ms"
            f" {'' if idx is None else f'{idx:6.0f} ms':>9}",
            flush=True,
        )

    def med(kind: str, key: str) -> float:
        return statistics.median(x[key] for x in results[kind])

    tl_last, m3_last, bare = med("toolong", "last_line"), med("logs", "last_line"), med("bare", "first_paint")
    logs_paint = med("logs", "first_paint")
    indexed = None if args.no_index_time else med("logs", "indexed")
    ratio_tl = statistics.median(x["last_line"] / y["last_line"] for x, y in zip(results["logs"], results["toolong"]))
    ratio_bare = statistics.median(x["last_line"] / y["first_paint"] for x, y in zip(results["logs"], results["bare"]))
    print(f"{'median':>6}  {tl_last:10.0f} ms {m3_last:8.0f} ms {bare:8.0f} ms   {logs_paint:7.0f} ms"
          f" {'' if indexed is None else f'{indexed:6.0f} ms':>9}")  # fmt: skip

    follow = measure_follow(args, tmp, env, term, m3tui_cmd)

    ok_tl = ratio_tl <= TOOLONG_TARGET
    ok_bare = ratio_bare <= PAINT_TARGET
    ok_follow = follow["m3tui"]["median"] <= FOLLOW_TARGET_MS
    print()
    print(f"last line, m3tui / toolong        {ratio_tl:6.3f}x  (target <= {TOOLONG_TARGET}x)  "
          f"{'OK' if ok_tl else 'MISSED'}   [{m3_last:.0f} ms vs {tl_last:.0f} ms]")  # fmt: skip
    print(f"last line, m3tui / bare paint     {ratio_bare:6.3f}x  (target <= {PAINT_TARGET}x)   "
          f"{'OK' if ok_bare else 'MISSED'}   [{m3_last:.0f} ms vs {bare:.0f} ms]")  # fmt: skip
    fm, ft = follow["m3tui"], follow["tail"]
    print(f"follow, append to visible         {fm['median']:6.0f} ms (target <= {FOLLOW_TARGET_MS:.0f} ms) "
          f"{'OK' if ok_follow else 'MISSED'}   [p90 {fm['p90']:.0f} ms, max {fm['max']:.0f} ms; "
          f"tail -F median {ft['median']:.0f} ms, p90 {ft['p90']:.0f} ms]")  # fmt: skip
    if follow["wrong_source_launches"]:
        print(f"`m3tui logs SMALL` showed its own log, not SMALL: {follow['wrong_source_launches']} launch(es)"
              " (reported; relaunched)")  # fmt: skip
    if indexed is not None:
        print(f"m3tui background index done       {indexed:6.0f} ms after launch (reported)")
    ok = ok_tl and ok_bare and ok_follow
    print("targets met" if ok else "TARGET MISSED")

    if args.json:
        result = {
            "file": {"path": str(path), "bytes": path.stat().st_size, "lines": args.lines + 1},
            "size": {"columns": w, "rows": h},
            "rounds": args.rounds,
            "median_ms": {"toolong_last_line": tl_last, "m3tui_last_line": m3_last, "m3tui_bare_paint": bare,
                          "m3tui_logs_paint": logs_paint, "m3tui_indexed": indexed},  # fmt: skip
            "ratio": {"toolong": round(ratio_tl, 4), "bare_paint": round(ratio_bare, 4)},
            "follow_ms": follow,
            "target": {"toolong": TOOLONG_TARGET, "bare_paint": PAINT_TARGET, "follow_ms": FOLLOW_TARGET_MS},
            "ok": {"toolong": ok_tl, "bare_paint": ok_bare, "follow": ok_follow},
            "runs": results,
        }
        print(json.dumps(result, indent=2))
    return EXIT_OK if ok else EXIT_MISSED


def measure_follow(
    args: argparse.Namespace, tmp: Path, env: dict[str, str], term: dict[str, str], m3tui_cmd: list[str]
) -> dict:
    """m3tui following a small file against `tail -F` on another, appended to alternately."""
    home, cwd = tmp / "follow-home", tmp / "follow-cwd"
    home.mkdir()
    cwd.mkdir()
    files = {"m3tui": tmp / "follow-m3tui.log", "tail": tmp / "follow-tail.log"}
    for f in files.values():
        f.write_text("".join(f"seed line {i:04d} of a small log\n" for i in range(1, 301)))
    tmux = Tmux(args.size, env)
    wrong = 0  # launches that ended up showing m3tui's own log instead of FILE (see the README)
    shown = re.compile(rf"^ {re.escape(files['m3tui'].name)} · ", re.M)
    try:
        for attempt in range(1, 6):
            name = f"m3tui{attempt}"
            t0 = tmux.start(name, [*m3tui_cmd, "logs", str(files["m3tui"])], term | {"M3TUI_HOME": str(home)}, str(cwd))
            tmux.wait(name, lambda s: "1 Environment" in s, t0, args.timeout, args.poll, "m3tui's paint")
            deadline = time.perf_counter() + 5.0  # FILE with its last line should be there, and stay
            screen, ok_since = "", None
            while time.perf_counter() < deadline:
                screen = tmux.screen(name)
                if shown.search(screen) and "seed line 0300" in screen:
                    ok_since = ok_since or time.perf_counter()
                    if time.perf_counter() - ok_since > 1.0:
                        break
                else:
                    ok_since = None
                time.sleep(0.05)
            if ok_since is not None:
                break
            wrong += 1
            status = next((ln.strip() for ln in screen.splitlines() if " · " in ln), "?")
            what = "without its last line" if shown.search(screen) else "not the file"
            print(f"follow: launch {attempt} of `m3tui logs {files['m3tui'].name}` shows {status!r} after 5 s, {what};"
                  " relaunching", flush=True)  # fmt: skip
            if shown.search(screen):
                print("  its screen:\n" + "\n".join("  | " + ln for ln in screen.splitlines()[3:12]), flush=True)
            tmux("kill-session", "-t", name)
        else:
            raise BenchmarkError("`m3tui logs FILE` never showed FILE in 5 launches")
        tmux("send-keys", "-t", name, "f")
        tmux.wait(name, lambda s: "following" in s, t0, args.timeout, args.poll, '"following" after f')
        t0 = tmux.start("tail", ["tail", "-n", "30", "-F", str(files["tail"])], term, str(cwd))
        tmux.wait("tail", lambda s: "seed line 0300" in s, t0, args.timeout, args.poll, "tail's last line")
        time.sleep(0.5)  # let both settle (watchers armed)
        lat: dict[str, list[float]] = {"m3tui": [], "tail": []}
        rnd = random.Random(7)
        print()
        print(f"follow: {args.appends} appends each, m3tui (f pressed) and tail -F alternately")
        for i in range(args.appends):
            for who in ("m3tui", "tail") if i % 2 == 0 else ("tail", "m3tui"):
                line = f"appended {i:03d} {uuid.uuid4().hex[:12]}"
                time.sleep(0.15 + rnd.random() * 0.15)  # off any timer's phase
                t0 = time.perf_counter()
                with open(files[who], "a") as f:
                    f.write(line + "\n")
                session = name if who == "m3tui" else "tail"
                took = tmux.wait(session, lambda s, line=line: line in s, t0, 10.0, args.poll, f"{who} to show {line!r}")
                lat[who].append(took * 1000)
            print(f"  append {i + 1:>3}: m3tui {lat['m3tui'][-1]:6.1f} ms   tail -F {lat['tail'][-1]:6.1f} ms", flush=True)
    finally:
        tmux.kill()

    def stats(xs: list[float]) -> dict[str, float]:
        s = sorted(xs)
        p90 = s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]
        return {"median": statistics.median(s), "p90": p90, "max": s[-1], "samples": [round(x, 1) for x in xs]}

    out: dict = {who: stats(xs) for who, xs in lat.items()}
    out["wrong_source_launches"] = wrong
    return out


if __name__ == "__main__":
    sys.exit(main())
