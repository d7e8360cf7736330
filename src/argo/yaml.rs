//! A small YAML emitter for the generated workflows: block-style maps and
//! lists, keys in the order built, every string double-quoted with JSON
//! escapes (a JSON string is a valid YAML double-quoted scalar), so nothing is
//! left to YAML's implicit typing.

/// A YAML value: what the generator builds, in key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    /// A string, always written double-quoted.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// A block map, keys in this order.
    Map(Vec<(&'static str, Y)>),
    /// A block list.
    List(Vec<Y>),
}

impl Y {
    /// The same value as JSON (what a YAML parser must read back).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Y::Str(v) => Value::String(v.clone()),
            Y::Int(v) => Value::from(*v),
            Y::Bool(v) => Value::Bool(*v),
            Y::Map(kv) => Value::Object(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Y::List(vs) => Value::Array(vs.iter().map(Y::to_json).collect()),
        }
    }
}

pub(super) fn s(v: impl Into<String>) -> Y {
    Y::Str(v.into())
}
pub(super) fn m(kv: Vec<(&'static str, Y)>) -> Y {
    Y::Map(kv)
}
pub(super) fn l(vs: Vec<Y>) -> Y {
    Y::List(vs)
}

/// Writes a value as block-style YAML.
pub fn to_yaml(y: &Y) -> String {
    let mut out = String::new();
    emit(y, 0, &mut out);
    out
}

fn scalar(y: &Y) -> Option<String> {
    match y {
        Y::Str(v) => Some(serde_json::to_string(v).expect("strings serialize")),
        Y::Int(v) => Some(v.to_string()),
        Y::Bool(v) => Some(v.to_string()),
        Y::Map(kv) if kv.is_empty() => Some("{}".into()),
        Y::List(vs) if vs.is_empty() => Some("[]".into()),
        _ => None,
    }
}

fn key(k: &str) -> String {
    let plain = k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
    if plain {
        k.to_string()
    } else {
        serde_json::to_string(k).expect("strings serialize")
    }
}

fn emit(y: &Y, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match y {
        Y::Map(kv) if !kv.is_empty() => {
            for (k, v) in kv {
                out.push_str(&format!("{pad}{}:", key(k)));
                match scalar(v) {
                    Some(sc) => out.push_str(&format!(" {sc}\n")),
                    None => {
                        out.push('\n');
                        emit(v, indent + 2, out);
                    }
                }
            }
        }
        Y::List(vs) if !vs.is_empty() => {
            for v in vs {
                match scalar(v) {
                    Some(sc) => out.push_str(&format!("{pad}- {sc}\n")),
                    None => {
                        // Render the item two deeper, then put the dash in its first line's indent.
                        let mut item = String::new();
                        emit(v, indent + 2, &mut item);
                        out.push_str(&pad);
                        out.push_str("- ");
                        out.push_str(&item[indent + 2..]);
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other).expect("a scalar"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_every_string_and_nests_lists_of_maps() {
        let y = m(vec![
            ("a", s("0")),
            (
                "b",
                l(vec![
                    m(vec![("x", s("no")), ("y", l(vec![s("1e3"), Y::Int(3)]))]),
                    s("a\"b\n"),
                ]),
            ),
            ("c", m(vec![])),
            ("app.kubernetes.io/name", Y::Bool(true)),
            ("with space", l(vec![])),
        ]);
        let want = "a: \"0\"\nb:\n  - x: \"no\"\n    y:\n      - \"1e3\"\n      - 3\n  - \"a\\\"b\\n\"\nc: {}\napp.kubernetes.io/name: true\n\"with space\": []\n";
        assert_eq!(to_yaml(&y), want);
    }
}
