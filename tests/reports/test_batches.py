"""Report batches: closed without an administrator password, signed in with it, rendered in the background with a
progress the page can poll, one broken enterprise listed without stopping the rest; and the same on the command
line."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from sqlmodel import Session, select

from factories import client_as, make_user, pdf_text
from storage.tables import Assessment, Enterprise


@pytest.fixture
def demo(make_demo_app, demo_population):
    """The app on this test's own copy of 120 demo enterprises, two good assessments and a broken one, the three
    enterprises clients of one consultant."""
    app = make_demo_app(120, 8, WTF_CSRF_ENABLED=False)
    tokens = demo_population(120, 8).tokens
    consultant = make_user(app, "consultant")
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        good = [session.exec(select(Assessment).where(Assessment.token == token)).one() for token in tokens[-2:]]
        source = session.get(Enterprise, good[0].enterprise_id)
        broken_enterprise = Enterprise(**{**source.model_dump(exclude={"id", "created_at"}), "name": "Broken Works"})
        session.add(broken_enterprise)
        session.commit()
        broken = Assessment(enterprise_id=broken_enterprise.id, questionnaire_id="quick_check",
                            questionnaire_version="1.0", token="broken-token", status="submitted",
                            submitted_at=good[0].submitted_at, result={"answers": {}})  # fmt: skip
        session.add(broken)
        session.commit()
        names = {a.id: session.get(Enterprise, a.enterprise_id).name for a in good}
        for assessment in (*good, broken):
            enterprise = session.get(Enterprise, assessment.enterprise_id)
            enterprise.consultant_id = consultant.id
            session.add(enterprise)
        session.commit()
    app.consultant = consultant
    return app, [a.id for a in good], broken.id, names


def signed_in(app):
    return client_as(app, app.consultant)


def test_batches_are_for_consultants_and_administrators(demo):
    app, *_ = demo
    anonymous = client_as(app, None).get("/reports/batches")
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    for role in ("agency", "enterprise"):
        jurisdiction = "100000" if role == "agency" else None
        user = make_user(app, role, email=f"batch-{role}@example.org", jurisdiction=jurisdiction)
        client = client_as(app, user)
        assert client.get("/reports/batches").status_code == 403
        assert client.get("/reports/batches/1/progress.json").status_code == 403


def test_a_consultant_picks_among_its_clients_only(demo):
    app, good, broken, names = demo
    other = client_as(app, make_user(app, "consultant", email="other-consultant@example.org"))
    page = other.get("/reports/batches?q=quick_check").get_data(as_text=True)
    assert "0 enterprises match." in page and "Broken Works" not in page
    refused = other.post("/reports/batches", data={"q": "quick_check", "assessment": [str(good[0])], "language": "en",
                                                   "brand_colour": "#336699", "target": "next_level"})  # fmt: skip
    assert refused.status_code == 400 and "Tick at least one enterprise." in refused.get_data(as_text=True)
    page = signed_in(app).get("/reports/batches?q=quick_check").get_data(as_text=True)
    assert "3 enterprises match." in page and all(name in page for name in names.values())


def test_a_batch_renders_in_the_background_and_lists_the_broken_report(demo):
    app, good, broken, names = demo
    client = signed_in(app)
    page = client.get("/reports/batches?q=quick_check&name=Broken")
    assert page.status_code == 200 and "Broken Works" in page.get_data(as_text=True)
    response = client.post(
        "/reports/batches",
        data={"q": "quick_check", "assessment": [str(good[0]), str(broken), str(good[1])], "language": "en",
              "brand_name": "Northbridge Advisory", "brand_colour": "#336699", "goal": "cost", "target": "next_level"},
    )  # fmt: skip
    assert response.status_code == 302
    batch_page = response.headers["Location"]
    batch_id = int(batch_page.rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        state = client.get(f"/reports/batches/{batch_id}/progress.json").get_json()
        seen.append(state["done"])
        if state["status"] == "done":
            break
        time.sleep(0.2)
    assert state["status"] == "done" and (state["done"], state["total"]) == (3, 3)
    assert seen == sorted(seen)
    assert [failure["id"] for failure in state["failures"]] == [broken]
    assert state["failures"][0]["name"] == "Broken Works" and "KeyError" in state["failures"][0]["error"]
    assert "Broken Works" in client.get(batch_page).get_data(as_text=True)
    other = client_as(app, make_user(app, "consultant", email="third-consultant@example.org"))
    assert other.get(batch_page).status_code == 404  # another consultant's batch
    assert other.get(f"/reports/batches/{batch_id}/progress.json").status_code == 404
    with client.get(state["download"]) as download:
        assert download.status_code == 200 and download.mimetype == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(download.data))
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert len(pdfs) == 2 and "failed.txt" in archive.namelist()
    assert "Broken Works" in archive.read("failed.txt").decode()
    for assessment_id in good:
        name = next(n for n in pdfs if n.startswith(f"{assessment_id:06d}-"))
        text = " ".join(pdf_text(archive.read(name)).split())
        assert names[assessment_id] in text and "Prepared by Northbridge Advisory with imready" in text


def test_the_command_line_shows_progress_and_goes_on_after_a_failure(demo, tmp_path):
    app, good, broken, names = demo
    out = tmp_path / "reports.zip"
    args = [
        "reports",
        "batch",
        "--assessment",
        str(broken),
        "--assessment",
        str(good[1]),
        "--lang",
        "zh",
        "--out",
        str(out),
    ]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("[1/2] Broken Works: failed: KeyError")
    assert lines[1] == f"[2/2] {names[good[1]]}: ok"
    assert lines[2] == f"1 of 2 reports written to {out}; 1 failed"
    archive = zipfile.ZipFile(out)
    (pdf,) = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert pdf.startswith(f"{good[1]:06d}-") and pdf.endswith("-zh.pdf")
    assert "执行摘要" in pdf_text(archive.read(pdf))


def test_bad_options_are_refused_with_the_option_named(demo, tmp_path):
    app, good, *_ = demo
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "batch", "--assessment", str(good[0]), "--target", "moon",
                                 "--out", str(tmp_path / "x.zip")])  # fmt: skip
    assert result.exit_code == 2 and "--target" in result.output and "unknown target 'moon'" in result.output
    result = runner.invoke(args=["reports", "batch", "--assessment", str(good[0]), "--brand-colour", "blue",
                                 "--out", str(tmp_path / "x.zip")])  # fmt: skip
    assert result.exit_code == 2 and "--brand-colour" in result.output
