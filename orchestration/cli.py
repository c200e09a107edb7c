"""`ads-analytics`: the command line over the same Dagster definitions `dagster dev` shows.

    ads-analytics demo              simulated advertiser -> warehouse -> marts -> checks -> overview
    ads-analytics run               the main job against whatever the dlt config points at
                                    (`--target spark`: build on Spark, read through DuckDB)
    ads-analytics backfill          load a date range chunk by chunk (resumable), then build
    ads-analytics check             the data-quality suites on the warehouse, with Data Docs
    ads-analytics quarantine        move bad vendor rows out of raw (kept, restorable), rebuild
    ads-analytics repair            load a source's days again (any range), rebuild
    ads-analytics report ...        reports over the marts (overview, campaigns, analyze, goals)
    ads-analytics summary           a narrative of the period in Markdown
    ads-analytics goals ...         create, change and remove goals (measured at once)
    ads-analytics dashboard         the local web dashboard over the marts
    ads-analytics simulator serve   the simulator alone, for pointing any source at it
    ads-analytics dev               the Dagster UI on this code location
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import time
import warnings
from pathlib import Path

from core.paths import REPO_ROOT
from core.settings import ENGINE_ENV, ENGINES, WAREHOUSE_ENV, InvalidSetting, Settings
from reporting.errors import ReportError

log = logging.getLogger("ads_analytics")


class CliError(Exception):
    """A failure to report as one line and a non-zero exit code."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # Great Expectations imports pyspark when it is installed (the Spark engine's extra), and
    # pyspark warns about pandas 3 on import; the project hands Spark's data over as Arrow.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Libraries raise their own loggers' levels; the handler decides what reaches the terminal.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    try:
        # read once, here; every command gets them as `args.settings`
        args.settings = Settings.from_environment(warehouse=args.warehouse,
                                                  engine=getattr(args, "target", None))
        if getattr(args, "writes", False):
            _check_writable(args.settings.warehouse.parent)
        return args.handler(args)
    except InvalidSetting as exc:
        print(f"ads-analytics: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (CliError, ReportError) as exc:
        print(f"ads-analytics: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ads-analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", help=f"DuckDB file (default: ${WAREHOUSE_ENV} or "
                                            "data/warehouse.duckdb)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pipeline logs")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run everything against the simulated advertiser")
    demo.add_argument("--size", default="M", help="simulator size: S, M or L (default M)")
    demo.add_argument("--seed", type=int, default=7)
    _add_world_options(demo)
    _add_target(demo)
    demo.set_defaults(handler=cmd_demo, writes=True)

    run = commands.add_parser("run", help="run the main job against the configured APIs")
    _add_target(run)
    run.set_defaults(handler=cmd_run, writes=True)

    backfill = commands.add_parser(
        "backfill", help="load a date range chunk by chunk, then build (idempotent, resumable)")
    backfill.add_argument("--start", required=True, type=dt.date.fromisoformat,
                          help="first day (YYYY-MM-DD)")
    backfill.add_argument("--end", required=True, type=dt.date.fromisoformat,
                          help="last day (YYYY-MM-DD)")
    backfill.add_argument("--chunk-days", type=int, default=30,
                          help="days per load (default 30): a failure re-loads at most one chunk")
    _add_target(backfill)
    backfill.set_defaults(handler=cmd_backfill, writes=True)

    quarantined = commands.add_parser(
        "quarantine", help="move bad vendor rows out of raw (kept, with the reason), rebuild",
        description="Move the rows of the networks' daily reports that break a rule out of raw "
                    "into quarantine.<source>__<table> (every column, the reason and when), then "
                    "rebuild the marts from scratch and publish them. Nothing is deleted: "
                    "--restore puts rows back.")
    quarantined.add_argument("--rule", action="append", dest="rules", metavar="RULE",
                             help="only this rule (repeatable): invalid_day, future_day, "
                                  "negative_spend, outside_requested_windows, duplicate")
    quarantined.add_argument("--dry-run", action="store_true", help="say what would move")
    quarantined.add_argument("--list", action="store_true", help="what quarantine holds")
    quarantined.add_argument("--restore", action="store_true",
                             help="move quarantined rows back to raw (with --reason, only those)")
    quarantined.add_argument("--reason", default=None, help="with --restore: only this reason")
    quarantined.set_defaults(handler=cmd_quarantine, writes=True)

    repair = commands.add_parser(
        "repair", help="load a source's days again, any range, then rebuild",
        description="Set a source's report rows of the days aside (into quarantine), load those "
                    "days again from the API (any range, also before the first partition), "
                    "then rebuild the marts from scratch and publish them.")
    from ingestion.registry import AD_NETWORKS

    repair.add_argument("--source", required=True, choices=AD_NETWORKS)
    repair.add_argument("--start", required=True, type=dt.date.fromisoformat,
                        help="first day (YYYY-MM-DD)")
    repair.add_argument("--end", required=True, type=dt.date.fromisoformat,
                        help="last day (YYYY-MM-DD)")
    repair.add_argument("--account", action="append", dest="accounts", metavar="ID",
                        help="only this account (repeatable); every account by default")
    repair.set_defaults(handler=cmd_repair, writes=True)

    check = commands.add_parser("check", help="run the data-quality suites on the warehouse")
    check.add_argument("--suite", action="append", dest="suites", metavar="NAME",
                       help="only this check, by the name Dagster shows (gx_spend) or the suite's "
                            "(spend); repeatable; default: all")
    check.set_defaults(handler=cmd_check)

    from reporting.cli import add_commands as add_report_commands
    from reporting.cli import add_dashboard_arguments, add_goal_commands

    add_report_commands(commands, _warehouse)
    add_goal_commands(commands, _warehouse)

    sim = commands.add_parser("simulator", help="the simulated advertiser")
    sim_commands = sim.add_subparsers(dest="simulator_command", required=True)
    serve = sim_commands.add_parser("serve", help="serve the four APIs on loopback")
    serve.add_argument("--size", default="S")
    serve.add_argument("--days", type=int, default=None,
                       help="days of history instead of the size's own, contacts and sessions "
                            "scaled with them")
    serve.add_argument("--seed", type=int, default=7)
    _add_world_options(serve)
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--replay", action="store_true",
                       help="keep every answer and send the same bytes for the same request "
                            "(for benchmarks: a second load then costs the simulator nothing)")
    serve.add_argument("--end-date", type=dt.date.fromisoformat, default=None,
                       help="last day of data (default: yesterday, UTC)")
    serve.add_argument("--truth-dir", type=Path, default=None,
                       help="write the ground truth as Parquet here")
    serve.set_defaults(handler=cmd_simulator_serve)

    dashboard = commands.add_parser("dashboard", help="the local web dashboard over the marts")
    dashboard.add_argument("--port", type=int, default=8501)
    dashboard.add_argument("--today", type=dt.date.fromisoformat, default=None,
                           help="the day date presets count from (default: today in the portal "
                                "zone)")
    dashboard.add_argument("--open-browser", action="store_true",
                           help="open the page in the default browser")
    dashboard.set_defaults(handler=cmd_dashboard)
    add_dashboard_arguments(dashboard, _warehouse)

    dev = commands.add_parser(
        "dev", help="open the Dagster UI on this code location",
        description="Start `dagster dev` on this project's definitions and warehouse. Anything "
                    "after `--` goes to dagster dev as it is (`ads-analytics dev -- --host "
                    "0.0.0.0`).")
    dev.add_argument("--port", type=int, default=None,
                     help="the UI's port (dagster's default: 3000)")
    dev.add_argument("dagster_args", nargs=argparse.REMAINDER,
                     help="after --: more options for dagster dev")
    _add_target(dev)
    dev.set_defaults(handler=cmd_dev)
    _global_options_anywhere(parser)
    return parser


def _warehouse(args: argparse.Namespace) -> Path:
    return args.settings.warehouse


def _global_options_anywhere(parser: argparse.ArgumentParser) -> None:
    """Accept `--warehouse` and `-v` after the subcommand too (`ads-analytics report campaigns
    --warehouse FILE`): every subcommand's parser, at any depth, gets them with no default of
    its own, so a value given there wins and one given before the subcommand stays."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in {id(p): p for p in action.choices.values()}.values():
            sub.add_argument("--warehouse", default=argparse.SUPPRESS,
                             help="DuckDB file (as before the subcommand)")
            sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="show pipeline logs (as before the subcommand)")
            _global_options_anywhere(sub)


def _add_world_options(command: argparse.ArgumentParser) -> None:
    """The simulated advertiser's portal and how kind its APIs are."""
    command.add_argument("--sparse", action="store_true",
                         help="an advertiser as unkind as real accounts: every field the vendors "
                              "document as optional left out, values in each of their documented "
                              "homes, accounts without objects of a kind, no teams, no access file")
    command.add_argument("--company-currency", default="USD",
                         help="the HubSpot portal's company currency (default USD)")
    command.add_argument("--portal-time-zone", default="America/New_York",
                         help="the HubSpot portal's time zone (default America/New_York)")
    command.add_argument("--networks", default="facebook,google,linkedin",
                         help="the ad networks the portal connects, comma-separated (default "
                              "all three); the others are left unconfigured")
    command.add_argument("--corrupt", default="", metavar="KINDS",
                         help="corrupt vendor data, comma-separated, or all: negative_spend, "
                              "duplicate_row, out_of_window, unknown_currency, "
                              "invalid_time_zone, hostile_names (default none)")


def _world(args: argparse.Namespace, size):
    from simulator.corrupt import CORRUPTIONS
    from simulator.world import World

    corrupt = [k.strip().lower() for k in args.corrupt.split(",") if k.strip()]
    try:
        return World.generate(size, args.seed, getattr(args, "end_date", None),
                              company_currency=args.company_currency.upper(),
                              portal_time_zone=args.portal_time_zone, sparse=args.sparse,
                              corrupt=CORRUPTIONS if corrupt == ["all"] else corrupt)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _networks(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(n.strip().lower() for n in args.networks.split(",") if n.strip())


def _add_target(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--target", choices=ENGINES, default=None,
        help=f"the engine that builds the models (default: ${ENGINE_ENV} or duckdb). With "
             "spark, the sources land as Parquet, Spark builds beside the warehouse file, and "
             "the file holds views over Spark's tables for every reader")


def cmd_demo(args: argparse.Namespace) -> int:
    from simulator.apis import simulator_server
    from simulator.config import apply_environment, source_settings

    started = time.monotonic()
    print(f"Generating the simulated advertiser (size {args.size.upper()}, seed {args.seed}) ...")
    world = _world(args, args.size)
    with simulator_server(world) as server:
        print(f"Simulator serving Facebook, Google, LinkedIn and HubSpot APIs at {server.base_url}")
        try:
            sources = source_settings(server, networks=_networks(args))
        except ValueError as exc:
            raise CliError(str(exc)) from None
        # (the sources' dlt configuration, which dlt reads from the environment)
        apply_environment(sources)
        _run_main_job(args.settings)
    _print_overview(args.settings.warehouse)
    print(f"Done in {time.monotonic() - started:.0f} s.")
    return 0


def _check_writable(folder: Path) -> None:
    """Refuse, in one line, a command that would write beside a warehouse in a folder it cannot
    write (before anything starts, rather than a traceback halfway)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".ads-analytics-write-check-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise CliError(f"the warehouse's folder {folder} cannot be written "
                       f"({exc.strerror or exc}): choose another with --warehouse or "
                       f"${WAREHOUSE_ENV}") from None


def cmd_run(args: argparse.Namespace) -> int:
    _check_connections(args.settings)
    _run_main_job(args.settings)
    _print_overview(args.settings.warehouse)
    return 0


def _check_connections(settings: Settings) -> None:
    """Say which sources the configuration connects, and refuse a run that could build nothing:
    no source connected, or ad networks without the HubSpot portal whose settings (company
    currency, time zone) the marts need and no override of them."""
    from ingestion.common.connection import InvalidConfiguration
    from ingestion.registry import SOURCE_NAMES, connection

    states, unusable = [], []
    try:
        for name in SOURCE_NAMES:
            try:
                states.append(connection(name))
            except InvalidConfiguration as exc:
                # a setting that is there but cannot be used fails that source's step only
                unusable.append(str(exc))
        for state in states:
            state.require_complete()
        forced = settings.portal_overrides
    except ValueError as exc:  # a source configured by halves, or an override unusable
        raise CliError(str(exc)) from None
    connected = [state.name for state in states if state.connected]
    if unusable and not connected:
        raise CliError("; ".join(unusable))
    for text in unusable:
        print(f"ads-analytics: warning: {text}: that source's step fails, the others load",
              file=sys.stderr, flush=True)
    if not connected:
        raise CliError("no source is connected: configure HubSpot and the ad networks you use "
                       "(sources.<name>.access_token and account ids in .dlt/secrets.toml, or "
                       "SOURCES__<NAME>__... variables; see docs/configuration.md)")
    hubspot = "hubspot" in connected or any(text.startswith("hubspot:") for text in unusable)
    if not hubspot and not {"company_currency", "time_zone"} <= forced.keys():
        raise CliError("hubspot is not connected: the company currency and the time zone come "
                       "from the HubSpot portal; connect it, or set "
                       "ADS_ANALYTICS_COMPANY_CURRENCY and ADS_ANALYTICS_PORTAL_TIME_ZONE")


def _run_main_job(settings: Settings) -> None:
    from core.publishing import WarehouseBusy
    from orchestration.definitions import build_definitions
    from orchestration.jobs import instance, run_main_job
    from orchestration.read_side import EngineMismatchError

    print(f"Running the main job into {settings.warehouse}")
    try:
        result = run_main_job(build_definitions(settings), instance(settings),
                              show_progress=True)
    except (EngineMismatchError, WarehouseBusy) as exc:
        raise CliError(str(exc)) from None
    for line in result.summary_lines():
        print(line)
    if not result.success:
        raise CliError(result.failure_message())


def _print_overview(warehouse: Path) -> None:
    from reporting.overview import overview, render
    from reporting.publish import reports_dir

    print(render(overview(warehouse)))
    print(f"Warehouse: {warehouse}  (marts in schema `marts`; open it read-only with duckdb)")
    summary = reports_dir(warehouse) / "summary.md"
    if summary.exists():
        print(f"Reports of the last 30 loaded days: {summary.parent}; more with "
              "`ads-analytics report campaigns --help` and `ads-analytics summary`")


def cmd_backfill(args: argparse.Namespace) -> int:
    from orchestration.backfill import run_backfill
    from orchestration.definitions import build_definitions
    from orchestration.jobs import instance, run_job

    if args.chunk_days < 1:
        raise CliError(f"--chunk-days must be at least 1, got {args.chunk_days}")
    settings = args.settings
    print(f"Backfilling {args.start}..{args.end} into {settings.warehouse}")
    defs = build_definitions(settings)
    dagster = instance(settings)
    try:
        outcome = run_backfill(args.start, args.end, args.chunk_days, settings,
                               lambda name, tags: run_job(name, defs, dagster,
                                                          show_progress=True, tags=tags))
    except (RuntimeError, ValueError) as exc:
        raise CliError(str(exc)) from None
    build = outcome.transform
    for line in build.summary_lines():
        print(line)
    if not build.success:
        raise CliError(build.failure_message())
    print(f"Backfilled {len(outcome.chunks)} chunks ({len(outcome.skipped)} already loaded).")
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    from orchestration.quarantine import in_quarantine, quarantine, restore

    warehouse = args.settings.warehouse
    if args.list:
        held = in_quarantine(warehouse)
        for moved in held:
            print(moved.describe())
        print(f"{sum(m.rows for m in held)} rows in quarantine.")
        return 0
    try:
        with _holding(warehouse):
            if args.restore:
                moved = restore(warehouse, args.reason)
            else:
                moved = quarantine(warehouse, args.rules, dry_run=args.dry_run)
    except (ValueError, RuntimeError, OSError) as exc:
        raise CliError(str(exc)) from None
    verb = ("would move" if args.dry_run else "restored" if args.restore
            else "moved to quarantine")
    for item in moved:
        print(f"{verb}: {item.describe()}")
    if not moved:
        print("Nothing to move." if not args.restore else "Nothing to restore.")
        return 0
    if args.dry_run:
        return 0
    return _rebuild(args.settings)


def cmd_repair(args: argparse.Namespace) -> int:
    from orchestration.quarantine import set_aside

    if args.start > args.end:
        raise CliError(f"--start {args.start} is after --end {args.end}")
    warehouse = args.settings.warehouse
    with _holding(warehouse):
        try:
            moved = set_aside(warehouse, args.source, args.start, args.end, args.accounts)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        for item in moved:
            print(f"set aside: {item.describe()}")
        print(f"Loading {args.source} for {args.start}..{args.end} again ...", flush=True)
        error = _load_one_source(args.settings, args.source, args.start, args.end)
    if error:
        raise CliError(f"{error}; the rows set aside are in quarantine: put them back with "
                       f"`ads-analytics quarantine --restore --reason "
                       f"'repaired {args.start}..{args.end}'`")
    return _rebuild(args.settings)


def _holding(warehouse: Path):
    """The warehouse's run lock, saying so when a run holds it first."""
    from core.locking import warehouse_lock

    return warehouse_lock(warehouse, on_wait=lambda: print(
        f"A run is writing {warehouse}; waiting for it to finish ...", flush=True))


def _load_one_source(settings: Settings, source: str, start: dt.date,
                     end: dt.date) -> str | None:
    """Load `source`'s days [start, end] as configured into the warehouse's build; the failure
    in one line, or None."""
    import functools

    from core.publishing import prepare_build
    from ingestion.common.pipeline import LoadFailed, load_one_source, make_pipeline
    from ingestion.registry import source_factory
    from orchestration.assets.ingestion import window_arguments
    from orchestration.engines import engine_for

    prepare_build(settings.warehouse)
    pipeline = make_pipeline(source, settings.warehouse, database=settings.layout.build,
                             raw_parquet=engine_for(settings).raw_parquet,
                             memory_limit=settings.load_memory_limit)
    factory = functools.partial(source_factory(source),
                                **window_arguments(source, start, end, settings.time_zone))
    try:
        load_one_source(source, factory, pipeline)
    except LoadFailed as exc:
        return str(exc)
    return None


def _rebuild(settings: Settings) -> int:
    """Rebuild every model from scratch (rows left raw, which incremental models would not
    see) and publish, as a run does."""
    from orchestration.definitions import FULL_REFRESH_TAG, TRANSFORM_JOB, build_definitions
    from orchestration.jobs import instance, run_job

    print("Rebuilding the marts from scratch ...", flush=True)
    outcome = run_job(TRANSFORM_JOB, build_definitions(settings), instance(settings),
                      show_progress=True, tags={FULL_REFRESH_TAG: "true"})
    for line in outcome.summary_lines():
        print(line)
    if not outcome.success:
        raise CliError(outcome.failure_message())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from expectations.runner import SuiteError, run_suites
    from expectations.suites import SUITES

    warehouse = args.settings.warehouse
    if not warehouse.exists():
        raise CliError(f"no warehouse at {warehouse}: run `ads-analytics run` (or demo) first")
    # a suite by its check's name, as Dagster shows it (gx_spend), or by its own (spend)
    names = [suite.check_name for suite in SUITES]
    known = set(names) | {suite.name for suite in SUITES}
    unknown = sorted(set(args.suites or []) - known)
    if unknown:
        raise CliError(f"unknown check {', '.join(unknown)}; the checks are {', '.join(names)}")
    chosen = [suite for suite in SUITES
              if not args.suites or {suite.name, suite.check_name} & set(args.suites)]
    try:
        results, docs = run_suites(chosen, warehouse)
    except SuiteError as exc:
        raise CliError(str(exc).splitlines()[0]) from None
    blocking_failures = []
    for suite, result in results:
        status = "PASS" if result.success else ("FAIL" if suite.blocking else "WARN")
        print(f"{status} {suite.check_name}: {result.describe()}")
        if not result.success and suite.blocking:
            blocking_failures.append(suite.check_name)
    print(f"Data Docs: {docs}")
    if blocking_failures:
        raise CliError(f"blocking checks failed: {', '.join(blocking_failures)}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_simulator_serve(args: argparse.Namespace) -> int:
    from simulator.apis import simulator_server
    from simulator.config import source_settings
    from simulator.truth import write_truth
    from simulator.world import size_spec, with_history

    size = size_spec(args.size)
    if args.days is not None:
        size = with_history(size, args.days)
    world = _world(args, size)
    server = simulator_server(world, port=args.port)
    server.replay = args.replay
    print("Indexing the world for each API ...", flush=True)
    server.warm()
    if args.truth_dir:
        for path in write_truth(world, args.truth_dir):
            print(f"truth: {path}")
    print(f"Simulator (size {world.size.name}, seed {world.seed}, "
          f"{world.start_date}..{world.end_date}) at {server.base_url}")
    print("Point the sources at it with:")
    try:
        settings = source_settings(server, networks=_networks(args))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for key, value in sorted(settings.items()):
        print(f"  export {key}='{value}'")
    print("Serving; press Ctrl-C to stop.", flush=True)
    # A service manager (or a test) stops it with SIGTERM: stop the same way as Ctrl-C, even if
    # the process inherited SIGTERM ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from reporting.dashboard import run

    warehouse = args.settings.warehouse
    if not warehouse.exists():
        raise CliError(f"no warehouse at {warehouse}: run `ads-analytics run` (or demo) first")
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop also stops the page
    return run(warehouse, args.port, today=args.today, headless=not args.open_browser,
               users=args.users, no_auth=args.no_auth)


def cmd_dev(args: argparse.Namespace) -> int:
    from orchestration.jobs import dagster_home
    from orchestration.read_side import EngineMismatchError, check_engine

    settings = args.settings
    try:
        check_engine(settings.warehouse, settings.engine)
    except EngineMismatchError as exc:
        raise CliError(str(exc)) from None
    dagster_home(settings)
    # the code location reads these settings back from its environment
    env = {**os.environ, **settings.environment()}
    command = dev_command(args)
    os.execve(command[0], command, env)
    return 0


def dev_command(args: argparse.Namespace) -> list[str]:
    """The `dagster dev` command line `ads-analytics dev` runs: this project's definitions, the
    port asked for, and whatever came after `--`."""
    dagster = Path(sys.executable).parent / "dagster"
    extra = list(args.dagster_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    port = ["--port", str(args.port)] if args.port is not None else []
    return [str(dagster), "dev", "-m", "orchestration.definitions",
            "--working-directory", str(REPO_ROOT), *port, *extra]


if __name__ == "__main__":
    raise SystemExit(main())
