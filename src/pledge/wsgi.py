"""WSGI entry point, for operators who run pledge behind their own WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
application = get_wsgi_application()
