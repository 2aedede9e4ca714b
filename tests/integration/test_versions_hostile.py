"""`m3tui versions …` against faults that need another process: another user, a signal, a disk
that fills, a real shell.

- Permissions for real: the tests run as root here, so the command runs as ``nobody``
  (tests/unprivileged.py) in homes that user cannot write: a read-only M3TUI_HOME, a store it
  cannot write, a read-only rc file and home, a read-only project directory and go.mod.
- Signals for real: a go.dev-shaped site on 127.0.0.1 (tests/godevsite.py) sends the archive
  slowly; SIGTERM and SIGKILL land during the download and during the unpack of a 256 MiB file
  (of zeros: a 260 KB archive). Nothing half-installed is ever left, and the next install
  resumes or sweeps what a dead one left.
- A full disk is simulated with RLIMIT_FSIZE in the child (SIGXFSZ ignored, so write() fails
  with a real EFBIG, "File too large"): a small tmpfs cannot be mounted here. The error path is
  the one ENOSPC takes.
- Secrets: a mirror behind basic auth whose password must appear in no output, no JSON, no
  file under M3TUI_HOME (grepped, byte for byte), and GOPROXY/GOSUMDB credentials in the
  environment of `versions current`, which runs go (commands.jsonl).
- Shells for real: bash, zsh and fish (CI installs them; elsewhere skipped when missing, saying so) source the rc
  file `--add-to-rc` wrote, through a symlinked dotfile and a Latin-1 one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.godevsite import GoDevSite, fake_go_archive
from tests.unprivileged import NOBODY, nobody_python, unprivileged_argv, world_dir
from tests.wait import wait_until

REPO = Path(__file__).resolve().parents[2]
SECRET = "pw-0f7e1d2c"
USER = "gopher"
BIG = 256 * 1024 * 1024  # the zeros in the slow archive: a 260 KB download, a 256 MiB unpack


def m3tui_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(M3TUI_HOME=str(home), PYTHONPATH=str(REPO), **extra)
    return env


def m3tui(*args: str, home: Path, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "m3tui", *args], env=m3tui_env(home, **extra), cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)  # fmt: skip


def spawn(*args: str, home: Path, prefix: Sequence[str] = ()) -> subprocess.Popen[str]:
    return subprocess.Popen([*prefix, sys.executable, "-m", "m3tui", *args], env=m3tui_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)  # fmt: skip


# --- as nobody ---------------------------------------------------------------------------------


def as_nobody(args: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    python, extra = nobody_python()
    argv = unprivileged_argv([python, "-m", "m3tui", *args])
    return subprocess.run(argv, env={**env, **dict(extra)}, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, stdin=subprocess.DEVNULL)  # fmt: skip


def nobody_owns(*paths: Path) -> None:
    for path in paths:
        if os.geteuid() == 0:
            os.chown(path, NOBODY, NOBODY)


@pytest.fixture
def site():
    with GoDevSite(auth=(USER, SECRET)) as s:
        s.add("go1.22.1", fake_go_archive("go1.22.1"))
        s.add("go1.22.2", fake_go_archive("go1.22.2"))
        yield s


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A directory every user can reach (the unprivileged user needs to, to get to its homes)."""
    return world_dir(tmp_path / "world")


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines, "no error line"
    assert "internal error" not in err and "Traceback" not in err and "cannot write output" not in err, err
    return lines[-1]


def test_read_only_home_install(site, place):
    home = place / "ro-home"
    home.mkdir(mode=0o555)  # root's: nobody can read it, not write it
    done = as_nobody(["versions", "install", "1.22.1", "--mirror", site.url], env=m3tui_env(home))
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot create {home}/go/.locks: Permission denied"
    assert SECRET not in done.stdout + done.stderr
    assert tree(home) == []  # nothing half-made


def test_store_that_cannot_be_written_install_and_use(site, place):
    home = place / "home"
    home.mkdir()
    # go1.22.1 installed and current; then the whole home is nobody's, but the store read-only.
    assert m3tui("versions", "install", "1.22.1", "--mirror", site.url, home=home).returncode == 0
    assert m3tui("versions", "use", "1.22.1", home=home).returncode == 0
    for path in [home, *home.rglob("*")]:
        os.lchown(path, NOBODY, NOBODY)
    store = home / "go"
    store.chmod(0o555)
    before = tree(home)
    try:
        done = as_nobody(["versions", "install", "1.22.2", "--mirror", site.url], env=m3tui_env(home))
        assert done.returncode == 3, done.stderr
        assert one_line(done.stderr) == f"m3tui versions: cannot create a temporary directory in {store}: Permission denied"
        assert not (store / "go1.22.2").exists()
        assert (home / "downloads" / "go1.22.2.linux-amd64.tar.gz").is_file()  # verified: kept for the retry

        done = as_nobody(["versions", "use", "1.22.1"], env=m3tui_env(home))
        assert done.returncode == 3, done.stderr
        assert one_line(done.stderr) == f"m3tui versions: cannot switch {store}/current to go1.22.1: Permission denied"
        assert os.readlink(store / "current") == "go1.22.1"  # the old link stands
    finally:
        store.chmod(0o755)
    assert [p for p in tree(home) if p not in before] == ["downloads/go1.22.2.linux-amd64.tar.gz", "go/.locks/go1.22.2.lock"]


def test_read_only_rc_file_and_home(place, m3tui_home):
    home = place / "user"
    home.mkdir()
    nobody_owns(home)
    rc = home / ".bashrc"
    rc.write_text("alias ll='ls -l'\n")
    nobody_owns(rc)
    rc.chmod(0o444)  # the user made it read-only: m3tui must not replace it by a rename
    state = place / "state"
    state.mkdir()
    nobody_owns(state)
    env = m3tui_env(state, HOME=str(home))
    done = as_nobody(["versions", "env", "--shell", "bash", "--add-to-rc"], env=env)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot write {rc}: Permission denied"
    assert rc.read_text() == "alias ll='ls -l'\n" and stat.S_IMODE(rc.stat().st_mode) == 0o444
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]

    rc.chmod(0o644)
    home.chmod(0o555)  # the file is writable, its directory is not: no backup, no temp can be made
    try:
        done = as_nobody(["versions", "env", "--shell", "bash", "--add-to-rc"], env=env)
    finally:
        home.chmod(0o755)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot write {home}/.bashrc.bak: Permission denied"
    assert rc.read_text() == "alias ll='ls -l'\n" and sorted(p.name for p in home.iterdir()) == [".bashrc"]
    # The env files it did write are private.
    assert stat.S_IMODE((state / "env.sh").stat().st_mode) == 0o600


def test_project_set_where_nothing_can_be_written(place):
    proj = place / "proj"
    proj.mkdir(mode=0o755)  # root's: nobody cannot create .go-version in it
    state = place / "state"
    state.mkdir()
    nobody_owns(state)
    done = as_nobody(["versions", "project", "--set", "1.22.1"], env=m3tui_env(state), cwd=proj)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot write {proj}/.go-version: Permission denied"
    assert list(proj.iterdir()) == []

    gomod = proj / "go.mod"
    gomod.write_text("module example.com/m\n\ngo 1.21\n")
    gomod.chmod(0o444)
    proj.chmod(0o777)  # the directory is writable: only the file's own mode protects it
    done = as_nobody(["versions", "project", "--set", "1.22.1", "--how", "toolchain"], env=m3tui_env(state), cwd=proj)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot write {gomod}: Permission denied"
    assert gomod.read_text() == "module example.com/m\n\ngo 1.21\n" and sorted(p.name for p in proj.iterdir()) == ["go.mod"]


# --- signals during download and unpack -------------------------------------------------------


@pytest.fixture(scope="module")
def big_archive() -> bytes:
    return fake_go_archive("go1.23.0", zeros=BIG)


@pytest.fixture
def slow_site(big_archive):
    with GoDevSite() as s:
        s.add("go1.23.0", big_archive)
        s.add("go1.22.1", fake_go_archive("go1.22.1"))
        s.pace_s = 0.3  # ~4 chunks of 64 KiB: over a second of download
        yield s


def _part(home: Path) -> Path:
    return home / "downloads" / "go1.23.0.linux-amd64.tar.gz.part"


def _unpacking(home: Path) -> bool:
    """The child is writing the big file into its unpack temp."""
    return any(p.stat().st_size > 0 for p in (home / "go").glob(".tmp-go1.23.0-*/go/pkg/big.a"))


def _nothing_half_installed(home: Path) -> None:
    assert not (home / "go" / "go1.23.0").exists()
    assert not (home / "go" / "current").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_during_the_download(slow_site, m3tui_home, sig):
    child = spawn("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    wait_until(lambda: _part(m3tui_home).exists() and _part(m3tui_home).stat().st_size > 0, timeout=30, what="the download")
    child.send_signal(sig)
    _, err = child.communicate(timeout=30)
    assert child.returncode == (128 + sig if sig == signal.SIGTERM else -sig), err
    _nothing_half_installed(m3tui_home)
    assert _part(m3tui_home).exists()  # kept: resumable
    assert not list((m3tui_home / "go").glob(".tmp-*"))

    if sig == signal.SIGTERM:  # the next install of that version resumes (here: restarts) and finishes
        slow_site.pace_s = 0
        done = m3tui("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
        assert done.returncode == 0, done.stderr
        assert (m3tui_home / "go" / "go1.23.0" / "bin" / "go").is_file()
    else:  # a dead owner's partial download is swept by the next install (of another version)
        done = m3tui("versions", "install", "1.22.1", "--mirror", slow_site.url, home=m3tui_home)
        assert done.returncode == 0, done.stderr
        assert list((m3tui_home / "downloads").iterdir()) == []
    assert not list((m3tui_home / "downloads").glob("*.part"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_during_the_unpack(slow_site, m3tui_home, sig):
    slow_site.pace_s = 0
    child = spawn("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    wait_until(lambda: _unpacking(m3tui_home), timeout=60, interval=0.002, what="the unpack")
    child.send_signal(sig)
    _, err = child.communicate(timeout=30)
    _nothing_half_installed(m3tui_home)
    temps = list((m3tui_home / "go").glob(".tmp-*"))
    if sig == signal.SIGTERM:
        assert child.returncode == 143, err
        assert temps == []  # the cancelled unpack stopped within a chunk and removed its temp
    else:
        assert child.returncode == -signal.SIGKILL
        assert len(temps) == 1  # only the kernel knew: the next install sweeps it
    assert (m3tui_home / "downloads" / "go1.23.0.linux-amd64.tar.gz").is_file()  # verified: kept

    done = m3tui("versions", "install", "1.22.1", "--mirror", slow_site.url, home=m3tui_home)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (m3tui_home / "go").iterdir()) == [".locks", "go1.22.1"]
    assert list((m3tui_home / "downloads").iterdir()) == []


def test_two_installs_of_one_version_at_once(slow_site, m3tui_home):
    slow_site.pace_s = 0.05
    first = spawn("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    wait_until(lambda: _part(m3tui_home).exists(), timeout=30, what="the first download")
    second = spawn("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    assert [h.path for h in slow_site.hits if not h.path.startswith("/dl/?")] == ["/dl/go1.23.0.linux-amd64.tar.gz"]
    assert sorted(p.name for p in (m3tui_home / "go").iterdir()) == [".locks", "go1.23.0"]


# --- a disk that fills (RLIMIT_FSIZE: a real EFBIG) ---------------------------------------------

FSIZE = (
    "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'm3tui', *sys.argv[2:]])"
)


def limited(limit: int, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", FSIZE, str(limit), *args], env=m3tui_env(home), capture_output=True,
                          text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)  # fmt: skip


def test_a_full_disk_during_download_and_unpack(slow_site, m3tui_home, big_archive):
    slow_site.pace_s = 0
    done = limited(64 * 1024, "versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == f"m3tui versions: cannot write {_part(m3tui_home)}: File too large"
    _nothing_half_installed(m3tui_home)

    done = limited(len(big_archive) + 4096, "versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)
    assert done.returncode == 3, done.stderr
    assert one_line(done.stderr) == "m3tui versions: unpacking go1.23.0.linux-amd64.tar.gz failed: File too large: go/pkg/big.a"
    _nothing_half_installed(m3tui_home)
    assert not list((m3tui_home / "go").glob(".tmp-*"))
    assert (m3tui_home / "downloads" / "go1.23.0.linux-amd64.tar.gz").is_file()  # kept for the retry

    done = m3tui("versions", "install", "1.23.0", "--mirror", slow_site.url, home=m3tui_home)  # room again
    assert done.returncode == 0, done.stderr
    assert [h.path for h in slow_site.hits if "go1.23.0" in h.path] == ["/dl/go1.23.0.linux-amd64.tar.gz"] * 2


# --- secrets, end to end --------------------------------------------------------------------------


def test_no_secret_in_any_output_or_file(site, m3tui_home, tmp_path, real_go):
    outputs = []
    for args in (
        ["versions", "install", "1.22.1", "--mirror", site.url],
        ["versions", "install", "1.22", "--mirror", site.url, "--json"],
        ["versions", "list", "--remote", "--all", "--mirror", site.url, "--json"],
        ["versions", "list", "--remote", "--mirror", site.url.replace(SECRET, "wrong")],
        ["versions", "install", "1.99", "--mirror", site.url, "--json"],
        ["versions", "install", "1.22", "--mirror", f"http://{USER}:{SECRET}@127.0.0.1:9", "--offline", "--json"],
        ["versions", "use", "1.22.2", "--json"],
        ["versions", "env", "--shell", "bash"],
    ):
        done = m3tui(*args, home=m3tui_home)
        assert done.returncode in (0, 2, 3) and "internal error" not in done.stderr, (args, done.stderr)
        if "--json" in args:
            json.loads(done.stdout, parse_constant=lambda name: pytest.fail(f"{name} in --json output"))
        outputs.append(done.stdout + done.stderr)
    # go runs under `versions current`, with credentials in its environment (commands.jsonl).
    done = m3tui("versions", "current", "--json", home=m3tui_home, cwd=tmp_path,
                 GOPROXY=f"https://{USER}:{SECRET}@proxy.example", GOSUMDB=f"sum.golang.org https://{SECRET}@sum.example",
                 PATH=f"{real_go.parent}{os.pathsep}{os.environ['PATH']}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    outputs.append(done.stdout + done.stderr)
    assert not [o for o in outputs if SECRET in o]
    leaked = [p for p in m3tui_home.rglob("*") if p.is_file() and not p.is_symlink() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
    assert (m3tui_home / "logs" / "commands.jsonl").is_file()
    for path in [m3tui_home / "env.sh", m3tui_home / "env.fish", *(m3tui_home / "cache").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in (m3tui_home / "cache", m3tui_home / "downloads"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


# --- real shells source what --add-to-rc wrote -------------------------------------------------------


SHELLS = {
    "bash": (".bashrc", ["bash", "-i", "-c", "echo PATH=$PATH"]),
    "zsh": (".zshrc", ["zsh", "-i", "-c", "echo PATH=$PATH"]),
    "fish": (".config/fish/config.fish", ["fish", "-c", "echo PATH=$PATH"]),
}


@pytest.mark.parametrize("shell", list(SHELLS))
@pytest.mark.parametrize("layout", ["latin1", "symlink"])
def test_the_shell_sources_the_rc_it_got(shell, layout, m3tui_home, tmp_path):
    rc_name, command = SHELLS[shell]
    if shutil.which(command[0]) is None and not os.environ.get("CI"):  # CI installs them (.ci/run)
        pytest.skip(f"{shell} is not installed here")
    home = tmp_path / "home"
    rc = home / rc_name
    rc.parent.mkdir(parents=True)
    original = b"# caf\xe9: a Latin-1 comment\nset -e 2>/dev/null || true\n" if shell != "fish" else b"# caf\xe9\n"
    if layout == "symlink":
        dots = home / "dotfiles"
        dots.mkdir()
        (dots / "rc").write_bytes(original)
        rc.symlink_to(dots / "rc")
    else:
        rc.write_bytes(original)
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "HOME": str(home), "SHELL": f"/bin/{shell}"}
    done = m3tui("versions", "env", "--shell", shell, "--add-to-rc", home=m3tui_home, **env)
    assert done.returncode == 0, done.stderr
    written = (home / "dotfiles" / "rc") if layout == "symlink" else rc
    assert written.read_bytes().startswith(original)
    assert rc.is_symlink() == (layout == "symlink")
    shell_env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PATH": "/usr/bin:/bin", "TERM": "dumb"}
    ran = subprocess.run(command, env=shell_env, capture_output=True, text=True, timeout=60, check=False,
                         stdin=subprocess.DEVNULL)  # fmt: skip
    path_line = [line for line in ran.stdout.splitlines() if line.startswith("PATH=")]
    assert path_line, ran.stdout + ran.stderr
    first = path_line[-1].removeprefix("PATH=").replace(" ", ":").split(":")[0]
    assert first == str(m3tui_home / "go" / "current" / "bin")


# --- a mirror that trickles: the real process gives up, exit 3 -------------------------------------

_LOWERED = ("import sys; from m3tui.versions import index, install; index.INDEX_DEADLINE_S = 1.5; "
            "install.STALL_WINDOW_S = 1.0; from m3tui.cli.main import main; sys.exit(main(sys.argv[1:]))")  # fmt: skip


@pytest.mark.parametrize("command", [["list", "--remote"], ["install", "1.22.1"]])
def test_a_trickling_mirror_ends_the_process_with_exit_3(tmp_path, command):
    with GoDevSite(auth=(USER, SECRET)) as site:
        site.add("go1.22.1", fake_go_archive("go1.22.1"))
        site.index_pace_s = 0.1  # a 200, then a byte every 100 ms: ~30 s for this index
        argv = [sys.executable, "-c", _LOWERED, "versions", *command, "--mirror", site.url]
        start = time.monotonic()
        done = subprocess.run(argv, env=m3tui_env(tmp_path / "home"), capture_output=True, text=True,
                              timeout=60, check=False, stdin=subprocess.DEVNULL)  # fmt: skip
        took = time.monotonic() - start
    assert done.returncode == 3, done.stderr
    assert took < 10, took
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gave up after 1." in lines[0] and f"http://{USER}:***@127.0.0.1:" in lines[0], lines
    assert SECRET not in done.stdout + done.stderr and "Traceback" not in done.stderr
