"""The `m3tui` command: the TUI with no subcommand, headless subcommands otherwise.

Exit status, the same for every command (m3tui.core.errors): 0 done, nothing found; 1 done,
problems found; 2 usage or invalid input; 3 the operation failed; 128+N on signal N. An error
is one line on stderr (and, under ``--json``, an error object on stdout), never a traceback;
"internal error" is kept for real bugs, whose traceback goes to the crash log. Textual is
imported only when the TUI starts, so `m3tui --version` and the headless subcommands start fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import os
import signal
import sys
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from m3tui.core import proctree
from m3tui.core.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    M3tuiError,
    UsageError,
)

if TYPE_CHECKING:
    import argparse
    import datetime as dt

T = TypeVar("T")


class RunAsync(Protocol):
    """How a command runs a coroutine to its end: `run_async` below (tests pass their own)."""

    def __call__(self, coro: Coroutine[Any, Any, T], /) -> T: ...


# Seconds a signalled headless run gets to wind down before the process just ends.
EXIT_BACKSTOP = 2.0


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, where SIGTERM/SIGHUP cancel the work (killing its process trees) and exit 128+N."""

    async def main() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def on_signal(signum: int) -> None:
            received.append(signum)
            proctree.kill_all_sync()
            backstop = threading.Timer(EXIT_BACKSTOP, os._exit, args=(128 + signum,))
            backstop.daemon = True
            backstop.start()
            if task is not None:
                task.cancel()

        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await coro
        except asyncio.CancelledError:
            if received:
                raise SystemExit(128 + received[0]) from None
            raise

    return asyncio.run(main())


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    wants_json = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
    try:
        _reopen_closed_std_fds()
        _prepare_layout()
        if not argv:  # plain `m3tui`: the TUI, without building the parser of every command first
            return run_tui(None)
        from m3tui.cli.parser import build_parser, normalize_argv

        try:
            args = build_parser().parse_args(normalize_argv(argv))
        except SystemExit as done:  # --help, --version: printed; the flush is where a full disk shows
            sys.stdout.flush()
            return done.code if isinstance(done.code, int) else 0
        if args.command is None:
            return run_tui(args.theme, mouse=not args.no_mouse)
        if args.theme is not None or args.no_mouse:
            raise UsageError("m3tui: --theme and --no-mouse apply to the TUI, not to a subcommand")
        _show_config_warnings()
        _sweep_scratch()
        code = _subcommand(args)
        sys.stdout.flush()  # a write error (full disk) surfaces here, where it is handled, not at exit
        return code
    except M3tuiError as exc:  # an expected failure: its one line (and the JSON error object)
        return _report(exc, wants_json)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `m3tui … | head`: the reader has all it wanted
        _drop_stdout()
        return 141
    except OSError as exc:  # stdout itself failed (a full disk, a closed pipe): nowhere to say more
        from m3tui.core.errors import strerror

        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(f"m3tui: cannot write output: {strerror(exc)}", file=sys.stderr)
        _drop_stdout()  # what is still buffered would fail again at exit, with a traceback
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, the traceback to a file
        from m3tui.core.redact import redact

        message = redact(f"m3tui: internal error: {type(exc).__name__}: {exc} ({_save_crash()})")
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(message, file=sys.stderr)
        return EXIT_FAILED
    finally:
        # Safety net: whatever ran, no child outlives m3tui.
        proctree.kill_all_sync()


def _report(exc: M3tuiError, wants_json: bool) -> int:
    """Say an expected failure: its line on stderr, and under --json the error object on stdout."""
    from m3tui.core.redact import redact
    from m3tui.core.text import one_line

    message = one_line(redact(str(exc))) or type(exc).__name__
    line = message if message.startswith("m3tui") else f"m3tui: {message}"
    message = line  # the JSON error's message is the very line stderr gets
    try:
        if wants_json and not exc.in_document:
            from m3tui.core.jsonout import dumps_doc

            error = {"code": exc.code, "exit": exc.exit_code, "message": message}
            print(dumps_doc("error", {"error": error}))
            sys.stdout.flush()
        print(line, file=sys.stderr)
    except BrokenPipeError:
        _drop_stdout()
    except (OSError, ValueError, AttributeError):
        _drop_stdout()
    return exc.exit_code


def _reopen_closed_std_fds() -> None:
    """Put /dev/null on a closed fd 0, 1 or 2 (``m3tui … <&-``), so no file m3tui opens lands there."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
    if sys.stdout is None:  # fd 1 was closed: what a command prints fails, and says so (exit 3)
        sys.stdout = _ClosedStdout()
    if sys.stderr is None:  # nowhere to say anything: the exit status is all there is
        with contextlib.suppress(OSError, ValueError):
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):  # an ASCII or Latin-1 terminal gets escapes, not a crash
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


class _ClosedStdout(io.TextIOBase):
    """sys.stdout when fd 1 was closed at start (``m3tui … >&-``): any write fails like one to a closed fd."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("standard output is closed")


def stdin_is_tty() -> bool:
    """Whether stdin is a terminal (False when it is closed: ``sys.stdin`` is then None)."""
    return sys.stdin is not None and _isatty(sys.stdin)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _prepare_layout() -> None:
    """Once: an older m3tui's files moved to the XDG layout (one line on stderr says so), the env
    files rewritten for their new place; the cache dir made (on macOS kept out of Time Machine)."""
    from m3tui.core import layout
    from m3tui.core.text import one_line

    try:
        migration = layout.prepare()
        notice = migration.notice() if migration is not None else None
        if migration is not None and migration.env_moved:
            from m3tui.versions.switch import write_env_files

            write_env_files()
    except (M3tuiError, OSError) as exc:  # what moved stays moved; the next start carries on
        notice = f"m3tui: warning: {one_line(str(exc))}"
    if notice:
        _layout_notices.append(notice.removeprefix("m3tui: "))  # the TUI shows it too
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(notice, file=sys.stderr)


_layout_notices: list[str] = []


def _sweep_scratch() -> None:
    """Remove what killed m3tui processes left in <cache>/tmp (a stat when there is nothing)."""
    from m3tui.core.config import cache_dir

    with contextlib.suppress(M3tuiError, OSError):  # the command that needs the dir will say why
        if (cache_dir() / "tmp").is_dir():  # (is_dir raises when the root cannot be searched)
            from m3tui.core import tmp

            tmp.tmp_root()


def _show_config_warnings() -> None:
    """A headless command says once, on stderr, what in the config file it ignored."""
    from m3tui.core.config import load_config

    warnings = load_config().warnings
    if warnings:
        from m3tui.core.text import one_line

        for warning in warnings:
            print(f"m3tui: warning: {one_line(warning)}", file=sys.stderr)


def _subcommand(args: argparse.Namespace) -> int:
    """Run the command; its module (and through it its feature package) is imported only now."""
    if args.command == "doctor":
        from m3tui.cli import doctor as cli_doctor

        return cli_doctor.run(args, run_async)
    if args.command == "versions":
        from m3tui.cli import versions as cli_versions

        return cli_versions.run(args, run_async)
    if args.command == "bench":
        from m3tui.cli import bench as cli_bench

        return cli_bench.run(args, run_async)
    if args.command == "profile":
        from m3tui.cli import profile as cli_profile

        code = cli_profile.run(args, run_async)
        if code == cli_profile.TUI:
            return run_tui(None, open_profile=Path(args.file))
        return code
    if args.command == "logs":
        from m3tui.cli import logs as cli_logs

        code = cli_logs.run(args, run_async)
        if code == cli_logs.TUI:
            return _run_logs_tui(args.files, merge=not args.no_merge, tz=cli_logs.tz_option(args))
        return code
    if args.command == "completion":
        from m3tui.cli import completion

        return completion.run(args)
    raise UsageError(f"m3tui: unknown command {args.command}")


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush has nowhere to fail."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _save_crash() -> str:
    from m3tui.core import crashlog

    return crashlog.save()


def _run_logs_tui(files: Sequence[str], *, merge: bool = True, tz: dt.tzinfo | None = None) -> int:
    """The Logs pane on the files (several: merged, unless ``merge`` is off); a spool of piped
    stdin is removed however the TUI ends."""
    from m3tui.cli.logs import prespool

    spools: list[Path] = []
    try:
        paths = _log_sources(files, spools)
        prespool(paths)  # .gz/.bz2/.zst into the cache, with progress, before the screen is taken
        return run_tui(None, open_logs=paths, merge_logs=merge, logs_tz=tz)
    finally:
        for spool in spools:
            _stop_live(spool)
            with contextlib.suppress(OSError):
                spool.unlink()


def _stop_live(spool: Path) -> None:
    """The stdin copy into ``spool`` writes nothing more (its daemon thread does not hold up the exit)."""
    from m3tui.logs.livespool import live_spool

    live = live_spool(spool)
    if live is not None:
        live.stop()


def _log_sources(files: Sequence[str], spools: list[Path]) -> list[Path]:
    """The files to open; `-` (piped stdin) is spooled to a file and the keyboard taken from /dev/tty.

    Everything that can refuse is checked before stdin is read, so a refusal leaves no spool.
    """
    from m3tui.core.files import check_input

    paths: list[Path] = []
    for name in files:
        if name != "-":
            paths.append(check_input(Path(name).expanduser(), what="log"))
    if "-" not in files:
        return paths
    if sys.stdin is None or stdin_is_tty():
        raise UsageError("m3tui logs -: nothing is piped in (e.g. go test ./... 2>&1 | m3tui logs -)")
    if sys.stdout is None or not _isatty(sys.stdout):
        raise UsageError("m3tui: the TUI needs a terminal (for scripts: m3tui logs FILE --lint)")
    try:  # like less: the data came on stdin, the keys come from the terminal
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        raise UsageError("m3tui logs -: no terminal to show it on (use m3tui logs - --lint for scripts)") from None
    from m3tui.logs.livespool import start_stdin

    try:  # the pipe copied into a spool by a thread as it comes: the pane follows it live
        spool = start_stdin(os.dup(sys.stdin.fileno())).path
        spools.append(spool)
        os.dup2(tty, sys.stdin.fileno())
    finally:
        os.close(tty)
    return [spool if name == "-" else paths.pop(0) for name in files]


def run_tui(
    theme: str | None, *, mouse: bool = True, open_logs: list[Path] | None = None, open_profile: Path | None = None,
    merge_logs: bool = True, logs_tz: dt.tzinfo | None = None,
) -> int:
    if not stdin_is_tty() or sys.stdout is None or not _isatty(sys.stdout):
        raise UsageError("m3tui: the TUI needs a terminal (for scripts: m3tui doctor --json, …)")
    import gc

    gc.disable()  # until the first paint (M3tuiApp._after_first_paint): collections of Textual's new objects cost ~20 ms of it
    from m3tui.core.config import load_config
    from m3tui.tui.app import M3tuiApp  # Textual loads only here.

    loaded = load_config()
    if _layout_notices:
        from dataclasses import replace

        loaded = replace(loaded, warnings=(*_layout_notices, *loaded.warnings))
    app = M3tuiApp(config=loaded, theme=theme, open_logs=open_logs, open_profile=open_profile, own_log=True,
                   merge_logs=merge_logs, logs_tz=logs_tz)  # fmt: skip
    if theme is not None and theme not in app.available_themes:
        names = ", ".join(sorted(app.available_themes))
        raise UsageError(f"m3tui: unknown theme {theme!r} (one of: {names})")
    return app.run(mouse=mouse and loaded.config.mouse) or 0


if __name__ == "__main__":
    sys.exit(main())
