"""The rows of the areas beyond runs and sessions: user memories, knowledge contents and eval
runs, as a FakeAgentOS stores them (``fake.memories``, ``fake.knowledge_contents``,
``fake.eval_runs``) and renders them (``to_json``: agno 3.1.10's schemas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._events import iso

__all__ = ["FakeContent", "FakeEvalRun", "FakeMemory"]


@dataclass(eq=False)
class FakeMemory:
    """A stored user memory (``fake.memories[memory_id]``)."""

    memory_id: str
    memory: str
    user_id: Optional[str]
    topics: List[str] = field(default_factory=list)
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "memory_id": self.memory_id,
            "memory": self.memory,
            "topics": list(self.topics),
            "agent_id": self.agent_id,
            "team_id": self.team_id,
            "user_id": self.user_id,
            "updated_at": iso(self.updated_at),
        }


@dataclass(eq=False)
class FakeContent:
    """A knowledge content (``fake.knowledge_contents[content_id]``); ``text`` is what search reads.
    It is ``processing`` until its status is first asked for (or the content is listed), then
    ``completed``: the fake's time model, as runs complete on a poll."""

    id: str
    name: str
    text: str
    description: str = ""
    type: str = "manual"
    metadata: Optional[Dict[str, Any]] = None
    status: str = "processing"
    created_at: int = 0
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "size": str(len(self.text.encode())),
            "linked_to": None,
            "metadata": self.metadata,
            "access_count": None,
            "status": self.status,
            "status_message": "",
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(eq=False)
class FakeEvalRun:
    """A stored eval run (``fake.eval_runs[eval_run_id]``)."""

    id: str
    eval_type: str
    agent_id: Optional[str]
    team_id: Optional[str]
    eval_data: Dict[str, Any]
    eval_input: Dict[str, Any]
    name: Optional[str] = None
    evaluated_component_name: Optional[str] = None
    created_at: int = 0
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "agent_id": self.agent_id,
            "model_id": "fake-model",
            "model_provider": "Fake",
            "team_id": self.team_id,
            "workflow_id": None,
            "name": self.name,
            "evaluated_component_name": self.evaluated_component_name,
            "user_id": None,
            "eval_type": self.eval_type,
            "eval_data": self.eval_data,
            "eval_input": self.eval_input,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }
