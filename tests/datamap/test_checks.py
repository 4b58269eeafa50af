"""The datamap's system checks: no personal data escapes declaration."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps

from pledge.datamap import registry
from pledge.datamap.checks import datamap_check
from pledge.policy import load


def _ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_every_installed_model_is_declared():
    assert [m.msg for m in datamap_check() if m.level >= 40] == []


def test_an_undeclared_model_is_an_error(monkeypatch):
    model = apps.get_model("notices", "NoticeVersion")
    monkeypatch.delitem(registry._declarations, model._meta.label)
    errors = [m for m in datamap_check() if m.id == "datamap.E001"]
    assert [e.msg for e in errors] == ["notices.NoticeVersion is not declared to the datamap"]


def test_an_undeclared_model_with_an_encrypted_field_says_it_holds_personal_data(monkeypatch):
    model = apps.get_model("vaultcases", "Dossier")
    monkeypatch.delitem(registry._declarations, model._meta.label)
    (error,) = [m for m in datamap_check() if m.id == "datamap.E001"]
    assert "it has an encrypted field, so it holds personal data" in error.hint


def test_an_encrypted_model_declared_as_holding_nothing_is_an_error(monkeypatch):
    model = apps.get_model("vaultcases", "Dossier")
    monkeypatch.setitem(
        registry._declarations, model._meta.label, registry.NoPersonalData(model, reason="none")
    )
    assert "datamap.E002" in _ids(datamap_check())


def test_a_category_the_policy_does_not_declare_is_an_error(monkeypatch):
    model = apps.get_model("vaultcases", "PeriodNote")
    holder = registry.Holder(model, category="user.biometrics", strategy=registry.Strategy.SHRED)
    monkeypatch.setitem(registry._declarations, model._meta.label, holder)
    (error,) = [m for m in datamap_check() if m.id == "datamap.E003"]
    assert "'user.biometrics', which the active policy (japan-centre) does not declare" in error.msg


def test_a_policy_category_with_no_holder_yet_is_a_warning_naming_it(settings):
    alps = load(Path(__file__).resolve().parents[2] / "policies" / "alps.yaml")
    planned = alps.categories[0].model_copy(update={"id": "user.newsletter", "name": "Letters"})
    settings.POLICY = alps.model_copy(update={"categories": [*alps.categories, planned]})
    warnings = {m.msg for m in datamap_check() if m.id == "datamap.W001"}
    assert warnings == {"policy category 'user.newsletter' has no holder yet"}


def test_a_holder_of_a_feature_the_policy_lacks_is_not_an_error(settings):
    settings.POLICY = load(Path(__file__).resolve().parents[2] / "policies" / "alps.yaml")
    errors = [m.msg for m in datamap_check() if m.level >= 40]
    # Only the test models (tests/vaultcases) hold categories alps lacks; accounts, consent and
    # sign-in records exist only where the policy has accounts, so they are not errors.
    assert [e for e in errors if not e.startswith("vaultcases.")] == []
