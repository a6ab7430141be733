"""The SQL behind each benchmark query, timed, with its plan (EXPLAIN QUERY PLAN, or EXPLAIN ANALYZE).

    DATABASE_URL=... .venv/bin/python bench/explain.py --queries bench/data/queries.json > plans.json

Runs the service functions (app.services) the routes call, records every statement they send (with
its parameters) through an SQLAlchemy event hook, then times each statement alone and asks the
database for its plan. Runs in the project's virtualenv.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import event

from app.api.deps import EventQuery, resolve_filters
from app.core.config import Settings
from app.core.db import Database
from app.services import events as event_service
from app.services import stats as stats_service
from app.services.filters import SortOrder


def _filters(query: dict[str, list[str]]):  # noqa: ANN202
    fields = {k: v for k, v in query.items() if k in EventQuery.model_fields}
    scalar = {"country_role", "date_from", "date_to", "q", "updated_since"}
    return resolve_filters(EventQuery(**{k: (v[0] if k in scalar else v) for k, v in fields.items()}))


def call(session, path: str) -> None:  # noqa: ANN001
    parts = urlsplit(path)
    query = parse_qs(parts.query)
    if parts.path.startswith("/v1/stats/pairs"):
        stats_service.pairs(session, filters=_filters(query), limit=100)
    elif parts.path.startswith("/v1/events/"):
        event_service.get_event(session, event_id=parts.path.rsplit("/", 1)[1])
    elif query.get("format") == ["csv"]:
        for _ in zip(range(1000), event_service.iterate_events(session, filters=_filters(query),
                                                                sort=SortOrder.date_desc, chunk_size=1000)):
            pass  # the first chunk: its statements repeat for every chunk of the export
    else:
        event_service.list_events(session, filters=_filters(query), sort=SortOrder.date_desc,
                                  limit=int(query.get("limit", ["50"])[0]), cursor=query.get("cursor", [None])[0])


def explain(database: Database, statement: str, params) -> str:  # noqa: ANN001
    with database.read_engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        cursor = raw.cursor()
        if database.read_engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
            rows = cursor.fetchall()
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", required=True, help="JSON {name: path} of the service's queries")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    database = Database.from_settings(Settings())
    captured: list[tuple[str, object]] = []

    @event.listens_for(database.read_engine, "before_cursor_execute")
    def _capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        captured.append((statement, parameters))

    report = {}
    for name, path in json.loads(open(args.queries).read()).items():
        captured.clear()
        try:
            with database.read_session() as session:
                call(session, path)
                started = time.perf_counter()
                call(session, path)
                total_ms = (time.perf_counter() - started) * 1000
        except Exception:  # noqa: BLE001
            report[name] = {"path": path, "error": traceback.format_exc(limit=3)}
            continue
        statements = [(sql, params) for sql, params in captured
                      if not sql.strip().upper().startswith(("BEGIN", "PRAGMA", "SELECT PG_ADVISORY"))]
        statements = statements[: len(statements) // 2]  # the second call repeats the first
        entries = []
        for statement, params in statements:
            timings = []
            for _ in range(args.repeat):
                with database.read_engine.connect() as connection:
                    cursor = connection.connection.dbapi_connection.cursor()
                    started = time.perf_counter()
                    cursor.execute(statement, params)
                    rows = cursor.fetchall()
                    timings.append((time.perf_counter() - started) * 1000)
            try:
                plan = explain(database, statement, params)
            except Exception as error:  # noqa: BLE001
                plan = f"(no plan: {error})"
            entries.append({"sql": statement, "params": params if isinstance(params, (list, tuple, dict)) else str(params),
                            "rows": len(rows), "best_ms": round(min(timings), 2), "plan": plan})
        report[name] = {"path": path, "service_call_ms": round(total_ms, 2), "statements": entries}
    database.dispose()
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
