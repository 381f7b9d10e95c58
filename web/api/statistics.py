"""The API's regional statistics for agency analysts and administrators: the agencies' table, suppressed exactly
as on the pages, within the analyst's jurisdiction."""

from __future__ import annotations

from flask import current_app

from assessment.classifications import load_industries, load_regions
from assessment.regional.comparison import Selection
from assessment.regional.selection import (
    follows,
    industry_scopes,
    lagging_bands,
    provinces_with_cities,
    selected_regions,
    size_scopes,
)
from questionnaires.loader import Questionnaire
from reports.region_view import comparison_table
from reports.region_wording import table_wording, withheld_rule
from reports.weighted_view import WeightedTable, weighted_table
from storage.access import jurisdiction_of, within_jurisdiction
from storage.db import get_session
from storage.statistics import latest_release, periods_with_statistics
from web.api import schemas
from web.api.core import STATISTICS, ApiError, api_user, operation, timestamp
from web.catalog import get_catalog
from web.i18n import current_language


def selection(query: schemas.RegionalQuery) -> tuple[Questionnaire, Selection]:
    """The query as the agencies page's selection, checked as its form is: values outside what the page offers are
    400 (naming the field), regions outside an agency's jurisdiction 403."""
    catalog, session, regions, allowed = get_catalog(), get_session(), load_regions(), jurisdiction_of(api_user())
    periods_of = periods_with_statistics(session=session, catalog=catalog)
    with_stats = [catalog.get(questionnaire_id) for questionnaire_id in periods_of]
    if query.questionnaire is not None:
        questionnaire = catalog.get(query.questionnaire)
        if questionnaire is None or not periods_of.get(questionnaire.id):
            offered = ", ".join(q.id for q in with_stats) or "none"
            raise ApiError(400, "No statistics for this questionnaire.",
                           fields={"questionnaire": f"one of the questionnaires with statistics: {offered}"})
    elif with_stats:
        questionnaire = with_stats[0]
    else:
        raise ApiError(404, "There are no statistics yet.", code="no_statistics")
    periods = periods_of[questionnaire.id]
    fields = {}
    period = query.period if query.period is not None else periods[-1]
    if period not in periods:
        fields["period"] = f"one of {', '.join(map(str, periods))}"
    elif query.base is not None and not follows(periods, period, query.base):
        fields["base"] = f"change is measured from the period just before {period}"
    if query.within is not None and query.within not in {p.code for p in provinces_with_cities(regions)}:
        fields["within"] = "the code of a province that has cities"
    unknown = [code for code in query.region if code not in regions]
    if unknown:
        fields["region"] = f"unknown region codes: {', '.join(unknown)}"
    if query.industry not in industry_scopes(load_industries()):
        fields["industry"] = "all, discrete, process or a GB/T 4754 manufacturing division"
    if query.size not in size_scopes():
        fields["size"] = f"one of {', '.join(size_scopes())}"
    bands = [band.level for band in lagging_bands(questionnaire)]
    if query.lag_level not in bands:
        fields["lag_level"] = f"one of {', '.join(map(str, bands))}"
    if query.lag_dimensions > len(questionnaire.dimensions):
        fields["lag_dimensions"] = f"1 to {len(questionnaire.dimensions)}"
    if fields:
        raise ApiError(400, "The selection is not valid.", fields=fields)
    asked = [*query.region, *([query.within] if query.within else [])]
    outside = [code for code in asked if not within_jurisdiction(code, allowed)]
    if outside:
        raise ApiError(403, f"Outside this account's jurisdiction ({allowed}): {', '.join(outside)}.",
                       code="outside_jurisdiction")
    codes, only_with_data = selected_regions(regions, chosen=query.region, within=query.within or "",
                                             jurisdiction=allowed)
    return questionnaire, Selection(
        questionnaire_id=questionnaire.id, period=period, region_codes=codes, base_period=query.base or 0,
        industry=query.industry, size=query.size, lagging_level=query.lag_level,
        lagging_dimensions=query.lag_dimensions, only_with_data=only_with_data)


def columns_out(columns) -> list[dict]:
    """Columns as the API describes them."""
    return [{"key": c.key, "group": c.group, "heading": c.heading, "label": c.label, "unit": c.unit, "node": c.node,
             "level": c.level} for c in columns]


def weighted_out(weighted: WeightedTable) -> dict:
    """The weighted figures as the API gives them: the cells of the agencies' files, a row per region."""
    return {"sources": list(weighted.sources), "notice": weighted.notice or None,
            "columns": columns_out(weighted.columns),
            "rows": [{"region_code": row.region_code, "status": row.status, "reason": row.note or None,
                      "cells": {column.key: cell.value for column, cell in zip(weighted.columns, row.cells,
                                                                                strict=True)},
                      "withheld": [column.key for column, cell in zip(weighted.columns, row.cells, strict=True)
                                   if cell.withheld]}
                     for row in weighted.rows]}


def release_out(release) -> dict | None:
    """A release as the API names it."""
    return None if release is None else {"id": release.id, "published_at": timestamp(release.created_at)}


@operation("GET", "/regions/statistics", summary="Regions compared (the agencies' table)", roles=STATISTICS,
           query=schemas.RegionalQuery, response=schemas.RegionalStatistics, errors=(404,), tag="regions")
def regional_statistics(query: schemas.RegionalQuery):
    """The table of the agencies' page for the same selection, built the same way: the figures of a group of fewer
    than k enterprises, and those that would let one be worked out, are null, and the row's `reason` says why. An
    agency analyst sees the regions of its jurisdiction only. With `weighted`, the figures weighted to the
    population beside them, withheld by the same rules and by one more (a weighting class below k)."""
    questionnaire, chosen = selection(query)
    lang, k = current_language(), current_app.config["BENCHMARK_MIN_GROUP"]
    words = table_wording(questionnaire, chosen, lang)
    release = latest_release(session=get_session())
    table = comparison_table(session=get_session(), questionnaire=questionnaire, selection=chosen, lang=lang,
                             wording=words, release=release)
    reasons = {"small": words.withheld_small, "complementary": words.withheld_complementary}
    return {
        "questionnaire_id": questionnaire.id, "period": chosen.period, "base_period": chosen.base_period or None,
        "industry": chosen.industry, "size": chosen.size,
        "lagging": {"level": chosen.lagging_level, "dimensions": chosen.lagging_dimensions},
        "k": k, "withheld_rule": withheld_rule(k), "release": release_out(release),
        "columns": columns_out(table.columns),
        "rows": [{"region_code": row.region_code, "region_name": row.region_name, "region_level": row.region_level,
                  "status": row.status, "reason": reasons.get(row.status), "change_status": row.change_status,
                  "change_reason": reasons.get(row.change_status), "synthetic": row.synthetic,
                  "cells": {column.key: cell.value for column, cell in zip(table.columns, row.cells, strict=True)},
                  "withheld": [column.key for column, cell in zip(table.columns, row.cells, strict=True)
                               if cell.withheld]}
                 for row in table.rows],
        "weighted": weighted_out(weighted_table(session=get_session(), questionnaire=questionnaire, table=table,
                                                release=release, lang=lang, k=k)) if query.weighted else None,
    }
