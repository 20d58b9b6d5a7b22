"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from shuliu.auth.models import ApiToken, Organization, User
from shuliu.catalog.models import (
    CodeSequence,
    DatasetVersion,
    Resource,
    ResourceColumn,
    ResourceHistory,
    ResourceLabel,
    ResourceTag,
    SearchTerm,
)
from shuliu.db.base import Base
from shuliu.jobs.models import Job

__all__ = [
    "ApiToken",
    "Base",
    "CodeSequence",
    "DatasetVersion",
    "Job",
    "Organization",
    "Resource",
    "ResourceColumn",
    "ResourceHistory",
    "ResourceLabel",
    "ResourceTag",
    "SearchTerm",
    "User",
]
