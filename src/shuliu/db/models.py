"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from shuliu.audit.models import AuditEvent
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
from shuliu.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerKey, LedgerNode, LedgerState
from shuliu.quality.models import AuthoritativeSource, QualityProfile, QualityRuleSet, QualityRun, Verification

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuthoritativeSource",
    "Base",
    "ClassificationRun",
    "ClassificationTemplate",
    "CodeSequence",
    "ColumnLabel",
    "DatasetVersion",
    "Job",
    "LedgerCheckpoint",
    "LedgerEntry",
    "LedgerKey",
    "LedgerNode",
    "LedgerState",
    "Organization",
    "QualityProfile",
    "QualityRuleSet",
    "QualityRun",
    "Resource",
    "ResourceColumn",
    "ResourceHistory",
    "ResourceLabel",
    "ResourceSensitiveType",
    "ResourceTag",
    "SearchTerm",
    "User",
    "Verification",
]
