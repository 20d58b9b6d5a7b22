"""The audit trail and the ledger through the API, the pages and the CLI: every request that reads
or changes data is on record (refusals too), acts are in the ledger in their own transaction,
auditors read and export, nobody edits."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shuliu.audit.models import AuditEvent
from shuliu.ledger import log
from shuliu.ledger import service as ledger
from shuliu.platform import Platform
from tests.conftest import SHARED_DATA, subprocess_env, token_for, wait_job
from tests.web.test_pages import sign_in

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"


def register(client: Any, headers: dict[str, str]) -> str:
    up = client.put("/api/v1/uploads", params={"filename": GDP.name}, content=GDP.read_bytes(), headers=headers)
    job = client.post(
        "/api/v1/resources", headers=headers, json={"upload_id": up.json()["upload_id"], "metadata": {"name": "GDP"}}
    ).json()
    done = wait_job(client, job["id"], headers)
    assert done["status"] == "succeeded", done
    return str(done["result"]["resource_id"])


def events(platform: Platform, **where: Any) -> list[AuditEvent]:
    with platform.db.session() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEvent, k) == v)
        return list(s.scalars(stmt))


def test_acts_are_in_the_ledger_and_requests_in_the_trail(client: Any, platform: Platform) -> None:
    provider = token_for(client, "provider")
    rid = register(client, provider)
    resp = client.patch(f"/api/v1/resources/{rid}", headers=provider, json={"summary": "各省GDP"})
    assert resp.status_code == 200, resp.text
    acts = events(platform, kind="act")
    assert [a.action for a in acts] == ["resource.created", "resource.new_version", "resource.updated"]
    assert all(a.actor == "provider" and a.role == "provider" and a.object_id == rid for a in acts)
    assert acts[0].source.startswith("job:") and acts[2].source == "testclient"
    assert [a.ledger_index for a in acts] == [0, 1, 2]
    with platform.db.session() as s:
        entry = ledger.entry_dict(log.entry(session=s, index=2))
    assert entry["type"] == "resource.updated" and entry["object"] == f"resource:{rid}"
    assert entry["digest"] == ledger.digest(acts[2].detail) and acts[2].detail["changes"]["summary"][1] == "各省GDP"
    requests = events(platform, kind="request")
    patch = next(r for r in requests if r.action == "PATCH /api/v1/resources/{resource_id}")
    assert (patch.actor, patch.object_type, patch.object_id, patch.outcome, patch.status) == (
        "provider",
        "resource",
        rid,
        "ok",
        200,
    )
    assert patch.request_id == acts[2].request_id != ""  # the act knows the request it came from
    reads = [r for r in requests if r.action == "GET /api/v1/jobs/{job_id}"]
    assert reads and all(r.object_type == "job" for r in reads)


def test_refusals_and_failures_are_recorded(client: Any, platform: Platform) -> None:
    provider = token_for(client, "provider")
    rid = register(client, provider)
    consumer = token_for(client, "consumer")
    assert client.patch(f"/api/v1/resources/{rid}", headers=consumer, json={"summary": "x"}).status_code
    assert client.get("/api/v1/resources/res_doesnotexist", headers=consumer).status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    outcomes = {(e.action, e.actor, e.outcome) for e in events(platform, kind="request")}
    assert ("PATCH /api/v1/resources/{resource_id}", "consumer", "denied") in outcomes or (
        "PATCH /api/v1/resources/{resource_id}",
        "consumer",
        "not-found",
    ) in outcomes
    assert ("GET /api/v1/resources/{resource_id}", "consumer", "not-found") in outcomes
    assert ("GET /api/v1/me", "", "denied") in outcomes
    assert not [e for e in events(platform, kind="act") if e.actor == "consumer"]  # nothing happened


def test_auditors_read_filter_and_export_others_may_not(client: Any, platform: Platform) -> None:
    provider = token_for(client, "provider")
    rid = register(client, provider)
    auditor = token_for(client, "auditor")
    page = client.get("/api/v1/audit", headers=auditor, params={"action": "resource.", "object_id": rid}).json()
    assert page["count"] == 2 and {e["action"] for e in page["events"]} == {"resource.created", "resource.new_version"}
    assert client.get("/api/v1/audit", headers=provider).status_code == 403
    assert client.get("/api/v1/audit", headers=auditor, params={"outcome": "maybe"}).status_code == 422
    exported = client.get("/api/v1/audit/export", headers=auditor, params={"format": "csv", "kind": "act"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["resource.created", "resource.new_version"]
    assert json.loads(rows[0]["detail"])["code"]
    ndjson = client.get("/api/v1/audit/export", headers=auditor, params={"format": "json", "kind": "act"})
    assert [json.loads(line)["ledger_index"] for line in ndjson.text.splitlines()] == [0, 1]
    # There is no way to change the trail: no such endpoints.
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/api/v1/audit", headers=auditor).status_code in (404, 405)


def test_ledger_api_checkpoint_entry_proof_consistency(client: Any, platform: Platform) -> None:
    provider = token_for(client, "provider")
    register(client, provider)
    register(client, provider)
    auditor = token_for(client, "auditor")
    head = client.get("/api/v1/ledger").json()
    assert head["size"] >= 4 and head["verifier_key"].startswith("shuliu.local/ledger+")
    assert client.get("/api/v1/ledger/checkpoint").json()["size"] < head["size"]  # the one signed at start-up
    assert client.post("/api/v1/ledger/checkpoints", headers=provider).status_code == 403
    made = client.post("/api/v1/ledger/checkpoints", headers=auditor)
    assert made.status_code == 201 and made.json()["size"] == head["size"]
    note = client.get("/api/v1/ledger/checkpoint", params={"format": "note"})
    assert note.headers["content-type"].startswith("text/plain") and note.text == made.json()["note"]
    assert client.get("/api/v1/ledger/entries/1").status_code == 401
    assert client.get("/api/v1/ledger/entries/1", headers=provider).status_code == 403
    entry = client.get("/api/v1/ledger/entries/1", headers=auditor).json()
    assert entry["index"] == 1 and entry["type"] == "resource.new_version"
    bundle = client.get("/api/v1/ledger/entries/1/proof", headers=auditor).json()
    assert ledger.check_bundle(bundle, ledger.trusted(platform.settings)).ok
    cons = client.get("/api/v1/ledger/consistency", params={"first": 2, "second": head["size"]}).json()
    from shuliu.ledger import merkle

    assert merkle.verify_consistency(
        2,
        head["size"],
        bytes.fromhex(cons["first_root"]),
        bytes.fromhex(cons["second_root"]),
        [bytes.fromhex(h) for h in cons["proof"]],
    )
    assert client.get("/api/v1/ledger/consistency", params={"first": 5, "second": 2}).status_code == 422
    assert client.get("/api/v1/ledger/entries/999", headers=auditor).status_code == 404


def test_pages_of_the_ledger_and_the_audit_trail(client: Any, platform: Platform) -> None:
    provider = token_for(client, "provider")
    register(client, provider)
    assert "ledger-root" in client.get("/ledger").text  # public: the head and the checkpoints
    token = sign_in(client, "auditor")
    published = client.post("/ledger/checkpoints", data={"csrf_token": token}, follow_redirects=False)
    assert published.status_code == 303
    page = client.get("/ledger")
    assert 'id="latest-checkpoint"' in page.text and 'data-index="0"' in page.text
    entry = client.get("/ledger/entries/0")
    assert entry.status_code == 200 and 'id="server-check" data-ok="true"' in entry.text
    assert "resource.created" in entry.text and 'id="entry-details"' in entry.text
    trail = client.get("/audit", params={"kind": "act"})
    assert trail.status_code == 200 and "resource.created" in trail.text and 'href="/ledger/entries/0"' in trail.text
    assert client.get("/audit", params={"since": "yesterday"}).status_code == 422
    sign_in(client, "provider")
    assert client.get("/audit").status_code == 403
    assert client.get("/ledger/entries/0").status_code == 403


def test_prove_and_check_from_the_command_line_without_a_database(platform: Platform, tmp_path: Path) -> None:
    from tests.ledger.test_log import fill

    fill(platform, 10)
    env = subprocess_env(SHULIU_HOME=str(platform.settings.home), SHULIU_SECRET_KEY="cli-test")
    if platform.settings.database_url:
        env["SHULIU_DATABASE_URL"] = platform.settings.database_url
    run = [sys.executable, "-m", "shuliu.cli.main", "ledger"]
    bundle = tmp_path / "entry-3.json"
    proved = subprocess.run([*run, "prove", "3", "--out", str(bundle)], env=env, capture_output=True, text=True)
    assert proved.returncode == 0, proved.stderr
    # Somewhere else, with nothing of the installation: only the bundle and the key one trusts.
    key = ledger.signer(platform.settings).verifier.encode()
    elsewhere = subprocess_env(SHULIU_HOME=str(tmp_path / "empty"), SHULIU_DATABASE_URL="sqlite:////nonexistent/x.db")
    checked = subprocess.run(
        [*run, "check", str(bundle), "--key", key, "--json"], env=elsewhere, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = json.loads(checked.stdout)
    assert result["ok"] and result["index"] == 3 and result["tree_size"] == 10
    assert not (tmp_path / "empty").exists()  # the check touched no installation
    doc = json.loads(bundle.read_text())
    doc["entry"]["body"] = doc["entry"]["body"].replace('"n":3', '"n":4')
    bundle.write_text(json.dumps(doc))
    bad = subprocess.run([*run, "check", str(bundle), "--key", key], env=elsewhere, capture_output=True, text=True)
    assert bad.returncode == 1 and "does not verify" in bad.stdout


def test_the_cli_records_its_acts_as_cli(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    env = subprocess_env(SHULIU_HOME=str(platform.settings.home), SHULIU_SECRET_KEY="cli-test")
    if platform.settings.database_url:
        env["SHULIU_DATABASE_URL"] = platform.settings.database_url
    cmd = [sys.executable, "-m", "shuliu.cli.main", "ingest", str(GDP), "--name", "GDP", "--as", "provider", "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    acts = events(platform, kind="act")
    assert [a.action for a in acts] == ["resource.created", "resource.new_version"]
    assert all(a.source.startswith("job:") and a.actor == "provider" for a in acts)
    listed = subprocess.run(
        [sys.executable, "-m", "shuliu.cli.main", "audit", "list", "--kind", "act", "--as", "auditor", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert json.loads(listed.stdout)["count"] == 2
    refused = subprocess.run(
        [sys.executable, "-m", "shuliu.cli.main", "audit", "list", "--as", "provider", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and json.loads(refused.stdout)["error"]["type"] == "permission-denied"
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "request")) == 0
