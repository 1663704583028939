"""The WSGI entry point: `gunicorn wsgi:app`. Reads `.env` first (unless FLASK_SKIP_DOTENV is
set, as for the `flask` command); the environment wins."""

from webapp.app import create_app
from webapp.config import load_dotenv_file

load_dotenv_file()  # before create_app, which reads the settings from the environment
app = create_app()
