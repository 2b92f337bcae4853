"""Instructions per page save, counted by valgrind's callgrind:
`python -m benchmarks.page_save_instructions [--posts N] [--db postgresql|sqlite]`.

On a shared machine the time of a page save varies by ±20 % from one process to the next and
by up to 40 % between the 10-second windows of `benchmarks/page_save.py`, so a change of a few
per cent in its cost cannot be seen in time. The number of instructions the process runs for
the same requests is the same to 0.01 % from run to run. This runs the test client in one
process under callgrind (Debian's `valgrind` package), posts page 1 of the START bundle 30 times
uncounted, then counts the instructions of the next `--posts` posts (the process's own: the
database server's are not counted) and prints them per post. Under valgrind a post takes about
50 times as long; 100 posts take about 40 s with start-up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.export_scale import bench_app, drop_schema
from benchmarks.load import _Form, prepare
from survey_app import create_app

WARM_UP = 30
CHILD = "--counted-child"


def _child(posts: int, url: str, token: str) -> None:
    """In valgrind: the app, warm-up posts uncounted, then the counted posts."""
    os.environ.update(
        {
            "SECRET_KEY": "instructions-secret-key-0123456789abcdef",
            "DATABASE_URL": url,
            "COOKIE_SECURE": "false",
            "PUBLIC_URL": "http://localhost",
        }
    )
    client = create_app().test_client()
    client.get(f"/l/{token}")
    form = _Form()
    form.feed(client.get("/svar/sida/1").get_data(as_text=True))
    data = form.answers()
    for _ in range(WARM_UP):
        assert client.post("/svar/sida/1", data=data).status_code == 302
    control = shutil.which("callgrind_control") or "callgrind_control"
    pid = str(os.getpid())
    subprocess.run([control, "-i", "on", pid], check=True, capture_output=True)  # noqa: S603
    for _ in range(posts):
        client.post("/svar/sida/1", data=data)
    subprocess.run([control, "-i", "off", pid], check=True, capture_output=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument(CHILD, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.counted_child:
        _child(args.posts, *args.counted_child)
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is needed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = bench_app(args.db, Path(tmp))
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            token = prepare(url, 1)[0][0]  # not under valgrind: it hashes a password
            run = subprocess.run(  # noqa: S603 (our own interpreter and script)
                [
                    valgrind,
                    "--tool=callgrind",
                    "--instr-atstart=no",
                    f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
                    sys.executable,
                    "-m",
                    "benchmarks.page_save_instructions",
                    "--posts",
                    str(args.posts),
                    CHILD,
                    url,
                    token,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            drop_schema(args.db, schema)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"the counted run failed:\n{run.stderr[-3000:]}")
    per_post = int(found.group(1)) / args.posts
    print(f"{args.db}: {per_post:,.0f} instructions per page save ({args.posts} posts counted)")


if __name__ == "__main__":
    main()
