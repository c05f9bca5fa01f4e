"""Fault injection rules set through the control API: by route, method and realm, for N calls or at random."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("5xx", "10000", "slow", "commit_then_drop", "drop")


@dataclass
class Rule:
    """One rule; ``count`` None means "every matching request" (subject to ``probability``)."""

    id: int
    kind: str
    route: str = ""
    method: str | None = None
    realm: str | None = None
    count: int | None = None
    probability: float = 1.0
    status: int | None = None
    delay: float = 1.0
    hits: int = 0
    pattern: re.Pattern = field(default=re.compile(""), repr=False)

    def matches(self, method: str, path: str, realm: str | None) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.realm and self.realm != realm:
            return False
        return self.pattern.search(path) is not None

    def public(self) -> dict:
        data = asdict(self)
        data.pop("pattern")
        return data


class Injector:
    """Holds rules; ``take`` picks the first rule that fires for a request and consumes one use."""

    def __init__(self, seed: int | None) -> None:
        self.lock = threading.Lock()
        self.rules: list[Rule] = []
        self.random = random.Random(seed)
        self.next_id = 1

    def add(self, spec: dict) -> Rule:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        allowed = {"route", "method", "realm", "count", "probability", "status", "delay"}
        unknown = set(spec) - allowed - {"kind"}
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        with self.lock:
            rule = Rule(self.next_id, kind, **{key: spec[key] for key in allowed if key in spec})
            rule.pattern = re.compile(rule.route)
            self.next_id += 1
            self.rules.append(rule)
            return rule

    def take(self, method: str, path: str, realm: str | None) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if not rule.matches(method, path, realm):
                    continue
                if rule.probability < 1.0 and self.random.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                return rule
            return None

    def remove(self, rule_id: int | None = None) -> None:
        with self.lock:
            self.rules = [rule for rule in self.rules if rule_id is not None and rule.id != rule_id]

    def listing(self) -> list[dict]:
        with self.lock:
            return [rule.public() for rule in self.rules]
