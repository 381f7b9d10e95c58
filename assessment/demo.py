"""`flask demo load`: synthetic enterprises with submitted assessments, through the real submission path."""

from __future__ import annotations

import random

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import Session, func, select

from assessment.classifications import load_industries, load_regions, size_class
from assessment.models import Enterprise, EnterpriseBase
from assessment.scoring import score
from assessment.store import save_answers, start_assessment, submit_assessment
from assessment.synthetic import draw_maturity, synthetic_answers

demo_cli = AppGroup("demo", help="Demonstration data (synthetic, and labelled so wherever it is shown).")

# (employees, revenue in million yuan) ranges per size class, for plausible profiles
SIZE_RANGES = ((5, 19, 0.5, 2.9), (20, 299, 3, 19.9), (300, 999, 20, 399), (1000, 5000, 400, 5000))


def load_demo(*, session: Session, catalog, count: int, seed: int, questionnaire_id: str) -> list[str]:
    """Create `count` synthetic enterprises, each with one submitted assessment; return their resume tokens."""
    rng = random.Random(seed)
    questionnaire = catalog.get(questionnaire_id)
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire '{questionnaire_id}'; available: {', '.join(catalog.ids())}")
    regions = load_regions()
    cities = [r.code for p in regions.provinces() for r in regions.children(p.code)] or [
        p.code for p in regions.provinces()
    ]
    industries = sorted(load_industries().values(), key=lambda i: i.code)
    tokens = []
    for number in range(1, count + 1):
        industry = rng.choice(industries)
        low_e, high_e, low_r, high_r = rng.choices(SIZE_RANGES, weights=(30, 45, 18, 7))[0]
        employees, revenue = rng.randint(low_e, high_e), round(rng.uniform(low_r, high_r), 1)
        profile = EnterpriseBase(
            name=f"Demo enterprise {number:04d}",
            region_code=rng.choice(cities),
            industry_code=industry.code,
            industry_type=industry.type,
            employees=employees,
            revenue_million_yuan=revenue,
            size_class=size_class(employees, revenue),
            synthetic=True,
        )
        assessment = start_assessment(session=session, profile=profile, questionnaire=questionnaire)
        answers = synthetic_answers(questionnaire, draw_maturity(rng), rng)
        save_answers(session=session, assessment=assessment, answers=answers)
        result = score(questionnaire, answers, profile=industry.type)
        submit_assessment(session=session, assessment=assessment, questionnaire=questionnaire, result=result)
        tokens.append(assessment.token)
    return tokens


@demo_cli.command("load")
@click.option("--count", default=40, show_default=True, help="How many synthetic enterprises.")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--questionnaire", "questionnaire_id", default="quick_check", show_default=True)
@click.option("--force", is_flag=True, help="Load even if synthetic enterprises already exist.")
def load_command(count: int, seed: int, questionnaire_id: str, force: bool) -> None:
    """Load synthetic enterprises with submitted assessments (skipped if some exist, unless --force)."""
    with Session(current_app.extensions["db_engine"], expire_on_commit=False) as session:
        existing = session.exec(select(func.count()).select_from(Enterprise).where(Enterprise.synthetic)).one()
        if existing and not force:
            click.echo(f"{existing} synthetic enterprises already loaded; nothing to do (use --force to add more).")
            return
        tokens = load_demo(
            session=session, catalog=current_app.extensions["questionnaires"], count=count, seed=seed,
            questionnaire_id=questionnaire_id,
        )
    click.echo(f"Loaded {len(tokens)} synthetic enterprises with submitted '{questionnaire_id}' assessments.")
    click.echo(f"Open /a/{tokens[0]}/results on the running app to see one.")


def init_app(app: Flask) -> None:
    """Register `flask demo`."""
    app.cli.add_command(demo_cli)
