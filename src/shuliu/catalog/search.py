"""Chinese full-text search over the catalog, identical on SQLite and PostgreSQL.

The index is a table of terms built in Python: for Chinese text the character unigrams and
bigrams (recall: a query matches when all its bigrams occur, like pg_bigm) plus jieba's
search-mode words (precision: they weigh in the ranking); for Latin text and digits, whole
lower-cased tokens. Both databases then answer the same plain SQL, so they return the same
results in the same order. Visibility is a condition inside the query (CKAN's permission labels).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import jieba
from sqlalchemy import and_, delete, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from shuliu.auth.models import Organization
from shuliu.catalog.models import Resource, ResourceLabel, ResourceTag, SearchTerm
from shuliu.catalog.schemas import FacetValue, SearchHit, SearchResults
from shuliu.catalog.vocab import vocabulary
from shuliu.errors import BadQuery

jieba.setLogLevel(logging.WARNING)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[a-z0-9]+(?:[._\-/][a-z0-9]+)*")
FIELD_WEIGHTS = {
    "name": 10.0,
    "code": 8.0,
    "tags": 6.0,
    "columns": 3.0,
    "provider": 2.0,
    "summary": 2.0,
    "category": 2.0,
}
MAX_QUERY = 200
MAX_TERMS = 64
FACETS = ("provider", "category", "share_type", "open_type", "format", "update_cycle", "tags", "level", "types")
SORTS = ("relevance", "name", "updated", "published", "rows", "level", "quality")


def warm_up() -> None:
    """Load jieba's dictionary now (about half a second) rather than in the middle of a transaction."""
    jieba.initialize()


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _grams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def text_terms(text: str) -> set[str]:
    """Index terms of a text: CJK unigrams + bigrams, jieba words (w:…), Latin/digit tokens."""
    text = normalise(text)
    terms: set[str] = set()
    for run in CJK.findall(text):
        terms.update(run)
        terms.update(_grams(run))
        terms.update("w:" + w for w in jieba.cut_for_search(run) if len(w) >= 2)
    for token in WORD.findall(text):
        terms.add(token[:60])
        terms.update(t for t in re.split(r"[._\-/]", token) if t)
    return terms


def resource_terms(resource: Resource) -> dict[str, float]:
    """term → weight for one resource (the highest field weight a term appears in)."""
    fields = {
        "name": [resource.name],
        "code": [resource.code],
        "tags": [t.tag for t in resource.tags],
        "columns": [c.name + " " + (c.description or "") for c in resource.columns],
        "provider": [resource.provider.name if resource.provider else ""],
        "summary": [resource.summary or ""],
        "category": [resource.category, vocabulary().item_name(resource.category, resource.category_item)],
    }
    weights: dict[str, float] = defaultdict(float)
    for field, texts in fields.items():
        w = FIELD_WEIGHTS[field]
        for text in texts:
            for term in text_terms(text):
                weights[term] = max(weights[term], w)
    return dict(weights)


def reindex(*, session: Session, resource: Resource) -> None:
    """Replace a resource's index rows (in the caller's transaction)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource.id))
    session.add_all(
        SearchTerm(resource_id=resource.id, term=t[:64], weight=w) for t, w in sorted(resource_terms(resource).items())
    )


def parse_query(q: str) -> tuple[list[str], list[str]]:
    """(required terms, ranking-only jieba words) of a user query; BadQuery on hostile input."""
    if len(q) > MAX_QUERY:
        raise BadQuery(
            "the query is {length} characters long; the limit is {limit}", field="q", length=len(q), limit=MAX_QUERY
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in q):
        raise BadQuery("the query contains control characters", field="q")
    text = normalise(q)
    required: list[str] = []
    words: list[str] = []
    for run in CJK.findall(text):
        required.extend(_grams(run))
        words.extend("w:" + w for w in jieba.cut_for_search(run) if len(w) >= 2)
    for token in WORD.findall(text):
        required.append(token[:60])
    required = list(dict.fromkeys(required))
    if len(required) > MAX_TERMS:
        raise BadQuery("the query has too many terms ({terms}); shorten it", field="q", terms=len(required))
    return required, list(dict.fromkeys(words))


def _visible(labels: Iterable[str]) -> Any:
    return exists().where(ResourceLabel.resource_id == Resource.id, ResourceLabel.label.in_(list(labels)))


def _filter_clause(name: str, values: list[str]) -> Any:
    if name == "provider":
        return Resource.provider_org_id.in_(select(Organization.id).where(Organization.name.in_(values)))
    if name == "level":
        return Resource.security_level.in_(values)
    if name == "types":
        from shuliu.classify.models import ResourceSensitiveType

        return exists().where(ResourceSensitiveType.resource_id == Resource.id, ResourceSensitiveType.type.in_(values))
    if name == "tags":
        return exists().where(ResourceTag.resource_id == Resource.id, ResourceTag.tag.in_(values))
    return getattr(Resource, name).in_(values)


def search(
    *,
    session: Session,
    labels: list[str],
    q: str = "",
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Visible resources matching `q` and the facet filters, with facet counts."""
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if vs}
    for key, values in filters.items():
        if key not in FACETS:
            raise BadQuery("unknown filter {field!r}; filters are {choices}", field=key, choices=", ".join(FACETS))
        if len(values) > 50 or any(len(v) > 200 for v in values):
            raise BadQuery("filter {field!r} has too many or too long values", field=key)
    if sort not in SORTS:
        raise BadQuery("unknown sort {sort!r}; use one of {choices}", field="sort", sort=sort, choices=", ".join(SORTS))
    if page < 1 or not 1 <= per_page <= 100 or page * per_page > 10000:
        raise BadQuery("page counts from 1 and per_page is 1–100 (at most 10,000 results deep)", field="page")
    required, words = parse_query(q)

    base = [_visible(labels)]
    if required:
        matching = (
            select(SearchTerm.resource_id)
            .where(SearchTerm.term.in_(required))
            .group_by(SearchTerm.resource_id)
            .having(func.count(func.distinct(SearchTerm.term)) == len(required))
        )
        base.append(Resource.id.in_(matching))
    filter_clauses = {k: _filter_clause(k, v) for k, v in filters.items()}

    where = and_(*base, *filter_clauses.values())
    total = session.scalar(select(func.count()).select_from(Resource).where(where)) or 0

    score_col: Any
    if required:
        scores = (
            select(SearchTerm.resource_id.label("rid"), func.sum(SearchTerm.weight).label("score"))
            .where(SearchTerm.term.in_(required + words))
            .group_by(SearchTerm.resource_id)
            .subquery()
        )
        score_col = func.coalesce(scores.c.score, 0.0)
        stmt = select(Resource, score_col).outerjoin(scores, scores.c.rid == Resource.id).where(where)
    else:
        score_col = literal(0.0)
        stmt = select(Resource, score_col).where(where)
    # Code-point order for names on both databases (PostgreSQL's locale would sort otherwise).
    name_key = Resource.name.collate("C") if session.get_bind().dialect.name == "postgresql" else Resource.name
    order = {
        "relevance": [score_col.desc(), Resource.updated_at.desc(), Resource.id],
        "name": [name_key, Resource.id],
        "updated": [Resource.updated_at.desc(), Resource.id],
        "published": [Resource.published_on.desc().nulls_last(), Resource.id],
        "rows": [Resource.row_count.desc().nulls_last(), Resource.id],
        "level": [Resource.security_rank.desc().nulls_last(), Resource.id],
        "quality": [Resource.quality_score.desc().nulls_last(), Resource.id],
    }[sort]
    rows = session.execute(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    hits = [
        SearchHit(
            resource_id=r.id,
            code=r.code,
            name=r.name,
            summary=r.summary,
            provider=r.provider.name,
            category=r.category,
            share_type=r.share_type,
            open_type=r.open_type,
            format=r.format,
            update_cycle=r.update_cycle,
            tags=[t.tag for t in r.tags],
            rows=r.row_count,
            level=r.security_level,
            quality_score=r.quality_score,
            score=round(float(score), 3),
            updated_at=r.updated_at,
        )
        for r, score in rows
    ]

    facets: dict[str, list[FacetValue]] = {}
    fstmt: Any
    for facet in FACETS:
        # Multi-select facets: each facet's counts ignore its own filter, honour the others.
        others = [c for k, c in filter_clauses.items() if k != facet]
        cond = and_(*base, *others)
        if facet == "provider":
            fstmt = (
                select(Organization.name, func.count())
                .select_from(Resource)
                .join(Organization, Organization.id == Resource.provider_org_id)
                .where(cond)
                .group_by(Organization.name)
            )
        elif facet == "types":
            from shuliu.classify.models import ResourceSensitiveType

            fstmt = (
                select(ResourceSensitiveType.type, func.count())
                .select_from(Resource)
                .join(ResourceSensitiveType, ResourceSensitiveType.resource_id == Resource.id)
                .where(cond)
                .group_by(ResourceSensitiveType.type)
            )
        elif facet == "level":
            fstmt = (
                select(Resource.security_level, func.count())
                .select_from(Resource)
                .where(cond, Resource.security_level.is_not(None))
                .group_by(Resource.security_level)
            )
        elif facet == "tags":
            fstmt = (
                select(ResourceTag.tag, func.count())
                .select_from(Resource)
                .join(ResourceTag, ResourceTag.resource_id == Resource.id)
                .where(cond)
                .group_by(ResourceTag.tag)
            )
        else:
            col = getattr(Resource, facet)
            fstmt = select(col, func.count()).select_from(Resource).where(cond, col != "").group_by(col)
        counted = [FacetValue(value=str(v), count=int(n)) for v, n in session.execute(fstmt) if v is not None]
        counted.sort(key=lambda fv: (-fv.count, fv.value))
        facets[facet] = counted[:30]
    return SearchResults(
        query=q, count=int(total), page=page, per_page=per_page, sort=sort, results=hits, facets=facets, filters=filters
    )


def refresh_labels(*, session: Session, resource: Resource) -> None:
    """Recompute a resource's permission labels from its status, share and open types."""
    labels = {"admin", "auditor", f"org:{resource.provider_org_id}"}
    if resource.created_by_id is not None:
        labels.add(f"user:{resource.created_by_id}")
    if resource.status == "published":
        if not (resource.share_type == "不予共享" and resource.open_type == "不予开放"):
            labels.add("authenticated")
        if resource.open_type in ("无条件开放", "有条件开放"):
            labels.add("public")
    session.execute(delete(ResourceLabel).where(ResourceLabel.resource_id == resource.id))
    session.add_all(ResourceLabel(resource_id=resource.id, label=label) for label in sorted(labels))


def visible_clause(labels: list[str]) -> Any:
    return _visible(labels)


__all__ = ["FACETS", "SORTS", "or_", "refresh_labels", "reindex", "search", "text_terms"]
