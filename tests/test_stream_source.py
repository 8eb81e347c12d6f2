"""streams._source: how a create names its run, and the one rule that finds the run a create made
(used by a stream whose create was cut, and by contrib.celery's redelivered task)."""

from __future__ import annotations

import json
from typing import Any, Optional

from agentos_sync.models import RunOutput
from agentos_sync.streams._source import CREATE_TAG, named, own_run, tagged


def run(run_id: str, created: float, tag: Optional[str] = None) -> RunOutput:
    extra: Any = {"metadata": {CREATE_TAG: tag}} if tag else {}
    return RunOutput(run_id=run_id, created_at=int(created), **extra)


def test_a_create_is_named_and_a_resumable_one_tagged_keeping_the_callers_fields() -> None:
    form, run_id = named({"message": "hi"})
    assert form["run_id"] == run_id and len(run_id) == 36
    assert named({"run_id": "mine"})[1] == "mine"
    form, run_id = tagged({"metadata": json.dumps({"user": "u1"}), "run_id": "r-9"}, "key-1")
    assert run_id == "r-9" and json.loads(form["metadata"]) == {"user": "u1", CREATE_TAG: "key-1"}
    assert tagged({"metadata": "not json"}, "k")[0]["metadata"] == "not json"  # the server answers it


def test_the_run_a_create_made_is_found_by_its_id_then_its_tag_then_an_own_session() -> None:
    runs = [run("other", 100, tag="someone-else"), run("r-2", 200), run("r-3", 300, tag="key-1")]
    assert own_run(runs, run_id="r-2", tag="key-1") == "r-2"
    assert own_run(runs, run_id="absent", tag="key-1") == "r-3"  # a server that assigned its own id
    assert own_run(runs, run_id="absent", tag="absent") is None  # not (yet) made: never another's run
    assert own_run(runs, run_id="absent", own_session=True) == "r-3"  # nobody else uses the session
    assert own_run([], run_id="r-2", own_session=True) is None
