"""The `m3tui` command: the TUI with no subcommand, headless subcommands otherwise.

Exit status: 0 success, 1 a problem was found, 2 bad usage. Errors are one line
on stderr, never a traceback. Textual is imported only when the TUI starts, so
`m3tui --version` and the headless subcommands start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import NoReturn

from . import __version__
from .services import runner, toolchain
from .services.config import load_config

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2

# Subcommands whose services have not landed yet: what each will do.
PLANNED_SUBCOMMANDS = {
    "versions": "install, verify and switch Go versions",
    "bench": "run benchmarks with benchstat-grade statistics",
    "profile": "show pprof profiles and tune profile rates",
    "logs": "follow, filter, search and lint logs",
}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog.split()[0]} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="m3tui",
        description="A keyboard-driven terminal workbench for Go developers on Apple-silicon Macs. "
        "With no command it opens the TUI.",
        epilog="State lives under $M3TUI_HOME (default: the platform's user data directory).",
    )
    parser.add_argument("--version", action="version", version=f"m3tui {__version__}")
    parser.add_argument("--theme", help="Textual theme, e.g. textual-dark, textual-light, ansi-dark")
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal (every action has a key)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    doctor = sub.add_parser("doctor", help="check this machine and its Go toolchain")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.add_argument("--offline", action="store_true", help="skip network checks")

    for name, what in PLANNED_SUBCOMMANDS.items():
        planned = sub.add_parser(name, help=f"{what} (not built yet)")
        planned.add_argument("--json", action="store_true", help="print JSON")
        planned.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return run_tui(args.theme, mouse=not args.no_mouse)
        if args.command == "doctor":
            return doctor(as_json=args.json)
        return planned(args.command, as_json=args.json or "--json" in args.args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    finally:
        # Safety net: whatever ran, no child outlives m3tui.
        runner.kill_all_sync()


def run_tui(theme: str | None, *, mouse: bool = True) -> int:
    from .app import M3tuiApp  # Textual loads only here.

    loaded = load_config()
    app = M3tuiApp(config=loaded, theme=theme)
    if theme is not None and theme not in app.available_themes:
        names = ", ".join(sorted(app.available_themes))
        raise UsageError(f"m3tui: unknown theme {theme!r} (one of: {names})")
    return app.run(mouse=mouse and loaded.config.mouse) or 0


def doctor(*, as_json: bool) -> int:
    """For now: the toolchain facts the header shows. The full doctor fills this in."""
    report = asyncio.run(toolchain.probe())
    problems = [
        fact.value if fact.label == "problem" else f"{fact.label}: {fact.value}"
        for fact in toolchain.report_facts(report)
        if fact.problem
    ]
    if as_json:
        payload = {
            "host": asdict(report.host),
            "go": None
            if report.go is None
            else {"path": str(report.go.path), "resolved": str(report.go.resolved), "is_script": report.go.is_script},
            "version": None if report.version is None else asdict(report.version),
            "env": dict(report.env),
            "problems": problems,
            "checks": "toolchain only: the full doctor is not built yet",
        }
        print(json.dumps(payload, indent=2))
    else:
        for fact in toolchain.report_facts(report):
            print(f"{fact.label:<11} {fact.value}")
        print("(toolchain only: the full doctor is not built yet)")
    return EXIT_PROBLEM if problems else EXIT_OK


def planned(command: str, *, as_json: bool) -> int:
    message = f"m3tui {command}: not built yet; it will {PLANNED_SUBCOMMANDS[command]}"
    if as_json:
        print(json.dumps({"error": message}))
    print(message, file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
