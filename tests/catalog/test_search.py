"""Chinese full-text search: matching, ranking, facets, pages, visibility inside the query, hostile input."""

from __future__ import annotations

from typing import Any

import pytest

from shuliu.auth import service as auth
from shuliu.catalog import search as catalog_search
from shuliu.catalog import service as catalog
from shuliu.catalog.schemas import ResourceCreate
from shuliu.config import Settings
from shuliu.errors import BadQuery
from shuliu.platform import Platform
from tests.conftest import PASSWORD, drop_pg_database, make_pg_database, user

RESOURCES = [
    dict(
        name="全国普通高等学校名单",
        summary="教育部公布的高等学校名单，含学校标识码、主管部门和所在地",
        tags=["教育", "高校"],
        category="部门",
        category_item="02",
        open_type="无条件开放",
    ),
    dict(
        name="各省地区生产总值",
        summary="国家统计局分省年度数据，地区生产总值（亿元）",
        tags=["GDP", "宏观经济"],
        category="主题",
        category_item="13",
        open_type="无条件开放",
        update_cycle="每年",
    ),
    dict(
        name="城镇单位就业人员",
        summary="分省城镇单位就业人员数（万人）",
        tags=["就业", "统计"],
        category="主题",
        category_item="13",
        update_cycle="每年",
    ),
    dict(
        name="人口基础信息",
        summary="户籍人口的姓名、公民身份号码、户籍地址",
        tags=["人口", "身份核验"],
        category="基础",
        category_item="01",
        share_type="有条件共享",
        share_condition="身份核验",
        share_basis="《个人信息保护法》",
    ),
    dict(name="北京大学附属医院床位", summary="医疗卫生资源统计", tags=["卫生"], category="主题", category_item="02"),
    dict(name="涉密资源", summary="高等学校涉密科研项目", tags=["教育"], share_type="不予共享", share_basis="保密法"),
    dict(
        name="Enterprise register 2025",
        summary="market entities, GDP contribution",
        tags=["enterprise"],
        category="基础",
        category_item="02",
        status="draft",
    ),
]


def load(platform: Platform) -> None:
    with platform.db.session() as s:
        stats = auth.create_org(session=s, code="ORG-STATS", name="湖北省统计局")
        auth.create_org(session=s, code="ORG-EDU", name="湖北省教育厅")
        auth.create_user(session=s, username="p1", password=PASSWORD, role="provider", org=stats.code)
        auth.create_user(session=s, username="p2", password=PASSWORD, role="provider", org="ORG-EDU")
        auth.create_user(session=s, username="cc", password=PASSWORD, role="consumer")
    for i, fields in enumerate(RESOURCES):
        with platform.db.session() as s:
            actor = auth.get_user(session=s, ref="p2" if i in (0, 5) else "p1")
            catalog.create_resource(session=s, actor=actor, data=ResourceCreate(**fields))


def names(platform: Platform, q: str, actor: str | None = "cc", **kwargs: Any) -> list[str]:
    labels = auth.labels_for(user(platform, actor) if actor else None)
    with platform.db.session() as s:
        return [h.name for h in catalog_search.search(session=s, labels=labels, q=q, **kwargs).results]


@pytest.fixture
def loaded(platform: Platform) -> Platform:
    load(platform)
    return platform


def test_chinese_queries(loaded: Platform) -> None:
    assert names(loaded, "高等学校") == ["全国普通高等学校名单"]  # the 不予共享 one stays hidden
    assert names(loaded, "生产总值") == ["各省地区生产总值"]
    assert names(loaded, "地区生产总值") == ["各省地区生产总值"]
    assert names(loaded, "就业 人员") == ["城镇单位就业人员"]
    assert names(loaded, "身份核验") == ["人口基础信息"]  # a tag
    assert names(loaded, "公民身份号码") == ["人口基础信息"]  # the summary
    # provider names are searched too: every resource of 湖北省统计局 matches 统计
    assert set(names(loaded, "统计")) == {
        "城镇单位就业人员",
        "北京大学附属医院床位",
        "各省地区生产总值",
        "人口基础信息",
    }
    assert names(loaded, "gdp") == ["各省地区生产总值"]  # Latin, case-insensitive
    assert names(loaded, "ＧＤＰ") == ["各省地区生产总值"]  # full-width folds to half-width
    assert names(loaded, "不存在的词语") == []


def test_name_matches_rank_above_summary_matches(loaded: Platform) -> None:
    assert names(loaded, "统计")[0] == "城镇单位就业人员"  # a tag outweighs the provider's name
    assert names(loaded, "高等学校", actor="p2")[0] == "全国普通高等学校名单"  # name before summary
    assert names(loaded, "北京大学") == ["北京大学附属医院床位"]


def test_visibility_is_part_of_the_query(loaded: Platform) -> None:
    owner_labels = auth.labels_for(user(loaded, "p2"))
    with loaded.db.session() as s:
        anon = catalog_search.search(session=s, labels=auth.labels_for(None), q="")
        assert anon.count == 2 and {h.name for h in anon.results} == {"全国普通高等学校名单", "各省地区生产总值"}
        assert sum(v.count for v in anon.facets["category"]) == 2  # facets count only what one may see
        owner = catalog_search.search(session=s, labels=owner_labels, q="高等学校")
        assert {h.name for h in owner.results} == {"全国普通高等学校名单", "涉密资源"}
    assert names(loaded, "enterprise", actor="p1") == ["Enterprise register 2025"]  # own draft
    assert names(loaded, "enterprise", actor="cc") == []


def test_facets_filters_sorting_and_pages(loaded: Platform) -> None:
    labels = auth.labels_for(user(loaded, "cc"))
    with loaded.db.session() as s:
        res = catalog_search.search(session=s, labels=labels, q="", filters={"category": ["主题"]})
        assert res.count == 3
        # the category facet ignores its own filter (multi-select), the others honour it
        assert {v.value: v.count for v in res.facets["category"]} == {"主题": 3, "部门": 1, "基础": 1}
        assert {v.value: v.count for v in res.facets["provider"]} == {"湖北省统计局": 3}
        res = catalog_search.search(session=s, labels=labels, filters={"tags": ["统计", "GDP"]}, sort="name")
        assert [h.name for h in res.results] == ["各省地区生产总值", "城镇单位就业人员"]  # code-point order
        res = catalog_search.search(
            session=s, labels=labels, filters={"provider": ["湖北省教育厅"], "update_cycle": ["不定期"]}
        )
        assert [h.name for h in res.results] == ["全国普通高等学校名单"]
        page1 = catalog_search.search(session=s, labels=labels, sort="name", per_page=2, page=1)
        page2 = catalog_search.search(session=s, labels=labels, sort="name", per_page=2, page=2)
        assert page1.count == page2.count == 5
        assert len({h.name for h in page1.results + page2.results}) == 4


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "学校%'; DROP TABLE resources; --",
        "😀🚀",
        "a" * 200,
        "<script>alert(1)</script>",
        "  ",
        "((()))",
        "*:*",
    ],
)
def test_hostile_queries_are_harmless(loaded: Platform, q: str) -> None:
    result = names(loaded, q)
    assert isinstance(result, list)
    assert len(names(loaded, "")) == 5  # nothing was harmed


@pytest.mark.parametrize(
    "q,field", [("a" * 201, "q"), ("学校\x00", "q"), ("".join(chr(0x4E00 + i * 7) for i in range(70)), "q")]
)
def test_bad_queries_say_what_is_wrong(loaded: Platform, q: str, field: str) -> None:
    with loaded.db.session() as s, pytest.raises(BadQuery) as exc:
        catalog_search.search(session=s, labels=["public"], q=q)
    assert exc.value.details["field"] == field


def test_bad_filters_and_pages(loaded: Platform) -> None:
    with loaded.db.session() as s:
        for kwargs in (
            {"filters": {"nope": ["x"]}},
            {"sort": "random()"},
            {"page": 0},
            {"per_page": 1000},
            {"page": 1000, "per_page": 100},
        ):
            with pytest.raises(BadQuery):
                catalog_search.search(session=s, labels=["public"], **kwargs)


QUERIES = ["", "高等学校", "统计", "生产总值", "就业人员", "身份", "gdp", "教育", "北京", "人口 身份"]


def test_same_results_on_sqlite_and_postgresql(tmp_path: Any, pg_template: str) -> None:
    """The same catalog on both databases answers every query with the same hits in the same order."""
    name, url = make_pg_database(pg_template)
    try:
        outcomes = []
        for db_url in (None, url):
            plat = Platform(Settings(home=tmp_path / ("pg" if db_url else "lite"), database_url=db_url, secret_key="x"))
            load(plat)
            labels = auth.labels_for(user(plat, "cc"))
            with plat.db.session() as s:
                outcomes.append(
                    [
                        [
                            (h.name, h.score)
                            for h in catalog_search.search(session=s, labels=labels, q=q, sort=sort).results
                        ]
                        + [
                            sorted(
                                (k, [(v.value, v.count) for v in vs])
                                for k, vs in catalog_search.search(session=s, labels=labels, q=q).facets.items()
                            )
                        ]
                        for q in QUERIES
                        for sort in ("relevance", "name", "updated")
                    ]
                )
            plat.close()
        sqlite_results, pg_results = outcomes
        assert sqlite_results == pg_results
    finally:
        drop_pg_database(name)
