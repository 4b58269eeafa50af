from django.apps import AppConfig


class DatamapConfig(AppConfig):
    name = "pledge.datamap"
    label = "datamap"
    verbose_name = "Datamap"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from pledge.datamap import checks  # noqa: F401 - registers the system checks

        # Each app states its personal data in its own privacy.py, as admin.py does for admin.
        autodiscover_modules("privacy")
