"""The doctor's network settings as the real `go env` gives them (GOPROXY, GOSUMDB, GOPRIVATE…)."""

from __future__ import annotations

import os

import pytest

from m3tui.doctor import checks_network as nc
from m3tui.doctor.model import DoctorContext


pytestmark = pytest.mark.usefixtures("no_internet")


async def test_settings_from_real_go_env(tmp_path, real_go, monkeypatch):
    monkeypatch.setenv("GOPROXY", "http://127.0.0.1:9|direct")
    monkeypatch.setenv("GONOSUMDB", "example.com/private")
    monkeypatch.setenv("GOFLAGS", "")
    monkeypatch.setenv("GOENV", str(tmp_path / "goenv"))  # no user `go env -w` file
    ctx = DoctorContext(env=dict(os.environ), cwd=tmp_path)
    s = await nc._goproxy_settings(ctx)
    assert s.source == "go env"
    assert s["GOPROXY"] == "http://127.0.0.1:9|direct"
    assert s["GONOSUMDB"] == "example.com/private"
    assert s["GOSUMDB"] == "sum.golang.org"
    # Shared through the context: a second call does not run go again.
    assert await nc._goproxy_settings(ctx) is s


async def test_go_env_sees_the_context_env_not_the_process(tmp_path, real_go, monkeypatch):
    monkeypatch.setenv("GOPROXY", "http://from-the-process.invalid")
    monkeypatch.setenv("GOENV", str(tmp_path / "goenv"))
    env = {k: v for k, v in os.environ.items() if k != "GOPROXY"}
    env["GOPRIVATE"] = "git.corp.example"
    s = await nc._goproxy_settings(DoctorContext(env=env, cwd=tmp_path))
    assert s.source == "go env"
    assert s["GOPROXY"] == "https://proxy.golang.org,direct"  # from $GOROOT/go.env
    assert s["GOPRIVATE"] == s["GONOPROXY"] == "git.corp.example"
