"""PostgreSQL's pooled connections are pinged only after they have been idle.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` round trip at every checkout; on a page save
that was 11 % of a gunicorn worker's samples (docs/benchmarks.md, 2026-12-05 (late): page save).
Here the same ping (the dialect's own `do_ping`, as `pool_pre_ping` uses) runs only when the
connection has lain in the pool for longer than IDLE_PING_SECONDS; a failed ping that the
dialect recognises as a disconnect raises `InvalidatePoolError` from the pool's `checkout` event,
which is how SQLAlchemy's pool events ask for a fresh connection: the pool replaces this one,
marks every other connection checked in before now as stale (as `pool_pre_ping` does), and
retries the checkout.

So an idle service still reconnects transparently after PostgreSQL restarts. A connection that
dies while the service is busy (checked in and out again within the threshold) is not pinged:
the request using it fails with the 503 "try again" page, SQLAlchemy invalidates the pool, and
the next requests reconnect (SQLAlchemy's "optimistic" disconnect handling).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry

# Under load a worker's connection goes back to the pool and out again within milliseconds, so
# it is never idle this long and never pinged. A connection idle for longer is the one that may
# have outlived a PostgreSQL restart or an idle-connection cut (a proxy, a firewall, a server
# timeout), and then the round trip costs nothing that matters. 5 s is far above the gap
# between requests of a busy worker and far below any idle timeout seen in practice. Read at
# every checkout, so tests can set it.
IDLE_PING_SECONDS = 5.0

# Where the pool entry keeps the monotonic time it was last checked in. The entry's `info`
# is cleared whenever its DBAPI connection is replaced, so a fresh connection has no time and
# is not pinged (as `pool_pre_ping` skips fresh connections).
_CHECKED_IN_AT = "survey_app.checked_in_at"


def ping_idle_connections(engine: Engine) -> None:
    """Attach the idle-only ping to the engine's pool (instead of `pool_pre_ping`)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _remember_checkin(dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None:  # None: the connection was invalidated
            entry.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, entry: ConnectionPoolEntry, _proxy: Any) -> None:
        checked_in_at = entry.info.pop(_CHECKED_IN_AT, None)
        if checked_in_at is None or time.monotonic() - checked_in_at <= IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error
            raise
