"""Typed, fail-fast settings read from the environment.

The service refuses to start when something it needs is missing or malformed; it never falls back to
a built-in secret. Tests build `Settings` directly instead of touching the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_DRIVERS = ("sqlite", "postgresql", "postgresql+psycopg")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    secret_key: str
    database_url: str
    testing: bool = False
    csrf_enabled: bool = True
    # Secure cookies need HTTPS; only local development over plain http turns this off.
    cookie_secure: bool = True
    ratelimit_storage_uri: str = "memory://"
    # Sign-in throttling (survey_app/auth/throttle.py): failed attempts only, forgiven by a
    # successful sign-in. Per account and address strict; per address over all accounts
    # generous enough for an office of tablets behind one address. After this many failures on
    # one account from anywhere, attempts from browsers it never signed in on are spaced out by
    # a doubling delay of at most the given seconds (a back-off, never a lock).
    login_failures_per_account_and_address: str = "5 per 15 minutes"
    login_failures_per_address: str = "30 per 10 minutes"
    login_backoff_after: int = 10
    login_backoff_max_seconds: int = 60
    # Personal links that do not work (unknown, expired, revoked, used), per address and per
    # first characters of the token. A working link never counts, so an office of tablets behind
    # one address is not locked out; a guesser is stopped long before a 192-bit token is found.
    link_failures_per_address: str = "100 per 10 minutes"
    link_failures_per_prefix: str = "10 per 10 minutes"
    # Refused participant codes outside the user's own insatser, per staff user
    # (staff/code_lookups.py): enough for typing mistakes, too few to map another insats' codes.
    code_lookup_failures: str = "20 per hour"
    # A staff session ends after this long without a request.
    staff_idle_minutes: int = 60
    # Reverse proxies in front of the service whose X-Forwarded-* headers are trusted.
    trusted_proxies: int = 0
    # A tablet left alone this long locks and shows nothing of the answers (KIOSK_IDLE_MINUTES;
    # seconds here, so that a browser test can use a short idle time).
    kiosk_idle_seconds: int = 600
    # A tablet running JavaScript warns this long before it locks and offers "Jag är kvar"
    # (WCAG 2.2.1); at most half the idle time.
    kiosk_warning_seconds: int = 60
    questionnaire_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "questionnaires"
    )
    # Licensed item texts (EQ-5D) installed by the förbund; see questionnaires/README.md.
    licensed_texts_dir: Path = field(
        default_factory=lambda: default_instance_path() / "licensed-texts"
    )
    # Recorded read-aloud installed by the förbund (`flask audio install`; survey/audio.py).
    audio_dir: Path = field(default_factory=lambda: default_instance_path() / "audio")
    # Where "Lämna sidan snabbt" takes a participant: a neutral, common site.
    quick_exit_url: str = "https://www.google.se/"
    # Sending links by e-mail: the förbund's SMTP server ("" = e-mail not configured).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = ""
    # The name of a registered SMS gateway (survey_app/sms.py); none is built in.
    sms_gateway: str = ""
    # Reminders (`flask send-reminders`): at most one per link per this many days.
    reminder_interval_days: int = 7
    # The service's public address, e.g. https://enkat.forbund.se: every link the service writes
    # starts with it, and requests naming another host are refused. Required, except in tests,
    # where it is the test client's http://localhost unless a test says otherwise.
    public_url: str = ""
    # The largest file a staff member or admin may upload (a CSV of participants or of answers);
    # every other request is limited to 1 MB (request_guard.py).
    max_upload_mb: int = 16
    # Rows in one file imported on the admin's web page; `flask import-responses` has no limit
    # (a historical file of a million answers is imported there, see docs/benchmarks.md).
    import_max_rows: int = 100_000
    # "json": one structured line per request (survey_app/request_log.py); "" for none.
    log_format: str = ""

    def __post_init__(self) -> None:
        if not self.secret_key or len(self.secret_key) < 16:
            raise ConfigError(
                "SECRET_KEY saknas eller är för kort (minst 16 tecken). Sätt miljövariabeln "
                "SECRET_KEY eller lägg en slumpad nyckel i instance/secret_key."
            )
        check_database_url(self.database_url)
        if not self.public_url and self.testing:
            object.__setattr__(self, "public_url", TEST_PUBLIC_URL)
        object.__setattr__(self, "public_url", check_public_url(self.public_url))
        if self.log_format not in ("", "json"):
            raise ConfigError("LOG_FORMAT kan bara vara json eller tomt.")

    @property
    def public_host(self) -> str:
        """The host name of PUBLIC_URL (without the port)."""
        return urlsplit(self.public_url).hostname or ""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, instance_path: Path | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        instance = instance_path or default_instance_path()
        secret = env.get("SECRET_KEY", "").strip()
        secret_file = Path(env.get("SECRET_KEY_FILE", instance / "secret_key"))
        if not secret and secret_file.is_file():
            secret = secret_file.read_text(encoding="utf-8").strip()
        if not secret:
            raise ConfigError(
                "SECRET_KEY saknas: tjänsten startar inte utan en hemlig nyckel. Sätt "
                f"miljövariabeln SECRET_KEY eller skapa filen {secret_file} "
                "(make run gör det åt dig lokalt)."
            )
        database_url = env.get("DATABASE_URL", "").strip() or default_sqlite_url(instance)
        return cls(
            secret_key=secret,
            database_url=database_url,
            cookie_secure=_flag(env, "COOKIE_SECURE", default=True),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
            kiosk_idle_seconds=60 * _int(env, "KIOSK_IDLE_MINUTES", default=10, low=1, high=240),
            kiosk_warning_seconds=_int(env, "KIOSK_WARNING_SECONDS", default=60, low=10, high=600),
            staff_idle_minutes=_int(env, "STAFF_IDLE_MINUTES", default=60, low=5, high=720),
            trusted_proxies=_int(env, "TRUSTED_PROXIES", default=0, low=0, high=5),
            licensed_texts_dir=Path(
                env.get("LICENSED_TEXTS_DIR", "").strip() or instance / "licensed-texts"
            ),
            audio_dir=Path(env.get("AUDIO_DIR", "").strip() or instance / "audio"),
            quick_exit_url=env.get("QUICK_EXIT_URL", "").strip() or "https://www.google.se/",
            log_format=env.get("LOG_FORMAT", "").strip().lower(),
            max_upload_mb=_int(env, "MAX_UPLOAD_MB", default=16, low=1, high=512),
            import_max_rows=_int(env, "IMPORT_MAX_ROWS", default=100_000, low=100, high=10_000_000),
            smtp_host=env.get("SMTP_HOST", "").strip(),
            smtp_port=_int(env, "SMTP_PORT", default=25, low=1, high=65535),
            smtp_user=env.get("SMTP_USER", "").strip(),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=_flag(env, "SMTP_STARTTLS", default=False),
            mail_from=env.get("MAIL_FROM", "").strip(),
            reminder_interval_days=_int(env, "REMINDER_INTERVAL_DAYS", default=7, low=1, high=60),
            public_url=env.get("PUBLIC_URL", "").strip(),
            sms_gateway=env.get("SMS_GATEWAY", "").strip(),
        )


TEST_PUBLIC_URL = "http://localhost"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def check_public_url(url: str) -> str:
    """PUBLIC_URL without a trailing slash, or ConfigError saying what is wrong with it."""
    example = "Exempel: PUBLIC_URL=https://enkat.forbund.se (lokalt: http://127.0.0.1:5000)."
    if not url:
        raise ConfigError(
            "PUBLIC_URL saknas: tjänsten startar inte utan sin publika adress, som alla länkar "
            f"den skriver börjar med. {example}"
        )
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"PUBLIC_URL går inte att tolka. {example}") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"PUBLIC_URL ska börja med https:// och en värd. {example}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_URL ska bara vara schema, värd och ev. port. {example}")
    if not re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:]+", parts.hostname):
        raise ConfigError(f"PUBLIC_URL har en ogiltig värd. {example}")
    if parts.path not in ("", "/"):
        raise ConfigError(
            "PUBLIC_URL kan inte ha en sökväg: tjänsten körs i roten av sin adress. " + example
        )
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(
            "PUBLIC_URL måste börja med https:// (bara en lokal adress som 127.0.0.1 får "
            "använda http://)."
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def default_instance_path() -> Path:
    return Path(__file__).resolve().parent.parent / "instance"


def default_sqlite_url(instance: Path) -> str:
    return f"sqlite:///{instance / 'survey.sqlite3'}"


def check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            "DATABASE_URL går inte att tolka. Exempel: "
            "postgresql+psycopg://användare@värd:5432/databas eller sqlite:////sökväg/till/fil.sqlite3"
        ) from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ConfigError(
            f"DATABASE_URL använder {parsed.drivername!r}; tjänsten stöder bara SQLite och "
            "PostgreSQL (postgresql+psycopg://...)."
        )
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise ConfigError("DATABASE_URL för PostgreSQL saknar databasnamn.")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} måste vara true eller false, inte {raw!r}.")


def _int(env: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} måste vara ett heltal från {low} till {high}, inte {raw!r}.")
    return int(raw)
