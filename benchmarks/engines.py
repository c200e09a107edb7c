"""Engine benchmark: the same dbt project on DuckDB and on Spark, at sizes M and L.

    python -m benchmarks.engines --sizes M L

Per size, the simulator runs in its own process and the four sources load twice from it: into a
DuckDB file (the DuckDB engine's raw layer) and as Parquet through dlt's filesystem destination
(the Spark engine's). Then, on each engine, each step in its own process with its peak memory
measured (the process tree's resident memory sampled: for Spark, the dbt process with its
local JVM):
- a full build (`dbt build --full-refresh` without the tests: the seeds and every model,
  attribution included, from scratch; Spark first registers the raw Parquet as the sources);
- a day later: the simulator restates its recent days, both raw layers load their look-back
  windows, and `dbt run` rebuilds incrementally.
`--from-warehouse FILE` measures the full builds alone from a warehouse the sources already
loaded (its raw tables written out as Parquet for Spark), without a simulator.
Spark runs in local mode on this machine's cores (`ADS_ANALYTICS_SPARK_CORES`, default all)
with a `ADS_ANALYTICS_SPARK_MEMORY` driver (default 4g). Results are appended to
`benchmarks/results/engines.md` with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.ingestion import machine, start_simulator
from benchmarks.warehouse import dbt_step, load_all
from core.layout import WarehouseLayout
from core.paths import BENCHMARK_RESULTS_DIR, DBT_PROJECT_DIR, REPO_ROOT, dbt_executable
from core.settings import RAW_PARQUET_ENV, Settings
from orchestration.read_side import raw_tables_with_files

ENGINES = ("duckdb", "spark")


def tree_rss_kib(root: int) -> int:
    """Resident memory of `root` and every process below it (Spark's JVM is dbt's child)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measured_tree(command: list[str], env: dict[str, str]) -> dict:
    """Like `benchmarks.warehouse.measured`, with the peak of the whole process tree's resident
    memory, sampled every 0.2 s (a JVM that its parent does not wait for is missing from the
    kernel's accounting of children)."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kib(proc.pid))
            time.sleep(0.2)
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        print(output[-6000:], file=sys.stderr)
        raise RuntimeError(f"failed: {' '.join(command[:4])} ...")
    lines = output.strip().splitlines()
    return {"returncode": 0, "seconds": time.monotonic() - started, "peak_mib": peak / 1024,
            "last_line": lines[-1] if lines else ""}


def register(warehouse: Path, workdir: Path, env: dict[str, str]) -> dict:
    tables = raw_tables_with_files(Path(env[RAW_PARQUET_ENV]))
    return measured_tree([dbt_executable(), "run-operation", "register_raw_parquet", "--args",
                     json.dumps({"tables": tables}), "--project-dir", str(DBT_PROJECT_DIR),
                     "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path",
                     str(workdir / "target"), "--log-path", str(workdir / "logs")], env)


def full_build(engine: str, warehouse: Path, workdir: Path, env: dict[str, str]) -> dict:
    """The seeds and every model from scratch (Spark first registers its raw Parquet)."""
    result = {}
    if engine == "spark":
        result["register"] = register(warehouse, workdir, env)
    full = dbt_step(["build", "--full-refresh", "--exclude-resource-type", "test",
                     "--exclude-resource-type", "unit_test"], warehouse, workdir, env,
                    measured_tree)
    print(f"  {engine}: full build {full['seconds']:.1f} s wall, "
          f"{full['model_seconds']:.1f} s in models, peak {full['peak_mib']:.0f} MiB", flush=True)
    return {**result, "full": full}


FACT_TOTALS = ("select count(*), sum(spend), sum(clicks), sum(sessions), "
               "count(distinct date_day) from {relation}")


def fact_totals(engine: str, warehouse: Path) -> list:
    """Rows, spend, clicks, sessions and days of `fct_ad_performance_daily` as `engine` built
    it (Spark's table read from its Parquet files)."""
    import duckdb

    if engine == "duckdb":
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(FACT_TOTALS.format(
                relation="marts.fct_ad_performance_daily")).fetchone()
    else:
        folder = (WarehouseLayout(warehouse).spark_home / "tables" / "intermediate.db"
                  / "int_ad_performance_daily")
        with duckdb.connect() as con:
            row = con.execute(FACT_TOTALS.format(
                relation=f"read_parquet('{folder}/date_day=*/*.parquet', "
                         "hive_partitioning = true)")).fetchone()
    return [str(value) for value in row]


def engine_places(tmp: Path, settings: dict[str, str]) -> dict[str, tuple[Path, Path, dict]]:
    """Per engine: its warehouse file, its working folder under `tmp`, and the environment of
    its dbt and dlt steps (with the sources' `settings`)."""
    places = {}
    for engine in ENGINES:
        workdir = tmp / engine
        workdir.mkdir()
        warehouse = workdir / "warehouse.duckdb"
        dbt = Settings(warehouse=warehouse, engine=engine).dbt_environment(
            database=warehouse, child_lock=False)
        places[engine] = (warehouse, workdir, {**os.environ, **settings, **dbt})
    return places


def run_size(size: str, seed: int, path: Path) -> dict:
    proc, settings, startup = start_simulator(size, seed)
    print(f"size {size}: simulator ready in {startup:.1f} s", flush=True)
    results: dict = {"size": size}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            places = engine_places(Path(tmp), settings)
            for engine, (warehouse, _, env) in places.items():
                load = load_all(warehouse, env)
                print(f"  {engine}: raw loaded in {load:.0f} s", flush=True)
                results[engine] = {"load_seconds": load}
            for engine in ENGINES:
                results[engine].update(full_build(engine, *places[engine]))
            base = settings["SOURCES__FACEBOOK_ADS__BASE_URL"]
            requests.post(f"{base}/_simulator/restate", timeout=600)
            for engine in ENGINES:
                warehouse, workdir, env = places[engine]
                results[engine]["reload_seconds"] = load_all(warehouse, env)
                if engine == "spark":
                    results[engine]["register_again"] = register(warehouse, workdir, env)
                incremental = dbt_step(["run"], warehouse, workdir, env, measured_tree)
                results[engine]["incremental"] = incremental
                print(f"  {engine}: incremental {incremental['seconds']:.1f} s wall, "
                      f"{incremental['model_seconds']:.1f} s in models, "
                      f"peak {incremental['peak_mib']:.0f} MiB", flush=True)
                results[engine]["fact_totals"] = fact_totals(engine, warehouse)
            agree = results["duckdb"]["fact_totals"] == results["spark"]["fact_totals"]
            results["facts_agree"] = agree
            print(f"  after the incremental day the engines' daily facts "
                  f"{'agree' if agree else 'DIFFER'}: {results['duckdb']['fact_totals']} / "
                  f"{results['spark']['fact_totals']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    record(results, path)
    return results


def run_loaded(loaded: Path, path: Path) -> dict:
    """The full builds only, from a warehouse file the sources already loaded (as
    `benchmarks.warehouse --keep` leaves one): the DuckDB engine builds a copy of it; the Spark
    engine reads its raw tables written as Parquet in the layout dlt's filesystem destination
    writes (one file per table, the rows' own `_dlt_load_id` kept). No simulator, so no
    incremental step."""
    import shutil

    import duckdb

    results: dict = {"size": f"from {loaded.name}"}
    with tempfile.TemporaryDirectory() as tmp:
        places = engine_places(Path(tmp), {})
        shutil.copy(loaded, places["duckdb"][0])
        raw = Path(places["spark"][2][RAW_PARQUET_ENV])
        started = time.monotonic()
        with duckdb.connect(str(loaded), read_only=True) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema like 'raw\\_%' escape '\\' "
                "and table_name not like '\\_dlt%' escape '\\'").fetchall()
            for schema, table in tables:
                folder = raw / schema / table
                folder.mkdir(parents=True)
                con.execute(f"copy (select * from {schema}.{table}) to "
                            f"'{folder}/export.parquet' (format parquet)")
        print(f"  raw written as Parquet in {time.monotonic() - started:.0f} s", flush=True)
        for engine in ENGINES:
            results[engine] = {"load_seconds": 0.0, **full_build(engine, *places[engine])}
    record(results, path)
    return results


def record(r: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), **r}) + "\n")
    lines = [f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — size {r['size']} — "
             f"{machine()}\n",
             "| engine | raw load (s) | full build wall (s) | in models (s) | peak MiB "
             "| incremental wall (s) | in models (s) | peak MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for engine in ENGINES:
        e = r[engine]
        full, inc = e["full"], e.get("incremental")
        register = (f" (+{e['register']['seconds']:.1f} s registering the raw Parquet)"
                    if "register" in e else "")
        incremental = (f"{inc['seconds']:.1f} | {inc['model_seconds']:.1f} | "
                       f"{inc['peak_mib']:.0f}" if inc else "– | – | –")
        lines.append(f"| {engine} | {e['load_seconds']:.0f} | {full['seconds']:.1f}{register} | "
                     f"{full['model_seconds']:.1f} | {full['peak_mib']:.0f} | {incremental} |")
    if "facts_agree" in r:
        lines.append(f"\nAfter the incremental day, `fct_ad_performance_daily` on both engines "
                     f"(rows, spend, clicks, sessions, days): "
                     f"{'the same' if r['facts_agree'] else 'DIFFERENT'} "
                     f"({', '.join(r['duckdb']['fact_totals'])}).")
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["M", "L"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from-warehouse", type=Path,
                        help="full builds only, from this loaded warehouse file")
    args = parser.parse_args()
    path = BENCHMARK_RESULTS_DIR / "engines.md"
    if args.from_warehouse:
        run_loaded(args.from_warehouse.resolve(), path)
        return
    for size in args.sizes:
        run_size(size, args.seed, path)
    print(f"recorded in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
