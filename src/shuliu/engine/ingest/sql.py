"""A table or query from a SQL database (any SQLAlchemy URL) → Parquet, streamed in batches."""

from __future__ import annotations

import datetime as dtm
import decimal
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError

from shuliu.engine.core import DataEngine
from shuliu.engine.ingest import ConvertResult, IngestOptions, Progress
from shuliu.engine.ingest.finish import PART, finalize
from shuliu.errors import IngestError, SourceUnavailable, ValidationFailed

BATCH = 50_000


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and the catalog."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _arrow_type_for_sql(col_type: sa.types.TypeEngine[Any]) -> pa.DataType | None:
    try:
        py = col_type.python_type
    except NotImplementedError:
        return None
    if py is bool:
        return pa.bool_()
    if py is int:
        return pa.int64()
    if py is float:
        return pa.float64()
    if py is decimal.Decimal:
        scale = getattr(col_type, "scale", None)
        precision = getattr(col_type, "precision", None)
        if precision and precision <= 38:
            return pa.decimal128(precision, scale or 0)
        return pa.decimal128(38, scale if scale is not None else 10)
    if py is dtm.datetime:
        return pa.timestamp("us")
    if py is dtm.date:
        return pa.date32()
    if py is dtm.time:
        return pa.time64("us")
    if py is bytes:
        return pa.binary()
    if py is str:
        return pa.string()
    return None


def _arrow_type_for_values(values: list[Any]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if not present:
        return pa.string()
    kinds = {type(v) for v in present}
    if kinds <= {bool}:
        return pa.bool_()
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds <= {decimal.Decimal, int}:
        return pa.decimal128(38, 10)
    if kinds <= {dtm.datetime}:
        return pa.timestamp("us")
    if kinds <= {dtm.date}:
        return pa.date32()
    if kinds <= {bytes, bytearray, memoryview}:
        return pa.binary()
    return pa.string()


def _to_array(name: str, values: list[Any], typ: pa.DataType, first_row: int) -> pa.Array:
    if pa.types.is_string(typ):
        values = [None if v is None else (v if isinstance(v, str) else _text(v)) for v in values]
    try:
        return pa.array(values, type=typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        for offset, v in enumerate(values):
            try:
                pa.array([v], type=typ)
            except Exception:
                raise IngestError(
                    "column {column!r}: row {row} holds {value_repr}, which does not fit {arrow_type}",
                    column=name,
                    row=first_row + offset,
                    value_repr=repr(v),
                    arrow_type=str(typ),
                ) from exc
        raise IngestError("column {column!r}: {reason}", column=name, reason=str(exc)) from exc


def _text(v: Any) -> str:
    if isinstance(v, dtm.datetime | dtm.date):
        return v.isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    return str(v)


def convert_sql(
    url: str, staging: Path, options: IngestOptions, *, engine: DataEngine, progress: Progress
) -> ConvertResult:
    if bool(options.sql_table) == bool(options.sql_query):
        raise ValidationFailed("give either a table or a query for a SQL source", field="sql_table")
    shown = safe_url(url)
    try:
        source = sa.create_engine(url, poolclass=sa.pool.NullPool)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise SourceUnavailable(
            "{source}: not a usable SQLAlchemy URL ({reason})", source=shown, reason=str(exc)
        ) from exc
    raw = staging / "raw.parquet"
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        with source.connect() as conn:
            if source.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            types: list[pa.DataType | None]
            if options.sql_table:
                schema, _, name = options.sql_table.rpartition(".")
                table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
                stmt: Any = sa.select(table)
                types = [_arrow_type_for_sql(c.type) for c in table.columns]
            else:
                stmt = sa.text(options.sql_query or "")
                types = []
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
            names = list(result.keys())
            if len(set(names)) != len(names):
                dup = next(n for n in names if names.count(n) > 1)
                raise IngestError("{source}: the query returns two columns named {column!r}", column=dup, source=shown)
            if not types:
                types = [None] * len(names)
            for batch in result.partitions(BATCH):
                columns = list(zip(*batch, strict=True)) if batch else [() for _ in names]
                if writer is None:
                    types = [t or _arrow_type_for_values(list(col)) for t, col in zip(types, columns, strict=True)]
                    schema_pa = pa.schema([pa.field(n, t) for n, t in zip(names, types, strict=True)])
                    writer = pq.ParquetWriter(str(raw), schema_pa, compression="zstd")
                arrays = [_to_array(n, list(col), t, rows + 1) for n, col, t in zip(names, columns, types, strict=True)]
                writer.write_table(pa.Table.from_arrays(arrays, names=names))
                rows += len(batch)
                progress(min(0.85, 0.05 + rows / (rows + 10 * BATCH)), f"{rows:,} rows")
            if writer is None:
                schema_pa = pa.schema([pa.field(n, t or pa.string()) for n, t in zip(names, types, strict=True)])
                writer = pq.ParquetWriter(str(raw), schema_pa, compression="zstd")
            conn.rollback()
    except NoSuchTableError as exc:
        raise SourceUnavailable("{source}: no table {table!r}", source=shown, table=options.sql_table) from exc
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise SourceUnavailable("{source}: {reason}", source=shown, reason=detail) from exc
    finally:
        if writer is not None:
            writer.close()
        source.dispose()
    rows_out, cols, _ = finalize(engine, staging, raw, file=shown, casts=options.column_types)
    assert (staging / PART).exists()
    report: dict[str, Any] = {"source": shown, "table": options.sql_table, "query": options.sql_query, "warnings": []}
    return ConvertResult(rows=rows_out, columns=cols, report=report)
