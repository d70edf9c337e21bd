"""WSGI entry point for production servers (gunicorn via `liuyan serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
application = get_wsgi_application()
