//! `serde_json::to_string_pretty`, byte for byte, written straight into a `String`.
//!
//! A large lab's model.json has some 700,000 lines, most of them a struct field. Through
//! serde_json each of them costs a handful of small writes through the formatter and a
//! byte-by-byte escape of its key, and the whole text is checked as UTF-8 once more at
//! the end. Here a field's line break, indentation and key go out together, text that
//! needs no escaping is copied as is, integers are written directly, and everything else
//! is left to serde_json itself: escaping, floats, and map keys, so the output cannot
//! drift from it.

mod serializer;
#[cfg(test)]
mod tests;

use serde::ser::{self, Serialize};
use serde_json::Error;

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
    /// same text for as long as the program runs; an unused prefix has address 0, which
    /// no name has.
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
