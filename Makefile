.PHONY: setup run test

setup:
	bash .ci/setup.sh

run: setup
	.venv/bin/flask --app app db upgrade
	.venv/bin/flask --app app reference import-published assessment/data/published_benchmarks.csv
	.venv/bin/flask --app app demo load
	.venv/bin/flask --app app run --host 127.0.0.1 --port 5000

test:
	bash .ci/test.sh
