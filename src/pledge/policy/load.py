"""Loading a policy file: YAML in, a checked ``Policy`` out, or every problem with its place.

The YAML is composed into nodes first so that every value keeps its line and column; pydantic's
error locations and the consistency rules' paths are both mapped back onto them. A policy with
any problem is refused as a whole: nothing starts on a half-valid promise.

Every message says where (``file:line:column``, then the dotted key path) and what is allowed
or expected there. Loading raises nothing but ``PolicyError``, whatever the text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from dataclasses import dataclass
from enum import Enum
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError, WithJsonSchema
from yaml.constructor import SafeConstructor

from pledge.policy import rules
from pledge.policy.calendar import Duration, FiscalYearEnd
from pledge.policy.schema import PATTERN_MEANINGS, Policy

Path = tuple[str | int, ...]

# A policy has a few hundred values. Aliases can make a small file expand without bound (the
# "billion laughs"), and deep nesting exhausts the stack; both are refused long before.
MAX_VALUES = 100_000
MAX_DEPTH = 50


@dataclass(frozen=True, slots=True)
class LocatedProblem:
    source: str
    line: int
    column: int
    path: Path
    message: str

    def __str__(self) -> str:
        where = dotted(self.path)
        prefix = f"{self.source}:{self.line}:{self.column}"
        return f"{prefix}: {where}: {self.message}" if where else f"{prefix}: {self.message}"


class PolicyError(Exception):
    """The policy cannot be used; ``problems`` says every reason, each with its place."""

    def __init__(self, problems: list[LocatedProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _TooLarge(Exception):
    pass


_YAML_TAG = "tag:yaml.org,2002:"
_TAG_WORDS = {
    "timestamp": "a date",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "binary": "base64 data",
    "null": "an empty value",
}


class _Positions:
    """Builds plain Python data from YAML nodes, remembering where each value was written.

    Keys are the text written in the file. Problems found while building (a key given twice, a
    value YAML cannot construct, an alias that contains itself) are collected, not raised.
    """

    def __init__(self, source: str):
        self.source = source
        self.marks: dict[Path, tuple[int, int]] = {}
        self.problems: list[LocatedProblem] = []
        self.unreadable: set[Path] = set()
        self.written: dict[Path, str] = {}  # each scalar's text as written, '0331' for 217
        self._constructor = SafeConstructor()
        self._open: set[int] = set()
        self._count = 0

    def build(self, node: yaml.Node, path: Path = ()) -> Any:
        self._count += 1
        if self._count > MAX_VALUES:
            raise _TooLarge
        self.marks.setdefault(path, _mark(node))
        if isinstance(node, yaml.ScalarNode):
            self.written[path] = str(node.value)
            return self._scalar(node, path)
        if id(node) in self._open:
            return self._refuse(node, path, "this value contains itself (a recursive alias)")
        if len(path) > MAX_DEPTH:
            return self._refuse(node, path, f"nested more than {MAX_DEPTH} levels deep")
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _YAML_TAG + "merge":
                # What the merge would have brought is unknown: no further error in here.
                self._refuse(key_node, path, "merge keys ('<<') are not supported: write the keys")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                self._problem(key_node, path, f"a key is a plain name, not a {kind}")
                continue
            key = str(key_node.value)
            key_path = (*path, key)
            if key in first:
                self._problem(
                    key_node,
                    key_path,
                    f"key {key!r} appears twice in this mapping (first on line "
                    f"{first[key].start_mark.line + 1}); keep one",
                )
                self._forget(key_path)
            first[key] = key_node
            self.marks[key_path] = _mark(key_node)
            result[key] = self.build(value_node, key_path)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except Exception as exc:  # any failure to construct one scalar is a problem with it
            self._constructor = SafeConstructor()
            return self._refuse(node, path, _unconstructable(node, exc))

    def _forget(self, path: Path) -> None:
        """Drop what an earlier value under ``path`` left; the later value replaces it."""
        size = len(path)
        for known in [m for m in self.marks if m[:size] == path]:
            del self.marks[known]
        for known in [w for w in self.written if w[:size] == path]:
            del self.written[known]
        self.unreadable = {u for u in self.unreadable if u[:size] != path}

    def _problem(self, node: yaml.Node, path: Path, message: str) -> None:
        line, column = _mark(node)
        self.problems.append(LocatedProblem(self.source, line, column, path, message))

    def _refuse(self, node: yaml.Node, path: Path, message: str) -> None:
        self._problem(node, path, message)
        self.unreadable.add(path)

    def locate(self, path: Path, message: str) -> LocatedProblem:
        """The problem placed at the deepest part of ``path`` that the file has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.marks:
                line, column = self.marks[path[:end]]
                return LocatedProblem(self.source, line, column, path, message)
        return LocatedProblem(self.source, 1, 1, path, message)

    def is_unreadable(self, path: Path) -> bool:
        return any(path[: len(u)] == u for u in self.unreadable)


def _unconstructable(node: yaml.ScalarNode, exc: Exception) -> str:
    tag = str(node.tag)
    shown = "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag
    problem = str(getattr(exc, "problem", None) or exc)
    if "constructor for the tag" in problem:
        return f"unknown YAML tag {shown!r}: a policy holds plain values only"
    kind = _TAG_WORDS.get(tag.removeprefix(_YAML_TAG), f"a value tagged {shown!r}")
    if kind == "a date":
        return f"{node.value!r} is not a date that exists ({problem}); write YYYY-MM-DD"
    return f"{node.value!r} cannot be read as {kind} ({problem})"


# --- what the schema expects where ------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated`` and ``X | None``, with the constraints found on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            metadata.extend(annotation.__metadata__)
            annotation = annotation.__origin__
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _schema_at(path: Path) -> tuple[Any, list[Any]] | None:
    """The declared type at ``path`` and its constraints; None where the schema has no place."""
    annotation: Any = Policy
    metadata: list[Any] = []
    for part in path:
        annotation, _ = _unwrap(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is not list:
                return None
            annotation, metadata = typing.get_args(annotation)[0], []
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        field = annotation.model_fields.get(part)
        if field is None:
            return None
        annotation, metadata = field.annotation, list(field.metadata)
    annotation, more = _unwrap(annotation)
    return annotation, [*metadata, *more]


def _bare(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value.value if isinstance(value, Enum) else value)


def _allowed_values(annotation: Any) -> list[str] | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [_bare(member) for member in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [_bare(arg) for arg in typing.get_args(annotation)]
    return None


def _bounds(metadata: list[Any]) -> str | None:
    low = next((m.ge for m in metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in metadata if hasattr(m, "le")), None)
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return None


def _expected(path: Path) -> str:
    """What the schema accepts at ``path``, in words."""
    found = _schema_at(path)
    if found is None:
        return "a value described in docs/policy.md"
    annotation, metadata = found
    for meta in metadata:
        described = (meta.json_schema or {}) if isinstance(meta, WithJsonSchema) else {}
        if "description" in described:
            return str(described["description"])
        pattern = getattr(meta, "pattern", None)
        if pattern in PATTERN_MEANINGS:
            return PATTERN_MEANINGS[pattern]
    allowed = _allowed_values(annotation)
    if allowed is not None:
        return f"one of {', '.join(allowed)}"
    if annotation is bool:
        return "true or false"
    if annotation is int:
        bounds = _bounds(metadata)
        return f"a whole number from {bounds}" if bounds and " to " in bounds else "a whole number"
    if annotation is dt.date:
        return "a date written YYYY-MM-DD"
    if annotation is Duration:
        return "a duration such as '5y', '6 months', '30d' or '48h'"
    if annotation is FiscalYearEnd:
        return "a day written 'MM-DD', such as '03-31'"
    if annotation is str:
        return "text"
    if typing.get_origin(annotation) is list:
        return "a list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        required = [name for name, f in annotation.model_fields.items() if f.is_required()]
        if not required:
            return "a mapping of keys"
        needs = " and ".join([", ".join(required[:-1]), required[-1]] if required[1:] else required)
        return f"a mapping of keys that includes {needs}"
    return "a value described in docs/policy.md"


def _written_as_text(path: Path) -> bool:
    """Whether the value at ``path`` is always written as text (a duration, a day, a lifetime)."""
    found = _schema_at(path)
    if found is None:
        return False
    annotation = found[0]
    return annotation in (str, Duration, FiscalYearEnd) or str in typing.get_args(annotation)


def _value(value: object, written: str | None = None) -> str:
    """An offending value as the file shows it, for 'X is not allowed'."""
    if value is None:
        return "an empty value"
    if written is not None and isinstance(value, bool | int | float | dt.date):
        return written
    if isinstance(value, bool | Enum):
        return _bare(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def _what(value: object, written: str | None = None) -> str:
    """What was found instead, for 'expected X, not Y'."""
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return _value(value, written)
    if isinstance(value, int | float):
        return f"the number {_value(value, written)}"
    if isinstance(value, dt.datetime):
        return f"the date and time {written or value.isoformat(' ')}"
    if isinstance(value, dt.date):
        return f"the date {written or value.isoformat()}"
    if isinstance(value, bytes):
        return "binary data"
    return _value(value)


# --- pydantic errors, one clear message per place -----------------------------------------------


def _in_data(loc: Path, data: Any) -> tuple[Path, Path]:
    """``loc`` split into the part the data has and the rest (a missing key, a union branch)."""
    here = data
    for index, part in enumerate(loc):
        has_key = isinstance(here, dict) and isinstance(part, str) and part in here
        has_item = isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here)
        if not (has_key or has_item):
            return loc[:index], loc[index:]
        here = here[part]
    return loc, ()


def _section(path: Path) -> str:
    return dotted(path) or "the top level"


def _explain(kind: str, path: Path, error: Any, written: str | None) -> str:
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if value is None:
        return f"the value is empty (expected: {_expected(path)})"
    if kind in ("enum", "literal_error"):
        found = _schema_at(path)
        allowed = _allowed_values(found[0]) if found else None
        if allowed is not None:
            return f"{_value(value, written)} is not allowed (allowed: {', '.join(allowed)})"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        found = _schema_at(path)
        bounds = _bounds(found[1]) if found else None
        if bounds is not None:
            return f"{_value(value, written)} is out of range (allowed: {bounds})"
    if kind == "string_pattern_mismatch":
        return f"{_value(value)} is not {_expected(path)}"
    if kind == "string_too_short":
        return f"must not be empty (expected: {_expected(path)})"
    if kind == "string_too_long":
        return f"is {len(str(value))} characters long (allowed: at most {ctx.get('max_length')})"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        found_items = len(value) if isinstance(value, list | dict) else 0
        return f"needs at least {least} item{'s' if least != 1 else ''}, found {found_items}"
    if kind == "value_error" and not isinstance(value, str) and _written_as_text(path):
        return f"expected {_expected(path)}, not {_what(value, written)}"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "list_type" and not isinstance(value, dict):
        one = written if written is not None else _bare(value)
        return f"expected a list, not {_what(value, written)} (write [{one}] for a list of one)"
    return f"expected {_expected(path)}, not {_what(value, written)}"


def _schema_problems(
    exc: ValidationError, data: dict[str, Any], positions: _Positions
) -> list[LocatedProblem]:
    messages: dict[Path, str] = {}
    missing: dict[Path, list[str]] = {}
    unknown: dict[Path, list[str]] = {}
    for error in exc.errors():
        kind = error["type"]
        present, rest = _in_data(tuple(error["loc"]), data)
        if kind == "missing" and len(rest) == 1 and isinstance(rest[0], str):
            if not positions.is_unreadable(present):
                missing.setdefault(present, []).append(rest[0])
        elif kind == "extra_forbidden" and present and not rest:
            if not positions.is_unreadable(present[:-1]):
                unknown.setdefault(present[:-1], []).append(str(present[-1]))
        elif positions.is_unreadable(present) or present in messages:
            continue  # told already: one message for each place
        elif rest:
            # A union reports once per branch, under branch names the file does not have: one
            # message for the value instead, saying what the field as a whole accepts.
            found = _what(error["input"], positions.written.get(present))
            messages[present] = f"expected {_expected(present)}, not {found}"
        else:
            messages[present] = _explain(kind, present, error, positions.written.get(present))
    # A misspelt required key is one problem, not an unknown key plus a missing one.
    for parent, keys in unknown.items():
        found = _schema_at(parent)
        model = found[0] if found else None
        allowed = (
            list(model.model_fields)
            if isinstance(model, type) and issubclass(model, BaseModel)
            else []
        )
        for key in keys:
            lacking = missing.get(parent, [])
            close = difflib.get_close_matches(key, lacking, n=1) or difflib.get_close_matches(
                key, allowed, n=1
            )
            if close and close[0] in lacking:
                lacking.remove(close[0])
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listing = ", ".join(allowed) if allowed else "see docs/policy.md"
            messages[(*parent, key)] = f"unknown key {key!r}{hint} (allowed here: {listing})"
    for parent, keys in missing.items():
        for key in keys:
            messages[(*parent, key)] = (
                f"required key {key!r} is missing from {_section(parent)} "
                f"(expected: {_expected((*parent, key))})"
            )
    return [positions.locate(path, message) for path, message in messages.items()]


def _by_place(problems: list[LocatedProblem]) -> list[LocatedProblem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


# --- YAML text in, policy out ---------------------------------------------------------------------


def _yaml_problem(exc: yaml.YAMLError, text: str, source: str) -> LocatedProblem:
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return LocatedProblem(
            source,
            line,
            column,
            (),
            f"not valid YAML: the character U+{code:04X} is not allowed in a YAML file",
        )
    mark = getattr(exc, "problem_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(getattr(exc, "problem", None) or exc)
    if "'\\t'" in problem:
        problem += " (indent with spaces, not tabs)"
    elif problem == "mapping values are not allowed here" and mark:
        # Either a value holds ': ' on its key's line, or keys are indented under a value.
        lines = text.splitlines()
        before = lines[mark.line][: mark.column] if mark.line < len(lines) else ""
        if ": " in before:
            problem += " (put a value that holds ': ' in quotes)"
        else:
            problem += " (this key is indented under a key that already has a value)"
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark and context_mark.line + 1 != line:
        where = f"line {context_mark.line + 1}, column {context_mark.column + 1}"
        problem = f"{context} ({where}): {problem}"
    elif context:
        problem = f"{context}: {problem}"
    return LocatedProblem(source, line, column, (), f"not valid YAML: {problem}")


def load_text(text: str, source: str = "<policy>") -> Policy:
    def refuse(message: str) -> PolicyError:
        return PolicyError([LocatedProblem(source, 1, 1, (), message)])

    positions = _Positions(source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PolicyError([_yaml_problem(exc, text, source)]) from None
    except RecursionError:
        raise refuse("not valid YAML: nested too deeply") from None
    if node is None:
        raise refuse(
            "the policy file is empty (expected: a mapping of keys such as 'schema_version', "
            "'id' and 'title')"
        )
    try:
        data = positions.build(node)
    except _TooLarge:
        raise refuse(
            f"the file expands, through aliases, to more than {MAX_VALUES} values; "
            "a policy needs far fewer"
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            [
                positions.locate(
                    (),
                    "a policy is a mapping of keys (such as 'schema_version: 1') at the top "
                    f"level, not {_what(data)}",
                )
            ]
        )
    problems = list(positions.problems)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_by_place(problems + _schema_problems(exc, data, positions))) from None
    if not positions.unreadable:
        problems += [positions.locate(p.path, p.message) for p in rules.check(policy)]
    if problems:
        raise PolicyError(_by_place(problems))
    return policy


def load(path: str | FsPath) -> Policy:
    path = FsPath(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError([LocatedProblem(source, 1, 1, (), "no such file")]) from None
    except IsADirectoryError:
        raise PolicyError(
            [LocatedProblem(source, 1, 1, (), "a directory, not a policy file")]
        ) from None
    except OSError as exc:
        raise PolicyError(
            [LocatedProblem(source, 1, 1, (), f"cannot be read ({exc.strerror or exc})")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8")) + 1
        raise PolicyError(
            [
                LocatedProblem(
                    source,
                    line,
                    column,
                    (),
                    f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded "
                    f"({exc.reason}); save the file as UTF-8",
                )
            ]
        ) from None
    return load_text(text, source=source)
