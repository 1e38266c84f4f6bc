"""The hook reference stays true: every hook documented with its exact signature, every hook
tested (datasette's two tests)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from galleria.kernel import hookspecs

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs" / "plugins.md"
HEADING = re.compile(r"^### (galleria_\w+)\s*$", re.MULTILINE)
SIGNATURE = re.compile(r"```python\n(galleria_\w+\(.*?\) -> .+?)\n```", re.DOTALL)


def hook_names() -> list[str]:
    return sorted(name for name, fn in vars(hookspecs).items()
                  if name.startswith("galleria_") and callable(fn)
                  and hasattr(fn, "galleria_spec"))


def documented_signatures() -> dict[str, str]:
    """`### galleria_x` heading → the signature in the first code block of its section."""
    text = DOCS.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    documented = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        section = text[heading.end():following.start() if following else len(text)]
        match = SIGNATURE.search(section)
        documented[heading.group(1)] = " ".join(match.group(1).split()) if match else ""
    return documented


def spec_signature(name: str) -> str:
    # The hookspecs module uses postponed annotations: drop the quotes they come with.
    return name + str(inspect.signature(getattr(hookspecs, name))).replace("'", "")


def test_every_hookspec_is_found():
    assert "galleria_order_paid" in hook_names() and len(hook_names()) >= 20


@pytest.mark.parametrize("name", hook_names())
def test_plugin_hooks_are_documented(name):
    documented = documented_signatures()
    assert name in documented, f"docs/plugins.md has no `### {name}` heading"
    assert documented[name] == spec_signature(name), (
        f"docs/plugins.md documents {name} as {documented[name]!r}; "
        f"hookspecs.py says {spec_signature(name)!r}")


def test_documented_hooks_exist():
    assert sorted(set(documented_signatures()) - set(hook_names())) == []


def _test_functions() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


@pytest.mark.parametrize("name", hook_names())
def test_plugin_hooks_have_tests(name):
    expected = "test_hook_" + name.removeprefix("galleria_")
    assert expected in _test_functions(), f"no {expected} under tests/"


# -- pluginpkg: the test kit's reference and its own rule ------------------------------------
def _section(title: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    following = text.find("\n## ", start + 1)
    return text[start:following if following != -1 else len(text)]


@pytest.mark.parametrize("name", __import__("galleria.testing").testing.__all__)
def test_every_galleria_testing_export_is_documented(name):
    assert re.search(rf"`(await )?{name}\b", _section("Testing plugins")), (
        f"docs/plugins.md, Testing plugins, does not document galleria.testing.{name}")


def test_the_testing_examples_import_only_the_public_api():
    blocks = re.findall(r"```python\n(.*?)```", _section("Testing plugins"), re.DOTALL)
    assert blocks
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("galleria"):
                assert node.module in ("galleria.kernel", "galleria.testing"), node.module


def test_the_price_adjuster_contract_names_every_pricing_context_field():
    from dataclasses import fields

    from galleria.kernel import PricingContext

    section = DOCS.read_text(encoding="utf-8")
    for field in fields(PricingContext):
        assert f"`{field.name}`" in section, field.name
