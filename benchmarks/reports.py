"""Report latency benchmark: the campaign table over a 90-day range with filters, on a built
warehouse of size L (target: under 200 ms median).

    python -m benchmarks.reports --size L                    load, build, then time
    python -m benchmarks.reports --size L --loaded FILE      build a loaded copy, then time
    python -m benchmarks.reports --warehouse FILE            time an already built warehouse

Each query runs through the report API (`reporting.reports.Reports`) on one read-only
connection, as the CLI and the dashboard do: two warm-up runs, then `--repeat` timed runs.
Results are appended to `benchmarks/results/reports.md` with the machine and the table sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.ingestion import machine, start_simulator
from benchmarks.warehouse import dbt_step, load_all
from core.paths import BENCHMARK_RESULTS_DIR
from reporting.publish import latest_day
from reporting.reports import Filters, Reports

TARGET_MS = 200
TABLES = ("fct_campaign_performance_daily", "fct_campaign_credit_by_model_daily",
          "fct_ad_performance_daily",
          "fct_contact_attribution", "fct_deal_attribution", "dim_campaigns", "dim_ads")


def cases(reports: Reports, start: dt.date, end: dt.date, user: str | None
          ) -> dict[str, Callable[[], object]]:
    """The campaign table for 90 days, alone and with filters, and two neighbours."""
    days = {"start": start, "end": end}
    plain = reports.scope(Filters(**days))
    filtered = reports.scope(Filters(**days, networks=("google", "facebook"),
                                     statuses=("active",), attribution="linear"))
    restricted = reports.scope(Filters(**days, user=user)) if user else None
    found = {
        "campaign table, 90 days": lambda: reports.campaign_table(plain, sort="spend"),
        "campaign table, 90 days, 2 networks + active + linear": lambda: reports.campaign_table(
            filtered, sort="cost_per_contact"),
        "ad table, 90 days, 2 networks + active + linear": lambda: reports.campaign_table(
            filtered, level="ad", sort="spend", limit=100),
        "overview, 90 days": lambda: reports.overview(plain),
    }
    if restricted is not None:
        found[f"campaign table, 90 days, user {user}"] = lambda: reports.campaign_table(
            restricted, sort="spend")
    return found


def time_cases(warehouse: Path, repeat: int) -> dict:
    with Reports.open(warehouse) as reports:
        end = latest_day(reports)
        start = end - dt.timedelta(days=89)
        user = reports.con.execute(
            "select principal_id from marts.dim_ad_account_access where principal_type = 'user'"
            " group by 1 order by count(*) desc, 1 limit 1").fetchone()
        sizes = {table: reports.con.execute(f"select count(*) from marts.{table}").fetchone()[0]
                 for table in TABLES}
        timings = {}
        for name, run in cases(reports, start, end, user[0] if user else None).items():
            for _ in range(2):
                rows = len(run())
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                run()
                samples.append(1000 * (time.perf_counter() - started))
            samples.sort()
            timings[name] = {"rows": rows, "median_ms": statistics.median(samples),
                             "p95_ms": samples[int(0.95 * (len(samples) - 1))],
                             "min_ms": samples[0]}
            print(f"  {name}: median {timings[name]['median_ms']:.0f} ms "
                  f"(p95 {timings[name]['p95_ms']:.0f} ms, {rows} rows)", flush=True)
    return {"range": f"{start}..{end}", "sizes": sizes, "timings": timings}


def build(size: str, seed: int, loaded: Path | None, workdir: Path) -> Path:
    warehouse = workdir / "bench.duckdb"
    env = dict(os.environ)
    if loaded is not None:
        shutil.copy(loaded, warehouse)
    else:
        proc, settings, _ = start_simulator(size, seed)
        try:
            env.update(settings)
            print(f"  loaded in {load_all(warehouse, env):.0f} s", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    dbt_step(["seed"], warehouse, workdir, env)
    step = dbt_step(["run", "--full-refresh"], warehouse, workdir, env)
    print(f"  built every model in {step['seconds']:.0f} s", flush=True)
    return warehouse


def record(label: str, result: dict, repeat: int) -> None:
    path = BENCHMARK_RESULTS_DIR / "reports.md"
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "label": label,
                                 **result}) + "\n")
    sizes = ", ".join(f"{table} {rows:,}" for table, rows in result["sizes"].items())
    lines = [
        f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {label} — {machine()}\n",
        f"Range {result['range']}; {repeat} timed runs per query after 2 warm-ups. "
        f"Rows: {sizes}.\n",
        "| query | rows out | median (ms) | p95 (ms) | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t in result["timings"].items():
        verdict = ("met" if t["median_ms"] < TARGET_MS else "missed") if "campaign table" in \
            name else "–"
        lines.append(f"| {name} | {t['rows']:,} | {t['median_ms']:.0f} | {t['p95_ms']:.0f} | "
                     f"{verdict} |")
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="L")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--loaded", type=Path, help="a loaded (raw) warehouse to build from")
    parser.add_argument("--warehouse", type=Path, help="an already built warehouse to time")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.warehouse:
        result = time_cases(args.warehouse, args.repeat)
        record(f"warehouse {args.warehouse.name}", result, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(f"size {args.size}: building", flush=True)
        warehouse = build(args.size, args.seed, args.loaded, Path(tmp))
        result = time_cases(warehouse, args.repeat)
    record(f"size {args.size}", result, args.repeat)


if __name__ == "__main__":
    main()
