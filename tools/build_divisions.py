#!/usr/bin/env python3
"""Build src/shuliu/classify/data/admin_divisions.json from the modood division tables.

Source: github.com/modood/Administrative-divisions-of-China (WTFPL), data from 国家统计局
2023年统计用区划代码 (cut-off 2023-06-30): provinces, cities and county-level divisions, plus the
names (no codes) of Hong Kong, Macao and Taiwan. The product ships this derived file so it does not
depend on ../shared/data at run time.

    python tools/build_divisions.py ../shared/data/admin_divisions
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/shuliu/classify/data/admin_divisions.json"


def main(src: Path) -> None:
    rows: list[list[str]] = []
    with (src / "provinces.csv").open(encoding="utf-8") as fh:
        rows += [[r["code"].ljust(6, "0"), r["name"], "province", ""] for r in csv.DictReader(fh)]
    with (src / "cities.csv").open(encoding="utf-8") as fh:
        rows += [
            [r["code"].ljust(6, "0"), r["name"], "city", r["provinceCode"].ljust(6, "0")] for r in csv.DictReader(fh)
        ]
    with (src / "areas.csv").open(encoding="utf-8") as fh:
        rows += [[r["code"], r["name"], "county", r["cityCode"].ljust(6, "0")] for r in csv.DictReader(fh)]
    special = json.loads((src / "HK-MO-TW.json").read_text(encoding="utf-8"))
    extra: list[str] = []
    for region, parts in special.items():
        extra.append(region)
        for part, districts in parts.items():
            extra.append(part)
            extra.extend(d.split("（")[0] for d in districts)
    doc = {
        "source": "github.com/modood/Administrative-divisions-of-China @ 57a0aa9 (WTFPL); "
        "国家统计局 2023年统计用区划代码",
        "columns": ["code", "name", "level", "parent"],
        "divisions": rows,
        "hk_mo_tw_names": sorted(set(extra)),
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(rows)} divisions, {len(extra)} HK/MO/TW names")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
