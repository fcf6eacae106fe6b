#!/usr/bin/env bash
# Installs what the server's end-to-end tests drive (OfficialClientsTest, WebChatTest):
#   node_modules/          the openai and playwright-core npm packages, from package-lock.json (npm ci)
#   ../../../target/openai-venv   a Python venv with the openai package (requirements.txt), when python3 can make one
#   chromium               Debian's package, when run as root with --chromium (CI)
# Each step that cannot be done says so; the tests skip what is missing with a message naming this script.
set -uo pipefail
cd "$(dirname "$0")"
if command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error || echo "setup: npm ci failed: the npm client tests will try again"
else
  echo "setup: no npm on this machine: the npm client and browser tests will be skipped"
fi
venv=../../../target/openai-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openai" 2>/dev/null; then
  # the machine's pip configuration names its package index (extra-index-url); use the first one as the
  # only index so pip does not wait for one that cannot be reached
  index=$(pip config list 2>/dev/null | sed -n "s/^global.extra-index-url='\([^ ']*\).*/\1/p" | head -1)
  if python3 -m venv "$venv" 2>/dev/null; then
    env PIP_RETRIES=0 PIP_DISABLE_PIP_VERSION_CHECK=1 ${index:+PIP_INDEX_URL=$index} \
      "$venv/bin/pip" install -q -r requirements.txt || { echo "setup: pip could not install openai: the Python client test will be skipped"; rm -rf "$venv"; }
  else
    echo "setup: python3 cannot make a venv: the Python client test will be skipped"
  fi
fi
if [ "${1:-}" = "--chromium" ] && ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "setup: chromium could not be installed: the browser test will be skipped"
fi
