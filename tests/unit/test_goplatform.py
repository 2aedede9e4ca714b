"""issue 16 items 8 and 9: the go.dev/dl package named for this platform, GOSUMDB checked as
go checks it (golang.org/x/mod/sumdb/note.NewVerifier, cmd/go/internal/modfetch.dbDial), and
the oldest macOS each Go release supports (Go's release notes).

The GOSUMDB answers are the ones the real go gives (tests/integration/test_gosumdb_real_go.py
runs the same table through `go mod download`). sw_vers: the one recorded output
(tests/data/macos/sw_vers.catalina-intel-format.txt, macOS 10.15.5); the newer ones are
constructed in sw_vers' documented "Key:<tab>value" format and say so."""

from __future__ import annotations

import pytest

from m3tui.core.system_parsers import parse_sw_vers
from m3tui.doctor.goplatform import download_name, gosumdb_verdict, install_fix, macos_minimum, macos_too_old
from m3tui.doctor.model import Status
from m3tui.doctor.proxyconf import gosumdb_problem, verifier_key_problem

from tests.macprobe import fixture
from tests.unit.test_netprobe import verifier_key

SUM_GOLANG_ORG = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"  # cmd/go's knownGOSUMDB

# (GOSUMDB, what go says after "verifying go.mod: ", or None when go accepts it)
GOSUMDB_TABLE: list[tuple[str, str | None]] = [
    ("sum.golang.org", None),
    ("sum.golang.google.cn", None),
    (SUM_GOLANG_ORG, None),
    (f"{SUM_GOLANG_ORG} https://sum.example", None),
    ("sum.golang.org https://sum.example/base/", None),
    ("sum.golang.org+https://sum.golang.org", "invalid GOSUMDB: malformed verifier id"),
    ("sum.golang.org+033de0ae+https://sum.golang.org", "invalid GOSUMDB: malformed verifier id"),
    ("sumdb.corp.example", "invalid GOSUMDB: malformed verifier id"),
    ("sumdb.corp.example https://sumdb.corp.example", "invalid GOSUMDB: malformed verifier id"),
    ("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ax18htTTAD8OuAn8", "invalid GOSUMDB: invalid verifier hash"),
    ("sum.golang.org+033DE0AE+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", None),  # ParseUint takes upper case
    ("sum.golang.org+0x3de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "invalid GOSUMDB: malformed verifier id"),
    ("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8=", "invalid GOSUMDB: malformed verifier id"),
    ("a b c", "invalid GOSUMDB: too many fields"),
    ("sum.golang.org https://%zz", "invalid GOSUMDB URL: 'https://%zz': invalid URL escape"),
]


def constructed_key(name: str, alg: int, size: int) -> str:
    """A key whose hash is right but whose algorithm byte or length is not (constructed)."""
    import base64
    import hashlib

    key = bytes([alg]) + bytes(size)
    digest = hashlib.sha256(name.encode() + b"\n" + key).hexdigest()[:8]
    return f"{name}+{digest}+{base64.b64encode(key).decode()}"


@pytest.mark.parametrize(("value", "expected"), GOSUMDB_TABLE)
def test_gosumdb_as_go_reads_it(value: str, expected: str | None) -> None:
    assert gosumdb_problem(value) == expected


def test_verifier_keys() -> None:
    assert verifier_key_problem(SUM_GOLANG_ORG) is None
    assert verifier_key_problem(verifier_key("sumdb.corp.example")) is None
    assert verifier_key_problem(constructed_key("sumdb.corp.example", 2, 32)) == "unknown verifier algorithm"
    assert verifier_key_problem(constructed_key("sumdb.corp.example", 1, 31)) == "malformed verifier id"
    assert verifier_key_problem("bad name+" + verifier_key("x").split("+", 1)[1]) == "malformed verifier id"
    assert verifier_key_problem("+033de0ae+AQ==") == "malformed verifier id"


def test_go_env_gosumdb_verdict() -> None:
    status, summary, detail, fix = gosumdb_verdict("sum.golang.org+https://sum.golang.org")
    assert (status, summary, fix) == (Status.ERROR, "invalid GOSUMDB: malformed verifier id", "go env -u GOSUMDB")
    assert "verifying go.mod: invalid GOSUMDB: malformed verifier id" in detail and "<name>+<hash>+<key> [URL]" in detail
    assert gosumdb_verdict("sum.golang.org")[:2] == (Status.OK, "GOSUMDB=sum.golang.org")


def test_the_install_fix_names_this_platforms_package() -> None:
    assert download_name("darwin", "arm64") == "the darwin-arm64 .pkg"
    assert download_name("darwin", "amd64") == "the darwin-amd64 .pkg"
    assert download_name("linux", "amd64") == "the linux-amd64 .tar.gz"
    assert download_name("linux", "arm64") == "the linux-arm64 .tar.gz"
    assert download_name("windows", "amd64") == "the windows-amd64 .msi"
    assert install_fix("linux", "amd64") == (
        "install Go for this machine: `m3tui versions install latest`, or the linux-amd64 .tar.gz from go.dev/dl"
    )
    assert "arm64" not in install_fix("linux", "amd64")


def test_macos_minimums_from_the_release_notes() -> None:
    assert macos_minimum("go1.20.14") == ((10, 13), "macOS 10.13 High Sierra")
    assert macos_minimum("go1.21.0") == macos_minimum("1.22") == ((10, 15), "macOS 10.15 Catalina")
    assert macos_minimum("go1.23.4") == macos_minimum("go1.24rc1") == ((11, 0), "macOS 11 Big Sur")
    assert macos_minimum("go1.25.0") == macos_minimum("devel go1.26-abc123") == ((12, 0), "macOS 12 Monterey")
    assert macos_minimum("go1.16") is None and macos_minimum("") is None


def test_recorded_catalina_is_too_old_for_go_1_23_on() -> None:
    vers = parse_sw_vers(fixture("sw_vers.catalina-intel-format.txt"))  # recorded: 10.15.5
    here = vers["ProductVersion"]
    assert here == "10.15.5"
    assert macos_too_old("go1.22.10", here) is None
    assert macos_too_old("go1.21.0", here) is None
    assert macos_too_old("go1.23.4", here) == "go1.23.4 needs macOS 11 Big Sur or later; this Mac runs macOS 10.15.5"
    assert macos_too_old("1.25.0", here) == "go1.25.0 needs macOS 12 Monterey or later; this Mac runs macOS 10.15.5"


def test_constructed_newer_macos() -> None:
    # Constructed from sw_vers' documented format (no Apple-silicon recording exists).
    vers = parse_sw_vers("ProductName:\tmacOS\nProductVersion:\t11.7.10\nBuildVersion:\t20G1427\n")
    assert macos_too_old("go1.24.0", vers["ProductVersion"]) is None
    assert macos_too_old("go1.25.0", vers["ProductVersion"]) == (
        "go1.25.0 needs macOS 12 Monterey or later; this Mac runs macOS 11.7.10"
    )
    assert macos_too_old("go1.27.3", "12") is None and macos_too_old("go1.27.3", "15.1") is None
