"""Haystack's Whoosh backend with one index per episode, copied only when the episode writes.

Reads use the episode's own index if it has one, else the seeded index (never written during
episodes). The first write of an episode (a product saved in the dashboard, a new forum topic)
copies the seeded index into the episode's directory and writes there, so search reflects the
episode's own changes and nobody else's.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend

from palaestra.sites.apps.episode import current_dir


class EpisodeWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias: str, **options: Any) -> None:
        super().__init__(connection_alias, **options)
        self.path: str = str(options["PATH"])
        self.seed_path = self.path

    def _point_at(self, write: bool) -> None:
        target = Path(self.seed_path)
        here = current_dir()
        if here is not None:
            own = here / "index"
            if own.is_dir():
                target = own
            elif write:
                shutil.copytree(self.seed_path, own)
                target = own
        if str(target) != self.path:
            self.path, self.setup_complete = str(target), False

    def update(self, index: Any, iterable: Any, commit: bool = True) -> Any:
        self._point_at(write=True)
        return super().update(index, iterable, commit=commit)

    def remove(self, obj_or_string: Any, commit: bool = True) -> Any:
        self._point_at(write=True)
        return super().remove(obj_or_string, commit=commit)

    def clear(self, models: Any = None, commit: bool = True) -> Any:
        self._point_at(write=True)
        return super().clear(models=models, commit=commit)

    def search(self, query_string: str, **kwargs: Any) -> Any:
        self._point_at(write=False)
        return super().search(query_string, **kwargs)

    def more_like_this(self, model_instance: Any, **kwargs: Any) -> Any:
        self._point_at(write=False)
        return super().more_like_this(model_instance, **kwargs)


class EpisodeWhooshEngine(WhooshEngine):
    backend = EpisodeWhooshBackend
