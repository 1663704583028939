"""The WSGI entry point: `gunicorn wsgi:app`. Reads `.env` first; the environment wins."""

from dotenv import load_dotenv

load_dotenv(override=False)

from webapp import create_app  # noqa: E402 - settings must be loaded before the app reads them

app = create_app()
