"""Forms of the public site.

Every form refuses a payment card number in any text field, with a message saying why (JC5):
the shop takes no card details, so one typed into a delivery note must not be stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from pledge.shop.postage import COUNTRIES
from pledge.vault.cards import find_card_numbers

CARD_REFUSED = (
    "This looks like a payment card number. We never take card details here: please remove it."
)


class NoCardNumbers(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and find_card_numbers(value):
                self.add_error(name, CARD_REFUSED)
        return cleaned


def _text(label: str, max_length: int = 200, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, **kwargs)


class RegistrationForm(NoCardNumbers):
    name = _text("Full name")
    email = forms.EmailField(label="Email address", max_length=254)
    postal_address = _text("Postal address", 500, widget=forms.Textarea(attrs={"rows": 3}))
    phone = _text("Telephone", 40, required=False)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    marketing = forms.BooleanField(
        label="Send me information about Japan Centre's products and services by email.",
        required=False,
        initial=False,
    )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class SignInForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)


class AccountForm(NoCardNumbers):
    name = _text("Full name")
    postal_address = _text("Postal address", 500, widget=forms.Textarea(attrs={"rows": 3}))
    phone = _text("Telephone", 40, required=False)
    marketing = forms.BooleanField(
        label="Send me information about Japan Centre's products and services by email.",
        required=False,
    )


class CheckoutForm(NoCardNumbers):
    name = _text("Name for delivery")
    email = forms.EmailField(label="Email address", max_length=254)
    phone = _text("Telephone (for the courier)", 40, required=False)
    address = _text("Delivery address", 500, widget=forms.Textarea(attrs={"rows": 3}))
    country = forms.ChoiceField(
        label="Country", choices=sorted(COUNTRIES.items(), key=lambda c: c[1])
    )
    payment_method = forms.ChoiceField(label="Payment", widget=forms.RadioSelect)

    def __init__(self, *args: Any, methods: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = methods
        self.fields["payment_method"].initial = methods[0][0] if methods else None


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)


class NewPasswordForm(forms.Form):
    password = forms.CharField(label="New password", widget=forms.PasswordInput, strip=False)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class CloseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that closing my account erases my details and cannot be undone.",
        required=True,
    )


class EnquiryForm(NoCardNumbers):
    """The contact form (JC14): filed into correspondence; the answer comes by email."""

    name = _text("Your name", 120, required=False)
    email = forms.EmailField(
        label="Email address", max_length=254, help_text="We answer by email to this address."
    )
    message = _text("Your question", 5000, widget=forms.Textarea(attrs={"rows": 6}))
