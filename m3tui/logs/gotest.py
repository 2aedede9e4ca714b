"""go test output as tests: a tree of packages → tests → subtests, fed one line at a time.

Both forms go test prints are read: ``go test -json`` events (test2json's ``Action`` run, pause,
cont, pass, fail, skip, output, bench, start, and the ``build-output``/``build-fail`` events with
their ``ImportPath``, a package's ``FailedBuild``) and plain text (``=== RUN``, ``--- FAIL:``,
``ok``/``FAIL pkg`` lines, with or without ``-v``), which gives the same tree as far as it can be
recovered (without ``-v`` the passing tests are not printed at all). A test's output goes to the
test the event names (``Test``), so interleaved ``t.Parallel`` output lands where it belongs; in
plain text, to the test of the last ``=== RUN/CONT/NAME`` line, or the ``--- FAIL`` line it is
indented under. ``-count`` repeats are kept as runs of one test (:attr:`TestNode.runs`).

A line that opens like a JSON event and does not parse is reported (:attr:`GoTestTree.corrupt`)
and skipped. Pure: no I/O; a tree can be kept and fed as a file or a pipe grows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GoTestTree", "OutLine", "PackageNode", "TestNode", "TestRun", "failure_first", "looks_like_go_test_output"]

#: Output lines kept of one run of a test (or of a package's own output); the rest are counted.
MAX_OUTPUT = 5000
#: Corrupt lines listed (all are counted).
MAX_CORRUPT = 100
#: Subtest levels kept (a deeper name's rest is one subtest).
MAX_DEPTH = 32
#: Status order in the tree: failures first, then running ones, then the rest.
_RANK = {"fail": 0, "run": 1, "pause": 1, "pass": 2, "skip": 3}

_RUN = re.compile(r"^=== (RUN|PAUSE|CONT|NAME)\s+(\S+)")
_RESULT = re.compile(r"^(\s*)--- (FAIL|PASS|SKIP): (\S+)(?: \((\d+(?:\.\d+)?)s\))?")
_PKG_END = re.compile(r"^(ok|FAIL|\?) *\t(\S+)(?:\t(\d+(?:\.\d+)?)s| \[([^\]]+)\]|\t\[([^\]]+)\]|\t\(cached\))?")
_BUILD_HEAD = re.compile(r"^# (\S+)")
_PANIC = re.compile(r"^(?:panic: |fatal error: )")
_FILE_LINE = re.compile(r"^\s*[\w.\-]+_test\.go:\d+: ")
_FILE_ANY = re.compile(r"^\s*[\w.\-]+\.go:\d+: ")


@dataclass(slots=True)
class OutLine:
    """One line a test printed; ``kind`` is go's OutputType ("error", "error-continue", "frame")
    or "panic" for a panic's first line, "" otherwise."""

    text: str
    kind: str = ""


@dataclass(slots=True)
class TestRun:
    """One run of a test (``-count=N`` gives N)."""

    status: str = "run"  # run, pause, pass, fail, skip
    elapsed: float | None = None
    output: list[OutLine] = field(default_factory=list)
    dropped: int = 0  # output lines over MAX_OUTPUT, not kept

    def add(self, line: OutLine) -> None:
        if len(self.output) < MAX_OUTPUT:
            self.output.append(line)
        else:
            self.dropped += 1


@dataclass(slots=True)
class TestNode:
    name: str  # the full name, TestTable/two
    order: int  # when it first ran, for a stable order
    runs: list[TestRun] = field(default_factory=list)
    children: dict[str, TestNode] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return self.name.rsplit("/", 1)[-1] if "/" in self.name else self.name

    @property
    def status(self) -> str:
        """fail when any run failed, else the last run's status."""
        if any(r.status == "fail" for r in self.runs):
            return "fail"
        return self.runs[-1].status if self.runs else "run"

    @property
    def elapsed(self) -> float | None:
        """All runs' time together (None when no run said)."""
        times = [r.elapsed for r in self.runs if r.elapsed is not None]
        return sum(times) if times else None

    @property
    def failed_runs(self) -> int:
        return sum(r.status == "fail" for r in self.runs)

    def sorted_children(self) -> list[TestNode]:
        return sorted(self.children.values(), key=_order)


@dataclass(slots=True)
class PackageNode:
    name: str
    order: int
    status: str = "run"  # run, pass, fail, skip (no test files)
    elapsed: float | None = None
    build_failed: bool = False
    build_output: list[str] = field(default_factory=list)
    output: TestRun = field(default_factory=TestRun)  # the package's own lines (no test's): FAIL, panics outside a test
    tests: dict[str, TestNode] = field(default_factory=dict)  # top-level tests
    every: dict[str, TestNode] = field(default_factory=dict)  # every test by full name
    cached: bool = False

    def sorted_tests(self) -> list[TestNode]:
        return sorted(self.tests.values(), key=_order)

    def walk(self) -> Iterator[TestNode]:
        """Its tests (subtests after their parent), in tree order."""
        stack = list(reversed(self.sorted_tests()))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.sorted_children()))


def _order(node: TestNode | PackageNode) -> tuple[int, int]:
    status = node.status
    if isinstance(node, PackageNode) and node.build_failed:
        return (-1, node.order)
    return (0 if status == "fail" else 1 if status in ("run", "pause") else 2, node.order)


def _base(import_path: str) -> str:
    """``pkg [pkg.test]`` → ``pkg``."""
    return import_path.split(" [", 1)[0]


class GoTestTree:
    """Packages and their tests, from go test output fed line by line (:meth:`feed`)."""

    def __init__(self) -> None:
        self.packages: dict[str, PackageNode] = {}
        self.lines = 0  # lines fed
        self.events = 0  # JSON events read
        self.corrupt_count = 0
        self.corrupt: list[tuple[int, str]] = []  # (1-based line, why), the first MAX_CORRUPT
        self._builds: dict[str, list[str]] = {}  # ImportPath -> its build output (-json)
        self._order = 0
        # plain text state
        self._pending: PackageNode | None = None  # the package whose tests are being printed (named at its end)
        self._current = ""  # the test of the last === line
        self._stack: list[tuple[int, str]] = []  # --- lines above (indent, test): the output indented under them
        self._build_lines: list[str] = []  # "# pkg" and the compiler's lines after it
        self._in_build = False
        self._panicked: str | None = None  # in a panic's trace: the test (or "" for the package)

    # --- feeding -------------------------------------------------------------------------

    def feed(self, line: str) -> None:
        """One line (its newline may be there) of go test output, JSON or plain."""
        self.lines += 1
        line = line.rstrip("\r\n")
        if line.startswith("{"):
            try:
                ev = json.loads(line)
            except (ValueError, RecursionError) as exc:
                if self.events:  # a -json stream: a broken event
                    self._bad(f"not a go test -json event ({_why(exc)})")
                    return
                ev = None
            if isinstance(ev, dict) and isinstance(ev.get("Action"), str):
                self.events += 1
                self._event(ev)
                return
            if self.events:
                self._bad("a JSON line without an Action: not a go test -json event")
                return
        self._plain(line)

    def feed_all(self, lines: Iterable[str]) -> GoTestTree:
        for line in lines:
            self.feed(line)
        return self

    def _bad(self, why: str) -> None:
        self.corrupt_count += 1
        if len(self.corrupt) < MAX_CORRUPT:
            self.corrupt.append((self.lines, why))

    def _package(self, name: str) -> PackageNode:
        pkg = self.packages.get(name)
        if pkg is None:
            self._order += 1
            pkg = self.packages[name] = PackageNode(name, self._order)
        return pkg

    def _test(self, pkg: PackageNode, name: str) -> TestNode:
        """The test ``name`` (its parents made too: ``A/b/c`` is under ``A/b`` under ``A``; below
        MAX_DEPTH levels the rest of a name is one subtest, so hostile names cannot nest without end)."""
        node = pkg.every.get(name)
        if node is not None:
            return node
        parts = name.split("/")
        if len(parts) > MAX_DEPTH:
            parts = [*parts[: MAX_DEPTH - 1], "/".join(parts[MAX_DEPTH - 1 :])]
        parent: TestNode | None = None
        for k in range(len(parts)):
            full = "/".join(parts[: k + 1])
            node = pkg.every.get(full)
            if node is None:
                self._order += 1
                node = pkg.every[full] = TestNode(full, self._order)
                (parent.children if parent is not None else pkg.tests)[full] = node
            parent = node
        assert parent is not None
        return parent

    @staticmethod
    def _run_of(node: TestNode) -> TestRun:
        """The run going on (a new one when the last has ended: output after the end goes to it too)."""
        if not node.runs:
            node.runs.append(TestRun())
        return node.runs[-1]

    # --- go test -json -------------------------------------------------------------------

    def _event(self, ev: dict[str, Any]) -> None:
        action: str = ev["Action"]
        if action in ("build-output", "build-fail"):
            path = str(ev.get("ImportPath") or "")
            lines = self._builds.setdefault(path, [])
            if action == "build-output":
                text = str(ev.get("Output") or "").rstrip("\n")
                if len(lines) < MAX_OUTPUT:
                    lines.extend(text.split("\n"))
            return
        pkg_name = ev.get("Package")
        if not isinstance(pkg_name, str) or not pkg_name:
            return  # nothing to hang it on (an unknown event of a newer go)
        pkg = self._package(pkg_name)
        test = ev.get("Test")
        elapsed = ev.get("Elapsed")
        seconds = float(elapsed) if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool) else None
        if not isinstance(test, str) or not test:
            if action == "output":
                text = str(ev.get("Output") or "").rstrip("\n")
                pkg.output.add(OutLine(text, str(ev.get("OutputType") or "")))
                if "(cached)" in text and text.startswith("ok"):
                    pkg.cached = True
            elif action in ("pass", "fail", "skip"):
                pkg.status, pkg.elapsed = action, seconds
                failed_build = ev.get("FailedBuild")
                if isinstance(failed_build, str) and failed_build:
                    pkg.build_failed = True
                    pkg.build_output = self._builds.get(failed_build, []) or [f"# {failed_build}: the build failed"]
                if action == "fail":
                    self._end_running(pkg)
            return
        node = self._test(pkg, test)
        if action == "run":
            node.runs.append(TestRun())
        elif action in ("pause", "cont"):
            self._run_of(node).status = "pause" if action == "pause" else "run"
        elif action in ("pass", "fail", "skip"):
            run = self._run_of(node)
            run.status, run.elapsed = action, seconds
        elif action in ("output", "bench"):
            text = str(ev.get("Output") or "").rstrip("\n")
            kind = str(ev.get("OutputType") or "")
            if kind == "frame" or (not kind and (_RUN.match(text) or _RESULT.match(text))):
                return  # the === and --- lines: the tree shows what they say
            if not kind and _PANIC.match(text):
                kind = "panic"
            self._run_of(node).add(OutLine(text, kind))

    @staticmethod
    def _end_running(pkg: PackageNode) -> None:
        """The package failed with tests still running (a panic, a timeout): they failed with it."""
        for node in pkg.every.values():
            if node.runs and node.runs[-1].status in ("run", "pause"):
                node.runs[-1].status = "fail"

    # --- plain text ----------------------------------------------------------------------

    def _plain(self, line: str) -> None:
        end = _PKG_END.match(line)
        if end:
            self._end_package(end)
            return
        pkg = self._pending
        if _BUILD_HEAD.match(line) and (pkg is None or not pkg.every):  # a build's errors come before any test of its package
            self._build_lines = [line]
            self._in_build = True
            return
        if self._in_build:
            if _RUN.match(line) or _RESULT.match(line):
                self._in_build = False
            else:
                if len(self._build_lines) < MAX_OUTPUT:
                    self._build_lines.append(line)
                return
        if pkg is None:
            pkg = self._pending = PackageNode("", 0)
        header = _RUN.match(line)
        if header:
            word, name = header.group(1), header.group(2)
            self._current, self._stack, self._panicked = name, [], None
            node = self._test(pkg, name)
            if word == "RUN":
                node.runs.append(TestRun())
            elif word == "PAUSE":
                self._run_of(node).status = "pause"
            elif word == "CONT":
                self._run_of(node).status = "run"
            return
        result = _RESULT.match(line)
        if result:
            indent, verdict, name, secs = len(result.group(1)), result.group(2), result.group(3), result.group(4)
            node = self._test(pkg, name)
            run = self._run_of(node)
            if run.status not in ("run", "pause"):
                node.runs.append(run := TestRun())  # without -v no === line starts the next -count run
            run.status, run.elapsed = verdict.lower(), float(secs) if secs else None
            while self._stack and self._stack[-1][0] >= indent:
                self._stack.pop()
            self._stack.append((indent, name))
            self._panicked = None
            if indent == 0:
                self._current = ""  # without -v the next test's lines follow its --- line
            return
        if _PANIC.match(line):
            who = self._current or (self._stack[-1][1] if self._stack else "")
            self._panicked = who
            self._add(pkg, who, OutLine(line, "panic"))
            return
        if self._panicked is not None:
            if line in ("FAIL", "PASS") or line.startswith("exit status "):
                self._panicked = None
                pkg.output.add(OutLine(line))
            else:
                self._add(pkg, self._panicked, OutLine(line))
            return
        body = line.lstrip(" \t")
        indent = len(line) - len(body)
        while self._stack and indent <= self._stack[-1][0]:
            self._stack.pop()
        if self._stack:  # indented under a --- line: that test's output
            self._add(pkg, self._stack[-1][1], OutLine(line))
        elif self._current and (indent or not body):
            self._add(pkg, self._current, OutLine(line))
        else:
            pkg.output.add(OutLine(line))

    def _add(self, pkg: PackageNode, test: str, line: OutLine) -> None:
        if not test:
            pkg.output.add(line)
            return
        run = self._run_of(self._test(pkg, test))
        run.add(line)

    def _end_package(self, end: re.Match[str]) -> None:
        """``ok pkg 0.01s``, ``FAIL pkg 0.02s``, ``FAIL pkg [build failed]``, ``? pkg [no test files]``."""
        word, name, secs, note = end.group(1), end.group(2), end.group(3), end.group(4) or end.group(5) or ""
        pending, self._pending = self._pending, None
        self._current, self._stack, self._panicked = "", [], None
        pkg = self._package(name)
        if pending is not None:  # what was printed before its name: its tests, its own lines
            for t_name, node in pending.every.items():
                pkg.every.setdefault(t_name, node)
            for t_name, node in pending.tests.items():
                pkg.tests.setdefault(t_name, node)
            for out in pending.output.output:
                pkg.output.add(out)
        pkg.status = {"ok": "pass", "FAIL": "fail", "?": "skip"}[word]
        pkg.elapsed = float(secs) if secs else None
        pkg.cached = "(cached)" in end.group(0)
        if note in ("build failed", "setup failed"):
            pkg.build_failed = True
            pkg.build_output = self._build_lines or [f"# {name}: the build failed"]
        self._build_lines, self._in_build = [], False
        if pkg.status == "fail":
            self._end_running(pkg)

    # --- what the tree says --------------------------------------------------------------

    def sorted_packages(self) -> list[PackageNode]:
        """Packages with build failures first, then failed ones, then the rest in the order they came."""
        done = list(self.packages.values())
        if self._pending is not None and self._pending.every:  # plain text: a package not ended yet
            done.append(self._pending)
        return sorted(done, key=_order)

    def walk(self) -> Iterator[tuple[PackageNode, TestNode]]:
        """Every test of every package (subtests after their parent), in tree order."""
        for pkg in self.sorted_packages():
            for node in pkg.walk():
                yield pkg, node

    def counts(self) -> dict[str, int]:
        """Test runs by status (pass, fail, skip, run): what go's own pass/fail/skip events count."""
        out = {"pass": 0, "fail": 0, "skip": 0, "run": 0}
        for pkg in self.sorted_packages():
            for node in pkg.every.values():  # order does not matter here
                for run in node.runs:
                    out["run" if run.status == "pause" else run.status] += 1
        return out

    def package_counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "skip": 0, "run": 0, "build_failed": 0}
        for pkg in self.sorted_packages():
            out[pkg.status] += 1
            out["build_failed"] += pkg.build_failed
        return out

    @property
    def failed(self) -> bool:
        return any(p.status == "fail" or p.build_failed for p in self.sorted_packages()) or self.counts()["fail"] > 0

    @property
    def passed(self) -> bool:
        """Every test passed: nothing failed and nothing was left running (go test cut short)."""
        return not self.failed and not self.counts()["run"] and not self.package_counts()["run"]

    def is_go_test(self) -> bool:
        """Whether what was fed was go test output (a test, or a package's end line)."""
        return bool(self.packages) or bool(self._pending is not None and self._pending.every)


def _why(exc: BaseException) -> str:
    return str(exc).split("\n", 1)[0] if isinstance(exc, ValueError) else "too deeply nested"


def failure_first(run: TestRun) -> list[OutLine]:
    """A run's output with the failure first: the lines go marked as errors (``OutputType``
    error, go 1.25+) or, without marks, the ``file_test.go:N:`` lines with the lines indented
    under them, and a panic with its trace; then the rest in order."""
    lines = run.output
    marked = any(o.kind.startswith("error") for o in lines)
    first: list[int] = []
    panic = next((k for k, o in enumerate(lines) if o.kind == "panic"), len(lines))
    first.extend(range(panic, len(lines)))  # a panic (what failed the test) runs to the end of the output
    i = 0
    while i < panic:
        o = lines[i]
        if (marked and o.kind.startswith("error")) or (not marked and _FILE_LINE.match(o.text)):
            first.append(i)
            depth = len(o.text) - len(o.text.lstrip())
            i += 1
            while i < len(lines) and not marked and _deeper(lines[i].text, depth):
                first.append(i)
                i += 1
            continue
        i += 1
    if not first and run.status == "fail":
        first = [k for k, o in enumerate(lines) if _FILE_ANY.match(o.text)]
    chosen = set(first)
    return [lines[k] for k in first] + [o for k, o in enumerate(lines) if k not in chosen]


def _deeper(text: str, depth: int) -> bool:
    body = text.lstrip()
    return bool(body) and len(text) - len(body) > depth and not _FILE_ANY.match(text)


def looks_like_go_test_output(lines: Iterable[str]) -> bool:
    """Whether these (first) lines are go test output, ``-json`` or plain."""
    tree = GoTestTree()
    for line in lines:
        tree.feed(line)
        if tree.events:
            return True
    return tree.is_go_test()
