"""The manuals of the `tools.manual-lookup` task: facts that appear nowhere on the page.

Invented products, so that no model can answer from what it learned in training.
"""

from __future__ import annotations

MANUALS: dict[str, str] = {
    "Aurora Sync Service": (
        "Aurora Sync keeps folders in step across machines.\n\n"
        "Networking. The service listens on port 7461 by default; set AURORA_PORT to change it. "
        "Peers find each other by multicast on 239.4.4.1.\n\n"
        "Storage. Conflicting versions are kept in the .aurora-conflicts folder for 30 days."
    ),
    "Kestrel Label Printer": (
        "The Kestrel K2 prints labels up to 62 mm wide.\n\n"
        "Maintenance. Clean the print head every 1800 labels with the blue swab.\n\n"
        "Errors. A blinking amber light means the roll is empty; a red light means the lid is open."
    ),
    "Marlowe Coffee Grinder": (
        "The Marlowe grinder has 40 settings.\n\n"
        "Espresso needs setting 7; filter coffee needs setting 24; French press needs setting 33.\n\n"
        "Care. Empty the chaff tray weekly; never wash the burrs with water."
    ),
    "Quill Expense Policy": (
        "Quill employees may claim travel expenses within 45 days of the trip.\n\n"
        "Meals. The daily meal allowance is 62 euros; alcohol is not refunded.\n\n"
        "Approvals. Claims above 900 euros need the approval code FIN-22."
    ),
}

#: (question, answer exactly as the manual gives it)
QUESTIONS: list[tuple[str, str]] = [
    ("On which port does the Aurora Sync service listen by default?", "7461"),
    ("After how many labels should the Kestrel K2 print head be cleaned?", "1800"),
    ("Which setting of the Marlowe grinder is meant for espresso?", "7"),
    ("What is the daily meal allowance in euros under the Quill expense policy?", "62"),
    ("Which approval code do Quill claims above 900 euros need?", "FIN-22"),
    ("For how many days does Aurora Sync keep conflicting versions?", "30"),
]
