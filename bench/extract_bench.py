"""Extraction alone: readouts per second and ms per readout, on one core.

    taskset -c 0 .venv/bin/python bench/extract_bench.py [--corpus ../shared/corpus/readouts.jsonl] [--seconds 10]

Runs app.extraction.extract over every text of the corpus, round after round, for at least
`--seconds` (after one warm-up round), in this one process pinned to one core by the caller.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "readouts.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(json.dumps({"skipped": f"{args.corpus} is absent"}))
        return
    import os

    started_import = time.perf_counter()
    from app.extraction import extract
    import_ms = (time.perf_counter() - started_import) * 1000
    records = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [(r["text"], r.get("publisher")) for r in records]
    first_started = time.perf_counter()
    extract(texts[0][0], publisher=texts[0][1])
    first_ms = (time.perf_counter() - first_started) * 1000
    for text, publisher in texts:  # warm-up round
        extract(text, publisher=publisher)
    timings: list[float] = []
    per_text: dict[int, list[float]] = {}
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    while time.perf_counter() - wall0 < args.seconds:
        for index, (text, publisher) in enumerate(texts):
            started = time.perf_counter()
            extract(text, publisher=publisher)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            per_text.setdefault(index, []).append(elapsed)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    worst_index = max(per_text, key=lambda i: statistics.median(per_text[i]))
    print(json.dumps({
        "readouts": len(texts), "extractions": len(timings), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "readouts_per_second": round(len(timings) / wall, 1),
        "median_ms": round(statistics.median(timings), 2), "p99_ms": round(sorted(timings)[int(len(timings) * 0.99) - 1], 2),
        "worst_ms": round(max(timings), 2),
        "slowest_readout": {"id": records[worst_index].get("id"), "chars": len(texts[worst_index][0]),
                            "median_ms": round(statistics.median(per_text[worst_index]), 2)},
        "median_chars": statistics.median(len(t) for t, _ in texts),
        "first_call_ms": round(first_ms, 1), "import_ms": round(import_ms, 1),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
    }, indent=1))


if __name__ == "__main__":
    main()
