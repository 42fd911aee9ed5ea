"""Suite-wide test settings: the hypothesis profiles, and a word on free disk space.

Property tests are derandomized by default: every run draws the same examples
(from a seed derived from each test), and no example database is written into
the checkout. Why by default and not only when CI is set: the suite is the
gate for landing changes, and CI here is `.ci/run` -> `make test`, which does
not promise a CI variable; a red build must fail the same way when re-run on
the same commit, and a build must never turn red by chance on a change that did
not touch the code under test. Exploring for new failing inputs is a separate,
deliberate activity: RADINET_HYPOTHESIS_EXPLORE=1 gives hypothesis's random
search with its example database (.hypothesis/), which replays a failure on the
next run; bench/fuzz_dicom.py does the same for DICOM files at length. With CI
or RADINET_CI set, the deterministic profile is used whatever else is set.

Tests that set their own ``@settings(max_examples=...)`` keep those values and
inherit the rest from the profile loaded here (conftest.py is imported before
any test module).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)

_explore = os.environ.get("RADINET_HYPOTHESIS_EXPLORE") and not (os.environ.get("CI") or os.environ.get("RADINET_CI"))
settings.load_profile("explore" if _explore else "deterministic")


# A run holds up to about 3 GB in its temporary folder at once (the session's demo workspaces and
# the exported ResNet-18s of the test that is running; pyproject.toml deletes each passing test's
# folder). Below this, say so at the top of the run: a full disk fails tests far from the cause.
_FREE_SPACE_NEEDED = 4 * 1024**3


def free_space_warning(folder: str) -> str | None:
    """One sentence when ``folder`` has less free space than a run needs, else None."""
    free = shutil.disk_usage(folder).free
    if free >= _FREE_SPACE_NEEDED:
        return None
    return (f"WARNING: {folder} has {free / 1024**3:.1f} GB free and the tests need about "
            f"{_FREE_SPACE_NEEDED / 1024**3:.0f} GB; free some space or point TMPDIR at a larger disk.")


def pytest_sessionstart(session):
    # Printed even under -q (make test), where pytest shows no header.
    warning = free_space_warning(tempfile.gettempdir())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if warning and reporter:
        reporter.write_line(warning, yellow=True, bold=True)
