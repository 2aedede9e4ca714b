"""Which Go a version manager's shim runs: asdf, goenv and mise read an environment variable,
then the nearest version file above the working directory, then their global one.

Split from :mod:`m3tui.versions.installed`, which follows a shim on PATH to the install it
runs. Reads files only; never runs Go or the manager. Never imports Textual.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from m3tui.core.gofiles import MAX_VERSION_FILE_BYTES, is_dir, is_file, read_head, read_small_text

__all__ = ["MAX_VERSION_FILE_BYTES", "env_path", "is_dir", "is_file", "read_head", "read_small_text", "shim_version"]

def env_path(env: Mapping[str, str], name: str) -> Path | None:
    """``env[name]`` as a path (``~`` expanded), None when unset or empty."""
    value = env.get(name)
    return Path(value).expanduser() if value else None


def _walk_up(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents


def _tool_versions(path: Path, names: Iterable[str]) -> str | None:
    """The first version `.tool-versions` gives a tool ("golang 1.22.2 1.21.0" -> "1.22.2")."""
    text = read_small_text(path)
    if text is None:
        return None
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] in names:
            return words[1]
    return None


def _plain_version_file(path: Path) -> str | None:
    text = read_small_text(path)
    if text is None:
        return None
    words = text.split("#", 1)[0].split()
    return words[0] if words else None


def _mise_toml(path: Path) -> str | None:
    text = read_small_text(path)
    try:
        data = tomllib.loads(text) if text is not None else {}
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    tools = data.get("tools")
    if not isinstance(tools, dict):
        return None
    for name in ("go", "golang"):
        value = tools.get(name)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str) and value:
            return value
    return None


_MISE_LOCAL = ("mise.local.toml", "mise.toml", ".mise.local.toml", ".mise.toml", "mise/config.toml",
               ".mise/config.toml", ".config/mise.toml", ".config/mise/config.toml")


def shim_version(
    manager: str, *, cwd: Path, env: Mapping[str, str], home: Path, goenv_dirs: Sequence[Path]
) -> tuple[str, str] | None:
    """(version, where it came from) the way the manager picks it, or None when nothing says.

    ``manager`` is "asdf", "goenv" or "mise"; ``goenv_dirs`` are goenv's roots (its global
    ``version`` file sits there).
    """
    if manager == "asdf":
        if value := env.get("ASDF_GOLANG_VERSION"):
            return value, "ASDF_GOLANG_VERSION"
        name = env.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME") or ".tool-versions"
        for directory in [*_walk_up(cwd), home]:
            if value := _tool_versions(directory / name, ("golang",)):
                return value, str(directory / name)
        return None
    if manager == "goenv":
        if value := env.get("GOENV_VERSION"):
            return value, "GOENV_VERSION"
        for directory in _walk_up(cwd):
            if value := _plain_version_file(directory / ".go-version"):
                return value, str(directory / ".go-version")
        for base in goenv_dirs:
            if value := _plain_version_file(base / "version"):
                return value, str(base / "version")
        return None
    # mise: the nearest config that names go wins, then the global config.
    if value := env.get("MISE_GO_VERSION"):
        return value, "MISE_GO_VERSION"
    for directory in _walk_up(cwd):
        for name in _MISE_LOCAL:
            if value := _mise_toml(directory / name):
                return value, str(directory / name)
        if value := _tool_versions(directory / ".tool-versions", ("go", "golang")):
            return value, str(directory / ".tool-versions")
    config_dir = env_path(env, "MISE_CONFIG_DIR") or (env_path(env, "XDG_CONFIG_HOME") or home / ".config") / "mise"
    globals_ = [env_path(env, "MISE_GLOBAL_CONFIG_FILE") or config_dir / "config.toml"]
    for path in globals_:
        if value := _mise_toml(path):
            return value, str(path)
    if value := _tool_versions(home / ".tool-versions", ("go", "golang")):
        return value, str(home / ".tool-versions")
    return None
