"""The site suites on their real sites: committed task files match the seed, and a sample of
oracles (every kind of task, every site) reach 1.0 through the public actions alone. The whole
suites run in ``python -m bench.speed.sites --oracles``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from palaestra.envs import BrowserEnv
from palaestra.envs.observation import ObsConfig
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena import generate, play_oracle

SAMPLE = [
    "shop.product-price-0",  # information from a product page found by search
    "shop.category-cheapest-0",  # a comparison over a sorted listing
    "shop.nav-search-0",  # url_match
    "shop.add-to-cart-0",  # db_state after a form
    "shop.change-last-name-0",  # db_state and program_html on a fetched page
    "shop.missing-product-0",  # unachievable
    "shop.order-status-0",  # a value under a heading, whose line says its level
    "shop-admin.admin-order-status-0",
    "shop-admin.admin-set-price-0",  # program_html: a field's value on a fetched page
    "forum.topic-author-0",
    "forum.reply-to-topic-0",  # program_html on the agent's last page
    "forum.close-topic-0",  # logged in as the moderator, not the default member
]


def test_committed_task_files_are_what_the_seed_gives(runtime: SiteRuntime) -> None:
    runtime.build_of("shop"), runtime.build_of("forum")
    assert generate.main(["--check"]) == 0


CODE_SAMPLE = [
    "code.ticket-status-0",  # read off the project's ticket report
    "code.ticket-reporter-0",  # the ticket's own page
    "code.unmerged-branch-0",  # the branches page
    "code.nav-ticket-0",  # url_match
    "code.new-ticket-0",  # db_state on the episode's copy of the repository
    "code.close-ticket-0",
    "code.ticket-missing-0",  # unachievable
]
WIKI_SAMPLE = [
    "wiki.wiki-section-0",  # found through the search box, read off the breadcrumb
    "wiki.wiki-edit-summary-0",  # the article's Changes page
    "wiki.wiki-nav-search-0",  # url_match with a query
    "wiki.wiki-append-0",  # db_state after editing
    "wiki.wiki-create-0",
    "wiki.wiki-missing-0",  # unachievable
    "cross.cross-review-ticket-0",  # read on the wiki, file a ticket on the code host
    "cross.cross-subsystem-search-0",  # read on the code host, search the wiki
]


MAP_SAMPLE = [
    "map.map-travel-time-0",  # the directions form: geocoded names, the engine chosen, the time read
    "map.map-closer-0",  # two routes compared
    "map.map-nearest-walk-0",  # "cafe near X" (a search by kind and distance), then the walk there
    "map.map-address-0",  # a place's tags
    "map.map-nav-route-1",  # url_match on OSM's route URL (by bicycle)
    "map.map-missing-0",  # a place outside the extract: unachievable
    "map.map-relation-page-0",  # url_match on OSM's /relation/ID, found by its name
    "map.map-relation-english-1",  # found by its English name, shown under the Finnish one
]


@pytest.mark.parametrize("task", SAMPLE + CODE_SAMPLE + WIKI_SAMPLE + MAP_SAMPLE)
def test_oracle_solves_the_task(task: str, runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    result = play_oracle(env, task)
    assert result.success and result.reward == 1.0, result
    assert not result.errors, result.errors


def test_gymnasium_env_checker_passes_through_gym_make(runtime: SiteRuntime) -> None:
    """A live site's pages hold values no seed fixes (a form's CSRF token is new at every request),
    so its spec says ``nondeterministic`` and the checker does not expect exact repeats."""
    env = gym.make("palaestra/shop.product-price-0", obs_config=ObsConfig(screenshot=False))
    try:
        assert env.spec is not None and env.spec.nondeterministic
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


def test_site_tools_search_the_wiki_and_read_the_manuals(
    runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    """With tools on, a cross-site task offers the calculator, both sites' manuals and the wiki's
    articles through the routing layer; without, the action set has no tools."""
    from palaestra.tasks.webarena import suite_configs
    from palaestra.tasks.webarena.task import SiteTask

    config = suite_configs("cross")["cross-review-ticket-0"]
    assert SiteTask(config).tools() is None
    env = make_env(SiteTask(config, tools=True), obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    env.reset(seed=0)
    title = config.instantiation_dict["title"]
    obs, *_ = env.step(f"call_api('docs/search', {{'query': {title!r}, 'k': 1}})")
    (answer,) = [json.loads(line) for line in obs["tool_results"].splitlines()]
    assert answer["ok"] and answer["content"][0]["title"] == f"Wiki: {title}"
    obs, *_ = env.step("call_api('docs/search', {'query': 'which branches were merged into trunk', 'k': 1})")
    assert json.loads(obs["tool_results"])["content"][0]["title"] == "Manual: code"
    obs, *_ = env.step("call_api('calc/evaluate', {'expression': '17 * 23'})")
    assert json.loads(obs["tool_results"])["content"] == 391


def test_the_seeds_have_the_size_the_suites_promise(runtime: SiteRuntime) -> None:
    """Issue 17's floor, counted in the built databases themselves (not their manifests)."""

    def counts(dataset: str, queries: dict[str, str]) -> dict[str, int]:
        db = runtime.build_of(dataset) / "db.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return {key: conn.execute(sql).fetchone()[0] for key, sql in queries.items()}

    shop = counts("shop", {
        "products": "SELECT COUNT(*) FROM catalogue_product",
        "categories": "SELECT COUNT(*) FROM catalogue_category WHERE depth = 2",  # under departments
        "customers": "SELECT COUNT(*) FROM auth_user WHERE NOT is_staff",
        "orders": "SELECT COUNT(*) FROM order_order",
        "reviews": "SELECT COUNT(*) FROM reviews_productreview",
        "images": "SELECT COUNT(DISTINCT product_id) FROM catalogue_productimage",
        "with_stock": "SELECT COUNT(DISTINCT product_id) FROM partner_stockrecord",
        "attributes": "SELECT COUNT(DISTINCT product_id) FROM catalogue_productattributevalue",
    })  # fmt: skip
    assert shop["products"] >= 2000 and shop["categories"] >= 30, shop
    assert shop["customers"] >= 200 and shop["orders"] >= 500 and shop["reviews"] >= 2000, shop
    assert shop["images"] == shop["with_stock"] == shop["attributes"] == shop["products"], shop
    forum = counts("forum", {
        "categories": "SELECT COUNT(*) FROM spirit_category_category WHERE NOT is_private AND NOT is_removed",
        "topics": "SELECT COUNT(*) FROM spirit_topic_topic",
        "comments": "SELECT COUNT(*) FROM spirit_comment_comment",
        "users": "SELECT COUNT(*) FROM auth_user",
    })  # fmt: skip
    assert forum["categories"] >= 20 and forum["topics"] >= 1000, forum
    assert forum["comments"] >= 10000 and forum["users"] >= 300, forum
