"""The event models: their prebuilt field schemas (``agentos_sync._fields``) are pydantic's own."""

from __future__ import annotations

from typing import Any, Dict, List, Type

import pytest
from pydantic import BaseModel, create_model

from agentos_sync import events


def _models() -> List[Type[BaseModel]]:
    return [v for v in vars(events).values() if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel]


def _shape(schema: Any) -> Any:
    """A core schema without what names its class (the twin below is another class)."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k not in ("cls", "ref", "metadata", "model_name", "title")}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def _plain_twin(cls: Type[BaseModel]) -> Type[BaseModel]:
    """The same fields with their plain annotations (``Optional[str]``, no prebuilt schema)."""
    fields: Dict[str, Any] = {name: (info.annotation, info.default) for name, info in cls.model_fields.items()}
    return create_model(f"Plain{cls.__name__}", __config__=cls.model_config, **fields)  # type: ignore[call-overload, no-any-return]


@pytest.mark.parametrize("cls", _models(), ids=lambda c: c.__name__)
def test_a_model_validates_as_with_plain_optional_fields(cls: Type[BaseModel]) -> None:
    cls.model_rebuild()
    twin = _plain_twin(cls)
    twin.model_rebuild()
    assert _shape(cls.__pydantic_core_schema__) == _shape(twin.__pydantic_core_schema__)
    ours, plain = cls.model_json_schema(), twin.model_json_schema()
    ours.pop("title"), plain.pop("title")
    ours.pop("description", None), plain.pop("description", None)
    assert ours == plain


def test_a_prebuilt_optional_field_takes_none_and_refuses_the_wrong_type() -> None:
    ev = events.RunContentEvent.model_validate_json(b'{"event": "RunContent", "run_id": null, "event_index": 3}')
    assert ev.run_id is None and ev.event_index == 3
    with pytest.raises(ValueError, match="run_id"):
        events.RunContentEvent.model_validate_json(b'{"event": "RunContent", "run_id": 5}')
