"""Live `python -m app serve` processes for tests that need a real server (several processes,
real sockets, a process to kill), started as an operator would, on a database of the test's choice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: tempfile._TemporaryFileWrapper  # the server's output, shown when it fails to start

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def kill(self) -> None:
        """Stop the process at once, as a crash or an OOM kill would: no cleanup, no answer sent."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)


def wait_ready(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited with {server.process.returncode}:\n{server.output()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{server.url} was not ready in {timeout} s:\n{server.output()[-3000:]}")


def start(database_url: str, **environment: str) -> Server:
    """A server on `database_url`, its settings overridden by `environment` (e.g. WORKER_THREADS="1")."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the server runs; closed by stop())
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": database_url, **environment},
        stdout=log, stderr=subprocess.STDOUT)
    return Server(url=f"http://127.0.0.1:{port}", process=process, log=log)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    server.log.close()


@contextmanager
def serving(database_url: str, count: int = 1, *, variants: list[dict[str, str]] | None = None,
            **environment: str) -> Iterator[list[Server]]:
    """`count` servers on one database (or one per variant, each with that variant's settings on top
    of `environment`), started together, ready when entered, stopped on exit."""
    servers: list[Server] = []
    try:
        for variant in variants or [{}] * count:
            servers.append(start(database_url, **environment, **variant))
        for server in servers:
            wait_ready(server)
        yield servers
    finally:
        for server in servers:
            stop(server)
