"""A model's ``goto`` cannot read the machine's files or open the browser's own pages.

On a web task (served over HTTP, as every site and WebArena task is) ``goto('file:///...')``
showed the file in the next observation's AX tree: any agent, or any client of the environment
server, read the files of the user running it. These run on real Chromium over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.actions.goto_policy import check_goto
from palaestra.errors import ActionError
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve

MakeEnv = Callable[..., BrowserEnv]
SECRET = "wrenfold-7731-do-not-show"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "private" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    return secret


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<title>Shop</title><a href='/other.html'>Other</a>")
    (site / "other.html").write_text("<title>Other</title><p>Other page</p>")
    return site


@pytest.mark.parametrize(
    "address",
    ["{file}", "view-source:{file}", "{folder}/", "chrome://version", "javascript:document.title='x'",
     "http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://2852039166/"],
)  # fmt: skip
def test_a_web_task_refuses_goto_to_files_and_browser_pages(
    make_env: MakeEnv, tmp_path: Path, secret_file: Path, address: str
) -> None:
    with serve(files_in(_site(tmp_path))) as site:
        env = make_env(PageTask(f"{site.url}/index.html", "Look around."))
        env.reset(seed=0)
        url = address.format(file=secret_file.as_uri(), folder=secret_file.parent.as_uri())
        obs, _, terminated, truncated, info = env.step(f"goto({url!r})")
        expected = "metadata service" if "meta" in url or "2852039166" in url else "goto opens http://"
        assert expected in obs["last_action_error"], obs["last_action_error"]
        assert SECRET not in obs["axtree"] and "notes.txt" not in obs["axtree"]
        assert obs["url"] == f"{site.url}/index.html"
        assert (terminated, truncated, info["error"]) == (False, False, {})
        # The web is still open to it.
        obs, *_ = env.step(f"goto('{site.url}/other.html')")
        assert obs["last_action_error"] == "" and "Other page" in obs["axtree"]


def test_a_task_on_local_pages_may_go_to_its_folder_only(
    make_env: MakeEnv, tmp_path: Path, secret_file: Path
) -> None:
    site = _site(tmp_path)
    env = make_env(PageTask((site / "index.html").as_uri(), "Look around."))
    env.reset(seed=0)
    obs, *_ = env.step(f"goto('{(site / 'other.html').as_uri()}')")
    assert obs["last_action_error"] == "" and "Other page" in obs["axtree"]
    escape = (site / ".." / "private" / "notes.txt").as_uri()
    for url in (secret_file.as_uri(), escape, escape.replace("..", "%2e%2e")):
        obs, *_ = env.step(f"goto({url!r})")
        assert "goto opens http://" in obs["last_action_error"], url
        assert SECRET not in obs["axtree"]


def test_the_policy_on_its_own() -> None:
    for url in ("http://a/", "HTTPS://a/b", "about:blank"):
        check_goto(url, "http://a/")
    check_goto("data:text/html,<p>x", "data:text/html,<p>start")
    check_goto("file:///srv/pages/b.html", "file:///srv/pages/a.html")
    check_goto("file:///srv/pages/sub/b.html", "file:///srv/pages/a.html")
    refused = [
        ("file:///etc/passwd", "http://a/"),
        ("data:text/html,<script>1</script>", "http://a/"),
        ("file:///srv/pagesX/b.html", "file:///srv/pages/a.html"),
        ("file:///srv/pages/../x.html", "file:///srv/pages/a.html"),
        ("file://other-host/srv/pages/b.html", "file:///srv/pages/a.html"),
        ("file:///etc/passwd", "file:///a.html"),  # a page at the root has no folder to keep to
        ("blob:http://a/uuid", "http://a/"),
        ("filesystem:http://a/temporary/x", "http://a/"),
        ("chrome://settings", None),
    ]
    for url, start in refused:
        with pytest.raises(ActionError, match="goto opens http://"):
            check_goto(url, start)
    metadata = ["http://169.254.169.254/", "http://0xa9fea9fe/", "http://0xa9.0xfe.0xa9.0xfe/",
                "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/",
                "HTTP://Metadata.Google.Internal./v1"]  # fmt: skip
    for url in metadata:
        with pytest.raises(ActionError, match="metadata service"):
            check_goto(url, "http://a/")
    for url in ("http://localhost:7770/", "http://10.0.0.5/", "http://[::1]:80/", "http://shop/"):
        check_goto(url, "http://a/")
