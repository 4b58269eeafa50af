"""Data-subject requests: access, erasure, rectification and objection to marketing."""
