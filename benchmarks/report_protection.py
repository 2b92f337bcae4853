"""The protected report's build:
`python -m benchmarks.report_protection [--participations N --insatser I] [--seed S]
[--merged] [--repeats R]`.

Loads the demo förbund (`flask demo-data`: 30 participations in 3 insatser), or with
`--participations` a synthetic förbund (benchmarks/synthetic.py), into a fresh SQLite file,
reads its report data once (not timed), then times `workbook.build` — registering every
published count, protecting them and auditing the result — and prints the median. This is the
step that issue 11's audit made slow; reading data and writing the file are timed by
`benchmarks/export_scale.py`.

Besides the time it prints what the protection decided, to compare two trees on the same
years: the counts hidden ("<k" or "x"), the comparison rows that keep their statistics, and
`Publication.digest()`, which is the same exactly when the same cells are hidden, "x" and
shown as pinned. The synthetic years of docs/benchmarks.md are SYNTHETIC_YEARS.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from benchmarks.export_scale import app_on
from benchmarks.synthetic import generate
from survey_app.demo import load_demo_data
from survey_app.extensions import db
from survey_app.models import Forbund
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import Dataset, ReportFilter
from survey_app.reports.protection import SECONDARY, primary_label

# The synthetic years the protection is measured and attacked on (docs/benchmarks.md):
# (participations, insatser, seed, genders merged).
SYNTHETIC_YEARS = [
    (participations, insatser, seed, merged)
    for seed in (1, 2, 3, 4)
    for merged in (True, False)
    for participations, insatser in ((300, 8), (400, 10), (500, 12), (650, 20))
]


@contextmanager
def year_data(
    participations: int, insatser: int, seed: int = 1, merged: bool = False
) -> Iterator[Dataset]:
    """The report data of one förbund in a fresh SQLite file, inside an app and a request
    context (writing a workbook needs one): a synthetic year (benchmarks/synthetic.py), or with
    `participations` 0 the demo förbund."""
    with tempfile.TemporaryDirectory() as tmp:
        app = app_on(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        with app.app_context(), app.test_request_context():
            db.create_all()
            registry = app.extensions["questionnaires"]
            if participations:
                forbund_id = generate(registry, participations, insatser, seed, merged)
                db.session.commit()
            else:
                load_demo_data(registry, date(2026, 12, 1))
                forbund_id = db.session.scalar(sa.select(Forbund.id))
            assert forbund_id is not None  # the demo data was just loaded
            try:
                yield reports_dataset.load(ReportFilter(forbund_id), registry)
            finally:
                db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--participations", type=int, default=0, help="synthetic; 0: the demo")
    parser.add_argument("--insatser", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1, help="of the synthetic förbund")
    parser.add_argument(
        "--merged",
        action="store_true",
        help="'annat' and 'ej uppgivet' as one column (a new förbund's default)",
    )
    args = parser.parse_args()
    with year_data(args.participations, args.insatser, args.seed, args.merged) as data:
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            report = workbook.build(data)
            timings.append(time.perf_counter() - started)
    runs = ", ".join(f"{t:.2f}" for t in timings)
    # What the protection left shown: the START → EXIT comparison rows with their statistics
    # (a mean is blank beside a count hidden in any way).
    comparison = report.comparison
    shown = int(comparison["mean_start"].notna().sum())
    pub = report.overview.pub
    hidden = sum(
        int(np.isin(pub.shown(ids), [primary_label(pub.k), SECONDARY]).sum())
        for ids in pub.tables("").values()
    )
    print(
        f"protected report build, "
        f"{f'synthetic förbund (seed {args.seed}) ' if args.participations else 'demo förbund '}"
        f"{'(genders merged) ' if args.merged else ''}"
        f"({len(data.participations)} participations, "
        f"{data.participations['insats'].nunique()} insatser): "
        f"median of {args.repeats} {statistics.median(timings):.2f} s (runs {runs}); "
        f"{pub.audits} audits; {hidden} counts hidden; comparison rows with statistics: {shown} "
        f"of {len(comparison)}; digest {pub.digest()}"
    )


if __name__ == "__main__":
    main()
