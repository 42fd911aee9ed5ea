"""The next step of the progressive chain for a body part, and the model it would start from.

The chain (issue 11, Karam et al.): self-supervised features (pretrain) ->
RadiNet (body part) -> the target, e.g. RadiNet_wrist (fracture of one body
part) -> fast refreshes of the published fracture model as labels arrive.
The workstation's training dock asks :func:`next_step` what to train and
shows the parent before it starts; the trainer (``trainer.fit.resolve_init``,
``--init auto``) picks the same parent by the same order, which
tests/core/test_chain_plan.py checks against it. Kept here, torch-free,
because the GUI process never imports the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.store import registry

# The models each stage starts from, in order of preference (trainer.fit.resolve_init's table).
PARENTS = {
    "pretrain": [],
    "body-part": [("pretrain", "all")],
    "target": [("body_part", "all"), ("pretrain", "all")],
}
TITLES = {"pretrain": "Self-supervised features (pretrain)", "body-part": "RadiNet (body parts)",
          "target": "Fracture model", "fast-refresh": "Fast refresh"}


@dataclass(frozen=True)
class ChainStep:
    stage: str                 # pretrain | body-part | target | fast-refresh
    body_part: str             # all, or the target's body part
    parent_id: str | None      # the model it starts from; None = random weights (only for pretrain)
    parent_published: bool
    why: str                   # one sentence for the dock

    @property
    def title(self) -> str:
        title = TITLES[self.stage]
        return f"{title} — {self.body_part}" if self.body_part != registry.ALL_PARTS and self.stage != "body-part" \
            else title


def parent_for(store, stage: str, body_part: str = "all") -> tuple[str | None, bool]:
    """(model id, published?) that ``--init auto`` starts ``stage`` from: the published model of the stage
    before, else its newest candidate; a fast refresh refreshes the published fracture model only."""
    if stage == "fast-refresh":
        for part in (body_part, registry.ALL_PARTS):
            cid = registry.champion_id(store, registry.scope("fracture", part))
            if cid:
                return cid, True
        return None, False
    for task, part in PARENTS[stage]:
        cid = registry.champion_id(store, registry.scope(task, part))
        if cid:
            return cid, True
        newest = registry.latest(store, registry.scope(task, part))
        if newest is not None:
            return newest["id"], False
    return None, False


def _has(store, task: str, part: str = "all") -> bool:
    return registry.latest(store, registry.scope(task, part)) is not None


def next_step(store, body_part: str | None) -> ChainStep:
    """What the dock trains next for a study of ``body_part`` (None/unknown: every body part)."""
    part = (body_part or registry.ALL_PARTS).strip().lower() or registry.ALL_PARTS
    if not _has(store, "pretrain"):
        return ChainStep("pretrain", registry.ALL_PARTS, None, False,
                         "No self-supervised features yet: they are learnt first, from every image (no labels).")
    if not _has(store, "body_part"):
        parent, published = parent_for(store, "body-part")
        return ChainStep("body-part", registry.ALL_PARTS, parent, published,
                         "No RadiNet yet: it learns to tell body parts apart, from the pretrained features.")
    published_fracture = (registry.champion_id(store, registry.scope("fracture", part))
                          or registry.champion_id(store, "fracture"))
    if not _has(store, "fracture", part) or not published_fracture:
        parent, published = parent_for(store, "target", part)
        what = "this body part" if part != registry.ALL_PARTS else "all body parts"
        why = (f"No fracture model of {what} yet: it starts from RadiNet." if not _has(store, "fracture", part)
               else "No fracture model is published yet (the candidates did not pass the promotion rule; one "
                    "can be published by hand in the Models panel): training the target again.")
        return ChainStep("target", part, parent, published, why)
    parent, published = parent_for(store, "fast-refresh", part)
    return ChainStep("fast-refresh", part, parent, published,
                     "The chain is complete: new labels refresh the published fracture model quickly.")
