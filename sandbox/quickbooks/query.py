"""The QuickBooks query language subset: parse, then filter, sort and page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from . import faults
from .companies import PURCHASE_ORDER_PLANS, company_info, preferences
from .entities import BY_NAME, FIELDS, QUERY_EXTRA
from .rules import Ctx

TOKEN_RE = re.compile(
    r"\s*(?:(?P<string>'(?:\\.|[^'\\])*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])"
    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][\w.]*))"
)
OPERATORS = ("=", "<", ">", "<=", ">=", "IN", "LIKE")
NAME_LISTS = ("Vendor", "Customer", "Employee", "Item", "Account")
SINGLETONS = {"companyinfo": "CompanyInfo", "preferences": "Preferences"}
DEFAULT_PAGE, MAX_PAGE = 100, 1000


@dataclass
class Condition:
    path: str
    op: str
    value: object


@dataclass
class Query:
    entity: str = ""
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    limit: int = DEFAULT_PAGE
    fields: list[str] = field(default_factory=list)  # a projection ("SELECT Id, Name …"); empty for *


class Tokens:
    """A cursor over the query's tokens; keywords compare case-insensitively."""

    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = TOKEN_RE.match(text, pos)
            if not match or match.end() == pos:
                raise faults.query_parse_error(f"Encountered unexpected input at position {pos}: {text[pos:]!r}")
            self.items.append((match.lastgroup or "", match.group(match.lastgroup or 0)))
            pos = match.end()
        self.pos = 0

    def peek(self) -> str:
        return self.items[self.pos][1] if self.pos < len(self.items) else ""

    def next(self) -> tuple[str, str]:
        if self.pos >= len(self.items):
            raise faults.query_parse_error("Unexpected end of query")
        self.pos += 1
        return self.items[self.pos - 1]

    def accept(self, word: str) -> bool:
        if self.peek().upper() == word:
            self.pos += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise faults.query_parse_error(f"Expected {word} but found {self.peek() or 'end of query'!r}")


def parse(text: str) -> Query:
    tokens, query = Tokens(text), Query()
    tokens.expect("SELECT")
    if tokens.accept("COUNT"):
        for word in ("(", "*", ")"):
            tokens.expect(word)
        query.count = True
    elif tokens.accept("*"):
        while tokens.accept(","):
            tokens.next()  # extra projections ("SELECT *, Sku") add nothing: every field is returned
    else:
        query.fields.append(tokens.next()[1])
        while tokens.accept(","):
            query.fields.append(tokens.next()[1])
    tokens.expect("FROM")
    query.entity = tokens.next()[1]
    if tokens.accept("WHERE"):
        query.where.append(_condition(tokens))
        while tokens.accept("AND"):
            query.where.append(_condition(tokens))
    _tail(tokens, query)
    if tokens.peek():
        raise faults.query_parse_error(f"Encountered {tokens.peek()!r} (OR, GROUP BY and joins are not supported)")
    return query


def _tail(tokens: Tokens, query: Query) -> None:
    ordered = tokens.accept("ORDERBY")
    if not ordered and tokens.accept("ORDER"):
        tokens.expect("BY")
        ordered = True
    if ordered:
        query.order.append(_order_key(tokens))
        while tokens.accept(","):
            query.order.append(_order_key(tokens))
    if tokens.accept("STARTPOSITION"):
        query.start = _integer(tokens)
    if tokens.accept("MAXRESULTS"):
        query.limit = _integer(tokens)
    if query.start < 1:
        raise faults.query_invalid("STARTPOSITION must be 1 or more")
    if not 1 <= query.limit <= MAX_PAGE:
        raise faults.query_invalid(f"MAXRESULTS must be between 1 and {MAX_PAGE}")


def _order_key(tokens: Tokens) -> tuple[str, bool]:
    path = tokens.next()[1]
    descending = tokens.accept("DESC")
    if not descending:
        tokens.accept("ASC")
    return path, descending


def _integer(tokens: Tokens) -> int:
    kind, text = tokens.next()
    if kind != "number" or "." in text:
        raise faults.query_parse_error(f"Expected an integer, found {text!r}")
    return int(text)


def _condition(tokens: Tokens) -> Condition:
    kind, path = tokens.next()
    if kind != "word":
        raise faults.query_parse_error(f"Expected a property name, found {path!r}")
    op = tokens.next()[1].upper()
    if op not in OPERATORS:
        raise faults.query_parse_error(f"Operator {op!r} is not supported")
    if op != "IN":
        return Condition(path, op, _literal(tokens))
    tokens.expect("(")
    values = [_literal(tokens)]
    while tokens.accept(","):
        values.append(_literal(tokens))
    tokens.expect(")")
    return Condition(path, op, values)


def _literal(tokens: Tokens) -> object:
    kind, text = tokens.next()
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "number":
        return Decimal(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise faults.query_parse_error(f"Expected a value, found {text!r}")


def run(ctx: Ctx, text: str) -> dict:
    """Execute a query and return the ``QueryResponse`` object."""
    query = parse(text)
    entity, rows = _source(ctx, query.entity)
    known = {name.lower() for name in FIELDS.get(entity, ())} | {name.lower() for name in QUERY_EXTRA}
    if entity in SINGLETONS.values():
        known = {key.lower() for row in rows for key in row}
    for path in [c.path for c in query.where] + [path for path, _ in query.order] + query.fields:
        if path.split(".")[0].lower() not in known:
            raise faults.query_invalid(f"property '{path}' is not queryable on {entity}")
    rows = [row for row in rows if all(_matches(row, condition) for condition in query.where)]
    if entity in NAME_LISTS and not any(c.path.lower() == "active" for c in query.where):
        rows = [row for row in rows if row.get("Active", True)]
    if query.count:
        return {"totalCount": len(rows)}
    rows = _sorted(rows, query.order)
    page = rows[query.start - 1 : query.start - 1 + query.limit]
    if not page:
        return {}
    if query.fields:
        page = [_projected(row, query.fields) for row in page]
    return {entity: page, "startPosition": query.start, "maxResults": len(page)}


def _projected(row: dict, fields: list[str]) -> dict:
    """Only the selected properties (matched case-insensitively), marked sparse as QuickBooks does."""
    wanted = {name.lower() for name in fields}
    return {**{key: value for key, value in row.items() if key.lower() in wanted}, "domain": "QBO", "sparse": True}


def _source(ctx: Ctx, name: str) -> tuple[str, list[dict]]:
    lowered = name.lower()
    if lowered in SINGLETONS:
        build = company_info if lowered == "companyinfo" else preferences
        return SINGLETONS[lowered], [build(ctx.company)]
    spec = BY_NAME.get(lowered)
    if spec is None:
        raise faults.query_parse_error(f"Invalid entity {name!r}")
    if spec.name == "PurchaseOrder" and ctx.company.plan not in PURCHASE_ORDER_PLANS:
        raise faults.permission_denied("PurchaseOrder", ctx.company.plan, ctx.options.plan_fault_status)
    rows = sorted(ctx.records(spec.name), key=lambda row: int(row["Id"]))
    return spec.name, rows


def lookup(row: dict, path: str) -> object:
    """A dotted property, matched case-insensitively; references compare by their value."""
    value: object = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _matches(row: dict, condition: Condition) -> bool:
    value = lookup(row, condition.path)
    if condition.path.lower() == "id" and condition.op not in ("=", "IN"):
        raise faults.query_invalid("Id supports only the = and IN operators")
    if condition.path.lower() == "active" and value is None:
        value = True
    if condition.op == "IN":
        return any(compare(value, option) == 0 for option in condition.value)  # type: ignore[union-attr]
    if condition.op == "LIKE":
        return isinstance(value, str) and _like(str(condition.value)).fullmatch(value) is not None
    result = compare(value, condition.value)
    if result is None:
        return False
    return {"=": result == 0, "<": result < 0, ">": result > 0, "<=": result <= 0, ">=": result >= 0}[condition.op]


def _like(pattern: str) -> re.Pattern:
    parts = (re.escape(part) for part in pattern.split("%"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def compare(stored: object, literal: object) -> int | None:
    """-1/0/1 between a stored value and a query literal; None when they cannot be compared."""
    if stored is None:
        return None
    if isinstance(stored, bool) or isinstance(literal, bool):
        return 0 if stored == literal else None
    left, right = _number(stored), _number(literal)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    left_time, right_time = _moment(stored), _moment(literal)
    if left_time is not None and right_time is not None:
        return (left_time > right_time) - (left_time < right_time)
    a, b = str(stored).casefold(), str(literal).casefold()
    return (a > b) - (a < b)


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _moment(value: object) -> datetime | None:
    """Aware timestamps only (dates compare fine as text)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _sorted(rows: list[dict], order: list[tuple[str, bool]]) -> list[dict]:
    for path, descending in reversed(order):
        present = [row for row in rows if lookup(row, path) is not None]
        missing = [row for row in rows if lookup(row, path) is None]
        present.sort(key=lambda row, p=path: _sort_key(lookup(row, p)), reverse=descending)
        rows = missing + present if not descending else present + missing
    return rows


def _sort_key(value: object) -> tuple:
    number = _number(value)
    if number is not None:
        return (0, number, "")
    moment = _moment(value)
    if moment is not None:
        return (1, Decimal(str(moment.timestamp())), "")
    return (2, Decimal(0), str(value).casefold())
