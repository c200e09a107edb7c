"""`python -m reporting.dashboard [--warehouse FILE] [--port 8501] [--today YYYY-MM-DD]`: the
dashboard on http://127.0.0.1:PORT until Ctrl-C."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from orchestration.paths import warehouse_path
from reporting.dashboard import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting.dashboard",
                                     description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--warehouse", type=Path, help="the DuckDB file (default: "
                        "ADS_ANALYTICS_WAREHOUSE or data/warehouse.duckdb)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--today", type=dt.date.fromisoformat,
                        help="the day date presets count from (default: today, portal zone)")
    parser.add_argument("--open-browser", action="store_true", help="open a browser tab")
    args = parser.parse_args(argv)
    return run(args.warehouse or warehouse_path(), args.port, today=args.today,
               headless=not args.open_browser)


if __name__ == "__main__":
    raise SystemExit(main())
