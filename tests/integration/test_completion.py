"""`m3tui completion zsh|bash|fish`: the printed scripts complete in the real shells, and run no Python.

bash: the script sourced (bash-completion need not be installed) and its function called with
COMP_WORDS/COMP_CWORD set, as bash's `complete -F` calls it. zsh: an interactive zsh on a
pseudo-terminal (zsh/zpty), compinit in a temporary ZDOTDIR, the script installed as `_m3tui` on
fpath as the README says, a real TAB typed. fish: `complete -C`. In each, `m3tui` and `python*` on
PATH are stand-ins that leave a mark when run: a tab press must start neither.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.goinstalls import m3tui

SHELLS = ("bash", "zsh", "fish")


def _need(shell: str) -> None:
    # CI installs zsh and fish: there a missing shell fails instead of skipping.
    if shutil.which(shell) is None and not os.environ.get("CI"):
        pytest.skip(f"{shell} is not installed")


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    found = {}
    for shell in SHELLS:
        done = m3tui(home, "completion", shell)
        assert done.returncode == 0 and not done.stderr, done.stderr
        found[shell] = done.stdout
    return found


@pytest.fixture
def work(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """proj/: two profiles and a package directory; a PATH whose m3tui and pythons leave a mark."""
    (tmp_path / "proj" / "codec").mkdir(parents=True)  # where the shells run
    (tmp_path / "proj" / "cpu.pprof").write_bytes(b"")
    (tmp_path / "proj" / "heap.pprof").write_bytes(b"")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("m3tui", "python", "python3", "python3.11"):
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\necho {name} >> '{tmp_path}/ran'\n")
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"}
    return tmp_path, env


def _no_python_ran(where: Path) -> None:
    assert not (where / "ran").exists(), f"a tab press started {(where / 'ran').read_text().split()}"


# --- bash --------------------------------------------------------------------------------------------


def _bash(script: str, where: Path, env: dict[str, str], lines: list[str]) -> list[str]:
    """Each line's completions (sorted), completing its last word ('' when it ends with a space)."""
    calls = []
    for line in lines:
        words = line.split(" ")
        quoted = " ".join(f"'{w}'" for w in words)
        calls.append(f'COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; '
                     f'COMPREPLY=(); _shtab_m3tui m3tui "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; '
                     'printf "%s\\n" "${COMPREPLY[*]}"')  # fmt: skip
    (where / "m3tui.bash").write_text(script)
    program = f"source '{where}/m3tui.bash'\n" + "\n".join(calls)
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], cwd=where / "proj", env=env, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0 and not out.stderr, out.stderr
    return [" ".join(sorted(got.split())) for got in out.stdout.splitlines()]


def test_bash_completes_commands_flags_choices_and_files(scripts: dict[str, str], work: tuple[Path, dict[str, str]]) -> None:
    _need("bash")
    where, env = work
    got = _bash(scripts["bash"], where, env, [
        "m3tui ver",
        "m3tui versions ",
        "m3tui versions env --shell ",
        "m3tui doctor --o",
        "m3tui profile top --gran",
        "m3tui profile top --granularity ",
        "m3tui bench compare --format ",
        "m3tui profile top ",
        "m3tui profile top c",
        "m3tui bench run ",
        "m3tui completion ",
    ])  # fmt: skip
    assert got == [
        "versions",
        "current default-packages env exec install list project prune remove use",
        "bash fish zsh",
        "--offline",
        "--granularity",
        "addresses filefunctions files functions lines",
        "csv text",
        "codec cpu.pprof heap.pprof",  # files (and directories on the way to them)
        "codec cpu.pprof",
        "codec",  # a package: directories only
        "bash fish zsh",
    ]
    _no_python_ran(where)


# --- zsh ---------------------------------------------------------------------------------------------

#: Types LINE and a TAB into an interactive zsh on a pseudo-terminal, then `#END` (zle handles keys in
#: order, so the completion is done when `#END` shows), and prints what the terminal showed.
ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z "ZDOTDIR=$1 TERM=dumb zsh -i"
zpty -r z out '*READY> '
zpty -w -n z "$2"$'\t#END'
zpty -r z out '*#END'
print -r -- "$out"
zpty -d z
"""


def _zsh(script: str, where: Path, env: dict[str, str], line: str) -> str:
    zdotdir = where / "zdotdir"
    (zdotdir / "functions").mkdir(parents=True, exist_ok=True)
    (zdotdir / "functions" / "_m3tui").write_text(script)
    (zdotdir / ".zshrc").write_text(
        "PS1='READY> '\n"
        f"fpath=('{zdotdir}/functions' $fpath)\n"
        f"autoload -Uz compinit && compinit -u -d '{zdotdir}/.zcompdump'\n"
        "zstyle ':completion:*' menu no\n"
        "unsetopt beep\n"
    )  # fmt: skip
    out = subprocess.run(["zsh", "-f", "-c", ZSH_DRIVER, "zsh", str(zdotdir), line], cwd=where / "proj", env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return _screen(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x07", "", out.stdout))


def _screen(text: str) -> str:
    """The lines a terminal shows for `text`: a backspace moves left, a carriage return to the start."""
    lines = []
    for raw in text.split("\n"):
        line: list[str] = []
        at = 0
        for char in raw:
            if char == "\b":
                at = max(0, at - 1)
            elif char == "\r":
                at = 0
            else:
                line[at : at + 1] = [char]
                at += 1
        lines.append("".join(line).rstrip())
    return "\n".join(lines)


def test_zsh_completes_with_a_real_tab(scripts: dict[str, str], work: tuple[Path, dict[str, str]]) -> None:
    _need("zsh")
    where, env = work
    assert "m3tui versions #END" in _zsh(scripts["zsh"], where, env, "m3tui ver")  # one match: inserted
    listed = _zsh(scripts["zsh"], where, env, "m3tui versions env --shell ")
    assert re.search(r"^bash +fish +zsh *$", listed, re.M), listed  # several: listed
    assert "m3tui profile top --granularity #END" in _zsh(scripts["zsh"], where, env, "m3tui profile top --gran")
    assert "m3tui profile top heap.pprof #END" in _zsh(scripts["zsh"], where, env, "m3tui profile top h")  # a file
    assert "m3tui doctor --offline #END" in _zsh(scripts["zsh"], where, env, "m3tui doctor --off")
    _no_python_ran(where)


# --- fish --------------------------------------------------------------------------------------------


def _fish(script: str, where: Path, env: dict[str, str], line: str) -> list[str]:
    (where / "m3tui.fish").write_text(script)
    out = subprocess.run(["fish", "--no-config", "-c", f"source '{where}/m3tui.fish'; complete -C '{line}'"], cwd=where / "proj",
                         env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0 and not out.stderr, out.stderr
    return sorted(row.split("\t")[0] for row in out.stdout.splitlines())


def test_fish_completes(scripts: dict[str, str], work: tuple[Path, dict[str, str]]) -> None:
    _need("fish")
    where, env = work
    assert _fish(scripts["fish"], where, env, "m3tui ver") == ["versions"]
    assert _fish(scripts["fish"], where, env, "m3tui versions env --shell ") == ["bash", "fish", "zsh"]
    assert _fish(scripts["fish"], where, env, "m3tui doctor --off") == ["--offline"]
    assert _fish(scripts["fish"], where, env, "m3tui profile top h") == ["heap.pprof"]
    assert _fish(scripts["fish"], where, env, "m3tui bench run ") == ["codec/"]
    _no_python_ran(where)


# --- the scripts' text -------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_the_script_runs_no_python_and_no_m3tui(scripts: dict[str, str], shell: str) -> None:
    """Beyond the stand-ins above: no line of the script runs python or m3tui; `m3tui` is only the
    name completed (complete/compdef lines, a zsh `case` label) and in the functions' names and comments."""
    for line in scripts[shell].splitlines():
        code = re.sub(r"'[^']*'", "''", line)  # single-quoted text is never run (descriptions)
        code = code.split("#", 1)[0] if not code.startswith("#compdef") else ""
        assert not re.search(r"(\$\(|`)[^)`]*\b(m3tui|python)", code, re.I), line  # no command substitution
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', code)  # what is left of double-quoted text: descriptions
        assert "python" not in code.lower(), line
        code = re.sub(r"\w*_m3tui\w*", "", code)  # the script's own functions and variables
        if re.search(r"\bm3tui\b", code):
            assert re.match(r"\s*((complete|compdef)\b|m3tui\)$)", code), line  # or a `case` label (zsh)
