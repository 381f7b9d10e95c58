"""Attacker test: two rebuilds over the same entries must withhold the same cells. If the complementary pattern
followed Python's per-process hash order, one release could show the partner another withheld, and the two
together would give a small group away by difference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# One process: a random population's cohort counts (fixed seed), suppressed at k = 5, printed sorted.
SCRIPT = """
import json, sys
import numpy as np
sys.path[:0] = ["tests", "tests/storage"]
from test_release_identical import random_population
from assessment.classifications import load_industries, load_regions
from assessment.cohorts.statistics import compute_stats
from assessment.cohorts.suppression import suppress
regions, industries = load_regions(), load_industries()
country = regions.country.code
population = random_population(np.random.default_rng(int(sys.argv[1])), int(sys.argv[2]), 2)
counts = {cell: data["count"] for cell, data in compute_stats(population, country).items()}
hidden = suppress(counts, 5, country, lambda code: regions.get(code).parent_code, lambda code: industries[code].type)
print(json.dumps(sorted([list(cell), reason] for cell, reason in hidden.items())))
"""


def withheld_in_a_process(hash_seed: str, seed: int, n: int) -> list:
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(seed), str(n)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_withheld_cells_do_not_depend_on_the_process():
    for seed, n in ((1, 60), (2, 90), (3, 120)):
        patterns = [withheld_in_a_process(hash_seed, seed, n) for hash_seed in ("1", "2", "3", "4")]
        assert len(patterns[0]) > 10  # enough small groups and complements for the order to matter
        assert all(pattern == patterns[0] for pattern in patterns[1:])
