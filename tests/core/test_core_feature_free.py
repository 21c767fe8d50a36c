"""DESIGN "core names no feature": the deadlines of a feature package live in that package's rules, so core's
code (and the rules screens' templates) name none of them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Deadline item names and the Japanese terms of grading (説明請求, 不服申立て) and the registry (指名停止).
FEATURE_TERMS = re.compile(r"explanation_request|objection|suspension_start|説明請求|不服申立|指名停止")


def test_core_names_no_feature_deadline():
    files = sorted(ROOT.glob("core/**/*.py")) + sorted(ROOT.glob("templates/rules/*.html"))
    assert len(files) > 20
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in files
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if FEATURE_TERMS.search(line)]
    assert not found, "\n".join(found)
