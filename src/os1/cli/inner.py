"""``os1 relationship``: where you and your companion are, how it got there, how it feels now and why, and
what it means to say to you first (with its reasons). Nothing here loads the language model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from os1.errors import NotSetUpError
from os1.types import utc_now


def add_relationship_parser(sub: Any) -> None:
    rel = sub.add_parser(
        "relationship", help="your companion's side: the relationship's stages, its mood and why, what it means to say",
        description="Stages advance only on real signals (time together, what you've shared, moments remembered, "
        "a hard moment repaired); partner only if you ask and it is already a close friend. Every stage, every "
        "request it declined, and what moved its feelings is listed with its reason.",
    )  # fmt: skip
    rel.add_argument("--limit", type=int, default=10, help="how many of each to show (default 10)")
    rel.add_argument("--chart", metavar="FILE.svg",
                     help="also draw the relationship and its mood over time as a picture (SVG, opens in a browser)")


async def _show(settings: Any, limit: int, chart: Path | None = None) -> int:
    from os1.cli.wiring import open_app
    from os1.companion.inner import mood_now, stage_of
    from os1.persona.feelings import mood_name

    if settings.no_store_yet:
        raise NotSetUpError("companion.not_set_up", "no companion yet", hint="run `os1 setup`")
    app = await open_app(settings, with_model=False)
    try:
        store, now = app.store, utc_now()
        user = await store.users.ensure(settings.user)
        companion = await store.users.active_companion(user.id)
        if companion is None:
            raise NotSetUpError("companion.not_set_up", "no companion yet", hint="run `os1 setup`")
        name = companion.name
        print(f"{name} and you: {await stage_of(store, user.id, companion)} "
              f"(met {companion.created_at:%-d %B %Y})")  # fmt: skip
        for e in (await store.bond.history(user.id, companion.id, limit)):
            what = {"stage": e.stage, "refusal": "declined", "growth": "grew"}.get(e.kind, e.kind)
            print(f"  {e.at:%-d %b %Y}  {what:<16} {e.reason}")
        mood, causes = await mood_now(store, user.id, companion, now)
        print(f"\nHow {name} feels: {mood_name(mood)} (valence {mood.valence:+.2f}, arousal {mood.arousal:.2f})")
        for c in causes[:limit]:
            print(f"  {c.kind:<10} {c.why}")
        plans = await store.initiatives.listing(user.id, limit)
        state = "on" if settings.initiative.enabled else "off ([initiative] enabled = false in config.toml)"
        print(f"\nWhat {name} means to say first (initiative {state}, at most {settings.initiative.daily_quota} a "
              f"day, quiet {settings.initiative.quiet_start}:00–{settings.initiative.quiet_end}:00):")  # fmt: skip
        for p in plans:
            print(f"  {p.due_at:%-d %b %H:%M}  [{p.status}] {p.text}  (why: {p.reason})")
        if not plans:
            print("  nothing yet")
        if chart is not None:
            from os1.companion.timeline import render_svg, timeline

            svg = render_svg(await timeline(store, user.id, companion, now))
            await asyncio.to_thread(chart.write_text, svg, encoding="utf-8")
            print(f"\nThe chart of your time together: {chart} (open it in a browser)")
        return 0
    finally:
        await app.close()


def run_relationship(args: Any) -> int:
    from os1.cli.wiring import settings_from

    chart = Path(args.chart).expanduser() if args.chart else None
    return asyncio.run(_show(settings_from(args), args.limit, chart))
