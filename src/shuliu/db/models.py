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
from shuliu.classify.models import ClassificationRun, ClassificationTemplate, ColumnLabel, ResourceSensitiveType
from shuliu.db.base import Base
from shuliu.jobs.models import Job

__all__ = [
    "ApiToken",
    "Base",
    "ClassificationRun",
    "ClassificationTemplate",
    "CodeSequence",
    "ColumnLabel",
    "DatasetVersion",
    "Job",
    "Organization",
    "Resource",
    "ResourceColumn",
    "ResourceHistory",
    "ResourceLabel",
    "ResourceSensitiveType",
    "ResourceTag",
    "SearchTerm",
    "User",
]
