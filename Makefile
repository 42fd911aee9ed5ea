# RadiNet Studio — the two commands a newcomer needs:
#   make run    install into .venv (first time only) and open the workstation
#               (on a demo workspace when the default workspace is empty)
#   make test   install into .venv (first time only) and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages Qt needs to run (also offscreen): EGL/GL, fonts, xkb, dbus, glib, xcb cursor.
QT_SYSTEM_PACKAGES := libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0

.PHONY: run test install qt-system-deps test-tools bench clean-venv

install: $(STAMP) qt-system-deps test-tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# Installs the Qt system libraries only when Qt cannot load without them: offscreen
# (tests) must start, and the desktop plugin (xcb) must find all its libraries.
qt-system-deps: $(STAMP)
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	install_qt_libs() { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(QT_SYSTEM_PACKAGES); }; \
	if ! QT_QPA_PLATFORM=offscreen $(PY) -c "from PySide6.QtWidgets import QApplication; QApplication([])" >/dev/null 2>&1; then \
		echo "Installing the system libraries Qt needs: $(QT_SYSTEM_PACKAGES)"; install_qt_libs; \
	fi; \
	xcb=$$(ls $(VENV)/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so 2>/dev/null | head -1); \
	if [ -n "$$xcb" ] && ldd "$$xcb" | grep -q "not found"; then \
		echo "Installing the libraries the desktop window (xcb) needs: $(QT_SYSTEM_PACKAGES)"; \
		install_qt_libs || echo "warning: could not install them; offscreen use and the tests still work"; \
	fi

# strace lets the no-network test see native code's connect/sendto (DNS included). Best-effort:
# without it that test still checks that no file is written outside the workspace.
test-tools:
	@command -v strace >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq strace >/dev/null 2>&1 \
		|| echo "warning: could not install strace; the no-network test checks files only"; }

run: install
	$(VENV)/bin/radinet gui --demo-if-empty

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)

# Offline install (README "Install on an offline workstation"): every wheel the app needs,
# pinned to this venv's versions, in dist/wheelhouse/ with install.sh beside them.
WHEELHOUSE ?= dist/wheelhouse
.PHONY: wheelhouse
wheelhouse: $(STAMP)
	nice -n 10 bash installer/build_wheelhouse.sh $(WHEELHOUSE) $(PY)

# One-folder desktop bundle (README "Install on an offline workstation"): dist/RadiNetStudio/radinet,
# built from installer/radinet.spec. PyInstaller goes into .venv only when it is missing; the build is
# CPU-heavy (17-47 minutes at nice 19 on 2 cores shared with a benchmark), hence nice; the bundle is
# 5.1 GB, 3.9 GB of it PyTorch and its CUDA libraries. installer/smoke_bundle.sh DIST_DIR checks it.
PYINSTALLER_REQ := pyinstaller>=6.10,<7
.PHONY: bundle
bundle: $(STAMP)
	@$(PY) -c "import PyInstaller" 2>/dev/null || $(PY) -m pip install --quiet --disable-pip-version-check '$(PYINSTALLER_REQ)'
	nice -n 19 $(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller installer/radinet.spec
	@du -sh dist/RadiNetStudio; du -shc dist/RadiNetStudio/_internal/{torch,torchvision,nvidia} 2>/dev/null | tail -1 | sed 's/total$$/of it torch (torch, torchvision, nvidia CUDA libraries)/'
