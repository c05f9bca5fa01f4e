"""The pipeline's half of the entity registry covers the pure half: every polled entity has one module."""

from __future__ import annotations

import importlib

from portal.engine.entities import HANDLERS
from portal.sync.entities import POLLED


def test_every_polled_entity_has_a_handler_and_nothing_else_does():
    assert set(HANDLERS) == {spec.entity for spec in POLLED}


def test_each_handler_lives_in_its_entitys_own_module():
    for entity, handler in HANDLERS.items():
        module = importlib.import_module(handler.poll.__module__)
        assert module.HANDLER is handler, entity
        assert handler.read.__module__ == handler.push.__module__ == module.__name__, entity
