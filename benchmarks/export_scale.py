"""The export at scale: `python -m benchmarks.export_scale --participations N --db sqlite`.

Generates N participations into a fresh database (not timed), then, in a separate process, times
loading the report data and writing the workbook, three times, and prints the median and that
process's peak memory.
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

import psycopg
from flask import Flask

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
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, forbund_id: int, repeats: int) -> None:
    app = app_on(url)
    timings = []
    with app.app_context():
        registry = app.extensions["questionnaires"]
        for _ in range(repeats):
            started = time.perf_counter()
            data = reports_dataset.load(ReportFilter(forbund_id), registry)
            workbook.write(data, io.BytesIO(), made_by="benchmark")
            timings.append(time.perf_counter() - started)
            del data
            db.session.remove()
    peak_mb = peak_memory_mb()
    runs = ", ".join(f"{t:.2f}" for t in timings)
    print(
        f"  export: median of {repeats} {statistics.median(timings):.2f} s (runs {runs}); "
        f"peak memory of the exporting process {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
