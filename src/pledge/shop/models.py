"""Catalogue, orders and payments.

Business columns (amounts, dates, status, products, shipping country, postage method) stay in
clear so that ordering, the admin and anonymised statistics work on them; the person's details
on an order or payment are encrypted under the subject's key for the purchase-history category.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone

from pledge.vault.fields import EncryptedTextField
from pledge.vault.models import Subject

PURCHASES = "user.behavior.purchase_history"


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    name_ja = models.CharField("Japanese name", max_length=120, blank=True)
    section = models.CharField(max_length=60, help_text="Aisle of the catalogue.")
    description = models.TextField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    jan = models.CharField("JAN barcode", max_length=13, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    stock = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    colour = models.CharField(
        max_length=12,
        default="red",
        help_text="Label colour: red, green, amber, indigo, teal, plum.",
    )

    class Meta:
        ordering = ["section", "name"]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting-payment", "awaiting payment"
    PAID = "paid", "paid"
    DISPATCHED = "dispatched", "dispatched"
    COMPLETED = "completed", "completed"
    CANCELLED = "cancelled", "cancelled"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank-transfer", "bank transfer"
    PAYPAL = "paypal", "PayPal"
    HOSTED_CARD_PAGE = "hosted-card-page", "card, on our payment provider's page"


class Channel(models.TextChoices):
    WEB = "web", "web shop"
    EMAIL = "email", "email"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT
    )
    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    currency = models.CharField(max_length=3, default="GBP")
    subtotal = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    postage = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    shipping_country = models.CharField(max_length=2)
    postage_method = models.CharField(max_length=40)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    delivery_name = EncryptedTextField(category=PURCHASES, subject="subject_id")
    delivery_address = EncryptedTextField(category=PURCHASES, subject="subject_id")
    email = EncryptedTextField(category=PURCHASES, subject="subject_id")
    phone = EncryptedTextField(category=PURCHASES, subject="subject_id", null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"order {self.reference}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True)
    product_name = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "pending"
    RECEIVED = "received", "received"
    FAILED = "failed", "failed"
    UNMATCHED = "unmatched", "not matched to an order"


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SET_NULL: a payment is kept under its own retention rule; a sweep that removes its order
    # first must not fail on it.
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    reference = models.CharField(max_length=80, help_text="Bank or provider reference.")
    payer_name = EncryptedTextField(category=PURCHASES, subject="subject_id", null=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["method", "reference"], name="one_payment_per_ref")
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} payment {self.reference}"


class TallyDimension(models.TextChoices):
    COUNTRY = "country", "country shipped to"
    POSTAGE = "postage", "postage method"


class OrderTally(models.Model):
    """How many orders went to a country, or by a postage method, in a month. No one in it."""

    month = models.CharField(max_length=7, help_text="YYYY-MM in the policy's time zone.")
    dimension = models.CharField(max_length=10, choices=TallyDimension.choices)
    value = models.CharField(max_length=60)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month", "dimension", "value"]
        constraints = [
            models.UniqueConstraint(fields=["month", "dimension", "value"], name="one_tally_cell")
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.dimension} {self.value}: {self.count}"


class TalliedOrder(models.Model):
    """An order already counted, by id only, so it is counted once and never again."""

    order_id = models.UUIDField(unique=True)
    tallied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"tallied {self.order_id}"
