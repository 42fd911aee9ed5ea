#!/usr/bin/env bash
# Smoke test of a built bundle: installer/smoke_bundle.sh DIST_DIR   (DIST_DIR: e.g. dist/RadiNetStudio)
#
# Runs the bundle's radinet as a user would, with HOME pointed at a fresh temporary folder (nothing of
# this machine's settings or workspaces is read) and Qt offscreen, and prints each step's time:
# --version; demo (a small synthetic workspace); predict without a model (one sentence, exit 2), then
# with a tiny published ONNX model (onnxruntime in the bundle); render of JPEG 2000 and JPEG-LS files and
# of a JPEG Lossless file only GDCM decodes (the bundle starting itself as the decode child); one epoch
# of training (torch in the bundle); the workstation window's screenshot. PYTHON (default: this
# checkout's .venv) only finds pydicom's test files and writes the tiny model; everything timed runs
# from the bundle.
set -euo pipefail

DIST=${1:?usage: smoke_bundle.sh DIST_DIR}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
RADINET=$(cd "$DIST" && pwd)/radinet
[ -x "$RADINET" ] || { echo "smoke: no executable $RADINET (run make bundle first)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export HOME=$TMP/home QT_QPA_PLATFORM=offscreen
unset RADINET_WORKSPACE XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME
mkdir -p "$HOME"
WS=$TMP/ws
LOG=$TMP/step.log

# step NAME EXPECTED_STATUS COMMAND... : runs it, prints its time, fails the smoke on another exit status.
step() {
    local name=$1 expected=$2 status=0 start end
    shift 2
    start=$(date +%s.%N)
    "$@" >"$LOG" 2>&1 || status=$?
    end=$(date +%s.%N)
    printf '%-44s %6.1f s  (exit %s)\n' "$name" "$(awk "BEGIN {print $end - $start}")" "$status"
    if [ "$status" != "$expected" ]; then
        echo "smoke: $name exited $status, expected $expected:" >&2
        tail -n 30 "$LOG" >&2
        exit 1
    fi
}

testdata() {
    "$PYTHON" -c "import sys; from pydicom.data import get_testdata_file as g; print(g(sys.argv[1], download=False))" "$1"
}

step "radinet --version" 0 "$RADINET" --version
grep -q "RadiNet Studio" "$LOG" || { echo "smoke: --version did not name the application" >&2; cat "$LOG" >&2; exit 1; }

# 40 studies: enough of both classes for the training step's split.
step "radinet demo (40 studies)" 0 "$RADINET" demo --workspace "$WS" --studies 40 --seed 1 --json
IMAGE=$(find "$WS" -name '*.dcm' | sort | head -n 1)
[ -n "$IMAGE" ] || { echo "smoke: the demo wrote no DICOM file" >&2; exit 1; }

step "radinet predict (no model yet)" 2 "$RADINET" predict "$IMAGE" --workspace "$WS"
if [ "$(wc -l <"$LOG")" != 1 ] || ! grep -q "No fracture model" "$LOG"; then
    echo "smoke: predict without a model must say so in one sentence:" >&2; cat "$LOG" >&2; exit 1
fi

(cd "$REPO" && "$PYTHON" -c "import sys; from core.store.workspace import Workspace; \
from tests.interop.conftest import publish_tiny_model; publish_tiny_model(Workspace.open(sys.argv[1]))" "$WS")
step "radinet predict (tiny ONNX model)" 0 "$RADINET" predict "$IMAGE" --workspace "$WS" --json
grep -q '"probability"' "$LOG" || { echo "smoke: predict printed no probability" >&2; cat "$LOG" >&2; exit 1; }

for name in MR_small_jp2klossless.dcm MR_small_jpeg_ls_lossless.dcm SC_rgb_jpeg_gdcm.dcm; do
    file=$(testdata "$name")
    step "radinet render $name" 0 "$RADINET" render "$file" --out "$TMP/$name.png"
    [ -s "$TMP/$name.png" ] || { echo "smoke: render of $name wrote no PNG" >&2; exit 1; }
done

# torch in the bundle: one epoch of a small network, kept as a candidate (the tiny model stays published).
step "radinet train (1 epoch, 64 px, cpu)" 0 "$RADINET" train --workspace "$WS" --stage target --init random \
    --epochs 1 --image-size 64 --architecture resnet18 --device cpu --no-promote
grep -q "kept as a candidate" "$LOG" || { echo "smoke: train did not end with a candidate model" >&2; cat "$LOG" >&2; exit 1; }

step "radinet gui --screenshot" 0 "$RADINET" gui --workspace "$WS" --screenshot "$TMP/window.png"
[ -s "$TMP/window.png" ] || { echo "smoke: the workstation wrote no screenshot" >&2; exit 1; }
echo "smoke: all steps passed"
