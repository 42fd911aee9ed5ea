#!/usr/bin/env bash
# Download all wheels RadiNet Studio needs into installer/wheelhouse for an offline install.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip download --dest installer/wheelhouse --only-binary=:all: '.[test]'
echo "Wheelhouse ready: $(ls installer/wheelhouse | wc -l) files in installer/wheelhouse"
