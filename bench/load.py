"""Loading the generated events: POST /v1/events/bulk in chunks, or `python -m app ingest FILE`.

    python bench/load.py --file bench/data/events-100000-s1.ndjson --db sqlite --via http
    python bench/load.py --file ... --db postgresql --via cli --name readout_bench_cli

Each creates the database afresh (bench/data/db/NAME.db, or database NAME on the local PostgreSQL),
migrates it, loads, and prints events per second as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import subprocess
import time
from pathlib import Path

from common import (
    APP_PY,
    DATA,
    RssSampler,
    Server,
    app_env,
    cpu_seconds,
    create_database,
    create_key,
    log,
    memory_kib,
    run_app_cli,
)

# Chunks well under the 64 MiB bulk body limit (a line is ~2.2 kB; 16 MiB is ~7,500 events).
CHUNK_BYTES = 16 * 1024 * 1024


def chunks(path: Path, limit: int = CHUNK_BYTES):  # noqa: ANN201
    """Whole lines, at most `limit` bytes a chunk, read as a stream."""
    buffer: list[bytes] = []
    size = 0
    with path.open("rb") as handle:
        for line in handle:
            if size + len(line) > limit and buffer:
                yield b"".join(buffer), len(buffer)
                buffer, size = [], 0
            buffer.append(line)
            size += len(line)
    if buffer:
        yield b"".join(buffer), len(buffer)


def analyze(url: str) -> float:
    """ANALYZE after a bulk load on PostgreSQL, as autovacuum would soon do (it is off on this machine's
    server: without statistics the planner took sequential scans for 50-id IN lists). SQLite is left as
    the app leaves it (the app runs no ANALYZE). Answers the seconds it took."""
    if not url.startswith("postgresql"):
        return 0.0
    started = time.monotonic()
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", url.rsplit("/", 1)[1], "-qc", "ANALYZE"],
                   check=True)
    return round(time.monotonic() - started, 2)


def descendants_cpu_seconds(pid: int) -> float:
    """CPU of the processes `pid` started and still runs (the server's parsing process)."""
    total = 0.0
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            try:
                total += cpu_seconds(int(child)) + descendants_cpu_seconds(int(child))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def load_http(url: str, file: Path, port: int = 8090) -> dict:
    """Serve the app on `url` and post the file in chunks; the server's time is what is measured."""
    run_app_cli(url, "migrate")
    key = create_key(url)
    server = Server("load", [str(APP_PY), "-m", "app", "serve", "--port", str(port)], port, app_env(url)).start()
    totals = {"received": 0, "created": 0, "duplicates": 0, "refused": 0, "chunks": 0}
    errors: list = []
    started = time.monotonic()
    cpu0 = cpu_seconds(server.pid)
    try:
        with RssSampler(server.pid, interval=1.0) as rss:
            for body, lines in chunks(file):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
                connection.request("POST", "/v1/events/bulk", body=body, headers={
                    "Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"})
                response = connection.getresponse()
                payload = response.read()
                connection.close()
                if response.status != 200:
                    raise RuntimeError(f"bulk chunk answered {response.status}: {payload[:500]!r}")
                result = json.loads(payload)
                for name in ("received", "created", "duplicates", "refused"):
                    totals[name] += result[name]
                errors += result["errors"][:3]
                totals["chunks"] += 1
                elapsed = time.monotonic() - started
                log(f"bulk: {totals['received']:,} lines in {elapsed:.0f} s "
                    f"({totals['received'] / elapsed:,.0f}/s; chunk of {lines:,})")
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu0
        parser_cpu = descendants_cpu_seconds(server.pid)
        memory = memory_kib(server.pid)
    finally:
        server.stop()
    return {"via": "http", **totals, "seconds": round(elapsed, 2), "analyze_seconds": analyze(url), "events_per_second": round(totals["created"] / elapsed, 1),
            "server_cpu_seconds": round(cpu, 2), "parser_cpu_seconds": round(parser_cpu, 2),
            "server_vmhwm_mib": round(memory["VmHWM"] / 1024, 1),
            "server_rss_max_mib": round(max(rss.samples, default=0) / 1024, 1), "chunk_bytes": CHUNK_BYTES,
            "errors_sample": errors[:5]}


def load_cli(url: str, file: Path) -> dict:
    run_app_cli(url, "migrate")
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = run_app_cli(url, "ingest", str(file.resolve()), capture=True)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tail = process.stderr.strip().splitlines()[-6:]
    count = sum(1 for _ in file.open("rb"))
    return {"via": "cli", "lines": count, "seconds": round(elapsed, 2), "analyze_seconds": analyze(url), "events_per_second": round(count / elapsed, 1),
            # The command and its parsing process: on a machine shared with other work, CPU seconds
            # tell the cost of a load better than the time it took.
            "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "summary": tail}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--via", choices=["http", "cli"], default="http")
    parser.add_argument("--name", default=None, help="database name (default readout_bench_<lines>_<via>)")
    args = parser.parse_args()
    name = args.name or f"readout_bench_{args.file.stem}_{args.via}"
    url = create_database(args.db, name)
    load_before = load_average()
    result = load_http(url, args.file) if args.via == "http" else load_cli(url, args.file)
    # The machine's load average (1 min) before and after: other work on it slows a load down.
    print(json.dumps({"database": url, **result, "load_average": [load_before, load_average()]}, indent=1))


if __name__ == "__main__":
    DATA.mkdir(parents=True, exist_ok=True)
    main()
