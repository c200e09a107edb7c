"""`ads-analytics report ...` and `ads-analytics summary`: the report API on the command line.

    ads-analytics report overview  --range last_30_days --network google
    ads-analytics report campaigns --level ad_group --sort cost_per_contact --format csv
    ads-analytics report campaigns --level ad --campaign 120210000000001   (its ads)
    ads-analytics report analyze high_cpc_campaigns --user 7000100
    ads-analytics report analyze spend_over_time --by network --grain week
    ads-analytics report stages    (contacts and cost per contact in each lifecycle stage)
    ads-analytics report goals
    ads-analytics report metrics   (what every column means)
    ads-analytics report extract --user 7000100 -o team.duckdb   (their accounts only)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from reporting.catalog import (
    ANALYZE_ATTRIBUTION,
    ANALYZE_REPORTS,
    ANALYZE_SPLITS,
    ATTRIBUTIONS,
    MAX_ROWS,
    METRICS,
    NETWORKS,
    ROI_SETTINGS,
    STATUSES,
    TABLE_LEVELS,
    TIME_GRAINS,
)
from reporting.dates import PRESETS, WEEK_STARTS
from reporting.errors import ReportError
from reporting.files import output_target, write_atomically
from reporting.output import FORMATS
from reporting.settings import SETTINGS_FILE


def _listed(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also take comma-separated lists."""
    return tuple(part.strip() for value in values or [] for part in value.split(",")
                 if part.strip())


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (docs/data-contract.md, Filters and reports)")
    group.add_argument("--range", dest="date_preset", metavar="PRESET",
                       help=f"date preset: {', '.join(PRESETS)} (default: the 30 days before "
                            "today)")
    group.add_argument("--start", help="first day, YYYY-MM-DD (portal time zone)")
    group.add_argument("--end", help="last day, YYYY-MM-DD")
    group.add_argument("--account", action="append", metavar="ID",
                       help="ad account id or network:id (repeatable, or comma-separated)")
    group.add_argument("--network", action="append", help=", ".join(NETWORKS))
    group.add_argument("--status", action="append",
                       help=f"{', '.join(STATUSES)} (deleted shows Facebook's deleted campaigns)")
    group.add_argument("--include-deleted", action="store_true",
                       help="include the deleted Facebook campaigns, which HubSpot (and these "
                            "reports by default) hide; their spend is in the marts either way")
    group.add_argument("--model", dest="attribution", metavar="MODEL",
                       help=f"attribution report or model: {', '.join(ATTRIBUTIONS)}")
    group.add_argument("--user", help="only the ad accounts this HubSpot user may see")
    group.add_argument("--team", help="only the ad accounts this HubSpot team may see")
    group.add_argument("--roi", dest="roi_setting", default="deals",
                       help=f"ROI setting: {', '.join(ROI_SETTINGS)} (default deals)")
    group.add_argument("--average-sale-price", type=float, metavar="AMOUNT",
                       help="ROI input of --roi estimate, in the company currency (default: "
                            f"[roi] in {SETTINGS_FILE} beside the warehouse, else the dbt vars)")
    group.add_argument("--contact-to-customer-rate", type=float, metavar="RATE",
                       help="ROI input of --roi estimate, 0 to 1 (default: as above)")
    group.add_argument("--today", type=dt.date.fromisoformat, default=None,
                       help="the day presets count from (default: today in the portal zone)")
    group.add_argument("--week-start", default="monday", help=", ".join(WEEK_STARTS))


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", default="table", help=", ".join(FORMATS))
    parser.add_argument("-o", "--output", type=Path, help="write to this file")


def filters_of(args: argparse.Namespace):
    from reporting.reports import Filters

    return Filters(
        accounts=_listed(args.account), date_preset=args.date_preset, start=args.start,
        end=args.end, statuses=_listed(args.status), attribution=args.attribution,
        networks=_listed(args.network), user=args.user, team=args.team,
        roi_setting=args.roi_setting, include_deleted=args.include_deleted,
        campaigns=_listed(getattr(args, "campaign", None)),
        ad_groups=_listed(getattr(args, "ad_group", None)),
    )


def open_reports(args: argparse.Namespace, warehouse: Path):
    """The reports over `warehouse` with the options' day, week start and ROI inputs."""
    from reporting.reports import Reports

    return Reports.open(warehouse, today=args.today, week_start=args.week_start,
                        average_sale_price=args.average_sale_price,
                        contact_to_customer_rate=args.contact_to_customer_rate)


def add_commands(commands: argparse._SubParsersAction,
                 warehouse: Callable[[argparse.Namespace], Path]) -> None:
    report = commands.add_parser(
        "report", help="reports over the marts: overview, campaigns, analyze, stages, goals",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    reports = report.add_subparsers(dest="report", required=True)

    overview = reports.add_parser("overview", help="impressions, clicks, contacts, deals, "
                                                   "spend, ROI")
    campaigns = reports.add_parser("campaigns", help="the campaign table at any level")
    campaigns.add_argument("--level", default="campaign", help=", ".join(TABLE_LEVELS))
    campaigns.add_argument("--columns", action="append", metavar="METRIC",
                           help="metrics to show, in order (see `report metrics`)")
    campaigns.add_argument("--sort", help="a metric or label column (default: by key)")
    campaigns.add_argument("--ascending", action="store_true", help="lowest first")
    campaigns.add_argument("--limit", type=int, help=f"at most this many rows (1 to {MAX_ROWS:,})")
    campaigns.add_argument("--campaign", action="append", metavar="ID",
                           help="drill down: only this campaign's rows (its ad groups, ads or "
                                "keywords at those levels); id or network:id, repeatable")
    campaigns.add_argument("--ad-group", action="append", metavar="ID",
                           help="drill down: only this ad group's rows (levels ad_group, ad, "
                                "keyword); id or network:id, repeatable")
    analyze = reports.add_parser("analyze", help="one of the analyze reports "
                                                 f"(default model {ANALYZE_ATTRIBUTION})")
    analyze.add_argument("name", help=", ".join(ANALYZE_REPORTS))
    analyze.add_argument("--grain", default="day", help=", ".join(TIME_GRAINS))
    analyze.add_argument("--limit", type=int, default=10,
                         help=f"campaigns in a ranking (default 10, at most {MAX_ROWS:,})")
    analyze.add_argument("--by", metavar="SPLIT",
                         help=f"one series per {', '.join(ANALYZE_SPLITS)}, as HubSpot's "
                              "Analyze charts")
    stages = reports.add_parser("stages", help="contacts and cost per contact in each "
                                               "lifecycle stage")
    goals = reports.add_parser(
        "goals", help="goal progress (--user/--team: the goals that user or team owns)",
        description="Each goal's progress: target, actual, percent, expected by today, pace "
                    "and status. --user or --team shows the goals that HubSpot user or team "
                    "owns; the other filters, the goals whose campaigns they leave visible. "
                    "Manage goals with `ads-analytics goals`.")
    for parser in (overview, campaigns, analyze, stages, goals):
        add_filter_arguments(parser)
        add_output_arguments(parser)
        parser.set_defaults(handler=lambda args: run_report(args, warehouse(args)))
    extract = reports.add_parser(
        "extract", help="a DuckDB file with only the marts' rows of the ad accounts a user or "
                        "team may see, for a BI tool (docs/reports.md)")
    extract.add_argument("--user", help="the HubSpot user whose ad accounts it holds")
    extract.add_argument("--team", help="the HubSpot team whose ad accounts it holds")
    extract.add_argument("-o", "--output", type=Path, required=True,
                         help="the DuckDB file to write (replaced whole)")
    extract.set_defaults(handler=lambda args: run_extract(args, warehouse(args)))
    metrics = reports.add_parser("metrics", help="what every report column means")
    metrics.set_defaults(handler=lambda args: print_metrics())

    summary = commands.add_parser("summary", help="a narrative of the period in Markdown")
    add_filter_arguments(summary)
    summary.add_argument("-o", "--output", type=Path, help="write the Markdown to this file")
    summary.set_defaults(handler=lambda args: run_summary(args, warehouse(args)))


def add_dashboard_arguments(dashboard: argparse.ArgumentParser,
                            warehouse: Callable[[argparse.Namespace], Path]) -> None:
    """Who may sign in to `ads-analytics dashboard`, and `dashboard add-user`."""
    dashboard.add_argument("--users", type=Path, metavar="FILE",
                           help="the dashboard's users (default: $ADS_ANALYTICS_DASHBOARD_USERS "
                                "or dashboard_users.toml beside the warehouse)")
    dashboard.add_argument("--no-auth", action="store_true",
                           help="no sign-in: anyone who reaches 127.0.0.1 sees every account")
    commands = dashboard.add_subparsers(dest="dashboard_command", metavar="add-user")
    add_user = commands.add_parser(
        "add-user", help="add a user who may sign in (or replace one), asking for a password")
    add_user.add_argument("name", help="the name they sign in with")
    add_user.add_argument("--hubspot-user", required=True, metavar="ID",
                          help="the HubSpot user they are: they see that user's ad accounts")
    add_user.add_argument("--admin", action="store_true",
                          help="may also see every account and any user's or team's view")
    add_user.add_argument("--users", type=Path, metavar="FILE", help="the users file")
    add_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of stdin")
    add_user.set_defaults(handler=lambda args: run_add_user(args, warehouse(args)))


def run_add_user(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.dashboard.users import (
        User,
        check_new_user,
        hash_password,
        save_user,
        users_file,
    )

    password = _new_password(args.password_stdin)
    check_new_user(args.name, args.hubspot_user, password)
    path = output_target(users_file(warehouse, args.users), warehouse,
                         owned=users_file(warehouse))
    user = User(args.name, args.hubspot_user, args.admin, hash_password(password))
    replaced = save_user(path, user)
    admin = ", admin" if user.admin else ""
    print(f"{'Replaced' if replaced else 'Added'} {user.name} (HubSpot user "
          f"{user.hubspot_user}{admin}) in {path}")
    if not user.admin and not _has_accounts(warehouse, user.hubspot_user):
        print(f"Note: HubSpot user {user.hubspot_user} may see no ad account in the warehouse "
              f"yet, so {user.name} sees no numbers until they may")
    return 0


def _new_password(from_stdin: bool) -> str:
    import getpass

    from reporting.dashboard.users import UsersError

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise UsersError("the two passwords differ; nothing was changed")
    return password


def _has_accounts(warehouse: Path, hubspot_user: str) -> bool:
    """Whether the warehouse gives the HubSpot user an ad account (True when it cannot say)."""
    from reporting.reports import Reports, WarehouseUnavailable

    try:
        with Reports.open(warehouse) as reports:
            return hubspot_user in reports.principals("user")
    except WarehouseUnavailable:
        return True


def run_report(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.output import check_format, write

    check_format(args.format, args.output)
    output = output_target(args.output, warehouse) if args.output else None
    filters = filters_of(args)
    with open_reports(args, warehouse) as reports:
        if args.report == "goals":
            # on the goals report, --user and --team choose the goals they own
            if args.user is not None and args.team is not None:
                raise ReportError("--user and --team choose one owner: give one of them")
            owner = (("user", args.user) if args.user is not None
                     else ("team", args.team) if args.team is not None else None)
            frame = reports.goals(replace(filters, user=None, team=None), owner=owner)
        elif args.report == "analyze":
            scope = reports.scope(filters, default_attribution=ANALYZE_ATTRIBUTION)
            frame = reports.analyze(args.name, scope, grain=args.grain, limit=args.limit,
                                    by=args.by)
        else:
            scope = reports.scope(filters)
            if args.report == "overview":
                frame = reports.overview(scope)
            elif args.report == "stages":
                frame = reports.stages(scope)
            else:
                frame = reports.campaign_table(
                    scope, level=args.level, columns=_listed(args.columns) or None,
                    sort=args.sort, descending=not args.ascending, limit=args.limit)
    frame = capped(frame, None if args.format == "parquet" else MAX_ROWS)
    text = write(frame, args.format, output)
    if text is not None:
        print(text, end="")
    else:
        print(f"Wrote {len(frame)} rows to {args.output}")
    return 0


def run_extract(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.extract import extract
    from reporting.reports import Filters

    if (args.user is None) == (args.team is None):
        both = ", not both" if args.user is not None else ""
        raise ReportError(f"an extract is for one user or one team: expected --user ID or "
                          f"--team ID{both}")
    output = output_target(args.output, warehouse)
    done = extract(warehouse, Filters(user=args.user, team=args.team), output)
    accounts = ", ".join(f"{network}:{account}" for network, account in done.accounts)
    print(f"Wrote {len(done.rows)} marts with the rows of {len(done.accounts)} ad accounts "
          f"({accounts}) to {args.output}")
    if done.left_out:
        print(f"Left out, as they cannot be cut by ad account: {', '.join(done.left_out)}")
    return 0


def capped(frame: pd.DataFrame, most: int | None) -> pd.DataFrame:
    """The first `most` rows, saying on stderr when there were more."""
    if most is None or len(frame) <= most:
        return frame
    print(f"ads-analytics: showing the first {most:,} of {len(frame):,} rows; narrow the filters "
          "or use --format parquet -o FILE", file=sys.stderr)
    return frame.head(most)


def print_metrics() -> int:
    width = max(len(name) for name in METRICS)
    for metric in METRICS.values():
        print(f"{metric.name:<{width}}  {metric.kind:<7}  {metric.description}")
    return 0


def run_summary(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.summary import summarise

    output = output_target(args.output, warehouse) if args.output else None
    with open_reports(args, warehouse) as reports:
        text = summarise(reports, filters_of(args))
    if output:
        write_atomically(output, lambda path: path.write_text(text))
        print(f"Wrote the summary to {args.output}")
    else:
        print(text, end="")
    return 0


GOALS_HELP = """Create, change and remove the goals whose progress `report goals` shows.

    ads-analytics goals list
    ads-analytics goals add --name "Q3 search spend" --type spend --target 50000 \\
        --period this_quarter --campaign google --owner team:4200
    ads-analytics goals add --name "Cheap MQLs" --type cost_per_contact_in_stage \\
        --stage marketingqualifiedlead --target 250 --start 2026-07-01 --end 2026-09-30
    ads-analytics goals change q3_search_spend --target 60000
    ads-analytics goals remove q3_search_spend

Goals are kept beside the warehouse (<name>_goals.jsonl); a change is measured and published at
once, without a run (docs/data-contract.md, Goals)."""


def add_goal_commands(commands: argparse._SubParsersAction,
                      warehouse: Callable[[argparse.Namespace], Path]) -> None:
    """`ads-analytics goals list|add|change|remove`."""
    from reporting.goals import GOAL_TYPES, LIFECYCLE_STAGES, PERIOD_PRESETS

    goals = commands.add_parser("goals", help="create, change and remove goals",
                                description=GOALS_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = goals.add_subparsers(dest="goals_command", required=True)
    listed = actions.add_parser("list", help="the goals as defined (their progress: "
                                             "`report goals`)")
    add_output_arguments(listed)
    listed.set_defaults(handler=lambda args: run_goals_list(args, warehouse(args)))
    add = actions.add_parser("add", help="add a goal, measured at once")
    change = actions.add_parser("change", help="change a goal (what is not given is kept)")
    change.add_argument("goal_id", metavar="GOAL_ID")
    remove = actions.add_parser("remove", help="remove a goal")
    remove.add_argument("goal_id", metavar="GOAL_ID")
    for parser, required in ((add, True), (change, False)):
        parser.add_argument("--name", required=required)
        parser.add_argument("--type", dest="goal_type", required=required,
                            help=", ".join(GOAL_TYPES))
        parser.add_argument("--stage", help="the lifecycle stage of a contacts_in_stage or "
                                            f"cost_per_contact_in_stage goal: "
                                            f"{', '.join(LIFECYCLE_STAGES)}")
        # not `target`: the top-level `--target` is the engine (orchestration/cli.py)
        parser.add_argument("--target", dest="goal_target", required=required,
                            help="a count, an amount in the company currency, or a ratio "
                                 "(cost and ROI goals), above 0; a cost is met at or below it")
        parser.add_argument("--period", help=f"{', '.join(PERIOD_PRESETS)} (of the day "
                                              "progress is measured on)")
        parser.add_argument("--start", help="the period's first day, YYYY-MM-DD (portal days)")
        parser.add_argument("--end", help="the period's last day, YYYY-MM-DD")
        parser.add_argument("--campaign", action="append", metavar="NETWORK[:ID]",
                            help="a campaign it covers, or a network for all of its campaigns "
                                 "(repeatable, or comma-separated; default: every campaign)")
        parser.add_argument("--owner", metavar="user:ID|team:ID",
                            help="the HubSpot user or team who owns it")
    add.add_argument("--id", dest="new_id", metavar="GOAL_ID",
                     help="its id (default: made from its name)")
    change.add_argument("--all-campaigns", action="store_true",
                        help="cover every campaign again")
    change.add_argument("--no-owner", action="store_true", help="owned by nobody")
    for parser, handler in ((add, run_goals_add), (change, run_goals_change),
                            (remove, run_goals_remove)):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="the day progress is measured on (default: today in the "
                                 "portal zone)")
        parser.set_defaults(handler=lambda args, run=handler: run(args, warehouse(args)),
                            writes=True)


def _goals_held(warehouse: Path):
    """What the published warehouse holds that a goal may name (campaigns, users, teams)."""
    from reporting.goals import held
    from reporting.reports import Reports

    with Reports.open(warehouse) as reports:
        return held(reports.con)


def _waiting(warehouse: Path) -> Callable[[], None]:
    return lambda: print(f"A run is writing {warehouse}; the goals change waits for it to "
                         "finish ...", flush=True)


def _describe_goal(goal, holding) -> str:
    stage = f" ({goal.lifecycle_stage})" if goal.lifecycle_stage else ""
    owner = ""
    if goal.owner:
        name = holding.owner_name(goal.owner)
        owner = f", owned by {':'.join(goal.owner)}" + (f" ({name})" if name else "")
    return (f"{goal.goal_id}: {goal.name!r}, {goal.goal_type}{stage} target {goal.target:g} "
            f"over {goal.describe_period()}, {goal.describe_campaigns()}{owner}")


def run_goals_list(args: argparse.Namespace, warehouse: Path) -> int:
    from core.layout import WarehouseLayout
    from reporting.goals import current_goals, listing
    from reporting.output import check_format, write
    from reporting.reports import WarehouseUnavailable

    check_format(args.format, args.output)
    output = output_target(args.output, warehouse) if args.output else None
    try:
        holding = _goals_held(warehouse)
    except (WarehouseUnavailable, ReportError):
        holding = None  # names need the warehouse; the goals do not
    frame = listing(current_goals(warehouse), holding)
    if not WarehouseLayout(warehouse).goals.exists():
        print(f"ads-analytics: the project's example goals (dbt_project/seeds): the first change "
              f"keeps them in {WarehouseLayout(warehouse).goals}", file=sys.stderr)
    text = write(frame, args.format, output)
    if text is not None:
        print(text, end="")
    else:
        print(f"Wrote {len(frame)} rows to {args.output}")
    return 0


def run_goals_add(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.goals import adding, check_against, current_goals, define, save

    holding = _goals_held(warehouse)
    goal = define(name=args.name, goal_type=args.goal_type, target=args.goal_target,
                  period=args.period, start=args.start, end=args.end, stage=args.stage,
                  campaigns=_listed(args.campaign), owner=args.owner, goal_id=args.new_id,
                  taken=current_goals(warehouse))
    check_against(goal, holding)
    save(warehouse, adding(goal), as_of=args.today, on_wait=_waiting(warehouse))
    print(f"Added goal {_describe_goal(goal, holding)}. Its progress: `ads-analytics report "
          "goals`")
    return 0


def run_goals_change(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.goals import changed, changing, check_against, find, save

    if args.all_campaigns and args.campaign:
        raise ReportError("--all-campaigns and --campaign contradict each other: choose one")
    if args.no_owner and args.owner:
        raise ReportError("--no-owner and --owner contradict each other: choose one")
    holding = _goals_held(warehouse)
    campaigns = [] if args.all_campaigns else (_listed(args.campaign) or None)

    def change(goal):
        new = changed(goal, name=args.name, goal_type=args.goal_type, target=args.goal_target,
                      period=args.period, start=args.start, end=args.end, stage=args.stage,
                      campaigns=campaigns, owner=args.owner, no_owner=args.no_owner)
        check_against(new, holding)
        return new

    saved = save(warehouse, changing(args.goal_id, change), as_of=args.today,
                 on_wait=_waiting(warehouse))
    print(f"Changed goal {_describe_goal(find(saved, args.goal_id), holding)}.")
    return 0


def run_goals_remove(args: argparse.Namespace, warehouse: Path) -> int:
    from reporting.goals import current_goals, find, removing, save

    goal = find(current_goals(warehouse), args.goal_id)
    save(warehouse, removing(args.goal_id), as_of=args.today, on_wait=_waiting(warehouse))
    print(f"Removed goal {goal.goal_id} ({goal.name!r}).")
    return 0
