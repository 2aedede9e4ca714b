"""m3tui.logs.status: the Logs pane's status line fitted to a width (short forms, priorities)."""

from __future__ import annotations

from m3tui.logs.status import StatusFacts, StatusPart, fit_status, status_parts, text_width

SEP = " · "


def said(facts: StatusFacts, width: int) -> str:
    return SEP.join(p.text for p in fit_status(status_parts(facts), width))


EVERYTHING = StatusFacts("a-rather-long-service-name.jsonl", lines=3000, shown=1000, following=True, level="warn+",
                         query="request", matches=3000, filtering=True, lint="lint 2,000 ⚠", lint_problems=True,
                         wrap=True)  # fmt: skip


def test_everything_is_said_in_full_when_there_is_room() -> None:
    assert said(EVERYTHING, 200) == (
        "a-rather-long-service-name.jsonl · 3,000 lines · 1,000 shown · following · level warn+ · "
        "/request: 3,000 matches · filter on · lint 2,000 ⚠ · wrap"
    )


def test_at_80_columns_the_least_important_parts_are_said_short_then_left_out() -> None:
    text = said(EVERYTHING, 78)
    assert text_width(text) <= 78
    assert text == "a-rather-lon…-name.jsonl · 3,000 lines · warn+ · /request 3,000 · lint 2,000 ⚠"
    narrow = said(EVERYTHING, 50)
    assert text_width(narrow) <= 50 and "lint 2,000 ⚠" in narrow and "3,000 lines" in narrow
    assert said(StatusFacts("app.log", lines=1, following=False), 78) == "app.log · 1 line · follow off"
    assert said(StatusFacts("app.log", lines=12, following=False), 18) == "app.log · 12 lines"


def test_the_name_is_cut_in_its_middle_last() -> None:
    name = "x" * 40 + "-service.jsonl"
    text = said(StatusFacts(name, lines=5, lint="lint ok"), 40)
    assert text_width(text) == 40 and text.endswith(" · 5 lines · lint ok")
    assert text.startswith("xxx") and "…" in text and ".jsonl ·" in text
    assert text_width(said(StatusFacts("日本語のログファイル名.log", lines=5), 20)) <= 20


def test_a_long_query_is_cut_short_and_a_paused_follow_says_so() -> None:
    facts = StatusFacts("app.log", lines=10, query="/a very long regular expression indeed/", matches=2,
                        following=True, paused=True)  # fmt: skip
    assert "following, paused (G: to the end)" in said(facts, 200)
    short = said(facts, 50)
    assert "follow ‖ G" in short and "/a very…" in short and "2" in short and text_width(short) <= 50
    assert fit_status([StatusPart("kept", keep=100), StatusPart("gone", short="", keep=1)], 4)[0].text == "kept"
