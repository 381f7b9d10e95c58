#!/usr/bin/env bash
# Install whatever the app and its tests need that is not there yet; cheap to re-run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[setup] %s\n' "$*"; }

# Chromium drives the browser tests and draws report charts, Pango lays out WeasyPrint's text, poppler-utils reads
# PDFs back, Noto CJK renders Chinese in PDFs, PostgreSQL is the second database the tests run against.
apt_packages=(chromium libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fonts-noto-cjk postgresql)
missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  say "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "apt: ${apt_packages[*]} present"
fi

if [[ ! -x .venv/bin/python ]]; then
  say "venv: creating .venv with $(python3 --version)"
  python3 -m venv .venv
fi

# The stamp is written only after a successful install, so a failed run retries next time.
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [[ -f $stamp && $(<"$stamp") == "$wanted" ]]; then
  say "pip: requirements.txt unchanged since last install"
else
  say "pip: installing requirements.txt"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$wanted" >"$stamp"
fi

if compgen -G 'translations/*/LC_MESSAGES/*.po' >/dev/null; then
  say "babel: compiling translations"
  .venv/bin/pybabel compile -d translations
else
  say "babel: no message catalogs to compile"
fi

say "done"
