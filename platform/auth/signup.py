"""Self-service signup: a new shop, its owner and an admin API token, all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from galleria.auth.passwords import hash_password, password_problem, verify_password
from galleria.auth.staff import user_by_email
from galleria.auth.tokens import issue_token
from galleria.kernel import db
from galleria.kernel.errors import EmailTaken, Problems
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.provisioning import open_shop
from galleria.kernel.tenancy.shops import Shop, check_slug
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.kernel.tenancy.templates import ShopTemplate

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class SignupResult:
    shop: Shop
    owner_id: int
    admin_token: str


def check_signup(*, shop_name: str, slug: str, email: str, password: str,
                 template: str | None, templates: dict[str, ShopTemplate]) -> None:
    problems = Problems()
    if not (shop_name or "").strip():
        problems.add("shop_name", "required")
    elif len(shop_name) > 120:
        problems.add("shop_name", "at most 120 characters")
    check_slug(slug, problems)
    if not EMAIL_RE.match(email or "") or len(email) > 254:
        problems.add("email", "not a valid email address")
    weakness = password_problem(password or "", email=email or "")
    if weakness:
        problems.add("password", weakness)
    if template is not None and template not in templates:
        problems.add("template", "one of: " + ", ".join(sorted(templates)))
    problems.raise_if_any("The signup form has problems")


async def signup(*, shop_name: str, slug: str, email: str, password: str,
                 template: str | None, templates: dict[str, ShopTemplate], host: PluginHost,
                 tenants_dir: Path, theme_color: str | None = None,
                 locale: str | None = None) -> SignupResult:
    """Open a shop. An existing platform user opens another shop with their own password;
    anyone else with that email gets 409. Nothing is stored unless everything succeeds."""
    check_signup(shop_name=shop_name, slug=slug, email=email, password=password,
                 template=template, templates=templates)
    chosen = templates[template or "blank"]
    email = email.strip().lower()
    async with db.database().transaction():
        user = await user_by_email(email)
        if user is None:
            owner_id = (await PlatformUser.insert(PlatformUser(
                email=email, password_hash=await hash_password(password))))[0]["id"]
        elif await verify_password(user["password_hash"], password):
            owner_id = user["id"]
        else:
            raise EmailTaken("An account with this email exists; sign in with its password "
                             "to open another shop")
        shop = await open_shop(slug=slug, name=shop_name, template=chosen, owner_id=owner_id,
                               host=host, tenants_dir=tenants_dir, theme_color=theme_color,
                               locale=locale)
        token = await issue_token(shop.id, "Signup admin token", created_by=owner_id)
    return SignupResult(shop=shop, owner_id=owner_id, admin_token=token)
