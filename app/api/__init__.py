"""The JSON API, version 1: thin handlers over the same services the pages use, under /api/v1."""

from flask import Blueprint

from app.api.converters import AliasConverter, IdConverter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The converters must exist before the blueprint's rules are bound to the app's URL map.
bp.record_once(lambda state: state.app.url_map.converters.update(id=IdConverter, alias=AliasConverter))
