#!/usr/bin/env bash
# Lint, then run the test suite on SQLite and on PostgreSQL; extra arguments go to both pytest runs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash .ci/setup.sh || exit 1

failed=()

echo "== ruff"
.venv/bin/ruff check . || failed+=(ruff)

# pytest exits 5 when it collects no tests; that counts as a failure here, since CI must run real tests.
echo "== tests on SQLite"
env -u IMREADY_TEST_DATABASE_URL .venv/bin/python -m pytest -q "$@" || failed+=("tests on SQLite")

echo "== tests on PostgreSQL"
trap 'bash .ci/pg.sh stop' EXIT
if url=$(bash .ci/pg.sh start); then
  IMREADY_TEST_DATABASE_URL=$url .venv/bin/python -m pytest -q "$@" || failed+=("tests on PostgreSQL")
else
  failed+=("PostgreSQL server start")
fi

if ((${#failed[@]})); then
  printf '== FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "== all passed"
