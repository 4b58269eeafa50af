"""The operator admin for the shop: catalogue, orders and the payments ledger.

Orders that customers place by email (the alps way) are entered here: "Add order" asks for the
business columns, the lines and the customer's details, and files the order under the customer
found (or created) by the blind index of their address, their details encrypted. Payments
imported from statements that matched no order are matched here by choosing the order.

Orders and payments cannot be deleted in the admin: they are the ledger the law keeps (AL8);
retention deletes them at the end of the statutory period.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from pledge.shop.ledger import LineItem, order_enter, payment_match
from pledge.shop.models import Order, OrderLine, Payment, PaymentMethod, PaymentStatus, Product
from pledge.shop.services import CLOSED, order_close
from pledge.vault.admin import SealedFieldsAdmin
from pledge.vault.cards import find_card_numbers

CARD_REFUSED = "This looks like a payment card number: card details are never kept."


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "section", "price", "stock", "active")
    list_filter = ("section", "active")
    search_fields = ("name", "name_ja", "jan")
    prepopulated_fields = {"slug": ("name",)}


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("product", "product_name", "quantity", "unit_price")
    can_delete = False


class EmailOrderLineForm(forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ("product", "product_name", "quantity", "unit_price")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["product_name"].required = False
        self.fields["unit_price"].required = False
        self.fields["product_name"].help_text = "Leave empty to use the product's name."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        product = cleaned.get("product")
        if not cleaned.get("product_name"):
            if product is None:
                self.add_error("product_name", "Name the item or choose a product.")
            else:
                cleaned["product_name"] = product.name
        if cleaned.get("unit_price") is None:
            if product is None:
                self.add_error("unit_price", "Give the unit price or choose a product.")
            else:
                cleaned["unit_price"] = product.price
        return cleaned


class EmailOrderLineInline(admin.TabularInline):
    model = OrderLine
    form = EmailOrderLineForm
    extra = 3
    min_num = 1
    validate_min = True
    can_delete = False
    verbose_name = "item"

    # The lines are part of entering the order: whoever may add orders may add their lines.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("shop.add_order")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("shop.add_order")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("shop.add_order")


class EmailOrderForm(forms.ModelForm):
    """An order taken by email: business columns in clear, the customer's details sealed."""

    customer_email = forms.EmailField(label="Customer's email address", max_length=254)
    customer_name = forms.CharField(label="Name for delivery", max_length=200)
    customer_address = forms.CharField(
        label="Delivery address", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    customer_phone = forms.CharField(label="Telephone", max_length=40, required=False)

    class Meta:
        model = Order
        fields = (
            "placed_at",
            "shipping_country",
            "postage_method",
            "postage",
            "payment_method",
            "currency",
        )
        help_texts = {
            "placed_at": "When the order email arrived.",
            "shipping_country": "Two-letter country code, e.g. JP, US, GB.",
            "postage_method": "e.g. EMS, airmail, SAL, Yamato.",
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = settings.POLICY.payments.methods
        self.fields["payment_method"].choices = [
            (m.value, m.label) for m in PaymentMethod if m.value in allowed
        ]
        self.fields["currency"].initial = settings.SHOP_CURRENCY
        self.fields["placed_at"].initial = timezone.now
        self.fields["postage"].initial = Decimal("0")

    def clean_shipping_country(self) -> str:
        country = self.cleaned_data["shipping_country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError("A two-letter country code, such as JP.")
        return country

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("customer_name", "customer_address", "customer_phone", "postage_method"):
            value = cleaned.get(name)
            if isinstance(value, str) and find_card_numbers(value):
                self.add_error(name, CARD_REFUSED)
        return cleaned


@admin.register(Order)
class OrderAdmin(SealedFieldsAdmin):
    sealed_fields = {
        "delivery_name": "orders",
        "delivery_address": "orders",
        "email": "orders",
        "phone": "orders",
    }
    list_display = (
        "reference",
        "placed_at",
        "status",
        "total",
        "shipping_country",
        "postage_method",
        "payment_method",
        "channel",
    )
    list_filter = ("status", "payment_method", "shipping_country", "channel")
    search_fields = ("reference",)
    readonly_fields = (
        "id",
        "reference",
        "subject",
        "placed_at",
        "paid_at",
        "completed_at",
        "subtotal",
        "postage",
        "total",
        "currency",
    )
    fields = (
        "id",
        "reference",
        "subject",
        "channel",
        "status",
        "placed_at",
        "paid_at",
        "completed_at",
        "shipping_country",
        "postage_method",
        "payment_method",
        "subtotal",
        "postage",
        "total",
        "currency",
    )
    inlines = [OrderLineInline]
    add_fields = (
        "customer_email",
        "customer_name",
        "customer_address",
        "customer_phone",
        *EmailOrderForm.Meta.fields,
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = EmailOrderForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return [EmailOrderLineInline] if obj is None else self.inlines

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            if "status" in form.changed_data and obj.status in CLOSED:
                order_close(order=obj, status=obj.status)  # its retention starts now
        # A new order is saved with its lines, in one service call, by save_related.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)
            return
        lines = [
            LineItem(
                name=data["product_name"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                product=data.get("product"),
            )
            for formset in formsets
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        order_enter(
            order=form.instance,
            lines=lines,
            email=form.cleaned_data["customer_email"],
            name=form.cleaned_data["customer_name"],
            address=form.cleaned_data["customer_address"],
            phone=form.cleaned_data["customer_phone"],
            actor=f"operator:{request.user.pk}",
        )

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        # The lines of a new order are saved by the service, not by the formsets.
        return super().construct_change_message(request, form, None if add else formsets, add)


@admin.register(Payment)
class PaymentAdmin(SealedFieldsAdmin):
    sealed_fields = {"payer_name": "orders"}
    list_display = ("reference", "method", "status", "amount", "currency", "received_at", "order")
    list_filter = ("method", "status")
    search_fields = ("reference", "order__reference")
    fields = (
        "id",
        "order",
        "subject",
        "method",
        "status",
        "amount",
        "currency",
        "received_at",
        "reference",
    )
    raw_id_fields = ("order",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The ledger is not edited; a payment not matched yet can be given its order."""
        if obj is not None and obj.status == PaymentStatus.UNMATCHED:
            return [f for f in self.fields if f != "order"]
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # payments come from statements (pledge payments import)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if isinstance(obj, Payment) and "order" in form.changed_data and obj.order is not None:
            payment_match(payment=obj, order=obj.order, actor=f"operator:{request.user.pk}")
