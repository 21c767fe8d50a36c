"""Install and CI hygiene (security review): dependency floors above known vulnerabilities, venvs that
upgrade pip and setuptools before installing, the README's commands the same as CI's, and a dependency audit
in CI that says when it could not run."""

import configparser
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
VENV_PREFIX = "python3 -m venv .venv && .venv/bin/pip install -q --upgrade pip setuptools && "

#: The last vulnerable release of each package: the floor must exclude it.
VULNERABLE = {
    "flask": "3.1.0",       # CVE-2025-47278
    "werkzeug": "3.1.5",    # CVE-2024-49766/49767, CVE-2025-66221, CVE-2026-21860, CVE-2026-27199
    "jinja2": "3.1.5",      # CVE-2025-27516
    "gunicorn": "22.0.0",   # CVE-2024-6827
    "waitress": "3.0.0",    # CVE-2024-49768, CVE-2024-49769
}


def _install_requires() -> dict[str, Requirement]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = [line.strip() for line in config["options"]["install_requires"].splitlines()]
    return {(req := Requirement(line)).name.lower(): req for line in lines if line and not line.startswith("#")}


@pytest.mark.parametrize("name, vulnerable", sorted(VULNERABLE.items()))
def test_floors_exclude_vulnerable_releases(name, vulnerable):
    requirement = _install_requires()[name]
    assert Version(vulnerable) not in requirement.specifier, f"{name} {requirement.specifier} admits {vulnerable}"


def test_build_needs_a_patched_setuptools():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    setuptools = next(Requirement(r) for r in requires if r.startswith("setuptools"))
    assert Version("78.1.0") not in setuptools.specifier  # CVE-2025-47273


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in quick_start.splitlines() if line.startswith("python3 ")]


def _ci_readme_block() -> list[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"# --- the README's test command, verbatim ---\n(.*?)\n# -{10,}", text, re.S)
    assert block, "the verbatim block is missing from .ci/run"
    return block.group(1).splitlines()


def test_readme_commands_upgrade_pip_and_setuptools_first():
    commands = _readme_commands()
    assert len(commands) == 2
    assert all(c.startswith(VENV_PREFIX) for c in commands), commands


def test_ci_runs_the_readme_test_command_verbatim():
    assert _ci_readme_block() == [_readme_commands()[1]]


def test_ci_audits_dependencies_and_says_when_it_cannot():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/pip-audit" in text and "pip-audit SKIPPED" in text
    assert "pip-audit" in _install_requires_test_extra()
    assert "pip-audit" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def _install_requires_test_extra() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config["options.extras_require"]["test"]
