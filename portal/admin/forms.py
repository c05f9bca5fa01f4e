"""Small form helpers shared by the console views."""

from __future__ import annotations

from wtforms.validators import ValidationError


def choices(values):
    """(value, label) pairs for a SelectField, labels with spaces instead of underscores."""
    return [(value, value.replace("_", " ")) for value in values]


def checked(check):
    """A WTForms validator from one of ``portal.sync.schedule``'s checks (they raise ValueError)."""

    def validate(form, field):
        if field.data is None:
            return  # not a number: the field already says so
        try:
            check(field.data)
        except (ValueError, TypeError) as error:
            raise ValidationError(str(error)) from None

    return validate
