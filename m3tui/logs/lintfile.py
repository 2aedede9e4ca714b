"""A team's lint rules kept in its repository: ``.m3tui-lint.toml``, found upwards from the log.

The file holds the keys of config.toml's ``[logs.lint]`` table at its top level (``rules``,
``required``, ``levels``, ``component_pattern``, ``[fields]``); each key it sets overrides the
config's, the others keep the config's value. It is looked for in the log's folder (the
current one for stdin), then each parent, stopping after $HOME or the filesystem root. A file
that cannot be read or is not TOML is one warning and the config's rules are used; a bad key is
one warning naming the file and the key, and keeps the config's value. Never written.

Plain Python: never imports Textual.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from m3tui.logs.lint import _KEYS, LintConfig, LintConfigError, load_lint_config

__all__ = ["LINT_FILE", "MAX_BYTES", "find_lint_file", "load_rules", "parse_rule_file"]

LINT_FILE = ".m3tui-lint.toml"
#: A rule file bigger than this is refused (a warning): it is a handful of keys.
MAX_BYTES = 1 << 20


def find_lint_file(start: Path) -> Path | None:
    """The nearest ``.m3tui-lint.toml`` in ``start`` (a folder) or above, up to $HOME or the root."""
    try:
        here = start.resolve()
    except (OSError, RuntimeError):
        return None
    home_env = os.environ.get("HOME")
    home = Path(home_env).resolve() if home_env else None
    for folder in (here, *here.parents):
        candidate = folder / LINT_FILE
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            pass
        if folder == home:
            return None
    return None


def parse_rule_file(text: str, base: LintConfig, source: str) -> tuple[LintConfig, list[str]]:
    """``base`` with the keys the rule file ``text`` sets; a warning per bad key (which keeps ``base``'s value)."""
    import tomllib

    try:
        table: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return base, [f"{source}: not valid TOML ({exc}); using config.toml's [logs.lint] rules"]
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for key, value in table.items():
        parse = _KEYS.get(key)
        if parse is None:
            warnings.append(f"{source}: unknown key {key!r}; ignored (known: {', '.join(_KEYS)})")
            continue
        try:
            values[key] = parse(value)
        except LintConfigError as exc:
            warnings.append(f"{source}: {key} {exc}; using config.toml's")
    cfg = replace(base, **values)
    unchecked = [r for r in cfg.required if r not in cfg.rules]
    if unchecked and ("required" in values or "rules" in values):
        warnings.append(f"{source}: required names {', '.join(map(repr, unchecked))}, not in rules; not checked")
    return cfg, warnings


def load_rules(near: Path | None) -> tuple[LintConfig, list[str], Path | None]:
    """The lint rules for a log in folder ``near`` (None: the current folder): config.toml's
    ``[logs.lint]`` overridden by the nearest rule file; the warnings of both; that file, if any."""
    from m3tui.core.errors import M3tuiError
    from m3tui.core.files import open_input
    from m3tui.core.text import one_line

    config, warnings = load_lint_config()
    found = find_lint_file(near if near is not None else Path.cwd())
    if found is None:
        return config, warnings, None
    source = one_line(str(found))
    try:
        with open_input(found) as f:  # a regular file only: a FIFO there is never waited on
            data = f.read(MAX_BYTES + 1)
    except (M3tuiError, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(str(exc))
        return config, [*warnings, f"{source}: cannot be read ({why}); using config.toml's [logs.lint] rules"], found
    if len(data) > MAX_BYTES:
        return config, [*warnings, f"{source}: over 1 MiB, not a rule file; using config.toml's [logs.lint] rules"], found
    cfg, more = parse_rule_file(data.decode("utf-8", "replace"), config, source)
    all_warnings = [*warnings, *more]
    return replace(cfg, warnings=tuple(all_warnings)), all_warnings, found
