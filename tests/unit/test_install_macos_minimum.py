"""issue 16 item 9: `versions install` (and the Versions pane, through the same install()) refuses
a macOS archive of a Go that this Mac's macOS is too old for, before anything is fetched.

On Linux, with the system probe answering sw_vers from a recording: the one real sw_vers
(tests/data/macos/sw_vers.catalina-intel-format.txt, macOS 10.15.5); a Linux probe's sw_vers
answers nothing, so off macOS nothing is refused."""

from __future__ import annotations

import pytest

from m3tui.core.system import LinuxProbe
from m3tui.versions.install import DownloadError, MacOSTooOld, install
from m3tui.versions.names import GoFile

from tests.httpserver import closed_port
from tests.macprobe import RecordedMacProbe, fixture

CATALINA = fixture("sw_vers.catalina-intel-format.txt")


def darwin_file(version: str, arch: str = "arm64") -> GoFile:
    name = f"{version}.darwin-{arch}.tar.gz"
    return GoFile(name, "darwin", arch, version, "0" * 64, 70_000_000, "archive")


async def test_a_go_newer_than_this_macos_allows_is_refused_before_any_download() -> None:
    url = f"http://127.0.0.1:{closed_port()}/dl/go1.25.5.darwin-amd64.tar.gz"
    with pytest.raises(MacOSTooOld) as err:
        await install(darwin_file("go1.25.5", "amd64"), url, probe=RecordedMacProbe(sw_vers=CATALINA))
    assert str(err.value) == (
        "not installing go1.25.5: go1.25.5 needs macOS 12 Monterey or later; this Mac runs macOS 10.15.5 "
        "(Go 1.22 runs on macOS 10.15, Go 1.24 on macOS 11)"
    )
    assert err.value.exit_code == 2


async def test_a_go_this_macos_runs_goes_on_to_the_download() -> None:
    url = f"http://127.0.0.1:{closed_port()}/dl/go1.22.10.darwin-amd64.tar.gz"
    with pytest.raises(DownloadError):  # not refused: it went on to fetch (from a closed port)
        await install(darwin_file("go1.22.10", "amd64"), url, probe=RecordedMacProbe(sw_vers=CATALINA))


async def test_off_macos_nothing_is_refused() -> None:
    url = f"http://127.0.0.1:{closed_port()}/dl/go1.25.5.darwin-arm64.tar.gz"
    with pytest.raises(DownloadError):  # --goos darwin from Linux: this machine's probe has no sw_vers
        await install(darwin_file("go1.25.5"), url, probe=LinuxProbe())
    linux = GoFile("go1.25.5.linux-amd64.tar.gz", "linux", "amd64", "go1.25.5", "0" * 64, 70_000_000, "archive")
    with pytest.raises(DownloadError):  # not a macOS archive: sw_vers is not asked
        await install(linux, url.replace("darwin-arm64", "linux-amd64"), probe=RecordedMacProbe(sw_vers=CATALINA))
