"""The export at scale: `python -m benchmarks.export_scale --participations N --db sqlite`.

Generates N participations into a fresh database (not timed), then, in a separate process, times
loading the report data and writing the workbook, three times, and prints the median and that
process's peak memory. Interleaved with the exports, the same rows read bare (every statement
the export's read runs, replayed on the driver's cursor, rows fetched and dropped) and the
ratio of the medians (issue 17: at most 1.5 at 10,000 and 50,000 participations).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from benchmarks.synthetic import generate
from survey_app import create_app
from survey_app.config import Settings
from survey_app.extensions import db
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter

PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def bench_app(kind: str, tmp: Path) -> tuple[Flask, str]:
    """An app on a fresh SQLite file in `tmp` or a fresh PostgreSQL schema; returns it and the
    schema's name (for `drop_schema`)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        with psycopg.connect(PG.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG}?options=-csearch_path%3D{schema}"
    return app_on(url), schema


def app_on(url: str) -> Flask:
    return create_app(
        Settings(
            secret_key="benchmark-secret-key-0123456789",
            database_url=url,
            testing=True,
            csrf_enabled=False,
            cookie_secure=False,
        )
    )


def drop_schema(kind: str, schema: str) -> None:
    if kind == "postgresql":
        with psycopg.connect(PG.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participations", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", nargs=2, metavar=("DATABASE_URL", "FORBUND_ID"))
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], int(args.measure[1]), args.repeats)
        return
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        try:
            with app.app_context():
                db.create_all()
                registry = app.extensions["questionnaires"]
                started = time.perf_counter()
                forbund_id = generate(registry, args.participations)
                generated = time.perf_counter() - started
                answers = db.session.execute(db.text("SELECT count(*) FROM answer")).scalar()
                responses = db.session.execute(db.text("SELECT count(*) FROM response")).scalar()
                url = app.config["SQLALCHEMY_DATABASE_URI"]
                db.session.remove()
                db.engine.dispose()
            print(
                f"{args.db}: {args.participations} participations, {responses} responses, "
                f"{answers} answers (generated in {generated:.1f} s)",
                flush=True,
            )
            # The export runs in a process of its own: its peak memory is the export's alone,
            # not the generator's.
            repeats, forbund = str(args.repeats), str(forbund_id)
            command = [sys.executable, "-m", "benchmarks.export_scale", "--repeats", repeats]
            command += ["--measure", url, forbund]
            subprocess.run(command, check=True)  # noqa: S603 (this module, our own arguments)
            with app.app_context():
                db.drop_all()
                db.engine.dispose()
        finally:
            drop_schema(args.db, schema)


def peak_memory_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux keeps that across
    exec, so a child would report its parent's peak (the data generation)."""
    found = _status_mb("VmHWM:")
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_memory_mb() -> float:
    """This process's resident memory now (the peak of what it holds is `peak_memory_mb`)."""
    found = _status_mb("VmRSS:")
    return found if found is not None else peak_memory_mb()


def _status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status in MB; None where there is no such file (not Linux)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return None


def measure(url: str, forbund_id: int, repeats: int) -> None:
    app = app_on(url)
    timings, raw = [], []
    with app.app_context():
        registry = app.extensions["questionnaires"]
        # The process's floor: the app and every module the export uses, loaded, nothing read
        # (issue 17: the memory above it may grow at most linearly with the participations).
        floor_mb = peak_memory_mb()
        # What it holds then: the start-up's peak above is higher (memory used while importing
        # and building the app, then freed), and at small sizes the export's own use fits under
        # that peak. Above what the process holds, the export's memory is measured from 0.
        held_mb = resident_memory_mb()
        statements = statements_of_load(forbund_id, registry)  # the same in every run
        for _ in range(repeats):
            started = time.perf_counter()
            data = reports_dataset.load(ReportFilter(forbund_id), registry)
            workbook.write(data, io.BytesIO(), made_by="benchmark")
            timings.append(time.perf_counter() - started)
            del data
            db.session.remove()
            # Interleaved with the exports: the same rows read bare (issue 17's comparator).
            raw.append(raw_read(statements))
    peak_mb = peak_memory_mb()
    runs = ", ".join(f"{t:.2f}" for t in timings)
    raw_runs = ", ".join(f"{t:.2f}" for t in raw)
    print(
        f"  export: median of {repeats} {statistics.median(timings):.2f} s (runs {runs}); "
        f"peak memory of the exporting process {peak_mb:.0f} MB ({peak_mb - floor_mb:.0f} MB "
        f"above its floor of {floor_mb:.0f} MB before the first read; {peak_mb - held_mb:.0f} "
        f"MB above the {held_mb:.0f} MB it held then)"
    )
    print(
        f"  the same rows read bare: median {statistics.median(raw):.2f} s (runs {raw_runs}); "
        f"export / bare read: {statistics.median(timings) / statistics.median(raw):.1f}"
    )


Statement = tuple[str, Any]


def statements_of_load(forbund_id: int, registry: Any) -> list[Statement]:
    """Every statement the export's read runs, with its parameters as the driver got them:
    those through SQLAlchemy (seen at the cursor) and the bulk reads of `dataset._fetch`
    (rendered by it, on a cursor of its own)."""
    seen: list[Statement] = []

    def at_cursor(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    fetch = reports_dataset._fetch

    def fetched(connection: sa.Connection, query: Any) -> Any:
        rendered = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        seen.append((str(rendered), None))
        return fetch(connection, query)

    event.listen(db.engine, "before_cursor_execute", at_cursor)
    reports_dataset._fetch = fetched  # type: ignore[assignment]
    try:
        reports_dataset.load(ReportFilter(forbund_id), registry)
    finally:
        reports_dataset._fetch = fetch  # type: ignore[assignment]
        event.remove(db.engine, "before_cursor_execute", at_cursor)
        db.session.remove()
    return seen


def raw_read(statements: list[Statement]) -> float:
    """Seconds to run the statements on the driver's own cursor and fetch every row (nothing
    converted, nothing kept): what reading the export's rows costs the database and driver."""
    connection = db.engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = connection.cursor()
        for statement, parameters in statements:
            if parameters is None:
                cursor.execute(statement)
            else:
                cursor.execute(statement, parameters)
            if cursor.description is not None:
                while cursor.fetchmany(50_000):
                    pass
        elapsed = time.perf_counter() - started
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return elapsed


if __name__ == "__main__":
    main()
