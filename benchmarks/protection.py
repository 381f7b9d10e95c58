"""Print what the protection of released statistics costs users: the share of cohorts withheld, and how far the
perturbed figures lie from exact ones, by cohort size.

    .venv/bin/python benchmarks/protection.py [--database-url URL] [--count 5000] [--seed 2026]

Without --database-url it loads the demo population (`flask demo load`: --count enterprises, --seed) into a
throwaway SQLite file first, as `make run` does. `benchmarks/benchmarks.py` prints the same figures for its million
assessments.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from assessment.classifications import load_regions  # noqa: E402
from assessment.cohorts.groups import release_scales  # noqa: E402
from assessment.cohorts.statistics import compute_stats  # noqa: E402
from questionnaires.catalog import Catalog  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.demo import PERIODS, load_demo  # noqa: E402
from storage.releases import withheld_cells  # noqa: E402
from storage.statistics import load_population  # noqa: E402

BUCKETS = ((5, "5-9"), (10, "10-49"), (50, "50-499"), (500, "500+"))


def protection_cost(engine: Engine, catalog: Catalog, questionnaire_id: str, periods, k: int) -> None:
    """Per period: the share of cohorts withheld (groups under k and their complements; the perturbation withholds
    nothing more), and |released - exact| of the overall mean (0-5) and of the share at the modal level, median
    by cohort size."""
    country = load_regions().country.code
    questionnaire = catalog.get(questionnaire_id)
    with Session(engine, expire_on_commit=False) as session:
        for period in periods:
            exact = load_population(session=session, catalog=catalog, questionnaire_id=questionnaire_id,
                                    period=period)
            if not len(exact):
                continue
            released = exact.released(*release_scales(questionnaire, exact.node_ids))
            true_cells, noisy_cells = compute_stats(exact, country), compute_stats(released, country)
            hidden = withheld_cells({cell: data["count"] for cell, data in true_cells.items()}, k)
            overall = questionnaire.overall_node.id
            print(f"  {period}: {len(exact):,} entries; {len(hidden):,} of {len(true_cells):,} cohorts withheld "
                  f"({len(hidden) / len(true_cells):.1%}), the same before and after the perturbation; every "
                  f"figure shown is perturbed. Median |released - exact| by cohort size:")
            buckets: dict[str, tuple[list[float], list[float]]] = {}
            for cell, data in true_cells.items():
                if cell in hidden:
                    continue
                n = data["count"]
                bucket = next(name for floor, name in reversed(BUCKETS) if n >= floor)
                true_node, noisy_node = data["nodes"][overall], noisy_cells[cell]["nodes"][overall]
                levels_true, levels_noisy = np.array(true_node[6:]), np.array(noisy_node[6:])
                modal = int(levels_true.argmax())
                means, shares = buckets.setdefault(bucket, ([], []))
                means.append(abs(noisy_node[1] - true_node[1]))
                shares.append(abs(levels_noisy[modal] - levels_true[modal]) / n)
            for _, bucket in BUCKETS:
                if bucket in buckets:
                    means, shares = buckets[bucket]
                    print(f"    {bucket:>7} enterprises: {len(means):>7,} cohorts shown   overall mean "
                          f"{statistics.median(means):.3f}   share at the modal level {statistics.median(shares):.1%}",
                          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database with entries (default: a fresh demo population)")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--questionnaire", default="quick_check")
    arguments = parser.parse_args()
    catalog = Catalog.load(ROOT / "questionnaires")
    url = arguments.database_url
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.db'}"
        upgrade(url)
        print(f"loading {arguments.count:,} demo enterprises (seed {arguments.seed}) into {url}", flush=True)
        with Session(make_engine(url), expire_on_commit=False) as session:
            load_demo(session=session, catalog=catalog, count=arguments.count, seed=arguments.seed,
                      questionnaire_id=arguments.questionnaire, k=5)
    protection_cost(make_engine(url), catalog, arguments.questionnaire, PERIODS, 5)


if __name__ == "__main__":
    main()
