"""Paint ranks of frames' content, nested in their ``<iframe>``'s rank.

``DOMSnapshot.captureSnapshot`` ranks each document's layers after every layer of the documents
before it (a page's first, then each frame's), and an out-of-process frame's capture starts again
at 0. Either way a frame's content compares wrongly with its parent page's layers: ranked above
all of them, a cookie banner or modal over the frame would not cover the frame's buttons; ranked
from 0, a box painted under the frame would. A frame's content paints where its ``<iframe>``
paints, so its layers rank just above the ``<iframe>``'s own and below the parent's next layer:
here each rank gets the path of ranks of the ``<iframe>``s above its document, and the paths are
ranked anew. (Only ranks are renumbered, a few hundred on a large page; each node then takes its
rank's new number.)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable


def nest_frame_ranks(
    paint_order: dict[int, int],
    documents: Iterable[tuple[int, int, Iterable[int]]],
    parent: list[int],
) -> dict[int, int]:
    """``paint_order`` (node -> rank) renumbered so each frame's ranks sit in its owner's.

    ``documents``: every document, in node order: its root node, the amount its ranks were moved
    by, and its ranks as captured; ``parent``: node -> parent (a frame's document root -> its
    ``<iframe>``). Ranks are distinct across documents (as the snapshot and moved parts give them).
    """
    roots: list[int] = []
    path_of_root: dict[int, tuple[int, ...]] = {}
    path_of_rank: dict[int, tuple[int, ...]] = {}
    for root, base, ranks in documents:
        owner = parent[root]
        path: tuple[int, ...] = ()
        if owner >= 0:
            owner_root = roots[bisect.bisect_right(roots, owner) - 1]  # the last root before it
            path = (*path_of_root[owner_root], paint_order.get(owner, -1))
        roots.append(root)
        path_of_root[root] = path
        for rank in set(ranks):
            path_of_rank[rank + base] = (*path, rank + base)
    renumbered = {rank: i for i, rank in enumerate(sorted(path_of_rank, key=path_of_rank.__getitem__))}
    # Equal paths keep equal ranks; distinct ranks have distinct paths (their last element).
    return {node: renumbered.get(rank, rank) for node, rank in paint_order.items()}
