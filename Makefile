# Quick start: `make run` (set up and run the app), `make test` (set up and pass the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean gui-libs gui-test-libs check-wheel bundle bundle-smoke

# Debian packages the window needs (Qt's xcb platform, EGL/GL, fonts, PulseAudio for QtMultimedia),
# and Xvfb for the screenshot test.  Installed once, only when one is missing (as root, else with sudo).
GUI_DEBS := libportaudio2 fonts-dejavu-core libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libpulse0 libx11-xcb1 \
	libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1
# PortAudio for live listening; a PulseAudio server whose null sink stands in for a microphone in the tests;
# the desktop's validators for the desktop entry and AppStream metainfo in resources/ (tests and check-wheel), and
# GLib's launcher (gio, libglib2.0-bin) that starts the installed entry as a desktop does (tests/test_desktop_entry.py);
# AMR encoders (libopencore-amrnb0, libvo-amrwbenc0) and a Musepack one (musepack-tools' mpcenc) for the files tests/audio/test_reader.py
# writes (FFmpeg here decodes both formats, and encodes neither).
GUI_TEST_DEBS := $(GUI_DEBS) xvfb xauth pulseaudio pulseaudio-utils libasound2-plugins desktop-file-utils appstream \
	libglib2.0-bin strace libopencore-amrnb0 libvo-amrwbenc0 musepack-tools
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# A package counts as there when installed or provided by an installed one: Ubuntu 24.04 has no libglib2.0-0,
# only libglib2.0-0t64 providing it (the 64-bit time_t rename), and asking dpkg for the name alone had every
# `make run` there run sudo apt-get again.  Only the packages missing are installed.
define install_debs
	@if command -v dpkg >/dev/null; then \
		provided=$$(dpkg-query -W -f '$${db:Status-Abbrev}|, $${Provides},\n' 2>/dev/null | sed -n 's/^ii *|//p'); \
		missing=; for package in $(1); do \
			dpkg -s $$package >/dev/null 2>&1 || case "$$provided" in \
				*", $$package "*|*", $$package,"*) ;; *) missing="$$missing $$package" ;; esac; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "installing system packages:$$missing"; \
			$(SUDO) apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		fi; \
	fi
endef

gui-libs:
	$(call install_debs,$(GUI_DEBS))

gui-test-libs:
	$(call install_debs,$(GUI_TEST_DEBS))

# Debian's and Ubuntu's Python comes without the pip a venv starts with (ensurepip): `python3 -m venv` then
# stops at "ensurepip is not available" and leaves a .venv without pip.  Its package, when that is so.
VENV_DEB := $(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null || \
	$(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])' 2>/dev/null)

# The Python pyproject.toml's requires-python asks for (">=3.11,<3.12": 3.11).  A venv made with another one
# failed at `pip install -e .` and stayed, and `make run PYTHON=python3.11` then kept its bin/python.
PYTHON_NEEDED := $(shell sed -n 's/^requires-python = ">=\([0-9]*\.[0-9]*\),.*/\1/p' pyproject.toml)
is_needed_python = $(1) -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(PYTHON_NEEDED)")' 2>/dev/null

# setuptools' note on every editable install, a 9-line '!! … Please be careful with folders in your working
# directory with the same name as your package' banner even under --quiet: here that folder is the package.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

# The app alone: no torch, no test tools.
$(VENV)/.app: pyproject.toml
	@$(call is_needed_python,$(PYTHON)) || { echo "error: musictagger needs Python $(PYTHON_NEEDED), and $(PYTHON) is" \
		"$$($(PYTHON) --version 2>/dev/null || echo not there): make $(or $(MAKECMDGOALS),run) PYTHON=python$(PYTHON_NEEDED)"; exit 1; }
	@if [ -e $(BIN)/python ] && ! $(call is_needed_python,$(BIN)/python); then \
		echo "$(VENV) was made with another Python: making it again"; rm -rf $(VENV); fi
	$(if $(VENV_DEB),$(call install_debs,$(VENV_DEB)))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(EDITABLE) $(BIN)/pip install --quiet -e .
	touch $@

# The torch the train extra pins (pyproject.toml), and PyTorch's index of its CPU-only builds.  PyPI's Linux wheel of
# the same version requires CUDA's libraries: 19 CUDA packages (cuDNN, cuBLAS, NCCL, triton …: gigabytes)
# that a pin alone does not keep out.  Installed first and alone from that index (its own requirements then come
# from PyPI with the extras), it is the torch the extras' pin finds there.
TORCH_PIN := $(shell sed -n 's/^ *"\(torch==[^"]*\)".*/\1/p' pyproject.toml)
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu

# Everything: training extra (torch, CPU build) and test tools.
$(VENV)/.dev: $(VENV)/.app
	$(BIN)/pip install --quiet --no-deps --index-url $(TORCH_CPU_INDEX) "$(TORCH_PIN)"
	$(EDITABLE) $(BIN)/pip install --quiet -e ".[train,dev]"
	touch $@

# Opens the window, with FILES="a.mp3 b.flac" (files or folders) queued for analysis.
run: $(VENV)/.app gui-libs
	$(BIN)/musictagger-gui $(FILES)

# The suite in two parts, each in two processes (pytest-xdist), a module each: first everything but the window's
# and live audio's tests, handed out in collection order (the training modules, which take minutes, first:
# tests/conftest.py); then those, apart from that CPU-bound part, as they wait on real time and a real sound
# server (most of their time is waiting: two processes took 2:50 where one took 3:52).  The tests that play into the
# virtual microphone, which is one test's at a time (tests/live/pulse.py), all go to one process, first, while the
# other runs the rest (tests/xdist_groups.py).
test: $(VENV)/.dev gui-test-libs
	$(BIN)/ruff check musictagger tests bench packaging resources setup.py
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --ignore=tests/gui --ignore=tests/live
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/gui tests/live
	@$(MAKE) --no-print-directory check-wheel

# The wheel as a user installs it: built, installed into a fresh venv outside the checkout, run there.
check-wheel: $(VENV)/.dev gui-test-libs
	packaging/check_wheel.sh $(BIN)/python

# The Linux desktop bundle: dist/musictagger/ and dist/musictagger-VERSION-linux-ARCH.tar.gz, built in
# its own venv (.venv-bundle, the `bundle` extra: PyInstaller); bundle-smoke runs it under Xvfb.
bundle: gui-libs
	packaging/build_bundle.sh $(PYTHON)

bundle-smoke: gui-test-libs
	$(call install_debs,xdotool)
	packaging/smoke.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check musictagger tests bench packaging resources setup.py
	$(BIN)/ruff format --check musictagger tests bench packaging resources setup.py

clean:
	rm -rf $(VENV) .venv-bundle build dist .pytest_cache .ruff_cache
