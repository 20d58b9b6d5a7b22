"""The last step every reader shares: user type corrections, empty unnamed columns, final file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from shuliu.engine.core import USER_TYPES, ColumnInfo, DataEngine, quote_ident, quote_str
from shuliu.errors import IngestError
from shuliu.i18n import N_

PART = "part-0.parquet"


def check_casts(
    engine: DataEngine, source_sql: str, casts: dict[str, str], *, file: str, line_offset: int | None = None
) -> None:
    """Raise IngestError naming the first row whose value does not fit the requested type."""
    for name, duck_type in casts.items():
        c = quote_ident(name)
        bad = _does_not_fit(c, duck_type)
        rows = engine.sql(
            f"SELECT rn, v FROM (SELECT row_number() OVER () AS rn, {c}::VARCHAR AS v, {bad} AS bad "
            f"FROM {source_sql}) WHERE bad LIMIT 1"
        )
        if rows:
            rn, value = rows[0]
            (total,) = engine.sql(f"SELECT count(*) FROM {source_sql} WHERE {bad}")[0]
            if line_offset is not None:
                template = (
                    N_(
                        "{file}: line {line}, column {column!r} cannot become {column_type}: it holds {value!r}"
                        " (1 value does not fit)"
                    )
                    if total == 1
                    else N_(
                        "{file}: line {line}, column {column!r} cannot become {column_type}: it holds {value!r}"
                        " ({total} values do not fit)"
                    )
                )
            else:
                template = (
                    N_(
                        "{file}: column {column!r} cannot become {column_type}: row {row} holds {value!r}"
                        " (1 value does not fit)"
                    )
                    if total == 1
                    else N_(
                        "{file}: column {column!r} cannot become {column_type}: row {row} holds {value!r}"
                        " ({total} values do not fit)"
                    )
                )
            raise IngestError(
                template,
                file=file,
                column=name,
                row=int(rn),
                value=str(value),
                column_type=_user_type(duck_type),
                total=int(total),
                line=int(rn) + line_offset if line_offset is not None else None,
            )


def _does_not_fit(c: str, duck_type: str) -> str:
    """SQL that is true when a value cannot become `duck_type` without changing.

    DuckDB's casts round (1.5 → 2, 21445.98 → 21446), drop the time of a timestamp and read any
    number as a boolean; a type correction must never change a value silently.
    """
    fails = f"({c} IS NOT NULL AND try_cast({c} AS {duck_type}) IS NULL)"
    if duck_type == "BIGINT":
        return (
            f"({fails} OR (try_cast({c} AS DOUBLE) IS NOT NULL AND try_cast({c} AS DOUBLE) <> try_cast({c} AS BIGINT)))"
        )
    if duck_type == "DATE":
        return (
            f"({fails} OR (try_cast({c} AS TIMESTAMP) IS NOT NULL "
            f"AND try_cast({c} AS TIMESTAMP) <> CAST(try_cast({c} AS DATE) AS TIMESTAMP)))"
        )
    if duck_type == "BOOLEAN":
        return (
            f"({fails} OR ({c} IS NOT NULL AND lower(trim({c}::VARCHAR)) NOT IN "
            "('true', 'false', 't', 'f', '1', '0', 'yes', 'no', 'y', 'n')))"
        )
    return fails


def _user_type(duck_type: str) -> str:
    return next((k for k, v in USER_TYPES.items() if v == duck_type), duck_type)


def finalize(
    engine: DataEngine,
    staging: Path,
    raw: Path,
    *,
    file: str,
    unnamed: Iterable[str] = (),
    casts: dict[str, str] | None = None,
    line_offset: int | None = None,
) -> tuple[int, list[ColumnInfo], list[str]]:
    """Turn `raw` into the version's Parquet file; returns (rows, columns, dropped column names)."""
    casts = {k: USER_TYPES.get(v, v) for k, v in (casts or {}).items()}
    source = f"read_parquet({quote_str(str(raw))})"
    names = [r[0] for r in engine.sql(f"DESCRIBE SELECT * FROM {source}")]
    missing = [k for k in casts if k not in names]
    if missing:
        raise IngestError("{file}: no column named {column!r} to set a type on", file=file, column=missing[0])
    dropped: list[str] = []
    unnamed = [u for u in unnamed if u in names]
    if unnamed:
        counts = engine.sql(f"SELECT {', '.join(f'count({quote_ident(u)})' for u in unnamed)} FROM {source}")[0]
        dropped = [u for u, n in zip(unnamed, counts, strict=True) if n == 0]
    check_casts(engine, source, casts, file=file, line_offset=line_offset)
    final = staging / PART
    if dropped or casts:
        select = ", ".join(
            f"CAST({quote_ident(n)} AS {casts[n]}) AS {quote_ident(n)}" if n in casts else quote_ident(n)
            for n in names
            if n not in dropped
        )
        if not select:
            raise IngestError("{file}: every column is empty", file=file)
        engine.sql(
            f"COPY (SELECT {select} FROM {source}) TO {quote_str(str(final))} (FORMAT parquet, COMPRESSION zstd)"
        )
        raw.unlink()
    else:
        os.replace(raw, final)
    table = engine.table([final])
    columns = engine.schema(table)
    rows = engine.count(table)
    return rows, columns, dropped


def rewrite_with_types(
    engine: DataEngine, files: list[Path], staging: Path, types: dict[str, str], *, file: str
) -> tuple[int, list[ColumnInfo]]:
    """A new Parquet file from a stored version with some columns cast to user-chosen types."""
    casts = {k: USER_TYPES.get(v, v) for k, v in types.items()}
    source = "read_parquet([" + ", ".join(quote_str(str(f)) for f in files) + "])"
    names = [r[0] for r in engine.sql(f"DESCRIBE SELECT * FROM {source}")]
    missing = [k for k in casts if k not in names]
    if missing:
        raise IngestError("{file}: no column named {column!r}", file=file, column=missing[0])
    check_casts(engine, source, casts, file=file)
    select = ", ".join(
        f"CAST({quote_ident(n)} AS {casts[n]}) AS {quote_ident(n)}" if n in casts else quote_ident(n) for n in names
    )
    final = staging / PART
    engine.sql(f"COPY (SELECT {select} FROM {source}) TO {quote_str(str(final))} (FORMAT parquet, COMPRESSION zstd)")
    table = engine.table([final])
    return engine.count(table), engine.schema(table)
