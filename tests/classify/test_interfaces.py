"""`shuliu classify` (../shared/spec/cli.md), the REST API and the pages of 数据分类分级."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from shuliu.classify.sample_data import labelled_table
from shuliu.config import Settings
from tests.cli.test_cli import doc, shuliu
from tests.conftest import token_for, wait_job
from tests.web.test_pages import sign_in

PROBLEM = "application/problem+json"


def generated_csv(path: Path, rows: int = 1500, seed: int = 21) -> tuple[Path, dict[str, str | None]]:
    table, expected = labelled_table(rows, seed=seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
            w.writerow(["" if v is None else v for v in row])
    return path, expected


def test_classify_a_file_every_type_right_and_decoys_null(settings: Settings, tmp_path: Path) -> None:
    path, expected = generated_csv(tmp_path / "labelled.csv")
    out = doc(shuliu(settings, "classify", str(path), "--full", "--json"))
    assert out["template"] == "gb-t-43697-2024" and out["level"] == "一般数据4级"
    assert out["full"] is True and out["rows_scanned"] == out["rows"] == 1500
    assert {c["name"]: c["type"] for c in out["columns"]} == expected
    for c in out["columns"]:
        assert set(c) >= {"name", "type", "confidence", "match_ratio", "category", "level"}
        assert (c["category"] is None) == (c["type"] is None) and (c["level"] is None) == (c["type"] is None)
    # Nothing was stored: classifying a file does not register it.
    assert doc(shuliu(settings, "search", "labelled", "--json"))["count"] == 0


def test_classify_a_parquet_file_with_another_template_and_a_sample(settings: Settings, tmp_path: Path) -> None:
    table, expected = labelled_table(8000, seed=22)
    pq.write_table(table, tmp_path / "t.parquet")
    out = doc(shuliu(settings, "classify", str(tmp_path / "t.parquet"), "--template", "industrial-2020", "--json"))
    assert out["template"] == "industrial-2020" and out["level"] == "三级"  # 姓名 + 身份证号 + 银行卡号
    assert out["full"] is False and out["rows_scanned"] < 8000
    assert {c["name"]: c["type"] for c in out["columns"]} == expected


def test_classify_a_resource_by_id_and_its_errors(settings: Settings, tmp_path: Path) -> None:
    path, expected = generated_csv(tmp_path / "people.csv", rows=800)
    made = doc(shuliu(settings, "ingest", str(path), "--name", "人员信息", "--json"))
    out = doc(shuliu(settings, "classify", made["resource_id"], "--full", "--json"))
    assert out["resource_id"] == made["resource_id"] and out["level"] == "一般数据4级"
    assert {c["name"]: c["type"] for c in out["columns"]} == expected
    assert all(c["status"] in ("proposed", "none") for c in out["columns"])
    bad = shuliu(settings, "classify", "res_nosuchthing", "--json", ok=False)
    assert bad.returncode != 0 and doc(bad)["error"]["type"] == "not-found"
    bad = shuliu(settings, "classify", made["resource_id"], "--template", "no-such", "--json", ok=False)
    assert bad.returncode != 0 and "no-such" in doc(bad)["error"]["message"]
    bad = shuliu(settings, "classify", made["resource_id"], "--sample", "5", "--json", ok=False)
    assert bad.returncode != 0 and doc(bad)["error"]["type"] == "validation-failed"


def test_ingest_runs_the_classification_it_queues(settings: Settings, tmp_path: Path) -> None:
    path, _ = generated_csv(tmp_path / "people.csv", rows=300)
    env_on = {"SHULIU_CLASSIFY_ON_INGEST": "true"}
    proc = shuliu_env(settings, env_on, "ingest", str(path), "--name", "人员信息", "--json")
    out = doc(proc)
    assert out["classification"] == {"level": "一般数据4级", "template": "gb-t-43697-2024"}


def shuliu_env(settings: Settings, extra: dict[str, str], *args: str) -> Any:
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    env = subprocess_env(SHULIU_HOME=str(settings.home), SHULIU_SECRET_KEY="cli-test", **extra)
    if settings.database_url:
        env["SHULIU_DATABASE_URL"] = settings.database_url
    proc = subprocess.run([sys.executable, "-m", "shuliu.cli.main", *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


# -- REST API ---------------------------------------------------------------------------------------------
def registered(client: Any, headers: dict[str, str], tmp_path: Path) -> str:
    path, _ = generated_csv(tmp_path / "people.csv", rows=600)
    up = client.put("/api/v1/uploads", params={"filename": path.name}, content=path.read_bytes(), headers=headers)
    job = client.post(
        "/api/v1/resources", headers=headers, json={"upload_id": up.json()["upload_id"], "metadata": {"name": "人员"}}
    ).json()
    done = wait_job(client, job["id"], headers)
    assert done["status"] == "succeeded", done
    return str(done["result"]["resource_id"])


def test_api_scan_review_and_templates(client: Any, tmp_path: Path) -> None:
    headers = token_for(client, "provider")
    rid = registered(client, headers, tmp_path)
    assert client.get(f"/api/v1/resources/{rid}/labels", headers=headers).json()["level"] is None
    job = client.post(f"/api/v1/resources/{rid}/classify", headers=headers, json={"full": True})
    assert job.status_code == 202
    done = wait_job(client, job.json()["id"], headers)
    assert done["status"] == "succeeded" and done["result"]["level"] == "一般数据4级"
    labels = client.get(f"/api/v1/resources/{rid}/labels", headers=headers).json()
    assert {x["column"]: x["type"] for x in labels["labels"]}["公民身份号码"] == "cn_resident_id"

    ok = client.post(f"/api/v1/resources/{rid}/labels/公民身份号码", headers=headers, json={"action": "confirm"})
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    bad = client.post(f"/api/v1/resources/{rid}/labels/性别", headers=headers, json={"action": "reject"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM and "reason" in bad.text
    bad = client.post(f"/api/v1/resources/{rid}/labels/性别", headers=headers, json={"action": "erase"})
    assert bad.status_code == 422
    consumer = token_for(client, "consumer")
    denied = client.post(f"/api/v1/resources/{rid}/labels/姓名", headers=consumer, json={"action": "confirm"})
    assert denied.status_code in (403, 404)

    types = client.get("/api/v1/classification/types").json()
    assert {t["id"] for t in types} >= {"cn_resident_id", "cn_uscc", "password"}
    listed = client.get("/api/v1/classification/templates", headers=headers).json()
    assert {t["id"] for t in listed} >= {"gb-t-43697-2024", "jr-t-0197-2020"}
    admin = token_for(client, "admin")
    made = client.post(
        "/api/v1/classification/templates", headers=admin, json={"copy_of": "gb-t-35273-2020", "id": "pi-copy"}
    )
    assert made.status_code == 201 and made.json()["id"] == "pi-copy"
    assert (
        client.post(
            "/api/v1/classification/templates", headers=headers, json={"copy_of": "gb-t-35273-2020", "id": "x-copy"}
        ).status_code
        == 403
    )
    yaml_text = "id: y\nname: y\nlevels: [a]\ntypes: {}"
    broken = client.post("/api/v1/classification/templates", headers=admin, json={"yaml": yaml_text})
    assert broken.status_code == 422 and "levels" in broken.text
    assert client.delete("/api/v1/classification/templates/gb-t-43697-2024", headers=admin).status_code == 409
    assert client.delete("/api/v1/classification/templates/pi-copy", headers=admin).status_code == 204
    dash = client.get("/api/v1/classification/dashboard", headers=headers).json()
    assert dash["by_level"]["湖北省统计局"] == {"一般数据4级": 1}
    found = client.get("/api/v1/resources", params={"level": "一般数据4级"}, headers=headers).json()
    assert [h["resource_id"] for h in found["results"]] == [rid] and found["results"][0]["level"] == "一般数据4级"


# -- pages --------------------------------------------------------------------------------------------------
def test_pages_show_labels_and_the_dashboard(client: Any, tmp_path: Path) -> None:
    headers = token_for(client, "provider")
    rid = registered(client, headers, tmp_path)
    wait_job(client, client.post(f"/api/v1/resources/{rid}/classify", headers=headers, json={}).json()["id"], headers)
    token = sign_in(client, "provider")
    fragment = client.get(f"/resources/{rid}/labels")
    assert fragment.status_code == 200
    assert "居民身份证号" in fragment.text and "一般数据4级" in fragment.text
    assert 'data-action="confirm"' in fragment.text
    page = client.get(f"/resources/{rid}")
    assert 'id="resource-level-badge"' in page.text
    dash = client.get("/classification")
    assert dash.status_code == 200 and "chart-levels" in dash.text and "gb-t-43697-2024" in dash.text
    tpl_page = client.get("/classification/templates/gb-t-43697-2024")
    assert tpl_page.status_code == 200 and "核心数据" in tpl_page.text
    assert client.get("/classification/templates/nope").status_code == 404
    # Review through the page (htmx posts a form with the CSRF token); the fragment comes back.
    confirmed = client.post(
        f"/resources/{rid}/labels/姓名", data={"action": "confirm", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert confirmed.status_code == 200 and 'data-column="姓名" data-status="confirmed"' in confirmed.text
    refused = client.post(f"/resources/{rid}/labels/性别", data={"action": "reject", "csrf_token": token})
    assert refused.status_code == 422 and 'id="review-error"' in refused.text
    forged = client.post(f"/resources/{rid}/labels/性别", data={"action": "confirm", "csrf_token": "forged"})
    assert forged.status_code == 403


def test_administrators_upload_and_edit_templates_in_the_pages(client: Any) -> None:
    token = sign_in(client, "admin")
    good = "id: city-2025\nname: 某市公共数据分级\nlevels: [L1, L2, L3]\n"
    good += "types:\n  cn_mobile: {category: 联系, level: L2}\n"
    made = client.post(
        "/classification/templates",
        data={"csrf_token": token},
        files={"file": ("city.yaml", good.encode(), "application/x-yaml")},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/classification/templates/city-2025"
    page = client.get("/classification/templates/city-2025")
    assert "某市公共数据分级" in page.text and 'id="template-edit"' in page.text
    edited = good.replace("level: L2", "level: L3")
    saved = client.post(
        "/classification/templates/city-2025", data={"text": edited, "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert client.get("/api/v1/classification/templates/city-2025").json()["types"]["cn_mobile"]["level"] == "L3"
    broken = client.post("/classification/templates/city-2025", data={"text": "levels: [only]", "csrf_token": token})
    assert broken.status_code == 422 and 'id="template-error"' in broken.text
    bad_file = client.post(
        "/classification/templates",
        data={"csrf_token": token},
        files={"file": ("city.yaml", "名称：乱码".encode("gbk"), "application/x-yaml")},
    )
    assert bad_file.status_code == 422 and "UTF-8" in bad_file.text
    copied = client.post(
        "/classification/templates",
        data={"csrf_token": token, "copy_of": "industrial-2020", "id": "factory", "name": "某工厂"},
        follow_redirects=False,
    )
    assert copied.status_code == 303
    removed = client.post(
        "/classification/templates/factory/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303 and client.get("/classification/templates/factory").status_code == 404
    provider = sign_in(client, "provider")
    denied = client.post("/classification/templates/city-2025", data={"text": edited, "csrf_token": provider})
    assert denied.status_code == 403
