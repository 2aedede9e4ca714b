"""Paths and config: one root under M3TUI_HOME (the XDG layout: test_layout.py), bad files give defaults and stay untouched."""

from __future__ import annotations

from pathlib import Path

from m3tui.core.config import DEFAULT_THEME, Config, config_path, load_config, parse_config, state_root


def test_state_root_follows_m3tui_home(m3tui_home: Path) -> None:
    assert state_root() == m3tui_home
    assert config_path() == m3tui_home / "config.toml"


def test_the_old_root_is_where_platformdirs_put_it(monkeypatch, tmp_path: Path) -> None:
    """What core/layout.py migrates from: platformdirs' user data directory on this platform,
    relative XDG_DATA_HOME and all (the new data directory ignores a relative one)."""
    import sys

    import platformdirs

    from m3tui.core.config import data_dir, legacy_root

    monkeypatch.delenv("M3TUI_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for value in (str(tmp_path / "d"), "relative/d", ""):
        monkeypatch.setenv("XDG_DATA_HOME", value)
        old = platformdirs.user_data_path("m3tui", appauthor=False)
        assert legacy_root(sys.platform) == old or (sys.platform == "darwin" and old == data_dir())
    assert state_root() == data_dir() == tmp_path / ".local" / "share" / "m3tui"


def test_missing_config_gives_defaults_without_warnings(m3tui_home: Path) -> None:
    loaded = load_config()
    assert loaded.config == Config()
    assert loaded.warnings == ()
    assert not (m3tui_home / "config.toml").exists(), "loading must never create the file"


def test_valid_config(m3tui_home: Path) -> None:
    (m3tui_home / "config.toml").write_text('theme = "ansi-dark"\nmouse = false\n[keymap]\n"app.quit" = "x"\n')
    loaded = load_config()
    assert loaded.config.theme == "ansi-dark"
    assert loaded.config.mouse is False
    assert loaded.config.keymap == {"app.quit": "x"}
    assert loaded.warnings == ()


def test_broken_toml_warns_keeps_defaults_and_is_not_overwritten(m3tui_home: Path) -> None:
    path = m3tui_home / "config.toml"
    broken = b'theme = "ansi-dark\n[keymap\n'
    path.write_bytes(broken)
    loaded = load_config()
    assert loaded.config == Config()
    assert len(loaded.warnings) == 1 and "not valid TOML" in loaded.warnings[0]
    assert path.read_bytes() == broken


def test_non_utf8_config_warns(m3tui_home: Path) -> None:
    (m3tui_home / "config.toml").write_bytes(b"theme = '\xff'\n")
    loaded = load_config()
    assert loaded.config == Config()
    assert "not UTF-8" in loaded.warnings[0]


def test_bad_values_fall_back_per_key() -> None:
    config, warnings = parse_config('theme = 3\nkeymap = "x"\nmouse = "no"\nfrobnicate = true\n')
    assert config.theme == DEFAULT_THEME
    assert config.mouse is True
    assert any("'mouse'" in w for w in warnings)
    assert config.keymap == {}
    assert any("'theme'" in w for w in warnings)
    assert any("'keymap'" in w for w in warnings)
    assert any("frobnicate" in w for w in warnings)


def test_keymap_entry_that_is_not_a_string_is_dropped() -> None:
    config, warnings = parse_config('[keymap]\n"app.quit" = 1\n"app.help" = "f1"\n')
    assert config.keymap == {"app.help": "f1"}
    assert warnings == ["config.toml: keymap.app.quit must be a string of keys; ignored"]


def test_versions_mirror() -> None:
    config, warnings = parse_config('[versions]\nmirror = "https://golang.google.cn/"\n')
    assert config.go_mirror == "https://golang.google.cn" and warnings == []
    config, warnings = parse_config('[versions]\nmirror = "ftp://x"\n')
    assert config.go_mirror == "https://go.dev" and "versions.mirror" in warnings[0]
