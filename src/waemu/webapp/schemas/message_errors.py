"""From pydantic failures to the catalogue, for ``POST /v1/messages`` bodies (spec §7.10, §15).

The message schemas are pydantic models (strict, unknown keys forbidden). Their failures
become one catalogue error, the first one pydantic reports, with details naming the field
by its full path as a client writes it (``template.components[1].parameters[0].currency``):

* a missing field → 1008 "Required parameter is missing";
* an unknown field → 1010 "Parameter is not required";
* any other bad value → 1009 "Parameter value is not valid";
* rules with a code of their own (1001, 2015, 2016, 2017, 2023, 2036, ...) raise
  :func:`problem` inside a validator, which carries the code and the path below the
  validated object.

pydantic reports the declared fields in declaration order (schemas declare them in the order
of the spec's tables), then unknown fields; a model's cross-field rules run only when its
fields are valid. "First problem wins" follows from that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from waemu.errors import ApiError

ERROR_TYPE = "waemu"
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Loc = tuple[int | str, ...]

# Default details per code; ``{path}`` is the field's full path.
MISSING = "Missing required parameter: {path}"
UNEXPECTED = "Unexpected parameter: {path}"
INVALID = "Invalid value for {path}: {reason}"

# Plain words for pydantic's own error types (its messages name Python classes).
_REASONS = {
    "model_type": "expected a JSON object",
    "model_attributes_type": "expected a JSON object",
    "dict_type": "expected a JSON object",
    "list_type": "expected an array",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected a boolean",
}


def problem(code: int, reason: str = "", at: str = "", details: str = "") -> PydanticCustomError:
    """An error raised inside a validator: catalogue ``code``, at ``at`` below the object.

    ``at`` is a relative path (``"action.sections[2].rows"``); ``details`` overrides the
    default wording of the code (it may use ``{path}``).
    """
    context = {"code": code, "reason": reason, "at": at, "details": details}
    return PydanticCustomError(ERROR_TYPE, "{reason}", context)


def missing(at: str = "") -> PydanticCustomError:
    """1008 for a required field absent from the object being validated."""
    return problem(1008, at=at)


def unexpected(at: str = "") -> PydanticCustomError:
    """1010 for a field this object may not carry."""
    return problem(1010, at=at)


def invalid(reason: str, at: str = "") -> PydanticCustomError:
    """1009 for a value that is not valid."""
    return problem(1009, reason, at)


def path_text(loc: Sequence[int | str]) -> str:
    """``("a", 0, "b")`` → ``"a[0].b"``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def join(base: str, at: str) -> str:
    """A relative path appended to a path (``"a"`` + ``"[0].b"`` or ``"b"``)."""
    if not at:
        return base
    if not base or base == "body":
        return at
    return base + at if at.startswith("[") else f"{base}.{at}"


def api_error(exc: ValidationError, prefix: Loc = ()) -> ApiError:
    """The catalogue error of the first problem in ``exc`` (objects under ``prefix``)."""
    return error_of(exc.errors()[0], prefix)


def error_of(error: ErrorDetails, prefix: Loc = ()) -> ApiError:
    """The catalogue error for one pydantic error."""
    path = path_text((*prefix, *error["loc"]))
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == ERROR_TYPE:
        code = int(context["code"])
        path = join(path, str(context.get("at") or ""))
        template = str(context.get("details") or "") or _default(code)
        reason = str(context.get("reason") or "")
        return ApiError(code, template.replace("{path}", path).replace("{reason}", reason))
    if kind == "missing":
        return ApiError(1008, MISSING.replace("{path}", path))
    if kind == "extra_forbidden":
        return ApiError(1010, UNEXPECTED.replace("{path}", path))
    if kind == "literal_error":
        reason = f"expected {context.get('expected', 'another value')}"
    else:
        reason = _REASONS.get(kind, error["msg"])
    return ApiError(1009, INVALID.replace("{path}", path).replace("{reason}", reason))


def _default(code: int) -> str:
    if code == 1008:
        return MISSING
    if code == 1010:
        return UNEXPECTED
    return INVALID


def checked(model: type[M], data: Any, prefix: Loc) -> M:
    """``data`` validated as ``model``; the first failure as a catalogue error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise api_error(exc, prefix) from None


def checked_as(adapter: TypeAdapter[T], data: Any, prefix: Loc) -> T:
    """``data`` validated by ``adapter`` (lists of models); the first failure as an error."""
    try:
        return adapter.validate_python(data, strict=True)
    except ValidationError as exc:
        raise api_error(exc, prefix) from None


def dumped(model: BaseModel) -> dict[str, Any]:
    """What the client sent, after normalisation: set fields only, ``null`` left out."""
    data: dict[str, Any] = model.model_dump(exclude_unset=True, exclude_none=True)
    return data


# -- reusable field types --------------------------------------------------------------


def max_chars(limit: int, code: int = 1009) -> AfterValidator:
    """Metadata for a string of at most ``limit`` characters; longer ones raise ``code``."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise problem(code, f"longer than {limit} characters")
        return value

    return AfterValidator(check)


def _not_empty(value: str) -> str:
    if not value:
        raise invalid("must not be empty")
    return value


def _number(value: Any) -> float | int:
    # bool is an int in Python but not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid("expected a number")
    return value


NOT_EMPTY = AfterValidator(_not_empty)
"""Metadata for a string that may not be empty."""

NonEmpty = Annotated[str, NOT_EMPTY]
"""A string that is not empty."""

Number = Annotated[Any, AfterValidator(_number)]
"""A JSON number (int or float, not bool), kept as sent."""
