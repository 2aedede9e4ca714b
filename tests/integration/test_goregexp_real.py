"""profiles/pprof/goregexp against the real Go: every pattern of the table is compiled by Go's
``regexp.Compile`` (a tiny Go program built here) and by ours; the same ones are refused with the
same error text, and the others give ``MatchString``'s answer on every subject."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from m3tui.profiles.pprof import goregexp
from tests.goprofiles import go_env
from tests.realgo import GO_BIN_DIR

pytestmark = pytest.mark.go

ORACLE = """\
package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
)

type in struct {
	P string   `json:"p"`
	S []string `json:"s"`
	B []string `json:"b"` // subjects as base64: bytes that are not UTF-8
}

type out struct {
	Err string `json:"err"`
	M   []bool `json:"m"`
	MB  []bool `json:"mb"`
}

func main() {
	var cases []in
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	res := make([]out, len(cases))
	for i, c := range cases {
		rx, err := regexp.Compile(c.P)
		if err != nil {
			res[i].Err = err.Error()
			continue
		}
		res[i].M = make([]bool, len(c.S))
		for j, s := range c.S {
			res[i].M[j] = rx.MatchString(s)
		}
		for _, s := range c.B {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				panic(err)
			}
			res[i].MB = append(res[i].MB, rx.Match(b))
		}
	}
	json.NewEncoder(os.Stdout).Encode(res)
}
"""

NAMES = [
    "main.Fib", "main.fib", "Fib", "fib", "ib", "runtime.mallocgc", "runtime/internal/atomic.Xadd",
    "github.com/x/y.(*T).Method", "main.main.func1", "", "a", "A", "aa", "aaa", "ab", "b", "a\n",
    "\na", "a\nb", "\n", "1", "é", "É", "e\u0301", "ß", "ſ", "S", "s", "K", "k", "\u212a", "ǅ", "ǆ",
    "Ǆ", "日本", "日本語", "αβγ", "ΑΒΓ", "Ω", "\u2126", "٣", "\v", "\t", " ", "\u00a0", "\u2028",
    "😀", "\U0010ffff", "_", "a_b", "x.y", ".*", "a.b", "a{,5}", "a{2}", "]", "[", "-", "^", "$",
    "\\", "\x00", "\x7f", "abc\x00def", "AbC", "(x)", "x|y", "Q", "E", "\\Q", "café", "CAFÉ",
    "main.(*Server).ServeHTTP", "sync.(*Mutex).Lock", "io.Copy", "/usr/lib/libc.so.6",
]

PATTERNS = [
    # the five
    r"[[:upper:]]ib", r"\pL", r"\Q.*\E", r"a\z", r"(?U)a+", r"(?U)^a+?$",
    # POSIX classes
    r"[[:alpha:]]", r"[[:^alpha:]]", r"[^[:alpha:]]", r"[[:alpha:]_]+$", r"^[[:word:]]+$",
    r"[[:space:]]", r"[[:punct:]]", r"[[:digit:]]", r"[[:xdigit:]]+$", r"[[:blank:]]",
    r"[[:cntrl:]]", r"[[:print:]]", r"[[:graph:]]", r"[[:ascii:]]", r"[[:lower:][:digit:]]",
    r"[[:foo:]]", r"[[:alpha:]-z]", r"[:alpha:]", r"(?i)[[:upper:]]", r"(?i)[[:lower:]]",
    # Perl classes
    r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", r"[\d\s]", r"[^\w]", r"\b", r"\B", r"\bé", r"a\b",
    # Unicode classes
    r"\PL", r"\pN", r"\pZ", r"\p{L}", r"\p{Lu}", r"\p{Ll}", r"\p{Lt}", r"\p{Greek}", r"\p{Han}",
    r"\p{Latin}", r"\p{Cyrillic}", r"\p{Any}", r"\p{^L}", r"\P{^L}", r"\p{Foo}", r"\pX",
    r"[\p{Greek}\d]", r"\p{Zs}", r"\p{Nd}", r"\p{Cc}", r"\p{Co}", r"\p{So}", r"\p{Braille}",
    r"\p{L", r"\p",
    # Go's loose names and aliases (Go 1.25+): RE2 spells them otherwise
    r"\p{greek}", r"\pl", r"\pu", r"\p{GREEK}", r"\p{Greek }", r"\p{ Greek}", r"\p{Gr_eek}", r"\p{isGreek}",
    r"\p{Grek}", r"\p{Old_Italic}", r"\p{old italic}", r"\p{olditalic}", r"\p{Letter}", r"\p{lu}", r"\p{LU}",
    r"\p{Uppercase_Letter}", r"\p{uppercase-letter}", r"\p{Cased_Letter}", r"\p{LC}", r"\p{Lc}", r"\p{L&}",
    r"\P{LC}", r"[\p{LC}1]", r"[^\p{LC}]", r"\p{Punctuation}", r"\p{punct}", r"\p{Combining_Mark}", r"\p{digit}",
    r"\p{Decimal_Number}", r"\p{ASCII}", r"\P{ascii}", r"[\P{ASCII}]", r"[^\p{ASCII}]", r"(?i)\p{ASCII}",
    r"\p{Assigned}", r"\P{Assigned}", r"\p{Cn}", r"\p{Unassigned}", r"\P{Cn}", r"\p{any}", r"\P{Any}",
    r"\p{^greek}", r"\P{greek}", r"\P{^greek}", r"[\p{greek}]", r"[^\p{greek}a]", r"\p{Latn}", r"\p{Zyyy}",
    r"\p{Other}", r"\p{cntrl}", r"\p{Control}", r"\p{Title}", r"\p{Titlecase_Letter}", r"(?i)\p{Lu}",
    r"(?i)\p{Greek}", r"(?i)\P{Lu}", r"(?i)\p{upper}", r"\p{hAN}", r"\p{Common}", r"\p{Inherited}",
    r"\Q\p{greek}\E", r"[[:alpha:]\p{digit}]", r"\p{greek}(", r"[\p{greek}", r"x[\p{greek}", r"\p{C}", r"\pC",
    r"\PC", r"\P{Other}", r"(?i)\pC", r"\p{greek}**", r"(\p{greek}", r"\p{Letter}{1001}", r"\p{Greek}\C",
    # \Q...\E
    r"\Qa.b", r"\Q\E", r"\Q\E*", r"x\Qa|b\Ey", r"\Q\\E", r"\Q(x)\E", r"[\Q]\E]",
    # anchors and boundaries
    r"\A", r"\Aa", r"a$", r"^a$", r"(?m)^b", r"(?m)a$", r"\Z", r"\z", r"^$", r"$a", r"a^",
    # flags
    r"(?i)fib", r"(?i)k", r"(?i)ſ", r"(?i)s", r"(?i)ǆ", r"(?i)é", r"(?i)ω", r"(?s).", r".",
    r"(?s:a.b)", r"(?i:A)b", r"(?i)A(?-i)b", r"(?-i)a", r"(?ims)a", r"(?x)a", r"(?i", r"(?)",
    r"(?i)(?U)a+", r"(?U:a*?)", r"(?iU-s:a)",
    # dot and newlines
    r"a.b", r"^.$", r"^..$", r"^.{2}$", r"^.{3}$", r"[^a]", r"[^\n]", r"\n", r".+",
    # escapes
    r"\x41", r"\x{1F600}", r"\x{10FFFF}", r"\x{110000}", r"\x4", r"\x{}", r"\101", r"\0", r"\08",
    r"\1", r"\8", r"\12", r"\a", r"\f", r"\t", r"\v", r"\r", r"\e", r"\cA", r"\C", r"\X", r"\R",
    r"\h", r"\N{LATIN SMALL LETTER A}", r"\G", r"\K", r"\-", r"\ ", r"\#", r"\&", r"\~", r"\_",
    r"\é", r"\.\*", "\\",  "a\\", r"\%", r"\<", r"\>", r"\'", r"\`", r"\y", r"\o", r"\u0041",
    # repetition
    "a{1000}", "a{1001}", "a{2,1}", "a{,5}", "a{2}", "a{2,}", "a{0}", "a{0,0}", "a{1,1000}",
    "a{1,1001}", "(a{100}){10}", "(a{100}){11}", "((a{10}){10}){10}", "((a{10}){10}){11}",
    "(?:a{2}){500}", "(?:a{2}){501}", "x{2}{3}", "a**", "a*?", "a+*", "a??", "a*+", "a++",
    "a?*", "*a", "+", "?", "a|*", "(*)", "a{", "a{1", "a{1,", "a{x}", "{", "}", "a{99999999999}",
    "a{01}", "a{00}", "{01}", "a{1,01}", "x{99999999}", "x{1,99999999999}", "a{100000000}",
    "a**{1001}", "*(?<=a)", "(?<=a>b)", "a{1001", r"\Q{1001}", "[{1001}]", r"\p{Greek}{1001}",
    r"\pL{1000}", r"[\p{L}\p{N}]{1000}", "(?:(?:a{1000}){1000})", "(a*)*", "(a+)+$", "(a|aa)+$",
    # groups
    "(a)", "(?:a)", "(?P<n>a)", "(?<n>a)", "(?P<n>a)(?P<n>b)", "(?P<>a)", "(?P<1n>a)",
    "(?P<n-x>a)", "(?P=n)", "(?P>n)", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "(?>a)", "(?#x)",
    "(?|a)", "(a", "a)", "()", "(|)", "a|", "|a", "|", "((((a))))", "(?P<n", "(?i)(?P<Ü>x)", "(?P<Ü", "(?P<n_1>a)",
    "(?P<n>", "(?P<n>a", "a(?P<n>b))",
    # classes
    "[a", "[]a]", "[^]a]", "[]", "[^]", "[a-]", "[-a]", "[z-a]", r"[a-\d]", r"[\d-z]", "[a-a]",
    r"[\x00-\x{10FFFF}]", r"[\]]", r"[\[]", "[[]", "[a&&b]", "[[a]]", r"[\p{Lu}&&a]", r"[^\x00-\x{10FFFF}]",
    r"[\b]", r"[\B]", r"[\Z]", r"[\C]", r"[.]", "[é-ü]", "[^é]", "(?i)[é]", "(?i)[k]",
    # Unicode text and literals
    "日本", "^日本$", "é", "(?i)CAFÉ", "😀", "\U0010ffff", "ß", "(?i)ß", "(?i)SS",
    # the kind pprof users type
    r"runtime\.", r"main\.Fib$", r"^main\.", r"Fib|fib", r"\(\*T\)", r"\.func\d+$", r"\.so(\.|$)",
    r"^runtime/internal/", r"(?i)mutex", r"sync\.\(\*Mutex\)\.Lock", r"Serve(HTTP)?",
]

# the limits: a few scripts RE2 lacks, a program too large for RE2, nesting (Go: at most 1000 deep)
DEEP = [r"\p{Garay}", r"\p{todhri}", r"\pL{1000}" * 5,
        "(" * 999 + "a" + ")" * 999, "(" * 1000 + "a" + ")" * 1000, "(" * 1001 + "a" + ")" * 1001,
        "(?:" * 1001 + "a" + ")" * 1001, "((?:" * 600 + "a" + "))" * 600, "(a*" * 999 + ")" * 999, "(" * 5000 + "a" + ")" * 5000, "a" * 100000,
        "(?:a|b)" * 20000]  # fmt: skip


# Go's "expression nests too deeply" counts every node of its parsed tree (a star, a concatenation);
# goregexp checks only nested captures, a lower bound: these deeper trees compile here.
# Go 1.27's Unicode is 17.0, RE2's older: 11 scripts new in Unicode 16 and 17 are refused here.
# RE2's program for a Unicode class is UTF-8 byte automata, Go's one instruction: too large here.
KNOWN = {"(a*" * 999 + ")" * 999: "go refuses: nests too deeply", r"\p{Garay}": "go accepts", r"\p{todhri}": "go accepts",
         r"\pL{1000}" * 5: "go accepts", r"\pL{1000}": "go accepts", r"[\p{L}\p{N}]{1000}": "go accepts"}  # fmt: skip


@pytest.fixture(scope="module")
def go_answers(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    assert GO_BIN_DIR is not None
    root = tmp_path_factory.mktemp("gorx")
    (root / "main.go").write_text(ORACLE)
    (root / "go.mod").write_text("module gorx\n\ngo 1.21\n")
    env = go_env()
    r = subprocess.run([str(GO_BIN_DIR / "go"), "build", "-o", "gorx", "."], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    cases = [{"p": p, "s": NAMES} for p in PATTERNS + DEEP]
    cases += [{"p": p, "s": [], "b": [base64.b64encode(b).decode() for b in BYTES]} for p in BYTE_PATTERNS]
    r = subprocess.run([str(root / "gorx")], input=json.dumps(cases), cwd=root, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    answers: list[dict] = json.loads(r.stdout)
    assert len(answers) == len(cases)
    return answers


#: names that are not UTF-8 (a profile's strings are bytes): Go reads each invalid byte as U+FFFD
BYTES = [b"a\xffb", b"\xff", b"\xe2\x82", b"\xe2\x82x", b"main.\xc0\xafFib", b"\xed\xa0\x80", b"ok", b"\xf0\x9f\x98",
         b"\xff\xfe", "é".encode()]  # fmt: skip
BYTE_PATTERNS = [r"^.$", r"^..$", r"^...$", r"a.b", r"\x{FFFD}", r"^\x{FFFD}$", r"^\x{FFFD}{2}$", "\ufffd", r"[^a]",
                 r"^[^x]+$", r"\pL", "Fib", r"^main\..*Fib$", r"\PL", r"(?s)^.*$", r"^\p{Cn}$", r"^\p{Any}$",
                 r"^\p{Any}+$", r"\b", r"^\W+$", r"^\S+$", "(?i)é", "^[\ufffd]+$"]  # fmt: skip


def _ours(pattern: str) -> dict:
    try:
        rx = goregexp.compile(pattern)
    except goregexp.GoRegexpError as e:
        return {"err": str(e), "m": None}
    return {"err": "", "m": [rx.search(s) for s in NAMES]}


def _show(pattern: str) -> str:
    return repr(pattern) if len(pattern) < 60 else f"{pattern[:30]!r}…({len(pattern)} chars)"


def test_every_pattern_is_compiled_and_matched_as_go_does(go_answers: list[dict]) -> None:
    wrong = []
    for pattern, want in zip(PATTERNS + DEEP, go_answers[:len(PATTERNS + DEEP)], strict=True):
        got = _ours(pattern)
        if pattern in KNOWN:
            assert bool(want["err"]) != bool(got["err"]), _show(pattern)
            continue
        if got["err"] != want["err"]:
            wrong.append(f"{_show(pattern)}: go {want['err'][:200] or 'compiles'!r}, ours {got['err'][:200] or 'compiles'!r}")
        elif want["m"] is not None and got["m"] != want["m"]:
            diff = [f"{s!r}: go {w}" for s, w, g in zip(NAMES, want["m"], got["m"]) if w != g]
            wrong.append(f"{_show(pattern)}: {', '.join(diff)}")
    answers = go_answers[:len(PATTERNS + DEEP)]
    refused = sum(1 for a in answers if a["err"])
    assert not wrong, f"{len(wrong)} of {len(go_answers)} differ:\n" + "\n".join(wrong)
    assert refused > 60 and len(answers) - refused > 150  # both sides of the table are exercised


def test_names_that_are_not_utf8_match_as_go_reads_them(go_answers: list[dict]) -> None:
    wrong = []
    for pattern, want in zip(BYTE_PATTERNS, go_answers[len(PATTERNS + DEEP):], strict=True):
        rx = goregexp.compile(pattern)
        got = [rx.search(b.decode("utf-8", "surrogateescape")) for b in BYTES]  # as decode keeps them
        wrong += [f"{pattern!r} on {b!r}: go {w}" for b, w, g in zip(BYTES, want["mb"], got) if w != g]
    assert not wrong, "\n".join(wrong)


def test_quote_meta_is_gos(go_answers: list[dict]) -> None:
    for name in NAMES:
        rx = goregexp.compile("^" + goregexp.quote_meta(name) + "$")
        assert rx.search(name), name
