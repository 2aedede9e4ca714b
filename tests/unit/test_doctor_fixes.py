"""doctor/fixes.py without a child process: which findings offer what, the rc file edits and their
undo (real files), the journal, each change offered once. The go env side runs the real go:
tests/integration/test_doctor_fix.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from m3tui.core.errors import M3tuiError
from m3tui.doctor import fixes
from m3tui.doctor.checks_shell import hook_finding
from m3tui.doctor.checks_system import shellenv_offer
from m3tui.doctor.model import Finding, Group, Offer, Status, go_env_offer


def test_go_env_offers_only_for_keys_the_environment_does_not_set() -> None:
    assert go_env_offer({}, "go_env_u", "GOFLAGS") == Offer("go_env_u", ("GOFLAGS",))
    assert go_env_offer({"GOFLAGS": "-mod=mod"}, "go_env_u", "GOFLAGS") is None
    assert go_env_offer({"GOOS": "linux"}, "go_env_u", "GOARCH", "GOOS") is None
    assert go_env_offer({}, "go_env_w", "GOPROXY", "https://proxy.golang.org,direct") == Offer(
        "go_env_w", ("GOPROXY", "https://proxy.golang.org,direct"))


def test_the_hook_finding_offers_its_rc_line(tmp_path: Path, m3tui_home: Path) -> None:
    finding = hook_finding({"SHELL": "/bin/zsh", "HOME": str(tmp_path)}, "darwin")
    assert finding.status is Status.WARN
    assert finding.offers == (Offer("rc_line", (str(tmp_path / ".zshrc"), f'source "{m3tui_home / "env.sh"}"')),)


def test_brew_shellenv_goes_where_homebrew_says(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert shellenv_offer({"SHELL": "/bin/zsh", "HOME": home}, "darwin").args == (
        f"{home}/.zprofile", 'eval "$(/opt/homebrew/bin/brew shellenv)"')
    assert shellenv_offer({"SHELL": "/bin/bash", "HOME": home}, "darwin").args[0] == f"{home}/.bash_profile"
    assert shellenv_offer({"SHELL": "/usr/local/bin/fish", "HOME": home}, "darwin").args == (
        f"{home}/.config/fish/config.fish", "/opt/homebrew/bin/brew shellenv | source")


def test_goroot_lines_found_in_sh_and_fish_syntax() -> None:
    text = b"# export GOROOT=/x\nexport GOROOT=/a\nGOROOT=/b go build\n  set -gx GOROOT /c\nset GOROOTX 1\nexport GOROOTS=1\n"
    assert fixes._setting_lines(text, "GOROOT") == (2, 3, 4)


def _goroot_finding() -> Finding:
    return Finding("go.goroot", Group.GO, Status.ERROR, "GOROOT=/old is go1.20", offers=(Offer("rc_unset", ("GOROOT",)),))


async def test_goroot_commented_out_in_each_startup_file_and_undone(tmp_path: Path, m3tui_home: Path) -> None:
    zshrc, zprofile = tmp_path / ".zshrc", tmp_path / ".zprofile"
    zshrc.write_bytes(b"export GOROOT=/old\r\nalias g=go\r\n")  # CRLF kept as it is
    zprofile.write_bytes(b"GOROOT=/old; export GOROOT\n")
    env = {"SHELL": "/bin/zsh", "HOME": str(tmp_path)}
    found = fixes.fixes_for(_goroot_finding(), env)
    assert [(f.path, f.comment) for f in found if isinstance(f, fixes.RcEditFix)] == [(zshrc, (1,)), (zprofile, (1,))]
    assert found[0].describe() == (f"comment out GOROOT in {zshrc}:\n  1: - export GOROOT=/old\n  1: + # export GOROOT=/old\n"
                                   f"(the file as it was is kept as {zshrc}.bak)")  # fmt: skip
    journal = fixes.Journal()
    for fix in found:
        journal.record(await fix.apply())
        assert fix.env_after({"GOROOT": "/old", "PATH": "/bin"}) == {"PATH": "/bin"}
    assert zshrc.read_bytes() == b"# export GOROOT=/old\r\nalias g=go\r\n"
    assert zprofile.read_bytes() == b"# GOROOT=/old; export GOROOT\n"
    assert stat.S_IMODE((m3tui_home / fixes.JOURNAL).stat().st_mode) == 0o600
    undone = await fixes.undo_last()
    assert len(undone) == 2
    assert zshrc.read_bytes() == b"export GOROOT=/old\r\nalias g=go\r\n" and zprofile.read_bytes() == b"GOROOT=/old; export GOROOT\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".zprofile", ".zshrc"]
    assert await fixes.undo_last() == []  # nothing left to undo


async def test_a_line_added_to_a_new_file_through_a_symlink_and_undone(tmp_path: Path, m3tui_home: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_bytes(b"PS1='$ '")
    (tmp_path / ".bashrc").symlink_to(dotfiles / "bashrc")
    fix = fixes.RcEditFix("go.shell_hook", tmp_path / ".bashrc", line='source "/s/env.sh"')
    change = await fix.apply()
    assert (tmp_path / ".bashrc").is_symlink()  # the link stays; its target is rewritten
    assert (dotfiles / "bashrc").read_bytes() == b"PS1='$ '\nsource \"/s/env.sh\"\n"
    fixes.Journal().record(change)
    await fixes.undo_last()
    assert (dotfiles / "bashrc").read_bytes() == b"PS1='$ '" and (tmp_path / ".bashrc").is_symlink()
    # A file that did not exist is created, and removed again by the undo.
    fish = tmp_path / "config.fish"
    fixes.Journal().record(await fixes.RcEditFix("x", fish, line="source /s/env.fish").apply())
    assert fish.read_bytes() == b"source /s/env.fish\n"
    await fixes.undo_last()
    assert not fish.exists()


async def test_two_edits_of_one_file_undo_together_and_an_edit_since_blocks_both(tmp_path: Path, m3tui_home: Path) -> None:
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"export GOROOT=/old\n")
    journal = fixes.Journal()
    journal.record(await fixes.RcEditFix("go.goroot", rc, comment=(1,), unset="GOROOT").apply())
    journal.record(await fixes.RcEditFix("go.shell_hook", rc, line="source x").apply())
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bashrc", ".bashrc.bak", ".bashrc.bak.1"]
    rc.write_bytes(rc.read_bytes() + b"# mine\n")
    with pytest.raises(M3tuiError, match=f"^{rc} changed since m3tui doctor --fix edited it: not undone"):
        await fixes.undo_last()
    assert rc.read_bytes() == b"# export GOROOT=/old\nsource x\n# mine\n"
    rc.write_bytes(b"# export GOROOT=/old\nsource x\n")  # put back as the fix left it: undo goes through
    await fixes.undo_last()
    assert rc.read_bytes() == b"export GOROOT=/old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bashrc"]


def test_each_change_offered_once(tmp_path: Path) -> None:
    line = Offer("rc_line", (str(tmp_path / ".zshrc"), "source x"))
    findings = [Finding(fid, Group.GO, Status.WARN, fid, offers=(line,)) for fid in ("go.shell_hook", "go.tools.gopls", "go.tools.dlv")]
    findings.append(Finding("go.ok", Group.GO, Status.OK, "fine", offers=(line,)))
    pairs = fixes.offered(findings, {"SHELL": "/bin/zsh", "HOME": str(tmp_path)})
    assert [f.id for f, _ in pairs] == ["go.shell_hook"]


def test_a_damaged_journal_is_one_line(m3tui_home: Path) -> None:
    (m3tui_home / fixes.JOURNAL).write_text(json.dumps({"schema": 1, "changes": [{"kind": "nope"}]}))
    with pytest.raises(M3tuiError, match="^cannot read .*doctor-fixes.json: unknown change 'nope'$"):
        fixes.load_journal()
