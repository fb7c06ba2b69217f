//! Starts `infrac lsp` for `.infra` files: the binary is the one on the `PATH`.

use zed_extension_api as zed;

struct Infra;

impl zed::Extension for Infra {
    fn new() -> Self {
        Infra
    }

    fn language_server_command(
        &mut self,
        _language_server_id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let command = worktree
            .which("infrac")
            .ok_or_else(|| "infrac is not on the PATH: install it with `cargo install --path compiler/infrac-cli`".to_string())?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".into()],
            env: Vec::new(),
        })
    }
}

zed::register_extension!(Infra);
