"""`palaestra ui`: a web UI to inspect runs, replay episodes and prompts, step environments live and
record demonstrations into exemplar memories.

``app(roots)`` is the Starlette application (mounted at ``/ui`` by the environment server or by
``UiServer``, the UI's own launcher); everything is imported on first use, so ``import
palaestra.ui`` costs nothing until then.
"""

from palaestra.lazy import lazy_exports

__all__ = ["UiOptions", "UiRoots", "UiServer", "app"]

__getattr__ = lazy_exports(
    __name__,
    {
        "app": "palaestra.ui.webapp",
        "UiOptions": "palaestra.ui.webapp",
        "UiRoots": "palaestra.ui.roots",
        "UiServer": "palaestra.ui.launcher",
    },
)
