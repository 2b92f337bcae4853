"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/deployment.md).

Each can be overridden on the command line or by the environment variables named below.
"""

import gc
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: requests are short (a questionnaire page is a few milliseconds); more workers,
# not threads, for more parallel requests. Rate-limit counters must then be shared: set
# RATELIMIT_STORAGE_URI=redis://… (README).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# The longest requests are a report's: publishing a year or an internal ad hoc report is built
# in the request (1–4 s for a förbund-year, docs/benchmarks.md; an unusual one much longer). A
# worker is killed only past this; the proxy's read timeout must be as long (docs/deployment.md).
timeout = 120
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (memory); jitter so they do not all restart at once.
max_requests = 5000
max_requests_jitter = 500
# Access log without the client's address (personal data) and without the query string; the
# path of a personal link is redacted by survey_app.privacy.log_redaction before it is written.
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# Trust X-Forwarded-* only from the reverse proxy (the app's TRUSTED_PROXIES applies ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Once the worker has built the app: compile its templates (a participant's first pages
    from a fresh worker are not slower, survey_app.compile_templates), then move everything
    alive now (modules, the app, the questionnaire registry, compiled templates) out of the
    cycle collector's reach. Otherwise each full collection walks all of it again: ~140 ms
    every ~500 requests in a worker, a pause that lands on some participant's request. Objects
    made by requests are collected as before."""
    from flask import Flask

    from survey_app import compile_templates

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        compile_templates(app)
    gc.collect()
    gc.freeze()
