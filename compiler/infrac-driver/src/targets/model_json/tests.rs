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
