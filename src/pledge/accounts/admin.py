from django.contrib import admin

from pledge.accounts.models import ConsentRecord, Profile, SignInAttempt, User
from pledge.vault.admin import SealedFieldsAdmin


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_active")
    readonly_fields = ("id", "subject", "email_index", "date_joined", "last_login", "password")
    fields = (
        "id",
        "subject",
        "email_index",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "date_joined",
        "last_login",
    )


@admin.register(Profile)
class ProfileAdmin(SealedFieldsAdmin):
    sealed_fields = {
        "name": "service",
        "email": "service",
        "postal_address": "service",
        "phone": "service",
    }
    list_display = ("subject", "created_at", "updated_at")
    readonly_fields = ("subject", "created_at", "updated_at")
    fields = ("subject", "created_at", "updated_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # customers register themselves; staff do not create people


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ("subject", "purpose", "given", "at", "form", "notice")
    list_filter = ("purpose", "given", "form")
    readonly_fields = ("id", "subject", "purpose", "given", "at", "form", "notice")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # consent is the customer's to give or withdraw, never staff's to edit


@admin.register(SignInAttempt)
class SignInAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "address_index", "network_index")
    readonly_fields = ("at", "address_index", "network_index")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
