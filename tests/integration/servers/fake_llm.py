"""The integration suite's deterministic OpenAI-compatible model server: it ships in the package
(``agentos_sync.testing.fake_llm``) so that ``examples/agentos_server.py`` can serve a real AgentOS
on it without a key. This module keeps the suite's imports and ``python fake_llm.py --port 8100``.
"""

from agentos_sync.testing.fake_llm import FakeLLM, main, parse_directives, plan_reply, prompt_tokens

__all__ = ["FakeLLM", "main", "parse_directives", "plan_reply", "prompt_tokens"]

if __name__ == "__main__":
    main()
