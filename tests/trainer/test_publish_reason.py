"""What the registry records when a run did not ask to publish (trainer.publish.event_reason)."""

from __future__ import annotations

from core.evaluation.promotion import Decision
from trainer.publish import event_reason

PASSES = Decision(True, "validation AUC 0.85 (95 % CI 0.77–0.92, 103 studies); published because it is not worse")
FAILS = Decision(False, "validation AUC 0.62 (95 % CI 0.41–0.80, 30 studies: 12 positive, 18 negative); kept as a "
                        "candidate because the validation split has 12 positive studies")


def test_a_requested_publication_records_the_rules_verdict_as_it_is():
    assert event_reason(PASSES, requested=True) == PASSES.reason
    assert event_reason(FAILS, requested=True) == FAILS.reason


def test_an_unrequested_one_says_it_stays_a_candidate_and_what_the_rule_would_have_done():
    passed, failed = event_reason(PASSES, requested=False), event_reason(FAILS, requested=False)
    # The bench's control refresh read "publishing was not requested (… published because …)".
    assert passed.startswith("kept as a candidate: publishing was not requested")
    assert "the promotion rule would have published it: validation AUC 0.85" in passed
    assert "the promotion rule would not have published it either: validation AUC 0.62" in failed
