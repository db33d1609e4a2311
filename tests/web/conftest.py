"""Fixtures for the staff pages: a seeded store and a browser-like client that signs in."""

from __future__ import annotations

import re

import pytest

from backend.seed import DEMO_PASSWORD, seed

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client, email: str, password: str = DEMO_PASSWORD):
    """Sign in the way a browser does: fetch the form, post it back with its token."""
    page = client.get("/connexion")
    return client.post(
        "/connexion",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def signed_in(client, seeded):
    def as_(email: str):
        client.cookies.clear()
        response = sign_in(client, email)
        assert response.status_code == 303, response.text
        return client

    return as_


def post_form(client, page_url: str, action_url: str, data: dict | None = None):
    """Post a form the way the page would: with the CSRF token it carries."""
    token = csrf_of(client.get(page_url).text)
    return client.post(
        action_url, data={"csrf_token": token, **(data or {})}, follow_redirects=False
    )
