"""Child process for the SIGKILL durability test: add labels forever, print each id once it is committed.

Usage: python -m tests.security.label_writer WORKSPACE STUDY_ID WRITER_NAME
"""

from __future__ import annotations

import sys


def main() -> None:
    from core.store import Workspace

    ws = Workspace.open(sys.argv[1])
    study_id, writer = int(sys.argv[2]), sys.argv[3]
    with ws.connect() as store:
        i = 0
        while True:
            value = "positive" if i % 2 else "negative"
            label_id = store.add_label(study_id, "fracture", value, "radiologist", writer)
            # Acknowledged only after add_label returned (its transaction committed).
            sys.stdout.write(f"{label_id}\n")
            sys.stdout.flush()
            i += 1


if __name__ == "__main__":
    main()
