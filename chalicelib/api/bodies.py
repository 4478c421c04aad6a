"""The two bases of the HTTP API's bodies (api/*_schemas.py), so that every body is held to the
same rules: a request refuses unknown fields and trims its strings' whitespace; a response refuses
unknown fields (what the contract does not name is never sent)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
