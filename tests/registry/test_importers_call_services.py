"""Import kinds call their aggregates' services and never write models themselves (DESIGN: "importers.py —
import kinds of this aggregate, calling its services (never writing models directly)"): no ``importers.py``
under registry/ constructs a registry model, adds to or flushes the session, or records history itself."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MODELS = {"Contractor", "Registration", "RegisteredWorkType", "Permit"}
#: Session calls that write (reading through ``session.scalars``/``get`` is the importer's job).
SESSION_WRITES = {"add", "add_all", "delete", "merge", "flush", "expunge"}
#: History is recorded by the services; ``setattr`` on a record is a write too.
HISTORY_WRITES = {"record_change", "setattr"}


def _importer_modules() -> list[Path]:
    return sorted((ROOT / "registry").rglob("importers.py"))


def _name(node: ast.expr) -> str:
    """The dotted text of a call's target (``ctx.session.add``), or '' when it is not a plain name chain."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _writes(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        last = name.rsplit(".", 1)[-1]
        owner = name.rsplit(".", 1)[0] if "." in name else ""
        if (last in MODELS or last in HISTORY_WRITES
                or (last in SESSION_WRITES and owner.rsplit(".", 1)[-1] == "session")):
            found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}: {name}(")
    return found


def test_the_walk_finds_the_registry_importers():
    assert "registry/contractors/importers.py" in {p.relative_to(ROOT).as_posix() for p in _importer_modules()}


def test_the_check_sees_a_direct_write(tmp_path):
    module = tmp_path / "importers.py"
    module.write_text("def apply(ctx):\n    c = Contractor(number='1')\n    ctx.session.add(c)\n"
                      "    record_change(ctx.session, None, 'x', 'y', target=c, before=None, after={})\n",
                      encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in _writes(module, tmp_path)]
    assert found == ["Contractor(", "ctx.session.add(", "record_change("]


def test_importers_write_only_through_services():
    offending = [write for path in _importer_modules() for write in _writes(path)]
    assert offending == [], "importers call their aggregates' services to write:\n" + "\n".join(offending)
