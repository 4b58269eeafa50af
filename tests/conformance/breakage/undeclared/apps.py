from django.apps import AppConfig


class UndeclaredConfig(AppConfig):
    name = "tests.conformance.breakage.undeclared"
    label = "undeclared"
    default_auto_field = "django.db.models.BigAutoField"
