"""The `session_id` a client sends: every spelling of a UUID the API takes, or none.

Browsers and generated clients spell a UUID several ways (upper case, braces, 32 digits, a URN);
each is answered in its canonical lower-case form. The pattern is what the OpenAPI document
tells clients and fuzzers, and the validator enforces that same pattern before parsing: a
document saying `format: uuid` while the server took "{…}" or 32 bare digits let a fuzzer's
"invalid" id through.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

_HEX = "[0-9a-fA-F]"
_HYPHENATED = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_URN = "[Uu][Rr][Nn]:[Uu][Uu][Ii][Dd]:"  # case-insensitive, spelt out: JSON Schema patterns have no flags
# A UUID hyphenated, braced or as 32 digits, with or without the URN prefix; or blank, meaning none.
SESSION_ID_PATTERN = rf"^(?:(?:{_URN})?(?:{_HYPHENATED}|\{{{_HYPHENATED}\}}|{_HEX}{{32}})|\s*)$"
_SPELLING = re.compile(SESSION_ID_PATTERN)


def _blank_is_absent(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _SPELLING.fullmatch(value) is None:
        raise ValueError("must be a UUID (hyphenated, braced, 32 hex digits or urn:uuid:), or empty for none")
    # `sessionStorage.getItem("sid") || ""` sends "" for "no conversation yet".
    if not value.strip():
        return None
    if value[:9].casefold() == "urn:uuid:":
        return value[9:]  # the URN's scheme and namespace are case-insensitive; `uuid` takes only lower case
    return value


def _not_a_placeholder(value: UUID | None) -> UUID | None:
    # The nil and max UUIDs (RFC 9562) are placeholders: clients sending one would share a conversation.
    if value is not None and value.int in (0, 2**128 - 1):
        raise ValueError("the nil and max UUIDs name no conversation: leave session_id out to start one")
    return value


SessionId = Annotated[
    UUID | None,
    BeforeValidator(_blank_is_absent),
    AfterValidator(_not_a_placeholder),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": SESSION_ID_PATTERN}, {"type": "null"}]}),
]
