"""The command line: `python -m app COMMAND` (or `readout COMMAND`), configured like the service."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session

from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.errors import ProblemError
from app.core.migrations import upgrade_to_head
from app.models.api_key import KeyScope

T = TypeVar("T")

cli = typer.Typer(help="Readout: diplomatic events from press-service readouts.", no_args_is_help=True,
                  add_completion=False)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")

console = Console(stderr=True)

CLI_ACTOR = "cli"


def _database() -> Database:
    return Database.from_settings(get_settings())


def _migrate() -> None:
    from app.services.full_text import restore_full_text
    from app.services.reference import seed_reference_data

    settings = get_settings()
    database = Database.from_settings(settings)
    try:
        upgrade_to_head(settings, then=lambda: seed_reference_data(database.write_engine))
        restore_full_text(database.write_engine.url)
    finally:
        database.dispose()


@cli.command()
def migrate() -> None:
    """Bring the database to the latest migration."""
    from sqlalchemy import make_url

    _migrate()
    url = make_url(get_settings().database_url).render_as_string(hide_password=True)
    console.print(f"database at the latest migration: {url}", highlight=False, soft_wrap=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    log_format: Annotated[str | None, typer.Option(
        help="json (one object a line on stderr) or text; default LOG_FORMAT, else json.")] = None,
    log_level: Annotated[str | None, typer.Option(
        help="debug, info, warning or error; default LOG_LEVEL, else info.")] = None,
) -> None:
    """Bring the database to the latest migration and serve the API."""
    import os
    import tempfile

    import uvicorn

    from app.core.observability import logging_config

    settings = get_settings()
    log_format = log_format or settings.log_format
    log_level = (log_level or settings.log_level).lower()
    if log_format not in {"json", "text"} or log_level not in {"debug", "info", "warning", "error"}:
        console.print("[red]--log-format is json or text; --log-level is debug, info, warning or error[/red]")
        raise typer.Exit(2)
    _migrate()
    with tempfile.TemporaryDirectory(prefix="readout-metrics-") as metrics_directory:
        if workers > 1 and not settings.prometheus_multiproc_dir:
            # Each worker writes its counts there and /metrics adds them up (prometheus_client reads this
            # variable at import, in the workers started below).
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_directory
        # One access line per request comes from the app (app.core.observability): uvicorn's is off.
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, log_level=log_level, access_log=False,
                    log_config=logging_config(log_format, log_level))


def _in_write_session(action: Callable[[Session], T]) -> T:
    """Run `action` in a write session; a refusal (a problem) is printed and exits with status 1."""
    database = _database()
    try:
        with database.write_session() as session:
            return action(session)
    except ProblemError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(1) from None
    finally:
        database.dispose()


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="A name for the key: who or what uses it.")],
    scope: Annotated[KeyScope, typer.Option(help="read, or write (which includes read).")] = KeyScope.write,
) -> None:
    """Print a new API key once, alone on the last line of standard output."""
    from app.services import keys as key_service

    row, key = _in_write_session(lambda session: key_service.create_key(session, name=name, scope=scope))
    console.print(f"created {row.scope} key {row.name!r}; it is shown once, store it now:")
    print(key)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys (never their secrets)."""
    from app.services import keys as key_service

    database = _database()
    with database.read_session() as session:
        rows = key_service.list_keys(session)
    database.dispose()
    table = Table("name", "scope", "prefix", "created", "revoked")
    for row in rows:
        table.add_row(row.name, row.scope, row.prefix, row.created_at.isoformat(timespec="seconds"),
                      row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else "")
    Console().print(table)


@keys_cli.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: it stops working at once."""
    from app.services import keys as key_service

    _in_write_session(lambda session: key_service.revoke_key(session, name=name))
    console.print(f"revoked {name!r}")


EVENT_FILE_SUFFIXES = {".ndjson", ".jsonl"}
READOUT_FILE_SUFFIXES = {".txt"}


def _input_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in EVENT_FILE_SUFFIXES | READOUT_FILE_SUFFIXES)
        else:
            files.append(path)
    return files


def _ingest_readout_file(database: Database, file: Path) -> tuple[str, str | None]:
    """Store one readout text file: answers its outcome and, when refused, why."""
    from pydantic import ValidationError

    from app.extraction import extract
    from app.models.readout import ReadoutCreate
    from app.services import readouts as readout_service

    try:
        text = file.read_bytes().decode("utf-8")
        submission = ReadoutCreate(text=text, publisher=readout_service.declared_publisher(text))
    except UnicodeDecodeError:
        return "refused", "not UTF-8 text"
    except ValidationError as error:
        return "refused", "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    extracted = extract(submission.text, publisher=submission.publisher)
    try:
        with database.write_session() as session:
            outcome = readout_service.ingest(session, submission=submission, extracted=extracted, actor=CLI_ACTOR)
    except ProblemError as error:
        return "refused", error.detail
    return outcome.status, None


# After a load this large, the query planner's statistics are refreshed before the command ends:
# without them PostgreSQL plans the first queries as if the tables were still small.
ANALYZE_AFTER = 10_000


def _refresh_statistics(database: Database) -> None:
    with database.write_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # VACUUM too, which cannot run in a transaction: it marks the loaded pages all-visible, without
            # which an index-only scan reads every row it passes from the table as well.
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
        else:
            connection.exec_driver_sql("PRAGMA optimize")
            connection.commit()


def _defers_indexes(session: Session, file: Path, settings: Settings) -> bool:
    """Whether a file is large enough, and the database small enough, to build the date indexes after
    loading it rather than while (on SQLite): the file's lines are at least the threshold, and at
    least the events already stored."""
    if not settings.is_sqlite or settings.bulk_defer_indexes_from_lines <= 0:
        return False
    with file.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if lines < settings.bulk_defer_indexes_from_lines:
        return False
    stored = session.connection().exec_driver_sql("SELECT count(*) FROM event").scalar() or 0
    session.rollback()
    return lines >= stored


@cli.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(
        help="Readout text files (.txt), NDJSON event files (.ndjson, .jsonl), or folders of them.", exists=True)],
) -> None:
    """Load readouts and events, with a progress bar and a summary."""
    from app.services.bulk import date_indexes_deferred, load_lines
    from app.services.full_text import readout_index_built_aside

    settings = get_settings()
    database = _database()
    files = _input_files(paths)
    totals = {"stored": 0, "duplicates": 0, "merged": 0, "refused": 0}
    refusals: list[str] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("ingesting", total=sum(f.stat().st_size for f in files))
        for file in files:
            progress.update(task, description=file.name)
            if file.suffix in READOUT_FILE_SUFFIXES:
                status, reason = _ingest_readout_file(database, file)
                progress.advance(task, file.stat().st_size)
                totals[{"stored": "stored", "merged": "merged", "duplicate": "duplicates"}.get(status, "refused")] += 1
                if reason:
                    refusals.append(f"{file}: {reason}")
                continue

            def lines(file: Path = file):  # noqa: ANN202
                with file.open("rb") as handle:
                    unreported = 0
                    for number, line in enumerate(handle, start=1):
                        unreported += len(line)
                        if number % 1000 == 0:  # the bar costs more than a line's parsing if moved each line
                            progress.advance(task, unreported)
                            unreported = 0
                        yield number, line
                    progress.advance(task, unreported)

            with database.write_session() as session:
                large = _defers_indexes(session, file, settings)
                with date_indexes_deferred(session) if large else nullcontext(), \
                        readout_index_built_aside(session) if large else nullcontext():
                    result = load_lines(session, lines(), actor=CLI_ACTOR, batch_size=settings.bulk_batch_size,
                                        parse_processes=settings.bulk_parse_processes,
                                        sqlite_cache_mib=settings.sqlite_bulk_cache_mib)
            totals["stored"] += result.created
            totals["duplicates"] += result.duplicates
            totals["refused"] += result.refused
            refusals += [f"{file}:{error.line}: {error.detail}" for error in result.errors]
    if totals["stored"] >= ANALYZE_AFTER:
        _refresh_statistics(database)
    database.dispose()
    summary = Table("stored", "duplicates", "merged", "refused")
    summary.add_row(*(str(totals[name]) for name in ("stored", "duplicates", "merged", "refused")))
    console.print(summary)
    for refusal in refusals:
        console.print(f"[yellow]refused[/yellow] {refusal}", highlight=False, soft_wrap=True)
    if totals["refused"]:
        raise typer.Exit(1)


@cli.command()
def evaluate(
    path: Annotated[Path, typer.Argument(help="Labelled readouts, one JSON object a line "
                                              "(the format of corpus/readouts.jsonl).", exists=True)],
) -> None:
    """Score extraction against labelled readouts: per-field accuracy and F1, and the misses."""
    from app.extraction.evaluate import evaluate as score
    from app.extraction.evaluate import load_labelled, render

    report = score(load_labelled(path))
    render(report, Console())


@cli.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or ndjson")] = "ndjson",
    country: Annotated[list[str] | None, typer.Option(help="Country (code or name); repeatable.")] = None,
    country_role: Annotated[str, typer.Option(help="participant, initiator, mentioned or any")] = "participant",
    person: Annotated[list[str] | None, typer.Option(help="Name, surname or alias; repeatable.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Topic slug; repeatable.")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Event kind; repeatable.")] = None,
    initiator: Annotated[list[str] | None, typer.Option(help="Initiating country; repeatable.")] = None,
    date_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD, inclusive")] = None,
    q: Annotated[str | None, typer.Option(help="Words the readout text or summary contains.")] = None,
    sort: Annotated[str, typer.Option(help="-date (newest first) or date (oldest first)")] = "-date",
    texts: Annotated[bool, typer.Option(help="NDJSON only: give each source its readout text, so that "
                                             "`ingest` restores the events whole (a backup).")] = False,
) -> None:
    """Write matching events to standard output.

    A backup: `export --format ndjson --sort date --texts`; `ingest` of it into a new database gives
    back the same answers (events created oldest first keep their order within a day).
    """
    from pydantic import ValidationError

    from app.api.deps import EventQuery, resolve_filters
    from app.services.events import iterate_events
    from app.services.export import csv_lines, ndjson_lines, with_source_texts
    from app.services.filters import SortOrder

    if fmt not in {"csv", "ndjson"} or sort not in {"-date", "date"} or (texts and fmt != "ndjson"):
        console.print("[red]--format must be csv or ndjson, --sort -date or date; --texts needs ndjson[/red]")
        raise typer.Exit(2)
    try:
        filters = resolve_filters(EventQuery(
            country=country or [], country_role=country_role, person=person or [], topic=topic or [],
            kind=kind or [], initiator=initiator or [], q=q,
            date_from=dt.date.fromisoformat(date_from) if date_from else None,
            date_to=dt.date.fromisoformat(date_to) if date_to else None,
        ))
    except (ValidationError, ValueError, ProblemError) as error:
        console.print(f"[red]{getattr(error, 'detail', None) or error}[/red]")
        raise typer.Exit(2) from None
    database = _database()
    with database.read_session() as session:
        chunk_size = get_settings().export_chunk_size
        events = iterate_events(session, filters=filters, sort=SortOrder(sort), chunk_size=chunk_size)
        if texts:
            events = with_source_texts(session, events, chunk_size=chunk_size)
        writer = csv_lines(events) if fmt == "csv" else ndjson_lines(events)
        for chunk in writer:
            sys.stdout.write(chunk)
    sys.stdout.flush()
    database.dispose()


def main() -> None:
    cli()
