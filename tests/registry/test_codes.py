"""Registry code lists and area rule (versioned settings)."""

from core.rules.services import add_rule_version
from registry.codes import derive_area, work_types


def test_work_type_code_list(db_session):
    codes = work_types(db_session)
    assert codes["010"].title == "土木一式工事" and codes["010"].graded
    assert codes["510"].category == "consulting"
    assert sum(1 for w in codes.values() if w.category == "construction") == 29


def test_area_from_address(db_session, admin):
    assert derive_area(db_session, "山口県防府市中関3丁目21番19号") == "city"
    assert derive_area(db_session, "山口県周南市岐山通1丁目") == "near"
    assert derive_area(db_session, "広島県広島市中区") == "outside"
    from core.timefmt import today

    add_rule_version(db_session, admin, "registry.area", today(), {"city": "防府市", "near": ""}, "準市内を廃止")
    assert derive_area(db_session, "山口県周南市岐山通1丁目") == "outside"
