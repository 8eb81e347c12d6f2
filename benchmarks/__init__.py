"""Benchmarks for agentos_sync: a loopback SSE server, one module per contender, and a runner.

Run ``python benchmarks/run.py`` (see ``benchmarks/README.md``). Nothing here is imported by the
package or by the unit tests.
"""
