"""The `shuliu` command as scripts use it (../shared/spec/cli.md): --json documents, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shuliu.config import Settings
from tests.conftest import SHARED_DATA, subprocess_env

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"
MOE = SHARED_DATA / "gov_tabular/moe_university_list/moe_higher_education_institutions_2025-06-20.xls"


def shuliu(
    settings: Settings, *args: str, stdin: str | None = None, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(SHULIU_HOME=str(settings.home), SHULIU_SECRET_KEY="cli-test")
    if settings.database_url:
        env["SHULIU_DATABASE_URL"] = settings.database_url
    proc = subprocess.run(
        [sys.executable, "-m", "shuliu.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
    )
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def doc(proc: subprocess.CompletedProcess[str]) -> Any:
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON document on stdout, got: {proc.stdout!r}"
    return json.loads(lines[0])


def test_ingest_search_show_contract(settings: Settings) -> None:
    out = doc(
        shuliu(
            settings,
            "ingest",
            str(GDP),
            "--name",
            "各省地区生产总值",
            "--org",
            "国家统计局",
            "--tags",
            "GDP,统计",
            "--json",
        )
    )
    assert set(out) >= {"resource_id", "version", "rows", "columns"}
    assert out["rows"] == 31 and out["version"] == "v1"
    assert out["columns"][0] == {"name": "地区", "type": "string"}
    assert {"name": "2024年", "type": "float64"} in out["columns"]
    found = doc(shuliu(settings, "search", "生产总值", "--json"))
    assert found["count"] == 1 and found["results"][0] == found["results"][0] | {
        "resource_id": out["resource_id"],
        "name": "各省地区生产总值",
    }
    listed = doc(shuliu(settings, "resources", "list", "--json"))
    assert listed["count"] == 1
    shown = doc(shuliu(settings, "resources", "show", out["resource_id"], "--json"))
    assert shown["provider"] == "国家统计局" and shown["tags"] == ["GDP", "统计"]
    assert shown["columns"][1]["name"] == "2024年"
    human = shuliu(settings, "search", "生产总值")
    assert "各省地区生产总值" in human.stdout


def test_excel_options_versions_edit_history(settings: Settings) -> None:
    first = doc(
        shuliu(
            settings,
            "ingest",
            str(MOE),
            "--name",
            "全国普通高等学校名单",
            "--category",
            "部门",
            "--item",
            "教育",
            "--json",
        )
    )
    rid = first["resource_id"]
    assert first["rows"] == 2919 and first["columns"][2] == {"name": "学校标识码", "type": "string"}
    again = doc(
        shuliu(settings, "ingest", str(MOE), "--resource", rid, "--type", "序号=string", "--note", "重新导入", "--json")
    )
    assert again["version"] == "v2" and again["columns"][0] == {"name": "序号", "type": "string"}
    edited = doc(
        shuliu(
            settings,
            "resources",
            "edit",
            rid,
            "--set",
            "summary=教育部公布的名单",
            "--set",
            "tags=教育,高校",
            "--comment",
            "补充摘要",
            "--json",
        )
    )
    assert edited["summary"] == "教育部公布的名单" and edited["revision"] >= 3
    history = doc(shuliu(settings, "resources", "history", rid, "--json"))
    assert history[0]["changes"]["summary"] == ["", "教育部公布的名单"] and history[0]["comment"] == "补充摘要"
    versions = doc(shuliu(settings, "resources", "versions", rid, "--json"))
    assert [v["version"] for v in versions] == ["v2", "v1"]
    preview = doc(shuliu(settings, "resources", "preview", rid, "--limit", "2", "--json"))
    assert preview["rows"][0][1] == "北京大学"


def test_errors_are_json_with_nonzero_exit(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary\x00")
    proc = shuliu(settings, "ingest", str(bad), "--name", "坏", "--json", ok=False)
    assert proc.returncode != 0
    error = doc(proc)["error"]
    assert error["type"] == "ingest-failed" and "bad.csv" in error["message"]
    proc = shuliu(settings, "ingest", str(tmp_path / "missing.csv"), "--name", "x", "--json", ok=False)
    assert proc.returncode != 0 and doc(proc)["error"]["type"] == "validation-failed"
    proc = shuliu(settings, "resources", "show", "res_missing", "--json", ok=False)
    assert proc.returncode != 0 and doc(proc)["error"]["type"] == "not-found"
    proc = shuliu(settings, "search", "x" * 300, "--json", ok=False)
    assert doc(proc)["error"]["type"] == "bad-query"
    proc = shuliu(
        settings, "ingest", "sqlite:////nonexistent/dir/x.db", "--table", "t", "--name", "x", "--json", ok=False
    )
    assert doc(proc)["error"]["type"] == "source-unavailable"
    assert doc(shuliu(settings, "resources", "list", "--json"))["count"] == 0


def test_sql_source_from_the_cli(settings: Settings, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "dept.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE 事项 (编码 TEXT, 名称 TEXT, 时限 INTEGER)")
    con.executemany("INSERT INTO 事项 VALUES (?,?,?)", [("001", "企业设立登记", 3), ("002", "食品经营许可", 10)])
    con.commit()
    con.close()
    out = doc(shuliu(settings, "ingest", f"sqlite:///{db}", "--table", "事项", "--name", "政务服务事项", "--json"))
    assert out["rows"] == 2 and out["columns"] == [
        {"name": "编码", "type": "string"},
        {"name": "名称", "type": "string"},
        {"name": "时限", "type": "int64"},
    ]
    q = doc(
        shuliu(
            settings,
            "ingest",
            f"sqlite:///{db}",
            "--query",
            "SELECT 名称 FROM 事项 WHERE 时限 > 5",
            "--name",
            "长时限事项",
            "--json",
        )
    )
    assert q["rows"] == 1


def test_users_orgs_and_tokens(settings: Settings) -> None:
    made = doc(
        shuliu(
            settings,
            "user",
            "create",
            "root",
            "--role",
            "admin",
            "--password-stdin",
            "--json",
            stdin="a-strong-pass-1\n",
        )
    )
    assert made["role"] == "admin"
    org = doc(shuliu(settings, "org", "create", "11420000MB0000001X", "湖北省统计局", "--json"))
    assert org["name"] == "湖北省统计局"
    provider = doc(
        shuliu(
            settings,
            "user",
            "create",
            "tongji",
            "--role",
            "provider",
            "--org",
            "湖北省统计局",
            "--password",
            "another-pass-2",
            "--json",
        )
    )
    assert provider["org"] == "湖北省统计局"
    weak = shuliu(settings, "user", "create", "weak", "--password", "123", "--json", ok=False)
    assert doc(weak)["error"]["field"] == "password"
    dup = shuliu(settings, "user", "create", "root", "--password", "a-strong-pass-1", "--json", ok=False)
    assert doc(dup)["error"]["type"] == "conflict"
    token = doc(shuliu(settings, "user", "token", "tongji", "--json"))
    assert token["token"].startswith("sl_")
    users = doc(shuliu(settings, "user", "list", "--json"))
    assert {u["username"] for u in users} == {"root", "tongji"}


def test_progress_goes_to_stderr_and_inspect(settings: Settings) -> None:
    proc = shuliu(settings, "inspect", str(GDP), "--json")
    seen = doc(proc)
    assert seen["report"]["encoding"] == "GBK/GB18030" and seen["report"]["title_lines"][0] == "数据库：分省年度数据"
    human = shuliu(settings, "inspect", str(GDP))
    assert "地区" in human.stdout


def test_demo_is_idempotent(settings: Settings) -> None:
    first = doc(shuliu(settings, "demo", "--no-serve", "--json"))
    assert first["resources"] == 6 and first["created"] == 6 and first["password"]
    second = doc(shuliu(settings, "demo", "--no-serve", "--json"))
    assert second["resources"] == 6 and second["created"] == 0
    found = doc(shuliu(settings, "search", "人口", "--json"))
    assert "人口基础信息" in [r["name"] for r in found["results"]]


@pytest.mark.parametrize("args", [["db", "current", "--json"], ["jobs", "list", "--json"]])
def test_admin_commands(settings: Settings, args: list[str]) -> None:
    assert doc(shuliu(settings, *args)) is not None
