from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pledge.audit"
    label = "audit"
    verbose_name = "Audit trail"
