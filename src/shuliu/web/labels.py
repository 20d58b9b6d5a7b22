"""Display names for codes that appear in pages; msgids marked with N_ for extraction."""

from __future__ import annotations

from typing import Any

from shuliu import i18n


def N_(message: str) -> str:
    return message


ROLES = {
    "admin": N_("Administrator"),
    "provider": N_("Data provider"),
    "consumer": N_("Data consumer"),
    "auditor": N_("Auditor"),
}
SORTS = {
    "relevance": N_("Relevance"),
    "name": N_("Name"),
    "updated": N_("Recently updated"),
    "published": N_("Publication date"),
    "rows": N_("Most rows"),
    "level": N_("Highest level"),
    "quality": N_("Best quality"),
}
FACETS = {
    "provider": N_("Provider"),
    "category": N_("Category"),
    "share_type": N_("Share type"),
    "open_type": N_("Open type"),
    "format": N_("Format"),
    "update_cycle": N_("Update cycle"),
    "tags": N_("Tags"),
    "level": N_("Level"),
    "types": N_("Sensitive type"),
}
ACTIONS = {
    "created": N_("Registered"),
    "updated": N_("Metadata changed"),
    "new_version": N_("New version"),
    "retyped": N_("Column types corrected"),
    "cleaned": N_("Cleaned"),
}
FIELDS = {
    "name": N_("Resource name"),
    "summary": N_("Summary"),
    "category": N_("Category"),
    "category_item": N_("Item (项)"),
    "category_sub": N_("Sub-item"),
    "category_detail": N_("Detail"),
    "share_type": N_("Share type"),
    "share_condition": N_("Share condition"),
    "share_basis": N_("Basis"),
    "share_method": N_("Share method"),
    "open_type": N_("Open type"),
    "open_condition": N_("Open condition"),
    "open_basis": N_("Basis for not opening"),
    "update_cycle": N_("Update cycle"),
    "published_on": N_("Publication date"),
    "related_codes": N_("Related resource codes"),
    "tags": N_("Tags"),
    "status": N_("Status"),
    "code": N_("Resource code"),
    "format": N_("Format"),
    "version": N_("Version"),
    "rows": N_("Rows"),
    "信息项": N_("Information items"),
}
PROBLEMS = {
    "not-found": N_("Not found"),
    "permission-denied": N_("Permission denied"),
    "authentication-failed": N_("Sign-in needed"),
    "validation-failed": N_("Invalid input"),
    "conflict": N_("Conflict"),
    "payload-too-large": N_("Upload too large"),
    "ingest-failed": N_("Ingest failed"),
    "source-unavailable": N_("Source unavailable"),
    "bad-query": N_("Bad search query"),
    "internal-error": N_("Internal error"),
    "worker-lost": N_("Worker lost"),
    "method-not-allowed": N_("Method not allowed"),
    "error": N_("Error"),
}
JOB_KINDS = {
    "ingest": N_("Ingest"),
    "retype": N_("Type correction"),
    "classify": N_("Classification"),
    "profile": N_("Profile"),
    "quality_check": N_("Quality check"),
    "clean": N_("Cleaning"),
}
CHECK_NAMES = {
    "not_null": N_("Not empty"),
    "unique": N_("Unique"),
    "pattern": N_("Pattern"),
    "type": N_("Type"),
    "range": N_("Range"),
    "length": N_("Length"),
    "enum": N_("Enumeration"),
    "reference": N_("Reference"),
    "id_birth": N_("Birth date matches the ID"),
    "id_gender": N_("Gender matches the ID"),
    "compare": N_("Comparison"),
    "freshness": N_("Freshness"),
    "accessible": N_("Accessible"),
}
LABEL_STATUSES = {
    "proposed": N_("Proposed"),
    "confirmed": N_("Confirmed"),
    "rejected": N_("Rejected"),
    "none": N_("Not sensitive"),
}
LEVEL_CLASSES = (
    "text-bg-success",
    "text-bg-info",
    "text-bg-primary",
    "text-bg-warning",
    "text-bg-danger",
    "text-bg-dark",
)


def level_class(level: str | None, levels: list[str] | tuple[str, ...] | None) -> str:
    """A badge colour for a level: green for the lowest of its template, dark for the highest."""
    if not level:
        return "text-bg-light"
    if not levels:
        from shuliu.classify.templates import builtin

        levels = next((t.levels for t in builtin().values() if level in t.levels), None)
    if not levels or level not in levels:
        return "text-bg-secondary"
    rank = list(levels).index(level)
    scaled = round(rank * (len(LEVEL_CLASSES) - 1) / max(1, len(levels) - 1))
    return LEVEL_CLASSES[scaled]


def score_class(score: float | None) -> str:
    """A badge colour for a quality score (0–100)."""
    if score is None:
        return "text-bg-light"
    if score >= 90:
        return "text-bg-success"
    if score >= 75:
        return "text-bg-info"
    if score >= 60:
        return "text-bg-warning"
    return "text-bg-danger"


def rule_text(rule: dict[str, Any]) -> str:
    """One piece of a label's evidence, as a sentence (the rule code stays visible beside it)."""
    code = str(rule.get("rule", ""))
    kind, _, what = code.partition(":")
    if kind == "name":
        return i18n.gettext("the column name matches the dictionary word “%(word)s”") % {"word": what}
    if kind == "content":
        return i18n.gettext("%(type)s: %(strict)s of the values pass the check, %(shape)s have its shape") % {
            "type": type_name(what),
            "strict": f"{float(rule.get('strict_ratio') or 0):.0%}",
            "shape": f"{float(rule.get('shape_ratio') or 0):.0%}",
        }
    return code


def type_name(type_id: str) -> str:
    from shuliu.classify.catalogue import types

    t = types().get(type_id)
    if t is None:
        return type_id
    return t.zh if i18n.current_language.get() == "zh_CN" else t.en


OUTCOMES = {
    "ok": N_("ok"),
    "denied": N_("denied"),
    "not-found": N_("not found"),
    "invalid": N_("invalid"),
    "error": N_("error"),
}
JOB_STATUSES = {
    "queued": N_("Queued"),
    "running": N_("Running"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}


def _lookup(table: dict[str, str]):
    def name(code: str) -> str:
        if code.startswith("信息项:"):
            return i18n.gettext("Information items") + code[len("信息项") :]
        return i18n.gettext(table[code]) if code in table else code

    return name


GLOBALS = {
    "role_name": _lookup(ROLES),
    "sort_name": _lookup(SORTS),
    "facet_name": _lookup(FACETS),
    "action_name": _lookup(ACTIONS),
    "field_name": _lookup(FIELDS),
    "problem_title": _lookup(PROBLEMS),
    "job_kind": _lookup(JOB_KINDS),
    "job_status": _lookup(JOB_STATUSES),
    "label_status": _lookup(LABEL_STATUSES),
    "outcome_name": _lookup(OUTCOMES),
    "level_class": level_class,
    "score_class": score_class,
    "check_name": _lookup(CHECK_NAMES),
    "type_name": type_name,
    "rule_text": rule_text,
}
