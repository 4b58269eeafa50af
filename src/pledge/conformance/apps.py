from django.apps import AppConfig


class ConformanceConfig(AppConfig):
    """Holds no models: conformance only reads the site and the stores, never adds to them."""

    name = "pledge.conformance"
    label = "conformance"
    verbose_name = "Conformance"
