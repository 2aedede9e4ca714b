"""Paths and config: three directories, one TOML file, never overwritten.

Where m3tui keeps its files, on macOS and Linux alike (as mise, gh and uv do; no space in any
path, so GOROOT and PATH never hold one):

    config_dir()  $XDG_CONFIG_HOME/m3tui (~/.config/m3tui): config.toml, default-go-packages
    data_dir()    $XDG_DATA_HOME/m3tui (~/.local/share/m3tui): the Go installs, env files, history,
                  logs, captured and fetched profiles
    cache_dir()   $XDG_CACHE_HOME/m3tui (~/.cache/m3tui): the release index, downloads, scratch

A relative XDG value is ignored, as the XDG spec says. ``$M3TUI_HOME``, when set (tests and
scripts set it so they never touch the real home), holds all three: one root, every file
directly under it. ``core/layout.py`` moves what an older m3tui kept in platformdirs' place.
The config is read with the stdlib's tomllib. A broken file is not fatal: it yields defaults
plus warnings for the UI and the CLI to show, and m3tui never writes over it, so the user's
text is never lost.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "m3tui"
HOME_ENV = "M3TUI_HOME"
CONFIG_FILE = "config.toml"
DEFAULT_THEME = "textual-dark"
DEFAULT_GO_MIRROR = "https://go.dev"


def home_override() -> Path | None:
    """``$M3TUI_HOME`` (``~`` expanded) when set: then every m3tui file lives directly under it."""
    override = os.environ.get(HOME_ENV)
    return Path(override).expanduser() if override else None


def _xdg(var: str, default: str) -> Path:
    """``$var/m3tui`` when $var is an absolute path, else ``~/<default>/m3tui``."""
    value = os.environ.get(var, "")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / default
    return base / APP_NAME


def config_dir() -> Path:
    """config.toml and default-go-packages (not created here)."""
    return home_override() or _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    """The Go installs, env files, history, logs, profiles (not created here)."""
    return home_override() or _xdg("XDG_DATA_HOME", ".local/share")


def cache_dir() -> Path:
    """What can be fetched or made again: the release index, downloads, scratch (not created here)."""
    return home_override() or _xdg("XDG_CACHE_HOME", ".cache")


def state_root() -> Path:
    """The data directory (``$M3TUI_HOME`` when set): what most of m3tui's files live under."""
    return data_dir()


def legacy_root(platform: str | None = None) -> Path:
    """Where m3tui before the XDG layout kept everything: platformdirs' user data directory."""
    if (platform or sys.platform) == "darwin":  # (platformdirs >= 4.3: $XDG_DATA_HOME/m3tui when set)
        return Path.home() / "Library" / "Application Support" / APP_NAME
    return _xdg("XDG_DATA_HOME", ".local/share")  # the new data directory: an absolute value only


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


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
    # The raw [logs.lint] table: m3tui.logs.lint parses it (and warns about its own keys).
    logs_lint: dict[str, Any] | None = None


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
        if _is_http_url(mirror):
            go_mirror = mirror.rstrip("/")
        else:
            warnings.append(f"{source}: versions.mirror must be an http(s) URL with a host; using {DEFAULT_GO_MIRROR}")
        for unknown in sorted(raw_versions):
            warnings.append(f"{source}: unknown key 'versions.{unknown}'; ignored")
    else:
        warnings.append(f"{source}: 'versions' must be a table; ignored")

    logs_lint: dict[str, Any] | None = None
    raw_logs = data.pop("logs", {})
    if isinstance(raw_logs, dict):
        lint = raw_logs.pop("lint", None)
        if lint is not None and not isinstance(lint, dict):
            warnings.append(f"{source}: 'logs.lint' must be a table; using the default lint rules")
        else:
            logs_lint = lint
        for unknown in sorted(raw_logs):
            warnings.append(f"{source}: unknown key 'logs.{unknown}'; ignored")
    else:
        warnings.append(f"{source}: 'logs' must be a table; ignored")

    for unknown in sorted(data):
        warnings.append(f"{source}: unknown key {unknown!r}; ignored")
    return Config(theme=theme, mouse=mouse, keymap=keymap, go_mirror=go_mirror, logs_lint=logs_lint), warnings


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return False
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return bool(parts.hostname) and not any(c.isspace() or ord(c) < 32 for c in value)


_cache: dict[Path, tuple[tuple[int, int, int] | None, LoadedConfig]] = {}


def load_config(path: Path | None = None) -> LoadedConfig:
    """Read the config file if there is one (again only when it changed). Never raises, never writes."""
    path = path or config_path()
    try:
        st = path.stat()
        key: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        key = None
    cached = _cache.get(path)
    if cached is not None and cached[0] == key and key is not None:
        return cached[1]
    loaded = _load(path)
    _cache[path] = (key, loaded)
    return loaded


def _load(path: Path) -> LoadedConfig:
    try:
        if path.exists() and not path.is_file():
            return LoadedConfig(Config(), path, (f"{path}: not a regular file; using defaults",))
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
