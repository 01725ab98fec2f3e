"""Every site's intent templates (importing this registers them in ``base.TEMPLATES``)."""

from palaestra.tasks.webarena.templates import (  # noqa: F401
    code,
    cross,
    forum,
    map,
    map_extra,
    map_nav,
    map_relations,
    shop,
    shop_actions,
    shop_admin,
    wiki,
)
from palaestra.tasks.webarena.templates.base import TEMPLATES, Template

__all__ = ["TEMPLATES", "Template"]
