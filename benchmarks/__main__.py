"""Run every benchmark: `make bench` (about 20 minutes). Figures go into docs/benchmarks.md by
hand, with the date. The export and import at national scale take longer still and are run on
their own, as is the page save's instruction count, which needs valgrind (commands in
docs/benchmarks.md)."""

import sys

from benchmarks import export_scale, load, page_save, report_protection, staff_pages, survey_pages


def _load(*args: str) -> None:
    sys.argv = ["benchmarks.load", *args]
    load.main()


if __name__ == "__main__":
    # The protected build: the demo förbund, a small förbund-year (300 participations in 8
    # insatser), a medium one (650 in 20: Skaraborg had 642 participants in about 20 insatser
    # in a year) and a large one (1,000 in 20); then the export of the large one, reading and
    # writing included (issue 11's budget: < 2 s). The years with four gender columns, as
    # docs/benchmarks.md measured them, then with the last two merged (a new förbund's default).
    for size in (
        [],
        ["--participations", "300", "--insatser", "8"],
        ["--participations", "650", "--insatser", "20"],
        ["--participations", "1000", "--insatser", "20"],
        ["--participations", "300", "--insatser", "8", "--merged"],
        ["--participations", "650", "--insatser", "20", "--merged"],
    ):
        sys.argv = ["benchmarks.report_protection", *size]
        report_protection.main()
    sys.argv = ["benchmarks.export_scale", "--participations", "1000", "--db", "sqlite"]
    export_scale.main()
    staff_pages.main()
    survey_pages.main()
    for db in ("postgresql", "sqlite"):
        # The page save against the bare insert endpoint at saturation, interleaved (issue 17).
        sys.argv = ["benchmarks.page_save", "--db", db]
        page_save.main()
    for db in ("postgresql", "sqlite"):
        _load("--db", db, "--participants", "100", "--seconds", "60", "--think", "5")
        _load("--db", db, "--participants", "100", "--seconds", "60", "--think", "1")
    _load("--db", "postgresql", "--participants", "100", "--seconds", "60", "--think", "0")
    # Faults: a worker killed and PostgreSQL restarted in the middle of submissions. This
    # restarts the machine's PostgreSQL cluster: run `make bench` on a quiet machine.
    _load(
        "--db",
        "postgresql",
        "--participants",
        "100",
        "--seconds",
        "60",
        "--think",
        "1",
        "--kill-worker-at",
        "20",
        "--restart-postgres-at",
        "40",
    )
