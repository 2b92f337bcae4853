"""CPU time per page save against the bare insert endpoint:
`python -m benchmarks.page_save_cpu --db postgresql`.

The same servers and clients as `benchmarks/page_save.py` (4 sync gunicorn workers, clients
posting page 1 with no pause), but what is reported is the CPU time (user and system, from
/proc) that the gunicorn workers and, on PostgreSQL, the database backends serving them spent
per request. On a machine shared with other work, requests per second follow whatever else
runs; CPU time per request follows it far less (Linux only; the backends are those PostgreSQL
started after the server did).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import psycopg

from benchmarks import bare_insert_app
from benchmarks.export_scale import PG, bench_app, drop_schema
from benchmarks.load import _wait_until_up, prepare
from benchmarks.page_save import _drive, _serve, _stop

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a live process; None once it has exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry))
    return found


def _backends_since(started: float) -> list[int]:
    with psycopg.connect(PG.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        rows = c.execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND backend_start >= to_timestamp(%s)",
            [started],
        )
        return [row[0] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--participants", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            tokens = [token for token, _ in prepare(url, args.participants)]
            bare_insert_app.create_table(url)
            for repeat in range(args.repeats):
                for bare in [False, True] if repeat % 2 == 0 else [True, False]:
                    started = time.time()
                    module = "benchmarks.bare_insert_app:app" if bare else "wsgi:app"
                    # No worker is replaced during a run (gunicorn.conf.py's max_requests): its
                    # CPU time would be lost with it.
                    log = Path(tmp) / "gunicorn.log"
                    server, port = _serve(module, url, 4, log, ["--max-requests", "0"])
                    try:
                        _wait_until_up(port)
                        _drive(port, tokens, 2, 0.0, bare)  # every worker connected and warm
                        workers = _children(server.pid)
                        backends = _backends_since(started) if args.db == "postgresql" else []
                        before = [_cpu_seconds(p) for p in workers + backends]
                        run = _drive(port, tokens, args.seconds, 0.0, bare)
                        after = [_cpu_seconds(p) for p in workers + backends]
                    finally:
                        _stop(server)
                    requests = run.requests_per_second * args.seconds
                    # A backend that ended during the run (a connection the pool let go) is
                    # left out of both sums; how many is printed.
                    spent = [
                        (b - a) * 1000 / requests if a is not None and b is not None else 0.0
                        for a, b in zip(before, after, strict=True)
                    ]
                    gone = sum(b is None for b in after)
                    print(
                        f"{'bare insert' if bare else 'page save'}: "
                        f"{run.requests_per_second:.0f} requests/s, CPU per request: workers "
                        f"{sum(spent[: len(workers)]):.2f} ms, database backends "
                        f"{sum(spent[len(workers) :]):.2f} ms"
                        + (
                            f" ({gone} process(es) ended during the run, not counted)"
                            if gone
                            else ""
                        ),
                        flush=True,
                    )
        finally:
            drop_schema(args.db, schema)


if __name__ == "__main__":
    main()
