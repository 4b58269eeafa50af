from django.contrib import admin

from pledge.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_active")
    readonly_fields = ("id", "email_index", "date_joined", "last_login", "password")
    fields = ("id", "email_index", "is_active", "is_staff", "is_superuser", "groups",
              "date_joined", "last_login")  # fmt: skip
