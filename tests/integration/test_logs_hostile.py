"""Hostile inputs to `m3tui logs`, as real processes: a real gzip bomb and a 200 MB line under a
memory limit (peak RSS measured), a FIFO and a closed stdin (no block, exit 2), an unreadable
file as nobody (exit 3), and spools on a real small disk (a tmpfs in a mount namespace of its
own: the budget, the reserve, a real ENOSPC) and under a file-size limit (a real EFBIG).

The in-process cases (every corrupt gzip, FIFOs, devices, loops, control characters, config)
are in tests/unit/test_logs_hostile.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import Done, zeros_gzip
from tests.hostile import measured as run_measured
from tests.unprivileged import run_m3tui, world_dir

M3TUI = [sys.executable, "-m", "m3tui"]


def measured(argv: list[str], *, home: Path, **limits: Any) -> Done:
    """Run ``argv`` with M3TUI_HOME=home under the given limits (tests/hostile.py)."""
    return run_measured(argv, env={**os.environ, "M3TUI_HOME": str(home)}, **limits)


def leftovers(home: Path) -> list[str]:
    tmp = home / "tmp"
    return sorted(os.listdir(tmp)) if tmp.is_dir() else []


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    return err.strip()


# --- memory ------------------------------------------------------------------------------------


def test_lint_of_a_gzip_bomb_stays_in_bounded_memory(tmp_path: Path) -> None:
    """512 MiB of zeros in ~2 MB: one line far over the cap. Before, it was read whole (1.98 GB
    RSS for a 2 GB bomb, MemoryError under a ulimit); now it streams under a 192 MiB address space."""
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 512 << 20)
    assert bomb.stat().st_size < 4 << 20
    done = measured([*M3TUI, "logs", str(bomb), "--lint"], home=tmp_path / "home", limit_as=192 << 20)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0 JSON lines checked, 0 non-JSON, 0 violations, 1 lines over 1 MiB not checked\n"
    assert done.max_rss < 96 << 20, done.max_rss


def test_lint_of_a_bomb_of_many_lines_and_a_200_mb_line(tmp_path: Path) -> None:
    many = zeros_gzip(tmp_path / "lines.log.gz", 64 << 20, line=4096)
    done = measured([*M3TUI, "logs", str(many), "--lint", "--json"], home=tmp_path / "home", limit_as=192 << 20)
    assert done.returncode == 0 and '"non_json": 16384' in done.stdout, done.stderr
    assert done.max_rss < 96 << 20, done.max_rss

    long = tmp_path / "long.log"
    with long.open("wb") as f:
        f.write(b'{"level":"INFO","time":"2024-05-01T12:00:00Z"}\n')
        block = b"x" * (1 << 20)
        for _ in range(200):
            f.write(block)
        f.write(b'\n{"level":"LOUD","time":"2024-05-01T12:00:00Z"}\n')
    done = measured([*M3TUI, "logs", str(long), "--lint"], home=tmp_path / "home", limit_as=192 << 20)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "line 3: level: level 'LOUD' is not one of DEBUG, ERROR, INFO, WARN",
        "2 JSON lines checked, 0 non-JSON, 1 violations, 1 lines over 1 MiB not checked (level 1)",
    ]
    assert done.max_rss < 96 << 20, done.max_rss


# --- no block, no crash ------------------------------------------------------------------------


def test_fifo_is_refused_at_once_by_lint_and_by_the_tui_path(tmp_path: Path) -> None:
    fifo = tmp_path / "app.log"
    os.mkfifo(fifo)
    for argv in (["logs", str(fifo), "--lint"], ["logs", str(fifo)]):
        done = measured([*M3TUI, *argv], home=tmp_path / "home", timeout=30)
        assert done.returncode == 2 and "app.log: is a FIFO, not a regular file" in one_line(done.stderr), argv


def test_closed_stdin_is_exit_2_and_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = measured([*M3TUI, "logs", "-", "--lint"], home=home, close_stdin=True)
    assert done.returncode == 2 and "nothing on stdin" in one_line(done.stderr)
    done = measured([*M3TUI, "logs", "-"], home=home, close_stdin=True)
    assert done.returncode == 2 and "nothing is piped in" in one_line(done.stderr)
    assert not (home / "crash.log").exists() and leftovers(home) == []


def test_piped_stdin_without_a_terminal_leaves_no_spool(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "M3TUI_HOME": str(home)}
    done = subprocess.run([*M3TUI, "logs", "-"], input=b"a\nb\n", capture_output=True, env=env, timeout=60, check=False)
    assert done.returncode == 2 and b"needs a terminal" in done.stderr
    assert leftovers(home) == []


def test_unreadable_log_is_exit_3_as_nobody(tmp_path: Path) -> None:
    base = world_dir(tmp_path / "world")
    log = base / "secret.log"
    log.write_text('{"level":"INFO"}\n')
    log.chmod(0o600)
    gz = base / "secret.log.gz"
    gz.write_bytes(b"\x1f\x8b" + b"\0" * 20)
    gz.chmod(0o600)
    home = world_dir(base / "home")
    home.chmod(0o777)
    for path in (log, gz):
        done = run_m3tui(["logs", str(path), "--lint"], env={**os.environ, "M3TUI_HOME": str(home)})
        assert done.returncode == 3, done.stderr
        assert f"cannot read {path}: Permission denied" in one_line(done.stderr)


# --- spools on a real small disk ---------------------------------------------------------------

SPOOL_SCRIPT = """
import sys
from m3tui.core.errors import M3tuiError
from m3tui.logs import index
from m3tui.logs.index import LineIndex
if sys.argv[2] == "no-budget":  # take away the budget check: only the disk itself can stop it
    index._free = lambda directory: 1 << 40
try:
    ix = LineIndex(sys.argv[1])
except M3tuiError as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
    sys.exit(exc.exit_code)
print(ix.size)
"""


def on_small_disk(tmp_path: Path, size: str, gz: Path, mode: str = "") -> tuple[Done, Path]:
    """Open ``gz`` in a LineIndex with M3TUI_HOME on a new tmpfs of ``size`` (its own mount namespace)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a tmpfs of our own needs root and util-linux's unshare")
    home = tmp_path / "disk"
    home.mkdir()
    shell = 'mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99; shift 2; "$@"; code=$?; ls -A "$M3TUI_HOME/tmp"; exit $code'
    argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", shell, "sh", size, str(home),
            sys.executable, "-c", SPOOL_SCRIPT, str(gz), mode]  # fmt: skip
    done = measured(argv, home=home)
    if done.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    return done, home


def test_spool_budget_is_half_the_free_space(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 64 << 20)
    done, home = on_small_disk(tmp_path, "8m", bomb)
    assert done.returncode == 2, done.stderr
    assert f"InputError {bomb}: decompresses to more than 4.0 MiB, half the free space in {home}/tmp" in done.stderr
    assert done.stdout == ""  # ls of tmp: no spool left


def test_spool_stops_before_the_disk_fills(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 128 << 20)
    done, _ = on_small_disk(tmp_path, "300m", bomb)  # budget 150 MiB, but at 64 MiB only 236 MiB are left
    assert done.returncode == 3, done.stderr
    assert "bomb.log.gz: stopped spooling it to" in done.stderr and "the disk would fill (less than 256.0 MiB free)" in done.stderr
    assert done.stdout == ""


def test_a_full_disk_is_a_clear_error_and_the_partial_spool_goes(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 64 << 20)
    done, _ = on_small_disk(tmp_path, "8m", bomb, "no-budget")
    assert done.returncode == 3, done.stderr
    assert "bomb.log.gz: cannot spool it to" in done.stderr and "No space left on device" in done.stderr
    assert done.stdout == ""


def test_a_file_size_limit_is_a_clear_error_and_the_partial_spool_goes(tmp_path: Path) -> None:
    bomb = zeros_gzip(tmp_path / "bomb.log.gz", 64 << 20)
    home = tmp_path / "home"
    done = measured([sys.executable, "-c", SPOOL_SCRIPT, str(bomb), ""], home=home, limit_fsize=4 << 20)
    assert done.returncode == 3, done.stderr
    assert "bomb.log.gz: cannot spool it to" in done.stderr and "File too large" in done.stderr
    assert leftovers(home) == []


def test_a_killed_viewers_spool_is_swept_by_the_next_m3tui(tmp_path: Path) -> None:
    """SIGKILL leaves the spool (no exit path runs); its name says whose it was, and the next
    m3tui command sweeps it once that process is gone."""
    home = tmp_path / "home"
    bomb = zeros_gzip(tmp_path / "app.log.gz", 16 << 20, line=100)
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sys, time; from m3tui.logs.index import LineIndex; "
                                "ix = LineIndex(sys.argv[1]); print('open', flush=True); time.sleep(60)"), str(bomb)],
        env={**os.environ, "M3TUI_HOME": str(home)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        (spool,) = leftovers(home)
        assert spool.startswith(f"gz-p{holder.pid}-")
    finally:
        holder.kill()
        holder.wait()
    assert leftovers(home) == [spool]  # the kill left it
    log = tmp_path / "a.log"
    log.write_text('{"level":"INFO","time":"2024-05-01T12:00:00Z"}\n')
    done = measured([*M3TUI, "logs", str(log), "--lint"], home=home)
    assert done.returncode == 0 and leftovers(home) == []
