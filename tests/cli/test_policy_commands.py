"""``pledge policy ...`` and the command contract, run as an operator would."""

import json
from pathlib import Path

import pytest

from pledge.cli import main

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_check_accepts_a_valid_policy(capsys):
    assert main(["policy", "check", str(POLICIES / "alps.yaml")]) == 0
    assert "valid policy 'alps'" in capsys.readouterr().out


def test_check_refuses_a_broken_policy_with_its_place(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    text = (POLICIES / "alps.yaml").read_text().replace("sweep_hour: 4", "sweep_hour: 24")
    broken.write_text(text)
    assert main(["policy", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("sweep_hour"))
    assert f"{broken}:{line}:1: sweep_hour: 24 is out of range (allowed: 0 to 23)" in err
    assert "1 problem" in err


def test_schema_is_json_schema_of_the_policy(capsys):
    assert main(["policy", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Policy"
    assert "categories" in schema["properties"]


@pytest.mark.clause("AL1")
def test_render_writes_the_notice(tmp_path):
    out = tmp_path / "notice.html"
    assert (
        main(["policy", "render", str(POLICIES / "alps.yaml"), "--format", "html", "-o", str(out)])
        == 0
    )
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert "ALPS Printer Services Japan" in page
