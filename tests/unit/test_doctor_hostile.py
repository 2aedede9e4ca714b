"""The doctor against hostile input, in this process: PATH entries that cannot be searched, FIFOs
where it reads files, a go printing garbage, secrets in every form, a broken state root, a
check that overruns the deadline, a shared probe failing after its checks stopped. (The real
`m3tui doctor` against the same, and a real hanging go: tests/integration/test_doctor_hostile.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import json
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from m3tui.core import toolchain
from m3tui.core.errors import EXIT_FAILED, M3tuiError
from m3tui.doctor import checks_go, drift, run
from m3tui.doctor.model import DoctorContext, Finding, Group, Status
from m3tui.doctor.run import run_doctor

from tests.appkit import write_executable

# One distinct password per form, so a leak names its form.
PASSWORD = "hunter2-GoProxyPw"
TOKEN = "ghp_TokenAloneAsUser42"
QUERY = "QueryTok3nValue99"
SUMDB_PW = "SumdbPassw0rd77"
BARE_PW = "BareListPassw0rd"
BARE_TOKEN = "BareTok3nOnly123"
PROXY_PW = "ProxyPassw0rd55"
FLAGS_PW = "FlagsPassw0rd66"
ALL_SECRETS = (PASSWORD, TOKEN, QUERY, SUMDB_PW, BARE_PW, BARE_TOKEN, PROXY_PW, FLAGS_PW)

HOSTILE_ENV = {
    "GOPROXY": (
        f"http://user:{PASSWORD}@proxy.example:8080,https://{TOKEN}@p2.example|https://p3.example/x?a=1&token={QUERY},direct"
    ),
    "GOSUMDB": f"sum.golang.org https://u:{SUMDB_PW}@sumdb.example",
    "GOFLAGS": f"-ldflags=-X=main.url=https://x:{FLAGS_PW}@h.example",
    "HTTPS_PROXY": f"pxuser:{PROXY_PW}@proxy.example:3128",  # scheme-less, as Go accepts it
}


def everything(finding: Finding) -> str:
    """Every text of a finding, data included, as one string to search."""
    return json.dumps([finding.summary, finding.detail, finding.fix, finding.data])


# --- secrets ------------------------------------------------------------------------------------


def test_a_finding_masks_url_credentials_in_every_field() -> None:
    finding = Finding(
        "go.env.goproxy", Group.GO, Status.OK,
        f"GOPROXY={HOSTILE_ENV['GOPROXY']}",
        f"GOSUMDB={HOSTILE_ENV['GOSUMDB']}\nGOFLAGS={HOSTILE_ENV['GOFLAGS']}",
        f"curl https://user:{PASSWORD}@proxy.example/",
        {"GOPROXY": HOSTILE_ENV["GOPROXY"], "nested": [{"url": f"https://{TOKEN}@h"}], "n": 3, "none": None},
    )  # fmt: skip
    text = everything(finding)
    for secret in (PASSWORD, TOKEN, QUERY, SUMDB_PW, FLAGS_PW):
        assert secret not in text, secret
    assert "http://user:***@proxy.example:8080" in finding.summary
    assert "https://***@p2.example" in finding.summary
    assert finding.data["n"] == 3 and finding.data["none"] is None


def test_a_finding_escapes_control_characters() -> None:
    finding = Finding("go.path", Group.GO, Status.ERROR, "go said \x1b]0;PWNED\x07\x1b[31mred\nsecond line",
                      "line one\n\tline two \x9b", "", {"error": "\x1b[2J"})  # fmt: skip
    assert "\x1b" not in finding.summary + finding.detail and "\x07" not in finding.summary and "\x9b" not in finding.detail
    assert finding.summary == "go said \\x1b]0;PWNED\\x07\\x1b[31mred\\x0asecond line"
    assert finding.detail == "line one\n\\x09line two \\u009b"  # lines kept, each escaped (core.text.one_line)
    assert finding.data["error"] == "\x1b[2J"  # data is for JSON, which escapes it itself


async def test_run_doctor_masks_the_bare_forms_of_the_contexts_settings(tmp_path: Path) -> None:
    """``GOPROXY=user:pw@host`` (go adds https://) and ``HTTPS_PROXY=tok@proxy:3128`` are no URLs
    to core.redact: the context knows them from its settings and masks them in any text."""
    env = {"PATH": "", "GOPROXY": f"bare:{BARE_PW}@p4.example,{BARE_TOKEN}@p5.example,direct",
           "HTTPS_PROXY": f"{BARE_TOKEN}@proxy.example:3128", "GONOSUMDB": "corp.example/*"}  # fmt: skip

    async def check_quote(ctx: DoctorContext) -> list[Finding]:
        quoted = f"GOPROXY={ctx.env['GOPROXY']} via {ctx.env['HTTPS_PROXY']}"
        return [Finding("go.quote", Group.GO, Status.WARN, quoted, quoted, quoted, {"GOPROXY": ctx.env["GOPROXY"], "list": [quoted]})]

    (finding,) = await run_doctor(DoctorContext(env=env, cwd=tmp_path), None, [(Group.GO, check_quote)])
    text = everything(finding)
    assert BARE_PW not in text and BARE_TOKEN not in text
    assert finding.summary == "GOPROXY=bare:***@p4.example,***@p5.example,direct via ***@proxy.example:3128"
    assert "corp.example/*" not in text  # not quoted: nothing else was touched
    assert json.loads(json.dumps(finding.data))["GOPROXY"] == "bare:***@p4.example,***@p5.example,direct"


def test_masking_leaves_ordinary_text_alone(tmp_path: Path) -> None:
    ctx = DoctorContext(env={"GOPROXY": "u:ab@p.example", "GOPRIVATE": "about.example", "PATH": ""}, cwd=tmp_path)
    finding = ctx.mask(Finding("x", Group.GO, Status.OK, "about tabs: u:ab@p.example, GOPRIVATE=about.example"))
    # The short password alone is not masked (it would garble words); its userinfo@ form is.
    assert finding.summary == "about tabs: u:***@p.example, GOPRIVATE=about.example"


# --- PATH entries that cannot be searched -------------------------------------------------------


def test_path_entries_that_cannot_be_searched_are_skipped_and_listed(tmp_path: Path) -> None:
    """Real OSErrors other than "not there": a name too long, a symlink loop. Path.is_file()
    raised the first (it only swallows ENOENT, ENOTDIR, EBADF, ELOOP)."""
    too_long = str(tmp_path / ("x" * 300))
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    good = tmp_path / "good"
    good.mkdir()
    write_executable(good / "go", "#!/bin/sh\nexit 0\n")
    (tmp_path / "noexec").mkdir()
    (tmp_path / "noexec" / "go").write_text("")
    scan = toolchain.scan_path(os.pathsep.join([too_long, str(loop), str(tmp_path / "noexec"), "", str(good), str(good)]))
    assert [g.path for g in scan.gos] == [good / "go"]
    assert scan.not_executable == [str(tmp_path / "noexec" / "go")]
    assert [entry for entry, _ in scan.unsearchable] == [too_long, str(loop)]
    assert [why for _, why in scan.unsearchable] == [os.strerror(errno.ENAMETOOLONG), os.strerror(errno.ELOOP)]
    with pytest.raises(OSError, match="File name too long"):
        (Path(too_long) / "go").is_file()  # what the doctor used to call


async def test_an_unsearchable_path_entry_is_a_warning_not_five_crashes(tmp_path: Path) -> None:
    too_long = str(tmp_path / ("y" * 300))
    ctx = DoctorContext(env={"PATH": too_long}, cwd=tmp_path, offline=True)
    findings = await run_doctor(ctx, None, [(Group.GO, c) for c in checks_go.GO_CHECKS])
    assert [f.id for f in findings if f.status is Status.CRASHED] == []
    path = next(f for f in findings if f.id == "go.path")
    assert path.status is Status.ERROR and path.summary == "no go on PATH (1 PATH entries cannot be searched)"
    assert f"{too_long}: cannot be searched (File name too long), skipped" in path.detail
    assert path.data["unsearchable"] == [{"entry": too_long, "error": "File name too long"}]


# --- files the doctor reads: a FIFO never blocks it ---------------------------------------------


def returns_promptly(fn: Callable[[], Any], fifo: Path, seconds: float = 5.0) -> Any:
    """``fn()``'s result; fails (after unblocking the reader with a writer) if it blocks on ``fifo``."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # EOF for the blocked reader
        worker.join(seconds)
        pytest.fail(f"blocked reading the FIFO {fifo}")
    return out[0]


def test_fifos_where_the_doctor_reads_files_do_not_block(tmp_path: Path) -> None:
    goroot = tmp_path / "goroot"
    goroot.mkdir()
    os.mkfifo(goroot / "VERSION")
    os.mkfifo(goroot / "go.env")
    module = tmp_path / "mod" / "sub"
    module.mkdir(parents=True)
    os.mkfifo(module.parent / "go.mod")
    assert returns_promptly(lambda: checks_go._version_file(str(goroot)), goroot / "VERSION") is None
    assert returns_promptly(lambda: checks_go._setting_from_file(goroot / "go.env", "GOTOOLCHAIN"), goroot / "go.env") is None
    assert returns_promptly(lambda: checks_go.module_files(module), module.parent / "go.mod") == {}


async def test_a_goenv_fifo_is_said_at_once_without_running_go(tmp_path: Path) -> None:
    """go reads the GOENV file whole before anything: on a FIFO it waits forever. The doctor says
    so instead of waiting out its deadline (and starts no process: this is a unit test)."""
    (tmp_path / "bin").mkdir()
    write_executable(tmp_path / "bin" / "go", "#!/bin/sh\nsleep 1000\n")
    os.mkfifo(tmp_path / "goenv")
    ctx = DoctorContext(env={"PATH": str(tmp_path / "bin"), "GOENV": str(tmp_path / "goenv")}, cwd=tmp_path)
    started = time.monotonic()
    version, why = await checks_go.version_probe(ctx)
    env, env_why = await checks_go.go_env_probe(ctx)
    assert version is None and env == {}
    assert why == env_why == f"{tmp_path / 'goenv'} is a FIFO: go would wait forever reading its settings there"
    assert time.monotonic() - started < 1.0


def test_go_env_json_nested_too_deep_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deep"):
        toolchain.parse_go_env_json("[" * 100_000 + "]" * 100_000)


def test_one_line_escapes_and_masks() -> None:
    assert toolchain.one_line(f"\x1b[31mgo: https://u:{PASSWORD}@h failed\nmore") == "\\x1b[31mgo: https://u:***@h failed"


# --- the baseline: private state, clear failures ------------------------------------------------


def test_save_baseline_into_a_state_root_that_is_a_file_fails_with_the_path(tmp_path: Path) -> None:
    root = tmp_path / "home"
    root.write_text("not a directory")
    with pytest.raises(M3tuiError) as caught:
        drift.save_baseline({"go_env": {}}, root / drift.BASELINE_FILE)
    assert caught.value.exit_code == EXIT_FAILED  # the operation failed: not usage, not "cannot write output"
    assert str(caught.value) == f"cannot use {root}: it exists and is not a directory"
    with pytest.raises(M3tuiError) as caught:
        drift.save_baseline({"go_env": {}}, root / "sub" / drift.BASELINE_FILE)
    assert str(caught.value) == f"cannot create {root / 'sub'}: Not a directory"


def test_save_baseline_over_a_directory_is_a_failure_not_usage(tmp_path: Path) -> None:
    (tmp_path / drift.BASELINE_FILE).mkdir()
    with pytest.raises(M3tuiError) as caught:
        drift.save_baseline({}, tmp_path / drift.BASELINE_FILE)
    assert caught.value.exit_code == EXIT_FAILED and "it is a directory, not a regular file" in str(caught.value)


def test_save_baseline_is_private_and_tightens_an_old_world_readable_one(tmp_path: Path) -> None:
    root = tmp_path / "state"
    root.mkdir(mode=0o755)
    old = root / drift.BASELINE_FILE
    old.write_text("{}")
    old.chmod(0o644)
    written = drift.save_baseline({"go_env": {"GOPROXY": "https://user:***@h"}}, old)
    assert written == old
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and stat.S_IMODE(root.stat().st_mode) == 0o700
    assert json.loads(old.read_text())["snapshot"]["go_env"]["GOPROXY"] == "https://user:***@h"
    assert [p.name for p in root.iterdir()] == [drift.BASELINE_FILE]  # no temporary file left


async def test_an_old_baseline_with_a_secret_is_tightened_and_its_secret_not_shown(tmp_path: Path, m3tui_home: Path) -> None:
    old = m3tui_home / drift.BASELINE_FILE
    old.write_text(json.dumps({"schema": 1, "snapshot": {"go_env": {"GOPROXY": f"bare:{BARE_PW}@p.example,https://u:{PASSWORD}@h"}}}))
    old.chmod(0o644)
    (finding,) = await drift.check_drift(DoctorContext(env={"PATH": ""}, cwd=tmp_path))
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert finding.status is Status.WARN and "changes since the baseline" in finding.summary
    text = everything(finding)
    assert BARE_PW not in text and PASSWORD not in text
    assert "go_env.GOPROXY: 'bare:***@p.example,https://u:***@h' -> ''" in finding.detail


@pytest.mark.parametrize("make", ["fifo", "deep", "not-an-object", "huge"])
async def test_a_baseline_that_is_no_baseline_is_a_warning(tmp_path: Path, m3tui_home: Path, make: str) -> None:
    path = m3tui_home / drift.BASELINE_FILE
    if make == "fifo":
        os.mkfifo(path)
    elif make == "deep":
        path.write_text('{"snapshot": ' + "[" * 50_000 + "]" * 50_000 + "}")
    elif make == "not-an-object":
        path.write_text('{"snapshot": [1, 2]}')
    else:
        with path.open("wb") as f:
            f.truncate(drift.BASELINE_LIMIT + 1)
    ctx = DoctorContext(env={"PATH": ""}, cwd=tmp_path)
    (finding,) = returns_promptly(lambda: asyncio.run(drift.check_drift(ctx)), path)
    assert finding.status is Status.WARN and finding.summary.startswith("the baseline is unreadable: ")
    assert str(path) in finding.summary


# --- the deadline and the tasks -----------------------------------------------------------------


async def test_a_check_overrunning_the_deadline_is_stopped_and_said(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(run, "GRACE", 0.2)
    stopped = asyncio.Event()

    async def check_stuck(ctx: DoctorContext) -> list[Finding]:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()
        return []

    async def check_fine(ctx: DoctorContext) -> list[Finding]:
        return [Finding("go.fine", Group.GO, Status.OK, "fine")]

    started = time.monotonic()
    findings = await run_doctor(DoctorContext(cwd=tmp_path), None, [(Group.GO, check_stuck), (Group.GO, check_fine)], deadline=0.3)
    took = time.monotonic() - started
    assert 0.5 <= took < 1.5 and stopped.is_set()
    stuck = next(f for f in findings if f.id == "go.stuck")
    assert stuck.status is Status.ERROR and stuck.summary.startswith("the stuck check did not finish in 0.")
    assert any(f.id == "go.fine" for f in findings)


async def test_time_left_shrinks_every_timeout_to_the_deadline(tmp_path: Path) -> None:
    ctx = DoctorContext(cwd=tmp_path)
    assert ctx.time_left(20.0) == 20.0  # no deadline yet: the command's own timeout
    ctx.deadline = time.monotonic() + 5.0
    assert 4.5 < ctx.time_left(20.0) <= 5.0 and ctx.time_left(3.0) == 3.0
    ctx.deadline = time.monotonic() - 1.0
    assert ctx.time_left(20.0) == 0.1  # past it: the shortest, never 0 or negative


async def test_a_shared_probe_failing_after_its_checks_stopped_is_not_never_retrieved(tmp_path: Path) -> None:
    """The five "Task exception was never retrieved" tracebacks: a shared probe's task failing
    with nobody left awaiting it. Its failure is collected, whoever is (not) left."""
    reported: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
    ctx = DoctorContext(cwd=tmp_path)
    gate = asyncio.Event()

    async def probe() -> None:
        await gate.wait()
        raise PermissionError(13, "Permission denied")

    waiter = asyncio.ensure_future(ctx.shared("probe", probe))
    await asyncio.sleep(0)
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter
    gate.set()
    await asyncio.sleep(0.05)
    assert ctx._memo["probe"].done()
    ctx._memo.clear()
    gc.collect()
    await asyncio.sleep(0)
    assert reported == []


# --- network errors -----------------------------------------------------------------------------


def test_a_network_error_is_one_line_without_credentials() -> None:
    import httpx

    from m3tui.doctor.netprobe import describe_error

    wrapped = ExceptionGroup("unhandled errors in a TaskGroup (1 sub-exception)", [OverflowError("connect(): port must be 0-65535.")])
    assert describe_error(wrapped, 3.0) == "OverflowError: connect(): port must be 0-65535."
    leaky = httpx.ProxyError(f"407 for http://pxuser:{PROXY_PW}@proxy.example:3128 and https://{TOKEN}@h/?sig={QUERY}")
    said = describe_error(leaky, 3.0)
    assert PROXY_PW not in said and TOKEN not in said and QUERY not in said
    assert said == "proxy error: 407 for http://pxuser:***@proxy.example:3128 and https://***@h/?sig=***"


def test_a_go_version_with_control_characters_is_shown_without_them() -> None:
    """The status line shows the version as go printed it: a hostile go's escape sequence is not passed on."""
    assert toolchain.parse_go_version("go version go1.22\x1b]0;PWNED\x07 linux/amd64").version == "go1.22\\x1b]0;PWNED\\x07"
