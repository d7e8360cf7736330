//! Inline SVG charts for the report: horizontal bars (one per keyword or
//! word), a line chart over time buckets, and columns (one per part).
//!
//! Pure string building; every label goes through [`esc`], and every mark
//! carries its exact value in `data-value` and a `<title>` tooltip.
//!
//! ```
//! use logcount::report::svg::hbars;
//! let svg = hbars("keyword-chart", &[("INFO".into(), 3), ("<b>".into(), 0)]);
//! assert_eq!(svg.matches(r#"<rect class="bar""#).count(), 2);
//! assert!(svg.contains("&lt;b&gt;"));
//! ```

use super::html::{esc, thousands};
use crate::timeline::TimeUnit;
use std::fmt::Write;

/// Series colours (Tableau 10), cycled.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The colour of series `i`.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A label cut to `max` characters (with `…`), for chart text; the full
/// label goes in the tooltip.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        label.chars().take(max - 1).chain(['…']).collect()
    }
}

const WIDTH: f64 = 860.0;

/// Horizontal bars, one `<rect class="bar">` per `(label, value)`, in the
/// order given, lengths proportional to the largest value.
pub fn hbars(id: &str, bars: &[(String, u64)]) -> String {
    const ROW: f64 = 24.0;
    const LABEL_CHARS: usize = 28;
    let label_w = bars
        .iter()
        .map(|(l, _)| l.chars().count().min(LABEL_CHARS))
        .max()
        .unwrap_or(4)
        .max(4) as f64
        * 8.0
        + 16.0;
    let value_w = 110.0;
    let plot_w = WIDTH - label_w - value_w;
    let max = bars.iter().map(|&(_, v)| v).max().unwrap_or(0).max(1) as f64;
    let height = ROW * bars.len() as f64 + 8.0;
    let mut s = String::new();
    write!(
        s,
        r#"<svg id="{id}" class="chart hbars" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img">"#
    )
    .unwrap();
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = (*value as f64 / max * plot_w).max(if *value > 0 { 1.0 } else { 0.0 });
        let (l, v) = (esc(label), thousands(*value));
        write!(
            s,
            r#"<g class="bar-row"><title>{l}: {value}</title><text x="{tx}" y="{ty}" text-anchor="end" class="label">{sl}</text><rect class="bar" data-label="{l}" data-value="{value}" x="{label_w}" y="{ry}" width="{w:.2}" height="{rh}" fill="{c}"/><text x="{vx:.2}" y="{ty}" class="value">{v}</text></g>"#,
            tx = label_w - 8.0,
            ty = y + ROW * 0.62,
            sl = esc(&short(label, LABEL_CHARS)),
            ry = y + 3.0,
            rh = ROW - 6.0,
            c = color(i),
            vx = label_w + w + 6.0,
        )
        .unwrap();
    }
    s.push_str("</svg>");
    s
}

/// The smallest "nice" step (1, 2 or 5 × 10^k) with `4 * step >= max`.
fn nice_step(max: u64) -> u64 {
    let need = max.div_ceil(4).max(1);
    let mut p = 1u64;
    loop {
        for m in [1, 2, 5] {
            if let Some(step) = p.checked_mul(m) {
                if step >= need {
                    return step;
                }
            }
        }
        match p.checked_mul(10) {
            Some(next) => p = next,
            None => return need,
        }
    }
}

/// A bucket start as an axis label for buckets of `unit`:
/// `2023-02-28T13:00:00Z` → `2023-02-28 13:00` (`2023-02-28` for days,
/// `2023-02-28 13:00:05` for seconds).
fn time_label(start: &str, unit: TimeUnit) -> String {
    let shown = match unit.finest() {
        TimeUnit::Day => 10,
        TimeUnit::Second => 19,
        _ => 16,
    };
    start.get(..shown).unwrap_or(start).replacen('T', " ", 1)
}

/// A line chart: one `<polyline class="series">` per keyword with one
/// point per bucket (`series[k][b]` is keyword `k`'s count in bucket `b`),
/// x by bucket order. With up to 200 buckets every point also gets a
/// `<circle class="pt">` with its exact count in a tooltip.
pub fn timeline(
    id: &str,
    unit: TimeUnit,
    keywords: &[String],
    starts: &[String],
    series: &[Vec<u64>],
) -> String {
    const H: f64 = 320.0;
    let (left, right, top, bottom) = (80.0, 20.0, 16.0, 44.0);
    let (pw, ph) = (WIDTH - left - right, H - top - bottom);
    let n = starts.len();
    let max = series.iter().flatten().copied().max().unwrap_or(0);
    let step = nice_step(max);
    let ymax = step as f64 * 4.0;
    let x = |i: usize| {
        if n <= 1 {
            left + pw / 2.0
        } else {
            left + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: u64| top + ph - v as f64 / ymax * ph;
    let mut s = String::new();
    write!(
        s,
        r#"<svg id="{id}" class="chart timeline" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{H}" viewBox="0 0 {WIDTH} {H}" role="img" data-buckets="{n}">"#
    )
    .unwrap();
    // Y grid and labels.
    for k in 0..=4u64 {
        let v = step.saturating_mul(k);
        let yy = y(v);
        write!(
            s,
            r##"<line class="grid" x1="{left}" x2="{x2}" y1="{yy:.2}" y2="{yy:.2}" stroke="#ddd"/><text class="tick" x="{tx}" y="{ty:.2}" text-anchor="end">{t}</text>"##,
            x2 = left + pw,
            tx = left - 6.0,
            ty = yy + 4.0,
            t = thousands(v),
        )
        .unwrap();
    }
    // X labels: at most 5 (they are ~110 px wide), evenly spread, first and last included.
    let labels = n.min(5);
    let mut shown = Vec::new();
    for j in 0..labels {
        let i = if labels == 1 {
            0
        } else {
            j * (n - 1) / (labels - 1)
        };
        if shown.last() != Some(&i) {
            shown.push(i);
        }
    }
    for &i in &shown {
        let anchor = match (i, n) {
            (0, n) if n > 1 => "start",
            (i, n) if n > 1 && i == n - 1 => "end",
            _ => "middle",
        };
        write!(
            s,
            r##"<line x1="{xx:.2}" x2="{xx:.2}" y1="{y0}" y2="{y1}" stroke="#999"/><text class="tick" x="{xx:.2}" y="{ty}" text-anchor="{anchor}">{t}</text>"##,
            xx = x(i),
            y0 = top + ph,
            y1 = top + ph + 4.0,
            ty = top + ph + 18.0,
            t = esc(&time_label(&starts[i], unit)),
        )
        .unwrap();
    }
    write!(
        s,
        r##"<line x1="{left}" x2="{x2}" y1="{yb}" y2="{yb}" stroke="#666"/>"##,
        x2 = left + pw,
        yb = top + ph
    )
    .unwrap();
    for (k, (kw, values)) in keywords.iter().zip(series).enumerate() {
        let kw = esc(kw);
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.2},{:.2}", x(i), y(v)))
            .collect();
        write!(
            s,
            r#"<polyline class="series" data-keyword="{kw}" data-points="{np}" fill="none" stroke="{c}" stroke-width="2" points="{pts}"/>"#,
            np = points.len(),
            c = color(k),
            pts = points.join(" "),
        )
        .unwrap();
        if n <= 200 {
            for (i, &v) in values.iter().enumerate() {
                write!(
                    s,
                    r#"<circle class="pt" data-keyword="{kw}" data-value="{v}" cx="{cx:.2}" cy="{cy:.2}" r="3" fill="{c}"><title>{kw} {st}: {v}</title></circle>"#,
                    cx = x(i),
                    cy = y(v),
                    c = color(k),
                    st = esc(&starts[i]),
                )
                .unwrap();
            }
        }
    }
    write!(
        s,
        r#"<text class="axis" x="{left}" y="{ty}">one point per bucket that has lines ({n} bucket{plural})</text></svg>"#,
        ty = H - 6.0,
        plural = if n == 1 { "" } else { "s" },
    )
    .unwrap();
    s
}

/// Columns, one `<rect class="col">` per `(label, value)` left to right
/// (parts: bytes or milliseconds), heights proportional to the largest.
pub fn columns(id: &str, items: &[(String, u64)], unit: &str) -> String {
    const H: f64 = 150.0;
    let (left, right, top, bottom) = (80.0, 20.0, 10.0, 24.0);
    let (pw, ph) = (WIDTH - left - right, H - top - bottom);
    let n = items.len().max(1);
    let slot = pw / n as f64;
    let max = items.iter().map(|&(_, v)| v).max().unwrap_or(0).max(1);
    let mut s = String::new();
    write!(
        s,
        r##"<svg id="{id}" class="chart columns" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{H}" viewBox="0 0 {WIDTH} {H}" role="img"><text class="tick" x="{tx}" y="{t1}" text-anchor="end">{mx}</text><text class="tick" x="{tx}" y="{t0}" text-anchor="end">0</text><line x1="{left}" x2="{x2}" y1="{yb}" y2="{yb}" stroke="#666"/>"##,
        tx = left - 6.0,
        t1 = top + 10.0,
        t0 = top + ph,
        mx = thousands(max),
        x2 = left + pw,
        yb = top + ph,
    )
    .unwrap();
    for (i, (label, v)) in items.iter().enumerate() {
        let h = *v as f64 / max as f64 * ph;
        let l = esc(label);
        write!(
            s,
            r##"<rect class="col" data-label="{l}" data-value="{v}" x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="#4e79a7"><title>part {l}: {v} {unit}</title></rect>"##,
            x = left + slot * i as f64 + slot * 0.1,
            y = top + ph - h,
            w = (slot * 0.8).max(0.5),
        )
        .unwrap();
    }
    write!(
        s,
        r#"<text class="axis" x="{left}" y="{ty}">{n} parts, in part order ({unit})</text></svg>"#,
        n = items.len(),
        ty = H - 6.0,
        unit = esc(unit),
    )
    .unwrap();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        for (max, step) in [
            (0, 1),
            (1, 1),
            (4, 1),
            (5, 2),
            (9, 5),
            (40, 10),
            (41, 20),
            (2583, 1000),
            (u64::MAX, 5_000_000_000_000_000_000),
        ] {
            assert_eq!(nice_step(max), step, "max {max}");
            assert!(step as f64 * 4.0 >= max as f64);
        }
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = hbars("c", &[("a".into(), 10), ("b".into(), 5), ("c".into(), 0)]);
        let widths: Vec<f64> = svg
            .match_indices(" width=\"")
            .skip(1) // the <svg> itself
            .map(|(i, m)| {
                let rest = &svg[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 3);
        assert!((widths[0] - 2.0 * widths[1]).abs() < 0.02, "{widths:?}");
        assert_eq!(widths[2], 0.0);
    }

    #[test]
    fn axis_labels_follow_the_bucket_width() {
        let t = [
            (TimeUnit::Day, "2023-02-28"),
            (TimeUnit::Hours(6), "2023-02-28 12:00"),
            (TimeUnit::Minutes(15), "2023-02-28 12:00"),
            (TimeUnit::Second, "2023-02-28 12:00:05"),
            (TimeUnit::Seconds(10), "2023-02-28 12:00:05"),
        ];
        for (unit, want) in t {
            assert_eq!(time_label("2023-02-28T12:00:05Z", unit), want, "{unit}");
        }
    }

    #[test]
    fn timeline_has_one_point_per_bucket_per_keyword() {
        for n in [1usize, 2, 7, 250] {
            let starts: Vec<String> = (0..n)
                .map(|i| format!("2023-02-28T{i:02}:00:00Z"))
                .collect();
            let kws = vec!["INFO".to_string(), "a<b".to_string()];
            let series = vec![(0..n as u64).collect(), vec![3; n]];
            let svg = timeline("t", TimeUnit::Hour, &kws, &starts, &series);
            assert_eq!(svg.matches("<polyline").count(), 2);
            for poly in svg.split("<polyline").skip(1) {
                let pts = poly.split(" points=\"").nth(1).unwrap();
                let pts = &pts[..pts.find('"').unwrap()];
                assert_eq!(pts.split(' ').count(), n, "n {n}");
            }
            let circles = if n <= 200 { 2 * n } else { 0 };
            assert_eq!(svg.matches("<circle").count(), circles);
            assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        }
    }

    #[test]
    fn columns_one_per_item() {
        let items: Vec<(String, u64)> = (0..13).map(|i| (i.to_string(), i * 100)).collect();
        let svg = columns("p", &items, "bytes");
        assert_eq!(svg.matches(r#"<rect class="col""#).count(), 13);
        assert!(svg.contains(r#"data-label="12" data-value="1200""#));
    }
}
