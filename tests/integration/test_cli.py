"""The headless command, run as users run it: a real process, real go, exit statuses 0/1/2/3/128+N."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from m3tui import __version__

from tests.appkit import write_executable

M3TUI = [sys.executable, "-m", "m3tui"]


def m3tui(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)


def test_version() -> None:
    done = m3tui("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"m3tui {__version__}"


def test_help_lists_every_subcommand() -> None:
    done = m3tui("--help")
    assert done.returncode == 0
    for command in ("doctor", "versions", "bench", "profile", "logs", "--theme"):
        assert command in done.stdout


def doctor_env(real_go: Path, tmp_path: Path) -> str:
    """PATH for a healthy setup: the real go, and GOPATH/bin (a fresh GOPATH) on PATH."""
    os.environ["GOPATH"] = str(tmp_path / "gopath")
    return os.pathsep.join([str(real_go.parent), str(tmp_path / "gopath" / "bin"), "/usr/bin", "/bin"])


def test_doctor_text_with_the_real_go(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOPATH", str(tmp_path / "gopath"))
    done = m3tui("doctor", "--offline", path=doctor_env(real_go, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    version = (real_go.parent.parent / "VERSION").read_text().splitlines()[0]
    lines = done.stdout.splitlines()
    assert lines[0] == "System" and "Go" in lines and "Network" in lines and "Drift" in lines
    assert f"  ✓ {version} ({real_go_platform()}) at {real_go}" in lines
    assert "  - network.proxy: skipped (--offline)" in lines or any("offline" in l for l in lines)
    assert lines[-1].startswith(("no problems", "1 problem", "2 problems"))


def real_go_platform() -> str:
    from m3tui.core.host import host_info

    host = host_info()
    return f"{host.goos}/{host.goarch}"


def test_doctor_json_with_the_real_go(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOPATH", str(tmp_path / "gopath"))
    done = m3tui("doctor", "--json", "--offline", path=doctor_env(real_go, tmp_path))
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["schema"] == 2 and report["offline"] is True
    checks = {c["id"]: c for c in report["checks"]}
    assert set(checks["go.path"]) == {"id", "group", "status", "summary", "detail", "fix", "data", "fixes"}
    assert checks["go.path"]["status"] == "ok"
    assert Path(checks["go.path"]["data"]["gos"][0]["resolved"]) == real_go.resolve()
    assert checks["system.os"]["group"] == "System"
    assert all(c["status"] == "skipped" for c in report["checks"] if c["group"] == "Network")
    assert report["counts"]["error"] == 0


def test_doctor_without_go_is_an_error(tmp_path: Path) -> None:
    done = m3tui("doctor", "--json", "--offline", path=str(tmp_path))
    assert done.returncode == 1
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["go.path"]["status"] == "error" and checks["go.path"]["summary"] == "no go on PATH"
    assert done.stderr == ""


def test_doctor_save_baseline_then_drift(real_go: Path, tmp_path: Path, monkeypatch, m3tui_home: Path) -> None:
    monkeypatch.setenv("GOPATH", str(tmp_path / "gopath"))
    path = doctor_env(real_go, tmp_path)
    done = m3tui("doctor", "--offline", "--save-baseline", path=path)
    assert (m3tui_home / "doctor-baseline.json").is_file(), done.stderr
    monkeypatch.setenv("GOFLAGS", "-v")
    checks = {c["id"]: c for c in json.loads(m3tui("doctor", "--json", "--offline", path=path).stdout)["checks"]}
    assert checks["drift.baseline"]["status"] == "warn"
    assert "go_env.GOFLAGS: '' -> '-v'" in checks["drift.baseline"]["data"]["changes"]


def test_opening_files_without_a_terminal_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("INFO start\n")
    for args in (["logs", str(log)], ["logs", str(tmp_path / "nope.log")], ["logs", "-"]):
        done = m3tui(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (args, done.stderr)
    missing = m3tui("profile", str(tmp_path / "nope.pprof"))
    assert missing.returncode == 2 and "No such file or directory" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["frobnicate"], ["doctor", "--nope"], ["--theme", "ansi-dark", "doctor"], ["--no-mouse", "doctor"]],
)
def test_bad_usage_is_one_line_and_exit_2(args: list[str]) -> None:
    done = m3tui(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("m3tui")


def test_tui_without_a_terminal_says_so() -> None:
    done = m3tui()  # stdin is /dev/null, stdout a pipe
    assert done.returncode == 2
    assert done.stderr.strip() == "m3tui: the TUI needs a terminal (for scripts: m3tui doctor --json, …)"


def test_output_error_is_one_line(real_go: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*M3TUI, "doctor", "--json", "--offline"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stderr == "m3tui: cannot write output: No space left on device\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signalled_doctor_leaves_no_child(tmp_path: Path, sig: signal.Signals) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write_executable(bindir / "go", "#!/bin/sh\nsleep 120 &\nsleep 121\n")
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen([*M3TUI, "doctor", "--offline"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        tree: list[psutil.Process] = []

        def sleeps(procs: list[psutil.Process]) -> int:
            count = 0
            for p in procs:
                try:
                    count += p.name() == "sleep"
                except psutil.NoSuchProcess:  # a shell that exec'd or ended between listing and asking
                    pass
            return count

        while time.monotonic() < deadline and sleeps(tree) < 2:
            time.sleep(0.05)
            tree = psutil.Process(proc.pid).children(recursive=True)
        assert sleeps(tree) >= 2, "the hanging go never started"
        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 128 + sig
        _, alive = psutil.wait_procs(tree, timeout=3)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_bug_is_one_line_and_a_crash_log(m3tui_home: Path, monkeypatch, capsys) -> None:
    from m3tui.cli import main as cli, versions as cli_versions

    def broken(*_args):
        raise KeyError(None)

    monkeypatch.setattr(cli_versions, "run", broken)
    assert cli.main(["versions", "list"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("m3tui: internal error: KeyError: None")
    assert (m3tui_home / "crash.log").stat().st_mode & 0o777 == 0o600
    log = (m3tui_home / "crash.log").read_text()
    assert "Traceback (most recent call last)" in log and "raise KeyError(None)" in log
    assert str(m3tui_home / "crash.log") in err


def test_closed_stdin_is_an_answer_not_a_bug(tmp_path: Path) -> None:
    """`m3tui … <&-`: sys.stdin is None; every path that looks at stdin answers with exit 2."""
    for args in ([], ["logs", "-"], ["logs", "-", "--lint"]):
        done = subprocess.run([*M3TUI, *args], capture_output=True, text=True, timeout=60, stdin=None,
                              preexec_fn=lambda: os.close(0))  # fmt: skip
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "internal error" not in done.stderr, (args, done.stderr)
    assert not (Path(os.environ["M3TUI_HOME"]) / "tmp").exists() or not os.listdir(Path(os.environ["M3TUI_HOME"]) / "tmp")


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["profile", "top", "/nonexistent/cpu.pprof", "--json"], 2, "invalid_input"),
        (["bench", "history", "show", "--json", "--bogus"], 2, "usage"),
        (["logs", "/", "--lint", "--json"], 2, "invalid_input"),
    ],
)
def test_a_json_command_that_fails_prints_the_error_object(args: list[str], code: int, kind: str) -> None:
    done = m3tui(*args)
    assert done.returncode == code, done.stderr
    doc = json.loads(done.stdout)
    assert doc == {"schema": 1, "error": {"code": kind, "exit": code, "message": done.stderr.strip()}}
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("m3tui")


def test_config_warnings_are_said_once_on_stderr(m3tui_home: Path, tmp_path: Path) -> None:
    (m3tui_home / "config.toml").write_text('theme = "x"\n[versions]\nmirror = "ftp://m"\n[logs.lint]\nrequired = ["time"]\n')
    log = tmp_path / "ok.log"
    log.write_text('{"time": "2026-12-04T10:00:00Z", "level": "INFO", "msg": "m"}\n')
    done = m3tui("logs", str(log), "--lint")
    assert done.stderr.count("versions.mirror must be an http(s) URL") == 1, done.stderr
    assert "logs.lint" not in done.stderr  # the README's own table is known
    (m3tui_home / "config.toml").write_text("theme = [broken\n")
    done = m3tui("logs", str(log), "--lint")
    assert done.stderr.count("not valid TOML") == 1, done.stderr
    assert (m3tui_home / "config.toml").read_text() == "theme = [broken\n"  # never overwritten


def test_closed_stdout_is_not_a_bug(tmp_path: Path) -> None:
    """`m3tui … >&-`: sys.stdout starts as None; the command still answers by its exit status."""
    done = subprocess.run([*M3TUI, "profile", "top", str(tmp_path / "missing.pprof")], stderr=subprocess.PIPE,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))  # fmt: skip
    assert done.returncode == 2 and "internal error" not in done.stderr, done.stderr
    assert done.stderr.startswith("m3tui: cannot read profile "), done.stderr


def test_output_that_cannot_be_written_is_exit_3(tmp_path: Path) -> None:
    pprof = Path(__file__).resolve().parents[1] / "data" / "pprof" / "cpu.pb.gz"
    closed = subprocess.run([*M3TUI, "profile", "top", str(pprof)], stderr=subprocess.PIPE, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))  # fmt: skip
    assert closed.returncode == 3 and closed.stderr == "m3tui: cannot write output: standard output is closed\n"
    for args in (["--help"], ["--version"], ["bench", "--help"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run([*M3TUI, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        assert done.returncode == 3 and "No space left on device" in done.stderr, (args, done.stderr)


def test_an_ascii_terminal_gets_escapes_not_a_crash(tmp_path: Path) -> None:
    bench = Path(__file__).resolve().parents[1] / "data" / "benchstat"
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([*M3TUI, "bench", "compare", str(bench / "crc-old.txt"), str(bench / "crc-new.txt")],
                          capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0 and "internal error" not in done.stderr, done.stderr
    assert "\\xb1" in done.stdout or "\\u00b1" in done.stdout  # '±' as an escape


def test_an_output_read_only_to_its_user_is_left_as_it_is(tmp_path: Path) -> None:
    from tests.unprivileged import nobody_python, unprivileged_argv, world_dir

    place = world_dir(tmp_path / "w")
    os.chmod(place, 0o777)
    target = place / "ro.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o444)
    python, extra = nobody_python()
    code = f"from m3tui.core.files import atomic_write\natomic_write({str(target)!r}, 'new')"
    done = subprocess.run(unprivileged_argv([python, "-c", code]), capture_output=True, text=True, timeout=60,
                          env={**os.environ, **dict(extra)})  # fmt: skip
    assert "Permission denied" in done.stderr and done.returncode != 0
    assert target.read_text() == "keep me\n" and sorted(os.listdir(place)) == ["ro.txt"]
