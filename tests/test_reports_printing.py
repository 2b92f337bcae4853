"""Page breaks of a printed sheet, on plain data (survey_app/reports/printing.py)."""

from __future__ import annotations

from survey_app.reports import printing
from survey_app.reports.printing import Pages


def test_a_narrow_sheet_prints_at_full_scale_and_a_wide_one_smaller() -> None:
    # 10 characters: 75 pixels, far within the 784 points between the margins.
    assert printing.scale([10.0]) == 1.0
    # 20 columns of 20 characters: 20 · 145 = 2,900 pixels, counted as points.
    assert printing.scale([20.0] * 20) == (842 - 2 * 72 * 0.4) / 2900


def test_a_table_that_would_run_over_the_page_starts_a_new_one() -> None:
    # Full scale: (595 − 2 · 54 − 24) / 15 · 0.95 = 29.3 lines a page.
    assert round(printing.rows_per_page(Pages(widths=[10.0])), 1) == 29.3
    # Rows 0–21 hold the first table; the second (rows 24–38, 15 rows) would end on line 39.
    pages = Pages(widths=[10.0], units=[(2, 21), (24, 38)])
    assert printing.breaks(pages) == [24]


def test_a_table_taller_than_a_page_breaks_between_its_insatser() -> None:
    # One table of rows 2–62, five insatser of 12 rows each from row 3: lines 3–26 fit on
    # the first page (27 lines with rows 0–2), the third insats would end on line 39; then
    # 27–50 fit, the fifth would end on line 36 of its page.
    blocks = [(3 + 12 * i, 14 + 12 * i) for i in range(5)]
    pages = Pages(widths=[10.0], units=[(2, 62), *blocks])
    assert printing.breaks(pages) == [27, 51]


def test_a_wrapped_text_makes_its_row_taller() -> None:
    assert printing.lines("Hur mår du i allmänhet?", 40) == 1
    # 23 characters in a column of 12: "Hur mår du" / "i" … at most 11 a line.
    assert printing.lines("Hur mår du i allmänhet?", 12) == 3
    pages = Pages(widths=[12.0])
    printing.fit_rows(pages, [(4, 0, "Hur mår du i allmänhet?")])
    assert pages.tall == {4: 3.0}


def test_the_header_escapes_an_ampersand_in_the_forbunds_name() -> None:
    header, footer = printing.header_and_footer("Väst & Norr", "period 2025", internal=False)
    assert header == "&L&A&C&RVäst && Norr, period 2025"
    assert footer == "&CSida &P av &N"


def test_the_summary_page_shows_values_the_swedish_way() -> None:
    from survey_app.reports import summary

    assert summary.shown(0.8333, summary.PERCENT) == "83 %"
    assert summary.shown(0.6843, summary.DECIMAL) == "0,68"
    assert summary.shown(-0.2, summary.DECIMAL) == "−0,20"
    assert summary.shown(6.0, summary.COUNT) == "6"
    assert summary.shown("<5", summary.COUNT) == "<5"
    assert summary.shown(None, summary.COUNT) == ""
