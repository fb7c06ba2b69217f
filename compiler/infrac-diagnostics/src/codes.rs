//! The registry of diagnostic codes. Codes are stable: never reuse or renumber one.
//!
//! Ranges: E01xx syntax, E02xx names and resolution, E03xx types and values, E04xx
//! validation of the checked model, E1xxx targets, Wxxxx warnings. Every code has a long
//! explanation in `docs/diagnostics/CODE.md`, embedded here so `infrac explain` works
//! from the binary alone.

use serde::{Serialize, Serializer};
use std::fmt;

/// A stable diagnostic code such as `E0201`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub &'static str);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// A code's one-line title and its long explanation (Markdown).
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: Code,
    pub title: &'static str,
    pub explanation: &'static str,
}

impl Code {
    /// The registry entry of this code.
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.iter().find(|c| c.code == self)
    }

    /// Looks a code up by its text, case-insensitively (`e0201` works).
    pub fn parse(text: &str) -> Option<Code> {
        CODES
            .iter()
            .find(|c| c.code.0.eq_ignore_ascii_case(text.trim()))
            .map(|c| c.code)
    }
}

macro_rules! codes {
    ($($name:ident = $code:literal, $title:literal;)*) => {
        impl Code {
            $(
                #[doc = $title]
                pub const $name: Code = Code($code);
            )*
        }
        /// Every code, in numeric order.
        pub static CODES: &[CodeInfo] = &[
            $(CodeInfo {
                code: Code($code),
                title: $title,
                explanation: include_str!(concat!("../../../docs/diagnostics/", $code, ".md")),
            },)*
        ];
    };
}

codes! {
    SYNTAX_UNEXPECTED = "E0101", "unexpected token";
    SYNTAX_UNCLOSED = "E0102", "unclosed delimiter or string";
    SYNTAX_BAD_LITERAL = "E0103", "malformed literal";
    SYNTAX_BAD_CHARACTER = "E0104", "character that cannot start a token";
    SYNTAX_NOT_TEXT = "E0105", "source file is not UTF-8 text";
    SYNTAX_TOO_DEEP = "E0106", "nesting too deep";
    UNRESOLVED_NAME = "E0201", "unresolved name";
    WRONG_KIND = "E0202", "reference to the wrong kind of thing";
    DUPLICATE_DECLARATION = "E0203", "duplicate declaration";
    IMPORT_NOT_FOUND = "E0204", "import not found";
    IMPORT_CYCLE = "E0205", "import cycle";
    UNKNOWN_KIND = "E0206", "unknown declaration or block kind";
    UNKNOWN_ATTRIBUTE = "E0207", "unknown attribute";
    DUPLICATE_ATTRIBUTE = "E0208", "attribute set twice";
    UNKNOWN_FUNCTION = "E0209", "unknown function";
    AMBIGUOUS_SITE = "E0210", "host without a site in a lab with several sites";
    TYPE_MISMATCH = "E0301", "value of the wrong type";
    WRONG_UNIT = "E0302", "wrong or unknown unit";
    ADDRESS_FAMILY = "E0303", "IPv4 and IPv6 mixed up";
    MISSING_ATTRIBUTE = "E0304", "missing required attribute";
    OUT_OF_RANGE = "E0305", "value out of range";
    EVALUATION = "E0306", "expression cannot be evaluated";
    BAD_ARGUMENTS = "E0307", "wrong arguments to a function";
    HOST_BITS_SET = "E0308", "prefix with host bits set";
    BAD_PATTERN = "E0309", "invalid naming pattern";
    BAD_DECLARATION_HEAD = "E0310", "declaration head does not fit its kind";
    PLAINTEXT_SECRET = "E0311", "plaintext secret in the source";
    UNUSED_IMPORT = "W0201", "unused import";
    TEMPLATE_UNUSED = "W0202", "template never used";
    DOC_COMMENT_DETACHED = "W0101", "doc comment attached to nothing";
}
