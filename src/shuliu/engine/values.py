"""Cell values as JSON."""

from __future__ import annotations

import base64
import datetime as dtm
import decimal
import math
from typing import Any


def json_value(value: Any) -> Any:
    """A cell as JSON: ISO dates, decimals as strings, NaN/inf as null, bytes as base64."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dtm.datetime | dtm.date | dtm.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)
