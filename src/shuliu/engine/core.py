"""The data engine: the only code that reads rows. Ibis expressions over DuckDB (embedded).

Callers get an `ibis.Table` for a stored version and ask for schema, counts and previews through
`DataEngine`; a later Spark backend implements the same methods over the same Parquet files.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

# The type names users see and may choose when correcting an inferred type.
USER_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


def type_name(dtype: dt.DataType) -> str:
    """A short, stable type name for an Ibis type (`int64`, `string`, `timestamp`, `decimal(38,2)`…)."""
    if dtype.is_string():
        return "string"
    if dtype.is_timestamp():
        return "timestamp"
    if dtype.is_decimal():
        return f"decimal({dtype.precision},{dtype.scale})"
    if dtype.is_struct():
        return "struct"
    if dtype.is_array():
        return "array"
    if dtype.is_map():
        return "map"
    return str(dtype).lstrip("!")


class DataEngine:
    """One Ibis DuckDB connection with shuliu's limits; not shared between threads."""

    def __init__(self, *, threads: int = 2, memory_limit: str = "2GB", temp_dir: Path | None = None) -> None:
        config: dict[str, Any] = {"threads": threads, "memory_limit": memory_limit, "preserve_insertion_order": True}
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = str(temp_dir)
        self.threads = threads
        self.backend = ibis.duckdb.connect(**config)
        self.raw = self.backend.con  # the DuckDB connection, for ingest-specific readers
        self._counter = 0

    def close(self) -> None:
        self.backend.disconnect()

    def __enter__(self) -> DataEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def unique_name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_{self._counter}"

    # -- reading stored versions ------------------------------------------------------------
    def table(self, files: Sequence[Path]) -> ibis.Table:
        """The Ibis table over a version's Parquet files."""
        return self.backend.read_parquet([str(f) for f in files], table_name=self.unique_name("v"))

    def table_in_order(self, files: Sequence[Path], *, file_col: str, row_col: str) -> ibis.Table:
        """The table with two more columns giving each row's place in the stored files (file name,
        row number in it): the order "first" means when deduplicating."""
        t = self.backend.read_parquet(
            [str(f) for f in files], table_name=self.unique_name("v"), filename=file_col, file_row_number=True
        )
        return t.rename({row_col: "file_row_number"})

    def schema(self, table: ibis.Table) -> list[ColumnInfo]:
        return [ColumnInfo(name, type_name(dtype)) for name, dtype in table.schema().items()]

    def count(self, table: ibis.Table) -> int:
        return int(table.count().execute())

    def preview(self, table: ibis.Table, *, limit: int = 50, offset: int = 0) -> pa.Table:
        """The first rows (in stored order) as Arrow."""
        return table.limit(limit, offset=offset).to_pyarrow()

    def to_parquet(self, expr: ibis.Table, dest: Path) -> None:
        """Write an expression to one Parquet file (zstd), streaming."""
        self.backend.to_parquet(expr, str(dest), compression="zstd")

    def sql(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Raw DuckDB SQL for the engine's own readers (never with user-written SQL)."""
        return self.raw.execute(query, params or []).fetchall()

    @contextmanager
    def progress_watch(self, report: Callable[[float], None], interval: float = 0.25) -> Iterator[None]:
        """Report DuckDB's own progress (0..1) of the query running on this connection."""
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(interval):
                try:
                    value = self.raw.query_progress()
                except Exception:  # the connection is busy closing; progress is best-effort
                    continue
                if value is not None and value >= 0:
                    report(min(1.0, value / 100.0))

        thread = threading.Thread(target=poll, name="duckdb-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
