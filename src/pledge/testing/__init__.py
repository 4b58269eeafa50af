"""Test support shipped with pledge: the clause marker and its report."""
