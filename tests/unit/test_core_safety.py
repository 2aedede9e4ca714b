"""core's defences against hostile input and leaks: redaction, safe files, scratch, strict JSON."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import pytest

from m3tui.core import cmdlog, crashlog, files, jsonout, tmp
from m3tui.core.config import load_config, parse_config
from m3tui.core.errors import EXIT_FAILED, EXIT_USAGE, InputError, M3tuiError, UsageError, os_error
from m3tui.core.redact import redact, redact_args, redact_data, redact_env
from m3tui.core.runner import RunResult

SECRET = "s3cr3t-pa55"


# --- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GOPROXY=http://user:s3cr3t-pa55@proxy.corp", "GOPROXY=http://user:***@proxy.corp"),
        ("https://s3cr3t-pa55@github.com/org/repo", "https://***@github.com/org/repo"),
        ("https://u:p@ss:s3cr3t-pa55@h/a", "https://u:***@h/a"),  # a password holding '@'
        ("https://proxy.golang.org,https://a:s3cr3t-pa55@b.corp|direct", "https://proxy.golang.org,https://a:***@b.corp|direct"),
        ("get https://h/x?token=s3cr3t-pa55&page=2", "get https://h/x?token=***&page=2"),
        ("https://h/x?a=1&access_token=s3cr3t-pa55#frag", "https://h/x?a=1&access_token=***#frag"),
        ("https://bucket/o?X-Amz-Signature=s3cr3t-pa55", "https://bucket/o?X-Amz-Signature=***"),
        ("https://h/x?sig=s3cr3t-pa55", "https://h/x?sig=***"),
        ("https://h/x?KEY=s3cr3t-pa55", "https://h/x?KEY=***"),
        ("GOPROXY=bob:s3cr3t-pa55@proxy.corp,direct", "GOPROXY=bob:***@proxy.corp,direct"),  # go's scheme-less form
        ('"GOPROXY": "https://p/x?a=1\\u0026token=s3cr3t-pa55,direct"', '"GOPROXY": "https://p/x?a=1\\u0026token=***,direct"'),
        ('"GOPROXY": "u:s3cr3t-pa55@h|https://a:s3cr3t-pa55@c"', '"GOPROXY": "u:***@h|https://a:***@c"'),
    ],
)
def test_redact_masks_userinfo_and_token_parameters(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert SECRET not in redact(text)


@pytest.mark.parametrize(
    "text",
    ["https://go.dev/dl/?mode=json&include=all", "mail me at gopher@example.com", "git@github.com:org/repo.git",
     "BenchmarkX-8  100  12 ns/op", "key=value outside a URL"],
)  # fmt: skip
def test_redact_leaves_text_without_credentials_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_env_knows_scheme_less_proxy_values() -> None:
    env = {"HTTPS_PROXY": f"bob:{SECRET}@proxy:3128", "all_proxy": f"{SECRET}@proxy:1080", "GOPRIVATE": "corp.com/*"}
    assert redact_env(env) == {"HTTPS_PROXY": "bob:***@proxy:3128", "all_proxy": "***@proxy:1080", "GOPRIVATE": "corp.com/*"}


def test_redact_args_and_data_reach_every_string() -> None:
    args = ["go", "env", "-w", f"GOPROXY=https://u:{SECRET}@h", f"https://t:{SECRET}@h/p"]
    assert SECRET not in " ".join(redact_args(args))
    headers = ["profile", "top", "URL", "--header", f"Authorization: Bearer {SECRET}", f"--header=X-Key:{SECRET}",
               "--header", SECRET]  # fmt: skip
    assert redact_args(headers) == ["profile", "top", "URL", "--header", "Authorization: ***", "--header=X-Key: ***",
                                    "--header", "***"]  # fmt: skip
    data = {"env": {"HTTP_PROXY": f"u:{SECRET}@p:1"}, "urls": [f"https://{SECRET}@h"], "n": 1.5, "ok": True}
    out = redact_data(data)
    assert SECRET not in json.dumps(out) and out["n"] == 1.5 and out["ok"] is True


# --- inputs ------------------------------------------------------------------------------------


def test_open_input_refuses_what_is_not_a_regular_file_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "cpu.pprof"
    os.mkfifo(fifo)  # nobody writes to it: an open without O_NONBLOCK would hang here
    node = tmp_path / "null"
    if os.geteuid() == 0:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    else:
        node = Path("/dev/null")
    for path, kind in ((fifo, "a FIFO"), (tmp_path, "a directory"), (node, "a character device")):
        with pytest.raises(InputError, match=f"is {kind}, not a regular file") as info:
            files.open_input(path, what="profile")
        assert info.value.exit_code == EXIT_USAGE and str(path) in str(info.value)
    with pytest.raises(InputError, match="No such file or directory"):
        files.open_input(tmp_path / "missing")


def test_read_input_refuses_more_than_its_limit_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big"
    with big.open("wb") as f:
        f.truncate(8 << 30)  # 8 GiB, sparse: reading it whole would be the bug
    with pytest.raises(InputError, match="8,589,934,592 bytes is more than the 1,048,576-byte limit"):
        files.read_input(big, limit=1 << 20)
    small = tmp_path / "small"
    small.write_bytes(b"abc")
    assert files.read_input(small, limit=3) == b"abc"


def test_os_error_sorts_input_from_failure() -> None:
    missing = os_error(FileNotFoundError(2, "No such file or directory"), "cpu.out", user_input=True)
    assert isinstance(missing, InputError) and str(missing) == "cannot read cpu.out: No such file or directory"
    denied = os_error(PermissionError(13, "Permission denied"), "/state/h.db", "write")
    assert type(denied) is M3tuiError and denied.exit_code == EXIT_FAILED
    assert str(denied) == "cannot write /state/h.db: Permission denied"


# --- outputs -----------------------------------------------------------------------------------


def test_atomic_write_goes_through_a_symlink_and_keeps_it_a_link(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "export.txt"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "export.txt"
    link.symlink_to(target)
    assert files.atomic_write(link, "new") == target
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's mode is kept
    assert sorted(p.name for p in target.parent.iterdir()) == ["export.txt"]  # no temp file left


def test_atomic_write_refuses_devices_fifos_and_directories_and_leaves_them(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    targets = [fifo, tmp_path / "dir"]
    (tmp_path / "dir").mkdir()
    if os.geteuid() == 0:
        node = tmp_path / "full"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is, made here
        targets.append(node)
    for target in targets:
        before = os.lstat(target)
        with pytest.raises(UsageError, match="not a regular file"):
            files.atomic_write(target, "data")
        after = os.lstat(target)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(t.name for t in targets)


def test_atomic_write_failure_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", no_rename)
    with pytest.raises(M3tuiError, match=r"cannot write .*out.json: No space left on device"):
        files.atomic_write(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


# --- private state -----------------------------------------------------------------------------


def test_command_log_is_private_redacted_and_tightens_old_files(tmp_path: Path) -> None:
    path = cmdlog.commands_path()
    path.parent.mkdir(parents=True)
    path.write_text("")
    os.chmod(path, 0o644)  # what earlier versions made
    os.chmod(path.parent, 0o755)
    result = RunResult(("go",), 0, (f"GOPROXY=https://u:{SECRET}@h",), (f"fetch https://{SECRET}@h/x",), 0.1)
    cmdlog.record_run(["go", "env", f"GOPROXY=https://u:{SECRET}@h"], f"/src/https://{SECRET}@h", 0.0, 0.1, result)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert SECRET not in text and "u:***@h" in text
    assert SECRET not in repr(cmdlog.recent())
    cmdlog.setup_logging()
    import logging

    logging.getLogger("m3tui").warning("fetching https://u:%s@h", SECRET)
    own = cmdlog.own_log_path()
    assert stat.S_IMODE(own.stat().st_mode) == 0o600 and SECRET not in own.read_text()
    for h in list(logging.getLogger("m3tui").handlers):
        logging.getLogger("m3tui").removeHandler(h)
        h.close()


def test_crash_log_is_private_and_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["m3tui", "versions", "list", "--mirror", f"https://u:{SECRET}@m"])
    try:
        raise RuntimeError(f"bug while fetching https://u:{SECRET}@m/dl")
    except RuntimeError:
        where = crashlog.save()
    path = Path(where.removeprefix("details in "))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in path.read_text() and "RuntimeError" in path.read_text()


# --- scratch -----------------------------------------------------------------------------------


def _dead_pid() -> int:
    for pid in range(4_000_000, 3_000_000, -7919):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            continue
    pytest.skip("found no free pid")


def test_scratch_is_private_named_after_its_owner_and_swept_when_the_owner_is_dead() -> None:
    root = tmp.tmp_root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    mine = tmp.make_dir("bench-")
    assert f"-p{os.getpid()}-" in mine.name
    dead = _dead_pid()
    (root / f"bench-p{dead}-x1").mkdir()
    (root / f"bench-p{dead}-x1" / "pkg.test").write_bytes(b"\0" * 1024)
    (root / f"stdin-p{dead}-y2.log").write_text("spooled")
    (root / "unrelated").write_text("not ours to judge")
    removed = tmp.sweep(root)
    assert sorted(p.name for p in removed) == [f"bench-p{dead}-x1", f"stdin-p{dead}-y2.log"]
    assert sorted(p.name for p in root.iterdir()) == sorted([mine.name, "unrelated"])


# --- strict JSON and config --------------------------------------------------------------------


def test_json_output_is_strict() -> None:
    text = jsonout.dumps({"lo": -math.inf, "hi": math.inf, "x": [math.nan, 1.5], "t": (1, 2)})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}")) == {
        "lo": None, "hi": None, "x": [None, 1.5], "t": [1, 2]}  # fmt: skip


def test_logs_lint_is_a_known_table_and_bad_values_name_their_key() -> None:
    config, warnings = parse_config('[logs.lint]\nrequired = ["time"]\n[versions]\nmirror = "ftp://x"\n[logs]\ncolour = 1\n')
    assert config.logs_lint == {"required": ["time"]}
    assert config.go_mirror == "https://go.dev"
    assert warnings == [
        "config.toml: versions.mirror must be an http(s) URL with a host; using https://go.dev",
        "config.toml: unknown key 'logs.colour'; ignored",
    ]


def test_a_config_that_is_a_fifo_or_broken_falls_back_with_a_warning_and_is_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    loaded = load_config(fifo)  # must not block
    assert loaded.config == parse_config("")[0] and "not a regular file" in loaded.warnings[0]
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"theme = [unclosed\n")
    assert "not valid TOML" in load_config(broken).warnings[0]
    assert broken.read_bytes() == b"theme = [unclosed\n"


def test_a_nul_in_a_file_name_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot hold a NUL"):
        files.open_input(f"{tmp_path}/a\0b")
    with pytest.raises(UsageError, match="cannot hold a NUL"):
        files.atomic_write(f"{tmp_path}/a\0b", "x")
    assert list(tmp_path.iterdir()) == []


def test_user_regexps_are_checked_for_catastrophe_and_speak_re2s_posix_classes() -> None:
    from m3tui.core.regexp import RegexpError, compile_safe

    assert compile_safe("[[:alpha:]_]+", "--focus").fullmatch("runtime_mallocgc")
    assert compile_safe("[[:^digit:]]", "--focus").fullmatch("x")
    assert compile_safe(r"(\w+\.)+", "--focus")  # delimited: each iteration ends on its '.'
    for rx, why in (("(a+)+$", "a repetition inside a repetition"), ("[[a]]", "nested set"),
                    (r"\p{L}", "bad escape"), ("(unclosed", r"missing \)")):  # fmt: skip
        with pytest.raises(RegexpError, match=why) as info:
            compile_safe(rx, "--focus")
        assert "\n" not in str(info.value) and info.value.exit_code == EXIT_USAGE


def test_a_catastrophic_lint_pattern_falls_back_to_the_default_with_its_key_named() -> None:
    from m3tui.logs.lint import COMPONENT_PATTERN, parse_lint_table

    config, warnings = parse_lint_table({"component_pattern": "^(a+)+$"})
    assert config.component_pattern == COMPONENT_PATTERN
    assert len(warnings) == 1 and "logs.lint.component_pattern" in warnings[0] and "repetition" in warnings[0]


def test_a_shared_directory_as_state_is_not_closed(tmp_path: Path) -> None:
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)  # what /tmp is
    files.private_dir(sticky)
    assert stat.S_IMODE(sticky.stat().st_mode) == 0o1777
    inner = files.private_dir(sticky / "logs")
    assert stat.S_IMODE(inner.stat().st_mode) == 0o700


def test_a_socket_input_says_what_it_is(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(InputError, match="is a socket, not a regular file"):
            files.open_input(path)


def test_an_output_loop_is_invalid_input(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="Too many levels of symbolic links"):
        files.atomic_write(loop, "x")


def test_bare_credentials_are_masked_wherever_they_appear() -> None:
    assert redact("--mirror 'u:s3cr3t-pa55@127.0.0.1:1': not an http(s) URL") == "--mirror 'u:***@127.0.0.1:1': not an http(s) URL"
    assert redact('"GOINSECURE": "g:s3cr3t-pa55@h"') == '"GOINSECURE": "g:***@h"'
    assert redact("git@github.com:org/repo.git") == "git@github.com:org/repo.git"
