"""The & prompt's completion (the term being typed) and the status line's '& EXPR' part."""

from __future__ import annotations

import asyncio

import pytest

from m3tui.logs.status import StatusFacts, fit_status, status_parts
from m3tui.tui.panes.log_where import FieldSuggester

FIELDS = {"level": ["INFO", "WARN"], "component": ["m3-db", "m3-query"], "http.status": ["200", "500"], "msg": []}


@pytest.mark.parametrize(("typed", "suggested"), [
    ("lev", "level"), ("level>=W", "level>=WARN"), ("level>=warn comp", "level>=warn component"),
    ("component=m3-q", "component=m3-query"), ("!comp", "!component"), ("http.status!=5", "http.status!=500"),
    ("msg~x", None), ("nothing", None), ("level", None), ("", None), ("level>=warn ", None),
])  # fmt: skip
def test_the_last_term_is_completed(typed: str, suggested: str | None) -> None:
    assert asyncio.run(FieldSuggester(FIELDS).get_suggestion(typed)) == suggested


def test_the_status_says_the_filter_and_shortens_it_when_narrow() -> None:
    facts = StatusFacts("app.log", lines=10, shown=3, where="component=m3-query duration>500ms")
    wide = " · ".join(p.text for p in fit_status(status_parts(facts), 200))
    assert "& component=m3-query duration>500ms" in wide
    narrow = " · ".join(p.text for p in fit_status(status_parts(facts), 50))
    assert "& componen…" in narrow and len(narrow) <= 50  # its middle left out
