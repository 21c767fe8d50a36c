"""Import profile names (security review): a name is shown on screens, logged and used in the JSON export's
file name and URL, so line breaks, control characters, path separators and dot names are refused with a
Japanese message, whichever way the profile arrives (the form, an uploaded JSON file, the service)."""

import io
import json

import pytest

from core.auth.importers import UsersImport
from core.errors import ValidationFailed
from core.importing import profiles
from core.importing.models import ImportProfile
from tests.helpers import page_text

SETTINGS = {"columns": {"login_id": "職員番号", "name": "氏名", "roles": "権限"}}
BAD_NAMES = ["人事\r\n偽の行", "人事\nシステム", "a\rb", "タブ\tあり", "../人事", "..", ".", "人事/給与", "人事\\給与",
             "a..b", "NUL\x00", "ゼロ幅\u200b", "方向\u202e"]


@pytest.fixture
def kind(app):
    return UsersImport(app.config["PASSWORD_HASH_METHOD"])


@pytest.mark.parametrize("name", BAD_NAMES)
def test_service_refuses_unsafe_names(db_session, kind, admin, name):
    with pytest.raises(ValidationFailed) as caught:
        profiles.save_profile(db_session, admin, kind, name=name, description="", settings=SETTINGS, create=True)
    assert "プロファイル名" in caught.value.errors["name"][0]
    assert db_session.query(ImportProfile).filter_by(kind=kind.name).count() == 0


@pytest.mark.parametrize("name", ["人事システム", "HR 2026 (v2.1)", "給与-賞与_用", "ＡＢＣ　様式"])
def test_ordinary_names_still_saved(db_session, kind, admin, name):
    saved = profiles.save_profile(db_session, admin, kind, name=name, description="", settings=SETTINGS, create=True)
    assert saved.name == name


@pytest.mark.parametrize("name", ["人事\r\n偽の行", "../人事", "人事/給与"])
def test_form_shows_the_message_and_saves_nothing(admin_client, db_session, name):
    response = admin_client.post("/admin/imports/profiles/new", data={
        "kind": "users", "name": name, "config": json.dumps(SETTINGS)})
    assert response.status_code == 200
    assert "プロファイル名に使えない文字" in page_text(response)
    assert db_session.query(ImportProfile).count() == 0


def test_uploaded_json_with_an_unsafe_name_is_refused(admin_client, db_session):
    exchange = json.dumps({"kind": "users", "name": "../../etc\r\nX", "settings": SETTINGS}).encode()
    response = admin_client.post("/admin/imports/profiles/new", data={
        "kind": "users", "name": "", "config": "", "json_file": (io.BytesIO(exchange), "profile.json")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "プロファイル名に使えない文字" in page_text(response)
    assert db_session.query(ImportProfile).count() == 0


@pytest.mark.parametrize("name", ["ない", "9" * 20, "../x"])
def test_new_profile_from_an_unknown_profile_says_so(admin_client, name):
    """Found by a sweep of every list and form page with odd query-string values: this was a 500."""
    response = admin_client.get("/admin/imports/profiles/new", query_string={"kind": "users", "from": name})
    assert response.status_code == 200
    assert "にありません" in page_text(response) and "login_id" in page_text(response)
