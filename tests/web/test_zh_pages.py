"""Every page of the three journeys reads in Chinese: walked in Chinese with the test client on a demo population,
no page shows an identifier (a snake_case word, a questionnaire id with its version, a status word) nor an English
word taken from our own texts (the interface messages, the English side of the files we ship)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from sqlmodel import Session, select

from factories import (
    CAMPAIGN_COLUMNS,
    ROOT,
    SurveyActions,
    campaign_list_csv,
    client_as,
    credit_code,
    csrf_token,
    make_user,
    publish_in,
)
from questionnaires.vocabulary import SIZES
from storage.tables import Assessment, Enterprise, ReportBatch

CATALOG = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
SHIPPED_YAML = [
    *sorted((ROOT / "questionnaires").glob("*.yaml")),
    *sorted((ROOT / "assessment" / "data").glob("*.yaml")),
]

# Words that stay as they are in Chinese text: names of frameworks and standards, file formats, units and
# abbreviations a Chinese reader uses in Latin letters too.
# fmt: off
KEPT = {"kpi", "kpis", "pdf", "csv", "xlsx", "zip", "siri", "impuls", "dma", "5g", "erp", "mes", "plm", "scada", "crm",
        "wms", "aps", "ai", "it", "ot", "iot", "cmmm", "gb", "gb/t", "iso", "iec", "eu", "acatech", "vdma", "cesi",
        "oee", "rfid", "agv", "plc", "cnc", "qms", "mom", "api", "json", "id", "url", "http", "https",
        "k", "n", "q1", "q3", "t0", "t1", "l1", "l2", "l3", "l4", "l5", "kish", "wilson", "rgb", "png", "svg", "jpeg",
        "hex", "utf", "edb", "lims", "eam", "cad", "cae", "cam", "ehs", "bi", "vr", "ar", "mr", "4g", "wifi", "nb",
        "pc", "app", "imready", "edih", "edi", "bom", "capp", "pdm", "ict", "jrc", "kb", "mb", "utc", "ctrl",
        "max",  # max(0, …) in a formula: mathematical notation
        "raking"}  # the statistical term of art, given in brackets beside its Chinese name
# fmt: on
# The columns and values of the files a user uploads, named in the instructions as the file must carry them
FILE_WORDS = {*CAMPAIGN_COLUMNS, *(word for column in CAMPAIGN_COLUMNS for word in column.split("_")), *SIZES}
# Statuses as stored: shown through their translated words, never as they are.
STATUS_WORDS = {"draft", "submitted", "verified", "returned", "queued", "running", "done", "failed", "bounced", "sent",
                "excluded", "opted_out", "invited"}  # fmt: skip
IDENTIFIER = re.compile(r"\b[a-z_]+ \d+\.\d+\b|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # quick_check 1.0, snake_case
# a word stands alone: letters inside a run of letters and digits (an access token such as N-SO1zonp3…) are not one
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z'’]+(?![A-Za-z0-9_])")
USER_DATA = re.compile(r"Demo (enterprise \d+|consultant|agency|admin)|\S+@example\.org")  # names the test gave


class VisibleText(HTMLParser):
    """The text a reader sees: the data of every element but scripts, styles and templates; no attribute values.

    Left out too: `<code>`, which shows a file's own keys as they are written (question and node ids on the
    methodology page, which a reader finds in the questionnaire file), and an element that declares another language
    than the page's (`lang="en"`: a framework's element names cited as that framework writes them)."""

    HIDDEN = {"script", "style", "template", "code"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed", "track"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.open: list[bool] = []  # per open element: whether it hides its content

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        self.open.append(tag in self.HIDDEN or (tag != "html" and lang is not None and not lang.startswith("zh")))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        if not any(self.open):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return USER_DATA.sub(" ", " ".join(" ".join(parser.parts).split()))


def english_texts(value) -> list[str]:
    """The English texts in a YAML document: every `en:` value."""
    if isinstance(value, dict):
        found = [value["en"]] if isinstance(value.get("en"), str) else []
        return found + [text for item in value.values() for text in english_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in english_texts(item)]
    return []


def our_english_words() -> set[str]:
    """Every word (lower case) of our English texts: the interface messages and the English side of shipped YAML."""
    with CATALOG.open("rb") as handle:
        texts = [message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)]
    for path in SHIPPED_YAML:
        for document in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")):
            texts += english_texts(document)
    words = {word.lower() for text in texts for word in WORD.findall(re.sub(r"%\(\w+\)s", " ", text))}
    return words - KEPT


def problems(text: str, english: set[str]) -> list[str]:
    """The identifiers, status words and English words of our own in a page's visible text."""
    found = [f"identifier {token!r}" for token in IDENTIFIER.findall(text) if token not in FILE_WORDS]
    for word in WORD.findall(IDENTIFIER.sub(" ", text)):
        lower = word.lower()
        if lower in FILE_WORDS:
            continue
        if lower in STATUS_WORDS:
            found.append(f"status {word!r}")
        elif lower in english and lower not in KEPT:
            found.append(f"English {word!r}")
    return found


@pytest.fixture(scope="module")
def english():
    return our_english_words()


@pytest.fixture
def demo_app(make_demo_app):
    app = make_demo_app(300, 11)
    publish_in(app)
    return app


def in_chinese(client):
    client.get("/language/zh")
    return client


class Walk:
    """Pages read in Chinese, and what is wrong on each."""

    def __init__(self, english: set[str]):
        self.english = english
        self.found: dict[str, list[str]] = {}
        self.secrets: set[str] = set()  # random strings the pages show (a resume token): never words


    def read(self, client, url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert '<html lang="zh-Hans"' in response.text, url
        text = visible_text(response.text)
        for secret in self.secrets:
            text = text.replace(secret, " ")
        hits = set(problems(text, self.english))
        if hits:
            self.found[url] = sorted(hits)
        return response.text


def sme_journey(app, walk: Walk, answers: dict) -> None:
    client = in_chinese(app.test_client())
    walk.read(client, "/")
    walk.read(client, "/start/quick_check")
    survey = SurveyActions(client, app)
    token = survey.start(name="青岛精密零件有限公司")
    walk.secrets.add(token)
    questionnaire = survey.questionnaire("quick_check")
    for number in range(1, len(questionnaire.dimensions) + 1):
        walk.read(client, f"/a/{token}/page/{number}")
    texts = {question.id for question in questionnaire.questions.values() if question.type == "text"}
    # a respondent writing in Chinese: the free texts are the respondent's own, in the respondent's language
    survey.answer_all(
        token, {key: "缺少懂设备又懂信息技术的人员。" if key in texts else value for key, value in answers.items()}
    )
    walk.read(client, f"/a/{token}/review")
    survey.submit(token)
    walk.read(client, f"/a/{token}/results")
    walk.read(client, f"/a/{token}/roadmap")
    with Session(app.extensions["db_engine"]) as session:
        enterprise_id = session.exec(select(Assessment.enterprise_id).where(Assessment.token == token)).one()
    owner = in_chinese(client_as(app, make_user(app, "enterprise", email="owner@example.org",
                                                enterprise_id=enterprise_id)))  # fmt: skip
    walk.read(owner, "/workspace/")
    walk.read(owner, f"/workspace/history/{enterprise_id}")


def consultant_journey(app, walk: Walk) -> None:
    consultant = make_user(app, "consultant")
    client = in_chinese(client_as(app, consultant))
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        assessments = session.exec(select(Assessment).where(Assessment.status == "submitted").limit(3)).all()
        for assessment in assessments:
            session.get(Enterprise, assessment.enterprise_id).consultant_id = consultant.id
        session.add(ReportBatch(status="done", settings={}, assessment_ids=[a.id for a in assessments],
                                done=len(assessments), user_id=consultant.id))  # fmt: skip
        session.commit()
        batch_id = session.exec(select(ReportBatch.id)).first()
    walk.read(client, "/workspace/")
    walk.read(client, "/workspace/clients/import")
    walk.read(client, "/workspace/clients/branding")
    walk.read(client, "/reports/batches?q=quick_check")
    walk.read(client, f"/reports/batches/{batch_id}")
    walk.read(client, "/campaigns")
    walk.read(client, "/campaigns/new")


def agency_journey(app, walk: Walk) -> None:
    client = in_chinese(client_as(app, make_user(app, "agency", jurisdiction="370000")))
    walk.read(client, "/agencies/")
    walk.read(client, "/agencies/?region=370100&region=370200")
    walk.read(client, "/methodology/quick_check")
    page = walk.read(client, "/campaigns/new")
    deadline = (date.today() + timedelta(days=30)).isoformat()
    response = client.post("/campaigns/new", data={
        "name": "山东制造业2026", "questionnaire": "quick_check", "period": "2026", "deadline": deadline,
        "reminder_days": "7, 2", "language": "zh", "csrf_token": csrf_token(page)})  # fmt: skip
    assert response.status_code == 302, response.text
    campaign = re.search(r"/campaigns/(\d+)/", response.headers["Location"]).group(1)
    members = [(f"企业{n}", credit_code(n), "370100", "34", "small", f"e{n}@example.org") for n in range(3)]
    list_page = walk.read(client, f"/campaigns/{campaign}/list")
    client.post(
        f"/campaigns/{campaign}/list",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_token(list_page), "upload": (io.BytesIO(campaign_list_csv(members)), "list.csv")},
    )
    walk.read(client, "/campaigns")
    walk.read(client, f"/campaigns/{campaign}")


def test_the_three_journeys_read_in_chinese(demo_app, english, example_answers):
    walk = Walk(english)
    sme_journey(demo_app, walk, example_answers)
    consultant_journey(demo_app, walk)
    agency_journey(demo_app, walk)
    assert walk.found == {}, "\n".join(f"{url}: {', '.join(hits)}" for url, hits in walk.found.items())


def test_the_check_finds_what_it_looks_for(english):
    # a page left in English, a rule name and a questionnaire shown by id and version are all caught
    text = visible_text(
        "<p>规则 weighted_mean</p><p>quick_check 1.0</p><p title='Weight'>权重</p>"
        "<p>Weight 已提交</p><p>submitted</p><script>var done_here = 1;</script>"
    )
    assert problems(text, english) == [
        "identifier 'weighted_mean'",
        "identifier 'quick_check 1.0'",
        "English 'Weight'",
        "status 'submitted'",
    ]
    assert problems(visible_text("<p>ERP 与 MES 系统、5G 网络；KPI 报告 PDF</p>"), english) == []
    # letters inside a random token are no word ("SO" in N-SO1zonp…); a word beside Chinese text still is
    assert problems(visible_text("<p>续答代码 N-SO1zonp3FGQ_PIUgTq9Vzo</p>"), english) == []
    assert problems(visible_text("<p>权重Weight</p>"), english) == ["English 'Weight'"]
    # a file's own key in <code>, a framework's name cited in English, a column the uploaded file must carry
    cited = '<p>题目 <code>sp_strategy</code>：<span lang="en">Strategy &amp; Governance</span></p><p>region_code</p>'
    assert problems(visible_text(cited), english) == []
