"""The Thunderbird profile every episode starts from, built locally in its fresh HOME.

OSWorld's VM restores a profile with mail accounts from a tarball it downloads; nothing may
download here, so the episode gets an equivalent one written from this module: the profile OSWorld's
tasks name (``~/.thunderbird/t5q2a5hp.default-release``, so their paths need no mapping), listed in
``profiles.ini``, holding

- ``prefs.js`` with a mail account whose identity ("Alex Rivera <alex.rivera@example.test>") can
  write mail but never connects: a POP3 server on loopback that is never logged in to or checked,
  whose mail goes to Local Folders (Thunderbird's "Global Inbox"), so the folder pane shows Local
  Folders alone; and the prefs that make the start quiet and offline (no account wizard, no
  default-client question, no telemetry, update, what's-new or start pages, no network lookups);
- Local Folders (``Mail/Local Folders``) with an Inbox and a "Receipts" folder of generated
  messages in mbox files, as Thunderbird keeps them (it builds their ``.msf`` summaries on start);
- the window's state as Thunderbird keeps it between starts: maximised (``xulstore.json``), Local
  Folders expanded in the folder pane (``folderTree.json``), its Inbox open (``session.json``).

The prefs go into ``prefs.js`` rather than ``user.js``: ``user.js`` would set them again at every
start, over what an agent changed in the settings, and OSWorld's ``check_thunderbird_prefs`` reads
``prefs.js`` as Thunderbird writes it.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

#: The profile's folder under HOME: the name OSWorld's profile has, so its tasks' paths hold here.
PROFILE = ".thunderbird/t5q2a5hp.default-release"
LOCAL_FOLDERS = "Mail/Local Folders"
#: Local Folders' address, as Thunderbird names its folders (``.../Inbox``) in prefs and filters.
LOCAL_URI = "mailbox://nobody@Local%20Folders"
#: Who the account's identity is: the address an agent's drafts and replies are from.
NAME, ADDRESS = "Alex Rivera", "alex.rivera@example.test"

ACCOUNT_PREFS: dict[str, object] = {
    "mail.accountmanager.accounts": "account1,account2",
    "mail.accountmanager.defaultaccount": "account1",
    "mail.accountmanager.localfoldersserver": "server2",
    "mail.account.account1.identities": "id1",
    "mail.account.account1.server": "server1",
    "mail.account.account2.server": "server2",
    "mail.account.lastKey": 2,
    "mail.identity.id1.fullName": NAME,
    "mail.identity.id1.useremail": ADDRESS,
    "mail.identity.id1.valid": True,
    "mail.identity.id1.fcc_folder": "mailbox://nobody@Local%20Folders/Sent",
    "mail.identity.id1.draft_folder": "mailbox://nobody@Local%20Folders/Drafts",
    "mail.identity.id1.stationery_folder": "mailbox://nobody@Local%20Folders/Templates",
    "mail.identity.id1.archive_folder": "mailbox://nobody@Local%20Folders/Archives",
    # The POP3 server: loopback's discard port, never logged in to nor checked, its mail in Local Folders.
    "mail.server.server1.type": "pop3",
    "mail.server.server1.hostname": "127.0.0.1",
    "mail.server.server1.port": 9,
    "mail.server.server1.userName": "alex.rivera",
    "mail.server.server1.name": ADDRESS,
    "mail.server.server1.login_at_startup": False,
    "mail.server.server1.check_new_mail": False,
    "mail.server.server1.download_on_biff": False,
    "mail.server.server1.deferred_to_account": "account2",
    "mail.server.server1.directory-rel": "[ProfD]Mail/127.0.0.1",
    "mail.server.server2.type": "none",
    "mail.server.server2.hostname": "Local Folders",
    "mail.server.server2.name": "Local Folders",
    "mail.server.server2.userName": "nobody",
    "mail.server.server2.directory-rel": "[ProfD]" + LOCAL_FOLDERS,
    "mail.smtpservers": "smtp1",
    "mail.smtpserver.smtp1.hostname": "127.0.0.1",
    "mail.smtpserver.smtp1.port": 9,
    "mail.smtp.defaultserver": "smtp1",
    "mail.identity.id1.smtpServer": "smtp1",
}
#: A quiet, offline start (see the module's docstring).
QUIET_PREFS: dict[str, object] = {
    "mail.shell.checkDefaultClient": False,
    "mail.provider.enabled": False,
    "mail.startup.enabledMailCheckOnce": True,
    "mail.rights.override": True,
    "mail.spotlight.firstRunDone": True,
    "mail.inappnotifications.enabled": False,
    "mail.biff.show_alert": False,
    "mail.biff.play_sound": False,
    "mail.cloud_files.enabled": False,
    "mailnews.start_page.enabled": False,
    "mailnews.start_page_override.mstone": "ignore",
    "mailnews.auto_config_url": "",
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "browser.search.update": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "calendar.timezone.useSystemTimezone": True,
    "ui.prefersReducedMotion": 1,
}

#: The generated mail: (folder, sender, subject, date, body). Fixed, so that an episode repeats.
MESSAGES = (
    (
        "Inbox",
        "Dana Kim <dana.kim@example.test>",
        "Team lunch on Friday",
        "Mon, 05 Jan 2026 09:12:00 +0000",
        "Hi Alex,\n\nShall we book the usual place for Friday at noon?\n\nDana",
    ),
    (
        "Inbox",
        "Deals Daily <offers@shop.example.test>",
        "Big discount on garden tools",
        "Mon, 05 Jan 2026 11:30:00 +0000",
        "This week only: 30% off every spade, rake and hose.",
    ),
    (
        "Inbox",
        "Sam Ortiz <sam.ortiz@example.test>",
        "Quarterly report draft",
        "Tue, 06 Jan 2026 14:05:00 +0000",
        "Alex,\n\nThe draft of the quarterly report is ready for your comments.\n\nSam",
    ),
    (
        "Inbox",
        "Deals Daily <offers@shop.example.test>",
        "Last chance: discount ends tonight",
        "Wed, 07 Jan 2026 18:45:00 +0000",
        "Our winter discount ends at midnight.",
    ),
    (
        "Inbox",
        "IT Desk <it-desk@example.test>",
        "Password expiry notice",
        "Thu, 08 Jan 2026 08:00:00 +0000",
        "Your password expires in 7 days. Change it from the staff portal.",
    ),
    (
        "Inbox",
        "Dana Kim <dana.kim@example.test>",
        "Re: Team lunch on Friday",
        "Thu, 08 Jan 2026 16:20:00 +0000",
        "Booked for twelve people.\n\nDana",
    ),
    (
        "Receipts",
        "Book Barn <orders@bookbarn.example.test>",
        "Your order #4411",
        "Fri, 02 Jan 2026 10:00:00 +0000",
        "Thank you for your order of 2 books. Total: 31.50 EUR.",
    ),
    (
        "Receipts",
        "Rail Co <tickets@rail.example.test>",
        "Ticket receipt",
        "Sat, 03 Jan 2026 07:40:00 +0000",
        "Return ticket Berlin - Hamburg, 58.00 EUR.",
    ),
)


def pref_line(key: str, value: object) -> str:
    """One ``user_pref("key", value);`` line, as Thunderbird writes them (values are JSON)."""
    return f"user_pref({json.dumps(key)}, {json.dumps(value)});"


def mbox(messages: list[tuple[str, str, str, str]]) -> str:
    """An mbox file of ``(sender, subject, date, body)`` messages, with the ``From -`` separator
    lines and ``X-Mozilla-Status`` headers Thunderbird writes (the messages are unread)."""
    parts = []
    for i, (sender, subject, date, body) in enumerate(messages):
        parts.append(
            "From - Thu Jan  1 00:00:00 2026\n"
            "X-Mozilla-Status: 0000\nX-Mozilla-Status2: 00000000\n"
            f"Message-ID: <{i}.{zlib.crc32(subject.encode()):08x}@example.test>\n"
            f"Date: {date}\nFrom: {sender}\nTo: {NAME} <{ADDRESS}>\nSubject: {subject}\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n"
            f"\n{body}\n\n"
        )
    return "".join(parts)


def profile(home: Path) -> Path:
    return home / PROFILE


def seed_profile(home: Path) -> Path:
    """Write the episode's profile into ``home`` (see the module's docstring); its folder. A file a
    task copied into the profile already (its own Inbox, filters or prefs) is kept, not replaced."""
    root = profile(home)
    files = {
        home / ".thunderbird" / "profiles.ini": "[General]\nStartWithLastProfile=1\nVersion=2\n\n"
        f"[Profile0]\nName=default-release\nIsRelative=1\nPath={root.name}\nDefault=1\n",
        root / "prefs.js": "\n".join(
            pref_line(k, v) for k, v in sorted({**ACCOUNT_PREFS, **QUIET_PREFS}.items())
        )
        + "\n",
        root / "xulstore.json": json.dumps(
            {"chrome://messenger/content/messenger.xhtml": {"messengerWindow": {"sizemode": "maximized"}}}
        ),
        root / "folderTree.json": json.dumps({"open": {"all": [LOCAL_URI]}}),
        root / "session.json": json.dumps({"rev": 0, "windows": [_three_pane(f"{LOCAL_URI}/Inbox")]}),
    }
    folders: dict[str, list[tuple[str, str, str, str]]] = {}
    for folder, sender, subject, date, body in MESSAGES:
        folders.setdefault(folder, []).append((sender, subject, date, body))
    for folder, messages in folders.items():
        files[root / LOCAL_FOLDERS / folder] = mbox(messages)
    (root / "Mail" / "127.0.0.1").mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(text)
    return root


def _three_pane(folder: str) -> dict[str, object]:
    """The main window as session.json keeps it: one tab showing ``folder``, its panes shown."""
    state = {"firstTab": True, "folderPaneVisible": True, "folderURI": folder, "messagePaneVisible": True}
    return {
        "type": "3pane",
        "tabs": {"rev": 0, "selectedIndex": 0, "tabs": [{"mode": "mail3PaneTab", "state": state}]},
    }
