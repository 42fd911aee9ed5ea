"""Label unlabelled studies from their reports: the same code as ``radinet reports label``, for a JobThread.

core.reports.autolabel.label_workspace trains the report labeller on the
studies with a trusted label, cross-validates it, and only then, in one
transaction, writes nlp labels above the threshold for the target precision
and queues the rest for review. Cancel is honoured through the progress
callback, which the labeller calls during training and cross-validation --
before anything is written -- so a cancelled run leaves the workspace as it
was; once writing starts it completes (one transaction).
"""

from __future__ import annotations

from core.errors import InputError

DEFAULT_PRECISION = 0.98     # the CLI's default (radinet reports label --precision)


def label_from_reports(workspace, progress=None, stop=None, precision: float = DEFAULT_PRECISION) -> dict:
    from core.reports.autolabel import label_workspace

    def report(done, total=None, message=""):
        if stop is not None and stop.is_set():
            raise InputError("Labelling from reports was cancelled before any label was written.")
        if progress is not None:
            progress(done, total, message)

    with workspace.connect() as store:
        return label_workspace(store, target_precision=precision, progress=report)


def load_review_items(workspace) -> list:
    from core.store.review import review_items

    with workspace.connect() as store:
        return review_items(store)


def summary_text(s: dict) -> str:
    """The CLI's summary, in the same words."""
    from core.reports.coverage import review_reasons

    t = s["thresholds"]
    fmt = lambda v: "never" if v is None else f"{v:.3f}"  # noqa: E731
    return (f"Trained on {s['trained_on']} labelled reports ({s['training_positives']} positive). "
            f"Labels are written only where the labeller is sure enough for precision {s['target_precision']}: "
            f"positive at p ≥ {fmt(t['positive'])}, negative at p ≤ {fmt(t['negative'])}.\n"
            f"Unlabelled studies with a report: {s['candidates']} ({s['already_decided']} already decided). "
            f"Labelled now: {s['labelled']} ({s['labelled_positive']} positive, {s['labelled_negative']} "
            f"negative); sent to review: {s['sent_to_review']}{review_reasons(s)}; "
            f"waiting for review: {s['review_queue']}.")
