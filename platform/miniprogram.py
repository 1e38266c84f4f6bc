"""`galleria miniprogram build`: the mini-program storefront (`clients/miniprogram/`) as a
ready WeChat DevTools project for one shop — its API host, AppID, name, colour and logo
written into `miniprogram/shop.ts`, `app.json` and `project.config.json`; nothing else in
the client differs between shops, so the built project typechecks as the client does."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "clients" / "miniprogram"
# What a DevTools project needs; node_modules and test files stay behind.
COPIED = ("miniprogram", "project.config.json", "tsconfig.json", "README.md")
TYPECHECK_PACKAGES = ("typescript", "miniprogram-api-typings")
APPID = re.compile(r"^wx[0-9a-f]{16}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class BuildRefused(ValueError):
    """The build cannot be made as asked (the message says why)."""


@dataclass(frozen=True)
class ShopBrand:
    slug: str
    name: str
    api_base: str
    primary_color: str
    logo: bytes = b""
    logo_suffix: str = ".png"
    # [{id, name, slug, parent_id, position}]: the storefront API lists no categories.
    categories: tuple[dict, ...] = ()


def _shop_ts(brand: ShopBrand, appid: str, logo_path: str) -> str:
    values = {"apiBase": brand.api_base, "appid": appid, "name": brand.name,
              "primaryColor": brand.primary_color, "accentColor": brand.primary_color,
              "logo": logo_path}
    body = "".join(f"  {key}: {json.dumps(value, ensure_ascii=False)},\n"
                   for key, value in values.items())
    categories = json.dumps([{key: c[key] for key in ("id", "name", "slug", "parent_id",
                                                      "position")}
                             for c in brand.categories], ensure_ascii=False)
    body += (f"  categories: {categories} as {{ id: number; name: string; slug: string; "
             "parent_id: number | null; position: number }[],\n")
    return ("/**\n * The shop this build talks to: written by `galleria miniprogram build "
            f"--shop {brand.slug}`.\n */\nexport const SHOP = {{\n{body}}};\n")


def build_project(brand: ShopBrand, appid: str, out: Path, source: Path = SOURCE) -> Path:
    """Write the shop's DevTools project into `out` (created; must be empty or absent)."""
    if not APPID.match(appid):
        raise BuildRefused(f"{appid!r} is not a mini-program AppID (wx and 16 hex digits)")
    if not COLOR.match(brand.primary_color):
        raise BuildRefused(f"the shop's theme colour {brand.primary_color!r} is not #rrggbb")
    if not brand.api_base.startswith("https://") and ".localhost" not in brand.api_base:
        raise BuildRefused("WeChat requires HTTPS for the shop's API host: "
                           f"{brand.api_base!r}")
    if not (source / "miniprogram" / "app.json").is_file():
        raise BuildRefused(f"the mini-program sources are not at {source}")
    if out.exists() and any(out.iterdir()):
        raise BuildRefused(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, out / name, ignore=shutil.ignore_patterns("*.js", "*.map"))
        elif path.is_file():
            shutil.copy2(path, out / name)
    root = out / "miniprogram"
    logo_path = ""
    if brand.logo:
        (root / "images").mkdir(exist_ok=True)
        logo_path = f"/images/logo{brand.logo_suffix}"
        (root / logo_path.lstrip("/")).write_bytes(brand.logo)
    (root / "shop.ts").write_text(_shop_ts(brand, appid, logo_path), encoding="utf-8")

    app = json.loads((root / "app.json").read_text(encoding="utf-8"))
    app["window"]["navigationBarTitleText"] = brand.name
    app["window"]["navigationBarBackgroundColor"] = brand.primary_color
    app["tabBar"]["selectedColor"] = brand.primary_color
    (root / "app.json").write_text(json.dumps(app, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
    project = json.loads((out / "project.config.json").read_text(encoding="utf-8"))
    project.update(appid=appid, projectname=f"{brand.slug}-miniprogram",
                   description=f"{brand.name} 小程序商城 (Galleria)")
    (out / "project.config.json").write_text(
        json.dumps(project, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # DevTools compiles the TypeScript itself; `npm install && npm run typecheck` checks it.
    source_package = json.loads((source / "package.json").read_text(encoding="utf-8"))
    versions = source_package.get("devDependencies", {})
    package = {"name": f"{brand.slug}-miniprogram", "private": True,
               "scripts": {"typecheck": "tsc --noEmit -p ."},
               "devDependencies": {name: versions[name] for name in TYPECHECK_PACKAGES
                                   if name in versions}}
    (out / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    return out


__all__ = ["BuildRefused", "ShopBrand", "build_project"]
