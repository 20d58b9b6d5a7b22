"""The running installation: settings, metadata database, dataset store, data engine, jobs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from shuliu.config import Settings, get_settings
from shuliu.db.session import Database
from shuliu.store.service import Store

if TYPE_CHECKING:
    from shuliu.engine.core import DataEngine

log = logging.getLogger(__name__)


class Platform:
    """One per process (server, worker, CLI command); tests build one per test."""

    def __init__(self, settings: Settings, *, upgrade: bool = True) -> None:
        self.settings = settings
        settings.ensure_dirs()
        self.db = Database(settings.db_url)
        if upgrade:
            self.upgrade()
        self.store = Store(settings.store_dir)
        if upgrade:
            self.init_ledger()
        from shuliu.jobs.service import Runner

        self.runner: Runner | None = None
        self._runner_cls = Runner
        _register_handlers()

    @classmethod
    def open(cls, settings: Settings | None = None) -> Platform:
        return cls(settings or get_settings())

    def upgrade(self) -> None:
        """Apply migrations; on PostgreSQL under an advisory lock so web processes don't race."""
        from shuliu.db import migrate

        if migrate.is_current(self.db.engine):
            return
        if self.db.dialect == "postgresql":
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(727274)"))
                try:
                    migrate.upgrade(self.db.engine)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(727274)"))
                    conn.commit()
        else:
            migrate.upgrade(self.db.engine)

    def init_ledger(self) -> None:
        """The ledger's signing key (created on first use under keys/) and its public key in the
        database, where the API and the pages publish it."""
        from sqlalchemy.exc import IntegrityError

        from shuliu.ledger import service as ledger

        verifier = ledger.signer(self.settings).verifier
        try:
            with self.db.session() as session:
                ledger.register_key(session=session, verifier=verifier)
        except IntegrityError:  # another process registered it at the same moment
            pass

    def housekeeping(self) -> None:
        """Remove what nobody will use (uploads older than a day, abandoned temporary store
        folders), and sign a ledger checkpoint when one is due."""
        from shuliu.catalog import uploads
        from shuliu.ledger import service as ledger

        uploads.sweep(self.settings.uploads_dir)
        self.store.sweep_tmp()
        with self.db.session() as session:
            ledger.publish_if_due(settings=self.settings, session=session)
        from shuliu.quality import service as quality

        with self.db.session() as session:
            if quality.enqueue_due(session=session):
                self.notify_jobs()

    def engine(self) -> DataEngine:
        """A fresh data engine (DuckDB connection) with this installation's limits."""
        from shuliu.engine.core import DataEngine

        return DataEngine(
            threads=self.settings.engine_threads,
            memory_limit=self.settings.engine_memory_limit,
            temp_dir=self.settings.home / "tmp" / "duckdb",
        )

    def start_jobs(self) -> None:
        """Embedded mode: run jobs on background threads of this process."""
        if self.runner is None and self.settings.jobs_mode == "inline":
            self.runner = self._runner_cls(self, threads=self.settings.job_threads, poll=1.0)
            self.runner.start()

    def notify_jobs(self) -> None:
        if self.runner is not None:
            self.runner.notify()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.db.dispose()

    @property
    def home(self) -> Path:
        return self.settings.home


def _register_handlers() -> None:
    """Import the modules whose job handlers register themselves."""
    import shuliu.catalog.ingest
    import shuliu.classify.service
    import shuliu.quality.service  # noqa: F401
