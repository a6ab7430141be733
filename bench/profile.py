"""Where the service's CPU goes for one query: py-spy samples the server while wrk drives it.

    python3 bench/profile.py --size 100000 --db sqlite --path "/v1/events?country=BY" [--seconds 10]

Needs py-spy in bench/.venv (bench/.venv/bin/pip install py-spy). Prints the functions with the
most samples, inclusive (on the stack) and exclusive (running), and writes the collapsed stacks to
bench/results/profile-<...>.txt (flamegraph.pl / speedscope read them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
from collections import Counter

from common import APP_PY, BENCH, RESULTS, Server, app_env, database_url, snapshot_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--path", default="/v1/events?country=BY")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--code", default="HEAD")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--all-threads", action="store_true",
                        help="sample every thread, not only the one holding the GIL (threads waiting for the "
                             "GIL then show up where they wait, e.g. in sqlite3 calls that released it)")
    args = parser.parse_args()
    if args.code != "worktree":
        os.environ["BENCH_APP_TREE"] = str(snapshot_code(args.code))
    url = database_url(args.db, f"rb_{args.size}")
    server = Server("profile", [str(APP_PY), "-m", "app", "serve", "--port", "8004"], 8004, app_env(url)).start()
    safe = "".join(c if c.isalnum() else "_" for c in args.path)[:60]
    out = RESULTS / f"profile-{args.size}-{args.db}-{safe}.txt"
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        wrk = threading.Thread(target=subprocess.run, args=(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds + 2}s", "--timeout=60s",
             f"{server.base}{args.path}"],), kwargs={"capture_output": True})
        wrk.start()
        subprocess.run([str(BENCH / ".venv" / "bin" / "py-spy"), "record", "--pid", str(server.pid), "--duration",
                        str(args.seconds), "--rate", "200", "--format", "raw", "--nonblocking", "--output", str(out),
                        *([] if args.all_threads else ["--gil"])],
                       check=True, capture_output=True)
        wrk.join()
    finally:
        server.stop()
    inclusive: Counter = Counter()
    exclusive: Counter = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = [f.split(" (")[0] + " " + f.split("/")[-1].rstrip(")") if "(" in f else f for f in stack.split(";")]
        # Skip idle threads (waiting in the thread pool or the event loop's selector).
        if any(x in frames[-1] for x in ("wait ", "select ", "_worker ", "run_forever")):
            continue
        total += n
        exclusive[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"{total} busy samples; collapsed stacks in {out}\n\ninclusive:")
    for frame, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {frame}")
    print("\nexclusive:")
    for frame, n in exclusive.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {frame}")


if __name__ == "__main__":
    main()
