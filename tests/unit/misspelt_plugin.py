"""A plugin with a misspelt hook, for tests/unit/test_plugin_loading.py."""

from galleria.kernel import hookimpl


@hookimpl
def galleria_order_payed(event) -> None:  # sic: no such hook
    pass
