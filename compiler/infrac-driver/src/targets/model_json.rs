//! `serde_json::to_string_pretty`, byte for byte, written straight into a `String`.
//!
//! A large lab's model.json has some 700,000 lines, most of them a struct field. Through
//! serde_json each of them costs a handful of small writes through the formatter and a
//! byte-by-byte escape of its key, and the whole text is checked as UTF-8 once more at
//! the end. Here a field's line break, indentation and key go out together, text that
//! needs no escaping is copied as is, and everything else is left to serde_json itself:
//! escaping, numbers, and map keys, so the output cannot drift from it.

use serde::ser::{self, Serialize};
use serde_json::ser::Formatter;
use serde_json::Error;
use std::fmt::Write;

type Result<T = ()> = std::result::Result<T, Error>;

/// `value` as serde_json's pretty printing (two spaces a level) would write it, into a
/// string of `capacity` to begin with.
pub fn to_string_pretty(value: &(impl Serialize + ?Sized), capacity: usize) -> Result<String> {
    let mut serializer = Pretty {
        out: String::with_capacity(capacity),
        depth: 0,
        prefixes: std::iter::repeat_with(Default::default)
            .take(PREFIX_SETS)
            .collect(),
    };
    value.serialize(&mut serializer)?;
    Ok(serializer.out)
}

struct Pretty {
    out: String,
    depth: usize,
    /// Struct fields' prefixes written so far (see [`Prefix`]), two for each hash: the
    /// one written last first.
    prefixes: Vec<[Prefix; 2]>,
}

/// Sets of prefixes kept: a lab's model has a few hundred, and two of them with the
/// same hash still both stay.
const PREFIX_SETS: usize = 1024;

/// The text before a struct field's value (`,\n    "name": `), by the field's name,
/// depth and place. A model repeats a few hundred of them hundreds of thousands of times.
#[derive(Default)]
struct Prefix {
    /// The address and length of the field's name, its depth, and whether it is the
    /// first field. Names are `&'static str`, so an address and a length stand for the
    /// same text for as long as the program runs.
    id: (usize, usize, usize, bool),
    text: String,
}

impl Pretty {
    /// A line break and the indentation of the current depth, after a comma unless
    /// `first`.
    #[inline]
    fn line(&mut self, first: bool) {
        // Deep enough for the model (its deepest line is about ten levels in).
        const BYTES: [u8; 130] = {
            let mut line = [b' '; 130];
            line[0] = b',';
            line[1] = b'\n';
            line
        };
        const LINE: &str = match std::str::from_utf8(&BYTES) {
            Ok(line) => line,
            Err(_) => panic!("spaces are text"),
        };
        let from = usize::from(first);
        match LINE.get(from..2 + 2 * self.depth) {
            Some(line) => self.out.push_str(line),
            None => self.deep_line(&LINE[from..2]),
        }
    }

    #[cold]
    #[inline(never)]
    fn deep_line(&mut self, start: &str) {
        self.out.push_str(start);
        (0..self.depth).for_each(|_| self.out.push_str("  "));
    }

    /// `[` or `{`: one level deeper.
    fn open(&mut self, bracket: &str) {
        self.depth += 1;
        self.out.push_str(bracket);
    }

    /// `]` or `}`, on a line of its own unless nothing was written in it.
    fn close(&mut self, bracket: &str, state: State) {
        self.depth -= 1;
        if state == State::Rest {
            self.line(true);
        }
        self.out.push_str(bracket);
    }

    /// Before an element or a key: a comma after the one before, and a line of its own.
    #[inline]
    fn item(&mut self, state: &mut State) {
        self.line(*state == State::First);
        *state = State::Rest;
    }

    /// A struct field's line and name, `,\n    "name": `, copied when written before.
    #[inline(always)]
    fn field_prefix(&mut self, state: &mut State, key: &'static str) -> Result {
        let id = (
            key.as_ptr() as usize,
            key.len(),
            self.depth,
            *state == State::First,
        );
        let hash = (id.0 as u64 ^ (id.1 as u64) << 24 ^ (id.2 as u64) << 1 ^ u64::from(id.3))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let set = (hash >> 54) as usize % PREFIX_SETS;
        *state = State::Rest;
        let [first, second] = &self.prefixes[set];
        if first.id == id {
            self.out.push_str(&first.text);
        } else if second.id == id {
            self.out.push_str(&second.text);
        } else {
            return self.new_prefix(set, id, key);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn new_prefix(&mut self, set: usize, id: (usize, usize, usize, bool), key: &str) -> Result {
        let start = self.out.len();
        self.line(id.3);
        self.string(key)?;
        self.out.push_str(": ");
        let set = &mut self.prefixes[set];
        set.swap(0, 1);
        set[0].id = id;
        set[0].text.clear();
        set[0].text.push_str(&self.out[start..]);
        Ok(())
    }

    /// A JSON string. Only control characters, `"` and `\` are escaped, so most text
    /// goes out unchanged; the rest is escaped by serde_json.
    #[inline]
    fn string(&mut self, text: &str) -> Result {
        if needs_escaping(text.as_bytes()) {
            self.escaped(text)
        } else {
            self.out.reserve(text.len() + 2);
            self.out.push('"');
            self.out.push_str(text);
            self.out.push('"');
            Ok(())
        }
    }

    #[cold]
    #[inline(never)]
    fn escaped(&mut self, text: &str) -> Result {
        self.out.push_str(&serde_json::to_string(text)?);
        Ok(())
    }

    /// An integer in decimal, as serde_json writes it.
    fn unsigned(&mut self, mut value: u64) {
        const BYTES: [u8; 200] = {
            let mut pairs = [0; 200];
            let mut i = 0;
            while i < 100 {
                pairs[2 * i] = b'0' + (i / 10) as u8;
                pairs[2 * i + 1] = b'0' + (i % 10) as u8;
                i += 1;
            }
            pairs
        };
        // `00`, `01`, … `99`: two digits at a time, with no UTF-8 check for each number.
        const PAIRS: &str = match std::str::from_utf8(&BYTES) {
            Ok(pairs) => pairs,
            Err(_) => panic!("digits are text"),
        };
        // The pairs below the leading one or two digits, lowest first.
        let mut lower = [0u8; 10];
        let mut count = 0;
        while value >= 100 {
            lower[count] = (value % 100) as u8;
            value /= 100;
            count += 1;
        }
        let pair = |pair: u8| PAIRS.get(2 * usize::from(pair)..2 * usize::from(pair) + 2);
        match value {
            0..10 => self.out.push(char::from(b'0' + value as u8)),
            _ => self.out.push_str(pair(value as u8).unwrap_or_default()),
        }
        for &low in lower[..count].iter().rev() {
            self.out.push_str(pair(low).unwrap_or_default());
        }
    }

    /// A number (or anything else a formatter writes in one piece) as serde_json's
    /// formatter writes it.
    fn scalar(&mut self, write: impl FnOnce(&mut &mut [u8]) -> std::io::Result<()>) -> Result {
        // The longest is an i128 with its sign: 40 bytes.
        let mut buffer = [0u8; 48];
        let mut rest: &mut [u8] = &mut buffer;
        write(&mut rest).map_err(Error::io)?;
        let written = 48 - rest.len();
        let text = std::str::from_utf8(&buffer[..written]).map_err(ser::Error::custom)?;
        self.out.push_str(text);
        Ok(())
    }

    /// `{"variant": ` of an enum variant with data.
    fn open_variant(&mut self, variant: &str) -> Result {
        self.open("{");
        self.item(&mut State::First);
        self.string(variant)?;
        self.out.push_str(": ");
        Ok(())
    }

    /// `[` of a sequence, closed at once when it is known to be empty.
    fn seq(&mut self, len: Option<usize>) -> Compound<'_> {
        self.open("[");
        self.compound(len, "]")
    }

    /// `{` of a map or struct, closed at once when it is known to be empty.
    fn map(&mut self, len: Option<usize>) -> Compound<'_> {
        self.open("{");
        self.compound(len, "}")
    }

    fn compound(&mut self, len: Option<usize>, bracket: &str) -> Compound<'_> {
        let state = if len == Some(0) {
            self.close(bracket, State::First);
            State::Empty
        } else {
            State::First
        };
        Compound { ser: self, state }
    }
}

/// Whether serde_json escapes any byte of `text`: a control character, `"` or `\`.
/// Looked at a word at a time, as most of the text is short names and keys.
fn needs_escaping(text: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is below 0x20, `"` or `\`. Each test is exact: a
    // borrow only carries into the bytes above one that matches.
    fn any(word: u64) -> bool {
        let zero = |word: u64| word.wrapping_sub(ONES) & !word;
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let quote = zero(word ^ (ONES * u64::from(b'"')));
        let backslash = zero(word ^ (ONES * u64::from(b'\\')));
        (control | quote | backslash) & HIGH != 0
    }
    let word = |bytes: Option<&[u8; 8]>| bytes.is_none_or(|bytes| any(u64::from_ne_bytes(*bytes)));
    let half = |bytes: Option<&[u8; 4]>| bytes.map_or(0, |bytes| u32::from_ne_bytes(*bytes));
    match text.len() {
        0..4 => text
            .iter()
            .any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\'),
        4..=8 => {
            let (head, tail) = (half(text.first_chunk()), half(text.last_chunk()));
            any(u64::from(head) | u64::from(tail) << 32)
        }
        _ => {
            let mut chunks = text.chunks_exact(8);
            chunks.by_ref().any(|chunk| word(chunk.first_chunk())) || word(text.last_chunk())
        }
    }
}

/// Where a compound value is: closed already (known empty when opened), before its
/// first element, or after one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

struct Compound<'a> {
    ser: &'a mut Pretty,
    state: State,
}

impl Compound<'_> {
    fn element(&mut self, value: &(impl Serialize + ?Sized)) -> Result {
        self.ser.item(&mut self.state);
        value.serialize(&mut *self.ser)
    }

    fn field(&mut self, key: &'static str, value: &(impl Serialize + ?Sized)) -> Result {
        self.ser.field_prefix(&mut self.state, key)?;
        value.serialize(&mut *self.ser)
    }

    fn end(self, bracket: &str) -> Result {
        if self.state != State::Empty {
            self.ser.close(bracket, self.state);
        }
        Ok(())
    }

    /// The end of a variant with data: its value, then the object around it.
    fn end_variant(self, bracket: &str) -> Result {
        let Compound { ser, state } = self;
        if state != State::Empty {
            ser.close(bracket, state);
        }
        ser.close("}", State::Rest);
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Pretty {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, value: bool) -> Result {
        self.out.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result {
        self.serialize_i64(value.into())
    }

    fn serialize_i16(self, value: i16) -> Result {
        self.serialize_i64(value.into())
    }

    fn serialize_i32(self, value: i32) -> Result {
        self.serialize_i64(value.into())
    }

    fn serialize_i64(self, value: i64) -> Result {
        if value < 0 {
            self.out.push('-');
        }
        self.unsigned(value.unsigned_abs());
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result {
        self.scalar(|w| serde_json::ser::CompactFormatter.write_i128(w, value))
    }

    fn serialize_u8(self, value: u8) -> Result {
        self.serialize_u64(value.into())
    }

    fn serialize_u16(self, value: u16) -> Result {
        self.serialize_u64(value.into())
    }

    fn serialize_u32(self, value: u32) -> Result {
        self.serialize_u64(value.into())
    }

    fn serialize_u64(self, value: u64) -> Result {
        self.unsigned(value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result {
        self.scalar(|w| serde_json::ser::CompactFormatter.write_u128(w, value))
    }

    fn serialize_f32(self, value: f32) -> Result {
        if value.is_finite() {
            self.scalar(|w| serde_json::ser::CompactFormatter.write_f32(w, value))
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_f64(self, value: f64) -> Result {
        // Whole numbers well below where serde_json turns to an exponent, as ratios and
        // weights mostly are, are that number and `.0`.
        if value.is_sign_positive() && value < 1e6 && value.fract() == 0.0 {
            self.unsigned(value as u64);
            self.out.push_str(".0");
            Ok(())
        } else if value.is_finite() {
            self.scalar(|w| serde_json::ser::CompactFormatter.write_f64(w, value))
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_char(self, value: char) -> Result {
        self.string(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, value: &str) -> Result {
        self.string(value)
    }

    fn serialize_bytes(self, value: &[u8]) -> Result {
        let mut seq = self.seq(None);
        value.iter().try_for_each(|byte| seq.element(byte))?;
        seq.end("]")
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.close("}", State::Rest);
        Ok(())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.seq(len))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        Ok(self.seq(Some(len)))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        Ok(self.seq(Some(len)))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.open_variant(variant)?;
        Ok(self.seq(Some(len)))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.map(len))
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        Ok(self.map(Some(len)))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.open_variant(variant)?;
        Ok(self.map(Some(len)))
    }

    /// Written in place, then escaped only if it needs it.
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result {
        let start = self.out.len();
        self.out.push('"');
        write!(self.out, "{value}").map_err(ser::Error::custom)?;
        if needs_escaping(&self.out.as_bytes()[start + 1..]) {
            let text = self.out.split_off(start + 1);
            self.out.truncate(start);
            self.string(&text)
        } else {
            self.out.push('"');
            Ok(())
        }
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        Compound::end(self, "]")
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        Compound::end(self, "]")
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        Compound::end(self, "]")
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        self.end_variant("]")
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    /// Keys go through serde_json, which decides which of them make a string (numbers
    /// and booleans are quoted, anything else is an error). The model has no maps, so
    /// this path need not be fast.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        struct Entry<'k, K: ?Sized>(&'k K);
        impl<K: Serialize + ?Sized> Serialize for Entry<'_, K> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                use ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(self.0, &())?;
                map.end()
            }
        }
        let entry = serde_json::to_string(&Entry(key))?;
        // `{"key":null}`
        let key = entry
            .strip_prefix('{')
            .and_then(|e| e.strip_suffix(":null}"))
            .ok_or_else(|| <Error as ser::Error>::custom("a map key without its entry"))?;
        self.ser.item(&mut self.state);
        self.ser.out.push_str(key);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.ser.out.push_str(": ");
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result {
        Compound::end(self, "}")
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }

    fn end(self) -> Result {
        Compound::end(self, "}")
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }

    fn end(self) -> Result {
        self.end_variant("}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn agrees(value: &(impl Serialize + ?Sized)) {
        let ours = super::to_string_pretty(value, 0).map_err(|e| e.to_string());
        let theirs = serde_json::to_string_pretty(value).map_err(|e| e.to_string());
        assert_eq!(ours, theirs);
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        NewtypeEmpty(Vec<u8>),
        Tuple(i8, &'static str),
        TupleEmpty(),
        Struct { a: u8, b: Option<bool> },
        StructEmpty {},
    }

    #[derive(Serialize)]
    #[serde(tag = "kind")]
    enum Tagged {
        One { x: u16 },
        Two,
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", content = "v")]
    enum Adjacent {
        One(u16),
        Two,
    }

    #[derive(Serialize)]
    struct Fields {
        #[serde(rename = "we\"ird\nkey")]
        weird: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        inner: Inner,
        unit: (),
        empty: Empty,
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
    }

    #[derive(Serialize)]
    #[serde(transparent)]
    struct Inner(Vec<Vec<u32>>);

    #[derive(Serialize)]
    struct Empty {}

    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    struct Shown(&'static str);
    impl Serialize for Shown {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self.0)
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        let value = serde_json::json!({
            "a": [1, [], {}, [[2, {"b": null}]], "x\"y"],
            "e": {"f": {"g": true}},
        });
        agrees(&value);
        // Deeper than the indentation written in one piece.
        agrees(&(0..70).fold(value, |inner, _| serde_json::json!([inner, 1])));
        agrees(&[
            Shape::Unit,
            Shape::Newtype(3),
            Shape::NewtypeEmpty(vec![]),
            Shape::Tuple(-4, "t"),
            Shape::TupleEmpty(),
            Shape::Struct { a: 1, b: None },
            Shape::StructEmpty {},
        ]);
        agrees(&(
            Tagged::One { x: 1 },
            Tagged::Two,
            Adjacent::One(2),
            Adjacent::Two,
        ));
        agrees(&Fields {
            weird: 1,
            skipped: None,
            inner: Inner(vec![vec![], vec![1, 2]]),
            unit: (),
            empty: Empty {},
            bytes: vec![0, 255],
        });
        agrees(&Fields {
            weird: 1,
            skipped: Some(2),
            inner: Inner(vec![]),
            unit: (),
            empty: Empty {},
            bytes: vec![],
        });
        agrees(&(
            [
                1.0f64,
                0.1,
                1e300,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                123456.789,
            ],
            [1.5f32, f32::NEG_INFINITY],
            (i64::MIN, u64::MAX, i128::MIN, u128::MAX, 'é', '\u{1}'),
        ));
        agrees(&[
            "",
            "plain",
            "ünïcödé ☃",
            "tab\there",
            "\u{0}\u{1f}\u{7f}\"\\/",
            "line\nbreak\r\u{8}\u{c}",
        ]);
        agrees(&[Shown("a.b"), Shown("quo\"te"), Shown("")]);
    }

    #[test]
    fn escaping_is_found_at_every_place() {
        let naive = |text: &[u8]| text.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    for fill in [b'a', 0x1f, 0xff, b'"'] {
                        let mut text = vec![fill; len];
                        text[at] = byte;
                        assert_eq!(super::needs_escaping(&text), naive(&text), "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn numbers_agree_with_serde_json() {
        let whole = (0..100_000).map(f64::from);
        let powers = (0..40).flat_map(|e| [10f64.powi(e), 2f64.powi(e), 10f64.powi(e) + 0.5]);
        let numbers: Vec<f64> = whole
            .chain(powers)
            .chain([-1.0, -0.0, 1e6 - 1.0, 0.25])
            .collect();
        agrees(&numbers);
        let integers: Vec<i64> = (0..64)
            .flat_map(|s| {
                [
                    1i64 << s,
                    (1i64 << s).wrapping_sub(1),
                    (1i64 << s).wrapping_neg(),
                ]
            })
            .collect();
        agrees(&(
            integers,
            [u64::MAX, 0, 9, 10, 99, 100],
            [i8::MIN],
            [u8::MAX],
            [i32::MIN],
        ));
    }

    #[test]
    fn maps_agree_with_serde_json() {
        agrees(&BTreeMap::from([("b", 1), ("a\"", 2)]));
        agrees(&BTreeMap::from([(1, "x"), (-2, "y")]));
        agrees(&BTreeMap::from([(true, [1])]));
        agrees(&BTreeMap::from([('c', ())]));
        agrees(&BTreeMap::<String, u8>::new());
        agrees(&BTreeMap::from([(Some(1u8), 0)]));
        // Keys serde_json refuses: the same error.
        agrees(&BTreeMap::from([((1, 2), 0)]));
        agrees(&BTreeMap::from([(None::<u8>, 0)]));
    }

    /// More field names than the prefixes kept, at two depths and seen twice, so prefixes
    /// are written, found, and pushed out again.
    #[test]
    fn field_prefixes_agree_with_serde_json() {
        struct Wide(Vec<&'static str>, u8);
        impl Serialize for Wide {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut fields = s.serialize_struct("Wide", self.0.len())?;
                for (i, &name) in self.0.iter().enumerate() {
                    match self.1 {
                        0 => fields.serialize_field(name, &i)?,
                        depth => fields.serialize_field(name, &[Wide(vec![name], depth - 1)])?,
                    }
                }
                fields.end()
            }
        }
        let names: Vec<&'static str> = (0..3000)
            .map(|i| &*Box::leak(format!("field{}", i % 2500).into_boxed_str()))
            .chain(["", "a\"b", "tab\t"])
            .collect();
        agrees(&[
            Wide(names.clone(), 0),
            Wide(names.clone(), 1),
            Wide(names, 2),
        ]);
    }

    #[test]
    fn errors_are_serde_jsons() {
        struct Failing;
        impl Serialize for Failing {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no \"way\""))
            }
        }
        agrees(&[Failing]);
    }
}
