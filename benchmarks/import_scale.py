"""The CSV import at scale: `python -m benchmarks.import_scale --rows N --db sqlite|postgresql`.

Writes a realistic long CSV of about N answer rows (participants with START and EXIT bundles, as
from paper forms; not timed), then times `import_csv` with `--create-missing` into a fresh
database, commit included, and prints the time and the process's peak memory. Then the bare bulk
load of the same rows for comparison (issue 17): the file read with the csv module and every row
stored as it is in a table of ten text columns, by COPY on PostgreSQL and by the driver's
executemany on SQLite, commit included, and the ratio. Last, the answers the import stored, once
more by the same bulk load into a table shaped as `answer` with its keys: what the database
itself spends on the answers' primary key, unique key and foreign key.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.export_scale import bench_app, drop_schema, peak_memory_mb
from benchmarks.synthetic import EXIT, GENDERS, START, _answers
from survey_app.extensions import db
from survey_app.imports.answers import HEADER, import_csv
from survey_app.questionnaires import Registry


def write_csv(path: Path, registry: Registry, rows: int, seed: int = 1) -> int:
    """About `rows` answer rows for one förbund, 20 insatser; returns the exact count."""
    rng = random.Random(seed)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        n = 0
        while written < rows:
            code = f"P{n:07d}"
            gender = rng.choices(GENDERS, weights=[55, 40, 3, 2])[0]
            birth_year = rng.randrange(1960, 2005)
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
            end = start + timedelta(days=rng.randrange(60, 400))
            level = rng.randrange(2, 8)
            for occasion, day, bundle in (("start", start, START), ("exit", end, EXIT)):
                for qid in bundle:
                    definition = registry.by_id[qid]
                    answers = _answers(definition, rng, level + (2 if occasion == "exit" else 0))
                    for item_id, value in answers:
                        writer.writerow(
                            [
                                "Importförbundet",
                                f"Insats {n % 20 + 1}",
                                code,
                                gender,
                                birth_year,
                                occasion,
                                day.isoformat(),
                                qid,
                                item_id,
                                value,
                            ]
                        )
                        written += 1
            n += 1
    return written


def bare_load(path: Path) -> float:
    """Seconds to store the file's rows as they are, with the database's own bulk load."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    columns = ", ".join(f"{name} TEXT" for name in HEADER)
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        rows = csv.reader(stream)
        next(rows)
        if isinstance(driver, sqlite3.Connection):
            driver.execute(f"CREATE TABLE bare_import ({columns})")
            marks = ", ".join("?" for _ in HEADER)
            driver.executemany(f"INSERT INTO bare_import VALUES ({marks})", rows)  # noqa: S608
        else:
            assert driver is not None
            with driver.cursor() as cursor:
                cursor.execute(f"CREATE TABLE bare_import ({columns})")
                with cursor.copy("COPY bare_import FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        driver.commit()
    return time.perf_counter() - started


def keyed_load() -> tuple[float, int]:
    """Seconds to store the answers the import stored (read back first, not timed) once more,
    by the same bulk load, into a table shaped as `answer` with its keys: primary key, the
    unique (response, item) and the foreign key to `response`.
    The part of an import the database itself spends on the answers' keys."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    rows = connection.exec_driver_sql(
        "SELECT response_id, item_id, CAST(value AS TEXT) FROM answer"
    ).all()
    if isinstance(driver, sqlite3.Connection):
        (schema,) = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'answer'"
        ).one()
        connection.exec_driver_sql(schema.replace("answer", "keyed_answer", 1))
        db.session.commit()
        started = time.perf_counter()
        driver.executemany(
            "INSERT INTO keyed_answer (response_id, item_id, value) VALUES (?, ?, ?)",
            [tuple(r) for r in rows],
        )
        driver.commit()
    else:
        assert driver is not None
        connection.exec_driver_sql("CREATE TABLE keyed_answer (LIKE answer INCLUDING ALL)")
        connection.exec_driver_sql(
            "ALTER TABLE keyed_answer ADD FOREIGN KEY (response_id) REFERENCES response (id)"
            " ON DELETE CASCADE"
        )
        db.session.commit()
        started = time.perf_counter()
        with (
            driver.cursor() as cursor,
            cursor.copy("COPY keyed_answer (response_id, item_id, value) FROM STDIN") as copy,
        ):
            for response_id, item_id, value in rows:
                copy.write_row((response_id, item_id, value))
        driver.commit()
    elapsed = time.perf_counter() - started
    db.session.remove()
    db.session.execute(db.text("DROP TABLE keyed_answer"))
    db.session.commit()
    return elapsed, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        try:
            with app.app_context():
                db.create_all()
                registry = app.extensions["questionnaires"]
                path = Path(tmp) / "import.csv"
                rows = write_csv(path, registry, args.rows)
                started = time.perf_counter()
                with path.open(encoding="utf-8", newline="") as stream:
                    summary = import_csv(stream, registry, create_missing=True)
                db.session.commit()
                elapsed = time.perf_counter() - started
                answers = db.session.execute(db.text("SELECT count(*) FROM answer")).scalar()
                peak_mb = peak_memory_mb()
                print(
                    f"{args.db}: {rows} rows ({path.stat().st_size / 1e6:.0f} MB), "
                    f"{summary.responses} responses, {answers} answers stored; import "
                    f"{elapsed:.2f} s; peak memory {peak_mb:.0f} MB"
                )
                db.session.remove()
                bare = bare_load(path)
                print(
                    f"  bare bulk load of the same rows: {bare:.2f} s; import / bare: "
                    f"{elapsed / bare:.1f}"
                )
                db.session.execute(db.text("DROP TABLE bare_import"))
                db.session.commit()
                db.session.remove()
                keyed, answers = keyed_load()
                print(
                    f"  the {answers} answers alone into a table with the answer table's keys: "
                    f"{keyed:.2f} s ({keyed / bare:.1f} × the bare load)"
                )
                db.drop_all()
        finally:
            drop_schema(args.db, schema)


if __name__ == "__main__":
    main()
