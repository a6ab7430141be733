"""Single-request latency of each benchmark query, in-process and uncached: the cost of one query
without queueing, to compare sizes (1M against 100k). Median and worst of N runs per query.

    DATABASE_URL=sqlite:///bench/data/db/rb_1000000.db .venv/bin/python bench/latency.py \
        --queries bench/data/queries-1000000-sqlite.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", required=True, help="the queries-<size>-<db>.json a bench run wrote")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    queries: dict[str, str] = json.loads(open(args.queries).read())
    # Kept answers off: every request is computed.
    with TestClient(create_app(Settings(response_cache_bytes=0))) as client:
        results = {}
        for name, path in queries.items():
            if "format=csv" in path:
                continue
            for _ in range(3):
                client.get(path)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text[:200]
            results[name] = {"median_ms": round(statistics.median(times), 2), "worst_ms": round(max(times), 2)}
            print(f"{name:<28} median {results[name]['median_ms']:>7.2f} ms  worst {results[name]['worst_ms']:>7.2f} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
