"""The relationship and the companion's mood over time, as data and as a picture (an accessible SVG the CLI
writes to a file and the web app shows). Mood is averaged per day so years of feelings stay one readable line;
the stages are bands behind it, and every stage change or refusal is a marker with its reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from os1.persona.feelings import Mood, mood_name
from os1.persona.relationship import STAGES
from os1.store.base import Store
from os1.types import Companion

STAGE_COLOURS = {"new acquaintance": "#eef3f8", "friend": "#e3f1e6", "close friend": "#fcefdc", "partner": "#f8e1ea"}


@dataclass(frozen=True, slots=True)
class DayMood:
    day: date
    valence: float  # the day's mean, -1..1
    arousal: float
    events: int
    name: str  # the named mood of the day's mean


@dataclass(frozen=True, slots=True)
class Milestone:
    at: datetime
    kind: str  # stage, refusal, growth
    stage: str
    reason: str


@dataclass(frozen=True, slots=True)
class Timeline:
    companion: str
    met: datetime
    now: datetime
    days: tuple[DayMood, ...]
    milestones: tuple[Milestone, ...]


async def timeline(store: Store, user_id: int, companion: Companion, now: datetime, limit: int = 20_000) -> Timeline:
    """Everything the chart needs, oldest first."""
    events = await store.feelings.recent(user_id, companion.id, limit, since=companion.created_at)
    by_day: dict[date, list[tuple[float, float]]] = defaultdict(list)
    for e in events:
        by_day[e.at.date()].append((e.valence, e.arousal))
    days = []
    for day in sorted(by_day):
        vs = by_day[day]
        v, a = sum(x for x, _ in vs) / len(vs), sum(y for _, y in vs) / len(vs)
        days.append(DayMood(day, round(v, 3), round(a, 3), len(vs), mood_name(Mood(v, a, now))))
    history = await store.bond.history(user_id, companion.id, 1000)
    stones = sorted((Milestone(h.at, h.kind, h.stage, h.reason) for h in history), key=lambda m: m.at)
    return Timeline(companion.name, companion.created_at, now, tuple(days), tuple(stones))


def _bands(t: Timeline) -> list[tuple[datetime, datetime, str]]:
    """The stage in force over each stretch of time, from the day they met."""
    bands, start, stage = [], t.met, STAGES[0]
    for m in t.milestones:
        if m.kind == "stage" and m.stage != stage:
            bands.append((start, m.at, stage))
            start, stage = m.at, m.stage
    bands.append((start, t.now, stage))
    return bands


def render_svg(t: Timeline, width: int = 860, height: int = 320) -> str:
    """The chart as a standalone SVG document (with a title and description for screen readers)."""
    left, right, top, bottom = 48, 16, 30, 52
    span = max((t.now - t.met).total_seconds(), 86_400.0)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(at: datetime) -> float:
        return left + plot_w * min(max((at - t.met).total_seconds() / span, 0.0), 1.0)

    def y(valence: float) -> float:
        return top + plot_h * (1 - (valence + 1) / 2)

    summary = (f"{t.companion}'s mood and your relationship from {t.met:%-d %B %Y} to {t.now:%-d %B %Y}: "
               f"{len(t.days)} days with feelings recorded, "
               f"{sum(m.kind == 'stage' for m in t.milestones)} stage changes.")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" font-family="sans-serif" '
           f'font-size="12">', f'<title id="t">{escape(t.companion)} and you, over time</title>',
           f'<desc id="d">{escape(summary)}</desc>']  # fmt: skip
    bands = _bands(t)
    for i, (start, end, stage) in enumerate(bands):
        last = i == len(bands) - 1  # the stage now reaches the axis' end (a day at least, even on the first day)
        x0, x1 = x(start), (left + plot_w) if last else max(x(end), x(start) + 2)
        out.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}" '
                   f'fill="{STAGE_COLOURS.get(stage, "#eee")}"><title>{escape(stage)}</title></rect>')
        if x1 - x0 > 6 * len(stage):  # named above its band where the name fits
            out.append(f'<text x="{x0 + 4:.1f}" y="{top - 8}" fill="#555">{escape(stage)}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#999" '
               'stroke-dasharray="4 3"/>')
    for label, v in (("glad", 1.0), ("calm", 0.0), ("low", -1.0)):
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{label}</text>')
    noon = timedelta(hours=12)
    points = [(x(datetime.combine(d.day, datetime.min.time(), t.met.tzinfo) + noon), y(d.valence), d)
              for d in t.days]  # fmt: skip
    if len(points) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py, _) in enumerate(points))
        out.append(f'<path d="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    radius = 3 if len(points) <= 120 else 1.5
    for px, py, d in points:
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius}" fill="#c0392b"><title>{d.day:%-d %b %Y}: '
                   f'{escape(d.name)} ({d.events} moments)</title></circle>')
    for m in t.milestones:
        colour = {"stage": "#2c7a4b", "refusal": "#8e44ad"}.get(m.kind, "#555")
        mx = x(m.at)
        out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{colour}" '
                   f'stroke-width="1.5"><title>{m.at:%-d %b %Y} — {escape(m.kind)}: {escape(m.reason)}</title></line>')
    base = top + plot_h
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#333"/>')
    for frac in (0.0, 0.5, 1.0):
        at = t.met + timedelta(seconds=span * frac)
        anchor = {0.0: "start", 0.5: "middle", 1.0: "end"}[frac]
        out.append(f'<text x="{left + plot_w * frac:.1f}" y="{base + 18}" text-anchor="{anchor}" '
                   f'fill="#333">{at:%-d %b %Y}</text>')
    out.append(f'<text x="{left}" y="{height - 8}" fill="#555">Red: how {escape(t.companion)} felt each day. '
               'Bands: the relationship\'s stage. Lines: a stage reached (green) or a request declined (purple).'
               '</text></svg>')
    return "\n".join(out)
