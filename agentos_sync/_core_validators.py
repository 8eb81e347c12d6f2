"""The stream decoder's validators, built straight on pydantic-core.

A model's own validator (``Model.__pydantic_validator__``) is made by pydantic's
``create_schema_validator``, which first looks for pydantic plugins: the first model a process
builds scans every installed distribution's entry points. That scan was most of a fresh process's
first stream (5.5-5.7 ms of ~9.5 ms over 161 distributions, ``benchmarks/run.py --only lengths``),
and pydantic offers no per-model way around it (``PYDANTIC_DISABLE_PLUGINS`` is the whole
process's). So the decoder builds its own `pydantic_core.SchemaValidator` from the model's core
schema, generated the way ``BaseModel.model_rebuild`` generates it, and validates frames with
that: the same schema, the same model instances, no plugin scan.

What this means for a user: pydantic plugins (logfire's, for one) do not see the validation of
stream events; ``RunContentEvent.model_validate(...)`` and the models' other entry points still
go through them. The model classes are left as they are (deferred); pydantic builds them itself
the first time something else asks (``model_dump``, ``model_validate``).

It needs pydantic's private schema generator, whose signature has changed across 2.x: on a
version where it does not fit, `json_validator` returns None and the caller uses the model's own
validator, as before.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Type

from pydantic import BaseModel


def json_validator(model: Type[BaseModel]) -> Optional[Callable[[Any], Any]]:
    """``validate_json`` of a pydantic-core validator for ``model`` made without the plugin scan;
    None when this pydantic's internals do not fit (then use the model's own validator)."""
    try:
        from pydantic._internal import _config, _generate_schema, _generics, _model_construction, _namespace_utils
        from pydantic_core import SchemaValidator

        # As BaseModel.model_rebuild and complete_model_class (pydantic 2.10 to 2.14) do it.
        if not model.__pydantic_fields_complete__:
            return None
        config = _config.ConfigWrapper(model.model_config, check=False)
        parent = _model_construction.unpack_lenient_weakvaluedict(model.__pydantic_parent_namespace__) or {}
        generator = _generate_schema.GenerateSchema(
            config,
            _namespace_utils.NsResolver(parent_namespace=parent),
            _generics.get_model_typevars_map(model),
        )
        schema = generator.clean_schema(generator.generate_schema(model))
        validate: Callable[[Any], Any] = SchemaValidator(schema, config.core_config(title=model.__name__)).validate_json
    except Exception:  # another pydantic's internals: the model's own validator does it right
        return None
    return validate
