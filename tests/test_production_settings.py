"""`manage.py check --deploy` is clean with the production variables docs/operations.md
lists, and each of them is needed: leaving one out brings back Django's warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import cldc

ROOT = Path(cldc.__file__).resolve().parent

PRODUCTION = {
    "CLDC_SECRET_KEY": secrets.token_urlsafe(50),
    "CLDC_ALLOWED_HOSTS": ".cldc.example.gov.uk",
    "CLDC_HTTPS": "1",
    "CLDC_HSTS_SECONDS": "31536000",
    "CLDC_HSTS_PRELOAD": "1",
}


def check_deploy(variables):
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CLDC_")}
    environment.update(variables)
    environment["CLDC_DEBUG"] = variables.get("CLDC_DEBUG", "0")
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_production_variables():
    result = check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("left_out, warnings", [
    ("CLDC_SECRET_KEY", ["security.W009"]),
    ("CLDC_HTTPS", ["security.W008", "security.W012", "security.W016"]),
    ("CLDC_HSTS_SECONDS", ["security.W004"]),
    ("CLDC_HSTS_PRELOAD", ["security.W021"]),
])
def test_each_production_variable_is_needed(left_out, warnings):
    result = check_deploy({name: value for name, value in PRODUCTION.items() if name != left_out})
    assert result.returncode != 0
    for warning in warnings:
        assert warning in result.stderr


def test_debug_on_is_refused():
    result = check_deploy({**PRODUCTION, "CLDC_DEBUG": "1"})
    assert "security.W018" in result.stderr
