"""Write the site suites' task files from the seeded databases.

Run ``python -m palaestra.tasks.webarena.generate`` (``--check`` to compare only).

Each template's instances are drawn with a random generator seeded by the template's key, over the
current build of its dataset, so the same recipe gives the same files; ``--check`` fails when the
committed files differ from what the seed gives now (the test suite runs it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
#: Task ids of each suite start here (WebArena's own ids are 0-811).
ID_BASE = {
    "shop": 1000, "shop-admin": 2000, "forum": 3000, "code": 4000, "wiki": 5000, "cross": 6000, "map": 7000,
}  # fmt: skip


def generate(suite: str) -> list[dict[str, Any]]:
    from palaestra.sites.build import built
    from palaestra.sites.registry import get_site
    from palaestra.tasks.webarena.templates import TEMPLATES
    from palaestra.tasks.webarena.templates.base import Seed

    tasks: list[dict[str, Any]] = []
    template_ids: dict[str, int] = {}
    for template in (t for t in TEMPLATES.values() if t.site == suite):
        # A cross-site template names its sites, the first one's seed answering and starting it.
        sites = list(template.sites or (suite,))
        site = get_site(sites[0])
        seed = Seed(built(site.dataset), {s: built(get_site(s).dataset) for s in sites})
        template_id = template_ids.setdefault(template.intent_template, ID_BASE[suite] + len(template_ids))
        for index, instance in enumerate(template.instances(seed, random.Random(template.key))):
            start = instance.start or template.start
            tasks.append(
                {
                    "sites": sites,
                    "task_id": ID_BASE[suite] + len(tasks),
                    "require_login": template.login,
                    "storage_state": f"./.auth/{'.'.join(sites)}_state.json" if template.login else None,
                    "start_url": site.placeholder + start,
                    "geolocation": None,
                    "intent_template": template.intent_template,
                    "instantiation_dict": instance.values,
                    "intent": template.intent(instance.values),
                    "require_reset": "db_state" in instance.eval["eval_types"],
                    "eval": instance.eval,
                    "intent_template_id": template_id,
                    **({"login_as": template.login_as} if template.login_as else {}),
                    "name": f"{template.key}-{index}",
                    "template": template.key,
                }
            )
    return tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suites", nargs="*", default=list(ID_BASE))
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead")
    args = parser.parse_args(argv)
    stale = []
    for suite in args.suites:
        text = json.dumps(generate(suite), indent=1, ensure_ascii=False) + "\n"
        path = DATA / f"{suite}.json"
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(suite)
        else:
            path.write_text(text)
            print(f"{path}: {text.count(chr(10) + ' {')} tasks")
    if stale:
        print(
            f"Task files out of date: {', '.join(stale)}. "
            "Regenerate them: python -m palaestra.tasks.webarena.generate"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
