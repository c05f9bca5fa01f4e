"""``make_app``: wire state, tokens, throttle, fault injection and counters into one Flask app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from .companies import seed_default_companies
from .counters import Counters
from .injection import Injector
from .options import SandboxOptions
from .respond import DropMiddleware
from .store import State
from .throttle import Throttle, ThrottleConfig
from .tokens import TokenService


@dataclass
class Sandbox:
    """Everything one sandbox instance holds; views reach it through ``respond.sandbox()``."""

    options: SandboxOptions
    state: State
    tokens: TokenService
    throttle: Throttle
    injector: Injector
    counters: Counters

    def reset(self) -> None:
        """Back to the start: default companies, no tokens, no faults, counters and throttle cleared."""
        self.state.clear()
        if self.options.seed_companies:
            seed_default_companies(self.state)
        self.injector.remove()
        self.counters.reset()
        self.throttle.config = ThrottleConfig.from_options(self.options)
        self.throttle.reset()


def build_sandbox(options: SandboxOptions) -> Sandbox:
    state = State(options.state_file)
    if state.empty and options.seed_companies:
        seed_default_companies(state)
    return Sandbox(
        options=options,
        state=state,
        tokens=TokenService(state, options),
        throttle=Throttle(ThrottleConfig.from_options(options)),
        injector=Injector(options.fault_seed),
        counters=Counters(options.request_log_size),
    )


def make_app(**options) -> Flask:
    """The sandbox as a WSGI app; ``options`` are the fields of :class:`SandboxOptions`."""
    from . import api, control, oauth

    flask_app = Flask("sandbox.quickbooks")
    flask_app.json.sort_keys = False  # type: ignore[attr-defined]
    flask_app.extensions["qbo_sandbox"] = build_sandbox(SandboxOptions(**options))
    flask_app.register_blueprint(oauth.blueprint)
    flask_app.register_blueprint(api.blueprint)
    flask_app.register_blueprint(control.blueprint)
    wrapped = DropMiddleware(flask_app.wsgi_app)
    flask_app.wsgi_app = wrapped  # type: ignore[method-assign]
    return flask_app
