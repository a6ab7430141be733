"""`ingest` of a large NDJSON file: parsed in a second process, it reports and stores what one process does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bulk_support import BATCH, bulk_lines, comparable, run_ingest
from factories import emptied_with_writer
from fastapi.testclient import TestClient

from app.main import create_app
from app.services.bulk import PARALLEL_FROM_LINES


def _ingest(monkeypatch, settings, database, path: Path, processes: int) -> tuple[str, object]:  # noqa: ANN001
    """Empty the database and ingest `path`; answers the command's report and the stored events."""
    emptied_with_writer(database)
    result = run_ingest(monkeypatch, settings.database_url, path, BULK_BATCH_SIZE=str(BATCH),
                        BULK_PARSE_PROCESSES=str(processes))
    assert result.exit_code == 1, result.output  # some lines are refused
    report = re.sub(r"\d+:\d\d:\d\d", "", result.stdout + result.stderr)  # the elapsed time
    report = re.sub(r"━+|\s+", " ", report)
    with TestClient(create_app(settings)) as client:
        export = client.get("/v1/events", params={"format": "ndjson"}).text
    events = [json.loads(line) for line in export.splitlines() if line.strip()]
    # The report does not list the ids created: the stored events are compared by their order.
    ids = {"created_ids": sorted((e["id"] for e in events), key=int), "duplicate_ids": []}
    return report, comparable(ids, events, {})[1]


@pytest.fixture
def ndjson_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(PARALLEL_FROM_LINES + 800, seed=11)) + "\n", encoding="utf-8")
    return path


def test_ingest_parsed_in_a_second_process_reports_and_stores_the_same(monkeypatch, settings, database,
                                                                       ndjson_file):
    plain = _ingest(monkeypatch, settings, database, ndjson_file, processes=0)
    parallel = _ingest(monkeypatch, settings, database, ndjson_file, processes=1)
    assert parallel == plain
    report = plain[0]
    assert re.search(r"refused \S*events\.ndjson:\d+: ", report), report
    assert len(plain[1]) > 2 * BATCH


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; whoever adopted it has yet to reap it


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds child processes through /proc")
def test_the_parsing_process_leaves_when_the_loader_is_killed(settings, database, tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(6 * PARALLEL_FROM_LINES, seed=3)) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": settings.database_url, "BULK_BATCH_SIZE": "500",
           "BULK_PARSE_PROCESSES": "1"}
    loader = subprocess.Popen([sys.executable, "-m", "app", "ingest", str(path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        children: list[int] = []
        while not children:
            assert loader.poll() is None, "the load ended before its parsing process was seen"
            assert time.monotonic() < deadline, "no parsing process started"
            children = [int(pid) for tasks in Path(f"/proc/{loader.pid}/task").glob("*/children")
                        for pid in tasks.read_text().split()]
            time.sleep(0.05)
    finally:
        loader.kill()
        loader.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in children):
        assert time.monotonic() < deadline, f"parsing processes {children} outlived their loader"
        time.sleep(0.2)
