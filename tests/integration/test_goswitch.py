"""Switching Go with the real go binary behind a real store: the link, the env files, rc lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from m3tui.versions import store as gostore, switch as goswitch
from m3tui.versions.switch import SwitchError

VERSIONS = ("go1.22.10", "go1.23.4")


def real_version(real_go: Path) -> str:
    return (real_go.parent.parent / "VERSION").read_text().splitlines()[0]


def fake_version(version: str, real_go: Path) -> Path:
    """A store version: VERSION and bin/go, a link to the real go (so it really runs)."""
    root = gostore.version_dir(version)
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"{version}\ntime 2025-01-01T00:00:00Z\n")
    (root / "bin" / "go").symlink_to(real_go)
    return root


@pytest.fixture
def store(real_go: Path) -> Path:
    for version in VERSIONS:
        fake_version(version, real_go)
    assert gostore.installed_versions() == list(VERSIONS)
    return gostore.store_dir()


def bash(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        env={"HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )


# --- the link ---------------------------------------------------------------------------


def test_use_creates_then_replaces_the_link(store: Path, real_go: Path) -> None:
    link = store / "current"
    first = goswitch.use("1.22.10", path_env="/usr/bin:/bin")
    assert first.version == "go1.22.10" and first.previous is None
    assert first.link == link and os.readlink(link) == "go1.22.10"  # relative
    assert gostore.current_version() == "go1.22.10"

    second = goswitch.use("go1.23.4", path_env="/usr/bin:/bin")
    assert (second.version, second.previous) == ("go1.23.4", "go1.22.10")
    assert os.readlink(link) == "go1.23.4"
    # Only the versions and the link are left: no temporary link behind.
    assert sorted(p.name for p in store.iterdir() if p.name != ".locks") == ["current", *VERSIONS]

    # The go behind the link really runs.
    out = subprocess.run([str(link / "bin" / "go"), "version"], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "GOTOOLCHAIN": "local"}, check=True)  # fmt: skip
    assert out.stdout.startswith(f"go version {real_version(real_go)} ")


def test_use_again_is_harmless(store: Path) -> None:
    goswitch.use("1.22.10")
    again = goswitch.use("1.22.10")
    assert again.previous == "go1.22.10" and os.readlink(store / "current") == "go1.22.10"
    assert again.env_changed == ()  # the env files were already right: not rewritten


def test_a_reader_never_sees_current_missing(store: Path) -> None:
    link = store / "current"
    goswitch.use(VERSIONS[0])
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: dict[str, int] = {}

    def read() -> None:
        while not stop.is_set():
            try:
                target = os.readlink(link)
                os.stat(link / "bin" / "go")  # through the link, as a shell's PATH lookup does
                seen[target] = seen.get(target, 0) + 1
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for i in range(50):
            goswitch.use(VERSIONS[(i + 1) % 2])
            time.sleep(0.0005)  # let the reader in between switches
    finally:
        stop.set()
        reader.join(5)
    assert errors == []
    assert set(seen) == set(VERSIONS) and sum(seen.values()) > 50
    assert os.readlink(link) == VERSIONS[0]  # 50 switches from VERSIONS[0]: back where it started


def test_switching_back_and_forth_ends_on_the_last_one(store: Path) -> None:
    """Switch time (<= 50 ms) is measured by benchmarks/versions.py, not here."""
    goswitch.use(VERSIONS[0])  # first use writes the env files
    link = store / "current"
    for i in range(40):
        goswitch.use(VERSIONS[(i + 1) % 2], path_env=os.environ["PATH"])
        assert os.readlink(link) == VERSIONS[(i + 1) % 2]
    assert os.readlink(link) == VERSIONS[0]


def test_missing_version_is_one_line(store: Path) -> None:
    with pytest.raises(SwitchError) as info:
        goswitch.use("1.21.13")
    assert str(info.value) == "go1.21.13 is not installed in m3tui's store (m3tui versions install 1.21.13)"
    with pytest.raises(SwitchError, match=r"^no go1\.20\.x is installed in m3tui's store \(m3tui versions install 1\.20\)$"):
        goswitch.use("1.20")
    with pytest.raises(SwitchError, match="not a Go version"):
        goswitch.use("banana")
    assert not (store / "current").exists()


def test_incomplete_version_is_not_installed(store: Path) -> None:
    (gostore.version_dir("go1.24.0") / "bin").mkdir(parents=True)  # an unpack that never finished
    with pytest.raises(SwitchError, match="^go1.24.0 is not installed"):
        goswitch.use("1.24.0")


def test_minor_line_and_latest_pick_the_newest_installed(store: Path) -> None:
    assert goswitch.use("1.22").version == "go1.22.10"
    assert goswitch.use("latest").version == "go1.23.4"


def test_a_directory_named_current_is_not_replaced(store: Path) -> None:
    (store / "current").mkdir()
    with pytest.raises(SwitchError, match="is a directory, not m3tui's link"):
        goswitch.use("1.22.10")
    assert (store / "current").is_dir() and not (store / "current").is_symlink()


def test_on_path_and_shadowing(store: Path, real_go: Path) -> None:
    bin_dir = store / "current" / "bin"
    outside = goswitch.use("1.22.10", path_env=f"{real_go.parent}:/usr/bin")
    assert not outside.on_path and outside.shadowed_by == real_go.parent / "go"
    inside = goswitch.use("1.22.10", path_env=f"{bin_dir}/:{real_go.parent}")
    assert inside.on_path and inside.shadowed_by is None
    later = goswitch.use("1.22.10", path_env=f"{real_go.parent}:{bin_dir}")
    assert later.on_path and later.shadowed_by == real_go.parent / "go"


# --- env files --------------------------------------------------------------------------


def test_env_files_put_current_bin_and_gobin_first_once(store: Path, m3tui_home: Path, real_go: Path) -> None:
    result = goswitch.use("1.22.10")
    env_sh, env_fish = m3tui_home / "env.sh", m3tui_home / "env.fish"
    assert result.env_files == (env_sh, env_fish)
    assert set(result.env_changed) == {env_sh, env_fish}
    bin_dir, gobin = f"{m3tui_home}/go/current/bin", f"{m3tui_home}/go/current/gobin"
    sh = env_sh.read_text()
    assert f'export PATH="{bin_dir}:{gobin}:${{PATH}}"' in sh and "GOROOT" not in sh
    fish = env_fish.read_text()
    assert f'set -gx PATH "{bin_dir}" "{gobin}" $PATH' in fish and f'contains -- "{bin_dir}" $PATH' in fish
    assert "GOROOT" not in fish
    assert goswitch.env_text("zsh") == goswitch.env_text("bash") == sh
    assert goswitch.env_text("fish") == fish

    out = bash(f'source "{env_sh}"; source "{env_sh}"; echo "$PATH"; command -v go; go version',
               PATH="/usr/bin:/bin", GOTOOLCHAIN="local")  # fmt: skip
    path, which, version = out.stdout.splitlines()
    assert path.split(":") == [bin_dir, gobin, "/usr/bin", "/bin"]
    assert which == f"{bin_dir}/go" and version.startswith(f"go version {real_version(real_go)} ")
    # Already on PATH (not first): left where it is, not added twice; gobin put right after it.
    out = bash(f'source "{env_sh}"; echo "$PATH"', PATH=f"/usr/bin:{bin_dir}:/bin")
    assert out.stdout.strip() == f"/usr/bin:{bin_dir}:{gobin}:/bin"
    out = bash(f'source "{env_sh}"; echo "$PATH"', PATH=f"/usr/bin:{bin_dir}:{gobin}:/bin")
    assert out.stdout.strip() == f"/usr/bin:{bin_dir}:{gobin}:/bin"

    # CI installs zsh and fish (.ci/run): there, a missing shell fails the test instead of skipping its part.
    if shutil.which("zsh") or os.environ.get("CI"):
        out = subprocess.run(["zsh", "-f", "-c", f'source "{env_sh}"; source "{env_sh}"; echo "$PATH"'],
                             env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=20, check=True)  # fmt: skip
        assert out.stdout.strip() == f"{bin_dir}:{gobin}:/usr/bin:/bin"
    if shutil.which("fish") or os.environ.get("CI"):  # only the run needs fish; the text is checked above
        out = subprocess.run(["fish", "--no-config", "-c", f'source "{env_fish}"; source "{env_fish}"; string join : $PATH'],
                             env={"PATH": "/usr/bin:/bin", "HOME": str(m3tui_home)}, capture_output=True, text=True, timeout=20, check=True)  # fmt: skip
        assert out.stdout.strip() == f"{bin_dir}:{gobin}:/usr/bin:/bin"
        out = subprocess.run(["fish", "--no-config", "-c", f'source "{env_fish}"; string join : $PATH'],
                             env={"PATH": f"/usr/bin:{bin_dir}:/bin", "HOME": str(m3tui_home)}, capture_output=True, text=True, timeout=20, check=True)  # fmt: skip
        assert out.stdout.strip() == f"/usr/bin:{bin_dir}:{gobin}:/bin"


def test_goroot_only_when_asked_and_kept_on_later_switches(store: Path, m3tui_home: Path) -> None:
    goroot = f"{m3tui_home}/go/current"
    goswitch.use("1.22.10", export_goroot=True)
    assert f'export GOROOT="{goroot}"' in (m3tui_home / "env.sh").read_text()
    assert f'set -gx GOROOT "{goroot}"' in (m3tui_home / "env.fish").read_text()
    out = bash(f'source "{m3tui_home}/env.sh"; echo "$GOROOT"; go env GOROOT', PATH="/usr/bin:/bin", GOTOOLCHAIN="local")
    assert out.stdout.splitlines()[0] == goroot
    goswitch.use("1.23.4")  # None: the user's earlier choice stays
    assert "GOROOT" in (m3tui_home / "env.sh").read_text()
    goswitch.use("1.23.4", export_goroot=False)
    assert "GOROOT" not in (m3tui_home / "env.sh").read_text() + (m3tui_home / "env.fish").read_text()


def test_env_files_quote_an_awkward_state_root(real_go: Path, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / 'Application Support "m3" $HOME `x`'
    monkeypatch.setenv("M3TUI_HOME", str(home))
    fake_version("go1.22.10", real_go)
    goswitch.use("1.22.10", export_goroot=True)
    out = bash(f'{goswitch.rc_line("bash")}; source "$M3TUI_ENV"; echo "$PATH"; echo "$GOROOT"',
               PATH="/usr/bin:/bin", M3TUI_ENV=str(home / "env.sh"))  # fmt: skip
    path, goroot = out.stdout.splitlines()
    assert path.split(":") == [f"{home}/go/current/bin", f"{home}/go/current/gobin", "/usr/bin", "/bin"]
    assert goroot == f"{home}/go/current"


def test_env_text_unknown_shell() -> None:
    with pytest.raises(ValueError, match=r"^unknown shell 'tcsh' \(expected one of: zsh, bash, fish\)$"):
        goswitch.env_text("tcsh")
    with pytest.raises(ValueError):
        goswitch.rc_line("csh")


# --- rc files ---------------------------------------------------------------------------


def test_rc_lines(m3tui_home: Path) -> None:
    assert goswitch.rc_line("zsh") == goswitch.rc_line("bash") == f'source "{m3tui_home}/env.sh"'
    assert goswitch.rc_line("fish") == f'source "{m3tui_home}/env.fish"'


def test_use_never_touches_rc_files(store: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    result = goswitch.use("1.22.10")
    assert result.rc_lines == {shell: goswitch.rc_line(shell) for shell in goswitch.SHELLS}
    assert list(tmp_path.iterdir()) == []


def test_install_rc_appends_once_with_a_backup(store: Path, tmp_path: Path) -> None:
    goswitch.use("1.22.10")
    rc = tmp_path / ".bashrc"
    original = "alias ll='ls -l'\nexport EDITOR=vi"  # no final newline
    rc.write_text(original)
    rc.chmod(0o600)
    assert goswitch.install_rc("bash", rc, confirm=False) is True  # would change
    assert rc.read_text() == original and not (tmp_path / ".bashrc.bak").exists()

    assert goswitch.install_rc("bash", rc) is True
    text = rc.read_text()
    assert text.startswith(original + "\n") and text.endswith(goswitch.rc_line("bash") + "\n")
    assert text.count(goswitch.rc_line("bash")) == 1
    assert (tmp_path / ".bashrc.bak").read_text() == original
    assert rc.stat().st_mode & 0o777 == 0o600

    assert goswitch.install_rc("bash", rc) is False
    assert rc.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bashrc", ".bashrc.bak"]

    # The rc really works: a new shell that reads it runs m3tui's go first.
    out = bash(f'source "{rc}"; command -v go', PATH="/usr/bin:/bin")
    assert out.stdout.strip() == str(gostore.current_link() / "bin" / "go")


def test_install_rc_sees_the_users_own_spelling(m3tui_home: Path, tmp_path: Path) -> None:
    rc = tmp_path / ".zshrc"
    rc.write_text(f"[ -f {m3tui_home}/env.sh ] && . {m3tui_home}/env.sh\n")
    assert goswitch.install_rc("zsh", rc) is False
    rc.write_text(f"# . {m3tui_home}/env.sh (commented out: does not count)\n")
    assert goswitch.install_rc("zsh", rc) is True


def test_install_rc_keeps_users_backup_and_symlinks(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "zshrc").write_text("setopt autocd\n")
    rc = tmp_path / ".zshrc"
    rc.symlink_to(dotfiles / "zshrc")
    (tmp_path / ".zshrc.bak").write_text("the user's own backup\n")

    assert goswitch.install_rc("zsh", rc) is True
    assert rc.is_symlink()  # written through the link, which stays
    assert (dotfiles / "zshrc").read_text().endswith(goswitch.rc_line("zsh") + "\n")
    assert (tmp_path / ".zshrc.bak").read_text() == "the user's own backup\n"
    assert (tmp_path / ".zshrc.bak.1").read_text() == "setopt autocd\n"


def test_install_rc_creates_a_missing_fish_config(tmp_path: Path) -> None:
    rc = tmp_path / ".config" / "fish" / "config.fish"
    assert goswitch.install_rc("fish", rc) is True
    assert rc.read_text().splitlines()[-1] == goswitch.rc_line("fish")
    assert not list(rc.parent.glob("*.bak*"))
    assert goswitch.install_rc("fish", rc) is False


def test_default_rc_paths(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert goswitch.default_rc_path("zsh", env) == tmp_path / ".zshrc"
    assert goswitch.default_rc_path("zsh", {**env, "ZDOTDIR": "/z"}) == Path("/z/.zshrc")
    assert goswitch.default_rc_path("bash", env) == tmp_path / ".bashrc"
    assert goswitch.default_rc_path("fish", env) == tmp_path / ".config" / "fish" / "config.fish"
    assert goswitch.detect_shell({"SHELL": "/bin/zsh"}) == "zsh"
    assert goswitch.detect_shell({"SHELL": "/bin/tcsh"}) is None


def test_rc_hint_falls_back_to_the_sh_line_without_a_known_shell(m3tui_home: Path) -> None:
    lines = {shell: goswitch.rc_line(shell) for shell in goswitch.SHELLS}
    assert goswitch.rc_hint(lines, {"SHELL": "/usr/local/bin/fish"}) == lines["fish"]
    assert goswitch.rc_hint(lines, {"SHELL": "/bin/bash"}) == lines["bash"]
    # CI, cron, `env -i`: no SHELL at all, or one m3tui writes nothing for. The sh line works in zsh and bash.
    assert goswitch.rc_hint(lines, {}) == lines["zsh"]
    assert goswitch.rc_hint(lines, {"SHELL": "/bin/tcsh"}) == lines["zsh"]
