"""Which published model predicts which study: its body part's own model, else the all-parts one.

The registry keeps one published model per scope ("fracture" for all body
parts, "fracture:wrist" for the wrist's own). The command line resolves one
study at a time (core.store.registry.champion_for); the workstation and
triage predict whole worklists, so they read every published model of the
task once (:func:`published_models`) and pick per study in plain Python
(:func:`pick_scope`) -- the same rule, without a query per study.
"""

from __future__ import annotations

from core.store import registry

# Every scope that has ever had a model published; each one's champion is then the registry's own
# answer (registry.champion), so "published" means one thing everywhere. A workspace has a few
# scopes (all parts and at most one per body part), so this is a handful of small queries.
_PROMOTED_SCOPES = "SELECT DISTINCT task FROM model_events WHERE action = 'promote'"


def published_models(store, task: str = "fracture") -> dict[str, str]:
    """{scope: model id} of every published ``task`` model (all parts and each body part's own)."""
    models: dict[str, str] = {}
    for (task_scope,) in store.execute(_PROMOTED_SCOPES).fetchall():
        if registry.body_part_of(task, task_scope) is not None:
            model_id = registry.champion_id(store, task_scope)
            if model_id is not None:
                models[task_scope] = model_id
    return models


def pick_scope(models: dict[str, str], task: str, body_part: str | None) -> str | None:
    """The scope whose model predicts a ``body_part`` study: the part's own, else all parts, else None."""
    for candidate in (registry.scope(task, body_part), registry.scope(task)):
        if candidate in models:
            return candidate
    return None


def pick_model(models: dict[str, str], task: str, body_part: str | None) -> str | None:
    """The id of the model that predicts a ``body_part`` study (see :func:`pick_scope`), or None."""
    chosen = pick_scope(models, task, body_part)
    return models[chosen] if chosen else None


def _part_name(task: str, task_scope: str) -> str:
    part = registry.body_part_of(task, task_scope)
    return "all parts" if part == registry.ALL_PARTS else part


def _ordered(models: dict[str, str], task: str) -> list[str]:
    """The all-parts scope first, then the body parts alphabetically (a stable, readable order)."""
    return sorted(models, key=lambda s: (s != task, s))


def describe(models: dict[str, str], task: str = "fracture") -> str:
    """The published models in a few words: one all-parts model is just its id (what the status bar and
    triage said before per-body-part models); otherwise "all parts <id>; wrist <id>". "" when none."""
    if list(models) == [task]:
        return models[task]
    return "; ".join(f"{_part_name(task, s)} {models[s]}" for s in _ordered(models, task))


def published_parts(models: dict[str, str], task: str = "fracture") -> list[str]:
    """The body parts that have their own published model, alphabetically."""
    return [_part_name(task, s) for s in _ordered(models, task) if s != task]


def which_model(task: str, used_scope: str, body_part: str | None, model_id: str) -> str:
    """Which model predicted a study, for the reader: "wrist model <id>", or "all-parts model <id>
    (no elbow model is published)" when the study's part has none of its own."""
    part = registry.body_part_of(task, used_scope)
    if part and part != registry.ALL_PARTS:
        return f"{part} model {model_id}"
    study_part = registry.body_part_of(task, registry.scope(task, body_part))
    if study_part and study_part != registry.ALL_PARTS:
        return f"all-parts model {model_id} (no {study_part} model is published)"
    return f"all-parts model {model_id}"


def no_model_sentence(models: dict[str, str], task: str, body_part: str | None) -> str:
    """Why a study has no prediction although some model is published: none for its body part, none for all."""
    part = registry.body_part_of(task, registry.scope(task, body_part))
    studies = f"{part} studies" if part and part != registry.ALL_PARTS else "studies without a body part"
    published = ", ".join(published_parts(models, task))
    return (f"No {task} model is published for {studies} (published: {published}). "
            "Train one from the Training dock (Ctrl+T).")
