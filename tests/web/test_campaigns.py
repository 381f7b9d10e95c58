"""Campaigns through the pages: an agency analyst or a consultant creates one, imports its list (whole, or not at
all with every bad cell named), sends the invitations, and follows the members; members open their personal link
and opt out of reminders. And the attacks: someone else's campaign is a 404 at every URL, a forged link or the
stored hash opens nothing, a region outside the jurisdiction is refused, small groups cannot be worked out from the
figures shown, and no answer or score appears on any campaign page or export."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from factories import CAMPAIGN_COLUMNS, campaign_list_csv, client_as, credit_code, csrf_token, make_user
from jobs import mail
from jobs.campaigns import send_reminders
from storage.campaigns import LINK_OPEN_AFTER_DEADLINE, member_secret
from storage.tables import Assessment, BenchmarkEntry, Campaign, CampaignMember, Enterprise, MailMessage

DEADLINE = date.today() + timedelta(days=30)


def rows(count: int, region: str = "370100", start: int = 0, size: str = "small", industry: str = "34") -> list:
    """`count` good rows of a list, numbered from `start`."""
    return [(f"Enterprise {n}", credit_code(n, region), region, industry, size, f"e{n}@example.org")
            for n in range(start, start + count)]


def post_form(client, url: str, data: dict, **kwargs):
    page = client.get(url)
    assert page.status_code == 200, page.text
    return client.post(url, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)


def new_campaign(client, name: str = "Shandong manufacturers 2026", language: str = "en", days: str = "7, 2",
                 deadline: date = DEADLINE) -> int:  # fmt: skip
    response = post_form(client, "/campaigns/new", {"name": name, "questionnaire": "quick_check", "period": "2026",
                                                    "deadline": deadline.isoformat(), "reminder_days": days,
                                                    "language": language})  # fmt: skip
    assert response.status_code == 302, response.text
    return int(re.search(r"/campaigns/(\d+)/list", response.headers["Location"]).group(1))


def upload(client, campaign_id: int, data: bytes, filename: str = "list.csv"):
    """Post a list as a browser does (encoded here in memory: the test client spools a large body to a temporary
    file that it never closes)."""
    url = f"/campaigns/{campaign_id}/list"
    token = csrf_token(client.get(url).text)
    fields = {"upload": FileStorage(io.BytesIO(data), filename=filename), "csrf_token": token}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def db(app) -> Session:
    return Session(app.extensions["db_engine"], expire_on_commit=False)


@pytest.fixture
def agency(app):
    return make_user(app, "agency", jurisdiction="370000")


@pytest.fixture
def analyst(app, agency):
    """A client signed in as an agency analyst of Shandong."""
    return client_as(app, agency)


def test_an_analyst_creates_a_campaign_and_imports_its_list(app, analyst):
    campaign_id = new_campaign(analyst)
    response = upload(analyst, campaign_id, campaign_list_csv(rows(3) + rows(2, "370200", start=3, size="large")))
    assert response.status_code == 302
    page = analyst.get(f"/campaigns/{campaign_id}").text
    assert "Enterprise 4" in page and 'id="count-members">5<' in page and "Qingdao" in page
    with db(app) as session:
        enterprises = session.exec(select(Enterprise).order_by(Enterprise.id)).all()
        campaign = session.get(Campaign, campaign_id)
    assert [e.size_class for e in enterprises] == ["small"] * 3 + ["large"] * 2
    assert campaign.reminder_days == [7, 2] and campaign.questionnaire_version == "2.0"
    assert 'id="nav-campaigns"' in page and "Shandong manufacturers 2026" in analyst.get("/campaigns").text


def test_every_bad_cell_is_named_and_nothing_is_imported(app, analyst):
    campaign_id = new_campaign(analyst)
    good = rows(1)[0]
    bad = [
        good,
        ("Outside", credit_code(2, "320100"), "320100", "34", "small", "e2@example.org"),  # row 3: Nanjing
        ("Unknown region", credit_code(3), "379999", "34", "small", "e3@example.org"),  # row 4
        ("Bad industry", credit_code(4), "370100", "05", "small", "e4@example.org"),  # row 5: mining, no division
        ("Bad size", credit_code(5), "370100", "34", "tiny", "e5@example.org"),  # row 6
        ("Bad mail", credit_code(6), "370100", "34", "small", "not an address"),  # row 7
        ("Mistyped code", credit_code(7)[:-1] + ("0" if credit_code(7)[-1] != "0" else "1"), "370100", "34",
         "small", "e7@example.org"),  # row 8
        ("Twice", good[1], "370100", "34", "small", good[5]),  # row 9: the same code and address as row 2
    ]
    response = upload(analyst, campaign_id, campaign_list_csv(bad))
    assert response.status_code == 400
    problems = re.findall(r'<tr><td class="num">(\d+)</td><td>([A-Z]) (\w+)</td><td>([^<]+)</td></tr>',
                          response.text)
    found = {(int(row), letter, column): reason for row, letter, column, reason in problems}
    assert set(found) == {(3, "C", "region_code"), (4, "C", "region_code"), (5, "D", "industry_code"),
                          (6, "E", "size_class"), (7, "F", "email"), (8, "B", "credit_code"), (9, "B", "credit_code"),
                          (9, "F", "email")}  # fmt: skip
    assert "outside your jurisdiction (370000)" in found[(3, "C", "region_code")]
    assert "check character" in found[(8, "B", "credit_code")]
    assert "row 2" in found[(9, "B", "credit_code")] and "row 2" in found[(9, "F", "email")]
    with db(app) as session:
        assert session.exec(select(CampaignMember)).all() == [] and session.exec(select(Enterprise)).all() == []


def test_a_consultants_list_from_xlsx_becomes_its_clients(app):
    consultant = make_user(app, "consultant")
    client = client_as(app, consultant)
    campaign_id = new_campaign(client, "Clients 2026")
    workbook = Workbook()
    workbook.active.append(list(CAMPAIGN_COLUMNS))
    for row in rows(2, "320200"):  # a consultant has no jurisdiction: anywhere in the country
        workbook.active.append([row[0], row[1], int(row[2]), int(row[3]), row[4], row[5]])  # codes typed as numbers
    data = io.BytesIO()
    workbook.save(data)
    assert upload(client, campaign_id, data.getvalue(), "list.xlsx").status_code == 302
    with db(app) as session:
        assert {e.consultant_id for e in session.exec(select(Enterprise))} == {consultant.id}


@pytest.mark.slow
def test_a_list_of_50000_enterprises_imports(app, analyst):
    campaign_id = new_campaign(analyst)
    data = campaign_list_csv(rows(50_000))
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]  # larger than any other form may be
    assert upload(analyst, campaign_id, data).status_code == 302
    with db(app) as session:
        assert len(session.exec(select(CampaignMember.id)).all()) == 50_000
    assert "Page 1 of 1000" in analyst.get(f"/campaigns/{campaign_id}").text  # 50,000 / 50 a page


def invited_campaign(app, client, count: int = 3, language: str = "en", **listing) -> int:
    campaign_id = new_campaign(client, language=language)
    assert upload(client, campaign_id, campaign_list_csv(rows(count, **listing))).status_code == 302
    page = client.get(f"/campaigns/{campaign_id}")
    assert client.post(f"/campaigns/{campaign_id}/invite", data={"csrf_token": csrf_token(page.text)}
                       ).status_code == 302  # fmt: skip
    return campaign_id


def members(app, campaign_id: int) -> list[CampaignMember]:
    with db(app) as session:
        return session.exec(select(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
                            .order_by(CampaignMember.id)).all()


def link_of(app, campaign_id: int, member: CampaignMember) -> str:
    return "/c/" + member_secret(app.config["SECRET_KEY"], campaign_id, member.credit_code)


def delivered_since(count: int) -> list:
    """The messages delivered (to the log backend) after the first `count`, as the recipients got them (the stored
    record keeps no readable body)."""
    return list(mail.outbox)[count:]


def test_invitations_carry_each_members_link_in_the_campaigns_language_and_are_listed(app, analyst):
    before = len(mail.outbox)
    campaign_id = invited_campaign(app, analyst, language="zh")
    listed = members(app, campaign_id)
    bodies = [message.get_content() for message in delivered_since(before)]
    with db(app) as session:
        messages = session.exec(select(MailMessage).order_by(MailMessage.id)).all()
    assert [m.ref for m in messages] == [f"member:{m.id}" for m in listed] and all(m.invited_at for m in listed)
    assert [m.to for m in messages] == ["e0@example.org", "e1@example.org", "e2@example.org"]
    assert len(bodies) == 3 and "http://127.0.0.1:5000" + link_of(app, campaign_id, listed[0]) in bodies[0]
    assert link_of(app, campaign_id, listed[1]) not in bodies[0]  # one personal link each
    assert "邀请" in messages[0].subject and all(m.status == "sent" for m in messages)
    page = analyst.get(f"/campaigns/{campaign_id}/mails").text
    assert page.count('class="mail-sent"') == 3 and 'id="count-invited">3<' in analyst.get(
        f"/campaigns/{campaign_id}").text
    invite_again = analyst.get(f"/campaigns/{campaign_id}")
    analyst.post(f"/campaigns/{campaign_id}/invite", data={"csrf_token": csrf_token(invite_again.text)})
    with db(app) as session:
        assert len(session.exec(select(MailMessage)).all()) == 3  # nobody is invited twice


def test_the_personal_link_opens_the_members_assessment_once(app, analyst):
    campaign_id = invited_campaign(app, analyst)
    member = members(app, campaign_id)[0]
    visitor = client_as(app, None)
    first = visitor.get(link_of(app, campaign_id, member))
    second = visitor.get(link_of(app, campaign_id, member))
    assert first.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    token = first.headers["Location"].rsplit("/", 1)[1]
    with db(app) as session:
        assessment = session.exec(select(Assessment)).one()
        enterprise = session.get(Enterprise, assessment.enterprise_id)
    assert assessment.token == token and enterprise.name == "Enterprise 0"  # the profile from the list
    assert members(app, campaign_id)[0].opened_at is not None
    assert visitor.get(f"/a/{token}").status_code == 302  # on to the survey's first page


def test_a_personal_link_stops_opening_the_assessment_after_the_campaign(app, analyst):
    # a forwarded or leaked invitation, found long after: the link worked, then the campaign closed 90 days after
    # its deadline and the link opens nothing more (the member's own assessment link still does)
    campaign_id = invited_campaign(app, analyst)
    member = members(app, campaign_id)[0]
    visitor = client_as(app, None)
    opened = visitor.get(link_of(app, campaign_id, member))
    assert opened.status_code == 302

    def deadline_moved(days_ago: int) -> None:
        with db(app) as session:
            campaign = session.get(Campaign, campaign_id)
            campaign.deadline = date.today() - timedelta(days=days_ago)
            session.add(campaign)
            session.commit()

    deadline_moved(LINK_OPEN_AFTER_DEADLINE.days)  # the last day the link works
    assert visitor.get(link_of(app, campaign_id, member)).headers["Location"] == opened.headers["Location"]
    deadline_moved(LINK_OPEN_AFTER_DEADLINE.days + 1)
    closed = client_as(app, None).get(link_of(app, campaign_id, member))
    assert closed.status_code == 410 and "Location" not in closed.headers
    token = opened.headers["Location"].rsplit("/", 1)[1]
    assert token not in closed.text and 'id="campaign-link-closed"' in closed.text
    assert f"stopped working on {date.today() - timedelta(days=1)}" in closed.text  # deadline + 90 days: yesterday
    assert visitor.get(opened.headers["Location"]).status_code == 302  # its own link still opens the assessment


def test_forged_guessed_and_stored_values_open_nothing(app, analyst):
    campaign_id = invited_campaign(app, analyst)
    member = members(app, campaign_id)[0]
    visitor = client_as(app, None)
    real = link_of(app, campaign_id, member)
    for forged in (real[:-1] + ("A" if real[-1] != "A" else "B"), "/c/" + member.token_hash, "/c/1", "/c/" + "x" * 300,
                   "/c/" + member_secret("someone else's secret key, as long as ours", campaign_id,
                                         member.credit_code)):  # fmt: skip
        assert visitor.get(forged).status_code == 404, forged
        assert visitor.get(forged + "/opt-out").status_code == 404
    with db(app) as session:
        assert session.exec(select(Assessment)).all() == []


def test_opting_out_takes_one_click_and_stops_reminders(app, analyst):
    campaign_id = invited_campaign(app, analyst)
    first, second, third = members(app, campaign_id)
    visitor = client_as(app, None)
    page = visitor.get(link_of(app, campaign_id, first) + "/opt-out")
    assert 'id="opt-out"' in page.text and members(app, campaign_id)[0].opted_out_at is None  # a GET changes nothing
    done = visitor.post(link_of(app, campaign_id, first) + "/opt-out", data={"csrf_token": csrf_token(page.text)})
    assert 'id="opted-out"' in done.text and members(app, campaign_id)[0].opted_out_at is not None
    with db(app) as session:  # the third submitted (as far as reminders care)
        row = session.get(CampaignMember, third.id)
        row.submitted_at = datetime.now(UTC)
        session.add(row)
        session.commit()
    before = len(mail.outbox)
    with app.app_context():
        send_reminders(today=DEADLINE - timedelta(days=7))
        send_reminders(today=DEADLINE - timedelta(days=6))  # the 7-day reminder again: already sent
    reminded = [message["To"] for message in list(mail.outbox)[before:]]
    assert reminded == ["e1@example.org"]
    with app.app_context():
        send_reminders(today=DEADLINE - timedelta(days=2))
    assert [message["To"] for message in list(mail.outbox)[before:]] == ["e1@example.org"] * 2
    assert members(app, campaign_id)[1].reminders_sent == [7, 2]


def campaign_urls(app, campaign_id: int, member_id: int) -> list[tuple[str, str]]:
    """(method, url) of every owner's route of the campaigns blueprint."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("campaigns.") or "campaign_id" not in rule.arguments:
            continue
        url = rule.rule.replace("<int:campaign_id>", str(campaign_id)).replace("<int:member_id>", str(member_id))
        found.append(("GET" if "GET" in rule.methods else "POST", url.replace("<fmt>", "csv")))
    return found


def test_another_analyst_and_another_consultant_get_404_on_every_campaign_url(app, analyst):
    campaign_id = invited_campaign(app, analyst)
    member_id = members(app, campaign_id)[0].id
    urls = campaign_urls(app, campaign_id, member_id)
    assert len(urls) == 7  # list, invite, show, mails, export, exclude, revise: every one of them
    app.config["WTF_CSRF_ENABLED"] = False  # posts reach the view: the ownership check must refuse them
    for intruder in (make_user(app, "agency", email="other-agency@example.org", jurisdiction="370000"),
                     make_user(app, "consultant", email="other-consultant@example.org")):  # fmt: skip
        client = client_as(app, intruder)
        for method, url in urls:
            assert client.open(url, method=method, data={"reason": "x", "comment": "x"}).status_code == 404, url
        assert "Shandong manufacturers" not in client.get("/campaigns").text
    with db(app) as session:
        assert session.exec(select(MailMessage)).all().__len__() == 3  # no invitation or revision mail sent by them


def submit_through_link(app, survey, link: str, answers: dict) -> str:
    response = survey.client.get(link)
    token = response.headers["Location"].rsplit("/", 1)[1]
    survey.answer_all(token, answers)
    assert survey.submit(token).status_code == 302
    return token


def test_no_answer_or_score_appears_on_any_campaign_page_or_export(app, analyst, survey, example_answers):
    campaign_id = invited_campaign(app, analyst, count=6)
    listed = members(app, campaign_id)
    for member in listed[:5]:
        submit_through_link(app, survey, link_of(app, campaign_id, member), example_answers)
    with db(app) as session:
        scores = [a.overall_score for a in session.exec(select(Assessment))]
        result = session.exec(select(Assessment)).first().result
    secrets_shown = {example_answers["sp_obstacle"][:40], *(f"{score:.2f}" for score in scores),
                     *(f"{score:.1f}" for score in scores)}  # fmt: skip
    nodes = [*result["dimensions"].values(), *result["paradigms"].values()]
    secrets_shown |= {f"{node['score']:.2f}" for node in nodes if node.get("score") is not None}
    pages = [analyst.get(f"/campaigns/{campaign_id}").text, analyst.get(f"/campaigns/{campaign_id}/mails").text,
             analyst.get(f"/campaigns/{campaign_id}/export.csv").data.decode("utf-8-sig"),
             analyst.get("/campaigns").text]
    workbook = load_workbook(io.BytesIO(analyst.get(f"/campaigns/{campaign_id}/export.xlsx").data))
    pages.append(" ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row))
    assert 'id="count-submitted">5<' in pages[0]
    for text in pages:
        # percentages of the rates (e.g. 83.3) are the owner's own counts; no score or answer may appear
        leaked = {value for value in secrets_shown if re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", text)}
        assert not leaked, leaked


def test_small_groups_are_withheld_and_cannot_be_worked_out(app, analyst):
    # Jinan 10, Qingdao 8, Zibo 2 invited (20 in Shandong). Zibo is small (2 < k = 5); shown alone beside the total,
    # it would be 20 - 10 - 8 = 2. So one more city is withheld with it (the smaller, Qingdao), and Qingdao + Zibo
    # = 10 is all that follows.
    campaign_id = new_campaign(analyst)
    listing = rows(10, "370100") + rows(8, "370200", start=10) + rows(2, "370300", start=18, size="medium")
    assert upload(analyst, campaign_id, campaign_list_csv(listing)).status_code == 302
    page = analyst.get(f"/campaigns/{campaign_id}")
    analyst.post(f"/campaigns/{campaign_id}/invite", data={"csrf_token": csrf_token(page.text)})
    text = analyst.get(f"/campaigns/{campaign_id}").text
    region_table = text.split("<h3>")[1]
    shown = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td>", region_table))
    withheld = re.findall(r'<tr class="withheld"><td>([^<]+)</td>', region_table)
    assert shown == {"China": "20", "Shandong": "20", "Jinan": "10"} and sorted(withheld) == ["Qingdao", "Zibo"]
    # the attacker's arithmetic on what is shown: total minus every shown city
    derived = int(shown["Shandong"]) - int(shown["Jinan"])
    assert derived == 10 >= 5  # only Qingdao + Zibo together, never Zibo alone
    # size classes: 18 small, 2 medium. Medium is small and its complement would be 20 - 18 = 2: small is withheld too
    size_table = text.split("<h3>")[3]
    assert re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">", size_table) == []
    assert sorted(re.findall(r'<tr class="withheld"><td>([^<]+)</td>', size_table)) == ["Medium", "Small"]
    workbook = load_workbook(io.BytesIO(analyst.get(f"/campaigns/{campaign_id}/export.xlsx").data))
    rates = {row[1]: row[2] for row in workbook["Response rates"].iter_rows(min_row=2, values_only=True)}
    assert rates["Jinan"] == 10 and rates["Zibo"] is None and rates["Qingdao"] is None and rates["Small"] is None


def test_the_owner_excludes_a_submission_and_asks_another_to_revise(app, analyst, survey, example_answers):
    campaign_id = invited_campaign(app, analyst, count=2)
    first, second = members(app, campaign_id)
    submit_through_link(app, survey, link_of(app, campaign_id, first), example_answers)
    token = submit_through_link(app, survey, link_of(app, campaign_id, second), example_answers)
    page = analyst.get(f"/campaigns/{campaign_id}")
    refused = analyst.post(f"/campaigns/{campaign_id}/members/{first.id}/exclude",
                           data={"csrf_token": csrf_token(page.text), "reason": ""}, follow_redirects=True)
    assert "Give a reason" in refused.text and not members(app, campaign_id)[0].excluded
    analyst.post(f"/campaigns/{campaign_id}/members/{first.id}/exclude",
                 data={"csrf_token": csrf_token(page.text), "reason": "straight-lined"})
    with db(app) as session:
        entry = session.exec(select(BenchmarkEntry).where(BenchmarkEntry.assessment_id == members(
            app, campaign_id)[0].assessment_id)).one()
    assert entry.excluded and members(app, campaign_id)[0].excluded_reason == "straight-lined"
    before = len(mail.outbox)
    analyst.post(f"/campaigns/{campaign_id}/members/{second.id}/revise",
                 data={"csrf_token": csrf_token(page.text), "comment": "Check the energy page"})
    with db(app) as session:
        assessment = session.exec(select(Assessment).where(Assessment.token == token)).one()
        revision = session.exec(select(MailMessage).order_by(MailMessage.id.desc())).first()
    assert assessment.status == "draft" and members(app, campaign_id)[1].submitted_at is None
    assert (revision.to, revision.ref) == ("e1@example.org", f"member:{second.id}")
    [sent] = delivered_since(before)
    assert "Check the energy page" in sent.get_content() and link_of(app, campaign_id, second) in sent.get_content()
    assert survey.submit(token).status_code == 302  # the enterprise resubmits
    assert members(app, campaign_id)[1].submitted_at is not None


def test_median_completion_time_is_shown_over_k_submissions(app, analyst, survey, example_answers):
    campaign_id = invited_campaign(app, analyst, count=5)
    for member in members(app, campaign_id):
        submit_through_link(app, survey, link_of(app, campaign_id, member), example_answers)
    with db(app) as session:  # opened 1, 2, 3, 4 and 5 hours before submitting: the median is 3 hours
        for hours, member in enumerate(session.exec(select(CampaignMember).order_by(CampaignMember.id)), start=1):
            member.opened_at = member.submitted_at - timedelta(hours=hours)
            session.add(member)
        session.commit()
    text = analyst.get(f"/campaigns/{campaign_id}").text
    assert "3.0 hours, over 5 submissions" in text


def test_quality_flags_show_in_full_to_a_consultant_and_without_any_answer_to_an_agency(app, analyst, survey,
                                                                                        example_answers):
    # hand drawings as the most advanced design tool, yet the products ladder at level 2 (3D CAD): the rule
    # design_tools_below_ladder of quick_check_v2.yaml; and clicked through in a second, well under 160 s
    contradicting = {**example_answers, "ps_design_tools": "manual"}
    explanation = "the most advanced design tool in routine use is given as hand drawings or 2D CAD"
    campaign_id = invited_campaign(app, analyst, count=1)
    (member,) = members(app, campaign_id)
    submit_through_link(app, survey, link_of(app, campaign_id, member), contradicting)
    row = re.search(rf'<tr id="member-{member.id}">.*?</tr>', analyst.get(f"/campaigns/{campaign_id}").text, re.S)
    quality = re.search(r'<td class="quality">(.*?)</td>', row.group(0), re.S).group(1)
    assert "Answered too fast" in quality and "Two answers contradict each other." in quality
    assert explanation not in quality and "level" not in quality.lower()  # nothing of the answers themselves
    consultant = client_as(app, make_user(app, "consultant", email="flags-consultant@example.org"))
    own = invited_campaign(app, consultant, count=1, start=50)
    (client_member,) = members(app, own)
    submit_through_link(app, survey, link_of(app, own, client_member), contradicting)
    page = consultant.get(f"/campaigns/{own}").text
    assert explanation in page and "Answered too fast" in page


def test_the_campaign_page_in_chinese_says_submitted_not_a_date(app, analyst):
    campaign_id = invited_campaign(app, analyst, count=1)
    analyst.get("/language/zh")
    page = analyst.get(f"/campaigns/{campaign_id}").text
    assert "已提交" in page and "<th>操作</th>" in page and "<h2>企业</h2>" in page
    assert "提交日期" not in page  # the date column's name, which the count once wore
