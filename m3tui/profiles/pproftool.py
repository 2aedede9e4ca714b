"""Keep ``go tool pprof`` at hand: warm it once, build its argv, run ``-top``, serve its web UI.

Since Go 1.25 ``go tool pprof`` is not prebuilt: the first call compiles it (seconds), later
calls use the build cache. :func:`warm` pays that cost once per process, in the background.

:func:`serve_web` runs ``go tool pprof -http`` on a port it chose (pprof itself would print
``http://127.0.0.1:0`` for port 0), says "serving" only once the page answers, and always ends
in a final state: stopped, or failed with the reason.

Every subprocess goes through :mod:`m3tui.core.runner`. Plain asyncio; never imports Textual.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from m3tui.core import runner
from m3tui.core.errors import M3tuiError

__all__ = [
    "PPROF_ENV",
    "PprofError",
    "WebState",
    "free_port",
    "is_warm",
    "pprof_argv",
    "serve_web",
    "ssh_host",
    "ssh_tunnel",
    "top_text",
    "warm",
]

#: Environment for running pprof: never download a toolchain, never start a browser.
PPROF_ENV: dict[str, str | None] = {"GOTOOLCHAIN": "local", "BROWSER": ""}
WARM_TIMEOUT = 600.0
TOP_TIMEOUT = 120.0
#: How long the web UI may take to answer (the first `go tool pprof` of a Go 1.25+ compiles it).
READY_TIMEOUT = 180.0
#: Where the web UI listens: this machine only (reach it from elsewhere through an SSH tunnel).
WEB_HOST = "127.0.0.1"
#: The host of the `ssh -L` line when this machine's name is not known.
HOST_PLACEHOLDER = "<this-mac>"
#: The page polled until pprof answers: the top table (the graph view needs Graphviz).
READY_PATH = "ui/top"

#: go command -> seconds its first warm-up took (None: it failed).
_WARMED: dict[str, float | None] = {}


class PprofError(M3tuiError):
    """``go tool pprof`` failed; ``str()`` is its first error line (control characters escaped,
    URL credentials masked: it may name the file)."""

    def __init__(self, message: str) -> None:
        from m3tui.profiles.pprof.model import printable

        super().__init__(printable(message))


def is_warm(go: str = "go") -> bool:
    return _WARMED.get(go) is not None


def _looks_like_pprof_usage(lines: Sequence[str]) -> bool:
    text = "\n".join(lines[:40]).lower()
    return "usage" in text and "pprof" in text


async def warm(go: str = "go", *, timeout: float | None = WARM_TIMEOUT) -> float | None:
    """Run ``go tool pprof -h`` once per process (per go command) so pprof gets built and cached.

    Returns the seconds the (first) warm-up took, or None when pprof could not be run; later
    calls return the first result without running anything. The exit status of ``-h`` does
    not matter; its usage text does.
    """
    if go in _WARMED and _WARMED[go] is not None:
        return _WARMED[go]
    started = time.monotonic()
    try:
        res = await runner.run([go, "tool", "pprof", "-h"], env=PPROF_ENV, timeout=timeout)
    except runner.RunnerError:
        _WARMED[go] = None
        return None
    ok = not res.timed_out and not res.cancelled and _looks_like_pprof_usage(
        list(res.stderr) + list(res.stdout)
    )
    seconds = time.monotonic() - started if ok else None
    _WARMED[go] = seconds
    return seconds


def pprof_argv(
    profile: Path,
    binary: Path | None = None,
    *,
    http: str | None = None,
    extra: Sequence[str] = (),
    go: str = "go",
) -> list[str]:
    """argv for "open in pprof": ``go tool pprof [-http=ADDR -no_browser] [extra] [binary] profile``.

    ``http=None`` gives the interactive terminal mode; ``http=""`` means ``localhost:0`` (any
    free port; pprof prints the URL). With ``-http`` pprof would open a browser: ``-no_browser``
    stops it (and :data:`PPROF_ENV` blanks ``BROWSER`` too).
    """
    argv = [go, "tool", "pprof"]
    if http is not None:
        argv += [f"-http={http or 'localhost:0'}", "-no_browser"]
    argv += list(extra)
    if binary is not None:
        argv.append(str(binary))
    argv.append(str(profile))
    return argv


async def top_text(
    profile: Path,
    binary: Path | None = None,
    args: Sequence[str] = (),
    *,
    go: str = "go",
    timeout: float | None = TOP_TIMEOUT,
) -> str:
    """The text of ``go tool pprof -top [args] [binary] profile``; raises :class:`PprofError`."""
    argv = pprof_argv(profile, binary, extra=["-top", *args], go=go)
    try:
        res = await runner.run(argv, env=PPROF_ENV, timeout=timeout)
    except runner.RunnerError as exc:
        raise PprofError(str(exc)) from None
    if res.timed_out:
        raise PprofError(f"go tool pprof timed out after {timeout:g}s")
    if res.returncode != 0:
        errs = [ln.strip() for ln in res.stderr if ln.strip()]
        raise PprofError(errs[0] if errs else f"go tool pprof exited with status {res.returncode}")
    return res.stdout_text


@dataclass(frozen=True)
class WebState:
    """Where ``go tool pprof -http`` is: starting, serving (it answered), stopped or failed.

    ``url`` is the real address (known from the start: the port is chosen before pprof runs);
    ``ssh`` the command that reaches it from another machine; ``reason`` why it failed.
    """

    phase: str  # "starting" | "serving" | "stopped" | "failed"
    url: str
    ssh: str
    reason: str | None = None

    @property
    def final(self) -> bool:
        return self.phase in ("stopped", "failed")

    def line(self) -> str:
        """The one line a front shows (escaped: a reason may quote pprof)."""
        from m3tui.profiles.pprof.model import printable

        if self.phase == "starting":
            return f"pprof web: starting at {self.url}…"
        if self.phase == "serving":
            return f"pprof web: serving at {self.url} · from another machine: {self.ssh} and open the same URL"
        if self.phase == "stopped":
            return f"pprof web: stopped (was {self.url})"
        return printable(f"pprof web: failed: {self.reason or 'unknown reason'}")


def free_port(host: str = WEB_HOST) -> int:
    """A TCP port free on ``host`` right now (the kernel's choice for port 0)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ssh_host(env: Mapping[str, str] | None = None, hostname: str | None = None) -> str:
    """This machine as another one would name it in ``ssh``, as best known.

    Logged in over SSH: the address the client reached (``SSH_CONNECTION``), with ``-p`` when
    not port 22; else the host name; else :data:`HOST_PLACEHOLDER`. With the user name when known.
    """
    env = os.environ if env is None else env
    user = env.get("USER") or env.get("LOGNAME") or ""
    prefix = f"{user}@" if user and all(c.isalnum() or c in "._-" for c in user) else ""
    parts = env.get("SSH_CONNECTION", "").split()
    if len(parts) == 4 and parts[2]:
        server, port = parts[2], parts[3]
        return (f"-p {port} " if port not in ("", "22") else "") + prefix + server
    name = socket.gethostname() if hostname is None else hostname
    if name and name not in ("localhost", "localhost.localdomain") and all(c.isalnum() or c in ".-_" for c in name):
        return prefix + name
    return HOST_PLACEHOLDER


def ssh_tunnel(port: int, env: Mapping[str, str] | None = None, hostname: str | None = None) -> str:
    """``ssh -L PORT:127.0.0.1:PORT <host>``: what makes the web UI reachable from another machine."""
    return f"ssh -L {port}:{WEB_HOST}:{port} {ssh_host(env, hostname)}"


async def _answers(url: str, done: asyncio.Future[runner.RunResult], timeout: float) -> bool | None:
    """Poll ``url`` until it answers 200 (True), pprof ends first (False) or time is up (None)."""
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(trust_env=False, follow_redirects=True, timeout=5.0) as client:
        while not done.done():
            try:
                if (await client.get(url)).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                return None
            await asyncio.wait({done}, timeout=0.2)
    return False


def _reason(tail: Sequence[str], res: runner.RunResult | None) -> str:
    """Why pprof ended: its first error line (the cause; later ones sum up), else its exit status."""
    lines = [ln.strip() for ln in tail if ln.strip() and not ln.startswith("Serving web UI")]
    if lines:
        return lines[0]
    if res is None or res.returncode is None:
        return "go tool pprof ended"
    return f"go tool pprof exited with status {res.returncode}"


async def serve_web(
    profile: Path,
    binary: Path | None,
    on_state: Callable[[WebState], None],
    *,
    go: str = "go",
    stop: asyncio.Event | None = None,
    ready_timeout: float = READY_TIMEOUT,
) -> WebState:
    """Run ``go tool pprof -http=127.0.0.1:PORT`` on a profile until ``stop`` is set (or the
    task is cancelled), and return the final state.

    ``on_state`` gets every state: starting (with the URL and the ``ssh -L`` line), serving
    once the page answered 200, then stopped (``stop``, cancel) or failed with the reason
    (pprof refused the file, could not listen, exited, or did not answer in ``ready_timeout``).
    """
    port = free_port()
    url, tunnel = f"http://{WEB_HOST}:{port}/", ssh_tunnel(port)
    argv = pprof_argv(profile, binary, http=f"{WEB_HOST}:{port}", go=go)
    stop = stop or asyncio.Event()
    tail: list[str] = []

    def on_batch(lines: Sequence[runner.OutputLine]) -> None:
        tail.extend(line.text for line in lines)
        del tail[40:]  # the first lines say why

    def final(state: WebState) -> WebState:
        on_state(state)
        return state

    on_state(WebState("starting", url, tunnel))
    task = asyncio.ensure_future(runner.run(argv, env=PPROF_ENV, on_batch=on_batch, capture=False, stop_event=stop))
    try:
        answered = await _answers(url + READY_PATH, task, ready_timeout)
        if answered is None:
            stop.set()
            await asyncio.wait({task})
            return final(WebState("failed", url, tunnel, f"go tool pprof did not answer at {url} within {ready_timeout:g}s"))
        if answered:
            on_state(WebState("serving", url, tunnel))
        await asyncio.wait({task})
        try:
            res = task.result()
        except runner.RunnerError as exc:  # go not found, not runnable
            return final(WebState("failed", url, tunnel, str(exc)))
        if res.cancelled:
            return final(WebState("stopped", url, tunnel))
        return final(WebState("failed", url, tunnel, _reason(tail, res)))
    except asyncio.CancelledError:
        on_state(WebState("stopped", url, tunnel))
        raise
    finally:  # cancelled, or an error of our own: pprof never outlives this call
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # the runner kills pprof's tree
