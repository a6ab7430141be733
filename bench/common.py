"""Shared helpers of the benchmark scripts: paths, databases, servers, /proc readings. Standard library only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
APP_PY = REPO / ".venv" / "bin" / "python"          # the project's virtualenv (the app, the floor)
BENCH_PY = BENCH / ".venv" / "bin" / "python"       # the benchmark's own (Datasette)
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database_url(db: str, name: str) -> str:
    if db == "sqlite":
        (DATA / "db").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / 'db' / (name + '.db')}"
    return f"{PG_SERVER}/{name}"


def drop_database(db: str, name: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(DATA / "db" / (name + ".db")) + suffix).unlink(missing_ok=True)
        return
    _psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    _psql(f'DROP DATABASE IF EXISTS "{name}"')


def create_database(db: str, name: str) -> str:
    drop_database(db, name)
    if db == "postgresql":
        _psql(f'CREATE DATABASE "{name}"')
    return database_url(db, name)


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                           "-qAtc", sql], check=True, capture_output=True, text=True).stdout


def snapshot_code(ref: str = "HEAD") -> Path:
    """The app as committed at `ref`, extracted (git archive: reads the repo, writes nothing to it) under
    bench/data/code-<sha>. The project is installed editable, so PYTHONPATH=<that folder> makes the
    project's virtualenv import this copy instead of the work tree, which the lead edits meanwhile."""
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=REPO, check=True, capture_output=True,
                         text=True).stdout.strip()
    target = DATA / f"code-{sha}"
    if not (target / "app").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha, "app", "migrations", "pyproject.toml"],
                                 cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def app_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of the app's processes; BENCH_APP_TREE (a snapshot_code folder) picks the code."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(DATABASE_URL=url, PYTHONUNBUFFERED="1", **extra)
    if os.environ.get("BENCH_APP_TREE"):
        env["PYTHONPATH"] = os.environ["BENCH_APP_TREE"]
    return env


def run_app_cli(url: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    """`python -m app ARGS` of the project, run from bench/data (so no stray .env or readout.db is used)."""
    DATA.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(APP_PY), "-m", "app", *args], env=app_env(url), cwd=DATA, check=True,
                          capture_output=capture, text=True)


def create_key(url: str) -> str:
    return run_app_cli(url, "keys", "create", "--name", f"bench-{time.time_ns()}").stdout.strip().splitlines()[-1]


def free_port(port: int) -> None:
    """Kill whatever listens on `port`: a server an earlier run left behind when it was killed, which the
    server about to start would find there (Linux: the listening socket's inode, then its process)."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: listening
                    sockets.add(f"socket:[{fields[9]}]")
    if not sockets:
        return
    for descriptors in Path("/proc").glob("[0-9]*/fd"):
        with suppress(OSError):
            if any(os.readlink(fd) in sockets for fd in descriptors.iterdir()):
                pid = int(descriptors.parent.name)
                log(f"port {port} is taken by process {pid}, left by an earlier run: killing it")
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)  # the port is free once the kernel has closed the socket


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    env: dict[str, str]
    cwd: Path = DATA
    ready_path: str = "/healthz"
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, timeout: float = 600) -> Server:
        DATA.mkdir(parents=True, exist_ok=True)
        free_port(self.port)
        self.log_path = DATA / f"server-{self.name}.log"
        handle = self.log_path.open("w")
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}{self.ready_path}", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The process that serves (uvicorn with one worker serves in the process it was started as)."""
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)  # the group we started: the server and any children
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0])
    return values


def postgres_backend_cpu() -> float:
    """CPU seconds of all PostgreSQL processes (the database's share of a request on PostgreSQL)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() in {"postgres", "postmaster"}:
                total += cpu_seconds(int(proc.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, PermissionError):
            continue
    return total


@dataclass
class RssSampler:
    """Samples a process's RSS every `interval` seconds in a thread."""

    pid: int
    interval: float = 0.25
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.samples.append(memory_kib(self.pid)["VmRSS"])
                except (FileNotFoundError, KeyError, ProcessLookupError):
                    return
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def http_get(url: str, timeout: float = 120) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str))
