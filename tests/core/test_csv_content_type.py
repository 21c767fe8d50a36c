"""CSV downloads (security review): the Content-Type names the charset once (``text/csv; charset=utf-8``),
on every kind of CSV endpoint: filtered lists, the operation log, rule history, holidays, import rejections."""

import io

import pytest

from core.csvexport import csv_response

CSV_TYPE = "text/csv; charset=utf-8"
LIST_URLS = [
    "/admin/users?format=csv",
    "/admin/departments?format=csv",
    "/admin/login-history?format=csv",
    "/admin/audit/?format=csv",
    "/admin/rules/holidays?format=csv&year=2026",
    "/admin/rules/registry.qualification?format=csv",
    "/registry/contractors?format=csv",
    "/registry/applications?format=csv",
    "/registry/suspensions?format=csv&state=all",
]


def _assert_one_charset(response):
    body = response.get_data()  # read the stream first: a failed assertion leaves no request open
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == CSV_TYPE
    assert response.headers["Content-Type"].count("charset") == 1
    assert body.startswith(b"\xef\xbb\xbf")


def test_builder_sets_one_charset(app):
    with app.test_request_context():
        response = csv_response("一覧", ["見出し"], [["値"]])
        assert response.headers["Content-Type"] == CSV_TYPE
        assert response.mimetype == "text/csv" and response.mimetype_params == {"charset": "utf-8"}


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_exports_have_one_charset(admin_client, create_contractor, url):
    create_contractor()
    _assert_one_charset(admin_client.get(url))


def test_import_rejections_have_one_charset(admin_client):
    text = "ログインID,氏名,部署コード,部署名,役割,メールアドレス,状態\r\nx,,0100,,契約担当,,\r\n"
    uploaded = admin_client.post("/admin/imports/", data={
        "kind": "users", "profile": "標準", "file": (io.BytesIO(text.encode()), "staff.csv")},
        content_type="multipart/form-data")
    batch_id = int(uploaded.location.rsplit("/", 1)[1])
    _assert_one_charset(admin_client.get(f"/admin/imports/{batch_id}/rejections.csv"))


def test_gzip_keeps_one_charset(admin_client, create_contractor):
    for _ in range(3):
        create_contractor()
    response = admin_client.get("/registry/contractors?format=csv", headers={"Accept-Encoding": "gzip"})
    response.get_data()
    assert response.headers["Content-Type"] == CSV_TYPE


def test_json_profile_export_has_one_charset(admin_client):
    response = admin_client.get("/admin/imports/profiles/users/標準.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
