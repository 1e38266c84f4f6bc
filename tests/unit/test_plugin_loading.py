"""A plugin made for another Galleria, one that cannot be imported or one that misspells a
hook is disabled with its reason — the host, and so the app, starts all the same."""

from importlib.metadata import EntryPoint

import pytest

from galleria.kernel.plugin_loading import incompatibility, load_plugin
from galleria.kernel.plugins import PluginHost


@pytest.mark.parametrize(("requires", "installed", "problem"), [
    (["galleria>=0.1,<0.2"], "0.1.0", None),
    (["galleria>=0.2,<0.3"], "0.1.0", "supports Galleria <0.3,>=0.2, and Galleria 0.1.0 is"),
    (["httpx>=0.27", "Galleria<0.1"], "0.1.0", "supports Galleria <0.1"),
    (["galleria<0.1; extra == 'docs'"], "0.1.0", None),  # only for an extra
    (None, "0.1.0", None),
])
def test_a_plugin_declares_the_galleria_versions_it_supports(requires, installed, problem):
    found = incompatibility(requires, installed)
    assert found == problem if problem is None else problem in found


def _entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group="galleria.plugins")


def test_a_plugin_that_cannot_be_imported_is_disabled_with_the_error():
    host = PluginHost()
    problem = load_plugin(host.pm, _entry("ghost", "galleria_no_such_plugin.plugin"))
    assert problem.startswith("it could not be imported: ModuleNotFoundError")
    assert not host.is_installed("ghost")


def test_a_misspelt_hook_disables_the_plugin_and_names_the_hook():
    host = PluginHost()
    problem = load_plugin(host.pm, _entry("misspelt", "misspelt_plugin"))
    assert problem == "it implements hooks that do not exist: galleria_order_payed"
    assert not host.is_installed("misspelt")
    host.check()  # nothing pending: the host starts


def test_a_good_plugin_loads():
    host = PluginHost()
    assert load_plugin(host.pm, _entry("offline", "galleria_plugins.payments_offline")) is None
    assert host.is_installed("offline")


def test_each_enabled_plugins_gateways_come_with_its_name_in_call_order(caplog):
    """What `provided_each` gives the kernel (the shop's payment methods, by plugin): only
    enabled plugins are asked, each once, last registered first as pluggy calls them; an
    item that is not a gateway is left out and logged."""
    from galleria.kernel import PaymentGateway, hookimpl

    asked = []

    class Gateway(PaymentGateway):
        def __init__(self, code):
            self.code = code

    def plugin(name, *items):
        class Plugin:
            @hookimpl
            def galleria_payment_gateways(self, shop):
                asked.append(name)
                return [Gateway(i) if isinstance(i, str) else i for i in items]
        return Plugin()

    host = PluginHost()
    host.pm.register(plugin("first", "a", "b"), name="first")
    host.pm.register(plugin("off", "x"), name="off")
    host.pm.register(plugin("last", "c", 42), name="last")
    found = host.provided_each("galleria_payment_gateways", {"first", "last"},
                               PaymentGateway, shop=None)
    assert [(name, gateway.code) for name, gateway in found] == [
        ("last", "c"), ("first", "a"), ("first", "b")]
    assert asked == ["last", "first"]
    assert "not a PaymentGateway" in caplog.text
