# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The `Args:` sections of the four configs and of the classifiers' output class against their fields, by the rule of
transformers' `utils/check_docstrings.py` (which the sdist does not ship): one entry per argument,
`name (`type`, *optional*, defaults to X):` with X the default in the signature (a default of None: `*optional*`
alone), no entry for an argument that does not exist. A config's entries are its own and its base's, the variant's
own overriding the base's (Models 3 and 4 default `classifier` to "gap")."""

import ast
import dataclasses
import inspect
import re

import pytest

from vivit_hf.models.configuration_vivit import ViViTConfig
from vivit_hf.models.modeling_vivit import VIVIT_MODELS, ViViTVideoClassifierOutput

ENTRY = re.compile(r"^(?P<name>\w+) \((?P<description>.+)\)(?::|$)")  # (check_docstrings' `_re_parse_arg`)
DEFAULT = re.compile(r"\*optional\*, defaults to (?P<default>.+)$")


def args_section(doc: str | None) -> dict[str, str]:
    """The `Args:` entries of a docstring, name -> what its parentheses hold. Every line at the entries' indent must
    be an entry: several names on one line ("hidden_size, num_hidden_layers: ...") document none of them."""
    lines = inspect.cleandoc(doc or "").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Args:"), None)
    if start is None:
        return {}
    indent = len(lines[start]) - len(lines[start].lstrip())
    entries = {}
    for line in lines[start + 1 :]:
        depth = len(line) - len(line.lstrip())
        if line.strip() and depth <= indent:
            break
        if line.strip() and depth == indent + 4:
            match = ENTRY.match(line.strip())
            assert match, f"not an argument entry `name (`type`, ...):`: {line.strip()!r}"
            assert match["name"] not in entries, f"{match['name']} is documented twice"
            entries[match["name"]] = match["description"]
    return entries


def documented_args(config_class) -> dict[str, str]:
    entries = {}
    for klass in reversed(config_class.__mro__):
        if isinstance(klass, type) and issubclass(klass, ViViTConfig):
            entries.update(args_section(vars(klass).get("__doc__")))
    return entries


def same_default(description: str, default) -> bool:
    stated = DEFAULT.search(description)
    if default is None:
        return "*optional*" in description and stated is None
    if stated is None:
        return False
    value = ast.literal_eval(stated["default"].strip("`"))
    normalise = lambda v: list(v) if isinstance(v, tuple) else v  # noqa: E731 (a tuple default is kept as a list)
    return normalise(value) == normalise(default)


@pytest.mark.parametrize("config_class", [classes[0] for classes in VIVIT_MODELS.values()], ids=list(VIVIT_MODELS))
def test_every_field_of_each_config_is_documented_with_its_default(config_class):
    documented = documented_args(config_class)
    fields = config_class.vivit_fields()
    signature = inspect.signature(config_class).parameters
    assert not fields - documented.keys(), f"fields without an `Args:` entry: {sorted(fields - documented.keys())}"
    assert not documented.keys() - fields, f"entries of no field: {sorted(documented.keys() - fields)}"
    wrong = {
        name: (documented[name], signature[name].default)
        for name in fields
        if not same_default(documented[name], signature[name].default)
    }
    assert not wrong, f"entries whose default is not the field's (entry, default): {wrong}"


def test_the_classifier_output_documents_each_of_its_fields_in_order():
    fields = [field.name for field in dataclasses.fields(ViViTVideoClassifierOutput)]
    assert list(args_section(ViViTVideoClassifierOutput.__doc__)) == fields
