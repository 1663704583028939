"""Roadpass: intercity bus seats sold online. The app is built by `webapp.app.create_app`."""
