from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "pledge.disclosures"
    label = "disclosures"
    verbose_name = "Disclosure register"
    default_auto_field = "django.db.models.BigAutoField"
