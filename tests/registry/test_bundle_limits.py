"""Transfer bundles: sizes are checked before anything is decompressed (a small ZIP whose manifest expands to
hundreds of MB is refused before the signature check), a signed manifest naming a file the bundle lacks is
refused with a message, and the verify step (screen and CLI dry run) makes the import's attachment checks."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from core import archives
from core.auth.roles import Role
from registry.applications import bundle_archive, bundles
from registry.applications.bundles import BundleLimits, BundleRefused
from registry.applications.models import Application
from tests.helpers import page_text
from tests.registry.test_application_bundles import KEY, export_applications, members, move_aside, read

MB = 1024 * 1024
JS_PDF = b"%PDF-1.4\n1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\ntrailer<<>>\n%%EOF\n"


def bomb(manifest_mb: int = 40, signature: bytes = b"0" * 64) -> bytes:
    """A ~40 KB ZIP whose unsigned manifest.json expands to ``manifest_mb`` MB of blanks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("manifest.json", "w", force_zip64=True) as handle:
            handle.write(b'{"format": "keiyaku-transfer/1"')
            for _ in range(manifest_mb):
                handle.write(b" " * MB)
            handle.write(b"}")
        archive.writestr("signature", signature)
    return out.getvalue()


def forged(data: bytes, change) -> bytes:
    """``data`` with its manifest changed by ``change(manifest, blobs)`` and signed again with the right key."""
    content = members(data)
    manifest = json.loads(content["manifest.json"])
    blobs = {n: b for n, b in content.items() if n.startswith("files/")}
    change(manifest, blobs)
    manifest["files"] = {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in blobs.items()}
    manifest["bundle_id"] = "forged-" + hashlib.sha256(json.dumps(manifest).encode()).hexdigest()[:8]
    return bundles._write(manifest, blobs, KEY)


def with_javascript_pdf(manifest, blobs):
    doc = manifest["items"][0]["attachments"][0]
    blobs.pop(f"files/{doc['sha256']}")
    doc |= {"sha256": hashlib.sha256(JS_PDF).hexdigest(), "size": len(JS_PDF)}
    blobs[f"files/{doc['sha256']}"] = JS_PDF


def without_the_first_file(manifest, blobs):
    blobs.pop(f"files/{manifest['items'][0]['attachments'][0]['sha256']}")


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF, name="審査 花子")


@pytest.fixture
def bundle(db_session, storage, portal):
    """A portal bundle of one application, the application moved aside as on the internal side."""
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    return data


def _portal_copies(session) -> int:
    return session.scalar(select(func.count()).select_from(Application).where(Application.origin == "portal"))


# --- sizes --------------------------------------------------------------------------------------------------------


def test_a_manifest_expanding_beyond_the_cap_is_refused_before_it_is_read(db_session, storage, monkeypatch):
    data = bomb(40)
    assert len(data) < 100 * 1024
    reads = []
    monkeypatch.setattr(archives, "read_member", lambda *a: reads.append(a) or b"")
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage)
    assert "大きすぎます" in str(info.value) and "manifest.json" in str(info.value)
    assert reads == []  # refused from the declared size, nothing decompressed


def test_the_manifest_cap_is_a_setting(db_session, storage, bundle):
    size = len(members(bundle)["manifest.json"])
    with pytest.raises(BundleRefused, match="manifest.json"):
        bundles.read_bundle(db_session, None, bundle, key=KEY, expect="applications", storage_root=storage,
                            now=bundles.datetime.now(), limits=BundleLimits(manifest_bytes=size - 1))
    assert BundleLimits.from_config({"TRANSFER_MANIFEST_MAX_MB": 3, "ATTACHMENT_MAX_MB": 7, "ZIP_MAX_RATIO": 50}) \
        == BundleLimits(manifest_bytes=3 * MB, file_bytes=7 * MB, max_ratio=50)


def test_an_oversized_signature_member_is_refused(db_session, storage):
    with pytest.raises(BundleRefused, match="signature"):
        read(db_session, bomb(0, signature=b"0" * 5000), "applications", storage)


def test_an_attachment_beyond_the_file_cap_is_refused(db_session, storage, bundle):
    biggest = max(len(b) for n, b in members(bundle).items() if n.startswith("files/"))
    with pytest.raises(BundleRefused, match="大きすぎます"):
        bundles.read_bundle(db_session, None, bundle, key=KEY, expect="applications", storage_root=storage,
                            now=bundles.datetime.now(), limits=BundleLimits(file_bytes=biggest - 1))


def test_too_many_members_are_refused(db_session, storage, bundle, monkeypatch):
    monkeypatch.setattr(bundle_archive, "MAX_MEMBERS", 2)
    with pytest.raises(BundleRefused, match="多すぎます"):
        read(db_session, bundle, "applications", storage)


def test_a_member_longer_than_its_bound_is_not_read_past_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a", b"x" * 5000)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archives.read_member(archive, "a", 5000) == b"x" * 5000
        with pytest.raises(archives.ArchiveTooLarge):
            archives.read_member(archive, "a", 4999)


# --- a signed manifest that does not hold together ----------------------------------------------------------------


def test_a_signed_manifest_naming_a_missing_file_is_refused(db_session, storage, bundle):
    data = forged(bundle, without_the_first_file)
    for dry_run in (False, True):
        with pytest.raises(BundleRefused) as info:
            read(db_session, data, "applications", storage, dry_run=dry_run)
        assert "ファイルが転送ファイルにありません" in str(info.value)
    assert _portal_copies(db_session) == 0


def test_a_signed_manifest_missing_an_entry_is_refused(db_session, storage, bundle):
    data = forged(bundle, lambda manifest, blobs: manifest["items"][0].pop("firm_name"))
    with pytest.raises(BundleRefused, match="1 件目の内容が不完全です"):
        read(db_session, data, "applications", storage)


# --- the verify step makes the import's checks ---------------------------------------------------------------------


def test_the_dry_run_checks_the_attachments(db_session, storage, bundle):
    data = forged(bundle, with_javascript_pdf)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage, dry_run=True)
    assert "/JavaScript" in str(info.value)


def test_the_dry_run_uses_the_import_check(db_session, storage, bundle, monkeypatch):
    calls = []
    real = bundles.files.check_file
    monkeypatch.setattr(bundles.files, "check_file", lambda *a: calls.append(a[0]) or real(*a))
    read(db_session, bundle, "applications", storage, dry_run=True)
    assert calls and _portal_copies(db_session) == 0


@pytest.fixture
def staff_client(app, login_as, staff, monkeypatch):
    monkeypatch.setitem(app.config, "TRANSFER_KEY", KEY)
    return login_as(staff)


def _upload(client, data: bytes):
    return client.post("/registry/applications/transfer", data={"file": (io.BytesIO(data), "bundle.zip")},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("change, words", [
    (with_javascript_pdf, "/JavaScript"),
    (without_the_first_file, "ファイルが転送ファイルにありません"),
])
def test_the_verify_step_of_the_screen_refuses(staff_client, db_session, bundle, change, words):
    response = _upload(staff_client, forged(bundle, change))
    assert response.status_code == 422
    assert words in page_text(response)
    assert 'name="sha256"' not in page_text(response)  # no 取り込む step offered
    assert _portal_copies(db_session) == 0


def test_the_verify_step_of_the_screen_refuses_a_bomb(staff_client):
    response = _upload(staff_client, bomb(40))
    assert response.status_code == 422 and "manifest.json" in page_text(response)


def test_the_cli_dry_run_refuses(app, db_session, bundle, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "TRANSFER_KEY", KEY)
    path = tmp_path / "bundle.zip"
    path.write_bytes(forged(bundle, with_javascript_pdf))
    result = app.test_cli_runner().invoke(args=["transfer", "import-applications", str(path), "--dry-run"])
    assert result.exit_code == 1 and "/JavaScript" in result.output
