"""MkDocs hook: the docs build draws the figures and renders the example notebooks.

Registered under ``hooks:`` in ``mkdocs.yml``; runs in the docs build only. On every build:

- the figures the pages show (``images/*.png``) are drawn from the bundled examples and a
  synthetic county with :mod:`medalliance.plot`, so they always match the code;
- each notebook ``docs/notebooks/NAME.ipynb`` becomes a page ``notebooks/NAME.md`` with its
  text and code (the notebooks are stored without outputs; they are executed by
  ``tests/test_notebooks.py``), next to a download of the ``.ipynb`` file.

Nothing is written into ``docs/``: the files exist only in the build.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files


def _png(ax: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    return buf.getvalue()


def _figures() -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from medalliance import Tier, examples
    from medalliance.accessibility import (
        Population,
        costs_from_coordinates,
        enhanced_two_step_fca,
        supply_from_registry,
    )
    from medalliance.plot import cjk_font, plot_alliance, plot_map
    from medalliance.synthetic import county

    if cjk_font() is None:  # published figures show Chinese names, never the fallback
        msg = "no CJK font for the figures: pip install '.[docs]' (noto-cjk-sans-otc)"
        raise RuntimeError(msg)
    out = {}
    for name, alliance in (
        ("county_township", "county_township_community"),
        ("shanghai_luwan", "luwan_ruijin"),
        ("gangkou", "gangkou_community"),
        ("qinghai_oncology", "qinghai_oncology_centre"),
    ):
        out[f"images/alliance_{name}.png"] = _png(plot_alliance(examples.load(name), alliance))
    reg = county(seed=7, townships=6, villages_per_township=6)
    villages = [i for i in reg.institutions if i.tier is Tier.VILLAGE]
    population = Population(
        [i.id for i in villages],
        [i.population_served for i in villages],
        lat=[i.lat for i in villages],
        lon=[i.lon for i in villages],
    )
    beds = supply_from_registry(reg, tiers=["primary", "secondary"])
    costs = costs_from_coordinates(population, beds, speed_kmh=30, cutoff_min=45)
    result = enhanced_two_step_fca(costs, population, beds)
    assert np.array_equal(result.origin_ids, population.ids)
    out["images/map_synthetic_county.png"] = _png(
        plot_map(
            reg,
            alliance=reg.alliances[0].id,
            accessibility=(population.lon, population.lat, result.values),
            labels="none",
            tiers=["primary", "secondary"],
        )
    )
    return out


def _notebook_page(path: Path) -> str:
    book = json.loads(path.read_text(encoding="utf-8"))
    parts = [
        f"[Download `{path.name}`]({path.name}) · stored without outputs; run it in Jupyter "
        "(`pip install 'medalliance[tables,plot]' jupyter`). CI runs every notebook.\n"
    ]
    for cell in book["cells"]:
        source = "".join(cell["source"]).rstrip()
        if cell["cell_type"] == "markdown":
            parts.append(source + "\n")
        elif cell["cell_type"] == "code":
            parts.append(f"```py\n{source}\n```\n")
    return "\n".join(parts)


def on_files(files: Files, config: Any) -> Files:
    """Add the drawn figures and the notebook pages to the build."""
    for uri, content in _figures().items():
        files.append(File.generated(config, uri, content=content))
    docs = Path(config["docs_dir"])
    for path in sorted((docs / "notebooks").glob("*.ipynb")):
        uri = f"notebooks/{path.stem}.md"
        files.append(File.generated(config, uri, content=_notebook_page(path)))
    return files
