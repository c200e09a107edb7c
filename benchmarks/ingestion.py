"""Ingestion benchmark: load sizes M and L from the simulator, per source, rows/s and peak memory.

    python -m benchmarks.ingestion --sizes M L [--sources facebook_ads google_ads ...] [--replay]

The simulator runs in its own process (its world is not counted in the loader's memory); each
source loads in a fresh child process into a fresh DuckDB file, and reports its wall time, the
rows it loaded per table and its peak resident memory. Results are appended to
`benchmarks/results/ingestion.md` with the machine they ran on.

On two cores the simulator, rendering each page, takes CPU the loader would otherwise have; a
vendor's servers render on their own machines. `--replay` measures the loader alone: a first
load has the simulator keep its answers, and the measured second load gets the same bytes
(HTTP, parsing, dlt's extract, normalize and merge all run as before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from core.paths import BENCHMARK_RESULTS_DIR, REPO_ROOT
from core.settings import Settings
from ingestion.registry import SOURCE_NAMES
from ingestion.registry import source as source_record

SOURCES = list(SOURCE_NAMES)


def fact_rows(result: dict) -> int:
    """The rows of the source's daily metrics tables (HubSpot's: its page views)."""
    tables = source_record(result["source"]).fact_tables
    return sum(result["rows"].get(table, 0) for table in tables)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, Python {platform.python_version()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(size: str, seed: int, days: int | None = None
                    ) -> tuple[subprocess.Popen, dict[str, str], float]:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "simulator", "serve", "--size", size,
         "--seed", str(seed), "--port", str(port),
         *(["--days", str(days)] if days is not None else [])],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    settings: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        match = re.match(r"\s*export (\w+)='(.*)'$", line.rstrip("\n"))
        if match:
            settings[match.group(1)] = match.group(2)
        if line.startswith("Serving;"):
            break
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/_simulator/health", timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError("the simulator exited before serving") from None
            time.sleep(0.2)
    return proc, settings, time.monotonic() - started


def load_one(source: str, warehouse: Path) -> dict:
    """Child process: load one source from the configured simulator; report time, rows, memory."""
    import duckdb

    from core.settings import Settings
    from ingestion.common.pipeline import DATASETS, make_pipeline, run_source
    from ingestion.registry import source_factory

    settings = Settings.from_environment(warehouse=warehouse)
    raw_parquet = settings.raw_parquet_dir
    pipeline = make_pipeline(source, warehouse, raw_parquet=raw_parquet,
                             memory_limit=settings.load_memory_limit)
    started = time.monotonic()
    run_source(source_factory(source)(), pipeline)
    seconds = time.monotonic() - started
    if raw_parquet is not None:  # the Spark engine's raw layer: every load's rows
        import pyarrow.dataset as ds

        dataset = raw_parquet / DATASETS[source]
        rows = {t.name: ds.dataset(t, format="parquet").count_rows()
                for t in sorted(dataset.iterdir()) if t.is_dir() and not t.name.startswith("_")
                and any(t.glob("*.parquet"))}
    else:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_name not like '\\_dlt%' escape '\\'",
                [DATASETS[source]]).fetchall()
            rows = {t: con.execute(f'select count(*) from {DATASETS[source]}."{t}"').fetchone()[0]
                    for (t,) in tables}
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    steps = {step.step: (step.finished_at - step.started_at).total_seconds()
             for step in pipeline.last_trace.steps if step.step != "run"}
    return {"source": source, "seconds": seconds, "rows": rows, "peak_mib": peak_mib,
            "steps": steps}


def run(sizes: list[str], sources: list[str], seed: int, path: Path,
        replay: bool = False) -> list[dict]:
    """Measure every source at every size; each result is recorded as soon as it is known.

    With `replay`, each source loads twice: once to have the simulator keep its answers, then
    the measured load, which gets the same bytes without the simulator rendering them again."""
    results = []
    start_record(path, replay)
    for size in sizes:
        proc, settings, startup = start_simulator(size, seed)
        print(f"size {size}: simulator ready in {startup:.1f} s", flush=True)
        control = f"{settings['SOURCES__FACEBOOK_ADS__BASE_URL']}/_simulator/replay"
        if replay:
            requests.post(control, json={"enabled": True}, timeout=30).raise_for_status()
        try:
            for source in sources:
                for attempt in ("keep", "measure") if replay else ("measure",):
                    result = load_in_child(source, settings, size)
                    if attempt == "keep":
                        print(f"  {source}: answers kept ({result['seconds']:.1f} s live)",
                              flush=True)
                result["size"] = size
                result["replay"] = replay
                fact = fact_rows(result)
                result["fact_rows_per_s"] = fact / result["seconds"]
                result["all_rows_per_s"] = sum(result["rows"].values()) / result["seconds"]
                print(f"  {source}: {fact:,} {' + '.join(source_record(source).fact_tables)} rows, "
                      f"{sum(result['rows'].values()):,} rows in all, {result['seconds']:.1f} s, "
                      f"{result['fact_rows_per_s']:,.0f} fact rows/s, "
                      f"peak {result['peak_mib']:.0f} MiB", flush=True)
                results.append(result)
                record_row(result, path)
                if replay:  # the next source's answers need the memory
                    requests.delete(control, timeout=30).raise_for_status()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return results


def load_in_child(source: str, settings: dict[str, str], size: str) -> dict:
    """One load of `source` into a fresh warehouse, in its own process."""
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.ingestion", "--load", source,
             "--warehouse-file", str(warehouse)],
            cwd=REPO_ROOT, env={**os.environ, **settings}, capture_output=True, text=True,
        )
    if child.returncode != 0:
        print(child.stderr[-3000:], file=sys.stderr)
        raise RuntimeError(f"{source} failed at size {size}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def start_record(path: Path, replay: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {machine()}; DuckDB load "
             f"memory limit {Settings.from_environment().load_memory_limit}"
             + ("; replayed answers (the simulator's rendering not measured)" if replay else "")
             + "\n",
             "| size | source | fact rows | all rows | seconds | fact rows/s | all rows/s | "
             "peak MiB |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def record_row(r: dict, path: Path) -> None:
    # Rows per table, for checking a run against the simulator's truth afterwards.
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), **r}) + "\n")
    with path.open("a") as handle:
        handle.write(
            f"| {r['size']} | {r['source']} | {fact_rows(r):,} | "
            f"{sum(r['rows'].values()):,} | {r['seconds']:.1f} | {r['fact_rows_per_s']:,.0f} | "
            f"{r['all_rows_per_s']:,.0f} | {r['peak_mib']:.0f} |\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["M", "L"])
    parser.add_argument("--sources", nargs="+", default=SOURCES, choices=SOURCES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replay", action="store_true",
                        help="load each source once to have the simulator keep its answers, "
                             "then measure a second load that gets them without rendering")
    parser.add_argument("--load", choices=SOURCES, help=argparse.SUPPRESS)
    parser.add_argument("--warehouse-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(load_one(args.load, args.warehouse_file)))
        return
    path = BENCHMARK_RESULTS_DIR / "ingestion.md"
    run(args.sizes, args.sources, args.seed, path, args.replay)
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
