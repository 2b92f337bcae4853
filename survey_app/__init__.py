"""Follow-up questionnaires for samordningsförbund: the Flask application factory."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.config import (
    LOOPBACK_HOSTS,
    Settings,
    default_instance_path,
    normalise_database_url,
)
from survey_app.questionnaires import Registry


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. No database writes, network calls or schema creation happen here."""
    if settings is None:
        settings = Settings.from_env()
    instance_path = default_instance_path()
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SQLALCHEMY_DATABASE_URI=normalise_database_url(settings.database_url),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        WTF_CSRF_ENABLED=settings.csrf_enabled,
        # A long-open page must still post: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_I18N_ENABLED=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Strict",
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        # The cookie's own limit, for participants half-way through a questionnaire; staff
        # sessions end sooner, after STAFF_IDLE_MINUTES without a request (security.py).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_REFRESH_EACH_REQUEST=True,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=False,
        # Only PUBLIC_URL's host is served (request_guard.py); a local address also answers to
        # its other loopback names.
        TRUSTED_HOSTS=_trusted_hosts(settings),
    )
    from survey_app import request_guard

    # First: its hook refuses foreign hosts and oversized bodies before any other hook runs.
    request_guard.init_app(app)
    if settings.trusted_proxies:
        # Behind a TLS-terminating proxy: the client's address (for rate limits) and https. Not
        # X-Forwarded-Host: nothing needs the host from the request (links use PUBLIC_URL), and
        # the proxy passes the Host header on, which TRUSTED_HOSTS checks.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    _init_extensions(app)
    # Reading the definition files is the only start-up work; a broken file is logged and skipped.
    app.extensions["questionnaires"] = Registry(
        Path(settings.questionnaire_dir), Path(settings.licensed_texts_dir)
    )
    _register_blueprints(app)
    from survey_app.extensions import check_limits_on_their_routes_only, limiter

    check_limits_on_their_routes_only(app, limiter)
    from survey_app import cli, errors, headers, i18n, request_log, security, wording
    from survey_app.privacy import log_redaction
    from survey_app.survey.texts import phone_links

    app.jinja_env.filters["phone_links"] = phone_links
    app.jinja_env.filters["plural"] = wording.plural
    app.jinja_env.filters["local_date"] = wording.local_date
    app.jinja_env.filters["local_time"] = wording.local_time
    app.jinja_env.filters["link_last_day"] = wording.link_last_day
    app.jinja_env.globals["missing_licensed_texts"] = app.extensions[
        "questionnaires"
    ].missing_licensed_texts
    i18n.init_app(app)
    security.init_app(app)
    headers.init_app(app)
    if settings.log_format == "json":
        request_log.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    logging.getLogger("survey_app").setLevel(logging.INFO)
    log_redaction.install()
    return app


def compile_templates(app: Flask) -> None:
    """Compile every template now (a server's worker, before its first request): compiled on
    first use instead, each worker's first pages took 25–50 ms longer, a wave of slow pages
    when workers start together (issue 17)."""
    for name in app.jinja_env.list_templates():
        if name.endswith(".html"):
            app.jinja_env.get_template(name)


def _trusted_hosts(settings: Settings) -> list[str]:
    host = settings.public_host
    if host in LOOPBACK_HOSTS:
        return sorted(LOOPBACK_HOSTS)
    return [host]


def _engine_options(url: str) -> dict[str, object]:
    # Error messages must not carry the values being written (codes, e-mail, hashes) into logs.
    options: dict[str, object] = {"hide_parameters": True}
    if url.startswith("sqlite"):
        # The dev server's threads share the file; WAL and busy_timeout are set per connection.
        options["connect_args"] = {"check_same_thread": False, "timeout": 5}
    # PostgreSQL: no pool_pre_ping; its connections are pinged only after lying idle
    # (pool_ping.ping_idle_connections, attached in _init_extensions).
    return options


def _init_extensions(app: Flask) -> None:
    from survey_app import models  # noqa: F401  (register the models with the metadata)
    from survey_app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from survey_app.pool_ping import ping_idle_connections

        with app.app_context():
            ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from survey_app.admin.routes import bp as admin_bp
    from survey_app.auth.routes import bp as auth_bp
    from survey_app.reports.routes import bp as reports_bp
    from survey_app.staff.routes import bp as staff_bp
    from survey_app.survey.routes import bp as survey_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
