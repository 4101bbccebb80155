"""The web inbox: a page served by the network on its control port (docs/inbox.md).

``/ui`` is the page, ``/ui/assets/`` its scripts and styles (plain ES modules and CSS shipped
in the package, no build step, nothing fetched from elsewhere), ``/`` leads to it. The page
does everything through the control API from the browser, so it can do nothing the API
cannot, and it has the API's trust level: no authentication, bound to
``WA_NETWORK_LISTEN_ADDRESS``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(str(resources.files("waemu.network").joinpath("inbox_assets")))


def install(app: FastAPI) -> None:
    """Serve the inbox on ``app``."""

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui")

    @app.get("/ui", include_in_schema=False)
    @app.get("/ui/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(ASSETS / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/ui/assets", StaticFiles(directory=ASSETS), name="inbox-assets")
