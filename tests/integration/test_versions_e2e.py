"""End to end, as a user: two real Go versions installed from a go.dev-shaped site on 127.0.0.1
(tests/goinstalls.py: go1.27.3 and go1.26.6, installed once a session by `m3tui versions install`),
switched between, and used to build and test through the env file m3tui writes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.goinstalls import GOARCH, GOOS, TwoGos, m3tui


def in_shell(m3tui_home: Path, script: str, cwd: Path) -> str:
    """Run bash with m3tui's env file sourced, as a user's shell would."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOTOOLCHAIN")}
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", PATH="/usr/bin:/bin", M3TUI_HOME=str(m3tui_home))
    done = subprocess.run(["bash", "-c", f'source "{m3tui_home}/env.sh"\n{script}'], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_install_switch_build_and_test_with_two_real_versions(two_go_installs: TwoGos, tmp_path: Path) -> None:
    home = two_go_installs.home
    module = tmp_path / "mod"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/mod\n\ngo 1.21\n")
    (module / "add.go").write_text("package mod\n\nfunc Add(a, b int) int { return a + b }\n")
    (module / "add_test.go").write_text(
        'package mod\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("no")\n\t}\n}\n'
    )
    for version in (two_go_installs.first, two_go_installs.second, two_go_installs.first, two_go_installs.second):
        done = m3tui(home, "versions", "use", version)
        assert done.returncode == 0, done.stderr
        out = in_shell(home, "go version && go test -count=1 ./...", module)
        assert f"go version {version} {GOOS}/{GOARCH}" in out, out
        assert "ok  \texample.com/mod" in out

    listed = json.loads(m3tui(home, "versions", "list", "--json").stdout)["installed"]
    mine = sorted(i["version"] for i in listed if i["manager"] == "m3tui")
    assert mine == [two_go_installs.second, two_go_installs.first]
    assert not [p for p in (home / "go").iterdir() if p.name.startswith(".tmp-")]
