"""``palaestra sites``: build the seeds, list the sites, serve them to a person.

palaestra sites list [shop reddit]    # all sites, or those named (ours or WebArena's names)
palaestra sites build [shop forum] [--force]
palaestra sites serve shop forum      # fresh state; prints URLs and accounts (where a site has a
                                      # log-in page); Ctrl-C stops them
"""

from __future__ import annotations

import argparse
import signal
import time
from typing import Any

from palaestra.sites.registry import SITES


def add_parser(sub: Any, epilog: str = "") -> None:
    what = "build the seeded data, list the sites, or serve them with fresh state to a person"
    p = sub.add_parser("sites", help=what, epilog=epilog)
    p.add_argument("action", choices=("list", "build", "serve"), help="list, build or serve")
    what = "sites (ours or WebArena's: forum or reddit) to list, serve, or whose data to build; default: all"
    p.add_argument("names", nargs="*", metavar="SITE", help=what)
    p.add_argument("--force", action="store_true", help="build: rebuild even if the cache is current")
    p.add_argument("--port", type=int, default=0, help="serve: the port of the first site (0: any free one)")


def run(args: argparse.Namespace) -> int:
    from palaestra.sites.registry import dataset_named, site_named

    if args.action == "list":  # unknown names are refused with did-you-mean, not ignored
        return _list(list(dict.fromkeys(site_named(n) for n in args.names)) or list(SITES))
    if args.action == "build":  # a site's or WebArena's name builds the dataset behind it
        return _build(list(dict.fromkeys(dataset_named(n) for n in args.names)), args.force)
    return _serve([site_named(n) for n in args.names] or sorted(SITES), args.port)


def _list(names: list[str]) -> int:
    from palaestra.sites.build import build_dir

    for site in (SITES[name] for name in names):
        built = (build_dir(site.dataset) / "manifest.json").is_file()
        print(f"{site.name:<11} {site.placeholder:<15} WebArena {site.webarena:<15} "
              f"seed {'built' if built else 'not built yet'}")  # fmt: skip
    return 0


def _build(names: list[str], force: bool) -> int:
    from palaestra.sites.build import all_datasets, built, manifest

    for dataset in names or all_datasets():
        path = built(dataset, force=force, log=print)
        counts = {k: v for k, v in manifest(path).items() if isinstance(v, int)}
        print(f"{dataset}: {path} {counts}")
    return 0


def _serve(names: list[str], port: int) -> int:
    from palaestra.sites.registry import get_site
    from palaestra.sites.runtime import SiteRuntime

    # SIGTERM stops the sites as Ctrl-C does, from the first moment: a handler installed only once
    # they were up let a SIGTERM sent right after the banner kill the command without stopping them.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    runtime = SiteRuntime()
    try:
        for i, name in enumerate(names):
            get_site(name)
            runtime.ensure(name, port=port + i if port else 0)
        for name in names:
            site = get_site(name)
            account = (
                f"log in as {runtime.default_account(name)}; password in DATA.md"
                if site.has_login_page
                else "no log-in needed"
            )
            print(f"{name:<11} {runtime.url(name)}{site.home.removeprefix(site.base_path)}   ({account})")
        print("Fresh seeded state, kept until you stop. Ctrl-C stops the sites.", flush=True)
        while True:
            time.sleep(1.0)
            dead = [n for n in names if not runtime.alive(n)]
            if dead:
                print(f"Site stopped: {', '.join(dead)}; see its log under {runtime.logs}")
                return 1
    except KeyboardInterrupt:
        return 0
    finally:
        runtime.stop()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt
