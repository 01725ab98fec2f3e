"""What ``compare_table``'s ``pivot_table`` rule reads of a sheet's pivot tables (openpyxl's
``ws._pivots``): each table keyed by its source range, with the ``pivot_props`` the rule names.

OSWorld names a pivot table's fields by their position in the source range, and shifts those
positions when a range has empty columns at its edges. Here fields are named by their headings
(the pivot cache's field names) and items by their values, so that two files agree when they
group, filter and sum the same columns, whichever writer ordered their caches. Props:

- ``name``, ``location`` (the range the table fills), ``show_total``, ``show_empty_row``,
  ``show_empty_col``, ``show_headers``;
- ``row_fields``, ``col_fields``: the fields laid out along rows or columns, in order (the
  data fields' own column is ``"<values>"``);
- ``data_fields``: each summed field as ``"field;function;shown as"``, with its caption after
  the field when ``data_fields_name`` is named too (``"Qty;Sum - Qty;sum;normal"``);
- ``filter``: the page (filter) fields, and ``selection``: each field's hidden and shown items;
  ``ordered`` keeps the items in the file's order rather than as a set.
"""

from __future__ import annotations

from typing import Any

PIVOT_PROPS = (
    "name", "location", "show_total", "show_empty_row", "show_empty_col", "show_headers",
    "row_fields", "col_fields", "data_fields", "data_fields_name", "filter", "selection", "ordered",
)  # fmt: skip
#: The position openpyxl reads for the data fields' own row/column in ``rowFields``/``colFields``.
VALUES_FIELD = -2
FLAGS = {
    "show_total": "visualTotals",
    "show_empty_row": "showEmptyRow",
    "show_empty_col": "showEmptyCol",
    "show_headers": "showHeaders",
}


def pivot_tables(sheet: Any, props: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """A sheet's pivot tables as (source, props) pairs, in an order that does not depend on the file."""
    found = []
    for table in sheet._pivots:
        source = table.cache.cacheSource
        where = source.worksheetSource
        key = f"{source.type};{getattr(where, 'sheet', None)}!{getattr(where, 'ref', None)}"
        found.append((key, _props(table, props)))
    return sorted(found, key=repr)


def _props(table: Any, props: list[str]) -> dict[str, Any]:
    names = [field.name for field in table.cache.cacheFields]

    def field(index: int) -> str:
        if index == VALUES_FIELD:
            return "<values>"
        return names[index] if 0 <= index < len(names) else f"#{index}"

    info: dict[str, Any] = {}
    for prop, attribute in FLAGS.items():
        if prop in props:
            info[prop] = getattr(table, attribute)
    if "name" in props:
        info["name"] = table.name
    if "location" in props:
        info["location"] = table.location.ref if table.location is not None else None
    if "row_fields" in props:
        info["row_fields"] = [field(f.x) for f in table.rowFields]
    if "col_fields" in props:
        info["col_fields"] = [field(f.x) for f in table.colFields]
    if "data_fields" in props:
        named = "data_fields_name" in props
        info["data_fields"] = [
            ";".join(
                [
                    field(f.fld),
                    *([f.name or ""] if named else []),
                    f.subtotal or "sum",
                    f.showDataAs or "normal",
                ]
            )
            for f in table.dataFields
        ]
    if "filter" in props:
        info["filter"] = sorted(field(f.fld) for f in table.pageFields)
    if "filter" in props or "selection" in props:
        info["selection"] = _selection(table, names, ordered="ordered" in props)
    return info


def _selection(table: Any, names: list[str], ordered: bool) -> dict[str, Any]:
    """Each field's items, as (hidden, value) pairs: which values a row, column or page field shows."""
    found: dict[str, Any] = {}
    for index, pivot_field in enumerate(table.pivotFields):
        cache_field = table.cache.cacheFields[index] if index < len(table.cache.cacheFields) else None
        values = list(getattr(getattr(cache_field, "sharedItems", None), "_fields", []) or [])
        items = [
            (bool(item.h), _value(values, item.x)) for item in pivot_field.items or [] if item.x is not None
        ]
        if items:
            found[names[index] if index < len(names) else f"#{index}"] = (
                items if ordered else sorted(set(items))
            )
    return found


def _value(values: list[Any], index: int) -> str:
    """The cached value an item's index names, as text (its index when the cache lacks it)."""
    return str(getattr(values[index], "v", index)) if 0 <= index < len(values) else f"#{index}"
