"""The header bar: each role sees its own sections, the current one marked with aria-current, the user's name and a
sign-out form; in Chinese no section is left in English."""

from __future__ import annotations

import re

import pytest

from factories import client_as, make_user

# role: (page to open, the sections in order, the one marked current on that page)
SECTIONS = {
    "enterprise": ("/workspace/", ["nav-workspace"], "nav-workspace"),
    "consultant": ("/reports/batches", ["nav-workspace", "nav-import", "nav-batches", "nav-campaigns", "nav-review",
                                        "nav-branding"], "nav-batches"),  # fmt: skip
    "agency": ("/campaigns", ["nav-agencies", "nav-campaigns", "nav-review", "nav-methodology"], "nav-campaigns"),
    "admin": ("/admin/mail", ["nav-workspace", "nav-agencies", "nav-admin", "nav-releases", "nav-reference",
                              "nav-mail", "nav-audit"], "nav-mail"),  # fmt: skip
}
ENGLISH_LABELS = ("My assessments", "Clients", "Import", "Report batches", "Campaigns", "Reviews", "Branding",
                  "Regions", "Methodology", "Enterprises", "Users", "Releases", "Reference data", "Mail", "Audit log",
                  "Sign out")  # fmt: skip


def header(page: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', page, re.S)[0]


def user_of(app, role):
    jurisdiction = "370000" if role == "agency" else None
    return make_user(app, role, email=f"{role}-nav@example.org", name=f"Nav {role}", jurisdiction=jurisdiction)


@pytest.mark.parametrize("role", list(SECTIONS))
def test_each_role_sees_its_sections_with_the_current_one_marked(app, role):
    path, expected, current = SECTIONS[role]
    response = client_as(app, user_of(app, role)).get(path)
    assert response.status_code == 200
    bar = header(response.text)
    assert re.findall(r'<li><a href="[^"]*" id="(nav-[a-z]+)"', bar) == expected
    assert re.findall(r'id="(nav-[a-z]+)" aria-current="page"', bar) == [current]
    assert f'id="user-name" title="{role}-nav@example.org">Nav {role}</span>' in bar
    assert re.search(r'<form method="post" action="/account/sign-out"[^>]*><input name="csrf_token"', bar)


@pytest.mark.parametrize("role", list(SECTIONS))
def test_the_header_reads_in_chinese(app, role):
    client = client_as(app, user_of(app, role))
    client.get("/language/zh")
    bar = header(client.get(SECTIONS[role][0]).text)
    assert "退出登录" in bar and 'id="lang-en"' in bar
    labels = re.findall(r'id="nav-[a-z]+"[^>]*>([^<]+)</a>', bar)
    assert labels and not any(label in ENGLISH_LABELS for label in labels)


def test_a_visitor_sees_the_sign_in_link_and_no_sections(client):
    bar = header(client.get("/").text)
    assert 'id="nav-sign-in"' in bar and "<nav class=\"sections\"" not in bar and 'id="sign-out"' not in bar
