from django.db import models


class Note(models.Model):
    """Free text in clear, declared nowhere: exactly what the datamap exists to prevent."""

    text = models.TextField()

    def __str__(self) -> str:
        return f"note {self.pk}"
