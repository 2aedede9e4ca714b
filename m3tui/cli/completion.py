"""`m3tui completion zsh|bash|fish`: the tab-completion script, generated from the parser by shtab.

The script is static shell text: a tab press runs the shell's own functions, never Python or
m3tui (tests/integration/test_completion.py checks both, in real bash, zsh and fish). It knows
every command, action, flag and choice; file arguments complete files, packages directories.
Values that only m3tui knows (installed versions, history run ids) are not completed: that
would start Python on a tab press.
"""

from __future__ import annotations

import argparse
import sys

#: Arguments that name a file (or a URL, which the shell cannot complete anyway), by metavar.
FILE_METAVARS = frozenset({"FILE", "RUN|FILE", "OUT", "BASE"})
#: Arguments that name a directory (a package is a directory or an import path).
DIR_METAVARS = frozenset({"PKG", "DIRS"})


def script(shell: str) -> str:
    """The completion script for `shell` (zsh, bash or fish), ending with a newline."""
    import shtab

    from m3tui.cli.parser import build_full_parser

    parser = build_full_parser()
    for action in _actions(parser):
        if isinstance(action, argparse._SubParsersAction):  # menus show a command's one-line help
            for choice in action._choices_actions:  # (shtab would take its parser's description)
                action.choices[choice.dest].description = choice.help
        if action.metavar in FILE_METAVARS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]  # shtab reads this attribute
        elif action.metavar in DIR_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    text: str = shtab.complete(parser, shell=shell)
    return text if text.endswith("\n") else text + "\n"


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found: list[argparse.Action] = []
    todo = [parser]
    while todo:
        for action in todo.pop()._actions:
            found.append(action)
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())
    return found


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return 0
