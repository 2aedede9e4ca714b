"""The Bench pane's run form: its three rows of fields, their choices (packages, the -cpu sweep),
reading them into a checked `RunForm`, and filling them from a past run (`R` in the history).

Plain functions over the pane (they query its fields by id), so the form's rules live in one
place and the pane keeps only what it does with a run.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, Static

from m3tui.tui.panes.bench_revs import RevInput, load_revision_choices, read_revs, rerun_revs

if TYPE_CHECKING:
    from m3tui.bench.backend import BenchBackend
    from m3tui.bench.history import RunMeta


@dataclass(frozen=True)
class RunForm:
    """The run form, checked: what `r` runs."""

    package: str
    bench: str
    cpu: tuple[int, ...]  # () = the default sweep
    count: int
    benchtime: str | None
    benchmem: bool
    versions: list[str]  # toolchains (versions or go paths): none (PATH), one, or two (A/B)
    extra: tuple[str, ...]  # flags for the test binary
    revs: list[str] = field(default_factory=list)  # git revisions: none, A (against the working tree), or A and B


def form_rows() -> list[Horizontal]:
    """The form's four rows, each field wide enough at 80 columns for its common values (a
    package path, ``Fib|Join|Hash``, ``-test.shuffle=on -test.cpu=1,2,4``, ``1000x``, two Go
    versions, two revisions): what to run and with which Go; at which git revisions; how (-bench,
    test flags); how much."""
    return [
        Horizontal(
            Static("pkg", classes="label first"),
            Select([(".", ".")], value=".", allow_blank=False, id="bench-package"),
            Static("go", classes="label"),
            Input("", placeholder="PATH's go", id="bench-go"),
            id="bench-form-1",
            classes="bench-form",
        ),
        Horizontal(
            Static("rev", classes="label first"),
            RevInput(placeholder="A [B]: git revision A vs the working tree, or A vs B · ↓ lists them", id="bench-rev"),
            id="bench-form-rev",
            classes="bench-form",
        ),
        Horizontal(
            Static("-bench", classes="label first"),
            Input(".", placeholder="regexp", id="bench-regex"),
            Static("flags", classes="label"),
            Input("", placeholder="-test.… for the test binary", id="bench-flags"),
            id="bench-form-2",
            classes="bench-form",
        ),
        Horizontal(
            Static("-cpu", classes="label first"),
            Input("", placeholder="auto", id="bench-cpu"),
            Static("-count", classes="label"),
            Input("10", id="bench-count", type="integer"),
            Static("-benchtime", classes="label"),
            Input("", placeholder="1s", id="bench-benchtime"),
            Checkbox("benchmem", True, id="bench-benchmem"),
            id="bench-form-3",
            classes="bench-form",
        ),
    ]


async def load_choices(pane: Widget, backend: BenchBackend) -> None:
    """The packages of the module here (go list), and this machine's -cpu sweep as the placeholder."""
    try:
        packages = await backend.packages(Path.cwd())
    except Exception:  # noqa: BLE001 - no go, not a module: "." stays the only choice
        packages = []
    select = pane.query_one("#bench-package", Select)
    options = [(path, str(directory)) for path, directory in packages]
    try:
        here = str(Path.cwd())
    except OSError:  # the directory the TUI started in is gone
        here = "."
    if not any(value == here for _, value in options):
        options.insert(0, (".", "."))
    select.set_options(options)
    select.value = here if any(value == here for _, value in options) else options[0][1]
    await load_revision_choices(pane, backend)
    try:
        cpus = await backend.default_cpu()
    except Exception:  # noqa: BLE001 - the placeholder stays "auto"
        return
    pane.query_one("#bench-cpu", Input).placeholder = ",".join(map(str, cpus))


def read_form(pane: Widget) -> RunForm:
    """The form's values, checked; ValueError with the line to show for a bad field."""
    cpu_input = pane.query_one("#bench-cpu", Input)
    cpu_text = cpu_input.value.strip() or cpu_input.placeholder  # the placeholder: this machine's sweep
    from m3tui.bench.run import MAX_COUNT, check_benchtime

    count_text = pane.query_one("#bench-count", Input).value.strip() or "10"
    if not (count_text.isascii() and count_text.isdigit()) or not 1 <= int(count_text) <= MAX_COUNT:
        raise ValueError(f"-count must be a whole number from 1 to {MAX_COUNT}")
    benchtime = pane.query_one("#bench-benchtime", Input).value.strip() or None
    if benchtime is not None:
        check_benchtime(benchtime)  # BadFlag, a ValueError: the line to show
    from m3tui.bench.toolchains import split

    try:
        versions = split(pane.query_one("#bench-go", Input).value)
    except ValueError as exc:
        raise ValueError(f"go: {exc}") from None
    if len(versions) > 2:
        raise ValueError("go: at most two versions (A and B)")
    try:
        flags = tuple(shlex.split(pane.query_one("#bench-flags", Input).value))
    except ValueError as exc:
        raise ValueError(f"flags: {exc}") from None
    if any(not f.startswith("-") for f in flags[:1]):
        raise ValueError("flags: test binary flags start with - (e.g. -test.shuffle=on)")
    return RunForm(
        package=str(pane.query_one("#bench-package", Select).value or "."),
        bench=pane.query_one("#bench-regex", Input).value.strip() or ".",
        cpu=_cpu(cpu_text),
        count=int(count_text),
        benchtime=benchtime,
        benchmem=pane.query_one("#bench-benchmem", Checkbox).value,
        versions=versions,
        extra=flags,
        revs=read_revs(pane.query_one("#bench-rev", Input).value, versions),
    )


def fill_form(pane: Widget, meta: RunMeta) -> dict[str, tuple[str, bool]]:
    """Put a past run's settings in the form, its toolchains and revisions included (its package is
    added to the list if missing): `r` then runs exactly that run again (bench.toolchains.rerun_refs;
    a revision run: its Go, and its commits by full hash, bench_revs.rerun_revs). Returns the
    recorded revisions' labels by commit (bench_revs.relabel)."""
    from m3tui.bench.toolchains import join, rerun_refs

    select: Select[str] = pane.query_one("#bench-package", Select)
    options = [(prompt, value) for prompt, value in select._options if isinstance(value, str)]  # noqa: SLF001 - no public getter
    if meta.package_dir not in [value for _, value in options]:
        select.set_options([(meta.package, meta.package_dir), *options])
    select.value = meta.package_dir
    pane.query_one("#bench-regex", Input).value = meta.bench
    pane.query_one("#bench-cpu", Input).value = ",".join(map(str, meta.cpu))
    pane.query_one("#bench-count", Input).value = str(meta.count)
    pane.query_one("#bench-benchtime", Input).value = meta.benchtime or ""
    pane.query_one("#bench-benchmem", Checkbox).value = meta.benchmem
    refs = rerun_refs(meta)
    pane.query_one("#bench-go", Input).value = join(refs[:1] if meta.revisions else refs)
    pane.query_one("#bench-flags", Input).value = " ".join(meta.extra)
    revs, recorded = rerun_revs(meta)
    pane.query_one("#bench-rev", Input).value = revs
    return recorded


def _cpu(text: str) -> tuple[int, ...]:
    from m3tui.bench.run import parse_gomaxprocs_list

    if not text or text == "auto":
        return ()
    try:
        return parse_gomaxprocs_list(text)
    except ValueError:
        raise ValueError(f"-cpu {text!r}: a list of GOMAXPROCS values, like 1,2,4") from None
