"""One JSON page of records straight to Arrow, without a Python object per value.

A large backfill is millions of rows in pages of a few thousand. Decoding each page into dicts
and rebuilding columns from them costs about 12 µs a row; Arrow's JSON reader parses the page
against the documented schema in C++ (and outside the GIL) in about 2 µs. The result is the same
table `to_table` builds from the decoded records: nested objects flattened to `parent__child`
columns, lists kept whole as JSON text, documented fields in their documented types, new fields
as new columns.

Arrow infers the type of a field nobody declared, and some inferences do not round-trip: a string
that looks like a date becomes a timestamp, a large integer a double. A page where that happens,
or where a field changes type between records, is decoded the exact way instead (`to_table`), so
the fast path never changes a value; it only makes the common case cheap.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from ingestion.common.arrow import to_table

log = logging.getLogger(__name__)

SEP = "__"


@dataclass(frozen=True)
class PageShape:
    """The documented shape of a page: which top-level field holds the records, and the type of
    each record field by its flattened name (`dateRange__start__year`). A field that is a list
    is given its Arrow list type; it lands as JSON text, as `to_table` keeps lists."""

    records: str
    fields: Mapping[str, pa.DataType]

    @cached_property
    def schema(self) -> pa.Schema:
        """The envelope as Arrow's JSON reader wants it: the records as a list of structs."""
        return pa.schema([pa.field(self.records, pa.list_(_struct(self.fields)))])

    @cached_property
    def column_types(self) -> dict[str, pa.DataType]:
        """Each documented column as it lands: lists as text."""
        return {name: pa.string() if _is_list(kind) else kind
                for name, kind in self.fields.items()}


@dataclass
class Page:
    """The records of one page as an Arrow table, and the rest of the body (paging, totals)."""

    records: pa.Table
    envelope: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.records.num_rows


class NotFaithful(ValueError):
    """Arrow's reading of this page would not be the values as delivered."""


def parse_page(body: bytes, shape: PageShape) -> Page:
    """A page body as Arrow. Raises ValueError (as `orjson` does) only when it is not JSON."""
    try:
        page = _read_arrow(body, shape)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, NotFaithful) as exc:
        log.debug("page decoded the exact way: %s", exc)
        page = _read_exact(body, shape)
    page.records = _with_documented_columns(page.records, shape.column_types)
    return page


def concat_pages(tables: Iterable[pa.Table], max_rows: int) -> Iterator[pa.Table]:
    """Join consecutive page tables into tables of about `max_rows` rows (never splitting one),
    so dlt gets few large items. Pages whose columns cannot be unified travel on their own."""
    batch: list[pa.Table] = []
    rows = 0
    for table in tables:
        if not table.num_rows:
            continue
        batch.append(table)
        rows += table.num_rows
        if rows >= max_rows:
            yield from _concat(batch)
            batch, rows = [], 0
    if batch:
        yield from _concat(batch)


def _concat(tables: list[pa.Table]) -> list[pa.Table]:
    if len(tables) == 1:
        return tables
    try:
        return [pa.concat_tables(tables, promote_options="permissive").combine_chunks()]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return tables


# -- the fast path ------------------------------------------------------------------------------
def _read_arrow(body: bytes, shape: PageShape) -> Page:
    options = pa_json.ParseOptions(explicit_schema=shape.schema, unexpected_field_behavior="infer")
    # One block holding the whole body: a page is one JSON document.
    read = pa_json.ReadOptions(block_size=max(len(body) + 1, 1 << 16), use_threads=False)
    document = pa_json.read_json(io.BytesIO(body), read_options=read, parse_options=options)
    if document.num_rows != 1:
        raise NotFaithful(f"a page is one JSON object, this body holds {document.num_rows}")
    envelope = {}
    for name in document.column_names:
        if name == shape.records:
            continue
        column = document.column(name)
        if not _round_trips(column.type):
            raise NotFaithful(f"envelope field {name!r} read as {column.type}")
        envelope[name] = column[0].as_py()
    records = document.column(shape.records).combine_chunks()
    if records.null_count:
        return Page(pa.table({}), envelope)
    structs = records.flatten()
    columns: dict[str, pa.Array] = {}
    _flatten(structs, "", shape.fields, columns)
    table = pa.Table.from_arrays(list(columns.values()), names=list(columns)) if columns \
        else pa.table({})
    return Page(table, envelope)


def _flatten(array: pa.StructArray, prefix: str, known: Mapping[str, pa.DataType],
             out: dict[str, pa.Array]) -> None:
    for index, child in enumerate(array.type):
        name = f"{prefix}{SEP}{child.name}" if prefix else child.name
        values = array.field(index)
        if array.null_count:  # a null parent means null children
            values = pc.if_else(array.is_valid(), values, pa.nulls(len(values), values.type))
        if pa.types.is_struct(child.type) and name not in known:
            _flatten(values, name, known, out)
        elif name in known:
            out[name] = _as_text(values) if _is_list(child.type) else values
        elif not _round_trips(child.type):
            raise NotFaithful(f"field {name!r} read as {child.type}")
        elif _is_list(child.type):
            out[name] = _as_text(values)
        else:
            out[name] = values


def _round_trips(kind: pa.DataType) -> bool:
    """Whether an inferred type holds the delivered JSON values unchanged."""
    if pa.types.is_struct(kind):
        return all(_round_trips(child.type) for child in kind)
    if _is_list(kind):
        return _round_trips(kind.value_type)
    return (pa.types.is_string(kind) or pa.types.is_int64(kind) or pa.types.is_boolean(kind)
            or pa.types.is_null(kind))


_local = threading.local()


def _as_text(values: pa.Array) -> pa.Array:
    """List values as compact JSON text, as `orjson.dumps` writes them."""
    con = getattr(_local, "duckdb", None)
    if con is None:
        con = _local.duckdb = duckdb.connect(config={"threads": 1})
    con.register("page_values", pa.table({"v": values}))
    try:
        text = con.sql("select to_json(v)::varchar as v from page_values").to_arrow_table()
    finally:
        con.unregister("page_values")
    return text.column("v").combine_chunks()


# -- the exact path -----------------------------------------------------------------------------
def _read_exact(body: bytes, shape: PageShape) -> Page:
    document = orjson.loads(body)
    if not isinstance(document, dict):
        raise ValueError(f"a page must be a JSON object, got {type(document).__name__}")
    records = document.get(shape.records) or []
    envelope = {k: v for k, v in document.items() if k != shape.records}
    return Page(to_table(records, known=shape.column_types), envelope)


def _with_documented_columns(table: pa.Table, types: Mapping[str, pa.DataType]) -> pa.Table:
    """Every documented column present (typed nulls when a page lacks it), so each table of one
    resource has the same documented columns whichever way its page was read."""
    for name, kind in types.items():
        if name not in table.column_names:
            table = table.append_column(pa.field(name, kind), pa.nulls(table.num_rows, kind))
    return table


def _is_list(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind)


def _struct(fields: Mapping[str, pa.DataType]) -> pa.StructType:
    """Flattened names back to nested structs: `a__b` of type T is a: struct<b: T>."""
    tree: dict[str, Any] = {}
    for name, kind in fields.items():
        node = tree
        *parents, leaf = name.split(SEP)
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"field {name!r} nests under a scalar field")
        node[leaf] = kind
    return _to_struct(tree)


def _to_struct(tree: dict[str, Any]) -> pa.StructType:
    return pa.struct([pa.field(name, _to_struct(node) if isinstance(node, dict) else node)
                      for name, node in tree.items()])
