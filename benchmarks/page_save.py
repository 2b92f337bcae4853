"""Page saves against their ceiling: `python -m benchmarks.page_save --db postgresql`.

Two gunicorn servers with the service's gunicorn.conf.py (4 sync workers) on the same database:
the service, where each simulated participant opens a personal link and then saves page 1 of the
START bundle again and again as a browser posts it (session cookie, CSRF token, three answers);
and the bare insert endpoint (`benchmarks/bare_insert_app.py`: no session, no CSRF, no ORM, the
same three fields in one INSERT). The same clients drive each for the given time, with `--think`
seconds between posts (0: saturation); the pair is run `--repeats` times interleaved, and the
medians of requests per second, p50 and p95 are printed with the ratio of the throughputs. Both
servers are started once and stay up (the one not driven idles), so that short runs can
alternate often: on a shared machine whose speed drifts by tens of per cent within minutes, the
median of the ratios of adjacent runs (printed too) follows the code more than the machine.
Afterwards the service's database is checked: every participant's page holds its three answers
exactly once.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks import bare_insert_app
from benchmarks.export_scale import app_on, bench_app, drop_schema
from benchmarks.load import ROOT, Participant, Stats, _Form, _free_port, _wait_until_up, prepare
from survey_app.extensions import db
from survey_app.models import Answer, Response


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    failures: int


def _serve(
    module: str, url: str, workers: int, log: Path, options: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with the service's gunicorn.conf.py serving `module`; `options` on its command
    line override the file's."""
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "load-test-secret-key-0123456789abcdef",
        "DATABASE_URL": url,
        "COOKIE_SECURE": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "BIND": f"127.0.0.1:{port}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("a") as out:
        server = subprocess.Popen(  # noqa: S603 (our own gunicorn, our own arguments)
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), *options, module],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return server, port


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _drive(port: int, tokens: list[str], seconds: float, think: float, bare: bool) -> Run:
    """Each client posts page 1 until the time is up; the latency of each post is kept."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    ready = threading.Barrier(len(tokens) + 1)
    deadline: list[float] = []

    def client(token: str) -> None:
        nonlocal failures
        person = Participant("127.0.0.1", port, Stats())
        if bare:
            path, data = "/save", {"item_a": "5", "item_b": "6", "item_c": "7"}
        else:
            person.request("GET", f"/l/{token}")
            path = "/svar/sida/1"
            form = _Form()
            form.feed(person.request("GET", path)[2])
            data = form.answers()
        ready.wait()
        time.sleep(random.uniform(0, think))
        mine: list[float] = []
        while time.monotonic() < deadline[0]:
            started = time.perf_counter()
            status, _, _ = person.request("POST", path, data)
            mine.append((time.perf_counter() - started) * 1000)
            if status != 302:
                with lock:
                    failures += 1
            if think:
                time.sleep(random.uniform(0.5, 1.5) * think)
        person.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    deadline.append(time.monotonic() + seconds)
    ready.wait()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]
    return Run(
        requests_per_second=len(latencies) / seconds,
        p50_ms=statistics.median(ordered),
        p95_ms=ordered[int(0.95 * (len(ordered) - 1))],
        failures=failures,
    )


def _verify(url: str, participants: int) -> bool:
    """Every participant who saved page 1 has one response with its three answers, once."""
    app = app_on(url)
    with app.app_context():
        responses = db.session.scalar(sa.select(sa.func.count(Response.id))) or 0
        answers = db.session.scalar(sa.select(sa.func.count(Answer.id))) or 0
        db.session.remove()
        db.engine.dispose()
    return responses == participants and answers == 3 * participants


def _summary(name: str, runs: list[Run]) -> str:
    rates = [r.requests_per_second for r in runs]
    return (
        f"{name}: {statistics.median(rates):.0f} requests/s (runs "
        + ", ".join(f"{r:.0f}" for r in rates)
        + f"), p50 {statistics.median(r.p50_ms for r in runs):.1f} ms, "
        f"p95 {statistics.median(r.p95_ms for r in runs):.1f} ms, "
        f"failed posts {sum(r.failures for r in runs)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--participants", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        log = Path(tmp) / "gunicorn.log"
        try:
            links = prepare(url, args.participants)
            bare_insert_app.create_table(url)
            service_runs: list[Run] = []
            bare_runs: list[Run] = []
            tokens = [token for token, _ in links]
            servers: dict[bool, tuple[subprocess.Popen[bytes], int]] = {}
            try:
                for bare in (False, True):
                    module = "benchmarks.bare_insert_app:app" if bare else "wsgi:app"
                    servers[bare] = _serve(module, url, args.workers, log)
                for bare, (_, port) in servers.items():
                    _wait_until_up(port)
                    _drive(port, tokens, 1.0, args.think, bare)  # every worker warm
                for repeat in range(args.repeats):
                    order = [False, True] if repeat % 2 == 0 else [True, False]
                    for bare in order:
                        run = _drive(servers[bare][1], tokens, args.seconds, args.think, bare)
                        (bare_runs if bare else service_runs).append(run)
            finally:
                for server, _ in servers.values():
                    _stop(server)
            stored_once = _verify(url, args.participants)
            with app.app_context():
                db.drop_all()
                db.session.execute(sa.text("DROP TABLE IF EXISTS bare_answer"))
                db.session.commit()
                db.engine.dispose()
        finally:
            drop_schema(args.db, schema)
    service = statistics.median(r.requests_per_second for r in service_runs)
    bare = statistics.median(r.requests_per_second for r in bare_runs)
    print(
        f"{args.db}: {args.participants} clients, {args.workers} workers, think "
        f"{args.think:.1f} s, {args.seconds:.0f} s x {args.repeats} interleaved"
    )
    print("  " + _summary("page save", service_runs))
    print("  " + _summary("bare insert", bare_runs))
    ratios = [
        s.requests_per_second / b.requests_per_second
        for s, b in zip(service_runs, bare_runs, strict=True)
    ]
    print(
        f"  page save / bare insert throughput: {service / bare:.2f} (medians); "
        f"{statistics.median(ratios):.2f} (median of the {len(ratios)} pairs' ratios, "
        f"quartiles {_quartiles(ratios)}); "
        f"page answers stored exactly once: {'yes' if stored_once else 'NO'}"
    )


def _quartiles(values: list[float]) -> str:
    if len(values) < 4:
        return "-"
    first, _, third = statistics.quantiles(values, n=4)
    return f"{first:.2f}–{third:.2f}"


if __name__ == "__main__":
    main()
