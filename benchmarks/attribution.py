"""Attribution benchmark.

    python -m benchmarks.attribution markov [--paths 5000000]
    python -m benchmarks.attribution warehouse --warehouse-file FILE [--baseline DIR --runs N]

`markov`: the exact Markov removal effects (attribution.data_driven) side by side with the
`ChannelAttribution` package's simulated ones on the same paths: synthetic paths (a few
touches each, states of unequal popularity and unequal lift), at channel level (8 states) and
at campaign level (200 states). Both are timed from the same table of path strings
("a > b > c", conversions, non-conversions), the input ChannelAttribution takes, so our time
includes parsing the paths. Each reads the strings in its own form: ChannelAttribution a pandas
column of Python strings (its fastest form: measured 20.3 s there against 21.8 s for Arrow-backed
strings at 200 states), ours an Arrow array (what a DuckDB query returns without conversion).
Converting between the two forms is timed for neither. ChannelAttribution is GPL-3 and a
benchmark extra only (`pip install -e '.[benchmark]'`); without it only our side runs.

`warehouse`: the attribution models of the dbt project on a loaded warehouse (size L from
`python -m benchmarks.warehouse --sizes L --keep DIR`): `dbt run` of everything attribution
needs, then per model its execution time, and the run's wall time and peak memory. With
`--baseline DIR` (another checkout of this repository, e.g. `git worktree add DIR main`), the
same models of that checkout run on their own fresh copy of the warehouse, alternating with
this checkout's `--runs` times, so both are measured in the same conditions; the results are
recorded side by side, with how many rows of each checkout's last tables the other's lack,
compared exactly and with doubles rounded to 1e-9.

Results are appended to `benchmarks/results/attribution.md` with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from attribution.data_driven import encode, markov_removal_effects
from benchmarks.ingestion import machine
from benchmarks.warehouse import dbt_step
from core.paths import BENCHMARK_RESULTS_DIR, REPO_ROOT, dbt_profile_variables

ATTRIBUTION_MODELS = ["int_attribution_touches", "int_contact_conversions",
                      "int_attribution_paths", "int_attribution_state_weights",
                      "fct_contact_attribution", "fct_deal_attribution",
                      "fct_campaign_credit_by_model_daily"]


def synthetic_paths(n_paths: int, n_states: int, seed: int = 11,
                    aggregate: bool = True) -> pd.DataFrame:
    """Paths as ChannelAttribution takes them: one row per distinct path string with its
    conversions and nulls (or, with `aggregate=False`, one row per path)."""
    rng = np.random.default_rng(seed)
    lengths = np.minimum(rng.geometric(1 / 3, n_paths), 12)
    popularity = rng.dirichlet(np.full(n_states, 0.7))
    lift = rng.uniform(0.01, 0.12, n_states)
    states = rng.choice(n_states, int(lengths.sum()), p=popularity)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    keep = np.add.reduceat(np.log1p(-lift[states]), starts)
    converted = rng.uniform(size=n_paths) < 1 - np.exp(keep)
    names = pa.array([f"s{i:03d}" for i in range(n_states)])
    flat = names.take(pa.array(states))
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    text = pc.binary_join(pa.ListArray.from_arrays(offsets, flat), " > ")
    frame = pd.DataFrame({"path": text.to_pandas(), "converted": converted})
    if not aggregate:
        return pd.DataFrame({"path": frame["path"].astype(str),
                             "total_conversions": converted.astype(np.float64),
                             "total_null": (~converted).astype(np.float64)})
    grouped = frame.groupby("path", sort=False)["converted"].agg(["sum", "size"])
    return pd.DataFrame({"path": grouped.index.astype(str),
                         "total_conversions": grouped["sum"].to_numpy(np.float64),
                         "total_null": (grouped["size"] - grouped["sum"]).to_numpy(np.float64)})


def exact_from_strings(paths: pa.Array, conversions: np.ndarray, nulls: np.ndarray
                       ) -> tuple[dict[str, float], float]:
    """Our removal effects from ChannelAttribution's input, the path strings as an Arrow array
    (what DuckDB returns for a query without conversion); returns them and the seconds taken,
    parsing included. Every path string is split into its states and the states are numbered;
    equal paths need no merging first, as the transition counts are weighted sums either way."""
    started = time.perf_counter()
    split = pc.split_pattern(paths, " > ")
    lengths = pc.list_value_length(split).to_numpy()
    encoded, names = encode(np.repeat(np.arange(len(paths), dtype=np.int32), lengths),
                            pc.list_flatten(split), conversions, nulls)
    result = markov_removal_effects(encoded)
    seconds = time.perf_counter() - started
    return dict(zip(names, result.removal_effects.tolist(), strict=True)), seconds


def channel_attribution(table: pd.DataFrame) -> tuple[dict[str, float], float] | None:
    try:
        from ChannelAttribution import markov_model
    except ImportError:
        return None
    started = time.perf_counter()
    out = markov_model(table, var_path="path", var_conv="total_conversions",
                       var_null="total_null", out_more=True, verbose=0,
                       flg_pro=False)
    seconds = time.perf_counter() - started
    effects = out["removal_effects"]
    return dict(zip(effects["channel_name"], effects["removal_effect"],
                    strict=True)), seconds


def run_markov(n_paths: int) -> list[dict]:
    results = []
    for level, n_states, aggregate in (("channel", 8, True), ("campaign", 200, True),
                                       ("channel", 8, False), ("campaign", 200, False)):
        table = synthetic_paths(n_paths, n_states, aggregate=aggregate)
        path_strings = pa.array(table["path"])  # as DuckDB would hand them over: not timed
        tracemalloc.start()
        conversions = table["total_conversions"].to_numpy()
        nulls = table["total_null"].to_numpy()
        ours, first_seconds = exact_from_strings(path_strings, conversions, nulls)
        our_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        # The first run pays for the process's first large allocations (up to 1 s here); the
        # median of three is the steady cost. ChannelAttribution's 1 to 30 s runs once.
        our_seconds = float(np.median([first_seconds] + [
            exact_from_strings(path_strings, conversions, nulls)[1] for _ in range(2)]))
        row = {"level": level, "states": n_states, "paths": n_paths,
               "input": "aggregated" if aggregate else "one row per path",
               "input_rows": len(table), "conversions": float(table["total_conversions"].sum()),
               "exact_seconds": our_seconds, "exact_first_seconds": first_seconds,
               "exact_peak_mib": our_peak}
        theirs = channel_attribution(table)
        if theirs is not None:
            effects, seconds = theirs
            ratio = np.array([effects[s] / ours[s] for s in ours if ours[s] > 0])
            # Removal effects are compared as shares (both normalise them to credit).
            share_ours = np.array([ours[s] for s in ours]) / sum(ours.values())
            share_theirs = np.array([effects[s] for s in ours]) / sum(effects.values())
            row.update(channel_attribution_seconds=seconds,
                       speedup=seconds / our_seconds,
                       max_share_difference=float(np.abs(share_ours - share_theirs).max()),
                       median_effect_ratio=float(np.median(ratio)))
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


ATTRIBUTION_TABLES = [("intermediate", "int_contact_conversions"),
                      ("intermediate", "int_attribution_paths"),
                      ("intermediate", "int_attribution_state_weights"),
                      ("marts", "fct_contact_attribution"), ("marts", "fct_deal_attribution"),
                      ("marts", "fct_campaign_credit_by_model_daily")]


def checkout_step(checkout: Path, args: list[str], warehouse: Path, workdir: Path,
                  env: dict[str, str]) -> dict:
    """`dbt_step` with the dbt project and Python packages of `checkout` (the Python model
    imports `attribution` from it), this checkout's as much as another's."""
    path = os.pathsep.join(p for p in (str(checkout), env.get("PYTHONPATH")) if p)
    return dbt_step(args, warehouse, workdir, {**env, "PYTHONPATH": path},
                    project=checkout / "dbt_project")


MEMORY_LIMIT_ENV = "ADS_ANALYTICS_DBT_MEMORY_LIMIT"


def profile_memory_limit() -> str:
    """DuckDB's memory limit in the dbt profile when `ADS_ANALYTICS_DBT_MEMORY_LIMIT` is unset."""
    limit = dbt_profile_variables().get(MEMORY_LIMIT_ENV)
    if limit is None:
        raise RuntimeError(f"profiles.yml no longer reads {MEMORY_LIMIT_ENV} with a default")
    return limit


def write_floor(warehouse: Path) -> dict[str, float]:
    """Seconds to write each attribution table's rows again as a new table (a copy, with the
    dbt profile's settings: its threads, memory limit and insertion order): what storing the
    results costs, whatever computes them."""
    seconds = {}
    limit = os.environ.get(MEMORY_LIMIT_ENV) or profile_memory_limit()
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"set threads = 2; set memory_limit = '{limit}'; "
                    "set preserve_insertion_order = false")
        for schema, name in ATTRIBUTION_TABLES:
            started = time.perf_counter()
            con.execute(f"create table main.floor_copy as select * from {schema}.{name}")
            seconds[name] = time.perf_counter() - started
            con.execute("drop table main.floor_copy")
    return seconds


def run_once(warehouse: Path, workdir: Path, checkout: Path = REPO_ROOT,
             keep: Path | None = None) -> dict:
    """The attribution models of `checkout` on a fresh copy of `warehouse` (kept as `keep` when
    given, to compare its tables)."""
    copy = workdir / "bench.duckdb"
    shutil.copy(warehouse, copy)
    env = dict(os.environ)
    prepared = checkout_step(checkout, ["run", "--select", "+fct_campaign_credit_by_model_daily",
                                        "--exclude", *ATTRIBUTION_MODELS], copy, workdir, env)
    step = checkout_step(checkout, ["run", "--select", *ATTRIBUTION_MODELS], copy, workdir, env)
    with duckdb.connect(str(copy), read_only=True) as con:
        sizes = {name: con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
                 for schema, name in [("intermediate", "int_attribution_paths"),
                                      ("marts", "fct_contact_attribution"),
                                      ("marts", "fct_deal_attribution"),
                                      ("marts", "fct_campaign_credit_by_model_daily")]}
        sizes["contacts"] = con.execute(
            "select count(*) from staging.stg_hubspot__contacts").fetchone()[0]
        sizes["sessions"] = con.execute(
            "select count(*) from intermediate.int_sessions").fetchone()[0]
    floor = write_floor(copy)
    if keep is not None:
        shutil.move(copy, keep)
    else:
        copy.unlink()
    return {"prepare_seconds": prepared["seconds"], "models": step["models"],
            "model_seconds": step["model_seconds"], "seconds": step["seconds"],
            "peak_mib": step["peak_mib"], "rows": sizes, "write_floor": floor}


def table_differences(left: Path, right: Path) -> dict[str, dict]:
    """Per attribution table: the rows of each side that the other lacks when compared exactly,
    and when floating-point columns are rounded to 1e-9 (sums of doubles differ in their last
    bits with the order in which threads add them, run to run)."""
    out = {}
    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = false")
        con.execute(f"attach '{left}' as lhs (read_only)")
        con.execute(f"attach '{right}' as rhs (read_only)")
        for schema, name in ATTRIBUTION_TABLES:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'lhs' and table_schema = ? and table_name = ? "
                "order by ordinal_position", [schema, name]).fetchall()
            exact = ", ".join(c for c, _ in columns)
            rounded = ", ".join(
                f"round(cast({c} as double), 9) as {c}"
                if t == "DOUBLE" or t.startswith("DECIMAL") else c for c, t in columns)
            counts = {}
            for label, select in (("exact", exact), ("rounded", rounded)):
                counts[label] = [con.execute(
                    f"select count(*) from (select {select} from {a}.{schema}.{name} "
                    f"except all select {select} from {b}.{schema}.{name})").fetchone()[0]
                    for a, b in (("lhs", "rhs"), ("rhs", "lhs"))]
            out[name] = counts
    return out


def run_warehouse(warehouse: Path, baseline: Path | None = None, runs: int = 1) -> dict:
    results: dict[str, list[dict]] = {"current": [], "baseline": []}
    with tempfile.TemporaryDirectory(dir=warehouse.parent) as tmp:
        workdir = Path(tmp)
        for run in range(runs):
            last = run == runs - 1 and baseline is not None
            for label, checkout in (("baseline", baseline), ("current", REPO_ROOT)):
                if checkout is None:
                    continue
                with tempfile.TemporaryDirectory(dir=workdir) as step_dir:
                    result = run_once(warehouse, Path(step_dir), checkout,
                                      workdir / f"{label}.duckdb" if last else None)
                print(json.dumps({label: result}), flush=True)
                results[label].append(result)
        differences = (table_differences(workdir / "baseline.duckdb", workdir / "current.duckdb")
                       if baseline is not None else None)
    return {"runs": results, "differences": differences,
            "memory_limit": os.environ.get(MEMORY_LIMIT_ENV),
            # the checkout's folder name only: the results are committed
            "baseline": baseline.name if baseline else None}


def _figures(values: list[float], digits: int = 1) -> str:
    return " / ".join(f"{v:,.{digits}f}" for v in values) if values else "–"


def warehouse_lines(payload: dict) -> list[str]:
    """Per model the seconds of every run, baseline beside current (runs alternated)."""
    runs = payload["runs"]
    labels = [label for label in ("baseline", "current") if runs[label]]
    rows = runs["current"][-1]["rows"]
    lines = [f"{rows['contacts']:,} contacts, {rows['sessions']:,} sessions; "
             f"{rows['int_attribution_paths']:,} path touches, "
             f"{rows['fct_contact_attribution']:,} contact credits, "
             f"{rows['fct_deal_attribution']:,} deal credits, "
             f"{rows['fct_campaign_credit_by_model_daily']:,} credited campaign-days.\n"]
    limit = payload.get("memory_limit") or f"the profile default ({profile_memory_limit()})"
    lines.append(f"DuckDB memory limit of the dbt runs: {limit}.\n")
    if payload.get("baseline"):
        lines.append(f"Baseline: the checkout at `{payload['baseline']}`; it and this "
                     f"checkout ran alternately, {len(runs['current'])} run(s) each, every run on "
                     "a fresh copy of the warehouse. Seconds of each run, in order.\n")
    lines += ["| model | " + " | ".join(f"{label} (s)" for label in labels) + " |",
              "|---|" + "---:|" * len(labels)]
    models = [name for name in ATTRIBUTION_MODELS
              if any(name in r["models"] for label in labels for r in runs[label])]
    for name in models:
        lines.append(f"| {name} | " + " | ".join(
            _figures([r["models"].get(name, float("nan")) for r in runs[label]])
            for label in labels) + " |")
    for _, name in ATTRIBUTION_TABLES:
        lines.append(f"| floor: writing {name}'s rows again | " + " | ".join(
            _figures([r["write_floor"][name] for r in runs[label]]) for label in labels) + " |")
    lines.append("| **floor: writing all of them again** | " + " | ".join(
        _figures([sum(r["write_floor"].values()) for r in runs[label]]) for label in labels)
        + " |")
    for key, title, digits in (("model_seconds", "all attribution models (span)", 1),
                               ("seconds", "dbt run wall time", 1),
                               ("peak_mib", "peak memory of the dbt run (MiB)", 0)):
        lines.append(f"| **{title}** | " + " | ".join(
            _figures([r[key] for r in runs[label]], digits) for label in labels) + " |")
    if payload.get("differences"):
        lines.append("\nRows of one checkout's table missing from the other's (both ways), "
                     "exactly and with doubles rounded to 1e-9: " + "; ".join(
                         f"{name} {d['exact'][0]}/{d['exact'][1]}, "
                         f"{d['rounded'][0]}/{d['rounded'][1]}"
                         for name, d in payload["differences"].items()) + ".")
    return lines


def record(kind: str, payload: dict | list) -> Path:
    path = BENCHMARK_RESULTS_DIR / "attribution.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "kind": kind,
                                 "result": payload}) + "\n")
    lines = [f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {kind} — {machine()}\n"]
    if kind == "markov":
        lines += ["| level | states | paths | input rows "
                  "| exact, parsing included (s; median of 3, first run) "
                  "| exact peak MiB (numpy heap) | ChannelAttribution (s) | speed-up "
                  "| max credit-share difference |",
                  "|---|---:|---:|---|---:|---:|---:|---:|---:|"]
        for r in payload:
            lines.append(
                f"| {r['level']} | {r['states']} | {r['paths']:,} | "
                f"{r['input_rows']:,} ({r['input']}) | "
                f"{r['exact_seconds']:.2f} ({r.get('exact_first_seconds', float('nan')):.2f}) | "
                f"{r['exact_peak_mib']:.0f} | "
                f"{r.get('channel_attribution_seconds', float('nan')):.1f} | "
                f"{r.get('speedup', float('nan')):.0f}× | "
                f"{r.get('max_share_difference', float('nan')):.4f} |")
    else:
        lines += warehouse_lines(payload)
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    markov = commands.add_parser("markov")
    markov.add_argument("--paths", type=int, default=5_000_000)
    warehouse = commands.add_parser("warehouse")
    warehouse.add_argument("--warehouse-file", type=Path, required=True)
    warehouse.add_argument("--baseline", type=Path,
                           help="another checkout of this repository to measure alongside")
    warehouse.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.command == "markov":
        path = record("markov", run_markov(args.paths))
    else:
        result = run_warehouse(args.warehouse_file, args.baseline, args.runs)
        print(json.dumps(result, indent=1))
        path = record("warehouse", result)
    print(f"recorded in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
