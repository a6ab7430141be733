"""Two `serve` processes on one database behave as one service: the API keeps no state of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

READOUT = """Source: Press Service of the President of Kazakhstan

2 June 2022

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with Prime Minister of Italy \
Mario Draghi. The sides discussed energy cooperation and agreed to stay in contact.
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready in {timeout} s")


@pytest.fixture
def replicas(settings, database) -> Iterator[list[str]]:  # noqa: ANN001
    """Two servers started as an operator would, on the test database."""
    environment = {**os.environ, "DATABASE_URL": settings.database_url}
    urls, processes = [], []
    try:
        for _ in range(2):
            port = _free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(port)], env=environment,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_ready(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def test_writes_through_one_replica_are_read_through_the_other(replicas, auth):
    first, second = replicas
    created = httpx.post(f"{first}/v1/events", headers=auth, timeout=30, json={
        "kind": "meeting", "date": "2022-06-02",
        "participants": [{"name": "Kassym-Jomart Tokayev", "country": "KZ"}, {"name": "Mario Draghi", "country": "IT"}],
        "topics": ["energy"]}).json()
    assert httpx.get(f"{second}/v1/events/{created['id']}", timeout=30).json()["id"] == created["id"]
    assert [e["id"] for e in httpx.get(f"{second}/v1/events", params={"country": "IT"}, timeout=30).json()["data"]] \
        == [created["id"]]
    # A cached aggregate in one replica notices a write made through the other.
    assert httpx.get(f"{second}/v1/stats/pairs", timeout=30).json()["data"] == [{"countries": ["IT", "KZ"], "count": 1}]
    httpx.delete(f"{first}/v1/events/{created['id']}", headers=auth, timeout=30)
    assert httpx.get(f"{second}/v1/stats/pairs", timeout=30).json()["data"] == []
    assert httpx.get(f"{second}/v1/events/{created['id']}", timeout=30).status_code == 404


def test_the_same_readout_posted_to_both_at_once_is_stored_once(replicas, auth):
    def post(url: str) -> int:
        return httpx.post(f"{url}/v1/readouts", content=READOUT.encode(), timeout=60,
                          headers={**auth, "Content-Type": "text/plain"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, replicas * 4))
    assert sorted(statuses) == [200] * 7 + [201]
    events = httpx.get(f"{replicas[1]}/v1/events", timeout=30).json()["data"]
    assert len(events) == 1 and len(events[0]["sources"]) == 1
