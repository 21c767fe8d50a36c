"""The built-in rules are defined once, even when the first requests of a threaded worker arrive together."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: in this one the built-in rules are loaded already.
FIRST_LOOKUPS = f"""
import sys, threading
sys.path.insert(0, {str(ROOT)!r})
from core.rules import catalogue

errors, start = [], threading.Barrier(8)

def lookup():
    start.wait()
    try:
        catalogue.get_definition("password_policy")
    except Exception as exc:
        errors.append(exc)

threads = [threading.Thread(target=lookup) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors))
"""


def test_concurrent_first_lookups_all_find_the_rule():
    result = subprocess.run([sys.executable, "-c", FIRST_LOOKUPS],  # noqa: S603 (the script above, no input)
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
