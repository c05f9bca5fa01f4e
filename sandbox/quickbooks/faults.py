"""QuickBooks Fault bodies: validation faults, the lower-case 401 shape, throttling (JSON and XML)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from .clock import timestamp

THROTTLE_DETAIL = "The request limit was reached. Try again later"


class QboError(Exception):
    """A Fault the API answers with; raised anywhere below the routes."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        element: str = "",
        status: int = 400,
        fault_type: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code, self.message, self.detail = code, message, detail
        self.element, self.status, self.fault_type = element, status, fault_type

    def fault(self) -> dict:
        """The ``Fault`` object (without envelope), as used in batch items."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}
        return {"Error": [error], "type": self.fault_type}

    def body(self) -> dict:
        """The full response body."""
        return {"Fault": self.fault(), "time": timestamp(millis=True)}


def unsupported_property(entity: str, name: str) -> QboError:
    detail = (
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.{entity}), '
        "not marked as ignorable specified is unsupported or invalid"
    )
    return QboError("2010", "Request has invalid or unsupported property", detail, name)


def required_missing(element: str) -> QboError:
    message = "Required param missing, need to supply the required value for the API"
    return QboError("2020", message, f"Required parameter {element} is missing in the request", element)


def invalid_string(element: str, why: str) -> QboError:
    return QboError("2040", "Invalid String", f"Invalid String : {element} {why}", element)


def outside_charset() -> QboError:
    """What a US company answers to text beyond ISO-8859-1: it cannot decode it, and does not say which."""
    detail = (
        "Operation Could not read the request: MalformedByteSequenceException: Invalid byte sequence for "
        "the company character set ISO-8859-1 is not supported."
    )
    return QboError("500", "Unsupported Operation", detail)


def bad_length(element: str, supplied: int, maximum: int, minimum: int = 0) -> QboError:
    message = "String length is either shorter or longer than supported by specification"
    detail = (
        "String length specified does not match the supported length. "
        f"Min:{minimum} Max:{maximum} supported. Supplied length:{supplied}"
    )
    return QboError("2050", message, detail, element)


def invalid_reference(label: str, ident: str, element: str) -> QboError:
    detail = f"Invalid Reference Id : {label} element id {ident} not found"
    return QboError("2500", "Invalid Reference Id", detail, element)


def made_inactive(element: str = "") -> QboError:
    detail = (
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees."
    )
    return QboError("610", "Object Not Found", detail, element)


def not_found(entity: str, ident: str) -> QboError:
    detail = f"Object Not Found : Another user has deleted this transaction. ({entity} Id {ident})"
    return QboError("610", "Object Not Found", detail)


def stale_object() -> QboError:
    detail = (
        "Stale Object Error : You and root were working on this at the same time. "
        "root finished before you did, so your work was not saved."
    )
    return QboError("5010", "Stale Object Error", detail, "SyncToken")


def permission_denied(feature: str, plan: str, status: int) -> QboError:
    detail = f"Permission Denied Error : {feature} is not available with your subscription ({plan})."
    return QboError("5020", "Permission Denied Error", detail, status=status)


def business_rule(detail: str, element: str = "") -> QboError:
    message = "A business validation error has occurred while processing your request"
    return QboError("6000", message, f"Business Validation Error: {detail}", element)


def duplicate_name(what: str) -> QboError:
    detail = f"The name supplied already exists. : {what} Please use a different name."
    return QboError("6240", "Duplicate Name Exists Error", detail, "Name")


def duplicate_doc_number(number: str, txn_type: str, txn_id: str) -> QboError:
    detail = (
        "Duplicate Document Number Error : You must specify a different number. This number has already "
        f"been used. DocNumber={number} is assigned to TxnType={txn_type} with TxnId={txn_id}"
    )
    return QboError("6140", "Duplicate Document Number Error", detail, "DocNumber")


def query_parse_error(detail: str) -> QboError:
    return QboError("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QboError:
    return QboError("4001", "Invalid query", f"QueryValidationError: {detail}")


def application_error() -> dict:
    """The severe 10000 fault body (injected by the control API)."""
    detail = "System Failure Error: An application error has occurred while processing your request"
    error = QboError("10000", "An application error has occurred while processing your request", detail)
    error.fault_type = "SystemFault"
    return error.body()


def unsupported_operation(what: str) -> QboError:
    return QboError("500", "Unsupported Operation", f"Operation {what} is not supported.")


def auth_body(detail: str) -> dict:
    """The 401 body: note the lower-case keys, unlike every other Fault."""
    error = {
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": detail,
        "code": "3200",
    }
    return {"fault": {"error": [error], "type": "AUTHENTICATION"}, "time": timestamp(millis=True)}


def authorization_body() -> dict:
    """403 for a token used on a company it was not issued for (same lower-case shape as the 401)."""
    error = {
        "message": "message=AuthorizationFailed; errorCode=003100; statusCode=403",
        "detail": "Authorization Failure: the token is not authorized for this company",
        "code": "3100",
    }
    return {"fault": {"error": [error], "type": "AUTHORIZATION"}, "time": timestamp(millis=True)}


def throttle_message(status: int) -> str:
    return f"message=ThrottleExceeded; errorCode=003001; statusCode={status}"


def throttle_json(status: int) -> dict:
    error = {"Message": throttle_message(status), "Detail": THROTTLE_DETAIL, "code": "3001"}
    return {"Fault": {"Error": [error], "type": "SERVICE"}, "time": timestamp(millis=True)}


def throttle_xml(status: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{timestamp(millis=True)}">'
        f'<Fault type="SERVICE"><Error code="3001"><Message>{escape(throttle_message(status))}</Message>'
        f"<Detail>{THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>"
    )
