"""Suite-wide test settings: the hypothesis profiles.

Why CI derandomizes and a developer's run does not: a CI run must be
reproducible (a red build re-run on the same commit fails the same way, and
a build never turns red by chance on a change that did not touch the code
under test), so with CI or RADINET_CI set every property test draws the same
examples from a seed derived from the test itself, and writes no example
database into the checkout. A developer's run keeps hypothesis's random
exploration, which is how new failing inputs are found; the example database
(.hypothesis/) replays any failure it found on the next run, and
``print_blob`` prints the line that reproduces it anywhere.

Tests that set their own ``@settings(max_examples=...)`` keep those values and
inherit the rest from the profile loaded here (conftest.py is imported before
any test module).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") or os.environ.get("RADINET_CI") else "dev")
