"""Long headless work shows a Rich progress bar on a terminal and plain lines when piped
(m3tui/cli/progress.py): `m3tui versions install` from the go.dev-shaped site on 127.0.0.1, run
once with stderr on a real pty and once piped, and with CI=true on the pty (plain again); a real
`m3tui bench` run on a pty (piped, its line per sample: tests/integration/test_cli_bench.py); a
`--seconds` fetch from the real net/http/pprof server (piped: no progress, test_profile_fetch.py)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.godevsite import GoDevSite, fake_go_archive
from tests.pprofserver import pprof_server

BAR = "━"  # Rich's BarColumn draws with it


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k not in ("CI", "TERM")}
    env.update(M3TUI_HOME=str(home), PYTHONDONTWRITEBYTECODE="1", TERM="xterm-256color", COLUMNS="100", **extra)
    return env


def on_pty(args: list[str], env: dict[str, str], timeout: float = 60, cwd: Path | None = None) -> tuple[int, str, str]:
    """``m3tui ARGS`` with stderr on a pty (stdout piped): exit status, stdout, what the pty got."""
    master, slave = os.openpty()
    try:
        child = subprocess.Popen([sys.executable, "-m", "m3tui", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=slave, env=env, text=True, cwd=cwd)  # fmt: skip
    finally:
        os.close(slave)
    got = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                child.kill()
                pytest.fail(f"no output for {timeout} s: {got[-500:]!r}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child's side closed
                break
            if not chunk:
                break
            got += chunk
        out, _ = child.communicate(timeout=timeout)
    finally:
        os.close(master)
    return child.returncode, out, got.decode(errors="replace")


@pytest.fixture
def site():
    with GoDevSite() as s:
        s.add("go1.22.1", fake_go_archive("go1.22.1", zeros=3 * 1024 * 1024))
        s.pace_s = 0.02  # a few reports on the way
        yield s


def test_install_on_a_terminal_shows_a_rich_bar_and_piped_plain_lines(site: GoDevSite, tmp_path: Path) -> None:
    home = tmp_path / "tty"
    code, out, screen = on_pty(["versions", "install", "1.22.1", "--mirror", site.url], _env(home))
    assert code == 0, screen
    assert BAR in screen and "go1.22.1.linux-amd64.tar.gz" in screen, screen[-2000:]
    assert "\x1b[" in screen  # drawn in place, with the terminal's controls
    assert "installed go1.22.1" in out

    piped = tmp_path / "piped"
    done = subprocess.run([sys.executable, "-m", "m3tui", "versions", "install", "1.22.1", "--mirror", site.url],
                          env=_env(piped), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert BAR not in done.stderr and "\x1b" not in done.stderr and "\r" not in done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("download ") for line in lines) and any(line.startswith("unpack ") for line in lines), lines


def test_ci_on_a_terminal_is_plain_lines(site: GoDevSite, tmp_path: Path) -> None:
    code, _, screen = on_pty(["versions", "install", "1.22.1", "--mirror", site.url], _env(tmp_path / "ci", CI="true"))
    assert code == 0, screen
    assert BAR not in screen and "download " in screen and "\x1b[" not in screen, screen[-2000:]


def test_a_bench_run_on_a_terminal_shows_a_bar_per_benchmark(pkg: Path, tmp_path: Path) -> None:
    args = ["bench", "--bench", "^BenchmarkSum$", "--cpu", "1,2", "--count", "3", "--benchtime", "100x", "--json"]
    code, out, screen = on_pty(args, _env(tmp_path / "home"), timeout=300, cwd=pkg)
    assert code == 0, screen[-2000:]
    assert BAR in screen and "3/3" in screen and "Sum-2" in screen, screen[-2000:]
    assert "· building the test binary" in screen  # the status lines still said, above the bar
    assert '"schema": 1' in out  # stdout untouched by the bar


def test_a_fetch_with_seconds_on_a_terminal_counts_them_on_a_bar(real_go: Path, tmp_path: Path) -> None:
    with pprof_server(tmp_path / "server") as url:
        args = ["profile", "top", f"{url}/debug/pprof/profile", "--seconds", "2", "--nodecount", "3"]
        code, out, screen = on_pty(args, _env(tmp_path / "home"), timeout=120)
    assert code == 0, screen[-2000:]
    assert BAR in screen and "· profiling" in screen and "2/2 s" in screen, screen[-2000:]
    assert "· saved " in screen and "flat%" in out
