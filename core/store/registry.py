"""Model registry over the workspace tables ``models`` and ``model_events``.

Decisions are appended to ``model_events`` (candidate / promote / reject /
rollback) and never rewritten. The champion (published model) of a task is
derived: the model of the latest 'promote' event of that task that no later
'rollback' of the same model has undone. Rolling back the champion therefore
hands the task back to the previously promoted model.

Imports no torch: the onnxruntime predictor uses it, and it is workspace data, so it lives in core.store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError

CHAMPION_SQL = """
    SELECT m.* FROM model_events e JOIN models m ON m.id = e.model_id
    WHERE e.task = ? AND e.action = 'promote'
      AND NOT EXISTS (SELECT 1 FROM model_events r
                      WHERE r.task = e.task AND r.model_id = e.model_id
                        AND r.action = 'rollback' AND r.id > e.id)
    ORDER BY e.id DESC
    LIMIT 1
"""


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(candidate_auc: float | None, champion_auc: float | None, champion_id: str | None) -> Decision:
    """Publish only if the study-level validation AUC is not worse than the champion's."""
    if champion_id is None:
        if candidate_auc is None:
            return Decision(True, "first model of this task (validation AUC could not be computed)")
        return Decision(True, f"first model of this task (validation AUC {candidate_auc:.3f})")
    if candidate_auc is None:
        return Decision(False, "validation AUC could not be computed (one class only in the validation split)")
    if champion_auc is None or candidate_auc >= champion_auc:
        shown = "n/a" if champion_auc is None else f"{champion_auc:.3f}"
        return Decision(True, f"validation AUC {candidate_auc:.3f} is not worse than the published model's {shown}")
    return Decision(False, f"validation AUC {candidate_auc:.3f} is worse than the published model's "
                           f"{champion_auc:.3f}; kept as a candidate")


def register(store, sidecar: dict, weights_rel: str, author: str) -> None:
    with store.transaction():
        store.execute(
            """INSERT INTO models (id, task, stage, architecture, parent_id, weights_path, sidecar_json)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (sidecar["model_id"], sidecar["task"], sidecar["stage"], sidecar["architecture"],
             sidecar.get("parent_id") if _exists(store, sidecar.get("parent_id")) else None,
             weights_rel, json.dumps(sidecar, sort_keys=True)))
        _event(store, sidecar["model_id"], sidecar["task"], "candidate", "trained", author)


def _exists(store, model_id: str | None) -> bool:
    return bool(model_id) and store.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is not None


def _event(store, model_id: str, task: str, action: str, reason: str, author: str) -> None:
    with store.transaction():
        store.execute("INSERT INTO model_events (model_id, task, action, reason, author) VALUES (?, ?, ?, ?, ?)",
                      (model_id, task, action, reason, author))
        store.audit(author, f"model-{action}", "model", model_id, reason)


def get(store, model_id: str):
    row = store.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
    if row is None:
        raise InputError(f"There is no model {model_id} in this workspace.")
    return row


def sidecar_of(row) -> dict:
    return json.loads(row["sidecar_json"])


def champion(store, task: str):
    """The published model row of ``task``, or None."""
    return store.execute(CHAMPION_SQL, (task,)).fetchone()


def champion_id(store, task: str) -> str | None:
    row = champion(store, task)
    return row["id"] if row else None


def promote(store, model_id: str, reason: str, author: str) -> None:
    row = get(store, model_id)
    _event(store, model_id, row["task"], "promote", reason, author)


def reject(store, model_id: str, reason: str, author: str) -> None:
    row = get(store, model_id)
    _event(store, model_id, row["task"], "reject", reason, author)


def rollback(store, task: str, author: str, reason: str = "rolled back by the user") -> tuple[str, str | None]:
    """Withdraw the champion of ``task``; returns (withdrawn id, new champion id or None)."""
    current = champion(store, task)
    if current is None:
        raise InputError(f"There is no published {task} model to roll back.")
    _event(store, current["id"], task, "rollback", reason, author)
    return current["id"], champion_id(store, task)


def list_models(store) -> list[dict]:
    champions = {}
    for (task,) in store.execute("SELECT DISTINCT task FROM models").fetchall():
        cid = champion_id(store, task)
        if cid:
            champions[task] = cid
    out = []
    for row in store.execute("SELECT * FROM models ORDER BY created_at, id").fetchall():
        sidecar = sidecar_of(row)
        last = store.execute("SELECT action, reason FROM model_events WHERE model_id = ? ORDER BY id DESC LIMIT 1",
                             (row["id"],)).fetchone()
        out.append({
            "model_id": row["id"], "task": row["task"], "stage": row["stage"], "architecture": row["architecture"],
            "parent_id": sidecar.get("parent_id"), "created_at": row["created_at"],
            "published": champions.get(row["task"]) == row["id"],
            "last_event": last["action"] if last else None, "reason": last["reason"] if last else None,
            "val_auc": (sidecar.get("metrics") or {}).get("val", {}).get("auc"),
        })
    return out


def model_file(workspace, row) -> Path:
    """Absolute path of a registered model's weights."""
    return Path(workspace.path) / row["weights_path"]
