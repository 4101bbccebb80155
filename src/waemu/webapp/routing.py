"""Which route a path belongs to: a literal path shadows a parameterised one.

``/v1/users/login`` and ``/v1/users/{username}`` both match ``/v1/users/login``. Starlette
would hand ``GET /v1/users/login`` to the ``{username}`` route (a user called "login") while
the node the client named is login, which serves POST only. Here the literal path wins for
every method: what it does not serve is 405 with the methods it does serve in ``Allow``
(RFC 9110 §15.5.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def route_path(scope: Scope) -> str:
    """The path routes match against: without the ``root_path`` a proxy may put in front."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class LiteralPaths(BaseRoute):
    """The first entry of the route table: a method that a literal path shadowing a
    parameterised one does not serve is answered 405 there, not routed on.

    Built from the API's routes as their routers hold them (FastAPI nests included
    routers). Only shadowed paths are listed, so any other request costs one dictionary miss.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = [r for r in routes if isinstance(r, Route)]
        parameterised = [r for r in self.routes if r.param_convertors]
        self.methods: dict[str, frozenset[str]] = {}
        for route in self.routes:
            if route.param_convertors or not any(
                other.path_regex.match(route.path) for other in parameterised
            ):
                continue
            known = self.methods.get(route.path, frozenset())
            self.methods[route.path] = known | frozenset(route.methods or ())

    def allowed_methods(self, scope: Scope) -> list[str]:
        """The methods of the node the request names: its literal route's if it has one,
        else those of every parameterised route that matches it."""
        path = route_path(scope)
        matching = [r for r in self.routes if r.path_regex.match(path)]
        literal = [r for r in matching if not r.param_convertors]
        served: set[str] = set()
        for route in literal or matching:
            served.update(route.methods or ())
        return [method for method in METHODS if method in served]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """A full match for a shadowed path asked with a method it does not serve."""
        if scope["type"] == "http":
            served = self.methods.get(route_path(scope))
            if served is not None and scope["method"] not in served:
                return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """No named routes here."""
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """405, rendered with its ``Allow`` header by the edge's handler (webapp/errors.py)."""
        raise HTTPException(405)
