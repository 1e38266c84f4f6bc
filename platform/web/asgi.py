"""The ASGI application for servers: `uvicorn galleria.web.asgi:app`."""

from galleria.web.app import create_app

app = create_app()
