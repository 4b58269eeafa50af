from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "pledge.correspondence"
    label = "correspondence"
    verbose_name = "Correspondence"
    default_auto_field = "django.db.models.BigAutoField"
