from django.contrib import admin

from pledge.shop.models import Order, OrderLine, Payment, Product
from pledge.vault.admin import SealedFieldsAdmin


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


@admin.register(Payment)
class PaymentAdmin(SealedFieldsAdmin):
    sealed_fields = {"payer_name": "orders"}
    list_display = ("reference", "method", "status", "amount", "currency", "received_at", "order")
    list_filter = ("method", "status")
    search_fields = ("reference", "order__reference")
    readonly_fields = ("id", "subject", "received_at")
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
