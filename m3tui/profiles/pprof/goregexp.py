"""Go's regular expressions, for the patterns pprof takes (focus, ignore, hide, show, peek, list).

pprof is Go: it compiles each user pattern with ``regexp.Compile`` (RE2 syntax, Perl flags) and asks
``MatchString``. Python's ``re`` is another dialect (no ``\\pL``, ``\\Q…\\E``, ``\\z``, POSIX classes;
``(?U)`` means Unicode there, ungreedy in Go) and backtracks, so a user pattern goes to RE2 itself
(the ``google-re2`` package: Google's C++ RE2, which Go's regexp was ported from): the same
syntax, linear time whatever the pattern, and so the same answers. Go's parser differs from the
C++ one in a few places; `compile` closes those gaps (each one checked against the real Go in
tests/integration/test_goregexp_real.py): Go's own refusals, Go's Unicode class names (looked up
loosely since Go 1.25: ``\\p{greek}``, ``\\p{Letter}``, ``\\p{ASCII}``) spelled as RE2 knows
them, and its errors in Go's words (``invalid repeat count: `{1001}` ``).

Left different (tests/integration/test_goregexp_real.py's KNOWN): Go refuses a tree more than
1000 deep counting every node, checked here for nested captures only; Go 1.27's Unicode is 17.0,
RE2's older, so the 11 scripts new in Unicode 16 and 17 are refused here and characters those
versions added may not match a class; RE2 compiles a Unicode class into UTF-8 byte automata, so a
big one repeated many times (``\\pL{1000}``) is too large here (RE2's 8 MiB) where Go takes it;
inside brackets ``\\pC`` is RE2's (no Cn), ``\\P{LC}`` refused.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from m3tui.core.errors import InputError
from m3tui.core.text import one_line

__all__ = ["GoRegexp", "GoRegexpError", "compile", "quote_meta"]

# C++ RE2's error codes (re2/regexp.cc) in Go's words (regexp/syntax.ErrorCode), longest first so
# that a code that starts another is not taken for it.
_GO_CODES = (
    ("invalid character class range", "invalid character class range"),
    ("invalid character class", "invalid character class"),
    ("invalid escape sequence", "invalid escape sequence"),
    ("missing ]", "missing closing ]"),
    ("missing )", "missing closing )"),
    ("unexpected )", "unexpected )"),
    ("trailing \\", "trailing backslash at end of expression"),
    ("no argument for repetition operator", "missing argument to repetition operator"),
    ("invalid repetition size", "invalid repeat count"),
    ("bad repetition operator", "invalid nested repetition operator"),
    ("invalid perl operator", "invalid or unsupported Perl syntax"),
    ("invalid UTF-8", "invalid UTF-8"),
    ("invalid named capture group", "invalid named capture"),
    ("pattern too large - compile failed", "expression too large"),
)

#: Go's QuoteMeta escapes exactly these.
_SPECIAL = frozenset("\\.+*?()|[]{}^$")
#: what Go's parser takes literally after a backslash (no letter or digit: those are escapes)
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

_re2: Any = None
_options: Any = None


class GoRegexpError(InputError):
    """A pattern Go's regexp.Compile refuses; the message is Go's (``error parsing regexp: …``)."""


class GoRegexp:
    """A compiled Go regexp; `search` is Go's ``MatchString`` (a match anywhere in the text)."""

    __slots__ = ("_match", "_anchor", "_literal", "pattern")

    def __init__(self, pattern: str, compiled: Any, anchor: Any) -> None:
        self.pattern = pattern
        self._match = compiled.Match
        self._anchor = anchor
        self._literal = _literal(pattern)

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text`` (its UTF-8 bytes, as Go sees them)."""
        if self._literal is not None:  # the common "runtime\.mallocgc": 20x cheaper than a call into RE2
            return self._literal in text
        b = _subject(text)
        found: int = self._match(self._anchor, b, 0, len(b))[0][0]
        return found >= 0

    def __repr__(self) -> str:
        return f"GoRegexp({self.pattern!r})"


def _literal(pattern: str) -> str | None:
    """The text a pattern of plain characters and escaped ASCII punctuation matches, else None."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if not (nxt.isascii() and nxt in _PUNCT):
                return None
            out.append(nxt)
            i += 2
        elif c in _SPECIAL:
            return None
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    return None if "\ufffd" in text else text  # Go's U+FFFD also matches an invalid byte


def _utf8(text: str) -> bytes:
    """The bytes Go would have: a name's undecodable bytes come back (surrogateescape), and a
    lone surrogate is the invalid UTF-8 it stands for."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


#: a byte that was not UTF-8 (surrogateescape) is U+FFFD to Go's matcher, one per byte; another
#: lone surrogate stands for its three invalid bytes
_INVALID = {c: "\ufffd" if 0xDC80 <= c <= 0xDCFF else "\ufffd" * 3 for c in range(0xD800, 0xE000)}


def _subject(text: str) -> bytes:
    """What Go's matcher sees of a name: its UTF-8, each invalid byte read as U+FFFD (as Go's
    utf8.DecodeRune does: ``.`` and ``\\x{FFFD}`` match it; RE2 would match none)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.translate(_INVALID).encode("utf-8")


def _load() -> Any:
    global _re2, _options
    if _re2 is None:
        mod = importlib.import_module("re2")
        opts = mod.Options()
        opts.log_errors = False  # C++ RE2 would print each refused pattern on fd 2 (the TUI's screen)
        opts.never_capture = True  # only whether it matches is asked
        # max_mem stays RE2's 8 MiB: a regexp's memory (program and DFA cache) stays bounded; Go takes
        # more (\pL{1000}: RE2 compiles a class into UTF-8 automata, 1.3 s and 150 MB at 32 MiB)
        _options = opts
        _re2 = mod
    return _re2


def _go_error(code: str, arg: str) -> GoRegexpError:
    return GoRegexpError(one_line(f"error parsing regexp: {code}: `{arg}`"))


def _parse_int(s: str, i: int) -> tuple[int, int] | None:
    """Go's parseInt at ``s[i:]``: (value, end), the value -1 past 1e8; None without digits or
    with a leading zero (``{01}`` is no repeat in Go)."""
    j = i
    while j < len(s) and "0" <= s[j] <= "9":
        j += 1
    if j == i or (j - i >= 2 and s[i] == "0"):
        return None
    n = 0
    for c in s[i:j]:
        if n >= 100_000_000:
            return -1, j
        n = n * 10 + ord(c) - 48
    return n, j


def _bad_repeat(s: str, i: int) -> int:
    """The end of a ``{n}``/``{n,}``/``{n,m}`` at ``s[i]`` whose counts Go refuses, else -1."""
    first = _parse_int(s, i + 1)
    if first is None:
        return -1
    lo, j = first
    hi = lo
    if j < len(s) and s[j] == ",":
        j += 1
        hi = -1
        if j < len(s) and s[j] != "}":
            second = _parse_int(s, j)
            if second is None:
                return -1
            hi, j = second
            if hi < 0:
                hi = 1_000_000_000  # too big: refused below
    if j >= len(s) or s[j] != "}":
        return -1
    return j + 1 if lo < 0 or lo > 1000 or hi > 1000 or (hi >= 0 and lo > hi) else -1


def _class_end(s: str, i: int) -> int:
    """Where the bracket expression at ``s[i]`` ends (after its ``]``), or len(s)."""
    i += 1
    if i < len(s) and s[i] == "^":
        i += 1
    first = True
    while i < len(s) and (s[i] != "]" or first):
        first = False
        if s.startswith("[:", i):
            close = s.find(":]", i + 2)
            if close >= 0:
                i = close + 2
                continue
        if s[i] == "\\" and i + 1 < len(s):
            i = _escape_end(s, i)
            continue
        i += 1
    return min(i + 1, len(s))


def _escape_end(s: str, i: int) -> int:
    """After the escape at ``s[i]`` (``\\p{Greek}`` and ``\\x{41}`` whole)."""
    if i + 2 < len(s) and s[i + 1] in "pPx" and s[i + 2] == "{":
        close = s.find("}", i + 3)
        return close + 1 if close >= 0 else len(s)
    return i + 2


def _go_only_refusal(pattern: str) -> tuple[int, GoRegexpError] | None:
    """The first thing Go's parser refuses and C++ RE2's does not, with where it starts: ``\\C``
    (any byte), counts past 1e8 (C++ takes ``{99999999999}`` literally), capture names that are not
    ASCII words (C++ allows ``(?P<Ü>``; Go reads ``(?<=`` as a bad name too), and nesting 1000
    captures deep (Go's maxHeight; a lower bound of Go's tree height, which counts every node)."""
    s, i, n, depth = pattern, 0, len(pattern), 0
    stack: list[bool] = []
    while i < n:
        c = s[i]
        if c == "\\":
            nxt = s[i + 1] if i + 1 < n else ""
            if nxt == "Q":  # literal text up to \E or the end
                end = s.find("\\E", i + 2)
                if end < 0:
                    return None
                i = end + 2
            elif nxt == "C":
                return i, _go_error("invalid escape sequence", "\\C")
            else:
                i = _escape_end(s, i)
        elif c == "[":
            i = _class_end(s, i)
        elif c == "{":
            end = _bad_repeat(s, i)
            if end >= 0:
                return i, _go_error("invalid repeat count", s[i:end])
            i += 1
        elif c == "(":
            capture = not s.startswith("(?", i)
            name_at = 4 if s.startswith("(?P<", i) else 3 if s.startswith("(?<", i) else 0
            if name_at:
                close = s.find(">", i)
                if close < 0:
                    return i, _go_error("invalid named capture", s[i:])
                name = s[i + name_at:close]
                if not name or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name):
                    return i, _go_error("invalid named capture", s[i:close + 1])
                capture = True
            stack.append(capture)
            depth += capture
            if depth >= 1000:
                return 0, _go_error("expression nests too deeply", s)
            i += 1
        elif c == ")":
            if stack:
                depth -= stack.pop()
            i += 1
        else:
            i += 1
    return None


# --- \p{Name}: Go's names, looked up as Go does (regexp/syntax unicodeTable, Go 1.25+) -------------

#: Go's unicode.Scripts that C++ RE2 has (Go 1.27, Unicode 17). RE2 lacks 11 scripts new in Unicode
#: 16 and 17 (Garay, Todhri, ...): those stay refused here, and RE2's tables are older for the
#: characters those versions added.
_SCRIPTS = """
    Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
    Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian
    Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret
    Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian
    Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya
    Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi
    Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi
    Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian
    Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin
    Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro
    Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu
    Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic
    Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya
    Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan
    Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese
    Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu
    Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi
    Zanabazar_Square
""".split()
#: Go's unicode.Categories (LC and Cn are spelled out below: RE2 has neither) and CategoryAliases
_CATEGORIES = "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split()
_CATEGORY_ALIASES = {
    "Cased_Letter": "LC", "Close_Punctuation": "Pe", "Combining_Mark": "M", "Connector_Punctuation": "Pc",
    "Control": "Cc", "Currency_Symbol": "Sc", "Dash_Punctuation": "Pd", "Decimal_Number": "Nd",
    "Enclosing_Mark": "Me", "Final_Punctuation": "Pf", "Format": "Cf", "Initial_Punctuation": "Pi",
    "Letter": "L", "Letter_Number": "Nl", "Line_Separator": "Zl", "Lowercase_Letter": "Ll", "Mark": "M",
    "Math_Symbol": "Sm", "Modifier_Letter": "Lm", "Modifier_Symbol": "Sk", "Nonspacing_Mark": "Mn",
    "Number": "N", "Open_Punctuation": "Ps", "Other": "C", "Other_Letter": "Lo", "Other_Number": "No",
    "Other_Punctuation": "Po", "Other_Symbol": "So", "Paragraph_Separator": "Zp", "Private_Use": "Co",
    "Punctuation": "P", "Separator": "Z", "Space_Separator": "Zs", "Spacing_Mark": "Mc", "Surrogate": "Cs",
    "Symbol": "S", "Titlecase_Letter": "Lt", "Unassigned": "Cn", "Uppercase_Letter": "Lu", "cntrl": "Cc",
    "digit": "Nd", "punct": "P",
}  # fmt: skip
#: what is assigned: every category but Cn (RE2's C is Cc Cf Co Cs, as Go's)
_ASSIGNED = "\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Z}\\p{C}"
#: a name as RE2 spells it: (class body, whether the body is one escape whose \\P form negates it)
_SPECIAL_NAMES: dict[str, tuple[str, bool]] = {
    "Any": ("\\p{Any}", True), "Assigned": (_ASSIGNED, False), "Ascii": ("\\x00-\\x7f", False),
    "Lc": ("\\p{Lu}\\p{Ll}\\p{Lt}", False),
}


def _canonical(name: str) -> str:
    """Go's canonicalName: no ``_``, ``-`` or space, the first letter upper case, the rest lower."""
    out: list[str] = []
    for c in name:
        if c in "_- ":
            continue
        out.append(c.upper() if not out and "a" <= c <= "z" else c.lower() if out and "A" <= c <= "Z" else c)
    return "".join(out)


@functools.cache
def _names() -> dict[str, tuple[str, bool]]:
    """Canonical name -> RE2's spelling, in Go's order of lookup (exact keys, then aliases)."""
    table: dict[str, tuple[str, bool]] = {}
    for alias, actual in _CATEGORY_ALIASES.items():
        table.setdefault(_canonical(alias), _category(actual))
    for script in _SCRIPTS:
        table.setdefault(_canonical(script), (f"\\p{{{script}}}", True))
    for cat in _CATEGORIES:  # exact keys win over aliases
        table[cat] = _category(cat)
    for script in _SCRIPTS:
        table[script] = (f"\\p{{{script}}}", True)
    table["Cn"] = _category("Cn")
    table.update(_SPECIAL_NAMES)
    return table


def _category(name: str) -> tuple[str, bool]:
    if name == "C":  # Go's C has Cn too (all but L M N P S Z); RE2's is Cc Cf Co Cs
        return "^\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Z}", False
    if name == "LC":
        return _SPECIAL_NAMES["Lc"]
    if name == "Cn":
        return "^" + _ASSIGNED, False  # negated: see _unicode_class
    return f"\\p{{{name}}}", True


def _unicode_class(name: str, negated: bool, in_class: bool) -> str | None:
    """``\\p{name}`` (``\\P`` when negated) in RE2's words, or None to leave it as written."""
    if name.startswith("^"):
        negated, name = not negated, name[1:]
    key = _canonical(name)
    found = _names().get(key)
    if found is None:
        return None
    body, single = found
    if body.startswith("^"):
        negated, body = not negated, body[1:]
    if single:
        return body.replace("\\p{", "\\P{", 1) if negated else body
    if body == "\\x00-\\x7f" and negated:
        body, negated = "\\x{80}-\\x{10ffff}", False
    if not in_class:
        return f"[^{body}]" if negated else f"[{body}]"
    return None if negated else body


def _go_unicode_names(pattern: str) -> str:
    """The pattern with each ``\\p{...}``/``\\pX`` Go knows in the form RE2 knows: loose names
    (``\\p{greek}``, ``\\p{Old Italic}``), category aliases (``\\p{Letter}``, ``digit``), ``Any``,
    ``Assigned``, ``ASCII``, ``LC``, ``Cn``."""
    if "\\p" not in pattern and "\\P" not in pattern:
        return pattern
    out: list[str] = []
    s, i, n, depth = pattern, 0, len(pattern), -1  # depth >= 0: inside a bracket expression
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:
            nxt = s[i + 1]
            if nxt == "Q" and depth < 0:
                end = s.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(s[i:end])
                i = end
                continue
            if nxt in "pP" and i + 2 < n:
                if s[i + 2] == "{":
                    close = s.find("}", i)
                    if close < 0:
                        out.append(s[i:])
                        break
                    name, end = s[i + 3:close], close + 1
                else:
                    name, end = s[i + 2], i + 3
                new = _unicode_class(name, nxt == "P", depth >= 0)
                out.append(s[i:end] if new is None else new)
                i = end
                continue
            end = _escape_end(s, i)
            out.append(s[i:end])
            i = end
            continue
        if depth < 0 and c == "[":
            depth = 0
            j = i + 1
            if j < n and s[j] == "^":
                j += 1
            if j < n and s[j] == "]":  # a leading ] is a literal
                j += 1
            out.append(s[i:j])
            i = j
            continue
        if depth >= 0:
            if s.startswith("[:", i):
                close = s.find(":]", i + 2)
                if close >= 0:
                    out.append(s[i:close + 2])
                    i = close + 2
                    continue
            if c == "]":
                depth = -1
        out.append(c)
        i += 1
    return "".join(out)


def compile(pattern: str) -> GoRegexp:  # noqa: A001 (the name Go and re use)
    """``pattern`` as Go's ``regexp.Compile`` takes it, or `GoRegexpError` with Go's message.
    The last 16 are kept: a report compiles its filters several times (stacks, warnings, numpy path)."""
    return _compile(pattern)


@functools.lru_cache(maxsize=16)
def _compile(pattern: str) -> GoRegexp:
    re2 = _load()
    refusal = _go_only_refusal(pattern)
    if refusal is not None:
        at, go_only = refusal
        # Go reports the first error: one C++ finds before this point comes first (a missing
        # ")" there is only the cut).
        before = _cxx_error(re2, _go_unicode_names(pattern[:at]), None, pattern[:at]) if at else None
        raise before if before is not None and "missing closing )" not in str(before) else go_only
    spelled = _go_unicode_names(pattern)
    compiled = re2._re2.RE2(_utf8(spelled), _options)
    error = _cxx_error(re2, spelled, compiled, pattern)
    if error is not None:
        raise error
    return GoRegexp(pattern, compiled, re2._re2.RE2.Anchor.UNANCHORED)


def _cxx_error(re2: Any, pattern: str, compiled: Any = None, written: str = "") -> GoRegexpError | None:
    """C++ RE2's refusal of ``pattern`` in Go's words, or None. ``written``: the pattern as the user
    wrote it, when ``pattern`` is its RE2 spelling (`_go_unicode_names`): an error that quotes the
    pattern from some point to its end quotes the user's text."""
    if compiled is None:
        compiled = re2._re2.RE2(_utf8(pattern), _options)
    if compiled.ok():
        return None
    message = compiled.error()
    if isinstance(message, bytes):
        message = message.decode("utf-8", "surrogateescape")
    for theirs, ours in _GO_CODES:
        if message.startswith(theirs):
            rest = message[len(theirs):]
            arg = rest[2:] if rest.startswith(": ") else rest
            if ours == "expression too large":  # Go quotes the whole pattern; RE2 nothing
                arg = written or pattern
            if written and written != pattern and arg and pattern.endswith(arg):
                head = pattern[:len(pattern) - len(arg)]
                if written.startswith(head):
                    arg = written[len(head):]
            return _go_error(ours, arg)
    return GoRegexpError(one_line(f"error parsing regexp: {message}"))


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta``: ``text`` as a pattern that matches it literally."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)
