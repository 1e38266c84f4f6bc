"""The faster `ForeignKey.__getattribute__` (galleria.kernel.piccolo_speed) builds exactly
the SQL piccolo's own builds, joins and lazily referenced tables included, without `dir()`."""

import builtins
import sys

import pytest
from piccolo.columns import ForeignKey, Integer, Varchar
from piccolo.columns.reference import LazyTableReference
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from galleria.kernel import db, piccolo_speed  # noqa: F401  (db installs the cut)

ENGINE = SQLiteEngine(path=":memory:")


class Maker(Table, db=ENGINE):
    name = Varchar()


class Gadget(Table, db=ENGINE):
    maker = ForeignKey(references=Maker)
    label = Varchar()


sys.modules.setdefault("galleria_piccolo_speed_tables", sys.modules[__name__])


class Part(Table, db=ENGINE):
    gadget = ForeignKey(references=LazyTableReference(
        "Gadget", module_path="galleria_piccolo_speed_tables"))
    weight = Integer()


def _queries():
    return [
        Gadget.select(Gadget.label, Gadget.maker.name.as_alias("maker_name"))
        .where((Gadget.maker == 3) & (Gadget.label == "x")).order_by(Gadget.id),
        Gadget.update({Gadget.label: "y"}).where(Gadget.maker.name == "acme"),
        Part.select(Part.weight, Part.gadget.label, Part.gadget.maker.name)
        .where(Part.gadget.maker.name == "acme"),
    ]


def _sql(on: bool) -> list[str]:
    ForeignKey.__getattribute__ = (piccolo_speed._getattribute if on  # type: ignore
                                   else piccolo_speed._original)
    try:
        return [str(q) for q in _queries()]
    finally:
        piccolo_speed.install()


def test_installed_with_the_kernel():
    assert ForeignKey.__getattribute__ is piccolo_speed._getattribute


def test_the_same_sql_as_piccolos_own():
    assert _sql(on=False) == _sql(on=True)
    assert "JOIN" in _sql(on=True)[0]


def test_builds_joins_without_dir(monkeypatch):
    calls = []
    real_dir = builtins.dir
    monkeypatch.setattr(builtins, "dir", lambda *a: calls.append(a) or real_dir(*a))
    for query in _queries():
        str(query)
    assert calls == [] or all(isinstance(a[0], type) for a in calls)  # class names, cached


def test_a_changed_piccolo_is_left_alone(monkeypatch):
    monkeypatch.setattr(piccolo_speed, "_installed", False)
    monkeypatch.setattr(piccolo_speed, "EXPECTED_DIGEST", "0" * 64)
    original = ForeignKey.__getattribute__
    assert piccolo_speed.install() is False
    assert ForeignKey.__getattribute__ is original


@pytest.mark.parametrize("name", ["label", "maker"])
def test_lazy_references_still_resolve(name):
    assert getattr(Part.gadget, name)._meta.name == name
