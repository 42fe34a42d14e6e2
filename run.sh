#!/usr/bin/env bash
# The project's two commands (see README.md):
#   bash run.sh app          set up .venv if needed, then start the explorer (offline)
#   bash run.sh test [ARGS]  set up .venv if needed, then run the test suite (ARGS go to pytest)
set -euo pipefail
cd "$(dirname "$0")"

# Never wait on the network for model weights; a user who wants downloads sets
# POOLING_ALLOW_DOWNLOADS=1 (see README).
if [ "${POOLING_ALLOW_DOWNLOADS:-0}" != "1" ]; then
  export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
fi
export HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false

ensure_venv() {
  local stamp
  stamp=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ]; then
    echo "[run.sh] creating .venv" >&2
    python3 -m venv .venv
  fi
  if [ "$(cat .venv/.requirements-stamp 2>/dev/null)" != "$stamp" ]; then
    echo "[run.sh] installing requirements into .venv (first run: a few minutes)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install --quiet -r requirements.txt
    # colpali-engine without its torchvision dependency (see requirements-nodeps.txt).
    .venv/bin/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
    .venv/bin/python -m pip uninstall --quiet --yes torchvision >/dev/null 2>&1 || true
    echo "$stamp" > .venv/.requirements-stamp
  fi
}

ensure_chromium() {
  # The browser tests drive Debian's Chromium through Playwright (Playwright's own
  # browser download does not work offline). Install it when missing and we can.
  if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then return; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[run.sh] installing Debian's chromium for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "[run.sh] could not install chromium; browser tests will be skipped" >&2
  else
    echo "[run.sh] chromium not found and not root; browser tests will be skipped" >&2
  fi
}

cmd="${1:-app}"
shift || true
case "$cmd" in
  app)
    ensure_venv
    exec .venv/bin/python -m streamlit run app.py --server.fileWatcherType none "$@"
    ;;
  test)
    ensure_venv
    ensure_chromium
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: bash run.sh app | bash run.sh test [pytest args]" >&2
    exit 2
    ;;
esac
