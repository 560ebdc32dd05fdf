"""The trace_std HTTP service (Flask). Views are thin: parse, call one library function, serialise.

``create_app(config)`` is the app factory; each area is a blueprint module listed in
:data:`BLUEPRINTS` exposing ``bp``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask

# Blueprint modules, registered in this order. Each exposes ``bp``.
BLUEPRINTS: tuple[str, ...] = ()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env("TRACE_STD")
    if config:
        app.config.update(config)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    return app
