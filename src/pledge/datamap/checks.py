"""System checks: every model accounted for, every category one the policy knows.

``pledge check`` (and every ``pledge serve``) runs these: personal data that nobody declared
would escape retention and erasure, so an undeclared model is an error, not a warning.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

from pledge.datamap import registry
from pledge.vault.fields import EncryptedField


def _has_encrypted_field(model: Any) -> bool:
    return any(isinstance(f, EncryptedField) for f in model._meta.get_fields())


@checks.register("datamap")
def datamap_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    policy = settings.POLICY
    problems: list[checks.CheckMessage] = []
    for model in apps.get_models(include_auto_created=True):
        # A many-to-many table Django made for a field goes with the model that owns it.
        owner = model._meta.auto_created or model
        declaration = registry.declaration_for(owner)
        if declaration is None:
            hint = (
                "it has an encrypted field, so it holds personal data: declare it with Holder"
                if _has_encrypted_field(model)
                else "declare it with Holder(...) or NoPersonalData(model, reason=...)"
            )
            problems.append(
                checks.Error(
                    f"{model._meta.label} is not declared to the datamap",
                    hint=f"In {model._meta.app_config.name}.privacy, {hint}.",
                    obj=model,
                    id="datamap.E001",
                )
            )
        elif isinstance(declaration, registry.NoPersonalData) and _has_encrypted_field(model):
            problems.append(
                checks.Error(
                    f"{model._meta.label} has an encrypted field but is declared as holding "
                    "no personal data",
                    obj=model,
                    id="datamap.E002",
                )
            )
    held: set[str] = set()
    for declaration in registry.declarations():
        if isinstance(declaration, registry.NoPersonalData):
            continue
        if isinstance(declaration, registry.Holder) and not declaration.active_in(policy):
            continue
        category = (
            declaration.category_in(policy)
            if isinstance(declaration, registry.Holder)
            else declaration.category
        )
        held.add(category)
        if policy.category(category) is None:
            problems.append(
                checks.Error(
                    f"{declaration.label} holds category {category!r}, which the active policy "
                    f"({policy.id}) does not declare",
                    hint="Add the category to the policy, or stop holding this data.",
                    id="datamap.E003",
                )
            )
    for category in policy.categories:
        if category.id not in held:
            problems.append(
                checks.Warning(
                    f"policy category {category.id!r} has no holder yet",
                    hint="No model or store declares it; nothing is collected for it so far.",
                    id="datamap.W001",
                )
            )
    return problems
