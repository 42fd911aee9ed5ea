#!/usr/bin/env bash
# Build an offline wheelhouse: RadiNet Studio's own wheel plus a wheel of every runtime dependency,
# pinned to the versions installed in the build venv (the torch build `make install` uses).
#   installer/build_wheelhouse.sh [WHEELHOUSE_DIR] [PYTHON]
# Copy the folder to the workstation and run installer/install.sh WHEELHOUSE_DIR there (no network).
# The wheels are for this machine's Python version and platform (e.g. CPython 3.11, Linux x86_64).
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELHOUSE="${1:-dist/wheelhouse}"
PY="${2:-.venv/bin/python}"
mkdir -p "$WHEELHOUSE"
# Pin every dependency to what the venv runs (its tests passed with exactly these).
"$PY" -m pip freeze --exclude-editable --disable-pip-version-check > "$WHEELHOUSE/constraints.txt"
# The application wheel and all its runtime dependencies (not the test extra), as wheels: binary
# ones where the index has them, the few source-only packages (grad-cam) built into wheels here,
# so the workstation needs no compiler.
"$PY" -m pip wheel --disable-pip-version-check --quiet --wheel-dir "$WHEELHOUSE" \
    --constraint "$WHEELHOUSE/constraints.txt" --prefer-binary .
cp installer/install.sh "$WHEELHOUSE/install.sh"
echo "Wheelhouse ready: $(ls "$WHEELHOUSE"/*.whl | wc -l) wheels, $(du -sh "$WHEELHOUSE" | cut -f1) in $WHEELHOUSE"
