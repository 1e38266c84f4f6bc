"""The kernel's own shape: its reactions are registered in the kernel (the job runner only
runs them), no kernel area hides an import of another area inside a function, and the
order view gets payments and shipments from the areas built on orders without orders
importing them. The layering itself is an import-linter contract (pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "platform" / "kernel"


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_the_job_runner_registers_no_reaction_of_its_own():
    import galleria.jobs.tasks as tasks
    from galleria.kernel import reactions

    assert tasks.KERNEL_LISTENERS is reactions.KERNEL_LISTENERS
    assert tasks.KERNEL_JOBS is reactions.KERNEL_JOBS and tasks.SWEEPS is reactions.SWEEPS
    assert "order.paid" in reactions.KERNEL_LISTENERS  # the review runs after payment
    for path in (ROOT / "platform" / "jobs").glob("*.py"):
        for module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            assert not (parts[:2] == ["galleria", "kernel"] and len(parts) > 3
                        and parts[3] in ("jobs", "runner")), (path.name, module)


def test_no_kernel_area_imports_another_inside_a_function():
    hidden = []
    for path in KERNEL.glob("*/*.py"):
        area = path.parent.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for module in _imports(function):
                parts = module.split(".")
                if parts[:2] == ["galleria", "kernel"] and len(parts) > 2 \
                        and (KERNEL / parts[2]).is_dir() and parts[2] != area:
                    hidden.append(f"{path.relative_to(KERNEL)}: {module}")
    assert not hidden, hidden


def test_the_order_view_sections_come_from_the_areas_above_orders():
    import galleria.kernel  # noqa: F401  (wires the reactions)
    from galleria.kernel.fulfilment import views as shipments
    from galleria.kernel.orders import service as orders
    from galleria.kernel.payments import views as payments

    assert list(orders.STAFF_SECTIONS) == ["payments", "shipments"]
    assert orders.STAFF_SECTIONS["payments"] is payments.payments_of
    assert list(orders.SHOPPER_SECTIONS) == ["tracking"]
    source = (KERNEL / "orders" / "service.py").read_text(encoding="utf-8")
    assert "kernel.payments" not in source and "kernel.fulfilment" not in source
    assert shipments.shipments_of  # the shipments section reads fulfilment's views
