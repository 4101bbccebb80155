"""``/v1/users``: login, logout and user management (spec §3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from waemu.protocol import ops
from waemu.webapp import body
from waemu.webapp.deps import Admin, AdminOrSelf, Deps, User, basic_credentials
from waemu.webapp.schemas.users import CreateUserBody, LoginBody, UpdateUserBody

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.post("/login")
async def login(request: Request, deps: Deps) -> Response:
    """Basic auth in, bearer token out; ``new_password`` changes the password (§3.3)."""
    username, password = basic_credentials(request)
    data = await body.json_body(request, LoginBody, optional=True)
    new_password = data.new_password if data else None
    # Failed logins are throttled per username and client address (docs/security.md): the
    # address uvicorn gives, the socket peer's unless it is a trusted proxy.
    address = request.client.host if request.client else ""
    args = {
        "username": username,
        "password": password,
        "new_password": new_password,
        "address": address,
    }
    who = await deps.core.call(ops.USERS_LOGIN, args)
    issued = await deps.tokens.issue(who["username"], who["role"], who["generation"])
    return deps.envelope.ok(
        {"users": [{"token": issued.token, "expires_after": issued.expires_after}]}
    )


@router.post("/logout")
async def logout(deps: Deps, principal: User) -> Response:
    """Revoke the token sent, only that one (§3.4)."""
    await deps.core.call(ops.USERS_LOGOUT, principal=principal)
    return deps.envelope.ok()


@router.post("")
async def create_user(request: Request, deps: Deps, principal: Admin) -> Response:
    """Create a user; 201 (§3.5)."""
    data = await body.required_body(request, CreateUserBody)
    created = await deps.core.call(
        ops.USERS_CREATE, {"username": data.username, "password": data.password}, principal
    )
    return deps.envelope.ok({"users": [created]}, status=201)


@router.get("/{username}")
async def get_user(username: str, deps: Deps, principal: AdminOrSelf) -> Response:
    """Read a user: the admin any, a user itself (§3.6)."""
    found = await deps.core.call(ops.USERS_GET, {"username": username}, principal)
    return deps.envelope.ok({"users": [found]})


@router.put("/{username}")
async def update_user(
    username: str, request: Request, deps: Deps, principal: AdminOrSelf
) -> Response:
    """Change a password: the admin any, a user itself (§3.7)."""
    data = await body.required_body(request, UpdateUserBody)
    updated = await deps.core.call(
        ops.USERS_UPDATE, {"username": username, "password": data.password}, principal
    )
    return deps.envelope.ok({"users": [updated]})


@router.delete("/{username}")
async def delete_user(username: str, deps: Deps, principal: Admin) -> Response:
    """Delete a user and with it all of its tokens (§3.8)."""
    deleted = await deps.core.call(ops.USERS_DELETE, {"username": username}, principal)
    return deps.envelope.ok({"users": [deleted]})
