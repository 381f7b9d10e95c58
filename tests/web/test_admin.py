"""An administrator manages users and reference data in the app: roles and jurisdictions, indicator and published
benchmark files (refused whole with every bad line named), and sees the questionnaires in use."""

from __future__ import annotations

import io

from sqlmodel import Session, select

from factories import client_as, csrf_token, make_user
from storage.tables import RegionalIndicator, User

GOOD = ("region_code,period,indicator,value,source\n"
        "370000,2026,population,101000000,provincial statistics yearbook\n"
        "370000,2026,base_stations_5g,210000,provincial communications bureau\n")  # fmt: skip
BAD = GOOD + "379999,2026,population,12,nowhere\n370000,2026,population,lots,typo\n"


def upload(client, kind: str, text: str, name: str = "indicators.csv"):
    page = client.get("/admin/reference").text
    return client.post("/admin/reference", data={"csrf_token": csrf_token(page), "kind": kind,
                                                 "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")  # fmt: skip


def test_reference_files_are_refused_whole_with_each_line_named(app):
    admin = client_as(app, make_user(app, "admin"))
    refused = upload(admin, "indicators", BAD)
    assert refused.status_code == 400
    assert "indicators.csv: line 4" in refused.text and "379999" in refused.text
    assert "indicators.csv: line 5" in refused.text
    with Session(app.extensions["db_engine"]) as session:
        assert session.exec(select(RegionalIndicator)).all() == []
    done = upload(admin, "indicators", GOOD)
    assert done.status_code == 302
    page = admin.get("/admin/reference").text
    assert "2 rows imported from indicators.csv." in page and "Regional indicators for the periods: 2026." in page
    assert "quick_check.yaml" in page and "imready_full.yaml" in page
    with Session(app.extensions["db_engine"]) as session:
        assert len(session.exec(select(RegionalIndicator)).all()) == 2


def test_a_reference_file_of_thousands_of_bad_lines_lists_a_bounded_number(app):
    admin = client_as(app, make_user(app, "admin"))
    text = GOOD + "370000,2026,population,lots,typo\n" * 10_000
    refused = upload(admin, "indicators", text)
    assert refused.status_code == 400 and len(refused.data) < 100_000
    assert refused.text.count('class="flash flash-error"') == 101  # 100 problems and the count of the others
    assert "9,900 more problems are not listed here." in refused.text


def test_an_administrator_sets_roles_and_jurisdictions(app):
    admin = client_as(app, make_user(app, "admin"))
    target = make_user(app, "enterprise", email="analyst@example.org")
    page = admin.get("/admin/users").text
    token = csrf_token(page)
    admin.post(f"/admin/users/{target.id}", data={"csrf_token": token, "role": "agency", "jurisdiction": "",
                                                  "active": "on"})  # fmt: skip
    assert "An agency analyst needs a jurisdiction." in admin.get("/admin/users").text
    admin.post(f"/admin/users/{target.id}", data={"csrf_token": token, "role": "agency", "jurisdiction": "370000",
                                                  "active": "on"})  # fmt: skip
    with Session(app.extensions["db_engine"]) as session:
        user = session.get(User, target.id)
        assert (user.role, user.jurisdiction, user.active) == ("agency", "370000", True)
    assert client_as(app, user).get("/agencies/").status_code == 200
