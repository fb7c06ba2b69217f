// Starts `infrac lsp` for .infra files: diagnostics as `infrac check` gives them, hover,
// navigation, completion, rename, quick fixes, formatting, semantic tokens and inlay
// hints. The stdlib's modules open read-only under the `infrac-stdlib:` scheme; their
// text comes from the server (LSP 3.18's `workspace/textDocumentContent`).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

const STDLIB_SCHEME = "infrac-stdlib";

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("infrac").get("path", "infrac");
  client = new LanguageClient(
    "infrac",
    "infrac",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", language: "infra" },
        { scheme: STDLIB_SCHEME, language: "infra" },
      ],
    }
  );
  const stdlib = {
    provideTextDocumentContent: async (uri) => {
      const answer = await client.sendRequest("workspace/textDocumentContent", {
        uri: uri.toString(),
      });
      return answer.text;
    },
  };
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(STDLIB_SCHEME, stdlib),
    { dispose: () => client && client.stop() }
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
