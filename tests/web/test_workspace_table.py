"""The client table of the workspace: search, filters, sorting and paging in GET parameters, and a consultant never
sees another consultant's clients through any of them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from factories import client_as, credit_code, make_user
from storage.tables import Assessment, Campaign, CampaignMember, Enterprise, Verification

T0 = datetime(2026, 3, 1, tzinfo=UTC)
INDUSTRY_TYPES = {"13": "process", "17": "process", "22": "process", "31": "process", "34": "discrete"}


def add_client(session, consultant_id, name, region, industry, *, assessment=None, verification=None, day=0):
    """An enterprise of `consultant_id`; `assessment`: (questionnaire, status, score, level) of its only assessment."""
    enterprise = Enterprise(name=name, region_code=region, industry_code=industry,
                            industry_type=INDUSTRY_TYPES[industry], employees=50, revenue_million_yuan=10.0,
                            size_class="small", consultant_id=consultant_id, created_at=T0)  # fmt: skip
    session.add(enterprise)
    session.flush()
    if assessment is not None:
        questionnaire, status, score, level = assessment
        row = Assessment(enterprise_id=enterprise.id, questionnaire_id=questionnaire, questionnaire_version="1.0",
                         token=f"token-{enterprise.id}", status=status, overall_score=score, overall_level=level,
                         created_at=T0, updated_at=T0 + timedelta(days=day))  # fmt: skip
        session.add(row)
        session.flush()
        if verification is not None:
            session.add(Verification(assessment_id=row.id, status=verification))
    return enterprise


def list_member(session, owner_id, enterprise, code):
    """Put an enterprise with its credit code on a campaign of `owner_id`."""
    campaign = Campaign(owner_id=owner_id, kind="consultant", name="Spring", questionnaire_id="quick_check",
                        questionnaire_version="2.0", period=2026, deadline=date(2026, 6, 1),
                        reminder_days=[])  # fmt: skip
    session.add(campaign)
    session.flush()
    session.add(CampaignMember(campaign_id=campaign.id, enterprise_id=enterprise.id, email="x@example.org",
                               credit_code=code, token_hash=f"{enterprise.id:064d}"))  # fmt: skip


BETA_CODE = credit_code(7, "370400")
SECRET_CODE = credit_code(8, "370400")


@pytest.fixture
def world(app):
    """Consultant A's five clients and consultant B's two, which share A's names, regions and industries."""
    mine = make_user(app, "consultant", email="a@example.org")
    theirs = make_user(app, "consultant", email="b@example.org")
    with Session(app.extensions["db_engine"]) as session:
        add_client(session, mine.id, "Alpha Gears", "370100", "34", assessment=("quick_check", "submitted", 2.5, 2),
                   verification="verified", day=3)  # fmt: skip
        beta = add_client(session, mine.id, "Beta Foods", "370400", "13",
                          assessment=("quick_check", "submitted", 1.8, 1), day=5)  # fmt: skip
        add_client(session, mine.id, "Gamma Steel", "320100", "31", assessment=("impuls", "draft", None, None), day=1)
        add_client(session, mine.id, "Delta Textiles", "370200", "17")
        add_client(session, mine.id, "Epsilon_Paper", "370100", "22", assessment=("quick_check", "draft", None, None),
                   verification="returned", day=2)  # fmt: skip
        add_client(session, theirs.id, "Alpha Pumps", "370100", "34", assessment=("quick_check", "submitted", 3.0, 3),
                   verification="verified", day=9)  # fmt: skip
        secret = add_client(session, theirs.id, "Secret Foods", "370400", "13",
                            assessment=("quick_check", "submitted", 1.0, 1), day=4)  # fmt: skip
        list_member(session, mine.id, beta, BETA_CODE)
        list_member(session, theirs.id, secret, SECRET_CODE)
        session.commit()
    return client_as(app, mine), client_as(app, theirs)


def names(page: str) -> list[str]:
    """The enterprises of the table, in order."""
    return re.findall(r'<tr id="enterprise-\d+">\s*<th scope="row">(?:<a [^>]*>)?([^<]+)', page)


def test_the_default_view_lists_own_clients_by_name(world):
    mine, _theirs = world
    page = mine.get("/workspace/").text
    assert names(page) == ["Alpha Gears", "Beta Foods", "Delta Textiles", "Epsilon_Paper", "Gamma Steel"]
    assert "5 enterprises match." in page
    # region names, not codes; a city with its province
    assert "Shandong / Zaozhuang" in page and "Jiangsu / Nanjing" in page and ">370400<" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=alpha", ["Alpha Gears"]),  # B's Alpha Pumps matches the text too, and stays hidden
        ("search=_", ["Epsilon_Paper"]),  # an underscore is a character, not LIKE's wildcard
        ("search=%25", []),  # nor a percent sign
        (f"search={BETA_CODE}", ["Beta Foods"]),  # by credit code (from a campaign list)
        ("region=370000", ["Alpha Gears", "Beta Foods", "Delta Textiles", "Epsilon_Paper"]),  # Shandong
        ("region=370100", ["Alpha Gears", "Epsilon_Paper"]),  # Jinan
        ("industry=13", ["Beta Foods"]),
        ("questionnaire=quick_check", ["Alpha Gears", "Beta Foods", "Epsilon_Paper"]),
        ("status=submitted", ["Alpha Gears", "Beta Foods"]),
        ("status=draft", ["Gamma Steel"]),
        ("status=returned", ["Epsilon_Paper"]),
        ("status=none", ["Delta Textiles"]),
        ("verified=verified", ["Alpha Gears"]),
        ("verified=self_declared", ["Beta Foods"]),
        ("region=370000&status=submitted&verified=self_declared", ["Beta Foods"]),
        ("industry=99&status=bogus&region=999999", ["Alpha Gears", "Beta Foods", "Delta Textiles", "Epsilon_Paper",
                                                    "Gamma Steel"]),  # unknown values: no filter  # fmt: skip
        # score descending: 2.5, 1.8, then the unscored by name
        ("sort=score&dir=desc", ["Alpha Gears", "Beta Foods", "Delta Textiles", "Epsilon_Paper", "Gamma Steel"]),
        ("sort=score", ["Beta Foods", "Alpha Gears", "Delta Textiles", "Epsilon_Paper", "Gamma Steel"]),
        # region codes: 320100, 370100 (two, by name), 370200, 370400
        ("sort=region", ["Gamma Steel", "Alpha Gears", "Epsilon_Paper", "Delta Textiles", "Beta Foods"]),
        # last change: Beta day 5, Alpha 3, Epsilon 2, Gamma 1, Delta (no assessment: created, day 0)
        ("sort=changed&dir=desc", ["Beta Foods", "Alpha Gears", "Epsilon_Paper", "Gamma Steel", "Delta Textiles"]),
        ("sort=name&dir=desc", ["Gamma Steel", "Epsilon_Paper", "Delta Textiles", "Beta Foods", "Alpha Gears"]),
    ],
)
def test_search_filters_and_sorting(world, query, expected):
    mine, _theirs = world
    page = mine.get(f"/workspace/?{query}").text
    assert names(page) == expected
    assert f"{len(expected)} enterprises match." in page


ATTACKS = ["search=Secret", f"search={SECRET_CODE}", "search=Pumps", "search=%", "search=", "region=370400",
           "industry=13", "industry=34&status=submitted&verified=verified", "sort=score&dir=desc", "page=2",
           "questionnaire=quick_check&sort=changed&dir=desc"]  # fmt: skip


@pytest.mark.parametrize("query", ATTACKS)
def test_no_filter_or_search_shows_another_consultants_clients(world, query):
    mine, theirs = world
    page = mine.get(f"/workspace/?{query}").text
    assert "Secret Foods" not in page and "Alpha Pumps" not in page
    assert "Alpha Gears" not in theirs.get(f"/workspace/?{query}").text  # and the other way round


def test_pages_of_fifty_clamped(app):
    consultant = make_user(app, "consultant", email="c@example.org")
    with Session(app.extensions["db_engine"]) as session:
        for number in range(1, 121):
            add_client(session, consultant.id, f"Client {number:03d}", "370100", "34")
        session.commit()
    client = client_as(app, consultant)
    first = client.get("/workspace/").text
    # 120 clients, 50 a page: pages of 50, 50 and 20
    assert names(first) == [f"Client {n:03d}" for n in range(1, 51)] and "Page 1 of 3" in first
    assert 'id="page-prev"' not in first and 'id="page-next"' in first
    last = client.get("/workspace/?page=3&sort=name").text
    assert names(last) == [f"Client {n:03d}" for n in range(101, 121)] and 'id="page-next"' not in last
    assert names(client.get("/workspace/?page=99").text) == names(last)  # past the end: the last page
    assert names(client.get("/workspace/?page=99999999999999999999").text) == names(first)  # nonsense: the first
    assert names(client.get("/workspace/?page=-2").text) == names(first)
    # the links keep the view: the next page of a descending sort
    descending = client.get("/workspace/?sort=name&dir=desc&search=Client").text
    next_link = re.search(r'href="([^"]+)" rel="next"', descending)[1].replace("&amp;", "&")
    assert names(client.get(next_link).text) == [f"Client {n:03d}" for n in range(70, 20, -1)]  # 120..71, then 70..21


def test_the_table_reads_in_chinese(world):
    mine, _theirs = world
    mine.get("/language/zh")
    page = mine.get("/workspace/?status=submitted").text
    assert "山东省 / 济南市" in page and "山东省 / 枣庄市" in page
    assert "农副食品加工业" in page  # industry 13 by name
    assert "智能制造能力成熟度自评估（快速自查）" in page  # the questionnaire's title
    for english in ("Submitted", "Verified", "Self-declared", "Last change", "enterprises match", "Shandong"):
        assert english not in page


def test_a_search_too_long_is_refused_with_a_message(world):
    mine, _theirs = world
    page = mine.get("/workspace/?search=" + "x" * 201).text
    assert "Search: at most 200 characters" in page and len(names(page)) == 5


def test_no_clients_yet(app):
    client = client_as(app, make_user(app, "consultant", email="new@example.org"))
    assert "You have no client enterprises yet." in client.get("/workspace/").text
    assert "0 enterprises match." in client.get("/workspace/?search=zz").text


def test_an_enterprise_user_sees_its_own_assessments_by_title_and_status(app, world):
    with Session(app.extensions["db_engine"]) as session:
        beta = session.exec(select(Enterprise).where(Enterprise.name == "Beta Foods")).one()
    client = client_as(app, make_user(app, "enterprise", email="owner@example.org", enterprise_id=beta.id))
    client.get("/language/zh")
    page = client.get("/workspace/").text
    assert "Beta Foods" in page and "Alpha Gears" not in page and "Secret Foods" not in page
    assert "智能制造成熟度快速自评（第 1.0 版）" in page and "<td>已提交</td>" in page  # quick_check.yaml's zh title
    assert "quick_check" not in page and ">submitted<" not in page
