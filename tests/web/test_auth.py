"""Staff sign-in: session cookie, CSRF on every form, sign-out, slow-down, account admin."""

from datetime import timedelta

from sqlalchemy import func, select

from backend.models import Account, Event, LoginAttempt, WebSession
from tests.web.conftest import csrf_of, post_form, sign_in


def test_pages_need_a_session_and_the_cookie_is_locked_down(client, seeded):
    response = client.get("/referent", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=%2Freferent"

    response = sign_in(client, "referente@demo.fr")
    assert response.status_code == 303 and response.headers["location"] == "/referent"
    cookie = response.headers["set-cookie"].lower()
    assert "parcours_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # PUBLIC_BASE_URL is http in tests
    # Only a hash of the cookie value is stored.
    token = client.cookies.get("parcours_session")
    assert seeded.scalar(select(func.count()).select_from(WebSession)) == 1
    assert seeded.scalar(select(WebSession.token_hash)) != token

    inbox = client.get("/referent")
    assert inbox.status_code == 200
    assert '<html lang="fr">' in inbox.text and 'href="#contenu"' in inbox.text
    assert inbox.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in inbox.headers["content-security-policy"]


def test_secure_cookie_when_served_over_https(client, seeded, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://parcours.example.fr")
    get_settings.cache_clear()
    response = sign_in(client, "referente@demo.fr")
    assert "secure" in response.headers["set-cookie"].lower()


def test_logout_closes_the_session_and_needs_its_token(client, seeded):
    sign_in(client, "referente@demo.fr")
    refused = client.post("/deconnexion", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/referent", follow_redirects=False).status_code == 200

    response = post_form(client, "/referent", "/deconnexion")
    assert response.status_code == 303 and response.headers["location"] == "/connexion"
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(WebSession)) == 0
    assert client.get("/referent", follow_redirects=False).status_code == 303


def test_login_form_needs_its_csrf_token(client, seeded):
    client.get("/connexion")
    response = client.post(
        "/connexion",
        data={"email": "referente@demo.fr", "password": "demo-parcours-2026", "csrf_token": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "parcours_session" not in response.headers.get("set-cookie", "")


def test_wrong_password_then_slow_down_per_account(client, seeded):
    for _ in range(5):
        response = sign_in(client, "referente@demo.fr", "wrong")
        assert response.status_code == 401
        assert "Adresse e-mail ou mot de passe incorrect" in response.text
    # Even the right password waits now: the attempt is not checked at all.
    response = sign_in(client, "referente@demo.fr")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "Réessayez dans" in response.text
    # Another account from the same IP is not slowed down by these 5 failures.
    assert sign_in(client, "coordinateur@demo.fr").status_code == 303

    # Persisted: once the failures are old enough, the account signs in again.
    for attempt in seeded.scalars(select(LoginAttempt)):
        attempt.created_at -= timedelta(hours=2)
    seeded.commit()
    client.cookies.clear()
    assert sign_in(client, "referente@demo.fr").status_code == 303


def test_slow_down_per_ip_across_accounts(client, seeded):
    for index in range(20):
        assert sign_in(client, f"nobody{index}@demo.fr", "wrong").status_code == 401
    assert sign_in(client, "referente@demo.fr").status_code == 429
    failures = seeded.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    )
    assert failures == 20


def test_next_is_kept_but_never_leaves_the_site(client, seeded):
    page = client.get("/connexion?next=%2Freferent%2Fpersonnes")
    response = client.post(
        "/connexion",
        data={
            "email": "referente@demo.fr",
            "password": "demo-parcours-2026",
            "csrf_token": csrf_of(page.text),
            "next": "/referent/personnes",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/referent/personnes"
    client.cookies.clear()
    page = client.get("/connexion")
    response = client.post(
        "/connexion",
        data={
            "email": "referente@demo.fr",
            "password": "demo-parcours-2026",
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/referent"


def test_roles_land_on_their_home_and_are_kept_out_of_others(signed_in):
    client = signed_in("coordinateur@demo.fr")
    assert client.get("/", follow_redirects=False).headers["location"] == "/coordination"
    assert client.get("/referent").status_code == 403
    assert client.get("/admin/comptes").status_code == 403
    client = signed_in("referente@demo.fr")
    assert client.get("/coordination").status_code == 403
    assert client.get("/coordination/incompris/export.yml").status_code == 403
    assert client.get("/admin/comptes").status_code == 403


def test_admin_manages_accounts_of_their_structure(signed_in, seeded):
    client = signed_in("admin@demo.fr")
    page = client.get("/admin/comptes")
    assert "referente@demo.fr" in page.text
    assert "referent.voisin@demo.fr" not in page.text  # another structure

    response = post_form(
        client,
        "/admin/comptes",
        "/admin/comptes",
        {"email": "Nouvelle@Demo.fr", "full_name": "Nina Nouvelle", "role": "referent"},
    )
    assert response.status_code == 201
    password = response.text.split('class="secret">')[1].split("<")[0]
    duplicate = post_form(
        client,
        "/admin/comptes",
        "/admin/comptes",
        {"email": "nouvelle@demo.fr", "full_name": "Autre", "role": "referent"},
    )
    assert duplicate.status_code == 400 and "existe déjà" in duplicate.text

    new = seeded.scalar(select(Account).where(Account.email == "nouvelle@demo.fr"))
    client.cookies.clear()
    assert sign_in(client, "nouvelle@demo.fr", password).status_code == 303
    nina_cookies = dict(client.cookies)

    client = signed_in("admin@demo.fr")
    response = post_form(client, "/admin/comptes", f"/admin/comptes/{new.id}/desactiver")
    assert response.status_code == 303
    seeded.expire_all()
    assert seeded.get(Account, new.id).is_active is False
    # Her open session is closed and she cannot sign in again.
    client.cookies.clear()
    client.cookies.update(nina_cookies)
    assert client.get("/referent", follow_redirects=False).status_code == 303
    assert sign_in(client, "nouvelle@demo.fr", password).status_code == 401

    client = signed_in("admin@demo.fr")
    post_form(client, "/admin/comptes", f"/admin/comptes/{new.id}/reactiver")
    reset = post_form(client, "/admin/comptes", f"/admin/comptes/{new.id}/mot-de-passe")
    fresh = reset.text.split('class="secret">')[1].split("<")[0]
    assert fresh != password
    client.cookies.clear()
    assert sign_in(client, "nouvelle@demo.fr", password).status_code == 401
    assert sign_in(client, "nouvelle@demo.fr", fresh).status_code == 303
    kinds = set(seeded.scalars(select(Event.kind).where(Event.kind.like("account_%"))))
    assert {"account_created", "account_deactivated", "account_password_reset"} <= kinds


def test_change_own_password(signed_in, client):
    signed_in("referente@demo.fr")
    short = post_form(
        client,
        "/compte/mot-de-passe",
        "/compte/mot-de-passe",
        {"current": "demo-parcours-2026", "new": "court", "confirm": "court"},
    )
    assert short.status_code == 400
    done = post_form(
        client,
        "/compte/mot-de-passe",
        "/compte/mot-de-passe",
        {
            "current": "demo-parcours-2026",
            "new": "un-mot-de-passe-long",
            "confirm": "un-mot-de-passe-long",
        },
    )
    assert done.status_code == 303
    assert "mot de passe a été changé" in client.get("/referent").text
    client.cookies.clear()
    assert sign_in(client, "referente@demo.fr", "un-mot-de-passe-long").status_code == 303


def test_slow_down_says_each_wait_in_full_and_in_good_french(client, seeded):
    def older(seconds: float) -> None:
        """Time passes: every attempt so far happened ``seconds`` earlier."""
        for attempt in seeded.scalars(select(LoginAttempt)):
            attempt.created_at -= timedelta(seconds=seconds)
        seeded.commit()

    for _ in range(4):
        assert "attendez" not in sign_in(client, "referente@demo.fr", "wrong").text
    waits = []
    for _ in range(3):
        failed = sign_in(client, "referente@demo.fr", "wrong")
        assert failed.status_code == 401
        waits.append(int(failed.headers["retry-after"]))
        wait = waits[-1]
        assert f"attendez {wait} secondes avant de réessayer" in failed.text
        too_soon = sign_in(client, "referente@demo.fr", "wrong")
        assert too_soon.status_code == 429 and f"Réessayez dans {wait} secondes." in too_soon.text
        older(wait - 0.5)
        almost = sign_in(client, "referente@demo.fr", "wrong")
        assert "Réessayez dans 1 seconde." in almost.text  # not "1 secondes"
        older(0.5)
    assert waits == [2, 4, 8]


def test_wait_wording():
    from backend.web.auth import format_wait

    assert [format_wait(s) for s in (1, 2, 59, 60, 61, 128, 900)] == [
        "1 seconde", "2 secondes", "59 secondes", "1 minute", "1 minute 1 seconde",
        "2 minutes 8 secondes", "15 minutes",
    ]  # fmt: skip
