#!/usr/bin/env bash
# Install RadiNet Studio on an offline workstation from a wheelhouse folder (no network used).
#   install.sh WHEELHOUSE [VENV_DIR]
# VENV_DIR defaults to the user's data folder (~/.local/share/RadiNet Studio/venv). Creates a
# `radinet` launcher in ~/.local/bin and a desktop entry in ~/.local/share/applications
# (RADINET_BIN_DIR / RADINET_APPLICATIONS_DIR override them). Needs python3 (3.10-3.13) with venv.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: install.sh WHEELHOUSE [VENV_DIR]  (WHEELHOUSE: the folder of .whl files)" >&2
    exit 2
fi
WHEELHOUSE="$(cd "$1" && pwd)"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
VENV="${2:-$DATA_HOME/RadiNet Studio/venv}"
BIN_DIR="${RADINET_BIN_DIR:-$HOME/.local/bin}"
APPS_DIR="${RADINET_APPLICATIONS_DIR:-$DATA_HOME/applications}"
PACKAGE="${RADINET_PACKAGE:-radinet-studio}"
PYTHON="${PYTHON:-python3}"

if ! ls "$WHEELHOUSE"/*.whl >/dev/null 2>&1; then
    echo "install.sh: $WHEELHOUSE holds no .whl files; build it with 'make wheelhouse'." >&2
    exit 2
fi
echo "Creating the virtual environment in $VENV"
"$PYTHON" -m venv "$VENV"
CONSTRAINTS=()
[ -f "$WHEELHOUSE/constraints.txt" ] && CONSTRAINTS=(--constraint "$WHEELHOUSE/constraints.txt")
# --no-index: never contact a package index, only the wheelhouse; an empty PIP_CONSTRAINT and
# PIP_CONFIG_FILE=/dev/null keep a machine-wide pip configuration from adding indexes or constraints.
PIP_CONFIG_FILE=/dev/null PIP_CONSTRAINT= "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet \
    --no-index --find-links "$WHEELHOUSE" "${CONSTRAINTS[@]}" "$PACKAGE"

mkdir -p "$BIN_DIR" "$APPS_DIR"
LAUNCHER="$BIN_DIR/radinet"
cat > "$LAUNCHER" <<LAUNCH
#!/usr/bin/env bash
# RadiNet Studio launcher (written by install.sh)
exec "$VENV/bin/radinet" "\$@"
LAUNCH
chmod +x "$LAUNCHER"
cat > "$APPS_DIR/radinet-studio.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=RadiNet Studio
Comment=Radiograph reading workstation (research use, not for diagnostic use)
Exec="$LAUNCHER" gui
Terminal=false
Categories=Science;MedicalSoftware;
DESKTOP
echo "Installed: $("$LAUNCHER" --version | head -1)"
echo "Launcher: $LAUNCHER    Desktop entry: $APPS_DIR/radinet-studio.desktop"
