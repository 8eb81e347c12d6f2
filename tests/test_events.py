"""The event models: their prebuilt field schemas (``agentos_sync._fields``) are pydantic's own, and the
stream decoder's validators (``agentos_sync._core_validators``) validate as the models' own do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple, Type

import pytest
from pydantic import BaseModel, ValidationError, create_model

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


# -- issue 27: the decoder's validators are built on pydantic-core, without the plugin scan -------

WIRE = Path(__file__).resolve().parents[2] / "shared" / "wire"


def _samples() -> List[Tuple[str, bytes]]:
    """Every frame of the wire captures, and a small frame of every event type the client knows
    (typed fields given the wrong type too, so that both validators must refuse alike)."""
    from agentos_sync.sse import iter_frames

    out = [(f.event or "message", f.data) for p in sorted(WIRE.glob("*.sse")) for f in iter_frames([p.read_bytes()])]
    for name in sorted(events._REGISTRY):
        out.append((name, json.dumps({"event": name, "created_at": 1, "run_id": "r", "extra_field": [1]}).encode()))
        out.append((name, json.dumps({"event": name, "created_at": "soon", "event_index": "x"}).encode()))
    out.append(("SomethingNew", b'{"event": "SomethingNew", "created_at": 2, "payload": {"a": 1}}'))
    return out


def test_the_decoders_validators_give_what_the_models_own_give() -> None:
    samples = _samples()
    assert len(samples) > 2 * len(events._REGISTRY)
    for name, data in samples:
        model = events.event_class(name)
        try:
            expected: Any = model.model_validate_json(data)
        except ValidationError as exc:
            expected = exc.errors(include_url=False)
        try:
            got: Any = events.validate_event_json(name, data)
        except ValidationError as exc:
            got = exc.errors(include_url=False)
        assert type(got) is type(expected) and got == expected, (name, data)
        if isinstance(got, BaseModel):
            assert got.model_dump() == expected.model_dump() and got.model_fields_set == expected.model_fields_set


def test_decoding_a_stream_does_not_scan_for_pydantic_plugins() -> None:
    # The scan of every installed distribution's entry points was most of a fresh process's first
    # stream (benchmarks/run.py --only lengths); the events decoded stay full models.
    code = (
        "import pydantic.plugin._loader as loader\n"
        "from agentos_sync.sse import iter_events\n"
        'data = b\'{"event":"RunContent","content":"hi","event_index":0}\'\n'
        "frames = [b'event: RunContent\\ndata: ' + data + b'\\n\\n']\n"
        "(ev,) = iter_events(frames)\n"
        "assert loader._plugins is None, 'scanned'\n"
        "assert ev.content == 'hi' and ev.model_dump()['content'] == 'hi'\n"
        "print('ok')\n"
    )
    env = dict(os.environ)
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.stdout.strip() == "ok", done.stderr


def test_a_pydantic_whose_internals_do_not_fit_gets_the_models_own_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic._internal import _generate_schema

    from agentos_sync import _core_validators

    def changed(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("GenerateSchema() takes other arguments in this pydantic")

    monkeypatch.setattr(_generate_schema, "GenerateSchema", changed)
    monkeypatch.setattr(events, "_VALIDATE_JSON", {})
    assert _core_validators.json_validator(events.RunContentEvent) is None
    ev = events.validate_event_json("RunContent", b'{"event":"RunContent","content":"hi","event_index":4}')
    assert isinstance(ev, events.RunContentEvent) and ev.content == "hi" and ev.event_index == 4
