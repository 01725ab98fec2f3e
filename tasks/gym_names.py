"""A Gymnasium id given without Palaestra's namespace is answered with the id that exists.

`gym.make("miniwob.click-button-v1")` looks in Gymnasium's default namespace, where none of our
ids are (they are all `palaestra/...`), and Gymnasium says only that it "doesn't exist": its
suggestions come from the namespace the id named. After `import palaestra` the same error (the same
class, `gymnasium.error.NameNotFound`) adds "Palaestra's tasks are in the `palaestra` namespace:
did you mean `palaestra/miniwob.click-button`?".

How, and why so: Gymnasium offers no hook for its lookup errors. Registering a stand-in id in the
default namespace for each of our 2,000-odd tasks would put them in every package's view of the
registry (`gym.pprint_registry()`, code that makes every registered id) and could take a name
another package means to register. Instead the one check that raises the error,
`registration._check_name_exists`, is wrapped: the wrapper calls Gymnasium's own check unchanged
and, only when that raises for an id in the default namespace that one of ours matches, raises the
same exception class with the hint appended. Every id that exists, and every error about another
package's ids, is as Gymnasium makes it; if a Gymnasium release drops the function, nothing is
wrapped and its own message stands.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

#: Marks Gymnasium's check once wrapped, so that importing twice (a reload) wraps it once.
_WRAPPED = "__palaestra_namespace_hint__"


def namespace_hint(namespace: str | None, name: str) -> str:
    """The sentence naming our id for `name` looked up in the default namespace, or ""."""
    if namespace is not None:
        return ""
    import gymnasium as gym

    from palaestra.tasks.registry import GYM_NAMESPACE as ours

    names = sorted({s.name for s in gym.registry.values() if s.namespace == ours})
    close = [name] if name in names else difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    close = close or [n for n in names if n.endswith(f".{name}")][:1]  # `click-test`, the suite left out
    if not close:
        return ""
    return (
        f"Palaestra's tasks are in the `{ours}` namespace: did you mean `{ours}/{close[0]}`? "
        f"(`palaestra list tasks` lists them; they have no -vN version.)"
    )


def install_namespace_hint() -> None:
    """Wrap Gymnasium's name check so its error names our id (see the module doc); idempotent."""
    from gymnasium import error
    from gymnasium.envs import registration

    original = getattr(registration, "_check_name_exists", None)
    if not callable(original) or getattr(original, _WRAPPED, False):
        return

    @functools.wraps(original)
    def check_name_exists(ns: str | None, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(ns, name, *args, **kwargs)
        except error.NameNotFound as exc:
            hint = namespace_hint(ns, name)
            if not hint:
                raise
            raise type(exc)(f"{exc} {hint}") from None

    setattr(check_name_exists, _WRAPPED, True)
    registration._check_name_exists = check_name_exists
