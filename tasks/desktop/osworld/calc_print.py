"""OSWorld's ``sheet_print`` rule of ``compare_table``: two sheets compared as LibreOffice prints them,
that is as the CSV files it exports, rather than by the values stored in the workbooks.

The CSV files are not made by the judge. The task's postconfig runs LibreOffice on the saved
workbook (``libreoffice --convert-to "csv:Text - txt - csv (StarCalc):44,34,UTF-8,...,N"
--outdir /home/user /home/user/Book.xlsx``), which writes sheet N as ``Book-<sheet name>.csv``
beside it; such a command runs here as any postconfig ``execute`` does (in the episode's HOME, as
the desktop user, with ``/home/user`` standing for HOME), and a Calc still open on the file does the
export itself. The expected side's CSV comes with the task's gold workbook (``cloud_file``, the
same ``<name>-<sheet name>.csv`` naming). A CSV that is missing makes the rule false.

As in OSWorld, each line is compared with the blanks around it removed, blank lines at the end are
ignored, and ``ignore_case`` compares the lines in lower case.
"""

from __future__ import annotations

from pathlib import Path


def export_path(workbook: Path, sheet_name: str) -> Path:
    """Where LibreOffice's CSV export of a workbook's sheet is: ``<workbook's name>-<sheet>.csv``,
    beside the workbook."""
    return workbook.with_name(f"{workbook.stem}-{sheet_name}.csv")


def printed_lines(workbook: Path, sheet_name: str, ignore_case: bool = False) -> list[str] | None:
    """The lines of a sheet's CSV export, each stripped of surrounding blanks, without blank lines
    at the end; None when there is no such export."""
    path = export_path(workbook, sheet_name)
    try:
        data = path.read_bytes()
    except OSError:  # missing, a folder, unreadable
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # an export in another character set: every byte read as one letter
        text = data.decode("latin-1")
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return [line.lower() for line in lines] if ignore_case else lines
