//! Quoting for bash and for comments, so no value from the source can run as a command
//! or end a comment early.

pub use infrac_templates::text::shell_quote;
pub(crate) use infrac_templates::text::{
    comment_safe, file_segment, is_shell_word, push_file_segment, push_shell_quoted, wrap,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(shell_quote("router"), "router");
        assert_eq!(
            shell_quote("local-lvm:50,iothread=1"),
            "local-lvm:50,iothread=1"
        );
        assert_eq!(
            shell_quote("virtio,bridge=vmbr1,tag=30"),
            "virtio,bridge=vmbr1,tag=30"
        );
    }

    #[test]
    fn empty_is_an_empty_word() {
        assert_eq!(shell_quote(""), "\"\"");
    }

    #[test]
    fn spaces_and_quotes_are_quoted() {
        assert_eq!(shell_quote("edge router"), "\"edge router\"");
        assert_eq!(shell_quote("it's"), "\"it's\"");
        assert_eq!(shell_quote("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn expansions_are_escaped() {
        assert_eq!(shell_quote("$(rm -rf /)"), "\"\\$(rm -rf /)\"");
        assert_eq!(shell_quote("`id`"), "\"\\`id\\`\"");
        assert_eq!(shell_quote("${HOME}"), "\"\\${HOME}\"");
        assert_eq!(shell_quote("a\\b"), "\"a\\\\b\"");
    }

    #[test]
    fn newlines_stay_inside_the_quotes() {
        assert_eq!(shell_quote("a\nrm -rf /"), "\"a\nrm -rf /\"");
    }

    #[test]
    fn globs_tildes_and_separators_are_quoted() {
        for value in [
            "*", "~root", "a;b", "a|b", "a&b", "a>b", "(x)", "{a,b}", "a#b", "!x",
        ] {
            let quoted = shell_quote(value);
            assert!(
                quoted.starts_with('"') && quoted.ends_with('"'),
                "{value} -> {quoted}"
            );
        }
    }

    #[test]
    fn nul_cannot_truncate_the_script() {
        assert_eq!(shell_quote("a\0b"), "\"a\u{FFFD}b\"");
    }

    /// The decisive property: bash reads every quoted value back as exactly the original
    /// text, as one word, and runs nothing.
    #[test]
    fn bash_reads_quoted_values_back_unchanged() {
        let values = [
            "plain",
            "with space",
            "\"; rm -rf / #",
            "$(touch /nonexistent/pwned)",
            "`touch /nonexistent/pwned`",
            "${PATH}",
            "$PATH",
            "a\\\"b",
            "trailing backslash\\",
            "line one\nline two",
            "tab\there",
            "it's 'quoted'",
            "!history",
            "* ? [a]",
            "~user",
            "",
            "ünïcødé — ok",
        ];
        let mut script = String::from("set -euo pipefail\n");
        for value in values {
            script.push_str(&format!("printf '%s\\0' {}\n", shell_quote(value)));
        }
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output();
        let output = match output {
            Ok(output) => output,
            Err(e) => panic!("bash is needed for this test: {e}"),
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let read_back: Vec<&str> = text.split('\0').collect();
        assert_eq!(&read_back[..values.len()], &values[..]);
    }
}
