"""`galleria jobs`: see and retry dead letters (work the outbox gave up on)."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from galleria.settings import Settings, SettingsError


async def _with_database(work) -> Any:
    from galleria.runtime import Runtime

    try:
        settings = Settings.from_env(generate_secret=True)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    runtime = Runtime.build(settings)
    await runtime.open()
    try:
        return await work()
    finally:
        await runtime.close()


@click.group()
def jobs() -> None:
    """Background work: dead letters."""


@jobs.command("dead")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
def jobs_dead(limit: int) -> None:
    """List the dead letters of every shop, newest first."""
    from galleria.kernel.dead_letters import ALL_SHOPS, dead_letters

    rows = asyncio.run(_with_database(lambda: dead_letters(ALL_SHOPS, limit)))
    if not rows:
        click.echo("No dead jobs.")
        return
    for row in rows:
        shop = "platform" if row["tenant"] is None else f"shop {row['tenant']}"
        click.echo(f"{row['id']:>8}  {row['topic']:<32} {shop:<12} "
                   f"{row['attempts']} attempts, created {row['created_at']:%Y-%m-%d %H:%M}Z")
        click.echo(f"{'':>10}last error: {row['last_error'][:300]}")


@jobs.command("retry")
@click.argument("event_ids", nargs=-1, required=True, type=int)
def jobs_retry(event_ids: tuple[int, ...]) -> None:
    """Run dead letters EVENT_IDS again, each with a fresh round of attempts."""
    from galleria.kernel.dead_letters import ALL_SHOPS, retry
    from galleria.kernel.errors import NotFound

    async def run() -> list[str]:
        missing = []
        for event_id in event_ids:
            try:
                await retry(ALL_SHOPS, event_id)
            except NotFound:
                missing.append(str(event_id))
        return missing

    missing = asyncio.run(_with_database(run))
    retried = len(event_ids) - len(missing)
    click.echo(f"{retried} dead job(s) will run again shortly.")
    if missing:
        raise click.ClickException(f"not dead jobs: {', '.join(missing)}")
