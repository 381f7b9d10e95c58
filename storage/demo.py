"""`flask demo load`: a synthetic population of enterprises over provinces, cities, industries, sizes and two
periods, every assessment made through the real submission path, every enterprise labelled synthetic."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import Engine, inspect
from sqlmodel import Session, func, select

from assessment.classifications import load_industries, load_regions, size_class
from assessment.margins import DEMO_MARGINS_PATH, DEMO_MARGINS_SOURCE, DEMO_MARGINS_YEAR, parse_margins_csv
from assessment.reference_csv import read_csv_text
from assessment.regional.indicators import DEMO_INDICATORS_PATH, parse_indicator_csv
from assessment.synthetic import draw_maturity, synthetic_answers
from questionnaires.catalog import Catalog
from storage.accounts import create_user, set_password
from storage.assessments import save_answers, start_assessment, start_reassessment
from storage.margins import import_margins
from storage.reference_data import import_indicators
from storage.releases import make_release
from storage.submissions import submit as submit_answers
from storage.tables import Enterprise, EnterpriseBase, User, utcnow

# (employees, revenue in million yuan) ranges per size class, with the share of enterprises in each
SIZE_RANGES = ((5, 19, 0.5, 2.9), (20, 299, 3, 19.9), (300, 999, 20, 399), (1000, 5000, 400, 5000))
SIZE_WEIGHTS = (30, 45, 18, 7)
# Provinces of the demo population and their weight; the eight with every city listed carry most enterprises.
# The offset nudges maturity so that regions differ as they do in the published indices (coast ahead).
PROVINCES = {
    "370000": (16, 0.15), "320000": (15, 0.35), "330000": (14, 0.35), "440000": (15, 0.4),
    "410000": (9, -0.2), "420000": (8, 0.0), "510000": (8, -0.1), "350000": (7, 0.1),
    "310000": (3, 0.5), "110000": (2, 0.5), "130000": (2, -0.3), "340000": (1, -0.1),
}
PERIODS = (2025, 2026)
FIRST_PERIOD_SHARE = 0.65  # of the enterprises, assessed in the first period
REASSESSED_SHARE = 0.7  # of those, assessed again in the second period


def synthetic_enterprises(engine: Engine) -> int:
    """How many synthetic enterprises a database holds (0 before its schema exists)."""
    if not inspect(engine).has_table("enterprise"):
        return 0
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Enterprise).where(Enterprise.synthetic)).one()


def load_demo(*, session: Session, catalog: Catalog, count: int, seed: int, questionnaire_id: str,
              k: int, progress: Callable[[int], None] | None = None,
              release_progress: Callable[[bool, int, int], None] | None = None) -> list[str]:
    """Create `count` synthetic enterprises with submitted assessments in two periods, rebuild the benchmark
    statistics (weighted to the synthetic Shandong margins) and import the synthetic regional indicators; return
    the resume tokens of the assessments. `progress(1)` is called after each enterprise, `release_progress` as
    `make_release` calls its `progress`."""
    rng = random.Random(seed)
    questionnaire = catalog.get(questionnaire_id)
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire '{questionnaire_id}'; available: {', '.join(catalog.ids())}")
    regions = load_regions()
    industries = sorted(load_industries().values(), key=lambda i: i.code)
    provinces, weights = zip(*((code, weight) for code, (weight, _) in PROVINCES.items()), strict=True)
    tokens = []

    def answer_and_submit(assessment, maturity: float, period: int) -> None:
        answers = synthetic_answers(questionnaire, maturity, rng)
        save_answers(session=session, assessment=assessment, answers=answers)
        when = datetime(period, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(15, 330), hours=rng.randint(0, 23))
        submit_answers(session=session, assessment=assessment, questionnaire=questionnaire, answers=answers,
                       trust="vouched", submitted_at=when)
        tokens.append(assessment.token)

    for number in range(1, count + 1):
        province = rng.choices(provinces, weights)[0]
        cities = regions.children(province)
        # where only the capital is listed, most enterprises elsewhere in the province name the province itself
        region = rng.choice(cities).code if cities and (len(cities) > 1 or rng.random() < 0.4) else province
        industry = rng.choice(industries)
        size = rng.choices(range(4), SIZE_WEIGHTS)[0]
        low_e, high_e, low_r, high_r = SIZE_RANGES[size]
        employees, revenue = rng.randint(low_e, high_e), round(rng.uniform(low_r, high_r), 1)
        profile = EnterpriseBase(
            name=f"Demo enterprise {number:05d}", region_code=region, industry_code=industry.code,
            industry_type=industry.type, employees=employees, revenue_million_yuan=revenue,
            size_class=size_class(employees, revenue), synthetic=True,
        )
        maturity = min(5.0, max(0.0, draw_maturity(rng) + PROVINCES[province][1] + 0.25 * (size - 1.5)))
        first = rng.random() < FIRST_PERIOD_SHARE
        assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
        enterprise = session.get(Enterprise, assessment.enterprise_id)
        answer_and_submit(assessment, maturity, PERIODS[0] if first else PERIODS[1])
        if first and rng.random() < REASSESSED_SHARE:
            change = rng.gauss(0.3, 0.35)  # a year of work, sometimes a step back
            again = start_reassessment(session=session, enterprise=enterprise, questionnaire=questionnaire)
            answer_and_submit(again, min(5.0, max(0.0, maturity + change)), PERIODS[1])
        if progress is not None:
            progress(1)
    margins = parse_margins_csv(read_csv_text(DEMO_MARGINS_PATH), file_name=str(DEMO_MARGINS_PATH))
    import_margins(session=session, rows=margins, source=DEMO_MARGINS_SOURCE, year=DEMO_MARGINS_YEAR)
    make_release(session=session, catalog=catalog, k=k, progress=release_progress)
    rows = parse_indicator_csv(read_csv_text(DEMO_INDICATORS_PATH), file_name=str(DEMO_INDICATORS_PATH))
    import_indicators(session=session, rows=rows)
    return tokens


DEMO_ACCOUNTS = (  # (e-mail, role, jurisdiction)
    ("admin@demo.imready", "admin", None),
    ("agency@demo.imready", "agency", "370000"),
    ("consultant@demo.imready", "consultant", None),
    ("enterprise@demo.imready", "enterprise", None),
)
DEMO_CLIENTS = 25  # synthetic enterprises given to the demo consultant


def demo_accounts(*, session: Session, password: str) -> list[User]:
    """One account per role, sharing `password` (existing ones get it again), their addresses confirmed: a Shandong
    agency analyst, a consultant with the first synthetic enterprises as clients, and an enterprise user of the first
    of them."""
    enterprises = session.exec(select(Enterprise).where(Enterprise.synthetic).order_by(Enterprise.id)
                               .limit(DEMO_CLIENTS)).all()  # fmt: skip
    users = []
    for email, role, jurisdiction in DEMO_ACCOUNTS:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = create_user(session=session, email=email, password=password, role=role, jurisdiction=jurisdiction,
                               name=f"Demo {role}", confirmed=True)  # fmt: skip
        else:
            user.email_confirmed_at = user.email_confirmed_at or utcnow()
            set_password(session=session, user=user, password=password)
        users.append(user)
    consultant, member = users[2], users[3]
    for enterprise in enterprises:
        enterprise.consultant_id = consultant.id
        session.add(enterprise)
    if enterprises:
        member.enterprise_id = enterprises[0].id
        session.add(member)
    session.commit()
    return users
