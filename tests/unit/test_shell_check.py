"""The doctor's "m3tui's shell hook is active in your login shell" check, over real rc files in a
fake HOME (m3tui/doctor/checks_shell.py)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from m3tui.core.config import state_root
from m3tui.doctor.checks_shell import check_shell_hook, hook_finding, rc_files, rc_line
from m3tui.doctor.model import DoctorContext, Status
from m3tui.versions import switch


def env_for(home: Path, shell: str, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "SHELL": f"/usr/bin/{shell}", "PATH": "/usr/bin:/bin", **extra}


def write_env_files() -> None:
    state_root().mkdir(parents=True, exist_ok=True)
    (state_root() / "env.sh").write_text("# env\n")
    (state_root() / "env.fish").write_text("# env\n")


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_the_fix_is_the_line_versions_env_adds(shell: str) -> None:
    """The doctor cannot import versions: its copy of the line and the env file's path must agree."""
    assert rc_line(shell) == switch.rc_line(shell)


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_a_missing_rc_line_is_a_warning_whose_fix_is_the_exact_line(shell: str, tmp_path: Path) -> None:
    write_env_files()
    finding = hook_finding(env_for(tmp_path, shell))
    assert finding.status is Status.WARN and f"not active in {shell}" in finding.summary
    assert finding.fix == switch.rc_line(shell)
    assert str(rc_files(shell, env_for(tmp_path, shell))[0]) in finding.detail


@pytest.mark.parametrize(("shell", "rc"), [("zsh", ".zshrc"), ("bash", ".bashrc"), ("bash", ".bash_profile"),
                                           ("fish", ".config/fish/config.fish")])  # fmt: skip
def test_the_line_in_an_rc_file_is_active(shell: str, rc: str, tmp_path: Path) -> None:
    write_env_files()
    path = tmp_path / rc
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"export EDITOR=vi\n{switch.rc_line(shell)}\nalias ll='ls -l'\n")
    finding = hook_finding(env_for(tmp_path, shell))
    assert finding.status is Status.OK, finding
    assert finding.data["sourced_in"] == str(path)
    assert "open a new shell" in finding.detail  # this process's PATH lacks <store>/current/bin


def test_another_form_of_the_line_counts_but_a_comment_does_not(tmp_path: Path) -> None:
    write_env_files()
    rc = tmp_path / ".zshrc"
    rc.write_text(f"# . {state_root() / 'env.sh'}\n")
    assert hook_finding(env_for(tmp_path, "zsh")).status is Status.WARN
    rc.write_text(f"[ -f {state_root() / 'env.sh'} ] && . {state_root() / 'env.sh'}\n")
    assert hook_finding(env_for(tmp_path, "zsh")).status is Status.OK


def test_zdotdir_and_xdg_config_home_are_respected(tmp_path: Path) -> None:
    write_env_files()
    (tmp_path / ".zshrc").write_text(switch.rc_line("zsh") + "\n")  # not read: ZDOTDIR says elsewhere
    zdot, xdg = tmp_path / "zdot", tmp_path / "xdg"
    zdot.mkdir()
    assert hook_finding(env_for(tmp_path, "zsh", ZDOTDIR=str(zdot))).status is Status.WARN
    (zdot / ".zshrc").write_text(switch.rc_line("zsh") + "\n")
    assert hook_finding(env_for(tmp_path, "zsh", ZDOTDIR=str(zdot))).status is Status.OK
    finding = hook_finding(env_for(tmp_path, "fish", XDG_CONFIG_HOME=str(xdg)))
    assert finding.status is Status.WARN and str(xdg / "fish" / "config.fish") in finding.summary
    (xdg / "fish").mkdir(parents=True)
    (xdg / "fish" / "config.fish").write_text(switch.rc_line("fish") + "\n")
    assert hook_finding(env_for(tmp_path, "fish", XDG_CONFIG_HOME=str(xdg))).status is Status.OK


def test_the_process_path_and_a_missing_env_file(tmp_path: Path) -> None:
    (tmp_path / ".bashrc").write_text(switch.rc_line("bash") + "\n")
    finding = hook_finding(env_for(tmp_path, "bash"))  # sourced, but `versions use` never wrote it
    assert finding.status is Status.WARN and "does not exist" in finding.summary
    write_env_files()
    path = f"{state_root() / 'go' / 'current' / 'bin'}{os.pathsep}/usr/bin"
    finding = hook_finding(env_for(tmp_path, "bash", PATH=path))
    assert finding.status is Status.OK and finding.detail == "" and finding.data["this_process_path"] is True


def test_odd_rc_files_and_unknown_shells(tmp_path: Path) -> None:
    write_env_files()
    (tmp_path / ".bashrc").mkdir()  # a directory where the rc file should be: sources nothing
    os.mkfifo(tmp_path / ".bash_profile")  # a FIFO: not opened for a blocking read
    assert hook_finding(env_for(tmp_path, "bash")).status is Status.WARN
    assert hook_finding(env_for(tmp_path, "tcsh")).status is Status.SKIPPED
    assert hook_finding({"HOME": str(tmp_path)}).status is Status.SKIPPED


def test_the_check_reads_the_context_env(tmp_path: Path) -> None:
    write_env_files()
    (tmp_path / ".zshrc").write_text(switch.rc_line("zsh") + "\n")
    (finding,) = asyncio.run(check_shell_hook(DoctorContext(env=env_for(tmp_path, "zsh"), cwd=tmp_path)))
    assert finding.id == "go.shell_hook" and finding.status is Status.OK


# --- "the pinned Go is what runs here" (pin_finding over files only; check_pinned_go runs go:
# tests/integration/test_doctor_tool_builds.py) ------------------------------------------------


def fake_goroot(root: Path, version: str) -> None:
    """A GOROOT as what_runs reads it (its VERSION file; the go is never run here)."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("")
    (root / "bin" / "go").chmod(0o755)
    (root / "VERSION").write_text(f"{version}\n")
    (root / "go.env").write_text("GOTOOLCHAIN=auto\n")


def pin_setup(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    store = tmp_path / "store"
    fake_goroot(store / "go1.22.10", "go1.22.10")
    fake_goroot(store / "go1.23.4", "go1.23.4")
    (store / "current").symlink_to("go1.23.4")
    project = tmp_path / "p"
    project.mkdir()
    (project / ".go-version").write_text("1.22.10\n")
    env = {"PATH": f"{store}/go1.22.10/bin", "HOME": str(tmp_path), "GOMODCACHE": str(tmp_path / "mod"), "SHELL": "/bin/zsh"}
    return project, env, store


def finding_for(project: Path, env: dict[str, str], store: Path):  # type: ignore[no-untyped-def]
    from m3tui.core.pins import resolve_pin
    from m3tui.doctor.checks_shell import pin_finding
    from m3tui.doctor.runs import what_runs

    pin = resolve_pin(project, env, store)
    return pin_finding(pin, what_runs(project, env, pin) if pin.pinned and pin.installed else None, env)


def test_the_pinned_go_runs(tmp_path: Path) -> None:
    project, env, store = pin_setup(tmp_path)
    finding = finding_for(project, env, store)
    assert finding.id == "go.pinned" and finding.status is Status.OK
    assert finding.summary == "the pinned Go is what runs here: pinned 1.22.10 (.go-version) → runs go1.22.10"
    assert finding_for(tmp_path, env, store).summary == "no Go version is pinned here"


def test_a_pin_that_is_not_installed_says_how_to_install_it(tmp_path: Path) -> None:
    project, env, store = pin_setup(tmp_path)
    (project / ".go-version").write_text("go1.21.3\n")
    finding = finding_for(project, env, store)
    assert finding.status is Status.WARN and finding.fix == "m3tui versions install 1.21.3"
    assert f"go 1.21.3 is pinned here ({project / '.go-version'})" in finding.summary


def test_another_go_on_path_points_at_the_hook(tmp_path: Path) -> None:
    project, env, store = pin_setup(tmp_path)
    env["PATH"] = f"{store}/go1.23.4/bin"  # the global one: the hook did not switch
    finding = finding_for(project, env, store)
    assert finding.status is Status.WARN and "the go on PATH is go1.23.4" in finding.summary
    assert finding.fix.startswith(rc_line("zsh") + " in your rc file") and "m3tui versions exec -- CMD" in finding.fix


def test_a_go_mod_toolchain_newer_than_the_pin_is_explained(tmp_path: Path) -> None:
    project, env, store = pin_setup(tmp_path)
    (project / "go.mod").write_text("module x\n\ngo 1.22\n\ntoolchain go1.23.4\n")
    finding = finding_for(project, env, store)
    assert finding.status is Status.WARN
    assert "go.mod asks go1.23.4 → runs go1.23.4" in finding.summary
    assert f"go.mod toolchain go1.23.4 ({project / 'go.mod'}) makes go switch to go1.23.4" in finding.detail
    assert "m3tui versions use 1.23.4 --here" in finding.fix and "GOTOOLCHAIN=local" in finding.fix
