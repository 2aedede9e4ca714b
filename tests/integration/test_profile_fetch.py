"""Profiles from a running program: a real Go program serving net/http/pprof on 127.0.0.1
(tests/data/pprofserver, built once per session with the real Go), fetched by `m3tui profile top
URL` for every kind and compared with `go tool pprof -top` of the same saved file; `profile
watch` until ctrl+c; and a Python server in this process for what a service can do wrong: slow
(a timeout, a cancel), 404, HTML, a dropped connection, an oversized body, a header that must
reach it and never be printed or stored.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from m3tui.core.errors import InputError, UsageError
from m3tui.profiles import fetch
from m3tui.profiles.fetch import FetchError
from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR
from tests.testdata import PPROF

M3TUI = [sys.executable, "-m", "m3tui", "profile"]
SECRET = "s3cret-token-do-not-print"


# --- the Go service ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pprof_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/data/pprofserver built with the real Go and running (tests/pprofserver.py): its base URL."""
    from tests.pprofserver import pprof_server as serve

    with serve(tmp_path_factory.mktemp("pprofserver")) as url:
        yield url


def m3tui(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "M3TUI_HOME": str(home)}
    return subprocess.run([*M3TUI, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=timeout, check=False)  # fmt: skip


def saved_path(stderr: str) -> Path:
    m = re.search(r"^· saved (.+) \([\d,]+ bytes\)$", stderr, re.MULTILINE)
    assert m, stderr
    return Path(m.group(1))


def go_pprof_top(path: Path) -> str:
    assert GO_BIN_DIR is not None
    r = subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", "-top", str(path)], env=go_env(),
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return r.stdout


KINDS = {
    "debug/pprof/heap": "heap",
    "debug/pprof/allocs": "allocs",
    "debug/pprof/goroutine": "goroutine",
    "debug/pprof/block": "block",
    "debug/pprof/mutex": "mutex",
    "debug/pprof/profile?seconds=1": "cpu",
}


@pytest.mark.slow
@pytest.mark.go  # pprof_server: the real Go builds it
@pytest.mark.parametrize("path", list(KINDS))
def test_every_kind_fetched_is_the_file_go_tool_pprof_reads_the_same(pprof_server: str, path: str,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    url = f"{pprof_server}/{path}"
    r = m3tui("top", url, home=tmp_path)
    assert r.returncode == 0, r.stderr
    saved = saved_path(r.stderr)
    assert saved.name == f"{KINDS[path]}.pprof" and saved.is_relative_to(tmp_path / "fetched")
    assert f"· fetching {url}" in r.stderr
    again = m3tui("top", str(saved), home=tmp_path)
    assert again.returncode == 0 and again.stdout == r.stdout
    assert r.stdout == go_pprof_top(saved)
    assert "main." in r.stdout or KINDS[path] == "goroutine"
    meta = json.loads((saved.parent / "fetch.json").read_text())
    assert meta["url"] == url and meta["kind"] == KINDS[path] and meta["fetched_at"].startswith("20")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


@pytest.mark.slow
@pytest.mark.go  # pprof_server: the real Go builds it
def test_a_bare_host_port_is_the_cpu_profile_with_seconds_and_progress(pprof_server: str, tmp_path: Path) -> None:
    hostport = pprof_server.removeprefix("http://")
    r = m3tui("top", hostport, "--seconds", "1", "--nodecount", "5", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"· fetching {pprof_server}/debug/pprof/profile?seconds=1 (the profile takes 1 s)" in r.stderr
    assert "Type: cpu" in r.stdout and "main.burn" in r.stdout
    assert saved_path(r.stderr).name == "cpu.pprof"


@pytest.mark.slow
@pytest.mark.go  # pprof_server: the real Go builds it
def test_watch_prints_the_growth_keeps_the_last_n_and_stops_on_ctrl_c(pprof_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "M3TUI_HOME": str(tmp_path)}
    proc = subprocess.Popen([*M3TUI, "watch", f"{pprof_server}/debug/pprof/heap", "--every", "300ms", "--keep", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while sum(line.startswith("== sample") for line in seen) < 4 and time.monotonic() < deadline:
        seen.append(proc.stdout.readline())
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    text = "".join(seen) + out
    assert proc.returncode == 130, err
    assert "== sample 1 at " in text and "the first; the growth shows from the next one" in text
    assert "== sample 2 at " in text and "growth of inuse_space since the previous sample" in text
    assert "Type: inuse_space" in text and "Traceback" not in err
    assert len(list((tmp_path / "fetched").iterdir())) == 2  # the last 2 kept, the older ones deleted
    assert not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("fetch-")]


# --- a service that does everything wrong ----------------------------------------------------------


class Hostile(http.server.BaseHTTPRequestHandler):
    seen_headers: list[str] = []
    flaky_calls = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: C901 - one route per case
        path = self.path.split("?")[0]
        if path == "/slow/debug/pprof/heap":
            time.sleep(5)
            self._send(200, PROFILE)
        elif path == "/missing/debug/pprof/heap":
            self._send(404, b"Unknown profile: the service has no such thing\n", "text/plain")
        elif path == "/html/debug/pprof/heap":
            self._send(200, b"<!DOCTYPE html><html><head><title>Sign in - Acme SSO</title></head><body>x</body></html>",
                       "text/html")  # fmt: skip
        elif path == "/drop/debug/pprof/heap":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(PROFILE[:50])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path == "/big/debug/pprof/heap":
            self._send(200, PROFILE + b"\0" * 5000)
        elif path == "/bigstream/debug/pprof/heap":  # no Content-Length: read until the cap
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(100):
                self.wfile.write(b"\0" * 1024)
        elif path == "/flaky/debug/pprof/heap":  # every second call fails
            Hostile.flaky_calls += 1
            if Hostile.flaky_calls % 2 == 0:
                self._send(500, b"overloaded\n", "text/plain")
            else:
                self._send(200, PROFILE)
        elif path == "/auth/debug/pprof/heap":
            Hostile.seen_headers.append(self.headers.get("Authorization", ""))
            if self.headers.get("Authorization") == f"Bearer {SECRET}":
                self._send(200, PROFILE)
            else:
                self._send(401, b"unauthorized\n", "text/plain")
        else:
            self._send(200, PROFILE)

    def _send(self, code: int, body: bytes, ctype: str = "application/octet-stream") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PROFILE = (PPROF / "mem.pb.gz").read_bytes()


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (a timeout, a cancel, the cap) is what these tests make happen


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("·")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("missing", 2, "server response: 404 Not Found - Unknown profile: the service has no such thing"),
        ("html", 2, "not a profile: the server sent an HTML page (Sign in - Acme SSO)"),
        ("drop", 3, "the server dropped the connection before the whole response"),
    ],
)
def test_a_bad_service_is_one_line(hostile: str, case: str, code: int, words: str, tmp_path: Path) -> None:
    url = f"{hostile}/{case}/debug/pprof/heap"
    r = m3tui("top", url, home=tmp_path)
    assert r.returncode == code
    assert one_line(r.stderr).startswith(f"m3tui: {url}: {words}")
    assert not (tmp_path / "fetched").exists() or not list((tmp_path / "fetched").iterdir())


def test_a_refused_connection_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = m3tui("top", f"127.0.0.1:{port}/debug/pprof/heap", home=tmp_path)
    assert r.returncode == 3
    assert one_line(r.stderr) == f"m3tui: http://127.0.0.1:{port}/debug/pprof/heap: cannot connect: Connection refused"


def test_a_header_reaches_the_service_and_is_never_printed_or_stored(hostile: str, tmp_path: Path) -> None:
    url = f"{hostile.replace('http://', 'http://me:pw@')}/auth/debug/pprof/heap"
    Hostile.seen_headers.clear()
    r = m3tui("top", url, "--header", f"Authorization: Bearer {SECRET}", "--nodecount", "3", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Hostile.seen_headers == [f"Bearer {SECRET}"]
    assert SECRET not in r.stdout + r.stderr and ":pw@" not in r.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes() and b":pw@" not in path.read_bytes(), path
    meta = json.loads(next(tmp_path.rglob("fetch.json")).read_text())
    assert meta["url"] == f"{hostile.replace('http://', 'http://me:***@')}/auth/debug/pprof/heap"
    bad = m3tui("top", url, "--header", f"Authorization {SECRET}", home=tmp_path)  # no colon: usage, value unsaid
    assert bad.returncode == 2 and SECRET not in bad.stderr
    denied = m3tui("top", url, home=tmp_path)  # no header: the 401 is one line
    assert denied.returncode == 2 and "server response: 401 Unauthorized - unauthorized" in one_line(denied.stderr)


def test_timeout_cap_and_cancel_in_process(hostile: str, m3tui_home: Path) -> None:
    async def main() -> None:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"/slow/debug/pprof/heap: no answer within 0\.5s \(timed out\)$"):
            await fetch.fetch(f"{hostile}/slow/debug/pprof/heap", timeout=0.5)
        assert time.monotonic() - started < 3
        with pytest.raises(InputError, match=r"the profile is [\d,]+ bytes, more than the 1,000-byte limit$"):
            await fetch.fetch(f"{hostile}/big/debug/pprof/heap", max_bytes=1000)
        with pytest.raises(InputError, match=r"the response is more than the 10,000-byte limit$"):
            await fetch.fetch(f"{hostile}/bigstream/debug/pprof/heap", max_bytes=10_000)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.3, stop.set)
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"heap: stopped$"):
            await fetch.fetch(f"{hostile}/slow/debug/pprof/heap", stop=stop)
        assert time.monotonic() - started < 2
        task = asyncio.ensure_future(fetch.fetch(f"{hostile}/slow/debug/pprof/heap"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        progress: list[tuple[float, float]] = []
        got = await fetch.fetch(f"{hostile}/ok/debug/pprof/profile", seconds=1, on_progress=lambda e, n: progress.append((e, n)))
        assert progress[-1] == (1.0, 1.0) and got.kind == "cpu"  # (the body is a heap profile: the server's word)
        assert got.url_redacted.endswith("/ok/debug/pprof/profile?seconds=1")

    asyncio.run(main())
    assert [p.name for p in (m3tui_home / "fetched").iterdir()] == [fetch.list_fetched()[0].id]
    assert not [p for p in (m3tui_home / "tmp").iterdir() if p.name.startswith("fetch-")]


def test_urls_as_pprof_reads_them() -> None:
    assert fetch.adjust_url("localhost:6060") == ("http://localhost:6060/debug/pprof/profile", 30)
    assert fetch.adjust_url("http://h:1/") == ("http://h:1/debug/pprof/profile", 30)
    assert fetch.adjust_url("http://h:1/debug/pprof/") == ("http://h:1/debug/pprof/profile", 30)
    assert fetch.adjust_url("http://h:1/debug/pprof/heap") == ("http://h:1/debug/pprof/heap", None)
    assert fetch.adjust_url("http://h:1/debug/pprof/heap?seconds=5") == ("http://h:1/debug/pprof/heap?seconds=5", 5)
    assert fetch.adjust_url("http://h:1/debug/pprof/profile?seconds=5", 2) == ("http://h:1/debug/pprof/profile?seconds=2", 2)
    assert fetch.profile_kind("http://h:1/debug/pprof/profile") == "cpu"
    assert fetch.split_seconds(" h:1 --seconds 20 ") == ("h:1", 20) and fetch.split_seconds("h:1/x") == ("h:1/x", None)
    assert fetch.is_url("http://x/y") and fetch.is_url("127.0.0.1:6060") and not fetch.is_url("cpu.pprof")
    with pytest.raises(UsageError, match=r"not a URL to fetch \(Invalid non-printable ASCII character"):
        asyncio.run(fetch.fetch("http://127.0.0.1:1/\x00", timeout=1))
    with pytest.raises(UsageError, match="an execution trace is not a profile"):
        fetch.adjust_url("h:1/debug/pprof/trace?seconds=5")
    with pytest.raises(UsageError, match="only http:// and https://"):
        fetch.adjust_url("ftp://h/x")
    for header in (f"Authorization {SECRET}", f"X-Key: {SECRET}é", f"X-Key: {SECRET}\r\nX-Other: 1"):
        with pytest.raises(UsageError) as bad:
            fetch.parse_header(header)
        assert SECRET not in str(bad.value)
    # The pane's one field of headers: split at ";" (or a line break), a "; name=value" kept in its value.
    assert fetch.split_headers(f"X-Team: perf; Authorization: Bearer {SECRET};") == [
        "X-Team: perf", f"Authorization: Bearer {SECRET}"]
    assert fetch.split_headers("Cookie: a=1;b=2; c=3\nX-A:1") == ["Cookie: a=1;b=2; c=3", "X-A:1"]
    assert fetch.split_headers(" ; ") == [] and fetch.split_headers("X-A: 1; Authorization x==") == [
        "X-A: 1", "Authorization x=="]  # refused by parse_header, not sent as X-A's value


def test_ctrl_c_during_a_fetch_exits_130_and_keeps_nothing(hostile: str, tmp_path: Path) -> None:
    env = {**os.environ, "M3TUI_HOME": str(tmp_path)}
    proc = subprocess.Popen([*M3TUI, "top", f"{hostile}/slow/debug/pprof/heap"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith("· fetching ")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out == "" and "Traceback" not in err, err
    assert not (tmp_path / "fetched").exists() or not list((tmp_path / "fetched").iterdir())
    assert not (tmp_path / "tmp").exists() or not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("fetch-")]


def test_watch_goes_on_after_a_failed_fetch(hostile: str, tmp_path: Path) -> None:
    Hostile.flaky_calls = 0
    env = {**os.environ, "M3TUI_HOME": str(tmp_path)}
    proc = subprocess.Popen([*M3TUI, "watch", f"{hostile}/flaky/debug/pprof/heap", "--every", "100ms", "--keep", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while not any(line.startswith("== sample 3 ") for line in seen) and time.monotonic() < deadline:
        seen.append(proc.stdout.readline())
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "== sample 1 at " in seen[0] and any(line.startswith("== sample 3 at ") for line in seen)
    assert "· sample 2: " in err and "server response: 500 Internal Server Error - overloaded" in err
    assert len(list((tmp_path / "fetched").iterdir())) == 1


def test_seconds_or_a_header_with_a_file_is_usage(tmp_path: Path) -> None:
    for extra in (["--seconds", "2"], ["--header", f"X-Key: {SECRET}"]):
        r = m3tui("top", str(PPROF / "cpu.pb.gz"), *extra, home=tmp_path)
        assert r.returncode == 2 and SECRET not in r.stderr
        assert one_line(r.stderr) == "m3tui profile: --seconds and --header apply to a URL, not to a file"


@pytest.mark.slow
@pytest.mark.go  # pprof_server: the real Go builds it
def test_views_take_urls_for_every_profile_merged(pprof_server: str, tmp_path: Path) -> None:
    """`profile peek URL REGEX URL` and `traces URL URL --diff-base URL`: each fetched and saved, then
    merged as `go tool pprof` merges the saved files."""
    assert GO_BIN_DIR is not None
    heap = f"{pprof_server}/debug/pprof/heap"
    for view, args in (("peek", [heap, "main", heap]), ("traces", [heap, heap, f"--diff-base={heap}", "--show=main"])):
        r = m3tui(view, *args, home=tmp_path)
        assert r.returncode == 0, r.stderr
        saved = re.findall(r"^· saved (.+) \([\d,]+ bytes\)$", r.stderr, re.MULTILINE)
        assert len(saved) == sum(pprof_server in a for a in args)
        theirs = ["-peek", "main", *saved] if view == "peek" else ["-traces", f"-diff_base={saved[2]}", "-show=main", *saved[:2]]
        want = subprocess.run([str(GO_BIN_DIR / "go"), "tool", "pprof", *theirs], env=go_env(), capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert want.returncode == 0 and r.stdout == want.stdout and "main." in r.stdout
