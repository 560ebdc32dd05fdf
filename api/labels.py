"""Label endpoints: check one label against the registry, validate a batch file, encode a label.

* ``POST /v1/labels/verify``: a label (JSON) → Report (format + registry: code exists, active on
  the pack date, approved for the market, lot registered);
* ``POST /v1/labels/validate``: a CSV/XLSX/JSONL upload or one label JSON (size limit
  ``MAX_UPLOAD_BYTES``) → the batch report, named after the uploaded file, with the same registry
  checks on every row; ``?fix=1`` adds ``fixed_csv``, the canonical file of the valid rows (as
  ``trace-std validate --fix``), and ``fixed_rows``;
* ``POST /v1/labels/encode``: label values → element strings (HRI, raw) and Digital Link; invalid
  values are ``422``.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, request

from api import bodies, params, store
from api.http import json_response, public
from api.problems import Problem, ProblemCode
from api.serialise import plain
from trace_std.errors import TraceStdError

bp = Blueprint("labels", __name__, url_prefix="/v1/labels")
RATE_LIMITED = True

MAX_ISSUES = 1000  # issues listed in a batch report (the totals stay exact)


@bp.post("/verify")
@public(cache=False)
def verify_label() -> Response:
    """One label (JSON object) checked and verified against the registry."""
    from trace_std.registry.verify import verify_label

    report = verify_label(
        store.registry(),
        params.json_object(),
        on=params.date("on"),
        market=params.text("market", max_length=8),
    )
    return json_response(report.to_dict())


@bp.post("/validate")
@public(cache=False)
def validate_file() -> Response:
    """A batch file (multipart field ``file``) validated row by row, with registry checks."""
    from trace_std.label.batch import XlsxLimits, validate_file
    from trace_std.registry.verify import row_checks

    upload = bodies.upload("file", limit=int(current_app.config["MAX_UPLOAD_BYTES"]))
    if upload is None:
        raise Problem(400, ProblemCode.INVALID_BODY, "upload the file as the multipart field 'file'")
    market = params.text("market", max_length=8)
    fix = params.text("fix", max_length=5) or request.form.get("fix", "")
    if fix not in ("", "0", "1", "true", "false"):
        raise Problem(400, ProblemCode.INVALID_PARAMETER, "fix must be 1, true, 0 or false")
    options: dict[str, Any] = {
        "market": market,
        "row_checks": [row_checks(store.registry(), market=market)],
        # a format hint (the library sniffs the content first), and the report's file name
        "name": upload.filename or None,
        "max_issues": MAX_ISSUES,
        # zip-bomb, part-size and cell limits of an .xlsx upload (issue 17 item 2)
        "xlsx_limits": XlsxLimits.from_mapping(current_app.config.get("XLSX_LIMITS")),
    }
    if fix in ("1", "true"):
        from trace_std.label.fix import fix_file

        fixed = io.StringIO()
        report, written = fix_file(upload.stream, fixed, **options)
        body = plain(report)
        body["fixed_rows"] = written
        body["fixed_csv"] = fixed.getvalue()
        return json_response(body)
    return json_response(plain(validate_file(upload.stream, **options)))


@bp.post("/encode")
@public(cache=False)
def encode() -> Response:
    """Label values → HRI and raw element strings and the Digital Link (``422`` for invalid values).

    ``?resolver=https://...`` sets the Digital Link domain (default ``PUBLIC_BASE_URL``, else the
    library's default resolver).
    """
    from pydantic import ValidationError

    from trace_std.label import label_errors_to_issues
    from trace_std.label.check import parse_label
    from trace_std.render.encode import encode_texts

    resolver = params.text("resolver", max_length=200) or current_app.config.get("PUBLIC_BASE_URL")
    options = {"resolver": str(resolver)} if resolver else {}
    try:
        label = parse_label(params.json_object())
        result = encode_texts(label, **options)
    except ValidationError as exc:
        issues = [i.to_dict() for i in label_errors_to_issues(exc)]
        raise Problem(
            422, ProblemCode.INVALID_VALUES, "the label values are invalid", errors=issues
        ) from None
    except TraceStdError as exc:
        raise Problem(
            422, ProblemCode.INVALID_VALUES, "the values cannot be encoded", errors=[exc.to_issue().to_dict()]
        ) from None
    return json_response(result)
