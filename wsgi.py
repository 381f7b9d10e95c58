"""The app as production servers load it: `gunicorn -c gunicorn.conf.py wsgi:app` (README: Running in production)."""

from app import create_app

app = create_app(production=True)
