"""How a report reads its rows: one object per distinct value, each JSON text decoded once,
and Python's cycle collector paused while a report is read and written."""

from __future__ import annotations

import gc
import io
import json
import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import cycle_collector
from survey_app.demo import load_demo_data
from survey_app.extensions import db
from survey_app.models import Forbund
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter
from tests import factories


def test_one_object_per_distinct_value_and_each_text_decoded_once() -> None:
    texts = ['"ja"', "3", None, "[1, 2]", "3", '"ja"', "[1, 2]"]
    items = ["".join(["q", "1"]) for _ in texts]  # equal, and made one by one as a driver does
    assert items[0] is not items[1]
    decoded: list[str] = []

    def decode(text: str) -> Any:
        decoded.append(text)
        return json.loads(text)

    frame = pd.DataFrame({"response_id": range(len(texts)), "item_id": items, "value": texts})
    out = reports_dataset._deduplicated(frame, convert={"value": decode})
    assert sorted(decoded) == sorted(['"ja"', "3", "[1, 2]"])  # each distinct text once
    values = out["value"].tolist()
    assert values[0] == "ja" and values[1] == 3 and values[3] == [1, 2]
    assert math.isnan(values[2])  # no value: NaN, as before
    assert values[3] is values[6] and values[0] is values[5]
    assert len({id(v) for v in out["item_id"]}) == 1
    assert out["response_id"].tolist() == list(range(len(texts)))


def test_the_collector_is_paused_inside_and_as_it_was_afterwards() -> None:
    assert gc.isenabled()
    with cycle_collector.paused():
        assert not gc.isenabled()
        with cycle_collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause left it as the outer one had it
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_report_is_read_and_written_with_the_collector_paused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, bool] = {}
    participations, build = reports_dataset._participations, workbook.build

    def reading(*args: Any) -> Any:
        seen["read"] = gc.isenabled()
        return participations(*args)

    def building(*args: Any) -> Any:
        seen["build"] = gc.isenabled()
        return build(*args)

    monkeypatch.setattr(reports_dataset, "_participations", reading)
    monkeypatch.setattr(workbook, "build", building)
    with app.app_context():
        load_demo_data(app.extensions["questionnaires"], date(2026, 12, 1))
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        assert forbund_id is not None
        data = reports_dataset.load(ReportFilter(forbund_id), app.extensions["questionnaires"])
        assert gc.isenabled()
        workbook.write(data, io.BytesIO(), made_by="test")
        assert gc.isenabled()
    assert seen == {"read": False, "build": False}


# Submissions at the edges of Swedish days (UTC), and whether each falls in 29 March – 25
# October 2026 as a Swede counts days. Summer time began 29 March at 02:00 (01:00 UTC) and
# ended 25 October at 03:00 summer time (01:00 UTC): winter is UTC+1, summer UTC+2.
EDGES = [
    (datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC), False),  # 23:59:59 on 28 March
    (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), True),  # midnight beginning 29 March
    (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), True),  # midnight beginning 1 July (summer)
    (datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC), True),  # 02:59:59 summer time, 25 October
    (datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC), True),  # 23:59:59 winter time, 25 October
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), False),  # midnight beginning 26 October
]


def test_a_screening_is_in_the_period_of_its_swedish_day(app: Flask) -> None:
    with app.app_context():
        registry = app.extensions["questionnaires"]
        screening = registry.get("valdsenkat")
        assert screening is not None
        owner = factories.forbund()
        insats = factories.insats(owner, start=["valdsenkat"])
        ids = {}
        for at, _inside in EDGES:
            participation = factories.participation(insats, start=date(2026, 1, 5))
            made = factories.response(participation.occasions[0], screening, {})
            made.submitted_at = at
            db.session.flush()
            ids[made.id] = at
        db.session.commit()

        def kept(**period: date) -> set[datetime]:
            found = reports_dataset._screenings(ReportFilter(owner.id, **period), ["valdsenkat"])
            assert list(found.dtypes) == ["int64", "int64"]
            return {ids[r] for r in found["response_id"]}

        every = {at for at, _ in EDGES}
        assert kept() == every
        assert kept(date_from=date(2026, 3, 29), date_to=date(2026, 10, 25)) == {
            at for at, inside in EDGES if inside
        }
        assert kept(date_to=date(2026, 3, 28)) == {EDGES[0][0]}
        assert kept(date_from=date(2026, 10, 26)) == {EDGES[-1][0]}
