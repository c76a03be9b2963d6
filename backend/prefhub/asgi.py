"""ASGI entry point for uvicorn: ``uvicorn prefhub.asgi:app``."""

from prefhub.app import create_app

app = create_app()
