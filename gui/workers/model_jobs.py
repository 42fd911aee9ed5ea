"""The models panel's work, Qt-free: read the registry, publish by hand, roll back.

Each function runs off the GUI thread (in a gui.workers.job.JobThread) with
its own database connection. Publishing by hand goes through
``trainer.publish.promote_by_hand`` -- the function ``radinet models promote``
uses -- in a child process, because it imports torch (an ONNX export may be
needed) and the workstation's process never does (issue 12 #11: importing
torch next to the GUI thread froze the window).

The comparison is core.evaluation.compare (``radinet models compare`` runs
the same function); the panel runs it in a JobThread too.
"""

from __future__ import annotations

import threading

from core.errors import InputError, RadinetError

CHILD_POLL_S = 0.1


# --------------------------------------------------------------- registry
def load_overview(workspace):
    from core.store.model_overview import model_overview

    with workspace.connect() as store:
        return model_overview(store, workspace.models_dir)


def rollback(workspace, scope: str, author: str) -> tuple[str, str | None]:
    from core.store import registry

    with workspace.connect() as store:
        return registry.rollback(store, scope, author, "rolled back by hand in the workstation")


# ------------------------------------------------------ publish (a child)
def _promote_in_child(workspace_path: str, model_id: str, reason: str, author: str) -> tuple[str, object]:
    """Child process entry: ('ok', result) or ('error', sentence); never raises across the process boundary."""
    try:
        from core.store.workspace import Workspace
        from trainer.publish import promote_by_hand

        workspace = Workspace.open(workspace_path, create=False)
        with workspace.connect() as store:
            return "ok", promote_by_hand(workspace, store, model_id, reason, author)
    except RadinetError as err:
        return "error", str(err)
    except ImportError as err:
        return "error", f"Publishing is not available in this installation ({err.name or err})."
    except Exception as err:  # noqa: BLE001 - shown in the panel
        return "error", f"The model could not be published: {err.__class__.__name__}: {err}"


def _published(workspace, model_id: str) -> bool:
    from core.store import registry

    with workspace.connect() as store:
        return registry.champion_id(store, registry.get(store, model_id)["task"]) == model_id


def publish_by_hand(workspace, model_id: str, reason: str, author: str, stop: threading.Event | None = None) -> dict:
    """Publish ``model_id`` in a spawned child process; returns promote_by_hand's result."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")   # never fork a process that runs Qt threads
    with ctx.Pool(1) as pool:
        pending = pool.apply_async(_promote_in_child, (str(workspace.path), model_id, reason, author))
        while not pending.ready():
            pending.wait(CHILD_POLL_S)
            if stop is not None and stop.is_set() and not pending.ready():
                pool.terminate()
                # The kill may land after the registry's one-row publish event: say what is true now.
                if _published(workspace, model_id):
                    raise InputError(f"Cancel came too late: {model_id} had already been published.")
                raise InputError("Publishing was cancelled; the published model is unchanged.")
        status, payload = pending.get()
    if status != "ok":
        raise RadinetError(payload)
    return payload

