"""What publishing a build costs, and what a reader sees meanwhile.

    python -m benchmarks.publishing --gib 0.5 4        synthetic warehouses of those sizes
    python -m benchmarks.publishing --warehouse FILE   a real warehouse (its build is made from it)

A run's last step copies its build over the warehouse readers open (core/publishing.py):
the cost grows with the file, not with what is in it, so a synthetic file of a warehouse's size
(random numbers and text, which DuckDB cannot compress away) measures it as well as the real
one. Meanwhile a reader process opens the warehouse read-only every 100 ms and reads a count;
the benchmark records how long its slowest read took and whether any failed. Results are
appended to `benchmarks/results/publishing.md` with the machine and the file's size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.ingestion import machine
from core.layout import WarehouseLayout
from core.paths import BENCHMARK_RESULTS_DIR
from core.publishing import prepare_build, publish

# A reader in its own process, as a dashboard or a BI tool is: it opens the warehouse
# read-only every 100 ms, runs a query, closes, and writes what it read (or its error) and how
# long it took, a JSON line each. Arguments: warehouse, output file, stop file, query.
READER = """
import json, sys, time
from pathlib import Path
import duckdb
warehouse, out, stop = sys.argv[1], open(sys.argv[2], "w"), Path(sys.argv[3])
while not stop.exists():
    started = time.monotonic()
    try:
        with duckdb.connect(warehouse, read_only=True) as con:
            values = [str(v) for v in con.execute(sys.argv[4]).fetchone()]
        out.write(json.dumps({"values": values,
                              "ms": (time.monotonic() - started) * 1000}) + "\\n")
    except Exception as exc:
        out.write(json.dumps({"error": str(exc)}) + "\\n")
    out.flush()
    time.sleep(0.1)
"""


def synthetic(path: Path, gib: float) -> None:
    """A DuckDB file of about `gib` GiB: rows of random numbers and text."""
    rows = int(gib * 2**30 / 40)  # about 40 bytes a row once stored
    with duckdb.connect(str(path)) as con:
        con.execute(f"""create table filler as
            select i, random() as a, random() as b, md5(cast(i as varchar)) as c
            from range({rows}) as r(i)""")


def measure(warehouse: Path, query: str = "select count(*) from filler") -> dict:
    prepare_build(warehouse)
    folder = warehouse.parent
    out, stop = folder / "reads.jsonl", folder / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(out), str(stop),
                               query])
    time.sleep(1.0)
    started = time.monotonic()
    publication = publish(warehouse)
    seconds = time.monotonic() - started
    time.sleep(1.0)
    stop.touch()
    reader.wait(timeout=60)
    reads = [json.loads(line) for line in out.read_text().splitlines()]
    timed = [r["ms"] for r in reads if "ms" in r]
    return {"size_gib": round(publication.size_bytes / 2**30, 2), "publish_s": round(seconds, 2),
            "gib_per_s": round(publication.size_bytes / 2**30 / seconds, 2),
            "reads": len(reads), "read_errors": len(reads) - len(timed),
            "slowest_read_ms": round(max(timed), 1) if timed else None}


def record(label: str, result: dict) -> None:
    path = BENCHMARK_RESULTS_DIR / "publishing.md"
    with path.with_suffix(".jsonl").open("a") as handle:
        handle.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "label": label,
                                 "machine": machine(), **result}) + "\n")
    if not path.exists():
        path.write_text("# Publishing a build\n\nWritten by `python -m benchmarks.publishing`."
                        "\n")
    with path.open("a") as handle:
        handle.write(
            f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {label} — {machine()}\n\n"
            "| file (GiB) | publish (s) | GiB/s | reads meanwhile | read errors | "
            "slowest read (ms) |\n|---:|---:|---:|---:|---:|---:|\n"
            f"| {result['size_gib']} | {result['publish_s']} | {result['gib_per_s']} | "
            f"{result['reads']} | {result['read_errors']} | {result['slowest_read_ms']} |\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, nargs="+", default=[0.5, 4.0])
    parser.add_argument("--warehouse", type=Path, help="a real warehouse to publish a copy of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.warehouse:
            copy = Path(tmp) / "warehouse.duckdb"
            shutil.copyfile(args.warehouse, copy)
            result = measure(copy, "select sum(spend), count(*) from "
                                   "marts.fct_ad_performance_daily")
            record(f"warehouse {args.warehouse.name}", result)
            print(result)
            return
        for gib in args.gib:
            folder = Path(tmp) / f"{gib}"
            folder.mkdir()
            warehouse = folder / "warehouse.duckdb"
            synthetic(warehouse, gib)
            result = measure(warehouse)
            record(f"synthetic {gib} GiB", result)
            print(result, flush=True)
            WarehouseLayout(warehouse).build.unlink()
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
