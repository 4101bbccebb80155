"""The stack's own ceiling: a bare FastAPI endpoint shaped like ``POST /v1/messages``.

Same framework, server and options as the webapp (uvicorn, uvloop, httptools, one process),
the same bearer-token check and message validation, the same 201 envelope; no socket to a
coreapp and no database. What the emulator does per message beyond this is its own cost, so
``bench/load.py`` reports each engine's messages/s as a ratio to this endpoint measured in the
same run (absolute figures move from machine to machine; the ratio does not).

    .venv/bin/python bench/ceiling.py --port 9099
"""

from __future__ import annotations

import argparse

import orjson
import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response

from waemu import ids
from waemu.errors import ApiError
from waemu.webapp.app import framework_options
from waemu.webapp.schemas.messages import validate_message

META = {"api_status": "stable", "version": "v2.53.2"}


def create_app() -> FastAPI:
    """The bare endpoint."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **framework_options())

    @app.post("/v1/messages")
    async def send_message(request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Response(b"{}", status_code=401, media_type="application/json")
        try:
            validate_message(orjson.loads(await request.body()))
        except ApiError:
            return Response(b"{}", status_code=400, media_type="application/json")
        body = {"messages": [{"id": ids.outbound_message_id()}], "meta": META}
        return Response(orjson.dumps(body), status_code=201, media_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
