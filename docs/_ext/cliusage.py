"""命令行参考的用法块: generated from ``gaozhi_sdk.cli.build_parser()`` at build time.

The plain-Python half (:func:`subcommands`, :func:`usage`) is imported by
``tests/docs/test_cli_usage.py`` without Sphinx, which also checks that the text equals what
``gaozhi <subcommand> --help`` prints. :func:`setup` registers the directive::

    ```{gaozhi-usage} list check
    ```

renders the synopsis of one subcommand; without an argument it renders every subcommand
(the leaves of the parser tree), one block each, so a new subcommand cannot be missing from
the reference.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any

#: Width used for the usage text (in the docs and in the test's ``COLUMNS``).
WIDTH = 100


def _build_parser() -> argparse.ArgumentParser:
    from gaozhi_sdk.cli import build_parser

    return build_parser()


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public accessor for subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def subcommands(parser: argparse.ArgumentParser | None = None) -> Iterator[tuple[str, ...]]:
    """Every leaf subcommand path, e.g. ``("demo",)``, ``("list", "check")``, in parser order."""

    def walk(node: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        children = _children(node)
        if not children and path:
            yield path
        for name, child in children.items():
            yield from walk(child, (*path, name))

    yield from walk(parser or _build_parser(), ())


def usage(path: tuple[str, ...], parser: argparse.ArgumentParser | None = None) -> str:
    """The usage text of ``gaozhi <path>`` exactly as ``--help`` prints it at WIDTH columns."""
    node = parser or _build_parser()
    for name in path:
        children = _children(node)
        if name not in children:
            raise KeyError(f"gaozhi {' '.join(path)}: no such subcommand")
        node = children[name]
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH + 2)  # argparse subtracts 2
    try:
        return node.format_usage().rstrip("\n")
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class GaozhiUsage(SphinxDirective):
        optional_arguments = 2
        has_content = False

        def run(self) -> list[nodes.Node]:
            parser = _build_parser()
            paths = [tuple(self.arguments)] if self.arguments else list(subcommands(parser))
            result: list[nodes.Node] = []
            for path in paths:
                try:
                    text = usage(path, parser)
                except KeyError as exc:
                    raise self.error(str(exc)) from exc
                block = nodes.literal_block(text, text, language="text")
                block["classes"].append("gaozhi-usage")
                result.append(block)
            return result

    app.add_directive("gaozhi-usage", GaozhiUsage)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
