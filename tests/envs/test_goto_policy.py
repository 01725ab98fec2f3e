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


def test_a_task_on_local_pages_may_not_read_the_code_beside_them(
    make_env: MakeEnv, tmp_path: Path, secret_file: Path
) -> None:
    """A local task's folder holds its code and data beside its page (``tasks/tools`` keeps the
    manuals an agent must search with a tool in ``manuals.py``): Chromium showed them as text, and
    the folder's listing named them."""
    site = _site(tmp_path)
    (site / "oracle.py").write_text(f"ANSWER = {SECRET!r}\n")
    (site / "answers.json").write_text(f'{{"answer": "{SECRET}"}}')
    (site / "leak.html").symlink_to(tmp_path / "private" / "notes.html")
    (tmp_path / "private" / "notes.html").write_text(f"<p>{SECRET}</p>")
    env = make_env(PageTask((site / "index.html").as_uri(), "Look around."))
    env.reset(seed=0)
    for name in ("oracle.py", "answers.json", "", "leak.html"):
        obs, *_ = env.step(f"goto('{site.as_uri()}/{name}')")
        assert "other .html pages of their folder" in obs["last_action_error"], name
        assert SECRET not in obs["axtree"] and "oracle.py" not in obs["axtree"], name
    obs, *_ = env.step(f"goto('{(site / 'other.html').as_uri()}')")
    assert obs["last_action_error"] == "" and "Other page" in obs["axtree"]


def test_a_web_task_refuses_other_services_of_this_machine(
    make_env: MakeEnv, tmp_path: Path, secret_file: Path
) -> None:
    """Another port of this machine is the environment server or the UI (on loopback they answer
    without a token: ``/sessions`` lists every episode, with its task and observation)."""
    with serve(files_in(_site(tmp_path))) as site, serve(files_in(secret_file.parent)) as server:
        env = make_env(PageTask(f"{site.url}/index.html", "Look around."))
        env.reset(seed=0)
        for url in (f"{server.url}/notes.txt", f"http://localhost:{server.port}/notes.txt"):
            obs, *_ = env.step(f"goto({url!r})")
            assert "on this machine, and not one of this task's sites" in obs["last_action_error"], url
            assert SECRET not in obs["axtree"]
        obs, *_ = env.step(f"goto('http://localhost:{site.port}/other.html')")  # its own site, any spelling
        assert obs["last_action_error"] == "" and "Other page" in obs["axtree"]


def test_the_tool_tasks_manuals_stay_behind_the_tool() -> None:
    from palaestra.tasks import tools

    manuals = Path(tools.__file__).with_name("manuals.py").as_uri()
    with pytest.raises(ActionError, match=r"other \.html pages"):
        check_goto(manuals, tools.PAGE)


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
        ("file:///srv/pages/task.py", "file:///srv/pages/a.html"),
        ("file:///srv/pages/", "file:///srv/pages/a.html"),
        ("file:///srv/pages", "file:///srv/pages/a.html"),
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
    for url in ("http://10.0.0.5/", "http://shop/"):
        check_goto(url, "http://a/")
    # This machine: the start page's origin and the task's sites, in any spelling of loopback.
    sites = ("http://127.0.0.1:7770", "http://127.0.0.1:9999/")
    for url in (
        "http://localhost:7770/",
        "http://[::1]:9999/x",
        "http://2130706433:7770/",
        "http://127.1:8023/",
    ):
        check_goto(url, "http://localhost:8023/start", sites)
    for url in (
        "http://localhost:8000/sessions",
        "http://127.0.0.1/",
        "http://[::ffff:127.0.0.1]:8000/",
        "http://0.0.0.0:8000/",
        "http://app.localhost:7771/",
        "https://127.0.0.1:7770/",
    ):
        with pytest.raises(ActionError, match="on this machine, and not one of this task's sites"):
            check_goto(url, "http://localhost:8023/start", sites)
    with pytest.raises(ActionError, match="this task has no site there"):
        check_goto("http://127.0.0.1:8000/", "file:///srv/pages/a.html")
