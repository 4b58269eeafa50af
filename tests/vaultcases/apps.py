from django.apps import AppConfig


class VaultCasesConfig(AppConfig):
    """Models that exercise the vault and the datamap in tests (installed only under test)."""

    name = "tests.vaultcases"
    label = "vaultcases"
    default_auto_field = "django.db.models.BigAutoField"
