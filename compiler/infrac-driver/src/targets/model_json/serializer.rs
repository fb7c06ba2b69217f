//! serde's serializer traits for [`Pretty`], in serde_json's terms.

use super::{needs_escaping, Compound, Pretty, Result, State};
use serde::ser::{self, Serialize};
use serde_json::ser::Formatter;
use serde_json::Error;
use std::fmt::Write;

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
