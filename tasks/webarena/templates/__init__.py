"""Every site's intent templates (importing this registers them in ``base.TEMPLATES``)."""

from palaestra.tasks.webarena.templates import code, cross, forum, shop, shop_actions, shop_admin, wiki  # noqa: F401
from palaestra.tasks.webarena.templates.base import TEMPLATES, Template

__all__ = ["TEMPLATES", "Template"]
