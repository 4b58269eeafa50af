"""``forms.declared_data``: which kind of personal data a form control asks for."""

from __future__ import annotations

import pytest

from pledge.conformance.checks.collected import kind_asked
from pledge.conformance.record import Field


def control(name: str = "", *, type: str = "text", autocomplete: str = "", label: str = "",
            tag: str = "input") -> Field:  # fmt: skip
    return Field(tag=tag, type=type, name=name, id="", autocomplete=autocomplete, label=label)


@pytest.mark.clause("JC6")
@pytest.mark.parametrize(
    ("field", "kind"),
    [
        (control("x", autocomplete="shipping street-address"), "address"),
        (control("x", autocomplete="section-a billing postal-code"), "address"),
        (control("when", type="date", autocomplete="bday"), "date of birth"),
        (control("dob", type="date"), "date of birth"),
        (control("contact", type="email"), "email"),
        (control("number", type="tel"), "telephone"),
        (control("full_name", autocomplete="off"), "name"),
        (control("gender", tag="select", type=""), "gender"),
        (control("card", autocomplete="cc-number"), None),  # cards.no_field's (JC5)
        (control("password", type="password", autocomplete="new-password"), None),
        (control("marketing", type="checkbox", label="Send me offers"), None),
        (control("q", type="search"), None),
        (control("quantity", type="number"), None),
        (control("csrfmiddlewaretoken", type="hidden"), None),
    ],
)
def test_the_kind_a_control_asks_for(field, kind):
    assert kind_asked(field) == kind
