"""Paths and config: one state root, one TOML file, never overwritten.

Every file m3tui keeps lives under one root: ``$M3TUI_HOME`` when set (tests and
scripts set it so they never touch the real home), else platformdirs' user data
directory. The config is read with the stdlib's tomllib. A broken file is not
fatal: it yields defaults plus warnings for the UI and the CLI to show, and m3tui
never writes over it, so the user's text is never lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "m3tui"
HOME_ENV = "M3TUI_HOME"
CONFIG_FILE = "config.toml"
DEFAULT_THEME = "textual-dark"
DEFAULT_GO_MIRROR = "https://go.dev"


def state_root() -> Path:
    """The one directory every m3tui file lives under (not created here)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    return state_root() / CONFIG_FILE


@dataclass(frozen=True)
class Config:
    """What the config file can set. Later issues add mirrors and defaults."""

    theme: str = DEFAULT_THEME
    # Off leaves the terminal's own selection working (handy over SSH); every action has a key.
    mouse: bool = True
    # Binding id -> comma-separated keys, as Textual's App.set_keymap takes it.
    keymap: dict[str, str] = field(default_factory=dict)
    # Where Go's download index and archives come from (golang.google.cn has the same layout).
    go_mirror: str = DEFAULT_GO_MIRROR


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    path: Path
    warnings: tuple[str, ...] = ()


def parse_config(text: str, source: str = CONFIG_FILE) -> tuple[Config, list[str]]:
    """Parse config TOML text; bad parts fall back to defaults with a warning each."""
    import tomllib  # here, not at the top: `m3tui doctor` and `--version` never read the config

    warnings: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(), [f"{source}: not valid TOML ({exc}); using defaults"]

    theme = DEFAULT_THEME
    raw_theme = data.pop("theme", DEFAULT_THEME)
    if isinstance(raw_theme, str) and raw_theme.strip():
        theme = raw_theme.strip()
    else:
        warnings.append(f"{source}: 'theme' must be a non-empty string; using {DEFAULT_THEME!r}")

    mouse = data.pop("mouse", True)
    if not isinstance(mouse, bool):
        warnings.append(f"{source}: 'mouse' must be true or false; using true")
        mouse = True

    keymap: dict[str, str] = {}
    raw_keymap = data.pop("keymap", {})
    if isinstance(raw_keymap, dict):
        for binding_id, keys in raw_keymap.items():
            if isinstance(keys, str) and keys.strip():
                keymap[str(binding_id)] = keys.strip()
            else:
                warnings.append(f"{source}: keymap.{binding_id} must be a string of keys; ignored")
    else:
        warnings.append(f"{source}: 'keymap' must be a table; ignored")

    go_mirror = DEFAULT_GO_MIRROR
    raw_versions = data.pop("versions", {})
    if isinstance(raw_versions, dict):
        mirror = raw_versions.pop("mirror", DEFAULT_GO_MIRROR)
        if isinstance(mirror, str) and mirror.startswith(("https://", "http://")):
            go_mirror = mirror.rstrip("/")
        else:
            warnings.append(f"{source}: versions.mirror must be an http(s) URL; using {DEFAULT_GO_MIRROR}")
        for unknown in sorted(raw_versions):
            warnings.append(f"{source}: unknown key 'versions.{unknown}'; ignored")
    else:
        warnings.append(f"{source}: 'versions' must be a table; ignored")

    for unknown in sorted(data):
        warnings.append(f"{source}: unknown key {unknown!r}; ignored")
    return Config(theme=theme, mouse=mouse, keymap=keymap, go_mirror=go_mirror), warnings


def load_config(path: Path | None = None) -> LoadedConfig:
    """Read the config file if there is one. Never raises, never writes."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedConfig(Config(), path)
    except OSError as exc:
        return LoadedConfig(Config(), path, (f"{path}: cannot read ({exc.strerror}); using defaults",))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return LoadedConfig(Config(), path, (f"{path}: not UTF-8 text; using defaults",))
    config, warnings = parse_config(text, str(path))
    return LoadedConfig(config, path, tuple(warnings))
