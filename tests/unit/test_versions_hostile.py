"""The Versions feature against hostile input, faults and secrets, in-process (no child process).

Real things only: a go.dev-shaped site on 127.0.0.1 that asks for basic auth (the mirror URL
carries a real password), hostile index bodies served by it (NaN, a 5000-digit number, 100 000
levels of nesting, a body past the cap, versions and file names that are paths or terminal
escapes), real FIFOs (os.mkfifo) and directories where files should be, non-UTF-8 and binary rc
files, symlinked dotfiles, env files left 0644 by an earlier version, the store's own debris
(a version directory that is a file, a dangling link, a `current` that is a directory). The CLI
is called in-process through `m3tui.cli.main.main`, which returns the exit status. What needs a
second process (another user, a signal, a file-size limit) is in
tests/integration/test_versions_hostile.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import signal
import socket
import stat
import tarfile
import time
from pathlib import Path

import pytest

from m3tui.cli.main import main
from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
    M3tuiError,
    UsageError,
)
from m3tui.versions import index as goindex
from m3tui.versions import install as goinstall
from m3tui.versions import project, store, switch
from m3tui.versions.index import (
    BadMirror,
    IndexUnavailable,
    check_mirror,
    fetch_index,
    parse_index_counted,
)
from m3tui.versions.names import GoFile, NotAGoVersion, canonical, parse_version
from tests.godevsite import GoDevSite, fake_go_archive
from tests.httpserver import forbid_internet

SECRET = "s3cr3t-Tok3n"
USER = "gopher"


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    forbid_internet(monkeypatch)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site():
    """A mirror behind basic auth with go1.22.1 and go1.22.2 (small archives in go.dev's layout)."""
    with GoDevSite(auth=(USER, SECRET)) as s:
        s.add("go1.22.1", fake_go_archive("go1.22.1"))
        s.add("go1.22.2", fake_go_archive("go1.22.2"))
        yield s


def files_holding(root: Path, needle: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``needle`` (links not followed)."""
    found = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            if needle.encode() in path.read_bytes():
                found.append(path)
    return found


def strict_json(text: str) -> object:
    """json.loads that refuses NaN/Infinity, as jq and Go do."""

    def refuse(name: str) -> object:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- exit codes: every command that takes a version --------------------------------------------


@pytest.mark.parametrize("bad", ["banana", "1.x", "", "go", "1.22\x1b[2J", "١.٢٢", "1." + "9" * 5000, "1.22.1/../x", "1.22\n.1"])
@pytest.mark.parametrize(
    "command",
    [["versions", "install"], ["versions", "use"], ["versions", "remove"], ["versions", "project", "--set"]],
)
def test_a_bad_version_is_usage_everywhere(capsys, tmp_path, monkeypatch, command, bad):
    monkeypatch.chdir(tmp_path)
    # install must say so before any network: the mirror is a closed port.
    extra = ["--mirror", "http://127.0.0.1:9"] if command[1] == "install" else []
    code, out, err = run_cli(capsys, *command, bad, *extra)
    assert code == EXIT_USAGE, err
    assert out == "" and err.count("\n") == 1 and "not a Go version" in err
    assert "\x1b" not in err and "\x07" not in err  # a control character is shown escaped
    assert len(err) < 200  # a 5000-digit "version" is cut, not echoed whole
    assert list(tmp_path.iterdir()) == []  # project --set wrote nothing


def test_a_bad_version_under_json_is_the_error_object(capsys):
    code, out, _err = run_cli(capsys, "versions", "use", "banana", "--json")
    assert code == EXIT_USAGE
    error = strict_json(out)["error"]
    assert error["exit"] == EXIT_USAGE and error["code"] == "usage" and "not a Go version" in error["message"]


def test_not_a_go_version_is_checked_strictly():
    for text in ("١.٢٢", "go1.22.1rc", "1.2.3.4", "1." + "9" * 10, "1.22\n.1"):
        with pytest.raises(NotAGoVersion):
            parse_version(text)
    assert canonical(" 1.22.1 ") == "go1.22.1"
    assert store.is_version_name("go1.22.1") and not store.is_version_name("../go1.22.1")
    assert not store.is_version_name("go١.٢٢")


@pytest.mark.parametrize(
    "mirror",
    ["file:///dev/zero", "ftp://mirror.example", "go.dev", "https://", "http:///dl", "https://x:99999",
     "https://mirror.example/?token=abc", "https://mirror.example/#x", "https://mir ror.example", "https://a\x1b[2Jb",
     "https://xn--.invalid", "https://[::1"],
)  # fmt: skip
def test_a_mirror_that_is_not_http_is_usage(capsys, mirror):
    with pytest.raises(BadMirror) as info:
        check_mirror(mirror)
    assert info.value.exit_code == EXIT_USAGE
    for command in (["install", "1.22"], ["list", "--remote"]):
        code, _out, err = run_cli(capsys, "versions", *command, "--mirror", mirror)
        assert code == EXIT_USAGE, err
        assert err.count("\n") == 1 and "\x1b" not in err and "abc" not in err


def test_a_version_the_index_does_not_have_is_usage_and_no_index_is_failure(capsys, site, tmp_path):
    code, _, err = run_cli(capsys, "versions", "install", "1.99", "--mirror", site.url)
    assert code == EXIT_USAGE and "no Go release matches 1.99" in err
    code, _, err = run_cli(capsys, "versions", "install", "1.22", "--arch", "mips", "--mirror", site.url)
    assert code == EXIT_USAGE and "has no archive" in err
    # No index at all: the network failed, not the user.
    closed = f"http://{USER}:{SECRET}@127.0.0.1:9"
    code, _, err = run_cli(capsys, "versions", "install", "1.22", "--mirror", closed)
    assert code == EXIT_FAILED and "cannot fetch the Go download index" in err and SECRET not in err


def test_use_remove_of_what_is_not_installed_is_usage(capsys, m3tui_home):
    for argv in (["use", "1.22.1"], ["use", "1.22"], ["use", "latest"], ["remove", "1.22.1"]):
        code, _, err = run_cli(capsys, "versions", *argv)
        assert code == EXIT_USAGE, (argv, err)
    # The store's debris is not an install: a file, a dangling link, a link to another version, a FIFO.
    go = m3tui_home / "go"
    go.mkdir()
    (go / "go1.22.5").write_text("not a directory")
    (go / "go1.22.6").symlink_to("/nonexistent")
    (go / "go1.22.8").mkdir()
    os.mkfifo(go / "go1.22.9")
    for version in ("1.22.5", "1.22.6", "1.22.8", "1.22.9"):
        code, _, err = run_cli(capsys, "versions", "use", version)
        assert code == EXIT_USAGE and "not installed" in err
    assert store.installed_versions() == []
    assert (go / "go1.22.5").read_text() == "not a directory"  # nothing clobbered


# --- secrets ---------------------------------------------------------------------------------


def test_a_mirror_password_is_never_printed_or_stored(capsys, site, m3tui_home):
    code, out, err = run_cli(capsys, "versions", "install", "1.22.1", "--mirror", site.url)
    assert code == EXIT_OK, err
    assert store.installed_versions() == ["go1.22.1"]
    assert all(hit.authorized for hit in site.hits)  # the credentials did reach the server
    seen = out + err

    code, out, err = run_cli(capsys, "versions", "list", "--remote", "--mirror", site.url, "--json")
    assert code == EXIT_OK
    listed = strict_json(out)
    assert [r["version"] for r in listed["releases"]] == ["go1.22.2", "go1.22.1"]
    seen += out + err

    # A failing index (wrong password) falls back to the cache: its warning names the URL.
    wrong = site.url.replace(SECRET, SECRET + "-wrong")
    code, out, err = run_cli(capsys, "versions", "list", "--remote", "--mirror", wrong)
    assert code == EXIT_OK and "HTTP 401" in err and f"{USER}:***@" in err
    seen += out + err

    # The archive itself refused (the index still cached): a DownloadError with the URL in it.
    old_url = site.url
    site.auth = (USER, "rotated")
    code, out, err = run_cli(capsys, "versions", "install", "1.22.2", "--mirror", old_url, "--json")
    assert code == EXIT_FAILED
    assert "401" in strict_json(out)["error"]["message"]
    seen += out + err

    assert SECRET not in seen
    assert files_holding(m3tui_home, SECRET) == []
    meta = json.loads(goindex.cache_paths(old_url)[1].read_text())
    assert meta["url"] == f"http://{USER}:***@127.0.0.1:{site.port}/dl/?mode=json&include=all"
    # The cache key does not depend on the password: the redacted URL is the key.
    assert goindex.cache_paths(old_url) == goindex.cache_paths(wrong)
    for path in (m3tui_home / "cache").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((m3tui_home / "cache").stat().st_mode) == 0o700


def test_a_token_alone_and_a_token_in_an_error(capsys, site, m3tui_home):
    token_only = f"http://{SECRET}@127.0.0.1:9"  # nothing listens: the connect error is printed
    code, out, err = run_cli(capsys, "versions", "list", "--remote", "--mirror", token_only, "--json")
    assert code == EXIT_FAILED
    assert SECRET not in out + err and "http://***@127.0.0.1:9" in err
    assert strict_json(out)["error"]["exit"] == EXIT_FAILED


def test_the_config_mirror_password_is_never_printed(capsys, site, m3tui_home):
    (m3tui_home / "config.toml").write_text(f'[versions]\nmirror = "{site.url}"\n')
    code, out, err = run_cli(capsys, "versions", "install", "1.22", "--json")
    assert code == EXIT_OK, err
    assert strict_json(out)["version"] == "go1.22.2"
    assert SECRET not in out + err
    assert files_holding(m3tui_home / "go", SECRET) == [] and files_holding(m3tui_home / "cache", SECRET) == []


async def test_index_result_and_warnings_are_redacted(site):
    result = await fetch_index(site.url)
    assert result.url == f"http://{USER}:***@127.0.0.1:{site.port}/dl/?mode=json&include=all"
    site.index_body = b"<html>captive portal</html>"
    stale = await fetch_index(site.url)
    assert stale.source == "cache-stale" and SECRET not in (stale.warning or "") and "***" in (stale.warning or "")


# --- hostile indexes -------------------------------------------------------------------------


def _entry(data: bytes, **changes: object) -> list[dict[str, object]]:
    file = {"filename": "go1.22.1.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.22.1",
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "kind": "archive"}  # fmt: skip
    file.update(changes)
    return [{"version": "go1.22.1", "stable": True, "files": [file]}]


GOOD = fake_go_archive("go1.22.1")
INVALID_BODIES = {
    "NaN": json.dumps(_entry(GOOD)).replace(f'"size": {len(GOOD)}', '"size": NaN').encode(),
    "Infinity": b'[{"version": "go1.22.1", "files": [], "x": Infinity}]',
    "a 5000-digit number": b'[{"version": "go1.22.1", "files": [{"size": ' + b"9" * 5000 + b"}]}]",
    "nesting": b"[" * 100_000 + b"]" * 100_000,
    "an object": b'{"releases": []}',
    "null": b"null",
    "HTML": b"<html>Please log in</html>",
    "not UTF-8": b"\xff\xfe[\x00]",
    "only garbage entries": json.dumps([1, "x", None, {"version": ["go1.22"]}, {"version": "go1.22.1\x1b[31m"}]).encode(),
}


@pytest.mark.parametrize("name", list(INVALID_BODIES))
def test_an_invalid_index_is_a_clear_failure(capsys, site, m3tui_home, name):
    site.index_body = INVALID_BODIES[name]
    with pytest.raises(IndexUnavailable) as info:
        asyncio.run(fetch_index(site.url))
    message = str(info.value)
    assert message.startswith(f"the index at http://{USER}:***@127.0.0.1:{site.port}/dl/") and " is not valid: " in message
    assert "\n" not in message and "\x1b" not in message and SECRET not in message and len(message) < 400
    code, out, _err = run_cli(capsys, "versions", "install", "1.22.1", "--mirror", site.url, "--json")
    assert code == EXIT_FAILED and "is not valid" in strict_json(out)["error"]["message"]
    assert store.installed_versions() == []
    cache = m3tui_home / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []  # a bad body is never cached


def test_an_index_past_the_cap_is_refused_before_it_is_parsed(site, monkeypatch):
    monkeypatch.setattr(goindex, "MAX_INDEX_BYTES", 64 * 1024)
    site.index_body = b"[" + b" " * (1024 * 1024) + b"]"  # valid JSON, just too big
    with pytest.raises(IndexUnavailable, match=r"is not valid: more than 65,536 bytes"):
        asyncio.run(fetch_index(site.url))


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"version": "../../../../tmp/evil"}, "a version that is a path"),
        ({"filename": "../../evil.tar.gz"}, "a file name that is a path"),
        ({"filename": "go1.22.1.\x1b]0;pwned\x07.tar.gz"}, "a terminal escape"),
        ({"filename": "other.linux-amd64.tar.gz"}, "a file of another version"),
        ({"size": 10**30}, "an absurd size"),
        ({"size": -1}, "a negative size"),
        ({"size": 1.5}, "a float size"),
        ({"size": True}, "a bool size"),
        ({"sha256": "zz" * 32}, "a checksum that is not hex"),
        ({"os": {"linux": 1}}, "an object for a string"),
    ],
)
def test_a_hostile_file_entry_is_skipped_and_said(capsys, site, m3tui_home, tmp_path, changes, why):
    site.index_body = json.dumps(_entry(GOOD, **changes)).encode()
    releases, skipped = parse_index_counted(site.index_body)
    assert skipped == 1 and releases[0].files == () and releases[0].skipped == 1, why
    code, _out, err = run_cli(capsys, "versions", "install", "1.22.1", "--mirror", site.url)
    assert code == EXIT_FAILED, err
    assert "is not valid: no usable archive of go1.22.1" in err and "malformed" in err
    assert "\x1b" not in err and "\x07" not in err
    assert not Path("/tmp/evil").exists() and not (m3tui_home.parent / "evil.tar.gz").exists()
    assert [p.name for p in m3tui_home.iterdir() if p.name not in ("cache", "logs")] == []


async def test_install_refuses_what_a_hostile_index_would_make_a_path(m3tui_home, site):
    base = GoFile("go1.22.1.linux-amd64.tar.gz", "linux", "amd64", "go1.22.1", hashlib.sha256(GOOD).hexdigest(), len(GOOD), "archive")
    for file in (
        GoFile(**{**base.__dict__, "version": "../../evil"}),
        GoFile(**{**base.__dict__, "filename": "../evil.tar.gz"}),
        GoFile(**{**base.__dict__, "filename": "go1.22.1.x\x00.tar.gz"}),
        GoFile(**{**base.__dict__, "filename": "go1.22.1.pkg"}),
    ):
        with pytest.raises(goinstall.InstallError):
            await goinstall.install(file, f"{site.url}/dl/{base.filename}")
    assert not (m3tui_home.parent / "evil").exists() and list(m3tui_home.iterdir()) == []


async def test_a_size_the_index_does_not_give_is_capped(m3tui_home, site, monkeypatch):
    monkeypatch.setattr(goinstall, "MAX_ARCHIVE_BYTES", 1000)
    big = fake_go_archive("go1.22.3", zeros=1 << 20) + os.urandom(4096)  # incompressible tail: > 1000 bytes
    name = site.add("go1.22.3", big)
    file = GoFile(name, "linux", "amd64", "go1.22.3", "", 0, "archive")  # no size, no checksum (very old releases)
    with pytest.raises(goinstall.DownloadError, match="more than 1,000 bytes"):
        await goinstall.install(file, f"{site.url}/dl/{name}")
    assert store.installed_versions() == [] and list(store.downloads_dir().iterdir()) == []


def test_a_truncated_archive_with_a_matching_checksum_fails_cleanly(capsys, site, m3tui_home):
    cut = fake_go_archive("go1.22.3", zeros=4 << 20)[:-200]  # gzip and tar both end early
    site.add("go1.22.3", cut)
    code, _, err = run_cli(capsys, "versions", "install", "1.22.3", "--mirror", site.url)
    assert code == EXIT_FAILED and "is not a valid archive" in err
    assert store.installed_versions() == []
    assert [p.name for p in store.store_dir().iterdir()] == [".locks"]  # no temp, no go1.22.3
    assert list(store.downloads_dir().iterdir()) == []  # a bad archive is not kept


# --- hostile cache ----------------------------------------------------------------------------


async def test_a_fifo_or_garbage_in_the_cache_reads_as_no_cache(site):
    body, meta = goindex.cache_paths(site.url)
    body.parent.mkdir(parents=True)
    os.mkfifo(body)
    started = time.monotonic()
    assert goindex.load_cached(site.url) is None  # never a blocking open of the FIFO
    assert time.monotonic() - started < 2
    body.unlink()
    await fetch_index(site.url)
    meta.write_text('{"url": null, "etag": "x\\r\\nInjected: 1", "fetched_at": NaN, "sha256": null}')
    cached = goindex.load_cached(site.url)
    assert cached is not None and cached.fetched_at > 0
    again = await fetch_index(site.url)  # the CR LF etag is not sent back as a header
    assert again.source == "network" and "Injected" not in str(site.hits)


async def test_a_dead_writers_cache_temp_is_swept(site):
    await fetch_index(site.url)
    cache = store.cache_dir()
    dead = cache / ".go-index-0123.json-p999999999-abcd.tmp"
    dead.write_text("half")
    alive = cache / f".go-index-0123.json-p{os.getpid()}-abcd.tmp"
    alive.write_text("mine")
    await fetch_index(site.url)
    assert not dead.exists() and alive.exists()


# --- the store: sweeps, locks, debris ----------------------------------------------------------


def test_sweep_removes_only_what_no_live_install_holds(m3tui_home):
    go, downloads = store.store_dir(), store.downloads_dir()
    go.mkdir()
    downloads.mkdir()
    dead_unpack = go / ".tmp-go1.22.1-x7k2"
    (dead_unpack / "go" / "bin").mkdir(parents=True)
    dead_part = downloads / "go1.22.1.linux-amd64.tar.gz.part"
    dead_part.write_bytes(b"partial")
    live_unpack = go / ".tmp-go1.22.2-q9zz"
    live_unpack.mkdir()
    live_part = downloads / "go1.22.2.linux-amd64.tar.gz.part"
    live_part.write_bytes(b"partial")
    unknown = downloads / "notes.txt"
    unknown.write_text("not ours to judge")
    finished = go / "go1.22.3"
    (finished / "bin").mkdir(parents=True)
    with store.version_lock("go1.22.2"):  # a live install of go1.22.2 (another fd: flock conflicts)
        removed = store.sweep_stale()
    assert sorted(removed) == sorted([dead_unpack, dead_part])
    assert live_unpack.exists() and live_part.exists() and unknown.exists() and finished.exists()
    assert store.sweep_stale(holding="go1.22.2") == []  # the caller's own: its business


async def test_concurrent_installs_of_one_version_download_once(site, m3tui_home):
    site.pace_s = 0.02
    name = "go1.22.1.linux-amd64.tar.gz"
    data = site.files[name]
    file = GoFile(name, "linux", "amd64", "go1.22.1", hashlib.sha256(data).hexdigest(), len(data), "archive")
    url = f"{site.url}/dl/{name}"
    results = await asyncio.gather(*(goinstall.install(file, url) for _ in range(3)))
    assert results == [store.version_dir("go1.22.1")] * 3
    assert [h.path for h in site.hits] == [f"/dl/{name}"]
    with store.version_lock("go1.22.1"), pytest.raises(store.LockBusy):  # a live install of it holds the lock
        goinstall.remove("go1.22.1", wait_for_lock=False)
    assert store.installed_versions() == ["go1.22.1"]


def test_current_that_is_a_directory_or_a_file_is_never_replaced(capsys, m3tui_home, site):
    assert run_cli(capsys, "versions", "install", "1.22.1", "--mirror", site.url)[0] == EXIT_OK
    current = store.current_link()
    current.mkdir()
    (current / "mine").write_text("keep")
    code, _, err = run_cli(capsys, "versions", "use", "1.22.1")
    assert code == EXIT_FAILED and "is a directory, not m3tui's link" in err
    assert (current / "mine").read_text() == "keep"
    (current / "mine").unlink()
    current.rmdir()
    current.write_text("a file")
    code, _, err = run_cli(capsys, "versions", "use", "1.22.1")
    assert code == EXIT_FAILED and "is a file, not m3tui's link" in err and current.read_text() == "a file"
    current.unlink()
    os.symlink("../../../etc", current)  # a hostile link is m3tui's to replace
    assert run_cli(capsys, "versions", "use", "1.22.1")[0] == EXIT_OK
    assert os.readlink(current) == "go1.22.1"
    # A killed `use` left its temporary link: swept by the next one.
    stale = store.store_dir() / ".current-new-p999999999-dead"
    os.symlink("go1.22.1", stale)
    assert run_cli(capsys, "versions", "use", "1.22.1")[0] == EXIT_OK
    assert not os.path.lexists(stale)


def test_m3tui_home_that_is_a_file(capsys, tmp_path, monkeypatch, site):
    home = tmp_path / "home-file"
    home.write_text("not a directory")
    monkeypatch.setenv("M3TUI_HOME", str(home))
    for argv in (["install", "1.22.1", "--mirror", site.url], ["env", "--shell", "bash", "--add-to-rc"]):
        code, _out, err = run_cli(capsys, "versions", *argv)
        assert code == EXIT_FAILED, (argv, err)
        assert str(home) in err and ("Not a directory" in err or "not a directory" in err), err
        assert "internal error" not in err and "cannot write output" not in err
    assert home.read_text() == "not a directory"


# --- env files and rc files ---------------------------------------------------------------------


def test_env_files_are_private_and_old_ones_tightened(m3tui_home, capsys):
    env_sh = m3tui_home / "env.sh"
    env_sh.write_text(switch.env_text("bash"))  # what an earlier version left, world-readable
    env_sh.chmod(0o644)
    assert run_cli(capsys, "versions", "env", "--shell", "bash")[0] == EXIT_OK  # printing reads it: tightened
    assert stat.S_IMODE(env_sh.stat().st_mode) == 0o600
    env_sh.chmod(0o644)
    switch.write_env_files()
    for path in switch.env_files():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # Through a symlink (an env file kept in a dotfiles repo): the link stays, its target private.
    real = m3tui_home / "dots-env.fish"
    (m3tui_home / "env.fish").unlink()
    (m3tui_home / "env.fish").symlink_to(real.name)
    switch.write_env_files(export_goroot=True)
    assert (m3tui_home / "env.fish").is_symlink() and "GOROOT" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_an_env_file_that_is_a_fifo_or_directory_is_refused_without_blocking(m3tui_home):
    os.mkfifo(m3tui_home / "env.sh")
    started = time.monotonic()
    with pytest.raises(switch.SwitchError, match=r"env\.sh: it is a FIFO") as info:
        switch.write_env_files()
    assert info.value.exit_code == EXIT_FAILED and time.monotonic() - started < 2
    assert stat.S_ISFIFO(os.lstat(m3tui_home / "env.sh").st_mode)
    assert "export PATH" in switch.env_text("bash")  # printing the lines never reads the FIFO


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ZDOTDIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


def test_an_rc_that_is_a_directory_or_fifo_is_usage(capsys, home):
    (home / ".bashrc").mkdir()
    code, _, err = run_cli(capsys, "versions", "env", "--shell", "bash", "--add-to-rc")
    assert code == EXIT_USAGE and ".bashrc: is a directory" in err
    os.mkfifo(home / ".zshrc")
    started = time.monotonic()
    code, _, err = run_cli(capsys, "versions", "env", "--shell", "zsh", "--add-to-rc")
    assert code == EXIT_USAGE and ".zshrc: is a FIFO" in err and time.monotonic() - started < 5
    assert sorted(p.name for p in home.iterdir()) == [".bashrc", ".zshrc"]  # no .bak, no temp


def test_an_rc_that_is_not_utf8_keeps_every_byte(capsys, home):
    original = b"# caf\xe9 (Latin-1)\nexport EDITOR=vi"  # and no newline at the end
    (home / ".bashrc").write_bytes(original)
    (home / ".bashrc").chmod(0o640)
    code, out, err = run_cli(capsys, "versions", "env", "--shell", "bash", "--add-to-rc")
    assert code == EXIT_OK, err
    data = (home / ".bashrc").read_bytes()
    assert data.startswith(original + b"\n") and data.endswith(os.fsencode(switch.rc_line("bash")) + b"\n")
    assert (home / ".bashrc.bak").read_bytes() == original
    assert stat.S_IMODE((home / ".bashrc").stat().st_mode) == 0o640  # its mode kept
    code, out, _ = run_cli(capsys, "versions", "env", "--shell", "bash", "--add-to-rc")
    assert code == EXIT_OK and "already sources" in out and (home / ".bashrc").read_bytes() == data


def test_a_binary_or_huge_rc_is_refused_untouched(capsys, home, monkeypatch):
    (home / ".bashrc").write_bytes(b"\x7fELF\x00\x00binary")
    code, _, err = run_cli(capsys, "versions", "env", "--shell", "bash", "--add-to-rc")
    assert code == EXIT_USAGE and "NUL bytes" in err
    assert (home / ".bashrc").read_bytes() == b"\x7fELF\x00\x00binary" and not (home / ".bashrc.bak").exists()
    monkeypatch.setattr(switch, "MAX_RC_BYTES", 1024)
    (home / ".zshrc").write_bytes(b"# x\n" * 1000)
    code, _, err = run_cli(capsys, "versions", "env", "--shell", "zsh", "--add-to-rc")
    assert code == EXIT_USAGE and "more than 1,024 bytes" in err


def test_an_rc_through_a_symlink_stays_a_link(capsys, home):
    dots = home / "dotfiles"
    dots.mkdir()
    (dots / "zshrc").write_text("# from the dotfiles repo\n")
    (dots / "zshrc").chmod(0o600)
    (home / ".zshrc").symlink_to("dotfiles/zshrc")
    code, _, err = run_cli(capsys, "versions", "env", "--shell", "zsh", "--add-to-rc")
    assert code == EXIT_OK, err
    assert (home / ".zshrc").is_symlink() and os.readlink(home / ".zshrc") == "dotfiles/zshrc"
    assert switch.rc_line("zsh") in (dots / "zshrc").read_text()
    assert stat.S_IMODE((dots / "zshrc").stat().st_mode) == 0o600
    assert sorted(p.name for p in dots.iterdir()) == ["zshrc"]  # the temp was beside the target, and is gone
    # A dangling link (the repo's file not there yet): the target is created, the link kept.
    (home / ".config" / "fish").mkdir(parents=True)
    (home / ".config" / "fish" / "config.fish").symlink_to(dots / "config.fish")
    assert run_cli(capsys, "versions", "env", "--shell", "fish", "--add-to-rc")[0] == EXIT_OK
    assert (home / ".config" / "fish" / "config.fish").is_symlink() and "env.fish" in (dots / "config.fish").read_text()


def test_an_rc_write_that_fails_leaves_the_rc_as_it_was(home, monkeypatch):
    rc = home / ".bashrc"
    rc.write_text("alias ll='ls -l'\n")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("m3tui.core.files.os.fsync", full)
    with pytest.raises(M3tuiError, match=r"cannot write .*\.bashrc: No space left on device") as info:
        switch.install_rc("bash", rc)
    assert info.value.exit_code == EXIT_FAILED
    assert rc.read_text() == "alias ll='ls -l'\n"
    assert sorted(p.name for p in home.iterdir()) == [".bashrc", ".bashrc.bak"]  # no temp left


# --- project pins -------------------------------------------------------------------------------


def test_pin_files_that_are_not_files(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".go-version").mkdir()
    code, _, err = run_cli(capsys, "versions", "project", "--set", "1.22.1")
    assert code == EXIT_USAGE and "is a directory" in err
    os.mkfifo(tmp_path / ".tool-versions")
    started = time.monotonic()
    code, _, err = run_cli(capsys, "versions", "project", "--set", "1.22.1", "--how", "tool-versions")
    assert code == EXIT_USAGE and "FIFO" in err and time.monotonic() - started < 5
    code, out, _ = run_cli(capsys, "versions", "project", "--json")  # reading never blocks either
    assert code == EXIT_OK and strict_json(out)["sources"] == []
    (tmp_path / "go.mod").mkdir()  # a directory named go.mod is no go.mod
    code, _, err = run_cli(capsys, "versions", "project", "--set", "1.22.1", "--how", "toolchain")
    assert code == EXIT_USAGE and "no go.mod" in err


def test_pin_files_keep_their_bytes(tmp_path):
    gomod = tmp_path / "go.mod"
    gomod.write_bytes(b"module example.com/m\n\n// caf\xe9, Latin-1\r\ngo 1.21\n")
    project.set_project_version(tmp_path, "1.22.1", how="toolchain")
    assert gomod.read_bytes() == b"module example.com/m\n\n// caf\xe9, Latin-1\r\ngo 1.21\ntoolchain go1.22.1\n"
    (tmp_path / ".tool-versions").write_bytes(b"nodejs 20.1.0 # \xff\n")
    project.set_project_version(tmp_path, "1.22.1", how="tool-versions")
    assert (tmp_path / ".tool-versions").read_bytes() == b"nodejs 20.1.0 # \xff\ngolang 1.22.1\n"
    (tmp_path / ".tool-versions").write_bytes(b"golang\x001.2\n")
    with pytest.raises(InputError, match="NUL bytes"):
        project.set_project_version(tmp_path, "1.22.1", how="tool-versions")


def test_a_hostile_version_file_never_hangs_or_crashes_a_listing(capsys, tmp_path, monkeypatch, m3tui_home):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / ".go-version")
    (tmp_path / ".tool-versions").write_bytes(b"golang \xff\xfe\n" + b"x" * 10)
    # A store install whose VERSION is a FIFO.
    root = m3tui_home / "go" / "go1.22.1"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "go").write_text("#!/bin/sh\n")
    os.mkfifo(root / "VERSION")

    def hung(signum, frame):
        raise TimeoutError("the listing blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)  # a blocking open() is interrupted by it
    signal.alarm(20)
    try:
        code, out, err = run_cli(capsys, "versions", "list", "--json")
        assert code == EXIT_OK, err
        strict_json(out)
        code, out, _ = run_cli(capsys, "versions", "project", "--json")
        assert code == EXIT_OK and [s["kind"] for s in strict_json(out)["sources"]] == [".tool-versions"]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_working_directory_gone(capsys, tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    for argv in (["project"], ["project", "--set", "1.22.1"], ["current"]):
        code, _, err = run_cli(capsys, "versions", *argv)
        assert code == EXIT_FAILED and "cannot use the current directory: No such file or directory" in err


def test_usage_errors_are_usage_errors():
    """The classes say the contract: callers (and the pane) can catch narrowly."""
    assert issubclass(switch.SwitchUsageError, UsageError) and issubclass(switch.SwitchUsageError, switch.SwitchError)
    assert issubclass(goinstall.InstallUsageError, UsageError) and issubclass(goinstall.InstallUsageError, goinstall.InstallError)
    assert goindex.VersionNotFound("x").exit_code == EXIT_USAGE and IndexUnavailable("x").exit_code == EXIT_FAILED
    assert project.NoGoMod("x").exit_code == EXIT_USAGE


# --- a mirror that trickles: deadlines, not per-read timeouts -----------------------------------


def _waited(message: str) -> float:
    found = re.search(r"(?:gave up after|in the last) (\d+\.\d)s", message)
    assert found, message
    return float(found.group(1))


@pytest.fixture
def quick_deadlines(monkeypatch):
    """The 30 s of the real deadlines, lowered so a test takes about a second."""
    monkeypatch.setattr(goindex, "INDEX_DEADLINE_S", 1.0)
    monkeypatch.setattr(goinstall, "STALL_WINDOW_S", 0.5)
    monkeypatch.setattr(goinstall, "STALL_MIN_BYTES", 64 * 1024)


@pytest.mark.parametrize("command", [["list", "--remote"], ["install", "1.22.1"]])
def test_an_index_that_trickles_gives_up_at_the_deadline(capsys, site, m3tui_home, quick_deadlines, command):
    site.index_pace_s = 0.05  # a 200, then one byte every 50 ms: ~20 s for this index; each read gets a byte
    start = time.monotonic()
    code, out, err = run_cli(capsys, "versions", *command, "--mirror", site.url, "--json")
    took = time.monotonic() - start
    assert code == EXIT_FAILED, err
    assert 1.0 <= took < 4.0
    message = strict_json(out)["error"]["message"]
    assert message == err.strip().removeprefix("m3tui: ").removeprefix("m3tui versions: ") or message in err
    assert "\n" not in err.strip() and "gave up after" in err and "deadline for the whole index is 1s" in err
    assert 1.0 <= _waited(err) <= took + 0.05
    assert f"http://{USER}:***@127.0.0.1:{site.port}/dl/" in err and SECRET not in out + err
    assert store.installed_versions() == []


def test_a_trickling_index_falls_back_to_the_cache_saying_why(capsys, site, m3tui_home, quick_deadlines):
    code, _, err = run_cli(capsys, "versions", "list", "--remote", "--mirror", site.url)
    assert code == EXIT_OK, err
    site.index_pace_s = 0.05
    start = time.monotonic()
    code, out, err = run_cli(capsys, "versions", "list", "--remote", "--mirror", site.url)
    assert code == EXIT_OK and time.monotonic() - start < 4.0
    assert "go1.22.2" in out and "using the cached Go index" in err and "gave up after" in err and SECRET not in err


def _silent_server() -> socket.socket:
    """Listens on 127.0.0.1 and never accepts: the connect succeeds (the kernel's backlog), then nothing."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


async def test_a_server_that_never_answers_trips_the_deadline_not_httpx(quick_deadlines):
    with _silent_server() as sock:
        mirror = f"http://{USER}:{SECRET}@127.0.0.1:{sock.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(IndexUnavailable) as caught:
            await fetch_index(mirror)  # httpx's per-read timeout is 10 s: the 1 s deadline comes first
        assert time.monotonic() - start < 4.0
        assert "no byte of it had arrived" in str(caught.value) and SECRET not in str(caught.value)
        file = GoFile("go1.22.1.linux-amd64.tar.gz", "linux", "amd64", "go1.22.1", "0" * 64, 1000, "archive")
        start = time.monotonic()
        with pytest.raises(goinstall.DownloadError, match="stalled: 0 bytes in the last 0.[5-9]s"):
            await goinstall.install(file, goindex.archive_url(mirror, file.filename))
        assert time.monotonic() - start < 4.0


async def test_the_versions_pane_backend_has_the_same_deadline(site, m3tui_home, quick_deadlines):
    from m3tui.versions.backend import LocalVersions

    (m3tui_home / "config.toml").write_text(f'[versions]\nmirror = "{site.url}"\n')
    site.index_pace_s = 0.05
    start = time.monotonic()
    with pytest.raises(IndexUnavailable, match="gave up after 1.[0-9]s") as caught:
        await LocalVersions().fetch_index()
    assert time.monotonic() - start < 4.0 and SECRET not in str(caught.value)


def _noise_archive(version: str, size: int) -> bytes:
    """A real Go-layout .tar.gz of ``size``-ish bytes that gzip cannot shrink (random content)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data, mode in (("go/bin/go", b"#!/bin/sh\necho go\n", 0o755), ("go/pkg/noise", os.urandom(size), 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


async def test_an_archive_that_trickles_stalls_keeps_its_part_and_resumes(site, m3tui_home, quick_deadlines):
    data = _noise_archive("go1.22.3", 256 * 1024)
    site.add("go1.22.3", data)
    site.chunk, site.pace_s = 1024, 0.05  # 20 KiB/s, under the floor of 64 KiB in 0.5 s
    releases = (await fetch_index(site.url)).releases
    file = goindex.choose_archive(goindex.resolve(releases, "1.22.3"), "linux", "amd64")
    assert file is not None
    start = time.monotonic()
    with pytest.raises(goinstall.DownloadError) as caught:
        await goinstall.install(file, goindex.archive_url(site.url, file.filename))
    took = time.monotonic() - start
    message = str(caught.value)
    assert took < 4.0 and "stalled:" in message and "less than 64 KiB in 0.5s" in message and "run again to resume" in message
    assert 0.5 <= _waited(message) <= took + 0.05
    assert f"{USER}:***@" in message and SECRET not in message
    part = store.downloads_dir() / f"{file.filename}.part"
    assert 0 < part.stat().st_size < len(data)
    site.chunk, site.pace_s = 16 * 1024, 0.0
    assert await goinstall.install(file, goindex.archive_url(site.url, file.filename)) == store.version_dir("go1.22.3")
    assert not part.exists()


async def test_a_slow_archive_above_the_floor_is_not_cut_off(site, m3tui_home, quick_deadlines):
    """A rate floor, not a total deadline: 0.8 s of download through a 0.5 s window completes."""
    data = _noise_archive("go1.22.3", 256 * 1024)
    site.add("go1.22.3", data)
    site.chunk, site.pace_s = 16 * 1024, 0.05  # ~320 KiB/s: 5x the floor of 64 KiB in 0.5 s
    releases = (await fetch_index(site.url)).releases
    file = goindex.choose_archive(goindex.resolve(releases, "1.22.3"), "linux", "amd64")
    assert file is not None
    start = time.monotonic()
    assert await goinstall.install(file, goindex.archive_url(site.url, file.filename)) == store.version_dir("go1.22.3")
    assert time.monotonic() - start > 0.5  # longer than one window: only the rate is checked
