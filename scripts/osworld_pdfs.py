"""Write the bundled OSWorld PDF tasks' documents (tasks/desktop/osworld/data/files/*.pdf).

Each is a plain PDF 1.4 file written here object by object (Helvetica text in uncompressed content
streams, a cross-reference table), so that the bytes are ours and the same on every run: a form
with one AcroForm text field (blank, and filled as the form task expects it saved), and a few
pages of lecture notes with a title in the document's information, which the Document Viewer
shows in its window title. Run from the repository's root with the venv's Python:
``.venv/bin/python scripts/osworld_pdfs.py``. The files are committed; nothing runs this at test
or run time (tests/tasks/test_osworld_pdf_files.py checks that the committed files are its output).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FILES = Path(__file__).resolve().parent.parent / "tasks/desktop/osworld/data/files"
#: A US Letter page (points), the left margin and the first line's baseline.
WIDTH, HEIGHT, LEFT, TOP = 612, 792, 72, 720


def escape(text: str) -> str:
    """``text`` as the inside of a PDF literal string."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def lines_stream(lines: list[tuple[int, str]], top: int = TOP) -> str:
    """Content drawing ``lines`` (font size, text) down the page from ``top``."""
    out, y = [], top
    for size, text in lines:
        if text:
            out.append(f"BT /F1 {size} Tf {LEFT} {y} Td ({escape(text)}) Tj ET")
        y -= size + 10
    return "\n".join(out) + "\n"


@dataclass
class PdfWriter:
    """A PDF built object by object: `add` returns an object's number, `build` the file's bytes."""

    objects: list[bytes] = field(default_factory=list)

    def add(self, body: str | bytes) -> int:
        self.objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(self.objects)

    def stream(self, text: str, extra: str = "") -> int:
        data = text.encode("latin-1")
        return self.add(b"<< /Length %d%s >>\nstream\n" % (len(data), extra.encode()) + data + b"endstream")

    def build(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        table, size = len(out), len(self.objects) + 1
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (size, root, info)
        out += b"startxref\n%d\n%%%%EOF\n" % table
        return bytes(out)


def document(title: str, pages: list[str], form_field: dict[str, str] | None = None) -> bytes:
    """A PDF of ``pages`` (each a content stream) titled ``title``; with ``form_field`` (name,
    label, rect, value), one text field on the first page."""
    pdf = PdfWriter()
    font = pdf.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info = pdf.add(f"<< /Title ({escape(title)}) /Producer (palaestra scripts/osworld_pdfs.py) >>")
    # The catalog, the page tree and the pages are numbered first and filled in last: the pages
    # and the field name each other.
    catalog, tree = pdf.add(""), pdf.add("")
    kids = [pdf.add("") for _ in pages]
    widget = 0
    if form_field is not None:
        value = form_field["value"]
        appearance = f"/Tx BMC q BT /Helv 12 Tf 0 g 4 6 Td ({escape(value)}) Tj ET Q EMC\n" if value else ""
        resources = f" /Resources << /Font << /Helv {font} 0 R >> >> /BBox [0 0 {form_field['size']}]"
        shown = pdf.stream(appearance, " /Type /XObject /Subtype /Form" + resources)
        filled = f" /V ({escape(value)})" if value else ""
        widget = pdf.add(
            f"<< /Type /Annot /Subtype /Widget /FT /Tx /T ({form_field['name']})"
            f" /TU ({escape(form_field['label'])}) /Rect [{form_field['rect']}] /F 4 /P {kids[0]} 0 R"
            f" /DA (/Helv 12 Tf 0 g) /MK << /BC [0 0 0] /BG [1 1 1] >>{filled} /AP << /N {shown} 0 R >> >>"
        )
    for index, (kid, content) in enumerate(zip(kids, pages, strict=True)):
        body = pdf.stream(content)
        annots = f" /Annots [{widget} 0 R]" if widget and index == 0 else ""
        pdf.objects[kid - 1] = (
            f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] /Contents {body} 0 R"
            f" /Resources << /Font << /F1 {font} 0 R >> >>{annots} >>"
        ).encode()
    pages_kids = " ".join(f"{k} 0 R" for k in kids)
    pdf.objects[tree - 1] = f"<< /Type /Pages /Kids [{pages_kids}] /Count {len(kids)} >>".encode()
    fonts = f"/DR << /Font << /Helv {font} 0 R >> >>"
    form = f" /AcroForm << /Fields [{widget} 0 R] /DA (/Helv 12 Tf 0 g) {fonts} >>" if widget else ""
    pdf.objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R{form} >>".encode()
    return pdf.build(catalog, info)


#: The library card form: its text, and its one field (the name box beside "Full name:").
FORM_LINES = [
    (20, "Riverside Public Library"),
    (14, "Library card application"),
    (12, "Please print clearly. Cards are ready to collect after two working days."),
    (12, ""),
    (12, "Full name:"),
]
NAME_FIELD = {"name": "full_name", "label": "Full name", "rect": "150 610 450 632", "size": "300 22"}
APPLICANT = "Ada Lovelace"

#: The lecture notes: a title page and three pages of content (what the reading task asks about is
#: on the third page).
LECTURE_TITLE = "Algorithms, Lecture 4: Searching"
LECTURE_PAGES = [
    [(24, "Algorithms"), (18, "Lecture 4: Searching"), (12, "Notes for the autumn term")],
    [
        (16, "1. Linear search"),
        (12, "Linear search looks at every item in turn until it finds the key."),
        (12, "It needs no order on the items and runs in O(n) time."),
    ],
    [
        (16, "2. Binary search"),
        (12, "Binary search needs a sorted array. It compares the key with the middle item"),
        (12, "and keeps the half that can still hold the key."),
        (12, "Running time: O(log n) comparisons."),
    ],
    [
        (16, "3. Hash tables"),
        (12, "A hash table finds a key in O(1) expected time, at the price of extra memory."),
    ],
]


def outputs() -> dict[str, bytes]:
    """Every generated file by name."""
    form_page = lines_stream(FORM_LINES)
    return {
        "application.pdf": document("Library card application", [form_page], {**NAME_FIELD, "value": ""}),
        "application_expected.pdf": document(
            "Library card application", [form_page], {**NAME_FIELD, "value": APPLICANT}
        ),
        "lecture.pdf": document(LECTURE_TITLE, [lines_stream(page) for page in LECTURE_PAGES]),
    }


def main() -> None:
    for name, data in outputs().items():
        path = FILES / name
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
