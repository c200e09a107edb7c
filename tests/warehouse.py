"""Reading a test warehouse: a raw table as a DataFrame, and its column types."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def raw_table(warehouse: Path, schema: str, name: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"select * from {schema}.{name}").df()


def raw_column_types(warehouse: Path, schema: str, name: str) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"describe {schema}.{name}").fetchall()
    return {row[0]: row[1] for row in rows}
