"""The pages of one upload being verified show that upload alone: no rows to grow."""

from __future__ import annotations

from tests.query_counts.counting import shows_no_rows

ONE_UPLOAD = "one upload of the viewer's and the version it became, if any: no list"
shows_no_rows("submissions.upload_status", ONE_UPLOAD)
shows_no_rows("submissions.upload_status_data", ONE_UPLOAD)
shows_no_rows("api.get_upload", ONE_UPLOAD)
