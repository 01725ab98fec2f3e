"""Make the scripted LLM server fixtures available to these tests."""

from palaestra.testing.fixtures import llm_server, make_llm_server

__all__ = ["llm_server", "make_llm_server"]
