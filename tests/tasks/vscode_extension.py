"""A small VS Code extension of ours, packed as a ``.vsix`` for the tests: it offers ``OpenProject``,
which writes the name of the editor's open folder to ``~/OpenProject.txt`` ("" with no folder
open), as OSWorld's eval extension does for its task 53ad5833 (judged by ``compare_config`` against
the folder's name), and ``DoNothing``, a command that writes nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

MANIFEST = {
    "name": "eval",
    "publisher": "palaestra-test",
    "version": "0.0.1",
    "engines": {"vscode": "^1.80.0"},
    "main": "./extension.js",
    "activationEvents": ["onCommand:OpenProject", "onCommand:DoNothing"],
    "contributes": {
        "commands": [
            {"command": "OpenProject", "title": "OpenProject"},
            {"command": "DoNothing", "title": "%nothing%"},
        ]
    },
}
NLS = {"nothing": "Do Nothing At All"}
SCRIPT = """
const vscode = require("vscode");
const fs = require("fs");
const os = require("os");
const path = require("path");
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand("OpenProject", () => {
    const folders = vscode.workspace.workspaceFolders || [];
    const name = folders.length ? folders[0].name : "";
    fs.writeFileSync(path.join(os.homedir(), "OpenProject.txt"), name);
  }));
  context.subscriptions.push(vscode.commands.registerCommand("DoNothing", () => {}));
};
"""
VSIX_MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">
  <Metadata><Identity Language="en-US" Id="eval" Version="0.0.1" Publisher="palaestra-test"/>
  <DisplayName>Eval</DisplayName><Description xml:space="preserve">test</Description></Metadata>
  <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true"/>
  </Assets>
</PackageManifest>
"""
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension=".json" ContentType="application/json"/>'
    '<Default Extension=".js" ContentType="application/javascript"/>'
    '<Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>'
)


def write_vsix(path: Path) -> Path:
    """The extension packed at ``path`` (a zip, as ``vsce package`` makes one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as vsix:
        vsix.writestr("extension.vsixmanifest", VSIX_MANIFEST)
        vsix.writestr("[Content_Types].xml", CONTENT_TYPES)
        vsix.writestr("extension/package.json", json.dumps(MANIFEST))
        vsix.writestr("extension/package.nls.json", json.dumps(NLS))
        vsix.writestr("extension/extension.js", SCRIPT)
    return path


def unpack(folder: Path) -> Path:
    """The extension as VS Code installs it: its ``extension/`` folder at ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps(MANIFEST))
    (folder / "package.nls.json").write_text(json.dumps(NLS))
    (folder / "extension.js").write_text(SCRIPT)
    return folder
