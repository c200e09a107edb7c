"""Warehouse benchmark: dbt full and incremental builds at sizes M and L, next to a floor.

    python -m benchmarks.warehouse --sizes M L

Per size: the simulator runs in its own process; the four sources load into a fresh DuckDB file
(each in its own process); then, each step in its own process with its peak memory measured:
- the floor: one hand-written DuckDB statement producing `fct_ad_performance_daily`'s rows
  (the three networks' metrics typed, unioned, joined to their account's currency and the rate
  in effect) - what the fact costs at the least. Twice: without the `sessions` column, and
  with it (each session's landing page view found among all page views, its `hsa_net` and
  `hsa_ad` read, counted per ad and portal day), since the fact carries both and sessions are
  the costlier part;
- `dbt run --full-refresh`: every model built from scratch;
- a day later: the simulator restates its recent days, the sources load their look-back
  windows, and `dbt run` rebuilds incrementally.
Model time is the span of dbt's per-model execution (run_results.json); dbt's fixed cost
(start-up, parsing, connections) is the wall time minus that. The dbt steps build the
performance warehouse (staging, hierarchy, sessions, dimensions, the two daily facts); the
attribution models have their own benchmark (`benchmarks.attribution`). Results are appended to
`benchmarks/results/warehouse.md` with the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.ingestion import machine, start_simulator
from core.paths import BENCHMARK_RESULTS_DIR, DBT_PROJECT_DIR, REPO_ROOT, dbt_executable
from core.portal import loaded_settings
from core.settings import Settings
from ingestion.registry import SOURCE_NAMES

# The attribution models and everything downstream of them: benchmarked apart.
ATTRIBUTION = ["int_contact_conversions+", "int_touchpoints_classified+",
               "dim_ad_account_access"]

FLOOR_SQL = """
create or replace table main.floor_ad_performance_daily as
with performance as (
    select 'facebook' as network, account_id as ad_account_id, campaign_id,
           adset_id as ad_group_id, ad_id, cast(date_start as date) as date_day,
           cast(impressions as bigint) as impressions, cast(clicks as bigint) as clicks,
           cast(spend as decimal(18, 6)) as spend
    from raw_facebook_ads.ad_insights
    union all
    select 'google', customer__id, campaign__id, ad_group__id, ad_group_ad__ad__id,
           cast(segments__date as date), cast(metrics__impressions as bigint),
           cast(metrics__clicks as bigint),
           cast(cast(metrics__cost_micros as decimal(24, 0)) * 0.000001 as decimal(18, 6))
    from raw_google_ads.ad_performance_daily
    union all
    select 'linkedin', cast(account_id as varchar), null, null,
           split_part(creative_urn, ':', 4), cast("date" as date),
           cast(impressions as bigint), cast(clicks as bigint),
           cast(cost_in_local_currency as decimal(18, 6))
    from raw_linkedin_ads.ad_analytics_daily
),
accounts as (
    select 'facebook' as network, account_id as ad_account_id, currency
    from raw_facebook_ads.ad_accounts
    union all select 'google', customer__id, customer__currency_code from raw_google_ads.customers
    union all select 'linkedin', cast(id as varchar), currency from raw_linkedin_ads.ad_accounts
),
rates as (
    select from_currency_code as currency, cast(substring(effective_at, 1, 10) as date) as day,
           cast(conversion_rate as decimal(18, 8)) as rate
    from raw_hubspot.exchange_rates
)
select performance.*, accounts.currency as currency_code,
       case when accounts.currency = 'USD' then performance.spend
            else cast(performance.spend * rates.rate as decimal(18, 6)) end
           as spend_company_currency
from performance
join accounts using (network, ad_account_id)
asof left join rates
    on rates.currency = accounts.currency and performance.date_day >= rates.day
"""

# The same rows with the fact's `sessions`: each session's landing view (the earliest, ties by
# id; ranked on the narrow columns, then joined back for its URL, the cheapest way measured),
# counted per ad and portal day. The small per-ad tracking flag that tells null from 0 is left
# out: a floor may only be cheaper than the fact.
FLOOR_WITH_SESSIONS_SQL = FLOOR_SQL.replace(
    "create or replace table main.floor_ad_performance_daily as\nwith ", """\
create or replace table main.floor_ad_performance_daily as
with first_views as (
    select id
    from (select id, row_number() over (partition by hs_session_id
                                        order by occurred_at_utc, id) as view_rank
          from raw_hubspot.page_views
          where hs_session_id is not null)
    where view_rank = 1
),
ad_sessions as (
    select case split_part(split_part(hs_url, 'hsa_net=', 2), '&', 1)
               when 'facebook' then 'facebook' when 'adwords' then 'google'
               when 'google' then 'google' when 'linkedin' then 'linkedin' end as network,
           split_part(split_part(hs_url, 'hsa_ad=', 2), '&', 1) as ad_id,
           cast(timezone('{time_zone}', occurred_at_utc) as date) as date_day,
           count(*) as sessions
    from raw_hubspot.page_views
    join first_views using (id)
    where hs_url like '%hsa_net=%'
    group by all
),
""").replace("select performance.*, accounts.currency",
             "select performance.*, ad_sessions.sessions, accounts.currency").replace(
    "asof left join rates",
    "left join ad_sessions using (network, ad_id, date_day)\nasof left join rates")

# Runs a command and prints its peak resident memory (MiB) as the last line: each measured step
# is a child of this wrapper, so its peak is its own.
MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.stdout[-4000:], file=sys.stderr)
print(done.stderr[-4000:], file=sys.stderr)
lines = done.stdout.strip().splitlines()
print(json.dumps({"returncode": done.returncode, "seconds": time.monotonic() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "last_line": lines[-1] if lines else ""}))
"""


def measured(command: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["returncode"] != 0:
        print(done.stderr[-6000:], file=sys.stderr)
        raise RuntimeError(f"failed: {' '.join(command[:4])} ...")
    return result


def load_all(warehouse: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    for source in SOURCE_NAMES:
        measured([sys.executable, "-m", "benchmarks.ingestion", "--load", source,
                  "--warehouse-file", str(warehouse)], env)
    return time.monotonic() - started


def dbt_step(args: list[str], warehouse: Path, workdir: Path, env: dict[str, str],
             measure=None, project: Path = DBT_PROJECT_DIR) -> dict:
    """`dbt <args>` on `warehouse` (the dbt project `project`, another checkout's for a
    baseline), measured: wall time, peak memory, model time and dbt's fixed cost apart."""
    target = workdir / "target"
    result = (measure or measured)([dbt_executable(), *args, "--project-dir", str(project),
                       "--profiles-dir", str(project), "--target-path", str(target),
                       "--log-path", str(workdir / "logs")],
                      {**env, "ADS_ANALYTICS_WAREHOUSE": str(warehouse)})
    runs = json.loads((target / "run_results.json").read_text())["results"]
    models = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in runs}
    # Models run two at a time, so their summed time can exceed the wall: model time is the
    # span from the first model's start to the last one's end, and dbt's fixed cost the rest.
    stamps = [dt.datetime.fromisoformat(t[key].replace("Z", "+00:00"))
              for r in runs for t in r["timing"] for key in ("started_at", "completed_at")]
    result["model_seconds"] = (max(stamps) - min(stamps)).total_seconds() if stamps else 0.0
    result["fixed_seconds"] = result["seconds"] - result["model_seconds"]
    result["models"] = models
    return result


def floor_step(warehouse: Path, env: dict[str, str], sql: str = FLOOR_SQL) -> dict:
    code = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); t = time.monotonic(); "
            f"con.execute({sql!r}); seconds = time.monotonic() - t; "
            "n, sessions = con.execute('select count(*), "
            + ("sum(sessions)" if "ad_sessions" in sql else "null")
            + " from main.floor_ad_performance_daily').fetchone(); "
            "con.execute('drop table main.floor_ad_performance_daily'); "
            "print(n, sessions, seconds)")
    result = measured([sys.executable, "-c", code, str(warehouse)], env)
    rows, sessions, seconds = result["last_line"].split()
    # The statement's own time; the process around it (interpreter, opening the file) is not
    # the floor.
    result.update(rows=int(rows), seconds=float(seconds),
                  sessions=None if sessions == "None" else int(sessions))
    return result


def fact_sessions(warehouse: Path) -> int:
    """The built fact's sessions, which the floor with sessions must equal."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select sum(sessions) from marts.fct_ad_performance_daily"
                           ).fetchone()[0]


def run_size(size: str, seed: int, path: Path, keep: Path | None = None,
             days: int | None = None) -> dict:
    proc, settings, startup = start_simulator(size, seed, days)
    print(f"size {size}: simulator ready in {startup:.1f} s", flush=True)
    env = {**os.environ, **settings}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            warehouse = workdir / "bench.duckdb"
            load = load_all(warehouse, env)
            rows = fact_rows(warehouse)
            print(f"  loaded in {load:.0f} s; {rows:,} ad-day rows", flush=True)
            if keep is not None:  # a loaded copy to profile models on without reloading
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(warehouse, keep / f"loaded_{size}.duckdb")
            floor = floor_step(warehouse, env)
            floor_sessions = floor_step(
                warehouse, env,
                FLOOR_WITH_SESSIONS_SQL.replace("{time_zone}", loaded_settings(
                    warehouse, Settings.from_environment().portal_overrides).time_zone))
            print(f"  floor: {floor['seconds']:.1f} s wall, "
                  f"{floor_sessions['seconds']:.1f} s with sessions", flush=True)
            # the goal marts read the example goals' seeds, which `dbt run` does not load
            dbt_step(["seed"], warehouse, workdir, env)
            full = dbt_step(["run", "--full-refresh", "--exclude", *ATTRIBUTION], warehouse,
                            workdir, env)
            sessions = fact_sessions(warehouse)
            if sessions != floor_sessions["sessions"]:
                raise RuntimeError(f"the floor counts {floor_sessions['sessions']:,} sessions, "
                                   f"the fact {sessions:,}: the floor is not the fact's rows")
            slowest = sorted(full["models"].items(), key=lambda kv: -kv[1])[:5]
            print(f"  full: {full['model_seconds']:.1f} s in models, "
                  f"{full['fixed_seconds']:.1f} s fixed, peak {full['peak_mib']:.0f} MiB; "
                  + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest),
                  flush=True)
            base = settings["SOURCES__FACEBOOK_ADS__BASE_URL"]
            requests.post(f"{base}/_simulator/restate", timeout=600)
            reload = load_all(warehouse, env)
            incremental = dbt_step(["run", "--exclude", *ATTRIBUTION], warehouse, workdir, env)
            print(f"  incremental (after a {reload:.0f} s look-back load): "
                  f"{incremental['model_seconds']:.1f} s in models, "
                  f"{incremental['fixed_seconds']:.1f} s fixed, "
                  f"peak {incremental['peak_mib']:.0f} MiB", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    result = {"size": size, "days": days, "ad_day_rows": rows, "load_seconds": load, "floor": floor,
              "floor_with_sessions": floor_sessions, "full": full, "incremental": incremental}
    record(result, path)
    return result


def fact_rows(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sum(con.execute(f"select count(*) from {table}").fetchone()[0] for table in (
            "raw_facebook_ads.ad_insights", "raw_google_ads.ad_performance_daily",
            "raw_linkedin_ads.ad_analytics_daily"))


def record(r: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), **r}) + "\n")
    full, inc, floor = r["full"], r["incremental"], r["floor"]
    floor_sessions = r["floor_with_sessions"]
    slowest = sorted(full["models"].items(), key=lambda kv: -kv[1])[:3]
    with path.open("a") as handle:
        handle.write(
            f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — size {r['size']}"
            + (f", {r['days']} days of history" if r.get("days") else "") + " — "
            f"{machine()}\n\n"
            f"{r['ad_day_rows']:,} ad-day rows; sources loaded in {r['load_seconds']:.0f} s.\n\n"
            "| step | model time (s) | dbt fixed (s) | wall (s) | peak MiB |\n"
            "|---|---:|---:|---:|---:|\n"
            f"| floor (one DuckDB statement), without sessions | {floor['seconds']:.1f} | – | "
            f"{floor['seconds']:.1f} | {floor['peak_mib']:.0f} |\n"
            f"| floor with sessions (the fact's every column) | {floor_sessions['seconds']:.1f} "
            f"| – | {floor_sessions['seconds']:.1f} | {floor_sessions['peak_mib']:.0f} |\n"
            f"| dbt run --full-refresh | {full['model_seconds']:.1f} | "
            f"{full['fixed_seconds']:.1f} | {full['seconds']:.1f} | {full['peak_mib']:.0f} |\n"
            f"| dbt run (incremental, a day later) | {inc['model_seconds']:.1f} | "
            f"{inc['fixed_seconds']:.1f} | {inc['seconds']:.1f} | {inc['peak_mib']:.0f} |\n\n"
            f"Full build: {full['model_seconds'] / floor_sessions['seconds']:.1f}× the floor "
            f"with sessions ({full['model_seconds'] / floor['seconds']:.1f}× the floor "
            "without). "
            f"Incremental model time: {inc['model_seconds'] / full['model_seconds']:.0%} of the "
            "full build's. Slowest models in the full build: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest) + ".\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["M", "L"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep a copy of each loaded warehouse here")
    parser.add_argument("--days", type=int, help="days of history instead of each size's own "
                        "(same accounts; contacts and sessions at the same daily rate)")
    args = parser.parse_args()
    path = BENCHMARK_RESULTS_DIR / "warehouse.md"
    for size in args.sizes:
        run_size(size, args.seed, path, args.keep, args.days)
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
