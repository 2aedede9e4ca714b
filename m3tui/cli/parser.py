"""The command line's grammar: every command, action and flag of `m3tui`, in one place.

Only argparse is imported here. `m3tui --help`, `--version` and bad usage are answered from this
module alone; main.py imports a command's module (and that module its feature package) only
when the command runs. Even here, a command's flags (and its actions' flags) are added only when
argparse meets that command on the command line (`LazySubparsers`): building the parsers of every
command took ~11 ms of `m3tui doctor`'s start, the top level and the doctor's ~4 ms.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from m3tui import __version__
from m3tui.core.errors import EXIT_CODES_HELP, UsageError

#: `bench`'s actions; `m3tui bench [PKG] …` means `m3tui bench run [PKG] …`.
BENCH_ACTIONS = ("run", "compare", "history")
NO_WAIT_HELP = "if another m3tui run (bench, profile capture or tune) is measuring, fail (exit 3) instead of waiting"
BENCH_HISTORY_ACTIONS = ("list", "show", "delete", "export", "rerun")
#: `profile`'s actions; `m3tui profile FILE` means `m3tui profile open FILE`.
PROFILE_ACTIONS = ("top", "open", "capture", "tune", "list", "export", "watch", "peek", "traces", "captured")


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit status 2 (a UsageError).

    Every command's --help ends with the exit-code contract (core.errors), unless it has its own epilog.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """As argparse's, but a failed write (a full disk, a closed stdout) is not swallowed: exit 3."""
        if message:
            (file or sys.stderr).write(message)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog.split()[0]} --help)")

    def format_help(self) -> str:
        """argparse's help, then this command's examples (m3tui/cli/examples.py: read only for --help)."""
        from m3tui.cli.examples import examples_of

        lines = examples_of(self.prog)
        if not lines:
            return super().format_help()
        head = "example:" if len(lines) == 1 else "examples:"
        return super().format_help() + f"\n{head}\n" + "".join(f"  {line}\n" for line in lines)


if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    _SubParsers = argparse._SubParsersAction[Parser]
else:  # argparse's class is not generic at run time
    _SubParsers = argparse._SubParsersAction


class LazySubparsers(_SubParsers):
    """Subcommands whose arguments are added when argparse meets the command's name.

    `add_command` registers a name with its help and description (all that `--help` one level
    up shows) and the function that adds its arguments; argparse calls this action with the
    name it matched, and only then is that function run, once. Whatever the command line,
    argparse parses it exactly as if every command had been built up front.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Callable[[Parser], None]] = {}

    def add_command(self, name: str, add_arguments: Callable[[Parser], None], **kwargs: Any) -> None:
        self.add_parser(name, **kwargs)
        self._pending[name] = add_arguments

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if isinstance(values, Sequence) and values and (add := self._pending.pop(str(values[0]), None)):
            add(self.choices[str(values[0])])
        super().__call__(parser, namespace, values, option_string)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="m3tui",
        description="A keyboard-driven terminal workbench for Go developers on Apple-silicon Macs. "
        "With no command it opens the TUI.",
        epilog="Files: ~/.config/m3tui, ~/.local/share/m3tui, ~/.cache/m3tui (XDG_CONFIG_HOME, XDG_DATA_HOME, "
        "XDG_CACHE_HOME honoured), or all of them under $M3TUI_HOME when set. "
        "Exit status, for every command: 0 done, nothing found; 1 done, problems found (doctor errors, "
        "lint violations); 2 usage or invalid input; 3 the operation failed (I/O, network, permissions, "
        "corrupt state); 128+N ended by signal N. With --json an error is "
        '{"schema": 1, "error": {"code", "exit", "message"}} on stdout, and one line on stderr. '
        "JSON output is strict: numbers JSON cannot hold (NaN, infinities) are null. "
        "Credentials in URLs are shown as user:***.",
    )
    parser.add_argument("--version", action="version", version=f"m3tui {__version__}")
    parser.add_argument("--theme", help="Textual theme, e.g. textual-dark, textual-light, ansi-dark")
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal (every action has a key)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", action=LazySubparsers, parser_class=Parser)
    assert isinstance(sub, LazySubparsers)
    # A command's actions (bench run, versions list, …) are Parsers too: add_subparsers makes
    # them of the class of the parser it is called on.
    sub.add_command("doctor", add_doctor, help="check this machine and its Go toolchain")
    sub.add_command("versions", add_versions, help="install, verify and switch Go versions")
    sub.add_command(
        "bench", add_bench,
        help="run Go benchmarks with live statistics; compare runs; the run history",
        description="m3tui bench [PKG] [options] runs benchmarks (the `run` action); "
        "m3tui bench compare A B; m3tui bench history.",
    )  # fmt: skip
    sub.add_command(
        "profile", add_profile,
        help="pprof profiles: top, capture from a benchmark, tune sampling rates",
        description="m3tui profile FILE opens it in the Profiles pane (its top when not in a terminal).",
    )  # fmt: skip
    sub.add_command(
        "logs", add_logs,
        help="follow, filter, search and lint logs (files, .gz, - for stdin)",
        description="Open the Logs pane on FILEs (default: the commands m3tui ran), or lint one with --lint.",
    )  # fmt: skip
    sub.add_command(
        "completion", add_completion,
        help="print the tab-completion script for zsh, bash or fish (static: no Python runs per tab)",
        description="Prints a script generated from this parser with shtab; install it once (README: Completions).",
    )  # fmt: skip
    return parser


def build_full_parser() -> argparse.ArgumentParser:
    """The parser with every command's arguments added (not lazily): for completions and the --help test."""
    parser = build_parser()
    todo: list[argparse.ArgumentParser] = [parser]
    while todo:
        for action in todo.pop()._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending = getattr(action, "_pending", {})
                for name, child in action.choices.items():
                    if add := pending.pop(name, None):
                        add(child)
                    todo.append(child)
    return parser


def add_completion(completion: Parser) -> None:
    completion.add_argument("shell", choices=("zsh", "bash", "fish"), help="the shell to complete for")


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Insert the default action: `bench [PKG] …` is `bench run [PKG] …`, `profile FILE` is `profile open FILE`."""
    argv = _default_action(argv, "bench", BENCH_ACTIONS, "run", when_empty=True)
    argv = _bench_run_tail(argv)
    argv = _versions_exec_tail(argv)
    return _default_action(argv, "profile", PROFILE_ACTIONS, "open", when_empty=False)


#: The hidden option each test binary flag after `bench run … --` becomes (`_bench_run_tail`).
TEST_FLAG_OPTION = "--test-flag"


class _TestFlag(argparse.Action):
    """Appends one test binary flag; argparse hands a word that is exactly `--` over as [] (it drops `--`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        flags = list(getattr(namespace, self.dest, None) or [])
        flags.append(values if isinstance(values, str) else "--")
        setattr(namespace, self.dest, flags)


def _bench_run_tail(argv: list[str]) -> list[str]:
    """`bench run … -- FLAGS`: each word after `--` becomes `--test-flag=WORD`, so options may come
    anywhere (before PKG, after it, after the `--` part's start) and argparse never sees the `--`."""
    try:
        at = argv.index("bench")
    except ValueError:
        return argv
    if any(not a.startswith("-") for a in argv[:at]) or argv[at + 1 : at + 2] != ["run"] or "--" not in argv[at + 2 :]:
        return argv
    dashes = argv.index("--", at + 2)
    return [*argv[:dashes], *(f"{TEST_FLAG_OPTION}={word}" for word in argv[dashes + 1 :])]


#: The hidden option each word of the command after `versions exec … --` becomes.
EXEC_WORD_OPTION = "--exec-word"


def _versions_exec_tail(argv: list[str]) -> list[str]:
    """`versions exec [VERSION] -- CMD…`: the words after `--` become `--exec-word=WORD` (as `bench run`'s)."""
    try:
        at = argv.index("versions")
    except ValueError:
        return argv
    if any(not a.startswith("-") for a in argv[:at]) or argv[at + 1 : at + 2] != ["exec"] or "--" not in argv[at + 2 :]:
        return argv
    dashes = argv.index("--", at + 2)
    return [*argv[:dashes], *(f"{EXEC_WORD_OPTION}={word}" for word in argv[dashes + 1 :])]


def _default_action(argv: Sequence[str], command: str, actions: Sequence[str], default: str, *, when_empty: bool) -> list[str]:
    argv = list(argv)
    try:
        at = argv.index(command)
    except ValueError:
        return argv
    if any(not a.startswith("-") for a in argv[:at]):
        return argv  # the word is an argument of something else
    rest = argv[at + 1 :]
    if (not rest and when_empty) or (rest and rest[0] not in actions and rest[0] not in ("-h", "--help")):
        argv.insert(at + 1, default)
    return argv


# --- doctor --------------------------------------------------------------------------------


def add_doctor(doctor: Parser) -> None:
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.add_argument("--offline", action="store_true", help="skip network checks")
    doctor.description = ("Every check at once, 20 s at most: a go that hangs is stopped then, and said to be. "
                          "Credentials in URLs are masked in text, JSON and the baseline.")
    doctor.add_argument("--save-baseline", action="store_true", help=(
        "record this environment (credentials masked) in $M3TUI_HOME/doctor-baseline.json, 0600; later runs list "
        "what changed; if it cannot be written, the findings print, then one line, exit 3"))
    doctor.add_argument("-v", "--verbose", action="store_true", help="show the detail of every check")
    doctor.add_argument("--fix", action="store_true", help=(
        "offer the fixes m3tui can make and undo (go env -w/-u, a line in an rc file, kept as <rc>.bak), one at a "
        "time, the exact change shown first; apply what is confirmed, then check again"))
    doctor.add_argument("--yes", action="store_true", help="with --fix: apply every fix offered without asking (needed without a terminal)")
    doctor.add_argument("--undo", action="store_true", help=(
        "revert the last --fix run's changes exactly; refused, nothing changed, when a file was edited since"))


# --- versions ------------------------------------------------------------------------------


def add_versions(versions: Parser) -> None:
    vsub = versions.add_subparsers(dest="versions_command", metavar="ACTION", required=True)

    lst = vsub.add_parser("list", help="installed versions (all managers); --remote for go.dev's releases")
    lst.add_argument("--remote", action="store_true", help="list releases from the download index")
    lst.add_argument("--all", action="store_true", help="with --remote: include rc/beta releases")
    lst.add_argument("--sizes", action="store_true", help="also measure each installation's size (slower)")
    _versions_common(lst, mirror=True)

    inst = vsub.add_parser("install", help="download, verify and install a version (1.22.10, 1.22, latest)")
    inst.add_argument("version", nargs="?", help="default: what this directory pins (.go-version, .tool-versions, mise.toml)")
    inst.add_argument("--arch", help="GOARCH of the archive (default: this machine's hardware)")
    inst.add_argument("--os", dest="goos", help="GOOS of the archive (default: this machine's)")
    inst.add_argument("--no-default-packages", action="store_true", help="do not go install the default-go-packages file's tools")
    _versions_common(inst, mirror=True)

    tools = vsub.add_parser("default-packages", help="go install the default-go-packages file's tools into a version's gobin")
    tools.add_argument("version", nargs="?", help="an installed version (default: what this directory pins, else the global one)")
    _versions_common(tools)

    use = vsub.add_parser("use", help="make an installed version current (atomic switch)")
    use.add_argument("version", help="an installed version, e.g. 1.22.10; or bundled: the go of m3tui's [go] extra")
    use.add_argument("--export-goroot", action="store_true", help="also export GOROOT in the env files (not needed)")
    use.add_argument("--here", action="store_true", help="pin it for this directory instead (writes .go-version, as project --set)")
    _versions_common(use)

    ex = vsub.add_parser("exec", help="run one command with a version first on PATH (default: what this directory pins)")
    ex.usage = "m3tui versions exec [VERSION] -- CMD [ARG…]"
    ex.description = ("For make, IDEs, CI and scripts (no prompt hook runs there): CMD runs in m3tui's place with the "
                      "version's bin first on PATH and GOROOT set; its exit status is m3tui's (127: CMD not found).")
    ex.add_argument("version", nargs="?", help="an installed version (default: what this directory pins, else the current one)")
    ex.add_argument("stray", nargs="*", help=argparse.SUPPRESS)  # a command without `--`: said by the command
    ex.add_argument(EXEC_WORD_OPTION, dest="exec_argv", action=_TestFlag, default=[], help=argparse.SUPPRESS)

    rm = vsub.add_parser("remove", help="remove a version from m3tui's store")
    rm.add_argument("version", help="an installed version of m3tui's store")
    rm.add_argument("--force", action="store_true", help="remove even the current version")
    _versions_common(rm)

    prune = vsub.add_parser("prune", help="remove older patch releases, keeping the newest of each line")
    prune.add_argument("--keep", type=int, default=1, help="patch releases to keep per minor line (default 1)")
    _versions_common(prune)

    cur = vsub.add_parser("current", help="what go runs here, and why")
    _versions_common(cur)

    env = vsub.add_parser("env", help="print the shell lines that put the current version on PATH")
    env.add_argument("--shell", choices=["zsh", "bash", "fish"], required=True, help="the shell whose syntax to print")
    env.add_argument(
        "--add-to-rc", action="store_true",
        help="append the one `source` line to the shell's rc file (a .bak copy is kept; never done otherwise)",
    )  # fmt: skip

    proj = vsub.add_parser("project", help="show or set this directory's Go version")
    proj.add_argument("--set", dest="set_version", metavar="VERSION", help="pin VERSION for this directory")
    proj.add_argument("--how", choices=["go-version", "tool-versions", "toolchain"], default="go-version",
                      help="with --set: write .go-version (default), .tool-versions, or go.mod's toolchain line")  # fmt: skip
    _versions_common(proj)


def _versions_common(parser: argparse.ArgumentParser, *, mirror: bool = False) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    if mirror:
        parser.add_argument("--mirror", help="download site with go.dev's layout, http(s) only (e.g. https://golang.google.cn)")
        parser.add_argument("--offline", action="store_true", help="use the cached index only")


# --- bench ---------------------------------------------------------------------------------


def add_bench(bench: Parser) -> None:
    bsub = bench.add_subparsers(dest="bench_command", metavar="ACTION", required=True)

    run = bsub.add_parser("run", help="run go test -bench with live statistics (the default action)")
    run.usage = "m3tui bench [run] [PKG] [options] [-- -test.flags…]"
    run.description = ("Options may come before or after PKG; every word after -- goes to the test binary as it is "
                       "(e.g. m3tui bench . --count 5 -- -test.benchmem -test.benchtime 100x).")
    run.add_argument("package", nargs="?", default=".", metavar="PKG", help="directory or import path (default: .)")
    run.add_argument("stray", nargs="*", help=argparse.SUPPRESS)  # a second package: refused by name
    run.add_argument(TEST_FLAG_OPTION, dest="extra", action=_TestFlag, default=[], help=argparse.SUPPRESS)
    run.add_argument("--bench", default=".", metavar="RE", help="which benchmarks (default: all)")
    run.add_argument("--cpu", metavar="LIST",
                     help="GOMAXPROCS values, e.g. 1,2,4 (default: 1, 2, 4, … up to the core count, "
                     "plus the performance-core count on Apple silicon)")  # fmt: skip
    run.add_argument("--count", type=int, default=10, help="samples per benchmark (default 10; 6+ gives an interval)")
    run.add_argument("--benchtime", metavar="T", help="per sample: a duration (1s, 1m30s) or iterations (100x), as go test takes it")
    run.add_argument("--benchmem", action="store_true", help="also measure B/op and allocs/op")
    run.add_argument("--timeout", default="10m", metavar="D", help="give up on a run after D (go duration; 0: never; default 10m)")
    run.add_argument("--go", action="append", default=[], metavar="GO",
                     help="run with this Go: an installed version (1.22.10) or the path of a go binary; "
                          "twice: compare two, interleaved A B A B")  # fmt: skip
    run.add_argument("--rev", action="append", default=[], metavar="REV",
                     help="compare git revision REV (a branch, tag or commit) with the working tree, "
                          "interleaved A B A B, each built in a temporary worktree; twice: REV A with REV B")  # fmt: skip
    run.add_argument("--holm", action="store_true", help="Holm-Bonferroni-adjust the p-values of an A/B comparison")
    run.add_argument("--json", action="store_true", help="print JSON: raw samples, median and interval per unit")
    run.add_argument("--no-save", action="store_true", help="do not record the run in the history")
    run.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)
    run.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    cmp = bsub.add_parser("compare", help="compare runs or files in the Go benchmark format, like benchstat")
    cmp.add_argument("files", nargs="+", metavar="RUN|FILE",
                     help="history run ids or files (regular files, at most 32 MiB each; - for standard input; "
                     "LABEL=FILE names the column); the first is the base")  # fmt: skip
    cmp.add_argument("--json", action="store_true", help="print JSON")
    cmp.add_argument("--ignore", "-ignore", action="append", default=[], metavar="KEYS",
                     help="keys whose variation is ignored: left out of .config and .fullname (e.g. note, or "
                     "cpu,goos, or /size); repeatable")  # fmt: skip
    cmp.add_argument("--alpha", "-alpha", type=float, default=0.05, metavar="α",
                     help="a change is significant if p < α (0 to 1, default 0.05)")  # fmt: skip
    cmp.add_argument("--confidence", "-confidence", type=float, default=0.95, metavar="LEVEL",
                     help="confidence level of the ± ranges (0 to 1, default 0.95)")  # fmt: skip
    cmp.add_argument("--table", "-table", default=".config", metavar="PROJECTION",
                     help="split results into tables by these keys, then by unit (default .config: the file config)")  # fmt: skip
    cmp.add_argument("--row", "-row", default=".fullname", metavar="PROJECTION",
                     help="rows by these keys (default .fullname: the name as written)")  # fmt: skip
    cmp.add_argument("--col", "-col", default=".file", metavar="PROJECTION",
                     help="columns by these keys (default .file: one per input); keys: .name, .fullname, /sub "
                     "(a key=value part of the name; /gomaxprocs), .file, .config, a config key (note); "
                     "comma-separated; each may take @alpha, @num or @(v1 v2) (a fixed order that also filters)")  # fmt: skip
    cmp.add_argument("--filter", "-filter", default="*", metavar="QUERY",
                     help="only results matching this: key:value, key:/regexp/, key:(a OR b), AND, OR, -NOT, "
                     "( ), * (everything); .unit:B/op keeps only those measurements")  # fmt: skip
    cmp.add_argument("--format", "-format", choices=("text", "csv"), default="text",
                     help="text (default) or csv (warnings to stderr), as benchstat's")  # fmt: skip
    cmp.add_argument("--holm", action="store_true", help="Holm-Bonferroni-adjust the p-values within each table")
    # Go's flags take a value that starts with "-" (-filter -/algo:sha, -filter -goos:linux, -filter -*); argparse
    # takes such a word as a value only when it looks like a negative number, so these are made to look like one
    # (set after the options are added: none of them looks like one).
    import re

    cmp._negative_number_matcher = re.compile(r"-(?!-)(?:[^A-Za-z]|\S*:)")

    hist = bsub.add_parser("history", help="saved runs: list, show, delete, export, rerun")
    hist.add_argument("action", nargs="?", default="list", choices=BENCH_HISTORY_ACTIONS, help="default: list")
    hist.add_argument("run_id", nargs="?", type=int, metavar="ID", help="the run (show, delete, export, rerun)")
    hist.add_argument("--json", action="store_true", help="print JSON")
    hist.add_argument("--limit", type=int, default=50, help="list at most N runs (0 to 2^63-1, default 50)")
    hist.add_argument("--format", choices=("text", "csv", "json"), default="text",
                      help="export format: text (benchmark format, for benchstat), csv, json")  # fmt: skip
    hist.add_argument("--output", "-o", metavar="FILE", help="export to FILE instead of stdout")


# --- profile -------------------------------------------------------------------------------


FILE_OR_URL_HELP = ("a pprof profile (gzip'd or not), or a URL to fetch it from, as go tool pprof takes: "
                    "http://host:port/debug/pprof/heap (profile, allocs, goroutine, block, mutex; host:port alone: "
                    "the CPU profile)")


def _add_url_flags(p: Parser) -> None:
    p.add_argument("--seconds", type=int, metavar="N", help="with a URL: profile for N seconds (?seconds=N)")
    p.add_argument("--header", action="append", metavar="'NAME: VALUE'",
                   help="with a URL: an HTTP header to send (repeatable); never printed or stored")  # fmt: skip


def add_report_flags(p: Parser) -> None:
    """The report flags pprof's views share (peek, list, traces): sample type, filters, diff base."""
    p.add_argument("--sample-index", metavar="NAME", help="sample type, e.g. alloc_space, inuse_objects, delay")
    p.add_argument("--focus", metavar="RE", help="only samples through functions matching RE")
    p.add_argument("--ignore", metavar="RE", help="drop samples through functions matching RE")
    p.add_argument("--hide", metavar="RE", help="hide frames of functions matching RE")
    p.add_argument("--diff-base", metavar="BASE", help="show the change from the BASE profile")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_url_flags(p)


def add_view_flags(p: Parser, granularity: bool) -> None:
    """pprof's flags for peek, list and traces beyond the report flags (m3tui/cli/profile_views.py):
    more profiles merged, tag and show filters, --timeout for URLs as top's; --granularity for peek
    and traces (-list is at lines)."""
    p.add_argument("more", nargs="*", metavar="FILE", help="more profiles (or URLs), merged with the first as go tool "
                   "pprof merges them")  # fmt: skip
    flags = Parser(add_help=False)
    add_pprof_flags(flags)
    for action in flags._actions:
        if action.dest in ("tagfocus", "tagignore", "show", "show_from", "timeout") or (granularity and action.dest == "granularity"):
            p._add_action(action)


def add_pprof_flags(p: Parser) -> None:
    """pprof's flags that `profile top` takes beyond the filters (m3tui/cli/profile_flags.py)."""
    p.add_argument("--nodefraction", type=float, metavar="F", help="hide nodes below F x the total (default 0.005)")
    p.add_argument("--granularity", choices=("functions", "filefunctions", "files", "lines", "addresses"), help="what a node is (default functions; addresses: "
                   "where the profile has them)")  # fmt: skip
    p.add_argument("--tagfocus", metavar="TAG", help="only samples with a label matching: key=RE, RE on key:value, "
                   "or a numeric range (bytes=1mb:, :64kb, 1kb:4kb)")  # fmt: skip
    p.add_argument("--tagignore", metavar="TAG", help="drop samples with a label matching (as --tagfocus)")
    p.add_argument("--show", metavar="RE", help="show only the frames of functions matching RE")
    p.add_argument("--show-from", metavar="RE", help="drop the frames above the highest one matching RE")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="with a URL: give up fetching after SECONDS "
                   "(+5, as pprof's -timeout; default: 1.5 x --seconds, else 60)")  # fmt: skip


def add_profile(prof: Parser) -> None:
    from m3tui.cli.profile import PROFILE_LIMITS_HELP

    prof.description = f"{prof.description or ''} {PROFILE_LIMITS_HELP}".strip()
    psub = prof.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    top = psub.add_parser("top", help="the top functions of a profile, like go tool pprof -top",
                          description=PROFILE_LIMITS_HELP)
    top.add_argument("file", metavar="FILE", help=FILE_OR_URL_HELP)
    top.add_argument("more", nargs="*", metavar="FILE", help="more profiles (or URLs), merged with the first as go tool "
                     "pprof merges them: of one kind (their common sample types)")  # fmt: skip
    top.add_argument("--sample-index", metavar="NAME", help="sample type, e.g. alloc_space, inuse_objects, delay")
    top.add_argument("--nodecount", type=int, default=None, metavar="N", help="show at most N functions")
    top.add_argument("--focus", metavar="RE", help="only samples through functions matching RE")
    top.add_argument("--ignore", metavar="RE", help="drop samples through functions matching RE")
    top.add_argument("--hide", metavar="RE", help="hide frames of functions matching RE")
    top.add_argument("--diff-base", metavar="BASE", help="show the change from the BASE profile")
    top.add_argument("--cum", action="store_true", help="sort by cumulative value")
    top.add_argument("--json", action="store_true", help="print JSON")
    _add_url_flags(top)
    add_pprof_flags(top)

    opener = psub.add_parser("open", help="open a profile in the Profiles pane (in a pipe: print its top)",
                             description=PROFILE_LIMITS_HELP)
    opener.add_argument("file", metavar="FILE", help=FILE_OR_URL_HELP)
    _add_url_flags(opener)

    watch = psub.add_parser("watch", help="fetch a profile from a running program again and again: the growth each time")
    watch.add_argument("url", metavar="URL", help="http://host:port/debug/pprof/heap (or goroutine, …)")
    watch.add_argument("--every", default="30s", metavar="DURATION", help="how often (default 30s; 1m, 500ms, …)")
    watch.add_argument("--keep", type=int, default=10, metavar="N", help="keep the last N fetched profiles (default 10)")
    watch.add_argument("--sample-index", metavar="NAME", help="sample type, e.g. inuse_space, alloc_objects")
    watch.add_argument("--nodecount", type=int, default=None, metavar="N", help="show at most N functions (default 10)")
    _add_url_flags(watch)

    cap = psub.add_parser("capture", help="profile one benchmark at one GOMAXPROCS")
    cap.add_argument("package", nargs="?", default=".", metavar="PKG", help="directory or import path (default: .)")
    cap.add_argument("--bench", required=True, metavar="RE", help="the benchmark (one)")
    cap.add_argument("--kind", choices=("cpu", "mem", "block", "mutex"), default="cpu", help="the profile (default cpu)")
    cap.add_argument("--rate", type=int, metavar="N", help="memprofilerate / blockprofilerate / mutexprofilefraction")
    cap.add_argument("--cpu", type=int, default=1, metavar="P", help="GOMAXPROCS (default 1)")
    cap.add_argument("--benchtime", metavar="T", help="a duration (1s) or iterations (100x), as go test takes it")
    cap.add_argument("--noinline", action="store_true", help="build with -gcflags=-l (clearer stacks)")
    cap.add_argument("--json", action="store_true", help="print JSON")
    cap.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)

    tune = psub.add_parser("tune", help="sweep a sampling rate: overhead against fidelity")
    tune.add_argument("package", nargs="?", default=".", metavar="PKG", help="directory or import path (default: .)")
    tune.add_argument("--bench", required=True, metavar="RE", help="the benchmark (one)")
    tune.add_argument("--kind", choices=("mem", "block", "mutex"), default="mem", help="the profile whose rate to sweep (default mem)")
    tune.add_argument("--rates", metavar="LIST", help="comma-separated rates (default: a sweep for the kind)")
    tune.add_argument("--rounds", type=int, default=5, help="rounds, each running every rate once (default 5)")
    tune.add_argument("--benchtime", metavar="T", help="a duration (1s) or iterations (100x), as go test takes it")
    tune.add_argument("--noinline", action="store_true", help="also show what -gcflags=-l changes")
    tune.add_argument("--json", action="store_true", help="print JSON")
    tune.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)

    captured = psub.add_parser("captured", help="captured profiles")
    captured.add_argument("--json", action="store_true", help="print JSON")

    peek = psub.add_parser("peek", help="callers and callees of the functions matching REGEX, like go tool pprof -peek",
                           description=PROFILE_LIMITS_HELP)  # fmt: skip
    peek.add_argument("file", metavar="FILE", help=FILE_OR_URL_HELP)
    peek.add_argument("regex", metavar="REGEX", help="functions to show (a Go regular expression, searched)")
    add_report_flags(peek)
    add_view_flags(peek, granularity=True)
    lst = psub.add_parser("list", help="source lines of the functions matching REGEX with flat and cum, like go tool "
                          "pprof -list (no FILE: the captured profiles, now profile captured)",
                          description=PROFILE_LIMITS_HELP)  # fmt: skip
    lst.add_argument("file", nargs="?", metavar="FILE", help=FILE_OR_URL_HELP)
    lst.add_argument("regex", nargs="?", metavar="REGEX", help="functions to list (a Go regular expression, searched)")
    lst.add_argument("--source-path", metavar="DIRS", help="where to look for relative source files "
                     "(':'-separated; default: the current directory), as pprof's -source_path")  # fmt: skip
    lst.add_argument("--trim-path", metavar="PREFIXES", help="path prefixes to remove from the profile's "
                     "source file names (':'-separated), as pprof's -trim_path")  # fmt: skip
    add_report_flags(lst)
    add_view_flags(lst, granularity=False)
    traces = psub.add_parser("traces", help="every sample with its labels and call stack, like go tool pprof -traces",
                             description=PROFILE_LIMITS_HELP)  # fmt: skip
    traces.add_argument("file", metavar="FILE", help=FILE_OR_URL_HELP)
    add_report_flags(traces)
    add_view_flags(traces, granularity=True)

    exp = psub.add_parser("export", help="the top view as collapsed stacks, speedscope JSON or an SVG flame graph",
                          description=PROFILE_LIMITS_HELP)  # fmt: skip
    exp.add_argument("file", metavar="FILE", help="a pprof profile (gzip'd or not)")
    exp.add_argument("--format", choices=("collapsed", "speedscope", "svg"),
                     help="collapsed (flamegraph.pl's stackcollapse text), speedscope (JSON), svg (a flame graph); "
                     "default: what -o ends with (.folded, .json, .svg)")  # fmt: skip
    exp.add_argument("-o", "--output", metavar="OUT", help="write OUT, all or nothing (default, or -: stdout)")
    for action in top._actions:  # top's own filter flags: the export is the view top shows
        if action.dest in ("sample_index", "focus", "ignore", "hide", "show", "show_from", "tagfocus", "tagignore", "more"):
            exp._add_action(action)


# --- logs ----------------------------------------------------------------------------------


def add_logs(logs: Parser) -> None:
    logs.add_argument("files", nargs="*", metavar="FILE", help=(
        "log file, gzip file (known by its magic bytes) or - for stdin; regular files only. In the TUI a "
        "gzip file or stdin is spooled to <state>/tmp (removed on exit): at most 8 GiB and half the free "
        "space there, stopping when 256 MiB are left"))
    logs.add_argument("--lint", action="store_true", help=(
        "lint JSON-lines logs ([logs.lint] in config.toml) as a stream, any size in bounded memory: lines "
        "over 1 MiB and corrupt JSON lines are counted, not checked; the first 10,000 violations are listed "
        "(counts are complete). Exit 0 clean, 1 violations, 2 bad usage or input, 3 the read failed"))
    logs.add_argument("--tests", action="store_true", help=(
        "summarise go test output (go test -json events or go test [-v] text) as tests: counts per status, "
        "build failures, failures with their first lines, the slowest tests. Exit 0 all passed, 1 failures"))
    logs.add_argument("--where", metavar="EXPR", help=(
        "print the lines whose fields match EXPR (JSON or logfmt lines; terms ANDed), e.g. 'level>=warn "
        "component=api trace_id=4bf9* duration>500ms msg~timeout': ops = != > >= < <= ~ (Python regexp) !~, "
        "NAME (present), !NAME (missing); levels by rank, Go durations or integer nanoseconds, numbers, "
        "else text. Exit 0 a line matched, 1 none did. With --lint: lint only the matching lines"))
    logs.add_argument("--json", action="store_true",
                      help="with --lint, --tests or --where: print strict JSON (non-finite numbers such as 1e400 are null)")
    logs.add_argument("--no-merge", action="store_true", help=(
        "show several FILEs as a list of sources, one at a time (default: one timeline merged by timestamp, "
        "each file's own order kept, each line marked with its file)"))
    logs.add_argument("--tz", metavar="ZONE", help=(
        "time zone of timestamps written without one (Go log's 2009/11/10 23:00:00, syslog): a zoneinfo name "
        "such as Europe/Paris or UTC, or an offset such as +05:30 (default: local time)"))
