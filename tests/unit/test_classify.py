"""Every QuickBooks answer shape (taken from the sandbox's own Fault builders) → one typed error."""

from __future__ import annotations

import json

import pytest

from portal.sync.classify import (
    classify_fault,
    classify_qbo_response,
    classify_token_response,
    classify_transport_failure,
    parse_faults,
    retry_after,
)
from portal.sync.errors import (
    AuthExpired,
    Conflict,
    Duplicate,
    InactiveReference,
    NeedsReconnect,
    Permanent,
    Throttled,
    Transient,
    describe_given_up,
)
from sandbox.quickbooks import faults


def body(error: faults.QboError) -> str:
    return json.dumps(error.body())


def fault_json(code: str, detail: str = "", fault_type: str = "ValidationFault") -> str:
    error = {"Message": "msg", "Detail": detail, "code": code, "element": ""}
    return json.dumps({"Fault": {"Error": [error], "type": fault_type}, "time": "x"})


HTML_503 = "<html><body><h1>Service Unavailable</h1></body></html>"

CASES = [
    # (id, status, headers, body, class, code)
    ("json throttle 429", 429, {}, json.dumps(faults.throttle_json(429)), Throttled, "3001"),
    ("xml throttle 429", 429, {}, faults.throttle_xml(429), Throttled, "3001"),
    ("legacy 403 throttle json", 403, {}, json.dumps(faults.throttle_json(403)), Throttled, "3001"),
    ("legacy 403 throttle xml", 403, {}, faults.throttle_xml(403), Throttled, "3001"),
    ("429 without body", 429, {}, "", Throttled, "3001"),
    ("401 lower-case fault", 401, {}, json.dumps(faults.auth_body("Token expired")), AuthExpired, "3200"),
    ("401 empty body", 401, {}, "", AuthExpired, None),
    ("401 code 100", 401, {}, fault_json("100", "SRV-110-Authentication Failure"), AuthExpired, "100"),
    ("403 3100 lower-case", 403, {}, json.dumps(faults.authorization_body()), NeedsReconnect, "3100"),
    ("401 code 120", 401, {}, fault_json("120", "-11014-You do not have access"), NeedsReconnect, "120"),
    ("403 html", 403, {}, "<html>Forbidden</html>", NeedsReconnect, None),
    ("10000 at 500", 500, {}, json.dumps(faults.application_error()), Transient, "10000"),
    ("10000 at 400", 400, {}, json.dumps(faults.application_error()), Transient, "10000"),
    ("503 html", 503, {}, HTML_503, Transient, None),
    ("502 empty", 502, {}, "", Transient, None),
    ("504 html", 504, {}, HTML_503, Transient, None),
    ("500 empty", 500, {}, "", Transient, None),
    ("5010 stale", 400, {}, body(faults.stale_object()), Conflict, "5010"),
    ("6240 name", 400, {}, body(faults.duplicate_name("Another vendor uses it.")), Duplicate, "6240"),
    ("6140 doc number", 400, {}, body(faults.duplicate_doc_number("PO-1", "Bill", "42")), Duplicate, "6140"),
    ("610 inactive", 400, {}, body(faults.made_inactive("AccountRef")), InactiveReference, "610"),
    ("610 deleted txn", 400, {}, body(faults.not_found("Bill", "9")), InactiveReference, "610"),
    ("2500 missing", 400, {}, body(faults.invalid_reference("Accounts", "7", "AccountRef")), InactiveReference, "2500"),
    ("2010 unknown property", 400, {}, body(faults.unsupported_property("Vendor", "Foo")), Permanent, "2010"),
    ("2020 required", 400, {}, body(faults.required_missing("VendorRef")), Permanent, "2020"),
    ("2040 invalid string", 400, {}, body(faults.invalid_string("Name", "bad")), Permanent, "2040"),
    ("2050 too long", 400, {}, body(faults.bad_length("DocNumber", 45, 21)), Permanent, "2050"),
    ("2250 no lines", 400, {}, fault_json("2250"), Permanent, "2250"),
    ("2260 posting type", 400, {}, fault_json("2260"), Permanent, "2260"),
    ("2290 negative", 400, {}, fault_json("2290"), Permanent, "2290"),
    ("2300 unbalanced", 400, {}, fault_json("2300"), Permanent, "2300"),
    ("4000 query parse", 400, {}, body(faults.query_parse_error("x")), Permanent, "4000"),
    ("4001 query invalid", 400, {}, body(faults.query_invalid("x")), Permanent, "4001"),
    ("5020 plan 400", 400, {}, body(faults.permission_denied("PurchaseOrder", "Essentials", 400)), Permanent, "5020"),
    ("5020 plan 403", 403, {}, json.dumps(faults.permission_denied("PO", "Essentials", 403).body()), Permanent, "5020"),
    ("6000 business", 400, {}, body(faults.business_rule("Multicurrency is not enabled")), Permanent, "6000"),
    ("6010 account type", 400, {}, fault_json("6010"), Permanent, "6010"),
    ("6070 amount", 400, {}, fault_json("6070", "Amount is not equal to UnitPrice * Qty"), Permanent, "6070"),
    ("6080 no name", 400, {}, fault_json("6080"), Permanent, "6080"),
    ("6190 company status", 400, {}, fault_json("6190"), Permanent, "6190"),
    ("6200 period closed", 400, {}, fault_json("6200"), Permanent, "6200"),
    ("6210 period password", 400, {}, fault_json("6210"), Permanent, "6210"),
    ("6250 sales customer", 400, {}, fault_json("6250"), Permanent, "6250"),
    ("6270 inv start", 400, {}, fault_json("6270", "Transaction date is prior to start date"), Permanent, "6270"),
    ("6540 deposited", 400, {}, fault_json("6540"), Permanent, "6540"),
    ("600 duplicate request id", 400, {}, fault_json("600"), Permanent, "600"),
    ("1040 batch size", 400, {}, fault_json("1040"), Permanent, "1040"),
    ("500 unsupported operation", 400, {}, body(faults.unsupported_operation("void")), Permanent, "500"),
    ("unknown code", 400, {}, fault_json("7777", "Something odd"), Permanent, "7777"),
    ("400 without fault", 400, {}, "bad request", Permanent, None),
    ("404 html", 404, {}, "<html>Not Found</html>", Permanent, None),
    ("fault inside 200", 200, {}, fault_json("6000", "x"), Permanent, "6000"),
]


@pytest.mark.parametrize(
    ("status", "headers", "text", "kind", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_classify_qbo_response(status, headers, text, kind, code):
    error = classify_qbo_response(status, headers, text)
    assert type(error) is kind
    assert error.code == code
    assert error.message
    assert error.category == kind.category


@pytest.mark.parametrize(
    "text",
    ['{"Vendor": {"Id": "1", "SyncToken": "0"}, "time": "t"}', '{"QueryResponse": {}}', "", "<IntuitResponse/>"],
)
def test_success_is_none(text):
    assert classify_qbo_response(200, {}, text) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, 60), ({"Retry-After": "7"}, 7), ({"retry-after": " 3 "}, 3), ({"Retry-After": "0"}, 1),
     ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 60)],
)  # fmt: skip
def test_retry_after(headers, expected):
    assert retry_after(headers) == expected
    error = classify_qbo_response(429, headers, json.dumps(faults.throttle_json(429)))
    assert error.retry_after_seconds == expected


def test_duplicate_doc_number_names_the_holder():
    error = classify_qbo_response(400, {}, body(faults.duplicate_doc_number("PO-1", "Bill", "42")))
    assert (error.kind, error.existing_type, error.existing_id) == ("doc_number", "Bill", "42")
    assert error.element == "DocNumber"


def test_duplicate_name_kind():
    error = classify_qbo_response(400, {}, body(faults.duplicate_name("Another vendor.")))
    assert error.kind == "name" and error.existing_id is None


def test_missing_reference_is_parsed_for_rewording():
    error = classify_qbo_response(400, {}, body(faults.invalid_reference("Accounts", "80", "AccountRef")))
    assert error.reference == ("Accounts", "80")
    reworded = error.reworded("QuickBooks account 5000 - COGS (id 80) is inactive or deleted")
    assert type(reworded) is InactiveReference and reworded.code == "2500" and reworded.reference == ("Accounts", "80")
    assert str(reworded) == reworded.message and error.message != reworded.message


def test_message_carries_quickbooks_detail():
    error = classify_qbo_response(400, {}, body(faults.bad_length("DocNumber", 45, 21)))
    assert "too long" in error.message and "Supplied length:45" in error.message


def test_most_actionable_error_wins_among_several():
    errors = [
        {"Message": "m", "Detail": "d", "code": "2020"},
        {"Message": "m", "Detail": "d", "code": "10000"},
    ]
    text = json.dumps({"Fault": {"Error": errors, "type": "ValidationFault"}})
    error = classify_qbo_response(400, {}, text)
    assert type(error) is Transient and "2020" in error.detail


def test_definite_flags_say_whether_to_mint_a_new_request_id():
    assert Permanent.definite and Duplicate.definite and Conflict.definite
    assert not (Transient.definite or Throttled.definite or AuthExpired.definite or NeedsReconnect.definite)


def test_batch_item_fault():
    error = classify_fault(faults.duplicate_name("x").fault())
    assert type(error) is Duplicate


def test_parse_faults_shapes():
    assert parse_faults(faults.throttle_xml(429))[0].code == "3001"
    assert parse_faults(json.dumps(faults.auth_body("x")))[0].detail == "x"
    assert parse_faults("{not json") == []
    assert parse_faults("<?xml version='1.0'?><broken") == []


@pytest.mark.parametrize(
    ("kind", "cls", "unknown"),
    [
        ("timeout", Transient, True),
        ("read_timeout", Transient, True),
        ("connection_reset", Transient, True),
        ("connection_aborted", Transient, True),
        ("remote_disconnected", Transient, True),
        ("chunked_encoding", Transient, True),
        ("connect_timeout", Transient, False),
        ("connection_refused", Transient, False),
        ("dns", Transient, False),
        ("something_new", Transient, True),
        ("tls", Permanent, None),
        ("invalid_url", Permanent, None),
    ],
)
def test_classify_transport_failure(kind, cls, unknown):
    error = classify_transport_failure(kind)
    assert type(error) is cls
    if unknown is not None:
        assert error.outcome_unknown is unknown


TOKEN_CASES = [
    ("ok", 200, '{"access_token": "a", "refresh_token": "r", "expires_in": 3600}', None, None),
    (
        "invalid_grant",
        400,
        '{"error": "invalid_grant", "error_description": "Token expired"}',
        NeedsReconnect,
        "invalid_grant",
    ),
    ("invalid_client", 401, '{"error": "invalid_client"}', Permanent, "invalid_client"),
    ("401 no body", 401, "", Permanent, "invalid_client"),
    ("invalid_request", 400, '{"error": "invalid_request"}', Permanent, "invalid_request"),
    ("unsupported_grant_type", 400, '{"error": "unsupported_grant_type"}', Permanent, "unsupported_grant_type"),
    ("503 html", 503, HTML_503, Transient, None),
    ("500 json", 500, '{"error": "server_error"}', Transient, None),
    ("429", 429, "", Throttled, None),
    ("200 without token", 200, "{}", Transient, None),
]


@pytest.mark.parametrize(
    ("status", "text", "kind", "code"), [c[1:] for c in TOKEN_CASES], ids=[c[0] for c in TOKEN_CASES]
)
def test_classify_token_response(status, text, kind, code):
    error = classify_token_response(status, text)
    if kind is None:
        assert error is None
        return
    assert type(error) is kind and error.code == code and error.message


@pytest.mark.parametrize(
    ("message", "attempts", "expected"),
    [
        (
            "QuickBooks had a server error (503): will retry",
            4,
            "QuickBooks had a server error (503). Gave up after 4 attempts: "
            "retry this row once QuickBooks answers again",
        ),
        (
            "Could not reach OpenBoxes at https://ob.example.org; the sync will retry",
            4,
            "Could not reach OpenBoxes at https://ob.example.org. Gave up after 4 attempts: retry this row once "
            "OpenBoxes answers again",
        ),
        (
            "QuickBooks changed the record meanwhile",
            2,
            "QuickBooks changed the record meanwhile. Gave up after 2 attempts: "
            "retry this row once QuickBooks answers again",
        ),
    ],
)
def test_a_passing_problem_that_outlasted_the_retries_no_longer_promises_one(message, attempts, expected):
    assert describe_given_up(message, attempts) == expected


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 400, 405])
def test_a_bare_status_reads_as_words_not_as_http_jargon(status):
    # The message lands on the activity list and the home page, read by a finance user (issue 13).
    for error in (classify_qbo_response(status, {}, "<html>gateway</html>"), classify_token_response(status, "")):
        assert error is not None and "HTTP" not in str(error) and f"({status})" in str(error)
