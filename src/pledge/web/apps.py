from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pledge.web"
    label = "web"
    verbose_name = "Web site"
