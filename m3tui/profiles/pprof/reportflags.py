"""pprof's report flags beyond -focus/-ignore/-hide, as one value: -tagfocus, -tagignore, -show,
-show_from, -granularity and -nodefraction. `m3tui profile top` takes them as flags
(cli/profile_flags.py), the Profiles pane from its flags form (`F`); both check them here and
apply them through `pipeline.prepare` / `finish` and `analysis.top`'s node fraction, so the pane's
top table is the CLI's."""

from __future__ import annotations

from dataclasses import dataclass, fields

from m3tui.core.errors import UsageError
from m3tui.profiles.pprof.graph import Filters, check_regexp
from m3tui.profiles.pprof.pipeline import GRANULARITIES

__all__ = ["GRANULARITIES", "ReportFlags", "check_field", "check_nodefraction"]


@dataclass(frozen=True)
class ReportFlags:
    """The flags as given (None: not given, pprof's default)."""

    tagfocus: str | None = None
    tagignore: str | None = None
    show: str | None = None
    show_from: str | None = None
    granularity: str | None = None  # None or "functions": pprof's default
    nodefraction: float | None = None  # None: analysis.DEFAULT_NODE_FRACTION

    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def prepared(self) -> bool:
        """Whether `pipeline.prepare` must run for them (pipeline.needed for one profile)."""
        return bool(self.tagfocus or self.tagignore or self.show or self.show_from
                    or (self.granularity or "functions") != "functions")

    def filters(self, focus: str | None = None, ignore: str | None = None, hide: str | None = None) -> Filters:
        """Every filter: the name filters given with the tag and show ones."""
        return Filters(focus=focus, ignore=ignore, hide=hide, show=self.show, show_from=self.show_from,
                       tagfocus=self.tagfocus, tagignore=self.tagignore)  # fmt: skip

    def argv(self) -> list[str]:
        """As `m3tui profile top` is given them ("--show-from", "RE", …), in its flags' order."""
        out: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not (f.name == "granularity" and value == "functions"):
                out += [f"--{f.name.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
        return out


def check_nodefraction(value: float) -> None:
    """pprof takes a fraction of the total: from 0 to 1."""
    if not 0 <= value <= 1:
        raise UsageError(f"--nodefraction {value:g}: must be from 0 to 1")


def check_field(name: str, text: str) -> str | float | None:
    """One flag typed as text (the pane's form): its value, None when empty; a `UsageError` or
    `ProfileError` with one line when it cannot be used (a regexp that does not compile, a
    granularity pprof does not have, a fraction out of range)."""
    text = text.strip()
    if not text:
        return None
    if name == "nodefraction":
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"--nodefraction {text!r}: not a number (a fraction of the total, e.g. 0.01)") from None
        check_nodefraction(value)
        return value
    if name == "granularity":
        if text not in GRANULARITIES:
            raise UsageError(f"--granularity {text!r}: must be one of: {', '.join(GRANULARITIES)}")
        return text
    if name in ("tagfocus", "tagignore"):
        from m3tui.profiles.pprof.tagfilter import check_tag_filter

        check_tag_filter(name, text)
        return text
    if name in ("show", "show_from"):
        check_regexp(text, name)
        return text
    raise ValueError(name)
