"""Settings: SHULIU_* environment variables, an optional TOML file, sensible embedded defaults."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def _default_home() -> Path:
    return Path(os.environ.get("SHULIU_HOME") or Path.home() / ".shuliu")


class _TomlSource(PydanticBaseSettingsSource):
    """Reads `SHULIU_CONFIG` (or `$SHULIU_HOME/shuliu.toml`) when it exists."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        explicit = os.environ.get("SHULIU_CONFIG")
        path = Path(explicit) if explicit else _default_home() / "shuliu.toml"
        self._data: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as fh:
                self._data = tomllib.load(fh)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every knob of a shuliu installation. Environment variables are `SHULIU_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="SHULIU_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    secret_key: str | None = None
    # Uploads larger than this are refused with 413 before anything is stored.
    max_upload_bytes: int = 4 * 1024**3
    # "inline": jobs run in a thread of the process that enqueued them (embedded mode);
    # "worker": jobs wait for `shuliu worker` (production).
    jobs_mode: Literal["inline", "worker"] = "inline"
    job_threads: int = 1
    engine_threads: int = 2
    engine_memory_limit: str = "2GB"
    default_language: Literal["zh_CN", "en"] = "zh_CN"
    session_max_age: int = 8 * 3600
    cookie_secure: bool = False
    preview_rows: int = 50
    timezone: str = "Asia/Shanghai"  # how pages show times (stored in UTC)
    classify_on_ingest: bool = True  # classify every new version (a job after the ingest)
    classify_template: str = "gb-t-43697-2024"  # the grading template of resources not graded yet
    quality_on_ingest: bool = True  # profile and check every new version (a job after the ingest)
    # The ledger's checkpoints: the log's name (C2SP origin line, also the signing key's name) and how
    # often a new checkpoint is signed when the log has grown (seconds; 0 = only on demand).
    ledger_origin: str = "shuliu.local/ledger"
    ledger_checkpoint_interval: int = 300

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def db_url(self) -> str:
        """The metadata database URL: SHULIU_DATABASE_URL or SQLite under SHULIU_HOME."""
        return self.database_url or f"sqlite:///{self.home / 'shuliu.db'}"

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    def ensure_dirs(self) -> None:
        """Create the state folders under SHULIU_HOME."""
        for path in (self.home, self.store_dir, self.uploads_dir, self.keys_dir):
            path.mkdir(parents=True, exist_ok=True)

    def resolved_secret_key(self) -> str:
        """The cookie-signing key: configured, or generated once into SHULIU_HOME (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        self.ensure_dirs()
        path = self.keys_dir / "session.key"
        if not path.exists():
            import secrets

            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` instead)."""
    return Settings()
