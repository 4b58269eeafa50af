from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "pledge.notices"
    label = "notices"
    verbose_name = "Published notices"
