"""radinet models list|promote ID|rollback|gc|compare A B: the model registry."""

from __future__ import annotations

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = ("list registered models, publish one (promote ID), withdraw the published one (rollback), "
        "remove unregistered model files (gc) or score two on the same studies (compare A B)")


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("action", choices=["list", "promote", "rollback", "gc", "compare"])
    parser.add_argument("model_id", nargs="?", help="model to promote (compare: model A)")
    parser.add_argument("other_model_id", nargs="?", help="compare: model B")
    parser.add_argument("--split", choices=["val", "test", "all"], default="val",
                        help="compare: the studies both models are scored on (fracture models: the labelled ones; "
                             "body-part models: those with a known body part; default: the locked "
                             "validation split)")
    parser.add_argument("--task", default="fracture",
                        help="task to roll back (fracture | body_part | fracture:wrist for a body part's own model)")
    parser.add_argument("--reason", default=None)
    parser.add_argument("--older-than-minutes", type=float, default=10.0,
                        help="gc: keep orphan files younger than this (a training may be publishing them)")
    parser.add_argument("--dry-run", action="store_true", help="gc: list what would be removed")


def _auc(m: dict) -> str:
    if m["val_auc"] is None:
        return "n/a"
    ci = m.get("val_auc_ci")
    return f"{m['val_auc']:.3f}" + (f" (95 % CI {ci[0]:.2f}-{ci[1]:.2f})" if ci else "")


def run(args) -> int:
    from core.errors import InputError
    from core.store.workspace import current_user
    from core.store import registry

    ws = open_workspace(args)
    if args.action == "compare":
        from core.evaluation.compare import compare_models, describe_comparison

        if not (args.model_id and args.other_model_id):
            raise InputError("Name the two models to compare, e.g. 'radinet models compare MODEL_A MODEL_B'.")
        result = compare_models(ws, args.model_id, args.other_model_id, split=args.split)
        emit(args, result, describe_comparison(result))
        return 0
    if args.action == "gc":
        from core.store.model_gc import collect

        if args.older_than_minutes < 0:
            raise InputError("--older-than-minutes cannot be negative.")
        result = collect(ws, grace_s=args.older_than_minutes * 60, dry_run=args.dry_run)
        verb = "Would remove" if args.dry_run else "Removed"
        text = (f"{verb} {len(result.removed)} unregistered model file(s), {result.bytes_freed / 1e6:.1f} MB"
                + (f"; kept {len(result.kept_young)} younger than {args.older_than_minutes:g} minutes"
                   if result.kept_young else "") + ".")
        emit(args, result.as_dict(), text)
        return 0
    with ws.connect() as store:
        if args.action == "list":
            models = registry.list_models(store)
            lines = [f"{'*' if m['published'] else ' '} {m['model_id']}  {m['task']:<14} {m['stage']:<12} "
                     f"val AUC {_auc(m)}  "
                     f"parent {m['parent_id'] or '-'}  ({m['last_event']}: {m['reason'] or ''})" for m in models]
            emit(args, {"models": models}, "\n".join(lines) or "No models yet.")
            return 0
        if args.action == "promote":
            if not args.model_id:
                raise InputError("Name the model to promote, e.g. 'radinet models promote MODEL_ID'.")
            from trainer.publish import promote_by_hand

            result = promote_by_hand(ws, store, args.model_id, args.reason or "promoted by the user", current_user())
            promotion = result.get("promotion") or {}
            # The user sees what the promotion rule measured before it was overridden.
            why = f" The promotion rule had said: {promotion['reason']}" if promotion.get("reason") else ""
            emit(args, result, f"{args.model_id} is now the published {result['scope']} model.{why}")
            return 0
        withdrawn, now = registry.rollback(store, args.task, current_user(), args.reason or "rolled back by the user")
        emit(args, {"rolled_back": withdrawn, "published": now},
             f"{withdrawn} withdrawn; published {args.task} model is now {now or 'none'}.")
    return 0
