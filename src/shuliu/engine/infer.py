"""Column type inference for text sources, run as one DuckDB aggregate over a sample.

DuckDB's own sniffer gives up on the ragged, titled files governments publish, so we find the
dialect ourselves and infer types here: integer, float, date, timestamp, boolean, else string.
Codes stay strings: values with leading zeros, integers of 16+ digits (ID numbers, credit codes)
and columns whose names say they are codes (代码, 编码, 编号, 号码, 电话 …).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa

from shuliu.engine.core import DataEngine, quote_ident

CODE_NAME = re.compile(
    r"(代码|编码|编号|号码|标识码|识别码|电话|手机|身份证|证件号|邮编|邮政编码|账号|卡号|工号|学号|"
    r"code$|code_|\bcode\b|\bid\b|_id$|^id_|Id$|phone|mobile|zip|postcode)",
    re.IGNORECASE,
)
INT_RE = r"^\s*[+-]?\d{1,15}\s*$"
LEAD_ZERO_RE = r"^\s*[+-]?0\d"
FLOAT_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
DATE_RE = r"^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}\s*$"
TS_RE = r"^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*$"
BOOL_RE = r"^\s*(true|false)\s*$"
# Digit strings that are codes, not quantities: a leading zero, or too long for a measure.
CODE_LIKE_RE = r"^\s*[+-]?(0\d+|\d{16,})\s*$"

# Widening when a value later in the file does not fit the inferred type.
WIDER = {
    "BIGINT": "DOUBLE",
    "DOUBLE": "VARCHAR",
    "DATE": "TIMESTAMP",
    "TIMESTAMP": "VARCHAR",
    "BOOLEAN": "VARCHAR",
    "VARCHAR": "VARCHAR",
}


def infer_types(engine: DataEngine, names: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """DuckDB type per column from sample rows of strings (empty string = missing)."""
    width = len(names)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    for row in rows:
        for i in range(width):
            value = row[i] if i < len(row) else None
            cols[i].append(value if value not in (None, "") else None)
    if not rows:
        return ["VARCHAR"] * width
    keys = [f"c{i}" for i in range(width)]
    sample = pa.table({k: pa.array(c, type=pa.string()) for k, c in zip(keys, cols, strict=True)})
    view = engine.unique_name("sample")
    engine.raw.register(view, sample)
    try:
        parts = []
        for k in keys:
            c = quote_ident(k)
            parts += [
                f"count({c})",
                f"count(*) FILTER (WHERE regexp_matches({c}, '{INT_RE}') "
                f"AND NOT regexp_matches({c}, '{LEAD_ZERO_RE}') AND try_cast({c} AS BIGINT) IS NOT NULL)",
                f"count(*) FILTER (WHERE regexp_matches({c}, '{FLOAT_RE}') AND try_cast({c} AS DOUBLE) IS NOT NULL)",
                f"count(*) FILTER (WHERE regexp_matches({c}, '{DATE_RE}') AND try_cast({c} AS DATE) IS NOT NULL)",
                f"count(*) FILTER (WHERE (regexp_matches({c}, '{TS_RE}') OR regexp_matches({c}, '{DATE_RE}')) "
                f"AND try_cast({c} AS TIMESTAMP) IS NOT NULL)",
                f"count(*) FILTER (WHERE regexp_matches(lower({c}), '{BOOL_RE}'))",
                f"count(*) FILTER (WHERE regexp_matches({c}, '{CODE_LIKE_RE}'))",
            ]
        (stats,) = engine.sql(f"SELECT {', '.join(parts)} FROM {quote_ident(view)}")
    finally:
        engine.raw.unregister(view)
    types = []
    for i, name in enumerate(names):
        n, n_int, n_float, n_date, n_ts, n_bool, n_code = stats[i * 7 : i * 7 + 7]
        if n == 0 or n_code > 0:
            types.append("VARCHAR")
        elif n_bool == n:
            types.append("BOOLEAN")
        elif n_int == n and not CODE_NAME.search(name):
            types.append("BIGINT")
        elif n_float == n and n_int < n and not CODE_NAME.search(name):
            types.append("DOUBLE")
        elif n_date == n:
            types.append("DATE")
        elif n_ts == n:
            types.append("TIMESTAMP")
        else:
            types.append("VARCHAR")
    return types
