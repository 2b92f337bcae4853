"""The demo workbook printed as a board member would: LibreOffice converts it to PDF once for
the module, and the PDF's pages and the sheets' page set-up are read back."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.demo import load_demo_data
from survey_app.extensions import db
from survey_app.models import Forbund
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter
from survey_app.scoring import eq5d
from tests.conftest import make_settings, unavailable


@dataclass
class Printed:
    xlsx: Path
    pages: list[str]  # each page's text
    sheets: list[str]  # the sheet each page belongs to (the header's left part)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        unavailable("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    assert soffice is not None
    folder = tmp_path_factory.mktemp("print")
    app = create_app(make_settings(f"sqlite:///{folder / 'demo.sqlite3'}"))
    target = folder / "demo.xlsx"
    with app.app_context():
        db.create_all()
        registry = app.extensions["questionnaires"]
        load_demo_data(registry, date(2026, 12, 1))
        db.session.commit()
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        assert forbund_id is not None
        data = reports_dataset.load(ReportFilter(forbund_id), registry)
        workbook.write(data, target, made_by="test")
        db.session.remove()
        db.engine.dispose()
    result = subprocess.run(  # noqa: S603 (a fixed local program)
        [
            soffice,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(folder / "demo.pdf")
    pages = [page.extract_text() for page in reader.pages]
    # The header: the sheet's name on the left, the förbund and period on the right.
    sheets = [text.split(" Demoförbundet, period")[0].strip() for text in pages]
    yield Printed(target, pages, sheets)


def test_the_summary_is_the_first_sheet_and_prints_on_at_most_two_pages(
    printed: Printed,
) -> None:
    assert printed.sheets[0] == "Sammanfattning"
    counts = Counter(printed.sheets)
    assert 1 <= counts["Sammanfattning"] <= 2
    # Every sheet prints, in the workbook's order, each on pages of its own.
    names = openpyxl.load_workbook(printed.xlsx).sheetnames
    assert list(dict.fromkeys(printed.sheets)) == names


def test_every_page_names_the_forbund_the_period_and_its_number(printed: Printed) -> None:
    total = len(printed.pages)
    for number, text in enumerate(printed.pages, start=1):
        assert "Demoförbundet, period början – idag" in text
        assert f"Sida {number} av {total}" in text


def test_every_sheet_is_landscape_a4_fitted_to_the_page_width(printed: Printed) -> None:
    book = openpyxl.load_workbook(printed.xlsx)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # An absent fitToWidth is the file format's default: 1.
        assert setup.fitToWidth in (None, 1), sheet.title
        # As many pages tall as needed, but the summary at most two.
        assert setup.fitToHeight == (2 if sheet.title == "Sammanfattning" else 0), sheet.title
        assert sheet.print_title_rows, f"{sheet.title} repeats its header rows"
        assert "&P av &N" in sheet.oddFooter.center.text
    # The comparison sheets repeat their table's header row, and print the table (not the
    # data behind the charts beside it).
    for name in ("Självskattning", "EQ-5D"):
        assert book[name].print_title_rows == "$4:$4"
        assert book[name].print_area is not None


def test_no_table_is_cut_across_the_page_width(printed: Printed) -> None:
    """A table cut into strips puts its first and its last columns on different pages. Every
    page of a comparison sheet has the repeated header row whole: the first column ("Mått")
    and the last ("Andel försämrade") together."""
    for name in ("Självskattning", "EQ-5D"):
        pages = [
            text for sheet, text in zip(printed.sheets, printed.pages, strict=True) if sheet == name
        ]
        assert pages
        for text in pages:
            assert "Mått" in text and "Andel" in text and "försämrade" in text
    # The overview's count tables: the insats column and the total column on one page.
    overview = [t for s, t in zip(printed.sheets, printed.pages, strict=True) if s == "Översikt"]
    for text in overview:
        assert ("Insats" in text) == ("Totalt" in text)
    # The summary's widest table whole on its page.
    summary = "\n".join(
        t for s, t in zip(printed.sheets, printed.pages, strict=True) if s == "Sammanfattning"
    )
    assert "Mått Kön" in summary and "Andel" in summary


def test_a_chart_is_never_split_over_two_pages(printed: Printed) -> None:
    for title in (
        "Medelvärde av alla frågor: medel",
        "EQ-5D index: medel",
    ):
        pages = [t for t in printed.pages if title in t.replace("\n", " ")]
        assert len(pages) == 1, title
        # Its axis title on the same page as its title.
        assert "Insats (antal par)" in pages[0]


def _chart_axes(xlsx: Path) -> dict[str, tuple[float, float]]:
    """Each chart's title and value axis (min, max), from the chart parts of the file."""
    out = {}
    with zipfile.ZipFile(xlsx) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/charts/chart"):
                continue
            xml = archive.read(name).decode()
            title = re.findall(r"<a:t>([^<]*)</a:t>", xml)[0]
            low = float(re.search(r'<c:min val="([^"]+)"', xml).group(1))  # type: ignore[union-attr]
            high = float(re.search(r'<c:max val="([^"]+)"', xml).group(1))  # type: ignore[union-attr]
            out[title.split(":")[0]] = (low, high)
    return out


def test_chart_axes_start_at_the_scales_least_value(printed: Printed) -> None:
    axes = _chart_axes(printed.xlsx)
    # The charts the questionnaire files declare: the self-assessment mean (items 1–10) and
    # the EQ-5D index.
    assert set(axes) == {"Medelvärde av alla frågor", "EQ-5D index"}
    assert axes["Medelvärde av alla frågor"] == (1.0, 10.0)
    # The EQ-5D index from the lowest value the förbund's value sets (the defaults: Swedish
    # 3L and 5L) give any state, rounded down to a tenth; at most 1 (full health).
    least = min(eq5d.value_range("se_tto_3l")[0], eq5d.value_range("se_5l_2022")[0])
    low, high = axes["EQ-5D index"]
    assert low <= least < low + 0.1 and high == 1.0


def test_chart_titles_give_the_number_of_pairs(printed: Printed) -> None:
    with zipfile.ZipFile(printed.xlsx) as archive:
        titles = [
            re.findall(r"<a:t>([^<]*)</a:t>", archive.read(n).decode())[0]
            for n in archive.namelist()
            if n.startswith("xl/charts/chart")
        ]
    assert len(titles) == 2
    for title in titles:
        assert re.search(r"totalt (n = \d+|n: (<5|x))\)$", title), title
