"""File storage that stops answering is a 503 with Retry-After, like any other dependency.

botocore raises its own exceptions for a store that refuses connections, times out or drops them; this
classifier tells ``app.core.outages`` which of them mean "unavailable". It reads botocore only if the S3
backend already loaded it, so an app on local storage never imports boto3.
"""

from __future__ import annotations

import sys

from app.core.errors import PodiumError, ServiceUnavailable

STORAGE_DOWN = "File storage is not answering right now; nothing was lost. Try again in a minute."
# S3's own words for "busy or broken on our side, send it again".
_RETRYABLE_CODES = frozenset({"ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout"})


def storage_outage(error: BaseException) -> PodiumError | None:
    if "botocore" not in sys.modules:
        return None
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(error, BotoConnectionError | HTTPClientError):
        return ServiceUnavailable(STORAGE_DOWN, code="storage_unavailable")
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code.startswith("5") or code in _RETRYABLE_CODES:
            return ServiceUnavailable(STORAGE_DOWN, code="storage_unavailable")
    return None
