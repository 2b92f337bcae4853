"""Participants under load against gunicorn: `python -m benchmarks.load --db postgresql`.

Starts gunicorn (gunicorn.conf.py, 4 workers) on a fresh database, creates participants with a
personal link each (in bulk, not timed), then lets simulated participants open their links and
answer the whole START bundle page by page, as a browser posts (CSRF token, session cookie),
for the given time; a participant who is done takes the next link. Reports requests, server
errors, latency percentiles and checks the database: every response a participant was told was
saved is stored exactly once, and nothing half-written remains.

Beside the participants' latency the run prints gunicorn's own (its access log's time per
request): on this 2-core machine the client, the workers and the database share the CPUs, and
the two differ most in the tail.

`--kill-worker-at S` kills one worker with SIGKILL after S seconds (a crash in the middle of
submissions); `--restart-postgres-at S` restarts PostgreSQL (this machine's shared cluster: use
on a quiet machine only). A participant whose request fails for such a reason resumes with the
same link and session, as a person would reload the page.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

from benchmarks.export_scale import app_on, bench_app, drop_schema
from survey_app.admin.services import InsatsData, create_staff_account, save_insats
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Forbund,
    Gender,
    Occasion,
    Participation,
    Remittent,
    Response,
    ResponseStatus,
    RoleKind,
)
from survey_app.staff.services import NewParticipant, register_participant
from survey_app.survey.links import create_invitation

ROOT = Path(__file__).resolve().parent.parent
START = ["sjalvskattning", "eq5d-3l", "valdsenkat"]


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    unexpected: list[str] = field(default_factory=list)
    told_saved: set[int] = field(default_factory=set)  # participation ids
    # The same latencies by kind of request (`kind_of`): where the tail is.
    by_kind: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def server_errors(self) -> int:
        """5xx other than 503 (the calm "try again" while the database is unavailable)."""
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


@dataclass(frozen=True)
class Outcome:
    requests: int
    server_errors: int
    connection_errors: int
    unexpected: list[str]
    p50_ms: float
    p95_ms: float
    told_saved: int
    unavailable: int
    stored_once: bool
    problems: list[str]
    workers_killed: int = 0
    # gunicorn's own time per request (its access log), where the run kept a log.
    server_ms: tuple[float, float] | None = None
    # Per kind of request: (requests, p50 ms, p95 ms).
    by_kind: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.requests} requests, {self.server_errors} server errors, "
            f"{self.unavailable} 'try again' (503) while the database was away, "
            f"{self.connection_errors} connection errors, {len(self.unexpected)} unexpected "
            f"answers; latency p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms"
            + (
                f" (in gunicorn: p50 {self.server_ms[0]:.1f} ms, p95 {self.server_ms[1]:.1f} ms)"
                if self.server_ms
                else ""
            )
            + f"; {self.told_saved} participants told their answers were saved; stored exactly "
            f"once: {'yes' if self.stored_once else 'NO'}"
            + (f"; workers killed: {self.workers_killed}" if self.workers_killed else "")
            + ("" if not self.problems else "; problems: " + "; ".join(self.problems[:5]))
        )

    def kinds(self) -> str:
        """A line per kind of request: its count, p50 and p95."""
        return "\n".join(
            f"  {kind}: {n} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            for kind, (n, p50, p95) in sorted(self.by_kind.items())
        )


def kind_of(method: str, path: str) -> str:
    """A request's kind: its method and path without the page's number or the link's token
    ("GET /svar/sida", "GET /l/…")."""
    if path.startswith("/l/"):
        return f"{method} /l/…"
    return f"{method} {path.rstrip('/0123456789')}"


def _median_and_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


class _Form:
    """The inputs of a questionnaire page: radio groups, numbers, the CSRF token; and its links.

    Read with two regular expressions, not html.parser: the simulated participants run on the
    machine that serves them (a person's browser would not), and html.parser took about 2 ms a
    page, as much CPU as the service spends answering it. The pages are the service's own
    (attributes quoted, as Jinja writes them)."""

    TAG = re.compile(r"<(input|a)\s([^>]*)>", re.IGNORECASE)
    ATTRIBUTE = re.compile(r'([a-zA-Z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'))?')

    def __init__(self) -> None:
        self.radios: dict[str, list[str]] = {}
        self.numbers: dict[str, tuple[str | None, str | None]] = {}
        self.hidden: dict[str, str] = {}
        self.links: list[str] = []

    def feed(self, page: str) -> None:
        for tag, inside in self.TAG.findall(page):
            attributes: dict[str, str | None] = {}
            for match in self.ATTRIBUTE.finditer(inside):
                name, double, single = match.groups()
                value = double if double is not None else single
                attributes[name.lower()] = None if value is None else html.unescape(value)
            self._tag(tag.lower(), attributes)

    def _tag(self, tag: str, a: dict[str, str | None]) -> None:
        name = a.get("name") or ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag != "input" or not name:
            return
        kind = a.get("type", "text")
        if kind == "radio":
            self.radios.setdefault(name, []).append(a.get("value") or "")
        elif kind in ("number", "range"):
            self.numbers[name] = (a.get("min"), a.get("max"))
        elif kind == "hidden":
            self.hidden[name] = a.get("value") or ""

    def answers(self) -> dict[str, str]:
        data = dict(self.hidden)
        for name, values in self.radios.items():
            data[name] = "nej" if "nej" in values else values[len(values) // 2]
        for name, (low, high) in self.numbers.items():
            data[name] = str((int(low or 0) + int(high or 10)) // 2)
        return data


class Participant:
    """One person with a link, over one keep-alive connection with a session cookie."""

    def __init__(self, host: str, port: int, stats: Stats, think: float = 0.0) -> None:
        self.host, self.port, self.stats = host, port, stats
        self.think = think
        self.random = random.Random()
        self.cookie = ""
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, location path, body); retried on a broken connection (a killed
        worker, a restarted database): the person reloads the page."""
        for attempt in range(1, 11):
            try:
                status, location, body = self._request(method, path, data)
            except (OSError, http.client.HTTPException):
                with self.stats.lock:
                    self.stats.connection_errors += 1
                self.close()
                time.sleep(0.2 * attempt)
                continue
            if status != 503:
                return status, location, body
            time.sleep(1.0)  # "try again in a moment": the database is restarting
        raise ConnectionError(path)

    def _request(self, method: str, path: str, data: dict[str, str] | None) -> tuple[int, str, str]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        with self.stats.lock:
            self.stats.latencies_ms.append(elapsed)
            self.stats.by_kind[kind_of(method, path)].append(elapsed)
            self.stats.statuses[response.status] += 1
        location = urlsplit(response.getheader("Location") or "").path
        return response.status, location, text

    def answer(self, token: str) -> bool:
        """Open the link and answer the bundle; True once told the answers were saved."""
        self.cookie = ""
        status, _, _ = self.request("GET", f"/l/{token}")
        if status != 200:
            self._unexpected(f"link gave {status}")
            return False
        path = "/svar/sida/1"
        for _ in range(40):
            status, location, body = self.request("GET", path)
            if status == 302:
                path = location
                continue
            if status != 200:
                self._unexpected(f"GET {path.split('/')[2]} gave {status}")
                return False
            form = _Form()
            form.feed(body)
            if path.startswith("/svar/stod/"):
                path = next(link for link in form.links if link.startswith("/svar/sida/"))
                continue
            if self.think:  # reading the page and answering it
                time.sleep(self.random.uniform(0.5, 1.5) * self.think)
            status, location, _ = self.request("POST", path, form.answers())
            if path == "/svar/skicka":
                if status == 302 and location == "/svar/tack":
                    return True
                self._unexpected(f"submit gave {status}")
                return False
            if status != 302:
                self._unexpected(f"page {path} gave {status}")
                return False
            path = location
        self._unexpected("no end to the pages")
        return False

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _unexpected(self, what: str) -> None:
        with self.stats.lock:
            self.stats.unexpected.append(what)


def prepare(database_url: str, participants: int) -> list[tuple[str, int]]:
    """A förbund, an insats with the START bundle and `participants` links: (token, id)."""
    app = app_on(database_url)
    with app.app_context():
        db.create_all()
        forbund = Forbund(name="Lastprovet")
        db.session.add(forbund)
        db.session.flush()
        insats = save_insats(
            forbund,
            InsatsData(
                name="Insats under last",
                start_date=date(2026, 1, 1),
                end_date=None,
                followup_interval_months=None,
                bundles={"start": START, "exit": []},
            ),
        )
        coach = create_staff_account(
            forbund,
            "coach@example.org",
            "load test password 1",
            RoleKind.STAFF,
            [insats.id],
            must_change_password=False,
        )
        links = []
        for n in range(participants):
            participation = register_participant(
                insats,
                NewParticipant(
                    code=f"L-{n:05d}",
                    gender=Gender.WOMAN if n % 2 else Gender.MAN,
                    birth_year=1970 + n % 30,
                    remittent=Remittent.AF,
                    start_date=date(2026, 1, 1),
                ),
            )
            links.append((create_invitation(participation.occasions[0], coach), participation.id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return links


def verify(database_url: str, told_saved: set[int]) -> tuple[bool, list[str]]:
    """Every participation told "saved" has each START questionnaire submitted exactly once;
    no submitted response lacks answers; no occasion holds two responses to one questionnaire."""
    problems: list[str] = []
    app = app_on(database_url)
    with app.app_context():
        per_participation: dict[int, Counter[str]] = {}
        for pid, qid in db.session.execute(
            sa.select(Participation.id, Response.questionnaire_id)
            .join(Occasion, Occasion.participation_id == Participation.id)
            .join(Response, Response.occasion_id == Occasion.id)
            .where(Response.status == ResponseStatus.SUBMITTED)
        ):
            per_participation.setdefault(pid, Counter())[qid] += 1
        for pid in told_saved:
            counts = per_participation.get(pid, Counter())
            if sorted(counts) != sorted(START) or any(n != 1 for n in counts.values()):
                problems.append(f"participation {pid}: {dict(counts)}")
        empty = db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(
                Response.status == ResponseStatus.SUBMITTED,
                ~sa.exists().where(Answer.response_id == Response.id),
            )
        )
        if empty:
            problems.append(f"{empty} submitted responses without answers")
        doubles = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(Response.occasion_id, Response.questionnaire_id)
                .group_by(Response.occasion_id, Response.questionnaire_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        if doubles:
            problems.append(f"{doubles} questionnaires stored twice for one occasion")
        db.session.remove()
        db.engine.dispose()
    return not problems, problems


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def run(
    database_url: str,
    participants: int,
    seconds: float,
    workers: int = 4,
    links: int | None = None,
    kill_worker_at: float | None = None,
    restart_postgres_at: float | None = None,
    log: Path | None = None,
    think: float = 0.0,
) -> Outcome:
    tokens = prepare(database_url, links or participants * 40)
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "load-test-secret-key-0123456789abcdef",
        "DATABASE_URL": database_url,
        "COOKIE_SECURE": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "BIND": f"127.0.0.1:{port}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log_file = (log or Path(os.devnull)).open("w")
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, our own arguments)
        [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    stats = Stats()
    killed = 0
    try:
        _wait_until_up(port)
        queue = list(reversed(tokens))
        queue_lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def participant() -> None:
            # People do not all press at the same instant: arrivals spread over one think time.
            time.sleep(random.uniform(0, think))
            person = Participant("127.0.0.1", port, stats, think)
            try:
                while time.monotonic() < deadline:
                    with queue_lock:
                        if not queue:
                            return
                        token, participation_id = queue.pop()
                    try:
                        if person.answer(token):
                            with stats.lock:
                                stats.told_saved.add(participation_id)
                    except ConnectionError:
                        pass
            finally:
                person.close()

        threads = [threading.Thread(target=participant) for _ in range(participants)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        faults = sorted(
            (at, what)
            for at, what in ((kill_worker_at, "kill"), (restart_postgres_at, "postgres"))
            if at is not None
        )
        for at, what in faults:
            time.sleep(max(0.0, started + at - time.monotonic()))
            if what == "kill":
                victims = _workers_of(server.pid)
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    killed += 1
            else:
                cluster = sorted(os.listdir("/etc/postgresql"))[0]
                subprocess.run(  # noqa: S603
                    [
                        "/usr/bin/pg_ctlcluster",
                        "--skip-systemctl-redirect",
                        cluster,
                        "main",
                        "restart",
                    ],
                    check=True,
                )
        for thread in threads:
            thread.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log_file.close()
    ok, problems = verify(database_url, stats.told_saved)
    p50, p95 = _median_and_p95(stats.latencies_ms or [0.0])
    return Outcome(
        requests=len(stats.latencies_ms),
        server_errors=stats.server_errors,
        connection_errors=stats.connection_errors,
        unexpected=stats.unexpected,
        p50_ms=p50,
        p95_ms=p95,
        told_saved=len(stats.told_saved),
        unavailable=stats.statuses.get(503, 0),
        stored_once=ok,
        problems=problems,
        workers_killed=killed,
        server_ms=_server_times(log) if log is not None else None,
        by_kind={
            kind: (len(times), *_median_and_p95(times)) for kind, times in stats.by_kind.items()
        },
    )


def _server_times(log: Path) -> tuple[float, float] | None:
    """p50 and p95 of gunicorn's own time per request, from its access log (gunicorn.conf.py
    ends each line with whole milliseconds)."""
    times = [float(ms) for ms in re.findall(r" (\d+)ms$", log.read_text(), re.MULTILINE)]
    return _median_and_p95(times) if times else None


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--links", type=int, default=4000)
    parser.add_argument("--kill-worker-at", type=float)
    parser.add_argument("--restart-postgres-at", type=float)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a participant spends on a page before Next (0: none, saturation)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            outcome = run(
                url,
                args.participants,
                args.seconds,
                args.workers,
                args.links,
                args.kill_worker_at,
                args.restart_postgres_at,
                log=Path(tmp) / "gunicorn.log",
                think=args.think,
            )
        finally:
            drop_schema(args.db, schema)
    print(
        f"{args.db}: {args.participants} participants, {args.workers} workers, think "
        f"{args.think:.1f} s, {args.seconds:.0f} s: {outcome.summary()}\n{outcome.kinds()}"
    )


if __name__ == "__main__":
    main()
