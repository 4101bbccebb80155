"""``/docs``: Swagger UI with its assets served from the installed package, not a CDN, so the
page works on a machine without internet access (the webapp and the network's control API).

The assets are Swagger UI 5 (OpenAPI 3.1, which FastAPI writes) as shipped by the
``fastapi-swagger`` package; they are read once and kept in memory.
"""

from __future__ import annotations

import functools
from importlib import resources

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


@functools.cache
def asset(name: str) -> bytes:
    """The bytes of one Swagger UI asset."""
    return resources.files("fastapi_swagger.resources").joinpath(name).read_bytes()


def install(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets on ``app`` (built with ``docs_url=None``)."""
    title = f"{app.title} — API documentation"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404)
        return Response(
            asset(name), media_type=media_type, headers={"Cache-Control": "max-age=86400"}
        )
