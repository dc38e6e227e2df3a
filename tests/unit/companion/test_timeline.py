"""The timeline: the mood averaged per day, the stages as bands with their reasons, drawn as an accessible SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from os1.companion.inner import moved
from os1.companion.timeline import render_svg, timeline
from os1.persona.feelings import Appraisal
from os1.types import BondEvent
from tests.unit.companion.conftest import World


async def test_the_timeline_has_a_point_a_day_and_every_stage_change(world: World):
    session = await world.session()
    store, uid, companion = world.deps.store, session.user.id, session.companion
    for day in range(5):
        glad = Appraisal("thanks", 0.3, 0.1, "you thanked me", None)
        low = Appraisal("harsh", -0.4, 0.2, "you were short with me", None)
        await moved(store, uid, companion, [glad if day % 2 == 0 else low, glad], world.clock())
        world.clock.advance(days=1)
    await store.bond.add(uid, companion.id, BondEvent(world.clock(), "stage", "friend", "five days of talking"))
    world.clock.advance(days=1)
    t = await timeline(store, uid, companion, world.clock())
    assert len(t.days) == 5 and all(d.events == 2 for d in t.days)
    assert t.days[0].valence > t.days[1].valence  # a good day above a hard one
    assert [(m.kind, m.stage) for m in t.milestones] == [("stage", "friend")]
    svg = render_svg(t)
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title") is not None and "5 days" in (root.find(f"{ns}desc").text or "")
    assert len(root.findall(f"{ns}circle")) == 5
    stages = [r.find(f"{ns}title").text for r in root.findall(f"{ns}rect")]
    assert stages == ["new acquaintance", "friend"]
    assert "five days of talking" in svg


async def test_an_empty_history_still_draws(world: World):
    session = await world.session()
    t = await timeline(world.deps.store, session.user.id, session.companion, world.clock())
    ET.fromstring(render_svg(t))
