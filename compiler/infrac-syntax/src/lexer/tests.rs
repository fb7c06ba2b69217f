use super::*;

fn kinds(src: &str) -> Vec<Token> {
    lex(src, FileId(0))
        .tokens
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

#[test]
fn typed_literals() {
    let toks = kinds("d0:94:66:24:96:7c 2602:f674::/48 fe80::1 face 192.168.1.0/24 32GiB 500m tcp/30000..32767 0x1000 1.6TiB");
    assert_eq!(toks[0], Token::Mac([0xd0, 0x94, 0x66, 0x24, 0x96, 0x7c]));
    assert!(matches!(toks[1], Token::Prefix(IpAddr::V6(_), 48)));
    assert!(matches!(toks[2], Token::Ipv6(_)));
    assert_eq!(toks[3], Token::Ident("face".into()));
    assert!(matches!(toks[4], Token::Prefix(IpAddr::V4(_), 24)));
    assert_eq!(toks[5], Token::Quantity(Number::Int(32), "GiB".into()));
    assert_eq!(toks[6], Token::Quantity(Number::Int(500), "m".into()));
    assert_eq!(toks[7], Token::Port(Protocol::Tcp, 30000, Some(32767)));
    assert_eq!(toks[8], Token::Number(Number::Int(0x1000)));
    assert_eq!(toks[9], Token::Quantity(Number::Float(1.6), "TiB".into()));
}

#[test]
fn address_ranges_and_names() {
    let toks = kinds("192.168.100.100..192.168.100.200 k3s-worker-1 a - 1 proxy:443 100..999");
    assert!(matches!(toks[0], Token::Ipv4(_)));
    assert_eq!(toks[1], Token::DotDot);
    assert!(matches!(toks[2], Token::Ipv4(_)));
    assert_eq!(toks[3], Token::Ident("k3s-worker-1".into()));
    assert_eq!(toks[5], Token::Minus);
    assert_eq!(toks[7], Token::Ident("proxy".into()));
    assert_eq!(toks[8], Token::Colon);
    assert_eq!(toks[11], Token::DotDot);
}

/// Literals that start like names or numbers, and names and numbers next to a `:`:
/// every token with its span, as the lexer has always given them.
#[test]
fn literals_beside_names_and_colons() {
    let src = "a:b face:b00c::1 12ab:cd::1 1a2:3::4 cafe dead:beef:: fe80::1/64 \
               00:11:22:33:44:55 10:20 0x1f 18446744073709551615 00000000000000000001 \
               1_000 2GiB g0-0 a--b a- tcp/443 tcp udp/1..2 rx on onx in ip import \
               1.2.3.4..1.2.3.9 1.6TiB 7.";
    let lexed = lex(src, FileId(0));
    assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
    let v6 = |s: &str| Token::Ipv6(s.parse().expect("an IPv6 address"));
    let v4 = |s: &str| Token::Ipv4(s.parse().expect("an IPv4 address"));
    let name = |s: &str| Token::Ident(s.into());
    let int = |n| Token::Number(Number::Int(n));
    let expected = [
        (name("a"), 0, 1),
        (Token::Colon, 1, 2),
        (name("b"), 2, 3),
        (v6("face:b00c::1"), 4, 16),
        (v6("12ab:cd::1"), 17, 27),
        (v6("1a2:3::4"), 28, 36),
        (name("cafe"), 37, 41),
        (v6("dead:beef::"), 42, 53),
        (
            Token::Prefix("fe80::1".parse().expect("an address"), 64),
            54,
            64,
        ),
        (Token::Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55]), 65, 82),
        (int(10), 83, 85),
        (Token::Colon, 85, 86),
        (int(20), 86, 88),
        (int(0x1f), 89, 93),
        (int(u64::MAX), 94, 114),
        (int(1), 115, 135),
        (int(1000), 136, 141),
        (Token::Quantity(Number::Int(2), "GiB".into()), 142, 146),
        (name("g0-0"), 147, 151),
        (name("a"), 152, 153),
        (Token::Minus, 153, 154),
        (Token::Minus, 154, 155),
        (name("b"), 155, 156),
        (name("a"), 157, 158),
        (Token::Minus, 158, 159),
        (Token::Port(Protocol::Tcp, 443, None), 160, 167),
        (name("tcp"), 168, 171),
        (Token::Port(Protocol::Udp, 1, Some(2)), 172, 180),
        (name("rx"), 181, 183),
        (Token::On, 184, 186),
        (name("onx"), 187, 190),
        (Token::In, 191, 193),
        (name("ip"), 194, 196),
        (Token::Import, 197, 203),
        (v4("1.2.3.4"), 204, 211),
        (Token::DotDot, 211, 213),
        (v4("1.2.3.9"), 213, 220),
        (Token::Quantity(Number::Float(1.6), "TiB".into()), 221, 227),
        (int(7), 228, 229),
        (Token::Dot, 229, 230),
    ];
    let got: Vec<_> = lexed
        .tokens
        .into_iter()
        .map(|(t, s)| (t, s.start, s.end))
        .collect();
    assert_eq!(got, expected);
    let too_large = lex("18446744073709551616", FileId(0));
    assert_eq!(too_large.tokens[0].0, Token::Invalid);
    assert_eq!(too_large.diagnostics[0].message, "number too large");
}

#[test]
fn interpolation_and_newlines() {
    let toks = kinds("x = \"w-{i + 1}\"\n[a,\n b]\n");
    assert!(toks.contains(&Token::InterpOpen) && toks.contains(&Token::InterpClose));
    assert_eq!(toks.iter().filter(|t| **t == Token::Newline).count(), 2);
}

#[test]
fn raw_strings_keep_braces() {
    let toks = kinds(r#"guest = r"^[a-z]{1,30}\d$""#);
    assert!(
        toks.contains(&Token::StrText("^[a-z]{1,30}\\d$".into())),
        "{toks:?}"
    );
    assert!(!toks.contains(&Token::InterpOpen));
}

#[test]
fn never_panics_on_garbage() {
    for src in [
        "\u{0}\u{ffff}é\"{",
        "((((((((",
        "}}}",
        "\"\\",
        "0x",
        "tcp/99999",
        "1.2.3.4.5",
        "::::::",
        "{\"{\"{",
    ] {
        let _ = lex(src, FileId(0));
    }
    let deep = "[".repeat(10_000);
    let lexed = lex(&deep, FileId(0));
    assert!(lexed
        .diagnostics
        .iter()
        .any(|d| d.code == Code::SYNTAX_TOO_DEEP));
}

/// A string's text is read from the source, its escapes read only where it has any: each
/// stretch between interpolations comes out as written, escapes replaced, and a bad
/// escape stands for the character after the backslash.
#[test]
fn string_texts_read_their_escapes() {
    let texts = |src: &str| -> Vec<String> {
        lex(src, FileId(0))
            .tokens
            .into_iter()
            .filter_map(|(t, _)| match t {
                Token::StrText(text) => Some(text.to_string()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(texts(r#"x = "a\"b\{c\}\n\t\\d é""#), ["a\"b{c}\n\t\\d é"]);
    assert_eq!(texts(r#"x = "w-\{{i}\}-\q""#), ["w-{", "}-q"]);
    assert_eq!(texts(r#"x = "plain {i} text""#), ["plain ", " text"]);
    // A backslash the file ends after reads as nothing, so no text is left.
    assert_eq!(texts("x = \"\\"), Vec::<String>::new());
    assert_eq!(texts("x = \"ab\\"), ["ab"]);
    // A backslash before the line's end escapes the line break, which the string keeps.
    assert_eq!(texts("x = \"a\\\nb\""), ["a\nb"]);
}

/// A byte order mark at the start is skipped, so the spans after it stay offsets in the
/// text as given; one anywhere else is an unexpected character.
#[test]
fn a_leading_byte_order_mark_is_skipped() {
    let lexed = lex("\u{feff}site s {}", FileId(0));
    assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
    let (first, span) = &lexed.tokens[0];
    assert_eq!(*first, Token::Ident("site".into()));
    assert_eq!((span.start, span.end), (3, 7));

    let lexed = lex("site \u{feff}s {}", FileId(0));
    assert_eq!(lexed.diagnostics.len(), 1);
    assert!(lexed.diagnostics[0]
        .message
        .contains("unexpected character"));
}
