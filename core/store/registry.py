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


ALL_PARTS = "all"


def scope(task: str, body_part: str | None = ALL_PARTS) -> str:
    """The registry key of a model: its task, or task:body_part for a body part's own model.

    The paper's RadiNet_wrist is the fracture model of the wrist ("fracture:wrist");
    the all-parts fracture model keeps the plain task name ("fracture"), so
    workspaces from before per-body-part models read unchanged.
    """
    part = (body_part or ALL_PARTS).strip().lower()
    return task if part == ALL_PARTS else f"{task}:{part}"


def body_part_of(task: str, task_scope: str) -> str | None:
    """The inverse of :func:`scope`: the body part of a registry key of ``task`` (ALL_PARTS for the
    task itself), or None when the key belongs to another task (e.g. "body_part" for "fracture")."""
    if task_scope == task:
        return ALL_PARTS
    head, colon, part = task_scope.partition(":")
    return part if colon and head == task and part else None


def latest(store, task_scope: str):
    """The newest registered model of a task scope, published or not, or None."""
    return store.execute("SELECT * FROM models WHERE task = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                         (task_scope,)).fetchone()


def champion_for(store, task: str, body_part: str | None):
    """(published model row or None, scope used): the body part's own model, else the all-parts one."""
    specific = scope(task, body_part)
    if specific != task:
        row = champion(store, specific)
        if row is not None:
            return row, specific
    return champion(store, task), task


def register(store, sidecar: dict, weights_rel: str, author: str) -> None:
    with store.transaction():
        store.execute(
            """INSERT INTO models (id, task, stage, architecture, parent_id, weights_path, sidecar_json)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (sidecar["model_id"], sidecar.get("scope") or sidecar["task"], sidecar["stage"], sidecar["architecture"],
             sidecar.get("parent_id") if _exists(store, sidecar.get("parent_id")) else None,
             weights_rel, json.dumps(sidecar, sort_keys=True)))
        _event(store, sidecar["model_id"], sidecar.get("scope") or sidecar["task"], "candidate", "trained", author)


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
            "body_part": sidecar.get("body_part", ALL_PARTS),
            "val_auc": (sidecar.get("metrics") or {}).get("val", {}).get("auc"),
            "val_auc_ci": (sidecar.get("metrics") or {}).get("val", {}).get("auc_ci"),
            "promotion": sidecar.get("promotion"),
        })
    return out


def model_file(workspace, row) -> Path:
    """Absolute path of a registered model's weights."""
    return Path(workspace.path) / row["weights_path"]
