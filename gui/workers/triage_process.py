"""Triage's own process: one pass of the published models over the studies they have not predicted yet.

In a thread of the workstation's process, triage shares the interpreter lock
and, through onnxruntime's worker threads, the processor with the GUI thread:
every decode, resize and forward delayed the event loop (bench/bench_triage.py
measured p99 lateness well above the 50 ms goal). In its own process at a
lower priority the operating system gives the reader's process the processor
first, and the pass uses what is left. This module imports no Qt: it is what
the child process runs; gui/workers/triage.py starts it and turns its
messages into signals. Each study is predicted by its body part's own
published model, else by the all-parts one (each opened once, when a study
first needs it).

Messages on the queue:
    ("model", models, total)              the pass starts (total studies to predict); models: the published
                                          models in words (core.store.published.describe: one all-parts
                                          model is just its id; "" when none is published)
    ("triaged", study_id, model_id, p)    a study was predicted (by model_id) and recorded
    ("failed", study_id, sentence)        study_id 0: the models themselves could not be read
    ("progress", done)                    after each study, whether it was predicted, skipped or failed
    ("end", None)                         the pass is over (finished, stopped, or failed)
"""

from __future__ import annotations

# The reader's process must win the processor on a 2-core PC (the training process uses the same).
TRIAGE_NICENESS = 10


def run_pass(workspace_path: str, task: str, queue, stop) -> None:
    """Child process entry: predict and record every study its published ``task`` model has not predicted."""
    from gui.workers.child_process import lower_priority

    lower_priority(TRIAGE_NICENESS)
    try:
        triage_pass(workspace_path, task, queue, stop)
    except Exception as err:  # noqa: BLE001 - the workstation says it; the reader can still read
        queue.put(("failed", 0, f"Triage stopped: {err}"))
    finally:
        queue.put(("end", None))


def triage_pass(workspace_path: str, task: str, queue, stop, open_predictor=None) -> None:
    """The pass itself (also run in-process by tests and by a workstation given a predictor factory).

    ``open_predictor(workspace)``: a predictor factory as gui.workers.predictors takes it (tests'
    fakes); without it every published model of the task is opened from the workspace.
    """
    from core.store.published import describe
    from core.store.triage import studies_to_predict
    from core.store.workspace import Workspace
    from gui.workers.predictors import PublishedPredictors
    from gui.workers.triage_pass import predict_and_store

    workspace = Workspace.open(workspace_path, create=False)
    predictors = PublishedPredictors(workspace, task, open_predictor)
    store = workspace.connect()
    try:
        try:
            predictors.refresh(store)
        except Exception as err:  # noqa: BLE001 - the reading view says the same; here: no triage
            queue.put(("failed", 0, f"Triage paused: the published models could not be opened ({err})."))
            return
        todo = studies_to_predict(store, predictors.models, task)
        queue.put(("model", describe(predictors.models, task), len(todo)))
        for done, (study_id, model_id) in enumerate(todo, start=1):
            if stop.is_set():
                return
            try:
                result = predict_and_store(workspace, store, predictors.get(model_id), study_id, task)
            except Exception as err:  # noqa: BLE001 - one bad study must not stop the others
                queue.put(("failed", study_id, f"No prediction for this study: {err}"))
            else:
                if result is not None:
                    queue.put(("triaged", study_id, result.model_id, result.probability))
            queue.put(("progress", done))
    finally:
        store.close()
