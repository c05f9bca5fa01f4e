"""Small form helpers shared by the console views."""

from __future__ import annotations


def choices(values):
    """(value, label) pairs for a SelectField, labels with spaces instead of underscores."""
    return [(value, value.replace("_", " ")) for value in values]
