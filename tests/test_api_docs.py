"""``/docs`` of the webapp and of the network's control API work offline: every asset the page
loads is served by the same server, none comes from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.stacks import InProcessStack

ASSET = re.compile(r"""(?:src|href)=["']?([^"' >]+)""")


async def assets_of(http: httpx.AsyncClient) -> dict[str, httpx.Response]:
    page = await http.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = ASSET.findall(page.text)
    assert urls, page.text
    assert all(url.startswith("/") for url in urls), urls  # nothing from another host
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text
    return {url: await http.get(url) for url in urls}


@pytest.mark.parametrize("api", ["webapp", "network control"])
async def test_docs_page_loads_every_asset_from_the_server_itself(
    sqlite_stack: InProcessStack, api: str
) -> None:
    http = sqlite_stack.http if api == "webapp" else sqlite_stack.control
    assets = await assets_of(http)
    by_name = {url.rsplit("/", 1)[-1]: response for url, response in assets.items()}
    bundle = by_name["swagger-ui-bundle.js"]
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in bundle.content
    css = by_name["swagger-ui.css"]
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    spec = await http.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.1")


async def test_docs_unknown_asset_is_not_found(sqlite_stack: InProcessStack) -> None:
    response = await sqlite_stack.http.get("/docs/assets/../../etc/passwd")
    assert response.status_code == 404
    response = await sqlite_stack.http.get("/docs/assets/unknown.js")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 1006  # the webapp's envelope
