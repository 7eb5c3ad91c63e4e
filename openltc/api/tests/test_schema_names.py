"""The OpenAPI document names each schema by its class name: two apps declaring a schema with the
same name would share one definition in the document (and clients, the fuzzer and the permission
contract would build the wrong bodies). Every schema class of every app's API must have its own
name."""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict

from django.conf import settings
from ninja import Schema


def test_api_schema_class_names_are_unique_across_apps() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for app in settings.OPENLTC_APPS:
        try:
            module = importlib.import_module(f"{app}.api")
        except ModuleNotFoundError:
            continue
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value.__module__ == module.__name__:
                owners[name].add(module.__name__)
    clashes = {name: sorted(modules) for name, modules in owners.items() if len(modules) > 1}
    assert clashes == {}, f"rename these schemas so each name is used once: {clashes}"
