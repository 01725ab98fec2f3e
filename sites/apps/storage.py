"""Uploaded files go to the episode's own directory (read back by ``urls_common.media``)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import FileSystemStorage

from palaestra.sites.apps.episode import current_dir


class EpisodeFileStorage(FileSystemStorage):
    def _target(self) -> FileSystemStorage:
        here = current_dir()
        return (
            self if here is None else FileSystemStorage(location=str(here / "media"), base_url=self.base_url)
        )

    def _save(self, name: str, content: Any) -> str:
        target = self._target()
        if target is self:
            return str(super()._save(name, content))
        return str(target._save(name, content))

    def exists(self, name: str) -> bool:
        target = self._target()
        return super().exists(name) or (target is not self and target.exists(name))
