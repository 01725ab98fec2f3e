"""`palaestra ui`: a web UI to inspect runs, replay episodes and prompts, step environments live and
record demonstrations into exemplar memories.

The environment server mounts it (`ui_extension(roots)`, at ``/ui``); `app` is its Starlette app.
Everything is imported on first use, so ``import palaestra.ui`` costs nothing until then.
"""

from palaestra.lazy import lazy_exports

__all__ = ["UiOptions", "UiRoots", "app", "ui_extension"]

__getattr__ = lazy_exports(
    __name__,
    {
        "app": "palaestra.ui.webapp",
        "UiOptions": "palaestra.ui.webapp",
        "UiRoots": "palaestra.ui.roots",
        "ui_extension": "palaestra.ui.mount",
    },
)
