"""The XDG layout and the one-time move from platformdirs' place, on a fake home (HOME and XDG_*
under tmp_path, M3TUI_HOME unset), with the platform given: macOS moves all three kinds of files
out of ~/Library/Application Support/m3tui and leaves env stubs there; Linux moves only the
config and the cache (its old root is the new data directory). Real files, real renames, and a
real copy across file systems where /dev/shm is one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from m3tui.core import config, layout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("M3TUI_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


def old_layout(root: Path) -> None:
    """What an older m3tui left: Go installs with a relative current link, env files, config, caches."""
    (root / "go" / "go1.22.0" / "bin").mkdir(parents=True)
    (root / "go" / "go1.22.0" / "bin" / "go").write_text("#!/bin/sh\necho go1.22.0\n")
    (root / "go" / "go1.22.0" / "bin" / "go").chmod(0o755)
    os.symlink("go1.22.0", root / "go" / "current")
    (root / "env.sh").write_text("export PATH=old\n")
    (root / "env.fish").write_text("set -gx PATH old $PATH\n")
    (root / "config.toml").write_text('theme = "nord"\n')
    (root / "default-go-packages").write_text("golang.org/x/tools/gopls@latest\n")
    (root / "downloads").mkdir()
    (root / "downloads" / "go1.23.0.darwin-arm64.tar.gz.part").write_bytes(b"x" * 10)
    (root / "cache").mkdir()
    (root / "cache" / "go-index-abc.json").write_text("[]")
    (root / "tmp").mkdir()
    (root / "bench-history.sqlite3").write_bytes(b"SQLite format 3\x00")
    (root / "profiles" / "cap1").mkdir(parents=True)
    (root / "profiles" / "cap1" / "cpu.pprof").write_bytes(b"\x1f\x8b")


def test_dirs_follow_xdg_and_home_defaults(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.config_dir() == home / ".config" / "m3tui"
    assert config.data_dir() == config.state_root() == home / ".local" / "share" / "m3tui"
    assert config.cache_dir() == home / ".cache" / "m3tui"
    assert config.config_path() == home / ".config" / "m3tui" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")  # the XDG spec: a relative value is ignored
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "c"))
    assert config.config_dir() == home / "cfg" / "m3tui"
    assert config.data_dir() == home / ".local" / "share" / "m3tui"
    assert config.cache_dir() == home / "c" / "m3tui"
    monkeypatch.setenv("M3TUI_HOME", str(home / "one"))  # one root, today's layout, for all of it
    assert config.config_dir() == config.data_dir() == config.cache_dir() == home / "one"
    assert config.config_path() == home / "one" / "config.toml"


def test_store_and_scratch_paths(home: Path) -> None:
    from m3tui.core import tmp
    from m3tui.versions import defaultpkgs, store, switch

    assert store.store_dir() == home / ".local/share/m3tui/go"
    assert store.downloads_dir() == home / ".cache/m3tui/downloads"
    assert store.cache_dir() == home / ".cache/m3tui/cache"
    assert switch.env_files() == (home / ".local/share/m3tui/env.sh", home / ".local/share/m3tui/env.fish")
    assert defaultpkgs.file_path() == home / ".config/m3tui/default-go-packages"
    assert tmp.tmp_root() == home / ".cache/m3tui/tmp"
    assert " " not in str(switch.bin_dir())


def test_legacy_root(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.legacy_root("darwin") == home / "Library" / "Application Support" / "m3tui"
    assert config.legacy_root("linux") == home / ".local" / "share" / "m3tui"
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "d"))
    assert config.legacy_root("linux") == home / "d" / "m3tui" == config.data_dir()


def test_macos_old_layout_moves_once(home: Path) -> None:
    old = home / "Library" / "Application Support" / "m3tui"
    old_layout(old)
    done = layout.migrate("darwin")
    assert done is not None and not done.kept and done.env_moved
    data, conf, cache = home / ".local/share/m3tui", home / ".config/m3tui", home / ".cache/m3tui"
    assert (conf / "config.toml").read_text() == 'theme = "nord"\n'
    assert (conf / "default-go-packages").is_file()
    assert (cache / "downloads" / "go1.23.0.darwin-arm64.tar.gz.part").stat().st_size == 10
    assert (cache / "cache" / "go-index-abc.json").is_file() and (cache / "tmp").is_dir()
    assert os.readlink(data / "go" / "current") == "go1.22.0"  # relative: it survives the move
    assert (data / "go" / "current" / "bin" / "go").read_text().startswith("#!/bin/sh")
    assert (data / "env.sh").read_text() == "export PATH=old\n"  # cli/main rewrites it (versions)
    assert (data / "bench-history.sqlite3").is_file() and (data / "profiles/cap1/cpu.pprof").is_file()
    # The old place: the stubs and the marker, nothing else.
    assert sorted(p.name for p in old.iterdir()) == [layout.MARKER, layout.LOCK, "env.fish", "env.sh"]
    assert (old / "env.sh").read_text() == (
        f"{layout.STUB_FIRST_LINE}\nif [ -f '{data}/env.sh' ]; then . '{data}/env.sh'; fi\n")
    assert (old / "env.fish").read_text() == (
        f"{layout.STUB_FIRST_LINE}\ntest -f '{data}/env.fish'; and source '{data}/env.fish'\n")
    assert oct((old / "env.sh").stat().st_mode & 0o777) == "0o600"
    notice = done.notice()
    assert notice is not None and notice.startswith(f"m3tui: moved its files from {old} to ")
    assert str(conf) in notice and str(cache) in notice and str(data) in notice and "env.sh and env.fish" in notice
    assert "\n" not in notice
    assert layout.migrate("darwin") is None  # the marker: a second run does nothing
    (old / layout.MARKER).unlink()
    again = layout.migrate("darwin")  # even without it: the stubs are not moved over the real files
    assert again is not None and again.notice() is None and (data / "env.sh").read_text() == "export PATH=old\n"


def test_linux_moves_only_config_and_cache(home: Path) -> None:
    data = home / ".local/share/m3tui"
    old_layout(data)
    done = layout.migrate("linux")
    assert done is not None and not done.stubs
    assert sorted(src.name for src, _ in done.moved) == ["cache", "config.toml", "default-go-packages", "downloads", "tmp"]
    assert (home / ".config/m3tui/config.toml").is_file() and (home / ".cache/m3tui/downloads").is_dir()
    assert (data / "env.sh").read_text() == "export PATH=old\n" and not done.env_moved
    assert sorted(p.name for p in data.iterdir()) == [
        layout.MARKER, layout.LOCK, "bench-history.sqlite3", "env.fish", "env.sh", "go", "profiles"]
    assert layout.migrate("linux") is None


def test_taken_places_and_an_interrupted_copy_lose_nothing(home: Path) -> None:
    old = home / "Library" / "Application Support" / "m3tui"
    old_layout(old)
    conf = home / ".config/m3tui"
    conf.mkdir(parents=True)
    (conf / "config.toml").write_text("mouse = false\n")  # already there: neither is overwritten
    data = home / ".local/share/m3tui"
    data.mkdir(parents=True)
    (data / (layout.MOVING_PREFIX + "profiles")).mkdir()  # an interrupted copy's staging
    done = layout.migrate("darwin")
    assert done is not None
    assert [(src.name, dst) for src, dst in done.kept] == [("config.toml", conf / "config.toml")]
    assert (conf / "config.toml").read_text() == "mouse = false\n"
    assert (old / "config.toml").read_text() == 'theme = "nord"\n'
    assert (data / "profiles/cap1/cpu.pprof").is_file()
    notice = done.notice()
    assert notice is not None and notice.endswith("; left config.toml there: the new place is taken")


def test_move_across_file_systems(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK) or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system to move across")
    src = tmp_path / "go"
    (src / "go1.22.0" / "bin").mkdir(parents=True)
    (src / "go1.22.0" / "bin" / "go").write_text("x")
    (src / "go1.22.0" / "bin" / "go").chmod(0o555)
    (src / "go1.22.0" / "bin").chmod(0o555)  # read-only parts are removed after the copy too
    os.symlink("go1.22.0", src / "current")
    target = shm / f"m3tui-layout-{os.getpid()}"
    target.mkdir()
    try:
        stale = target / (layout.MOVING_PREFIX + "go")
        stale.mkdir()
        (stale / "half").write_text("")
        layout.move_entry(src, target / "go")
        assert not os.path.lexists(src) and not os.path.lexists(stale)
        assert os.readlink(target / "go" / "current") == "go1.22.0"
        assert (target / "go" / "current" / "bin" / "go").read_text() == "x"
        link = tmp_path / "link"
        os.symlink("elsewhere", link)
        layout.move_entry(link, target / "link")
        assert os.readlink(target / "link") == "elsewhere" and not os.path.lexists(link)
    finally:
        for root, dirs, _ in os.walk(target):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
        shutil.rmtree(target)


def test_nothing_under_m3tui_home_or_without_an_old_root(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert layout.migrate("darwin") is None
    old_layout(home / "Library" / "Application Support" / "m3tui")
    monkeypatch.setenv("M3TUI_HOME", str(home / "one"))
    assert layout.migrate("darwin") is None and layout.ensure_cache_dir("linux") is False
    assert not (home / "one").exists()


def test_time_machine_exclusion_argv(home: Path) -> None:
    assert layout.exclusion_argv(Path("/c"), "darwin") == ["tmutil", "addexclusion", "/c"]
    assert layout.exclusion_argv(Path("/c"), "linux") is None
    assert layout.ensure_cache_dir("linux") is False  # made, no process: there is no Time Machine
    assert (home / ".cache/m3tui").is_dir()
    assert oct((home / ".cache/m3tui").stat().st_mode & 0o777) == "0o700"


def test_macos_with_xdg_data_home_moves_the_config_out_of_the_data_dir(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs 4.3 and later honour XDG_DATA_HOME on macOS too: an older m3tui was then in the
    new data directory already, and only its config and cache move (as on Linux)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdata"))
    data = home / "xdata" / "m3tui"
    old_layout(data)
    done = layout.migrate("darwin")
    assert done is not None and done.old_root == data and not done.stubs
    assert (home / ".config/m3tui/config.toml").is_file() and (home / ".cache/m3tui/downloads").is_dir()
    assert (data / "go" / "current" / "bin" / "go").is_file() and (data / "env.sh").is_file()
    assert layout.migrate("darwin") is None
