"""--help: every argument of every command has a help text, every command an example that parses."""

from __future__ import annotations

import argparse
import shlex

import pytest

from m3tui.cli.examples import EXAMPLES
from m3tui.cli.parser import build_full_parser, normalize_argv


def _parsers() -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    todo = [build_full_parser()]
    while todo:
        parser = todo.pop()
        found.append(parser)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())
    return found


PARSERS = _parsers()


def test_the_walk_sees_every_command() -> None:
    progs = {p.prog for p in PARSERS}
    assert {"m3tui", "m3tui versions install", "m3tui bench compare", "m3tui profile export", "m3tui completion"} <= progs
    assert len(progs) == len(PARSERS) >= 30


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.prog)
def test_every_argument_has_help(parser: argparse.ArgumentParser) -> None:
    missing = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:
            continue  # hidden on purpose (the words after --, a stray second PKG)
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            missing += [f"{parser.prog} {name}" for name in action.choices if not helps.get(name)]
        elif not (action.help or "").strip():
            missing.append(f"{parser.prog} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, f"arguments without a help text: {missing}"


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.prog)
def test_every_command_help_has_an_example(parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()  # also: the help renders (a stray % in a help text would raise here)
    head = "\nexample:\n" if "\nexample:\n" in text else "\nexamples:\n"
    assert head in text, f"{parser.prog} --help has no example"
    lines = [line.strip() for line in text.split(head, 1)[1].splitlines() if line.strip()]
    assert lines and all(" m3tui" in f" {line}" for line in lines)


def _m3tui_words(example: str) -> list[str]:
    """The words m3tui gets in an example shell line (`… | m3tui logs -`, `m3tui completion zsh > f`)."""
    words = shlex.split(example)
    words = words[words.index("m3tui") + 1 :]
    for stop in (">", "|"):
        if stop in words:
            words = words[: words.index(stop)]
    return words


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_every_example_parses_as_its_command(key: str) -> None:
    for example in EXAMPLES[key]:
        words = normalize_argv(_m3tui_words(example))  # `bench PKG` is `bench run PKG`, as m3tui takes it
        assert words[: len(key.split())] == key.split(), example
        build_full_parser().parse_args(words)  # a UsageError fails the test


def test_every_example_key_is_a_command() -> None:
    progs = {p.prog.partition(" ")[2] for p in PARSERS}
    assert set(EXAMPLES) <= progs, set(EXAMPLES) - progs
