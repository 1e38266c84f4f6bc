"""The package list of the `galleria` distribution, computed so the wheel carries everything.

`galleria` is the folder `platform/` (see pyproject.toml: a `platform` package would shadow the
standard library), and it is a namespace package. setuptools' automatic discovery cannot map a
folder onto another import name *and* recurse into it, so this lists every folder under
`platform/` as `galleria.<sub>` — data-only folders (templates, static, locale, migrations)
included, so that their files are package data of the wheel and the sdist.
"""

from setuptools import find_namespace_packages, setup

NOT_CODE = ["*__pycache__*"]


def folders(prefix: str, where: str) -> list[str]:
    """`prefix` and every folder under `where`, as dotted package names below `prefix`."""
    found = find_namespace_packages(where, exclude=NOT_CODE)
    return [prefix, *(f"{prefix}.{name}" for name in found)]


# tenants/ (shop templates, demo shops and their images) ships as the data package
# `galleria.tenants`, so a wheel install finds it without the repository.
# (pyproject.toml's package-dir maps both names onto their folders.)
setup(packages=folders("galleria", "platform") + folders("galleria.tenants", "tenants"))
