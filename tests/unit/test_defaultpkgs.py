"""The default-go-packages file: parse() over text (bad lines warned as file:line and skipped),
load() of a missing or unreadable file, and go's first error line."""

from __future__ import annotations

import os
from pathlib import Path

from m3tui.versions import defaultpkgs
from m3tui.versions.defaultpkgs import Spec, first_error, parse

GOOD = """\
# tools for every Go
golang.org/x/tools/gopls@latest
github.com/go-delve/delve/cmd/dlv        # @latest is added

   honnef.co/go/tools/cmd/staticcheck@2025.1.1
golang.org/x/tools/cmd/...@v0.30.0
example.com/tool@<v2
"""


def test_good_lines_comments_and_blanks() -> None:
    parsed = parse(GOOD, "pk")
    assert parsed.warnings == ()
    assert [(s.written, s.line, s.arg) for s in parsed.specs] == [
        ("golang.org/x/tools/gopls@latest", 2, "golang.org/x/tools/gopls@latest"),
        ("github.com/go-delve/delve/cmd/dlv", 3, "github.com/go-delve/delve/cmd/dlv@latest"),
        ("honnef.co/go/tools/cmd/staticcheck@2025.1.1", 5, "honnef.co/go/tools/cmd/staticcheck@2025.1.1"),
        ("golang.org/x/tools/cmd/...@v0.30.0", 6, "golang.org/x/tools/cmd/...@v0.30.0"),
        ("example.com/tool@<v2", 7, "example.com/tool@<v2"),
    ]


def test_bad_lines_are_warned_with_file_and_line_and_skipped() -> None:
    text = "\n".join([
        "go install golang.org/x/tools/gopls@latest",  # 1: the whole command pasted
        "golang.org/x/tools/gopls github.com/x/y",  # 2: two packages
        "-v",  # 3: a flag
        "./cmd/tool",  # 4: local paths
        "/abs/tool",  # 5
        "gopls",  # 6: no module path
        "golang.org/x/tools/gopls@",  # 7: an empty version
        "golang.org/x/tools/gopls@v1;rm",  # 8: not a version
        "golang.org/x//gopls",  # 9: an empty element
        "golang.org/x/../gopls",  # 10: ..
        "golang.org/x/tools/gopls",  # 11: fine
        "golang.org/x/tools/gopls@latest",  # 12: the same as 11
        "ex\ufffdmple.com/tool",  # 13: undecodable bytes
        "...",  # 14
    ])  # fmt: skip
    parsed = parse(text, "/h/default-go-packages")
    assert [s.line for s in parsed.specs] == [11]
    assert parsed.warnings == (
        "/h/default-go-packages:1: write the package alone: 'go install golang.org/x/tools/gopls@latest'",
        "/h/default-go-packages:2: one package a line: 'golang.org/x/tools/gopls github.com/x/y'",
        "/h/default-go-packages:3: a flag, not a package (only packages, one a line): '-v'",
        "/h/default-go-packages:4: a local path, not a module's package path: './cmd/tool'",
        "/h/default-go-packages:5: a local path, not a module's package path: '/abs/tool'",
        "/h/default-go-packages:6: not a module's package path (no dot in its first element: example.com/cmd/tool): 'gopls'",
        "/h/default-go-packages:7: not a version after @: 'golang.org/x/tools/gopls@'",
        "/h/default-go-packages:8: not a version after @: 'golang.org/x/tools/gopls@v1;rm'",
        "/h/default-go-packages:9: not a package path: 'golang.org/x//gopls'",
        "/h/default-go-packages:10: not a package path: 'golang.org/x/../gopls'",
        "/h/default-go-packages:12: 'golang.org/x/tools/gopls@latest' is already on line 11",
        "/h/default-go-packages:13: not a package path: 'ex\ufffdmple.com/tool'",
        "/h/default-go-packages:14: a local path, not a module's package path: '...'",
    )


def test_a_long_bad_line_is_cut_and_control_characters_escaped() -> None:
    (warning,) = parse("x" * 200 + "\x1b[31m").warnings
    assert warning.startswith("default-go-packages:1: ") and "\x1b" not in warning and len(warning) < 160


def test_load_missing_unreadable_and_a_directory(m3tui_home: Path) -> None:
    assert defaultpkgs.file_path() == m3tui_home / "default-go-packages"
    assert defaultpkgs.load() == defaultpkgs.Parsed()
    defaultpkgs.file_path().mkdir()
    (warning,) = defaultpkgs.load().warnings
    assert warning == f"{m3tui_home / 'default-go-packages'}: is a directory, not a regular file; no default packages installed"
    os.rmdir(defaultpkgs.file_path())
    defaultpkgs.file_path().write_bytes(b"golang.org/x/tools/gopls\n\xff\xfe\n")
    loaded = defaultpkgs.load()
    assert loaded.specs == (Spec("golang.org/x/tools/gopls", 1),) and loaded.warnings[0].startswith(f"{defaultpkgs.file_path()}:2: ")
    defaultpkgs.file_path().write_bytes(b"#" * (defaultpkgs.MAX_FILE_BYTES + 1))
    (big,) = defaultpkgs.load().warnings
    assert "byte limit" in big


def test_first_error_skips_progress_and_build_headers() -> None:
    stderr = ["go: downloading example.com/tool v1.0.0", "# example.com/tool", "  ./main.go:3:15: undefined: x  ", "more"]
    assert first_error(stderr) == "./main.go:3:15: undefined: x"
    assert first_error(["go: downloading a v1"], ["from stdout"]) == "from stdout"
    assert first_error([]) == ""
    assert len(first_error(["e" * 1000])) == defaultpkgs.MAX_ERROR_CHARS
