""".m3tui-lint.toml: found upwards from the log (not above $HOME), overriding config.toml's [logs.lint] key by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from m3tui.core.config import config_path
from m3tui.logs.lint import LintConfig
from m3tui.logs.lintfile import LINT_FILE, find_lint_file, load_rules


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "repo" / "logs" / "today").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def test_found_upwards_the_nearest_first(home: Path) -> None:
    deep = home / "repo" / "logs" / "today"
    assert find_lint_file(deep) is None
    (home / LINT_FILE).write_text('levels = ["INFO"]\n')
    assert find_lint_file(deep) == (home / LINT_FILE).resolve()  # $HOME itself is looked in
    (home / "repo" / LINT_FILE).write_text('levels = ["WARN"]\n')
    assert find_lint_file(deep) == (home / "repo" / LINT_FILE).resolve()


def test_not_above_home(home: Path) -> None:
    (home.parent / LINT_FILE).write_text('levels = ["INFO"]\n')  # beside $HOME, not in it
    assert find_lint_file(home / "repo" / "logs") is None


def test_it_overrides_the_config_key_by_key(home: Path, m3tui_home: Path) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[logs.lint]\nlevels = ["DEBUG", "INFO"]\nrequired = ["level"]\n')
    rule_file = home / "repo" / LINT_FILE
    text = 'levels = ["INFO", "WARN", "ERROR"]\n[fields]\ntime = "ts"\n'
    rule_file.write_text(text)
    cfg, warnings, found = load_rules(home / "repo" / "logs" / "today")
    assert found == rule_file.resolve() and warnings == []
    assert cfg.levels == ("INFO", "WARN", "ERROR") and cfg.fields == {"time": "ts"}  # the file's
    assert cfg.required == ("level",)  # the config's, the file does not set it
    assert cfg.rules == LintConfig().rules
    assert rule_file.read_text() == text  # never written


@pytest.mark.parametrize(("text", "says"), [
    ("levels = [", "not valid TOML"),
    ('levels = "INFO"\ncolor = 1\n', "levels must be a list of strings"),
    ('levels = "INFO"\ncolor = 1\n', "unknown key 'color'"),
    ('component_pattern = "(a+)+$"\n', "component_pattern cannot be used"),
])  # fmt: skip
def test_a_bad_rule_file_is_a_warning_and_the_config_is_used(home: Path, m3tui_home: Path, text: str, says: str) -> None:
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[logs.lint]\nlevels = ["DEBUG", "INFO"]\n')
    (home / "repo" / LINT_FILE).write_text(text)
    cfg, warnings, _ = load_rules(home / "repo")
    assert cfg.levels == ("DEBUG", "INFO") and cfg.component_pattern == LintConfig().component_pattern
    assert any(says in w and LINT_FILE in w and "\n" not in w for w in warnings), warnings
    assert cfg.warnings == tuple(warnings)


def test_a_rule_file_that_is_not_a_file(home: Path, m3tui_home: Path) -> None:
    (home / "repo" / LINT_FILE).mkdir()
    assert load_rules(home / "repo")[1:] == ([], None)  # a folder of that name is not a rule file
