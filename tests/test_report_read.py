"""How a report reads its rows: one object per distinct value, each JSON text decoded once,
and Python's cycle collector paused while a report is read and written."""

from __future__ import annotations

import gc
import io
import json
import math
from datetime import date
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
