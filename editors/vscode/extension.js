// Starts `infrac lsp` for .infra files: the server publishes the same diagnostics as
// `infrac check` while the file is edited, with related locations for every label.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("infrac").get("path", "infrac");
  client = new LanguageClient(
    "infrac",
    "infrac",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "infra" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
