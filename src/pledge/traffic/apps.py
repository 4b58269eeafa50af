from django.apps import AppConfig


class TrafficConfig(AppConfig):
    name = "pledge.traffic"
    label = "traffic"
    verbose_name = "Traffic"
    default_auto_field = "django.db.models.BigAutoField"
