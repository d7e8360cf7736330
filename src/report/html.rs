//! Text helpers for the report page: escaping and exact numbers.
//!
//! Every piece of text that comes from a run (keywords, words, URLs, part
//! ids, strategy names) goes through [`esc`] before it reaches the page,
//! whether in HTML text, an attribute or inline SVG.

/// Escapes text for HTML text and (double- or single-quoted) attribute
/// values. Control characters, which HTML does not carry faithfully (NUL
/// becomes U+FFFD, others are parse errors), are shown as their Unicode
/// "control pictures" (U+0000 → `␀`); C1 controls become U+FFFD.
///
/// ```
/// use logcount::report::html::esc;
/// assert_eq!(esc(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// assert_eq!(esc("a\u{0}b"), "a\u{2400}b");
/// ```
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).expect("control pictures exist"))
            }
            '\u{7f}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `n` with thousands separators: `1234567` → `"1,234,567"`.
///
/// ```
/// use logcount::report::html::thousands;
/// assert_eq!(thousands(0), "0");
/// assert_eq!(thousands(2460), "2,460");
/// assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// An exact count on the page: shown with thousands separators, the exact
/// integer kept in `data-value` and the tooltip, so a reader (or a test) can
/// find it without parsing the display form.
///
/// ```
/// use logcount::report::html::num;
/// assert_eq!(num(2460), r#"<span class="n" data-value="2460" title="2460">2,460</span>"#);
/// ```
pub fn num(n: u64) -> String {
    format!(
        r#"<span class="n" data-value="{n}" title="{n}">{}</span>"#,
        thousands(n)
    )
}

/// A byte count: exact bytes plus a short binary-unit form (`1.5 MiB`).
///
/// ```
/// use logcount::report::html::bytes;
/// assert!(bytes(1536).contains(r#"data-value="1536""#));
/// assert!(bytes(1536).contains("1.5 KiB"));
/// ```
pub fn bytes(n: u64) -> String {
    let human = human_bytes(n);
    format!(
        r#"<span class="n" data-value="{n}" title="{n} bytes">{}</span> <span class="unit">bytes{}</span>"#,
        thousands(n),
        if n >= 1024 {
            format!(" ({human})")
        } else {
            String::new()
        }
    )
}

/// `1536` → `"1.5 KiB"`; below 1 KiB, `"N B"`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_table() {
        let cases: &[(&str, &str)] = &[
            ("INFO", "INFO"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("a&b", "a&amp;b"),
            ("&amp;", "&amp;amp;"),
            (r#"say "hi""#, "say &quot;hi&quot;"),
            ("it's", "it&#39;s"),
            ("\u{1b}[31m", "\u{241b}[31m"),
            ("\u{7f}", "\u{2421}"),
            ("\u{85}", "\u{fffd}"),
            ("tab\there", "tab\there"),
            ("ünïcødé ✓", "ünïcødé ✓"),
            ("\u{fffd}", "\u{fffd}"),
        ];
        for (given, want) in cases {
            assert_eq!(esc(given), *want, "escaping {given:?}");
        }
    }

    #[test]
    fn escaped_text_has_no_markup_characters() {
        let nasty: String = (0u32..0x300).filter_map(char::from_u32).collect();
        let e = esc(&nasty);
        for bad in ['<', '>', '"', '\'', '\0'] {
            assert!(!e.contains(bad), "{bad:?} survived");
        }
        // Every '&' starts one of our entities.
        for (i, _) in e.match_indices('&') {
            let rest = &e[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|ent| rest.starts_with(ent)),
                "stray & at {i}"
            );
        }
    }

    #[test]
    fn thousands_table() {
        for (n, want) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (12345, "12,345"),
            (100000, "100,000"),
            (1000000, "1,000,000"),
        ] {
            assert_eq!(thousands(n), want);
        }
    }

    #[test]
    fn human_bytes_table() {
        for (n, want) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (540577, "527.9 KiB"),
            (1 << 30, "1.0 GiB"),
        ] {
            assert_eq!(human_bytes(n), want);
        }
    }
}
