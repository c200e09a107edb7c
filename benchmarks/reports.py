"""Report latency benchmark: every report over a 90-day range, alone and under each filter
(a model, networks, a status, a user), on a built warehouse of size L (issue 20's target:
median <= 50 ms and p95 <= 100 ms each).

    python -m benchmarks.reports --size L                    load, build, then time
    python -m benchmarks.reports --size L --loaded FILE      build a loaded copy, then time
    python -m benchmarks.reports --warehouse FILE            time an already built warehouse
    python -m benchmarks.reports --warehouse FILE --baseline CHECKOUT
                                 the code of CHECKOUT (before) and this checkout's (after) on
                                 the same file, in alternating rounds, and whether every report
                                 returned the same numbers in both
    python -m benchmarks.reports --warehouse FILE --baseline-warehouse OLD
                                 this checkout's code on OLD (before) and on FILE (after), the
                                 same data built another way (the tables' order, say), in the
                                 same alternating rounds and with the same comparison; with
                                 --baseline too, that checkout's code on OLD is the before

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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from benchmarks.ingestion import machine, start_simulator
from benchmarks.warehouse import dbt_step, load_all
from core.paths import BENCHMARK_RESULTS_DIR
from reporting.catalog import ANALYZE_ATTRIBUTION, ANALYZE_REPORTS, ANALYZE_SERIES
from reporting.publish import latest_day
from reporting.reports import Filters, Reports

# Issue 20: every report, alone and with each filter, at size L.
TARGET_MEDIAN_MS = 50
TARGET_P95_MS = 100
TABLES = ("fct_campaign_performance_daily", "fct_campaign_credit_by_model_daily",
          "fct_ad_performance_daily", "fct_keyword_performance_daily",
          "fct_contact_attribution", "fct_deal_attribution", "dim_campaigns", "dim_ads",
          "dim_keywords")
TABLE_REPORTS = ("campaign", "ad_group", "ad", "keyword")
SERIES_SPLIT = "network"  # the dashboard's default: one series per network


def filter_sets(start: dt.date, end: dt.date, user: str | None) -> dict[str, Filters]:
    """Each report runs under these: no filter (the report's default attribution), two
    networks + status `active` + a multi-touch model, and one user's accounts."""
    days = {"start": start, "end": end}
    found = {
        "all": Filters(**days),
        "2 networks + active + linear": Filters(**days, networks=("google", "facebook"),
                                                statuses=("active",), attribution="linear"),
    }
    if user:
        found[f"user {user}"] = Filters(**days, user=user)
    return found


def cases(reports: Reports, start: dt.date, end: dt.date, user: str | None
          ) -> dict[str, Callable[[], pd.DataFrame]]:
    """Every report over 90 days under every filter set: the overview, the campaign table at
    campaign, ad group, ad and keyword level (all rows, sorted by spend), each analyze report
    (series by day, split by network as the dashboard draws them) and the lifecycle stages."""
    found: dict[str, Callable[[], pd.DataFrame]] = {}
    for label, filters in filter_sets(start, end, user).items():
        tables = reports.scope(filters)
        analyzed = reports.scope(filters, default_attribution=ANALYZE_ATTRIBUTION)
        found[f"overview | {label}"] = partial(reports.overview, tables)
        for level in TABLE_REPORTS:
            found[f"{level.replace('_', ' ')} table | {label}"] = partial(
                reports.campaign_table, tables, level=level, sort="spend")
        for name in ANALYZE_REPORTS:
            series = name in ANALYZE_SERIES and name != "total_spend"
            found[f"analyze {name} | {label}"] = partial(
                reports.analyze, name, analyzed, **({"by": SERIES_SPLIT} if series else {}))
        found[f"stages | {label}"] = partial(reports.stages, analyzed)
    return found


def time_cases(warehouse: Path, repeat: int, warm_ups: int = 2, frames: Path | None = None
               ) -> dict:
    """Each case's timed runs (ms) and its rows; with `frames`, each case's report is written
    there too (`<number>.parquet`, in the order of `cases`)."""
    with Reports.open(warehouse) as reports:
        end = latest_day(reports)
        start = end - dt.timedelta(days=89)
        user = reports.con.execute(
            "select principal_id from marts.dim_ad_account_access where principal_type = 'user'"
            " group by 1 order by count(*) desc, 1 limit 1").fetchone()
        sizes = {table: reports.con.execute(f"select count(*) from marts.{table}").fetchone()[0]
                 for table in TABLES}
        found = {}
        for number, (name, run) in enumerate(
                cases(reports, start, end, user[0] if user else None).items()):
            for _ in range(warm_ups):
                frame = run()
            if frames is not None:
                frame.to_parquet(frames / f"{number}.parquet")
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                run()
                samples.append(1000 * (time.perf_counter() - started))
            found[name] = {"rows": len(frame), "samples": samples}
    return {"range": f"{start}..{end}", "sizes": sizes, "cases": found}


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered),
            "p95_ms": ordered[round(0.95 * (len(ordered) - 1))], "min_ms": ordered[0]}


def timings(result: dict) -> dict[str, dict]:
    return {name: {"rows": case["rows"], **summarise(case["samples"])}
            for name, case in result["cases"].items()}


def print_timings(found: dict[str, dict]) -> None:
    for name, t in found.items():
        print(f"  {name}: median {t['median_ms']:.0f} ms (p95 {t['p95_ms']:.0f} ms, "
              f"{t['rows']} rows)", flush=True)


# This file run as a script from another checkout's folder: its modules, not this one's.
_CHILD = ("import runpy, sys; sys.argv = sys.argv[1:]; "
          "runpy.run_path(sys.argv[0], run_name='__main__')")


def child_run(checkout: Path, warehouse: Path, repeat: int, frames: Path | None) -> dict:
    """`time_cases` in a fresh process importing the reports of `checkout` (this file's cases,
    that checkout's `reporting`)."""
    kept = ["--frames", str(frames)] if frames is not None else []
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, __file__, "--warehouse", str(warehouse),
         "--repeat", str(repeat), "--child", *kept],
        env={**os.environ, "PYTHONPATH": str(checkout)}, cwd=checkout, capture_output=True,
        text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"timing the reports of {checkout} failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def same_reports(before: Path, after: Path, names: list[str]) -> list[str]:
    """The cases whose reports differ: other rows, columns or types, or a number more than
    1e-12 apart relatively (a sum of fractional credits may differ in its last bit with the
    order it is added in)."""
    different = []
    for number, name in enumerate(names):
        left = pd.read_parquet(before / f"{number}.parquet")
        right = pd.read_parquet(after / f"{number}.parquet")
        try:
            pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12,
                                          atol=0)
        except AssertionError:
            different.append(name)
    return different


HERE = Path(__file__).resolve().parents[1]


def compare(before: tuple[Path, Path], after: tuple[Path, Path], repeat: int, rounds: int
            ) -> dict:
    """The reports of `before` and `after`, each a (checkout, warehouse): two checkouts' code on
    one file, or one checkout's on two files. Alternating rounds, so both meet the same load on
    the machine; each round is a fresh process per side, `repeat / rounds` timed runs per case.
    The first round keeps each side's reports, to compare them."""
    each = max(1, repeat // rounds)
    sides: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            order = [("before", before), ("after", after)]
            for side, (checkout, warehouse) in order if round_ % 2 == 0 else order[::-1]:
                print(f"  round {round_ + 1}/{rounds}: {side}", flush=True)
                frames = None
                if side not in sides:
                    frames = Path(tmp) / side
                    frames.mkdir()
                result = child_run(checkout, warehouse, each, frames)
                if side not in sides:
                    sides[side] = result
                    continue
                for name, case in result["cases"].items():
                    sides[side]["cases"][name]["samples"] += case["samples"]
        before, after = sides["before"], sides["after"]
        different = same_reports(Path(tmp) / "before", Path(tmp) / "after",
                                 list(after["cases"]))
    return {"range": after["range"], "sizes": after["sizes"],
            "before": timings(before), "after": timings(after), "different": different}


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


def _verdict(t: dict) -> str:
    met = t["median_ms"] <= TARGET_MEDIAN_MS and t["p95_ms"] <= TARGET_P95_MS
    return "met" if met else "missed"


def record(label: str, result: dict, repeat: int, note: str = "") -> None:
    """Append the figures to reports.md (a table) and reports.jsonl (every figure)."""
    path = BENCHMARK_RESULTS_DIR / "reports.md"
    at = dt.datetime.now(dt.UTC)
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": at.isoformat(), "label": label, "machine": machine(),
                                 **result}) + "\n")
    sizes = ", ".join(f"{table} {rows:,}" for table, rows in result["sizes"].items())
    lines = [
        f"\n## {at:%Y-%m-%d %H:%M} UTC — {label} — {machine()}\n",
        f"Range {result['range']}; {repeat} timed runs per query after 2 warm-ups. "
        f"Rows: {sizes}.{' ' + note if note else ''}\n",
    ]
    target = f"target: median ≤ {TARGET_MEDIAN_MS} ms and p95 ≤ {TARGET_P95_MS} ms"
    if "before" in result:
        different = result["different"]
        lines += [
            f"Before and after {'on the same file, ' if result.get('same_file', True) else ''}"
            f"in alternating rounds ({target}). "
            + ("Every report returned the same rows, columns and numbers before and after "
               "(to 1e-12 relatively: sums of fractional credits added in another order)."
               if not different else
               f"DIFFERENT results: {', '.join(different)}.") + "\n",
            "| report \\| filters | rows | before median (ms) | before p95 | after median "
            "(ms) | after p95 | after / before (median) | target |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, t in result["after"].items():
            b = result["before"][name]
            lines.append(
                f"| {name.replace('|', chr(92) + '|')} | {t['rows']:,} | {b['median_ms']:.0f} "
                f"| {b['p95_ms']:.0f} | {t['median_ms']:.0f} | {t['p95_ms']:.0f} | "
                f"{t['median_ms'] / b['median_ms']:.2f} | {_verdict(t)} |")
    else:
        lines += [f"({target})\n", "| report \\| filters | rows | median (ms) | p95 (ms) | "
                  "target |", "|---|---:|---:|---:|---|"]
        for name, t in result["timings"].items():
            lines.append(f"| {name.replace('|', chr(92) + '|')} | {t['rows']:,} | "
                         f"{t['median_ms']:.0f} | {t['p95_ms']:.0f} | {_verdict(t)} |")
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
    parser.add_argument("--baseline", type=Path,
                        help="a checkout of the code before: time its reports and this "
                             "checkout's on the same --warehouse, alternately")
    parser.add_argument("--baseline-warehouse", type=Path,
                        help="another build of the same data: time this checkout's reports on "
                             "it and on --warehouse, alternately")
    parser.add_argument("--rounds", type=int, default=6,
                        help="with a baseline: rounds per side (--repeat runs split among them)")
    parser.add_argument("--note", default="", help="a sentence on the conditions, recorded")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(time_cases(args.warehouse, args.repeat, frames=args.frames)))
        return
    if args.baseline or args.baseline_warehouse:
        if not args.warehouse:
            parser.error("a baseline needs --warehouse")
        before = (args.baseline or HERE, args.baseline_warehouse or args.warehouse)
        load = os.getloadavg()[0]
        result = compare(before, (HERE, args.warehouse), args.repeat, args.rounds)
        result["same_file"] = args.baseline_warehouse is None
        print_timings(result["after"])
        if result["different"]:
            print(f"  DIFFERENT results: {result['different']}", flush=True)
        # the machine is shared: how busy it was says how far apart two sessions' figures are
        note = (f"{args.note} Load average (1 min) {load:.1f} at the start, "
                f"{os.getloadavg()[0]:.1f} at the end.").strip()
        # names only: the paths are this machine's
        against = " on ".join(
            ([f"the code of checkout {args.baseline.name}"] if args.baseline else [])
            + ([f"another build of the data, {args.baseline_warehouse.name}"]
               if args.baseline_warehouse else []))
        record(f"warehouse {args.warehouse.name}, before ({against}) and after", result,
               args.repeat, note)
        return
    if args.warehouse:
        result = time_cases(args.warehouse, args.repeat)
        label = f"warehouse {args.warehouse.name}"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"size {args.size}: building", flush=True)
            warehouse = build(args.size, args.seed, args.loaded, Path(tmp))
            result = time_cases(warehouse, args.repeat)
        label = f"size {args.size}"
    summary = {"range": result["range"], "sizes": result["sizes"], "timings": timings(result)}
    print_timings(summary["timings"])
    record(label, summary, args.repeat, args.note)


if __name__ == "__main__":
    main()
