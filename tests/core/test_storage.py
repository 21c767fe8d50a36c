"""Storage (DESIGN "Storage"): random names, size/type checks first, no orphan after a rollback."""

from __future__ import annotations

import io
import os
import re
import time

import pytest
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from core.db import db
from core.errors import ValidationFailed
from core.storage import HEAD_BYTES, Storage, accept_types
from core.transaction import transaction

PDF = b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@pytest.fixture
def storage(tmp_path) -> Storage:
    return Storage(tmp_path / "storage")


def _files(storage: Storage, area: str = "attachments") -> list[str]:
    return sorted(p.name for p in storage.folder(area).iterdir())


class _Stream:
    """A stream that cannot tell its length (a socket, a pipe): only ``read``."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(min(size, 1000) if size > 0 else size)


# --- names and content ----------------------------------------------------------------------------------------


def test_saved_under_a_random_name_with_its_size_and_hash(storage, db_session):
    stored = storage.save(db_session, "attachments", PDF, suffix=".pdf")
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.name)
    assert stored.size == len(PDF) and len(stored.sha256) == 64
    assert storage.read("attachments", stored.name) == PDF
    with storage.open("attachments", stored.name) as handle:
        assert handle.read(5) == b"%PDF-"
    if os.name == "posix":
        assert stored.path.stat().st_mode & 0o777 == 0o600
    assert storage.save(db_session, "attachments", PDF).name != stored.name


@pytest.mark.parametrize("name", ["../../etc/passwd", "0" * 31, "A" * 32, "0" * 32 + ".PDF", "0" * 32 + "/x",
                                  "0" * 32 + ".toolongsuffix", "/tmp/" + "0" * 32, "", "0" * 33])
def test_names_not_made_here_are_refused(storage, name):
    with pytest.raises(ValueError):
        storage.path("attachments", name)


@pytest.mark.parametrize("area", ["..", "../outside", "Attachments", "a/b", ""])
def test_areas_are_plain_names(storage, area):
    with pytest.raises(ValueError):
        storage.path(area, "0" * 32)


def test_suffix_is_checked(storage, db_session):
    with pytest.raises(ValueError):
        storage.save(db_session, "attachments", PDF, suffix="/../x")
    assert _files(storage) == []


# --- size and type ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [bytes, io.BytesIO, _Stream, lambda d: FileStorage(io.BytesIO(d), "a.pdf")],
                         ids=["bytes", "seekable", "unseekable", "upload"])
def test_oversize_is_refused_with_nothing_on_disk(storage, db_session, make):
    with pytest.raises(ValidationFailed) as caught:
        storage.save(db_session, "attachments", make(PDF), max_bytes=len(PDF) - 1)
    assert "ファイルが大きすぎます" in caught.value.errors["file"][0]
    assert _files(storage) == []


@pytest.mark.parametrize("make", [bytes, _Stream, lambda d: FileStorage(io.BytesIO(d), "a.pdf")],
                         ids=["bytes", "unseekable", "upload"])
def test_streams_and_bytes_store_the_same(storage, db_session, make):
    stored = storage.save(db_session, "attachments", make(PDF), max_bytes=len(PDF), check=accept_types("pdf"))
    assert storage.read("attachments", stored.name) == PDF and stored.size == len(PDF)


def test_type_check_sees_the_first_bytes_and_refuses_in_japanese(storage, db_session):
    seen = []
    storage.save(db_session, "attachments", PDF, check=seen.append)
    assert seen == [PDF[:HEAD_BYTES]]
    with pytest.raises(ValidationFailed) as caught:
        storage.save(db_session, "attachments", PNG, check=accept_types("pdf", "jpeg"))
    assert caught.value.errors["file"] == [
        "ファイルの種類が違います。PDF・JPEG のファイルを選んでください（ファイルの中身で判定しています）。"]
    assert len(_files(storage)) == 1  # only the first, accepted file
    with pytest.raises(ValueError):
        accept_types("exe")


# --- the orphan rule -----------------------------------------------------------------------------------------


def test_commit_keeps_and_rollback_removes(storage, db_session):
    kept = storage.save(db_session, "attachments", PDF)
    db_session.commit()
    assert kept.path.exists()
    dropped = storage.save(db_session, "attachments", PDF)
    assert dropped.path.exists()  # readable until the transaction ends
    db_session.rollback()
    assert not dropped.path.exists() and kept.path.exists()
    db_session.commit()  # nothing pending any more
    assert kept.path.exists()


def test_a_session_closed_without_commit_leaves_nothing(storage, db_session):
    other = Session(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    assert not other.in_transaction()
    stored = storage.save(other, "attachments", PDF)
    assert other.in_transaction()  # the file is tied to a transaction begun for it
    other.close()
    assert not stored.path.exists()


def test_a_rolled_back_savepoint_removes_only_its_own_files(storage, db_session):
    before = storage.save(db_session, "attachments", PDF)
    released = db_session.begin_nested()
    in_released = storage.save(db_session, "attachments", PDF)
    released.commit()
    outer = db_session.begin_nested()
    in_outer = storage.save(db_session, "attachments", PDF)
    inner = db_session.begin_nested()
    in_inner = storage.save(db_session, "attachments", PDF)
    inner.commit()
    outer.rollback()
    assert not in_outer.path.exists() and not in_inner.path.exists()
    assert before.path.exists() and in_released.path.exists()
    after = storage.save(db_session, "attachments", PDF)
    db_session.commit()
    assert all(f.path.exists() for f in (before, in_released, after))


def test_released_savepoint_files_go_with_the_outer_rollback(storage, db_session):
    savepoint = db_session.begin_nested()
    stored = storage.save(db_session, "attachments", PDF)
    savepoint.commit()
    db_session.rollback()
    assert not stored.path.exists()


def test_the_view_transaction_helper_keeps_or_removes(app, storage):
    with app.test_request_context():
        with transaction() as tx:
            kept = storage.save(db.session, "attachments", PDF)
        assert tx.ok and kept.path.exists()
        with transaction() as tx:
            dropped = storage.save(db.session, "attachments", PDF)
            raise ValidationFailed({"name": ["名称を入力してください。"]})
        assert not tx.ok and not dropped.path.exists()


# --- temporaries ----------------------------------------------------------------------------------------------


def test_temporaries_expire_and_are_discarded(storage):
    stored = storage.save_temporary("imports", b"a,b\n1,2\n", ttl_seconds=60, suffix=".dat", named_by_hash=True)
    assert stored.name == stored.sha256 + ".dat"
    again = storage.save_temporary("imports", b"a,b\n1,2\n", ttl_seconds=60, suffix=".dat", named_by_hash=True)
    assert again.name == stored.name and _files(storage, "imports") == [stored.name]
    assert storage.read_temporary("imports", stored.name, ttl_seconds=60) == b"a,b\n1,2\n"
    old = time.time() - 120
    os.utime(stored.path, (old, old))
    assert storage.read_temporary("imports", stored.name, ttl_seconds=60) is None
    fresh = storage.save_temporary("imports", b"x", ttl_seconds=60)
    assert _files(storage, "imports") == [fresh.name]  # the expired one was swept by the next save
    storage.discard("imports", fresh.name)
    assert storage.read_temporary("imports", fresh.name, ttl_seconds=60) is None


def test_temporary_and_kept_areas_do_not_mix(storage, db_session):
    with pytest.raises(ValueError):
        storage.save(db_session, "imports", PDF)
    with pytest.raises(ValueError):
        storage.save_temporary("attachments", PDF, ttl_seconds=60)
    kept = storage.save(db_session, "attachments", PDF)
    with pytest.raises(ValueError):
        storage.discard("attachments", kept.name)
    with pytest.raises(ValueError):
        storage.sweep("attachments", 0)


def test_temporary_size_limit(storage):
    with pytest.raises(ValidationFailed):
        storage.save_temporary("imports", b"x" * 11, ttl_seconds=60, max_bytes=10)
    assert _files(storage, "imports") == []
