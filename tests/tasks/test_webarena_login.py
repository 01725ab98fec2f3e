"""Log-in to user-hosted WebArena sites, as WebArena's ``auto_login`` does, against loopback forms.

WebArena's images cannot run here, so one loopback HTTP server plays the four log-in forms (the
shop's customer form, the Magento admin form, Postmill's, GitLab's) with their labels and buttons,
and accepts only the account WebArena's own files use; a real Chromium fills them through
``OfficialTask._log_in``. The session cookie it gets back is what later episodes reuse.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from palaestra.errors import SiteError
from palaestra.tasks.webarena import official_task
from palaestra.tasks.webarena.official import benchmark_configs, raw_tasks
from palaestra.tasks.webarena.official_task import LOGINS, OfficialTask
from palaestra.testing.loopback import QuietHandler, serve

#: site -> (form path, {input name: its label}, button text): the forms as the images show them.
FORMS = {
    "shopping": ("/customer/account/login/", {"login[username]": "Email", "login[password]": "Password"},
                 "Sign In"),
    "shopping_admin": ("/admin", {"login[username]": "Username", "login[password]": "Password"}, "Sign in"),
    "reddit": ("/login", {"_username": "Username", "_password": "Password"}, "Log in"),
    "gitlab": ("/users/sign_in", {"user[login]": "Username or email", "user[password]": "Password"},
               "Sign in"),
}  # fmt: skip
#: The accounts WebArena's files use (the shop's customer is the one its task intents name).
ACCOUNTS = {
    "shopping": ("emma.lopez@gmail.com", "Password.123"),
    "shopping_admin": ("admin", "admin1234"),
    "reddit": ("MarvelsGrantMan136", "test1234"),
    "gitlab": ("byteblaze", "hello1234"),
}


class Sites(QuietHandler):
    def _site(self) -> str:
        for site, (path, _, _) in FORMS.items():
            if self.path.split("?")[0] == path:
                return site
        return ""

    def do_GET(self) -> None:
        site = self._site()
        if not site:
            return self.reply(200, "<h1>Home</h1>")
        self.reply(200, self._form(site))

    def _form(self, site: str) -> str:
        path, fields, button = FORMS[site]
        inputs = "".join(
            f'<label for="f{i}">{label}</label><input id="f{i}" name="{name}" '
            f'type="{"password" if "pass" in name else "text"}">'
            for i, (name, label) in enumerate(fields.items())
        )
        return f'<form method="post" action="{path}">{inputs}<button type="submit">{button}</button></form>'

    def do_POST(self) -> None:
        site = self._site()
        length = int(self.headers.get("content-length", 0))
        posted = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        sent = tuple(posted.get(name, "") for name in FORMS[site][1])
        if sent == ACCOUNTS[site]:
            return self.reply(200, "<h1>Welcome</h1>", headers={"Set-Cookie": f"session={site}-ok; Path=/"})
        self.reply(
            401, "<p>Invalid login or password.</p>" + self._form(site)
        )  # the form again, as the sites do


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with serve(Sites) as served:
        yield served.url


def test_the_shop_account_is_the_customer_webarena_tasks_name() -> None:
    email = LOGINS["shopping"][1]["Email"]
    assert any(email in str(task) for task in raw_tasks("webarena"))


@pytest.mark.parametrize("site", sorted(FORMS))
def test_log_in_fills_the_sites_own_form_with_webarenas_account(
    site: str, host: str, browser: Browser, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(official_task, "_LOGGED_IN", {})
    config = next(c for c in benchmark_configs("webarena").values() if site in c.sites)
    task = OfficialTask(config, f"webarena.{config.task_id}", "webarena", hosts={site: host})

    async def log_in() -> list[str]:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            cookies = await task._log_in(page, site)
            again = await task._log_in(page, site)  # the worker's later episodes reuse the first
            assert again == cookies
            return [f"{c['name']}={c['value']}" for c in cookies]
        finally:
            await context.close()

    assert loop.run_until_complete(log_in()) == [f"session={site}-ok"]


def test_a_refused_log_in_stops_with_what_to_check(
    host: str, browser: Browser, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(official_task, "_LOGGED_IN", {})
    path, fields, button = LOGINS["gitlab"]
    monkeypatch.setitem(LOGINS, "gitlab", (path, {**fields, "Password": "wrong"}, button))
    config = next(c for c in benchmark_configs("webarena").values() if "gitlab" in c.sites)
    task = OfficialTask(config, f"webarena.{config.task_id}", "webarena", hosts={"gitlab": host})

    async def log_in() -> None:
        context = await browser.new_context()
        try:
            await task._log_in(await context.new_page(), "gitlab")
        finally:
            await context.close()

    with pytest.raises(SiteError, match=r"as byteblaze failed: .* still shows a log-in form"):
        loop.run_until_complete(log_in())
    assert official_task._LOGGED_IN == {}  # nothing half-logged-in is kept for later episodes
