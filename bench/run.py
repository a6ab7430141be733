"""The whole benchmark in one command.

    python3 bench/run.py --size 100000 --db sqlite
    python3 bench/run.py --size 1000000 --db postgresql --rounds 1

Steps (all by default; pick with --steps): generate, load, peer, bench, explain, extract.
Writes bench/results/<size>-<db>-<stamp>.json and .md (and latest-<size>-<db>.*); data under
bench/data/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from common import (
    APP_PY,
    BENCH,
    DATA,
    REPO,
    RESULTS,
    RssSampler,
    Server,
    app_env,
    cpu_seconds,
    create_database,
    database_url,
    http_get,
    log,
    machine_cpu_seconds,
    memory_kib,
    postgres_backend_cpu,
    snapshot_code,
    write_json,
)

PORTS = {"ours": 8001, "peer": 8002, "floor": 8003, "cold": 8004}
STEPS = ["generate", "load", "peer", "bench", "explain", "extract"]


def check_tools(steps: list[str]) -> None:
    if "bench" in steps and shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk (Debian package; the load generator, cheaper in CPU "
                 "than a Python client on this 2-core machine)")
    if not APP_PY.exists():
        sys.exit(f"{APP_PY} is missing: the project's virtualenv (python3 -m venv .venv && .venv/bin/pip install -e .)")
    if ("peer" in steps or "bench" in steps) and not (BENCH / ".venv" / "bin" / "datasette").exists():
        sys.exit("bench/.venv is missing Datasette: python3 -m venv bench/.venv && "
                 "bench/.venv/bin/pip install -r bench/requirements.txt")


def git_state(code: str) -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    if code == "worktree":
        return {"code": "worktree", "head": git("rev-parse", "--short", "HEAD"),
                "dirty": git("status", "--porcelain", "--untracked-files=all", "app", "migrations")}
    return {"code": code, "head": git("rev-parse", "--short", code), "dirty": ""}


# --- queries ---------------------------------------------------------------------------------------


def export_date_from(manifest: dict, target: int = 10_000) -> tuple[str, int]:
    """The first day of the latest years whose country=BY events add up to about `target`."""
    total = 0
    for year, count in sorted(((int(y), c) for y, c in manifest["country_BY_by_year"].items()), reverse=True):
        if total + count > target * 1.15 and total:
            break
        total += count
        start = year
    return f"{start}-01-01", total


def make_queries(manifest: dict, ours: str, size: int) -> list[dict]:
    """Each question as the service, Datasette and the floor are asked it. Ids follow line numbers."""
    rare = manifest["rare_people"][0]["name"].split()[-1]
    date_from, expected = export_date_from(manifest)
    sanctions = {"country": "BY", "topic": "sanctions", "date_from": "2015-01-01", "date_to": "2019-12-31"}
    event_id = size // 2
    # The third page of country=BY: the cursor of page 2, and the position it carries for the peer.
    _, page1 = http_get(f"{ours}/v1/events?country=BY")
    cursor2 = json.loads(page1)["next_cursor"]
    _, page2 = http_get(f"{ours}/v1/events?country=BY&cursor={quote(cursor2)}")
    page2 = json.loads(page2)
    last = page2["data"][-1]
    return [
        {"name": "country=BY", "ours": "/v1/events?country=BY", "peer": ("by_country", {"country": "BY"})},
        {"name": "person=Lukashenko", "ours": "/v1/events?person=Lukashenko",
         "peer": ("by_person", {"person": "Lukashenko"})},
        {"name": "topic=security-defense", "ours": "/v1/events?topic=security-defense",
         "peer": ("by_topic", {"topic": "security-defense"})},
        {"name": "BY+sanctions+5y", "ours": "/v1/events?" + urlencode(sanctions),
         "peer": ("by_country_topic_dates", sanctions)},
        {"name": "q=CSTO", "ours": "/v1/events?q=CSTO", "peer": ("by_text", {"q": "CSTO"})},
        {"name": "event by id", "ours": f"/v1/events/{event_id}", "peer": ("by_id", {"id": event_id}), "single": True},
        {"name": f"rare person={rare}", "ours": f"/v1/events?person={rare}", "peer": ("by_person", {"person": rare})},
        {"name": "country=BY page 3", "ours": "/v1/events?country=BY&cursor=" + quote(page2["next_cursor"]),
         "peer": ("by_country_after", {"country": "BY", "before_date": last["date"], "before_id": last["id"]})},
        {"name": "stats/pairs", "ours": "/v1/stats/pairs", "peer": ("pairs", {}), "pairs": True},
        {"name": f"CSV export ~{expected // 1000}k", "csv": True, "expected_rows": expected,
         "ours": f"/v1/events?country=BY&date_from={date_from}&format=csv",
         "peer": ("by_country_dates_all", {"country": "BY", "date_from": date_from, "date_to": "9999-12-31"})},
    ]


def peer_path(db_name: str, query: dict) -> str:
    name, params = query["peer"]
    if query.get("csv"):
        return f"/{db_name}/{name}.csv?" + urlencode({**params, "_size": "max"})
    return f"/{db_name}/{name}.json?" + urlencode({**params, "_shape": "array"})


def floor_name(query: dict) -> str:
    return "".join(c if c.isalnum() else "_" for c in query["name"])


def compare(ours: bytes, peer: bytes, query: dict) -> dict:
    """Do the service and the peer answer the same rows in the same order?"""
    if query.get("csv"):
        ours_ids = [line.split(",", 1)[0] for line in ours.decode().splitlines()[1:]]
        peer_ids = [line.split(",", 1)[0] for line in peer.decode().splitlines()[1:]]
    elif query.get("pairs"):
        ours_ids = [(*p["countries"], p["count"]) for p in json.loads(ours)["data"]]
        peer_ids = [(r["country_a"], r["country_b"], r["n"]) for r in json.loads(peer)]
    else:
        data = json.loads(ours)
        rows = [data] if query.get("single") else data["data"]
        ours_ids = [str(e["id"]) for e in rows]
        peer_ids = [str(r["id"]) for r in json.loads(peer)]
    return {"same": ours_ids == peer_ids, "ours_rows": len(ours_ids), "peer_rows": len(peer_ids),
            "first_difference": next(([a, b] for a, b in zip(ours_ids, peer_ids) if a != b), None)}


# --- load generator ----------------------------------------------------------------------------------


def run_wrk(url: str, *, connections: int, seconds: int, timeout: int = 60) -> dict:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s",
            "-s", str(BENCH / "wrk_report.lua"), url]
    output = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout + 30).stdout
    line = next((line for line in output.splitlines() if line.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {output[-1000:]}")
    return json.loads(line[len("WRKJSON "):])


def measure(server: Server, url: str, *, connections: int, seconds: int, db: str) -> dict:
    cpu0 = cpu_seconds(server.pid)
    machine0 = machine_cpu_seconds()
    pg0 = postgres_backend_cpu() if db == "postgresql" and server.name == "ours" else None
    with RssSampler(server.pid) as rss:
        result = run_wrk(url, connections=connections, seconds=seconds)
    cpu = cpu_seconds(server.pid) - cpu0
    machine = machine_cpu_seconds() - machine0
    requests = max(result["requests"], 1)
    memory = memory_kib(server.pid)
    figures = {
        "requests": result["requests"],
        "rps": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "p50_ms": round(result["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(result["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(result["latency_us"]["max"] / 1000, 2),
        "errors": {k: v for k, v in result["errors"].items() if v},
        "mb_per_s": round(result["bytes"] / (result["duration_us"] / 1e6) / 1e6, 2),
        "cpu_ms_per_request": round(cpu * 1000 / requests, 2),
        "server_cpu_util": round(cpu / (result["duration_us"] / 1e6), 2),
        # Cores busy on the whole machine during the run (2 at most): server, database, wrk, and anything
        # else running meanwhile (a test suite...), which would skew the figures.
        "machine_cpu_util": round(machine / (result["duration_us"] / 1e6), 2),
        "rss_mib_min": round(min(rss.samples, default=0) / 1024, 1),
        "rss_mib_max": round(max(rss.samples, default=0) / 1024, 1),
        "vmhwm_mib": round(memory["VmHWM"] / 1024, 1),
    }
    if pg0 is not None:
        figures["postgres_cpu_ms_per_request"] = round((postgres_backend_cpu() - pg0) * 1000 / requests, 2)
    return figures


# --- steps -------------------------------------------------------------------------------------------


def step_generate(args: argparse.Namespace, ndjson: Path) -> dict:
    if ndjson.exists() and Path(str(ndjson) + ".manifest.json").exists():
        log(f"reusing {ndjson}")
    else:
        log(f"generating {args.size:,} events into {ndjson}")
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--size", str(args.size), "--seed", str(args.seed),
                        "--out", str(ndjson)], check=True)
    return json.loads(Path(str(ndjson) + ".manifest.json").read_text())


def step_load(args: argparse.Namespace, ndjson: Path, name: str) -> dict:
    from load import load_cli, load_http

    results = {}
    for via in args.load_via:
        target = name if via == args.load_via[0] else f"{name}_{via}"
        url = create_database(args.db, target)
        log(f"loading via {via} into {url}")
        results[via] = (load_http if via == "http" else load_cli)(url, ndjson)
        log(f"loaded via {via}: {results[via]['events_per_second']:,} events/s in {results[via]['seconds']} s")
        if target != name and not args.keep_extra_databases:
            from common import drop_database

            drop_database(args.db, target)
    return results


def step_peer(ndjson: Path, peer_db: Path) -> dict:
    if peer_db.exists():
        log(f"reusing {peer_db}")
        return {"file": str(peer_db), "reused": True}
    log(f"building the peer database {peer_db}")
    out = subprocess.run([str(APP_PY), str(BENCH / "peer.py"), "build", "--file", str(ndjson), "--out", str(peer_db)],
                         check=True, capture_output=True, text=True, env=app_env("")).stdout
    return json.loads(out)


def start_servers(args: argparse.Namespace, url: str, peer_db: Path, floor_dir: Path | None) -> dict[str, Server]:
    servers = {"ours": Server("ours", [str(APP_PY), "-m", "app", "serve", "--port", str(PORTS["ours"])],
                              PORTS["ours"], app_env(url)).start()}
    if "cold" in args.targets:
        # The same service with its kept answers off: what a query costs the first time it is asked.
        servers["cold"] = Server("cold", [str(APP_PY), "-m", "app", "serve", "--port", str(PORTS["cold"])],
                                 PORTS["cold"], app_env(url, RESPONSE_CACHE_BYTES="0")).start()
    if floor_dir is not None:
        metadata = DATA / f"{peer_db.stem}-metadata.json"
        subprocess.run([str(APP_PY), str(BENCH / "peer.py"), "metadata", "--db-name", peer_db.stem, "--out",
                        str(metadata)], check=True)
        servers["peer"] = Server("peer", [str(BENCH / ".venv" / "bin" / "datasette"), "serve", str(peer_db),
                                          "-m", str(metadata), "--port", str(PORTS["peer"]),
                                          "--setting", "sql_time_limit_ms", "120000",
                                          "--setting", "max_returned_rows", "100000",
                                          "--setting", "max_csv_mb", "0"],
                                 PORTS["peer"], app_env(url), ready_path="/-/versions.json").start()
        servers["floor"] = Server("floor", [str(APP_PY), str(BENCH / "floor.py"), "--port", str(PORTS["floor"])],
                                  PORTS["floor"], {**app_env(url), "FLOOR_PAYLOADS": str(floor_dir)}, cwd=BENCH).start()
    return servers


def step_bench(args: argparse.Namespace, manifest: dict, url: str, peer_db: Path, tag: str) -> dict:
    floor_dir = DATA / f"floor-{tag}"
    floor_dir.mkdir(parents=True, exist_ok=True)
    ours = Server("ours", [str(APP_PY), "-m", "app", "serve", "--port", str(PORTS["ours"])], PORTS["ours"],
                  app_env(url)).start()
    try:
        queries = make_queries(manifest, ours.base, args.size)
        # The floor answers what the service answers: its bodies, of the same size, captured now.
        for query in queries:
            status, body = http_get(ours.base + query["ours"], timeout=600)
            if status != 200:
                raise RuntimeError(f"{query['name']}: the service answered {status}: {body[:300]!r}")
            query["ours_bytes"] = len(body)
            (floor_dir / f"{floor_name(query)}.body").write_bytes(body)
            (floor_dir / f"{floor_name(query)}.type").write_text(
                "text/csv; charset=utf-8" if query.get("csv") else "application/json")
    finally:
        ours.stop()
    servers = start_servers(args, url, peer_db, floor_dir)
    results: dict = {"queries": {}, "servers": {}}
    try:
        paths = {}
        for query in queries:
            paths[query["name"]] = {"ours": servers["ours"].base + query["ours"],
                                    "peer": servers["peer"].base + peer_path(peer_db.stem, query),
                                    "floor": servers["floor"].base + f"/f/{floor_name(query)}"}
            if "cold" in servers:
                paths[query["name"]]["cold"] = servers["cold"].base + query["ours"]
            bodies = {}
            for target, target_url in paths[query["name"]].items():
                for _ in range(2):  # warm-up
                    status, bodies[target] = http_get(target_url, timeout=600)
                if status != 200:
                    raise RuntimeError(f"{query['name']} on {target}: {status} {bodies[target][:300]!r}")
            results["queries"][query["name"]] = {
                "paths": {k: v.split(f":{PORTS[k]}", 1)[1] for k, v in paths[query["name"]].items()},
                "bytes": {k: len(v) for k, v in bodies.items()},
                "same_rows_as_peer": compare(bodies["ours"], bodies["peer"], query),
                "runs": {t: [] for t in args.targets},
            }
        for round_number in range(1, args.rounds + 1):
            for query in queries:
                for target in args.targets:
                    connections = args.csv_connections if query.get("csv") else args.connections
                    seconds = args.csv_seconds if query.get("csv") else args.seconds
                    figures = measure(servers[target], paths[query["name"]][target], connections=connections,
                                      seconds=seconds, db=args.db)
                    figures.update(round=round_number, connections=connections, seconds=seconds)
                    results["queries"][query["name"]]["runs"][target].append(figures)
                    log(f"round {round_number} {query['name']:<28} {target:<5} {figures['rps']:>8.1f} rps "
                        f"p50 {figures['p50_ms']:>8.2f} p99 {figures['p99_ms']:>8.2f} ms "
                        f"cpu {figures['cpu_ms_per_request']:>7.2f} ms/req rss {figures['rss_mib_max']:.0f} MiB "
                        f"{figures['errors'] or ''}")
        for name, server in servers.items():
            memory = memory_kib(server.pid)
            results["servers"][name] = {"pid": server.pid, "vmhwm_mib": round(memory["VmHWM"] / 1024, 1),
                                        "rss_mib_end": round(memory["VmRSS"] / 1024, 1)}
    finally:
        for server in servers.values():
            server.stop()
    (DATA / f"queries-{tag}.json").write_text(json.dumps({q["name"]: q["ours"] for q in queries}, indent=1))
    return results


def step_explain(url: str, tag: str) -> dict:
    queries = DATA / f"queries-{tag}.json"
    if not queries.exists():
        return {"skipped": "run the bench step first (it picks the queries)"}
    out = subprocess.run([str(APP_PY), str(BENCH / "explain.py"), "--queries", str(queries.resolve())], env=app_env(url),
                         cwd=DATA, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr[-3000:]}
    return json.loads(out.stdout)


def step_extract() -> dict:
    out = subprocess.run(["taskset", "-c", "1", str(APP_PY), str(BENCH / "extract_bench.py")], cwd=DATA,
                         env=app_env(""), capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-3000:]}


# --- report ------------------------------------------------------------------------------------------


def summarise(results: dict) -> dict:
    """Per query and target: the median over rounds of rps, p50, p99, CPU per request; and the ratios."""
    summary = {}
    for name, query in results.get("bench", {}).get("queries", {}).items():
        row = {}
        for target, runs in query["runs"].items():
            if runs:
                row[target] = {k: round(statistics.median(r[k] for r in runs), 2) for k in
                               ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request", "rss_mib_max")}
                row[target]["errors"] = sum(sum(r["errors"].values()) for r in runs)
                if "postgres_cpu_ms_per_request" in runs[0]:
                    row[target]["postgres_cpu_ms_per_request"] = round(statistics.median(
                        r["postgres_cpu_ms_per_request"] for r in runs), 2)
        if "ours" in row and "peer" in row:
            row["ours_over_peer_rps"] = round(row["ours"]["rps"] / max(row["peer"]["rps"], 0.01), 2)
        if "cold" in row and "peer" in row:
            row["cold_over_peer_rps"] = round(row["cold"]["rps"] / max(row["peer"]["rps"], 0.01), 2)
        if "ours" in row and "floor" in row:
            row["ours_over_floor_p50"] = round(row["ours"]["p50_ms"] / max(row["floor"]["p50_ms"], 0.001), 1)
            row["ours_over_floor_p99"] = round(row["ours"]["p99_ms"] / max(row["floor"]["p99_ms"], 0.001), 1)
        row["same_rows_as_peer"] = query["same_rows_as_peer"]["same"]
        row["bytes"] = query["bytes"].get("ours")
        summary[name] = row
    return summary


def markdown(results: dict) -> str:
    meta = results["meta"]
    lines = [f"# Readout benchmark: {meta['size']:,} events on {meta['db']}",
             "", f"{meta['started']} · app code: {meta['git']['code']} = {meta['git']['head']}"
             f"{' (app/ modified: ' + ', '.join(l.split()[-1] for l in meta['git']['dirty'].splitlines()) + ')' if meta['git']['dirty'] else ''}"
             f" · {meta['rounds']} round(s) of {meta['seconds']} s per query and target, "
             f"{meta['connections']} connections (CSV: {meta['csv_connections']} for {meta['csv_seconds']} s), wrk -t1", ""]
    for via, load in results.get("load", {}).items():
        lines.append(f"- load via {via}: **{load['events_per_second']:,} events/s** ({load.get('created', load.get('lines'))}"
                     f" events in {load['seconds']} s)" + (f", server VmHWM {load['server_vmhwm_mib']} MiB"
                                                           if "server_vmhwm_mib" in load else ""))
    extraction = results.get("extract")
    if extraction and "readouts_per_second" in extraction:
        lines.append(f"- extraction (one core): **{extraction['readouts_per_second']} readouts/s**, median "
                     f"{extraction['median_ms']} ms, worst {extraction['worst_ms']} ms per readout")
    summary = results.get("summary", {})
    if summary:
        lines += ["", "| query | ours rps | peer rps | floor rps | ours/peer rps | ours p50 / p99 ms | floor p50 / p99 ms |"
                      " ours/floor p50 | ours CPU ms/req | ours RSS max MiB | same rows as peer |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
        cold_lines = ["", "Cold (the same service with `RESPONSE_CACHE_BYTES=0`: every request computed):", "",
                      "| query | cold rps | cold/peer rps | cold p50 / p99 ms | cold/floor p50 | cold CPU ms/req |",
                      "|---|---:|---:|---:|---:|---:|"]
        for name, row in summary.items():
            o, p, f = row.get("ours", {}), row.get("peer", {}), row.get("floor", {})
            cpu = f"{o.get('cpu_ms_per_request', '')}"
            if "postgres_cpu_ms_per_request" in o:
                cpu += f" (+pg {o['postgres_cpu_ms_per_request']})"
            lines.append(
                f"| {name} | {o.get('rps', '')} | {p.get('rps', '')} | {f.get('rps', '')} | {row.get('ours_over_peer_rps', '')}"
                f" | {o.get('p50_ms', '')} / {o.get('p99_ms', '')} | {f.get('p50_ms', '')} / {f.get('p99_ms', '')}"
                f" | {row.get('ours_over_floor_p50', '')} | {cpu} | {o.get('rss_mib_max', '')}"
                f" | {'yes' if row['same_rows_as_peer'] else 'NO'} |")
            c = row.get("cold")
            if c:
                cold_lines.append(f"| {name} | {c['rps']} | {row.get('cold_over_peer_rps', '')} | {c['p50_ms']} / "
                                  f"{c['p99_ms']} | {round(c['p50_ms'] / max(f.get('p50_ms', 0.001), 0.001), 1)} | "
                                  f"{c['cpu_ms_per_request']} |")
        if len(cold_lines) > 5:
            lines += cold_lines
        servers = results["bench"].get("servers", {})
        lines += ["", "Peak memory (VmHWM) over the whole run: " + ", ".join(
            f"{name} {s['vmhwm_mib']} MiB" for name, s in servers.items())]
        errors = {n: r["ours"]["errors"] for n, r in summary.items() if r.get("ours", {}).get("errors")}
        if errors:
            lines.append(f"Errors (non-2xx, timeouts) on ours: {errors}")
    explain = results.get("explain") or {}
    slow = sorted(((s["best_ms"], name, s) for name, q in explain.items() if isinstance(q, dict)
                   for s in q.get("statements", [])), key=lambda x: -x[0])[:5]
    if slow:
        lines += ["", "## Slowest statements", ""]
        for ms, name, statement in slow:
            sql = re.sub(r"(\?, |%\(\w+\)s, |\$\d+::\w+, ){3,}", "..., ", statement["sql"].strip())
            lines += [f"### {name}: {ms} ms, {statement['rows']} rows", "", "```sql", sql, "```",
                      "", "```", statement["plan"], "```", ""]
    return "\n".join(lines) + "\n"


def compare_runs(paths: list[Path]) -> str:
    """One table of several runs (e.g. 100k and 1M): ours rps, p50, p99, CPU per request, ratios."""
    runs = [json.loads(p.read_text()) for p in paths]
    labels = [f"{r['meta']['size'] // 1000}k {r['meta']['db']} @{r['meta']['git']['head']}" for r in runs]
    lines = ["| query | " + " | ".join(f"{label}: rps · p50/p99 ms · CPU ms/req · ours/peer · ours/floor p50"
                                         for label in labels) + " |",
             "|---|" + "---:|" * len(runs)]
    names = list(dict.fromkeys(n for r in runs for n in summarise(r)))
    for name in names:
        cells = []
        for run in runs:
            row = summarise(run).get(name, {})
            o = row.get("ours")
            cells.append(f"{o['rps']} · {o['p50_ms']}/{o['p99_ms']} · {o['cpu_ms_per_request']} · "
                         f"{row.get('ours_over_peer_rps', '')} · {row.get('ours_over_floor_p50', '')}" if o else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", type=Path, help="only render this results JSON as markdown again")
    parser.add_argument("--compare", type=Path, nargs="+", help="only print one table of these results JSONs")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", default="HEAD", help="a git ref whose app/ and migrations/ are benchmarked "
                        "(extracted with git archive under bench/data/code-<sha>), or 'worktree' for the files as "
                        "they are now")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {STEPS}")
    parser.add_argument("--load-via", default="http,cli", help="http and/or cli; the first loads the database "
                                                               "that is queried, the others a scratch one")
    parser.add_argument("--keep-extra-databases", action="store_true")
    parser.add_argument("--targets", default="ours,cold,peer,floor",
                        help="ours: the service as configured by default; cold: the same with RESPONSE_CACHE_BYTES=0")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--csv-connections", type=int, default=4)
    parser.add_argument("--csv-seconds", type=int, default=20)
    args = parser.parse_args()
    if args.compare:
        print(compare_runs(args.compare))
        return
    if args.report:
        results = json.loads(args.report.read_text())
        results["summary"] = summarise(results)
        args.report.with_suffix(".md").write_text(markdown(results))
        print(args.report.with_suffix(".md").read_text())
        return
    args.load_via = [v for v in args.load_via.split(",") if v]
    args.targets = [t for t in args.targets.split(",") if t]
    steps = [s for s in args.steps.split(",") if s]
    check_tools(steps)
    tag = f"{args.size}-{args.db}"
    name = f"rb_{args.size}"
    ndjson = DATA / f"events-{args.size}-s{args.seed}.ndjson"
    peer_db = DATA / f"peer_{args.size}_s{args.seed}.db"
    url = database_url(args.db, name)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.code != "worktree":
        os.environ["BENCH_APP_TREE"] = str(snapshot_code(args.code))
        log(f"benchmarking the app as committed at {args.code}: {os.environ['BENCH_APP_TREE']}")
    results: dict = {"meta": {"size": args.size, "db": args.db, "seed": args.seed, "started": stamp,
                              "git": git_state(args.code),
                              "rounds": args.rounds, "seconds": args.seconds, "connections": args.connections,
                              "csv_connections": args.csv_connections, "csv_seconds": args.csv_seconds,
                              "database_url": url, "steps": steps}}
    out = RESULTS / f"{tag}-{stamp}"

    def save() -> None:
        results["summary"] = summarise(results)
        write_json(out.with_suffix(".json"), results)
        out.with_suffix(".md").write_text(markdown(results))
        shutil.copy(out.with_suffix(".json"), RESULTS / f"latest-{tag}.json")
        shutil.copy(out.with_suffix(".md"), RESULTS / f"latest-{tag}.md")

    manifest = step_generate(args, ndjson)
    results["manifest"] = manifest
    if "load" in steps:
        results["load"] = step_load(args, ndjson, name)
        save()
    if "peer" in steps or "bench" in steps:
        results["peer_build"] = step_peer(ndjson, peer_db)
    if "bench" in steps:
        results["bench"] = step_bench(args, manifest, url, peer_db, tag)
        save()
    if "explain" in steps:
        log("explaining")
        results["explain"] = step_explain(url, tag)
        save()
    if "extract" in steps:
        log("extraction")
        results["extract"] = step_extract()
    save()
    print(out.with_suffix(".md").read_text())
    log(f"results: {out}.json / .md")


if __name__ == "__main__":
    main()
