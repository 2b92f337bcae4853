"""The independent attacker on a synthetic förbund-year's workbook:
`python -m benchmarks.attack_year --participations N --insatser I [--seed S] [--merged]`, or
without `--participations` every one of the synthetic years of docs/benchmarks.md
(`report_protection.SYNTHETIC_YEARS`: seeds 1–4 of 300 in 8, 400 in 10, 500 in 12 and 650 in
20, merged and with four columns; about 35–45 minutes).

Generates the year as `benchmarks/report_protection.py` does (`year_data`), writes its workbook
as an export would, then reads it back with `tests/attacker.py`, which knows only what a reader
of the file knows, and prints every hidden count it can narrow beyond what the labels allow.
The hypothesis cohorts of `tests/test_protection_attack.py` are small (up to 40 participations
per insats); this runs the same attack on years the size of a förbund's, which take from a few
seconds to three or four minutes each. Not part of `make bench`: run it after a change to the
protection. Exits with 1 if anything was narrowed.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from benchmarks.report_protection import SYNTHETIC_YEARS, year_data
from survey_app.reports import workbook
from tests.attacker import analyse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participations", type=int, help="without it: every synthetic year")
    parser.add_argument("--insatser", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--merged",
        action="store_true",
        help="'annat' and 'ej uppgivet' as one column (a new förbund's default)",
    )
    parser.add_argument("--save", type=Path, help="keep the workbook in this file (one year)")
    args = parser.parse_args()
    if args.participations is None:
        narrowed = [attack_year(*year) for year in SYNTHETIC_YEARS]
    else:
        narrowed = [
            attack_year(args.participations, args.insatser, args.seed, args.merged, args.save)
        ]
    sys.exit(1 if any(narrowed) else 0)


def attack_year(
    participations: int, insatser: int, seed: int, merged: bool, save: Path | None = None
) -> int:
    """Generate, write and attack one year; print what the attacker found. Returns how many
    hidden counts it narrowed."""
    with year_data(participations, insatser, seed, merged) as data:
        book = io.BytesIO()
        workbook.write(data, book, "Analytiker")
        k = data.forbund.min_group_size
    if save is not None:
        save.write_bytes(book.getvalue())
    started = time.perf_counter()
    report = analyse(book.getvalue(), k)
    print(
        f"attack on {participations} in {insatser} insatser (seed {seed}"
        f"{', genders merged' if merged else ''}): {report.hidden_cells} hidden cells, "
        f"{report.relations} relations, {report.linear_programs} programs, "
        f"{time.perf_counter() - started:.0f} s; {len(report.findings)} narrowed",
        flush=True,
    )
    for note in report.notes:
        print(f"  note: {note}")
    for finding in report.findings:
        print(f"  {finding}")
    return len(report.findings)


if __name__ == "__main__":
    main()
