"""docs/policy.md is the generated reference, and it documents every key a policy can use.

The models are walked here independently of ``pledge.policy.reference``, so a mistake in how
the generator walks them cannot also hide itself from the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter

from pledge.policy import schema
from pledge.policy.reference import EXAMPLES, REGENERATE, reference_markdown

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policy.md"
POLICY_FILES = [ROOT / "policies" / "japan-centre.yaml", ROOT / "policies" / "alps.yaml"]

_ROW = re.compile(r"^\| `([A-Za-z0-9_]+)` \|")


def _model_in(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The model a field holds and whether it holds a list of them."""
    if get_origin(annotation) is list:
        inner = _model_in(get_args(annotation)[0])
        return (inner[0], True) if inner else None
    if get_origin(annotation) in (Union, UnionType, Annotated):
        return next((found for a in get_args(annotation) if (found := _model_in(a))), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None


def _model_paths(
    model: type[BaseModel] = schema.Policy, path: str = ""
) -> Iterator[tuple[str, type[BaseModel]]]:
    """Every mapping a policy file can hold, by its path in the document's notation."""
    yield path, model
    for key, field in model.model_fields.items():
        found = _model_in(field.annotation)
        if found is not None:
            child = f"{path}.{key}" if path else key
            yield from _model_paths(found[0], f"{child}[]" if found[1] else child)


def _doc_keys() -> dict[str, set[str]]:
    """The keys each section table of the committed document lists, by section path."""
    keys: dict[str, set[str]] = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = _section_path(line.removeprefix("## "))
            if current is not None:
                keys[current] = set()
        elif current is not None and (row := _ROW.match(line)):
            keys[current].add(row[1])
    return keys


def _section_path(heading: str) -> str | None:
    if heading == "Top level":
        return ""
    match = re.fullmatch(r"`([^`]+)`", heading)
    return match[1] if match else None


def _file_keys(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(section path, key) for every mapping key written in a policy file."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path, str(key)
            yield from _file_keys(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for item in data:
            yield from _file_keys(item, f"{path}[]")


def test_committed_reference_is_current():
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert committed == reference_markdown(), (
        f"docs/policy.md does not match the policy models; regenerate it with: {REGENERATE}"
    )


@pytest.mark.parametrize(
    ("path", "model"), [pytest.param(p, m, id=p or "top") for p, m in _model_paths()]
)
def test_every_field_is_documented(path: str, model: type[BaseModel]):
    documented = _doc_keys()
    assert path in documented, f"no section for {path or 'the top level'} in docs/policy.md"
    assert documented[path] == set(model.model_fields)


def test_every_schema_model_is_reachable_from_policy():
    models = {
        obj
        for obj in vars(schema).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == schema.__name__
    }
    bases = {base for model in models for base in model.__mro__[1:]}
    reached = {model for _, model in _model_paths()}
    assert models - bases - reached == set()


@pytest.mark.parametrize("policy_file", POLICY_FILES, ids=lambda p: p.name)
def test_every_key_in_the_policy_files_is_documented(policy_file: Path):
    documented = _doc_keys()
    data = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    missing = sorted(
        {f"{path}: {key}" for path, key in _file_keys(data) if key not in documented.get(path, ())}
    )
    assert missing == []


def test_every_top_level_section_has_an_example():
    top_level = {path for path, _ in _model_paths() if "." not in path}
    assert set(EXAMPLES) == top_level


@pytest.mark.parametrize("path", list(EXAMPLES), ids=lambda v: v or "top")
def test_examples_are_valid_policy(path: str):
    data = yaml.safe_load(EXAMPLES[path].text)
    assert (ROOT / EXAMPLES[path].source).is_file()
    for key, value in data.items():
        field = schema.Policy.model_fields[key]
        annotated = (
            Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        )
        TypeAdapter(annotated).validate_python(value)
