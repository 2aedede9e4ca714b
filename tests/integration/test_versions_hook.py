"""The directory hook of the env files, in real bash, zsh and fish: each shell's own mechanism
fires it (bash: PROMPT_COMMAND before each prompt of an interactive shell; zsh: chpwd on cd;
fish: --on-variable PWD), and `command -v go` says which bin directory is first on PATH in
each project of a tree pinned to two installed versions, outside it (the global choice back),
and under a pin of a version that is not installed (PATH left as the global one, one line said).
The store's versions are tiny `go` scripts: only which directory comes first is checked here
(real go runs through the pins in test_versions_current). strace proves no process starts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from m3tui.versions import store as gostore, switch
from m3tui.versions.pins import resolve_pin

VERSIONS = ("go1.22.10", "go1.23.4", "go1.23.12")
MISSING = "go 1.21.0 is pinned here; m3tui versions install"


def _need(shell: str) -> None:
    # CI installs zsh and fish: there a missing shell fails instead of skipping.
    if shutil.which(shell) is None and not os.environ.get("CI"):
        pytest.skip(f"{shell} is not installed")


@pytest.fixture
def tree(m3tui_home: Path, tmp_path: Path) -> Path:
    """A store of three versions (go1.22.10 global) and a tree of projects pinned in every way."""
    for version in VERSIONS:
        bin_dir = gostore.version_dir(version) / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "go").write_text(f"#!/bin/sh\necho {version}\n")
        (bin_dir / "go").chmod(0o755)
        (bin_dir.parent / "VERSION").write_text(f"{version}\n")
    switch.use("1.22.10", path_env="/usr/bin:/bin")
    root = tmp_path / "work"
    for sub in ("a/sub/deep", "b", "c", "d", "e/inner", "m"):
        (root / sub).mkdir(parents=True)
    (root / "a" / ".go-version").write_text("1.23.4\n")
    (root / "b" / ".tool-versions").write_text("nodejs 20.1.0\ngolang 1.23.4  # the team's\n")
    (root / "c" / "mise.toml").write_text('[env]\nGO = "x"\n[tools]\nnode = "20"\ngo = "1.23"\n')
    (root / "d" / ".go-version").write_text("1.21.0\n")
    (root / "e" / ".go-version").write_text("1.23.4\n")
    (root / "e" / "inner" / ".tool-versions").write_text("golang 1.22.10\n")  # nearest wins
    (root / "m" / ".mise.toml").write_text("tools.go = '1.23.4'\n")
    return root


def _bin(version: str) -> str:
    return f"{gostore.version_dir(version)}/bin/go"


def _expected(root: Path) -> list[tuple[str, str]]:
    """(directory, the go found first there), in the order visited."""
    glob = f"{gostore.current_link()}/bin/go"
    return [
        (f"{root}/a/sub/deep", _bin("go1.23.4")),  # .go-version three levels up
        (f"{root}/b", _bin("go1.23.4")),  # .tool-versions
        (f"{root}/c", _bin("go1.23.12")),  # mise.toml's "1.23": its newest installed patch
        (f"{root}/e/inner", _bin("go1.22.10")),
        (f"{root}/m", _bin("go1.23.4")),  # .mise.toml, dotted key
        (str(root), glob),  # out of the projects: the global choice
        (f"{root}/d", glob),  # pinned to a missing version: PATH left alone
        (f"{root}/d", glob),
        (f"{root}/a", _bin("go1.23.4")),
    ]


def _env(m3tui_home: Path, tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "M3TUI_HOME": str(m3tui_home), "TERM": "dumb"}


def _check(out: subprocess.CompletedProcess[str], root: Path) -> None:
    seen = [line.removeprefix("@ ").split(" ", 1) for line in out.stdout.splitlines() if line.startswith("@ ")]
    assert [(d, w) for d, w in seen] == _expected(root), out.stdout + out.stderr
    assert out.stderr.count(MISSING) == 1, out.stderr  # once on entering d, not again for the same pin
    path = [line for line in out.stdout.splitlines() if line.startswith("PATH ")][-1]
    glob = gostore.current_link()
    assert path == f"PATH {glob}/bin:{glob}/gobin:/usr/bin:/bin"  # our entries gone, once each
    # In a.../deep: that version's bin, then its gobin (default-go-packages' tools), then the global ones.
    pinned = gostore.version_dir("go1.23.4")
    assert f"PATHIN {pinned}/bin:{pinned}/gobin:{glob}/bin:{glob}/gobin:/usr/bin:/bin" in out.stdout.splitlines()


def _steps(root: Path, show: str, path: str = 'echo "PATH $PATH"') -> str:
    """`cd` into each directory of _expected and `show` there (PATH too in the first, as PATHIN), then out."""
    steps = [f"cd '{d}'\n{show}\n" for d, _ in _expected(root)]
    steps[0] += path.replace("PATH ", "PATHIN ", 1) + "\n"
    return "".join(steps) + f"cd '{root}'\n{path}\n"


def test_bash_prompt_command_switches_per_directory(tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    env_sh = m3tui_home / "env.sh"
    # An interactive bash reading its commands from stdin: PROMPT_COMMAND runs before each prompt.
    script = f"PROMPT_COMMAND='true'\nPS1=''\nsource '{env_sh}'\n" + _steps(tree, 'echo "@ $PWD $(command -v go)"')
    script += 'echo "PC $PROMPT_COMMAND"\n'
    out = subprocess.run(["bash", "--noprofile", "--norc", "-i"], input=script, env=_env(m3tui_home, tmp_path),
                         cwd=tmp_path, capture_output=True, text=True, timeout=30)  # fmt: skip
    _check(out, tree)
    assert "PC true\n_m3tui_go_hook" in out.stdout  # the user's PROMPT_COMMAND kept, ours appended


def test_zsh_chpwd_switches_per_directory(tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    _need("zsh")
    script = f"source '{m3tui_home}/env.sh'\n" + _steps(tree, 'echo "@ $PWD $(command -v go)"')
    script += 'echo "HOOKS $chpwd_functions / $precmd_functions"\n'
    out = subprocess.run(["zsh", "-f", "-c", script], env=_env(m3tui_home, tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    _check(out, tree)
    assert "HOOKS _m3tui_go_hook / _m3tui_go_hook" in out.stdout


def test_fish_on_variable_pwd_switches_per_directory(tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    _need("fish")
    script = f"source '{m3tui_home}/env.fish'\n" + _steps(tree, 'echo "@ $PWD "(command -v go)', 'echo "PATH "(string join : $PATH)')
    out = subprocess.run(["fish", "--no-config", "-c", script], env=_env(m3tui_home, tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    _check(out, tree)


def test_the_hook_and_resolve_pin_agree(tree: Path) -> None:
    for directory, go in _expected(tree):
        pin = resolve_pin(directory, {}, gostore.store_dir())
        found = _bin(pin.installed) if pin.installed and pin.pinned else f"{gostore.current_link()}/bin/go"
        assert found == go, (directory, pin)


def test_env_variable_wins_and_goroot_follows_when_exported(tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    switch.use("1.22.10", path_env="/usr/bin:/bin", export_goroot=True)
    script = (f"source '{m3tui_home}/env.sh'\ncd '{tree}/a'\necho \"$GOROOT\"\n"
              f"M3TUI_GO_VERSION=1.22.10\n_m3tui_go_hook\ncommand -v go\nunset M3TUI_GO_VERSION\ncd '{tree}'\necho \"$GOROOT\"\n")  # fmt: skip
    out = subprocess.run(["zsh", "-f", "-c", script], env=_env(m3tui_home, tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
    expected = [str(gostore.version_dir("go1.23.4")), _bin("go1.22.10"), str(gostore.current_link())]
    assert out.stdout.splitlines() == expected
    _need("fish")  # the same in fish: its hook also fires on a change of M3TUI_GO_VERSION
    script = (f"source '{m3tui_home}/env.fish'\ncd '{tree}/a'\necho \"$GOROOT\"\n"
              f"set -gx M3TUI_GO_VERSION 1.22.10\ncommand -v go\nset -e M3TUI_GO_VERSION\ncd '{tree}'\necho \"$GOROOT\"\n")  # fmt: skip
    out = subprocess.run(["fish", "--no-config", "-c", script], env=_env(m3tui_home, tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
    assert out.stdout.splitlines() == expected


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_changing_directories_runs_no_process(shell: str, tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (apt-get install strace)")
    _need(shell)
    dirs = [d for d, _ in _expected(tree)] * 3
    if shell == "fish":
        argv = ["fish", "--no-config", "-c", f"source '{m3tui_home}/env.fish'\n" + "".join(f"cd '{d}'\n" for d in dirs)]
        stdin = None
    elif shell == "zsh":
        argv = ["zsh", "-f", "-i"]  # chpwd on each cd, precmd before each prompt
        stdin = f"source '{m3tui_home}/env.sh'\n" + "".join(f"cd '{d}'\n" for d in dirs)
    else:
        argv = ["bash", "--noprofile", "--norc", "-i"]
        stdin = f"source '{m3tui_home}/env.sh'\n" + "".join(f"cd '{d}'\n" for d in dirs)
    trace = tmp_path / "trace"
    out = subprocess.run(["strace", "-f", "-e", "trace=execve,fork,vfork", "-o", str(trace), *argv], input=stdin,
                         env=_env(m3tui_home, tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    if out.returncode != 0 and "ptrace" in out.stderr:
        pytest.skip(f"strace cannot trace here: {out.stderr.strip().splitlines()[-1]}")
    execs = [line for line in trace.read_text().splitlines() if "execve(" in line]
    assert len(execs) == 1 and execs[0].split('"')[1].endswith(f"/{shell}"), execs  # the shell itself only
    assert out.stderr.count(MISSING) == 3, out.stderr  # the hook did run: once on each entering of d


# Pin files in the shapes users write, each hook against resolve_pin (what `versions current` and the
# doctor read): (directory under the root, {file: content}, the version that runs there; None: the global).
SHAPES = [
    ("go-prefixed", {".go-version": "go1.23.4\n"}, "go1.23.4"),
    ("minor-line", {".go-version": "1.23\n"}, "go1.23.12"),  # its newest installed patch
    ("prefix-form", {"mise.toml": '[tools]\ngo = "prefix:1.22"\n'}, "go1.22.10"),
    ("crlf-and-comment", {".go-version": "  1.22.10 # the team's\r\n"}, "go1.22.10"),
    ("comment-line-first", {".go-version": "# pinned for the 1.23 runtime\n1.23.4\n"}, "go1.23.4"),
    ("tool-versions-without-go", {".tool-versions": "nodejs 20.1.0\n", ".go-version": "1.23.4\n"}, "go1.23.4"),
    ("mise-list-skipped", {"mise.toml": '[tools]\ngo = ["1.22", "1.23"]\n', ".go-version": "1.22.10\n"}, "go1.22.10"),
    ("mise-latest", {"mise.toml": "[tools]\ngo = 'latest'\n"}, None),  # warned about by current; the global runs
    ("system", {".go-version": "system\n"}, None),
    ("with space/and 'quotes'", {".go-version": "1.23.12\n"}, "go1.23.12"),
    ("outer/empty-pin", {".go-version": ""}, "go1.23.4"),  # an empty file names nothing: the parent's pin
    ("outer", {".go-version": "1.23.4\n"}, "go1.23.4"),
]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_pin_shape_runs_what_resolve_pin_says(shell: str, tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    _need(shell)
    root = tmp_path / "shapes"
    for sub, files, _ in SHAPES:
        (root / sub).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (root / sub / name).write_bytes(text.encode())
    glob = f"{gostore.current_link()}/bin/go"
    expected = [(str(root / sub), _bin(v) if v else glob) for sub, _, v in SHAPES]
    for directory, go in expected:  # the shells' answer is the one the Python side gives
        pin = resolve_pin(directory, {}, gostore.store_dir())
        assert (_bin(pin.installed) if pin.installed and pin.pinned else glob) == go, (directory, pin)
    show = 'echo "@ $PWD "(command -v go)' if shell == "fish" else 'echo "@ $PWD $(command -v go)"'
    script = "".join(f'cd "{d}"\n{show}\n' for d, _ in expected)
    if shell == "fish":
        argv, stdin = ["fish", "--no-config", "-c", f"source '{m3tui_home}/env.fish'\n{script}"], None
    elif shell == "zsh":
        argv, stdin = ["zsh", "-f", "-c", f"source '{m3tui_home}/env.sh'\n{script}"], None
    else:
        argv, stdin = ["bash", "--noprofile", "--norc", "-i"], f"PS1=''\nsource '{m3tui_home}/env.sh'\n{script}"
    out = subprocess.run(argv, input=stdin, env=_env(m3tui_home, tmp_path), cwd=tmp_path, capture_output=True,
                         text=True, timeout=30)  # fmt: skip
    seen = [tuple(line.removeprefix("@ ").rsplit(" ", 1)) for line in out.stdout.splitlines() if line.startswith("@ ")]
    assert seen == expected, out.stdout + out.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_pin_written_here_is_followed_at_the_next_prompt(shell: str, tree: Path, m3tui_home: Path, tmp_path: Path) -> None:
    """`m3tui versions use X --here` writes .go-version in $PWD: the next prompt runs X, without a cd
    (the hook's key holds which pin files $PWD has); removing it brings the global Go back."""
    _need(shell)
    here = tree / "here"
    here.mkdir()
    steps = ["command -v go", "echo 1.23.4 > .go-version", "command -v go", "echo 'golang 1.22.10' > .tool-versions",
             "command -v go", "rm .go-version .tool-versions", "command -v go"]  # fmt: skip
    if shell == "fish":  # fish emits fish_prompt before each prompt; a fish reading a pipe shows none
        script = f"source '{m3tui_home}/env.fish'\ncd '{here}'\n" + "".join(f"{s}\nemit fish_prompt\n" for s in steps)
        argv, stdin = ["fish", "--no-config", "-c", script], None
    else:  # interactive, reading commands from stdin: bash's PROMPT_COMMAND and zsh's precmd run before each
        argv = ["bash", "--noprofile", "--norc", "-i"] if shell == "bash" else ["zsh", "-f", "-i"]
        stdin = f"PS1=''\nsource '{m3tui_home}/env.sh'\ncd '{here}'\n" + "".join(f"{s}\n" for s in steps)
    out = subprocess.run(argv, input=stdin, env=_env(m3tui_home, tmp_path), cwd=tmp_path, capture_output=True,
                         text=True, timeout=30)  # fmt: skip
    glob = f"{gostore.current_link()}/bin/go"
    found = [line for line in out.stdout.splitlines() if line.endswith("/bin/go")]
    assert found == [glob, _bin("go1.23.4"), _bin("go1.22.10"), glob], out.stdout + out.stderr
