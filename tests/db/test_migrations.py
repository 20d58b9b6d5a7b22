"""Alembic migrations: head on both databases, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shuliu.db import migrate
from shuliu.db.models import Base
from shuliu.platform import Platform


def test_migrations_reach_head_and_match_models(platform: Platform) -> None:
    assert migrate.current_revision(platform.db.engine) == migrate.head_revision()
    assert migrate.is_current(platform.db.engine)
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_is_idempotent(platform: Platform) -> None:
    platform.upgrade()
    migrate.upgrade(platform.db.engine)
    assert migrate.is_current(platform.db.engine)
