"""The policy engine: schema, loading, calendar and notice. Pure Python; imports no Django."""

from pledge.policy.load import LocatedProblem, PolicyError, load, load_text
from pledge.policy.schema import Policy

__all__ = ["LocatedProblem", "Policy", "PolicyError", "load", "load_text"]
