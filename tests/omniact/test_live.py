"""Model-style PyAutoGUI replies played live on the desktop: the parser the offline OmniACT score
reads them with is the desktop's own, so a reply indented in its fence, with ``import pyautogui as
pg`` or ``from pyautogui import ...``, does there what it scores for here."""

from __future__ import annotations

from palaestra.envs.desktop import DesktopEnv
from palaestra.omniact.score import scored_actions

REPLY = """I will add the line at the end and save.
```python
    import pyautogui as pg
    from pyautogui import hotkey
    pg.hotkey('ctrl', 'end')
    pg.press(['end'])
    pg.write(message='maple river', interval=0.01)
    hotkey('ctrl', 's')
```
```DONE```"""


def test_an_aliased_indented_reply_solves_a_desktop_task_as_it_parses_offline() -> None:
    assert [a.name for a in scored_actions(REPLY)] == ["hotkey", "press", "write", "hotkey"]
    env = DesktopEnv("desktop.editor-append")
    try:
        env.reset(seed=0)
        obs, reward, terminated, _truncated, info = env.step(REPLY)
        assert obs["last_action_error"] == "" and terminated and reward == 1.0 and info["success"]
    finally:
        env.close()
