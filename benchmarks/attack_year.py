"""The independent attacker on a synthetic förbund-year's workbook:
`python -m benchmarks.attack_year --participations N --insatser I [--seed S] [--merged]`.

Generates the year as `benchmarks/report_protection.py` does (benchmarks/synthetic.py, a
fresh SQLite file), writes its workbook as an export would, then reads it back with
`tests/attacker.py`, which knows only what a reader of the file knows, and prints every
hidden count it can narrow beyond what the labels allow. The hypothesis cohorts of
`tests/test_protection_attack.py` are small (up to 40 participations per insats); this runs
the same attack on years the size of a förbund's, which take one to three minutes each.
Not part of `make bench`: run it on the synthetic years (seeds 1–4 of 300 in 8, 400 in 10,
500 in 12 and 650 in 20, merged and not) after a change to the protection. Exits with 1 if
anything was narrowed.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.export_scale import app_on
from benchmarks.synthetic import generate
from survey_app.extensions import db
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter
from tests.attacker import analyse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participations", type=int, required=True)
    parser.add_argument("--insatser", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--merged",
        action="store_true",
        help="'annat' and 'ej uppgivet' as one column (a new förbund's default)",
    )
    parser.add_argument("--save", type=Path, help="keep the workbook in this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = app_on(f"sqlite:///{Path(tmp) / 'attack.sqlite3'}")
        with app.app_context(), app.test_request_context():
            db.create_all()
            registry = app.extensions["questionnaires"]
            forbund_id = generate(
                registry, args.participations, args.insatser, args.seed, args.merged
            )
            db.session.commit()
            data = reports_dataset.load(ReportFilter(forbund_id), registry)
            book = io.BytesIO()
            workbook.write(data, book, "Analytiker")
            k = data.forbund.min_group_size
            db.engine.dispose()
    if args.save is not None:
        args.save.write_bytes(book.getvalue())
    started = time.perf_counter()
    report = analyse(book.getvalue(), k)
    print(
        f"attack on {args.participations} in {args.insatser} insatser (seed {args.seed}"
        f"{', genders merged' if args.merged else ''}): {report.hidden_cells} hidden cells, "
        f"{report.relations} relations, {report.linear_programs} programs, "
        f"{time.perf_counter() - started:.0f} s; {len(report.findings)} narrowed"
    )
    for note in report.notes:
        print(f"  note: {note}")
    for finding in report.findings:
        print(f"  {finding}")
    sys.exit(1 if report.findings else 0)


if __name__ == "__main__":
    main()
