//! Inline SVG charts: line charts (time series, trade-off curves) with shaded periods, and signed
//! horizontal bar charts (contributions).

use std::fmt::Write;

use crate::page::escape;

/// Colour-blind-safe palette (Okabe–Ito).
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

/// One line of a [`LineChart`]. Points with a non-finite `y` break the line.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: String,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
    /// Draw markers instead of a line (scatter).
    pub markers: bool,
}

impl Series {
    pub fn line(name: &str, color: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.to_owned(),
            color: color.to_owned(),
            points,
            dashed: false,
            markers: false,
        }
    }

    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    pub fn markers(mut self) -> Self {
        self.markers = true;
        self
    }
}

/// A line chart with labelled axes.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Shaded x-intervals (e.g. leak periods, strike days) with a legend label.
    pub bands: Vec<(f64, f64)>,
    pub band_label: Option<String>,
    /// Tick positions and labels on the x axis; evenly spaced numbers when empty.
    pub x_ticks: Vec<(f64, String)>,
    /// Force the y axis to include zero.
    pub y_from_zero: bool,
    pub width: f64,
    pub height: f64,
}

impl LineChart {
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            series: Vec::new(),
            bands: Vec::new(),
            band_label: None,
            x_ticks: Vec::new(),
            y_from_zero: false,
            width: 960.0,
            height: 360.0,
        }
    }

    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    pub fn bands(mut self, label: &str, bands: Vec<(f64, f64)>) -> Self {
        self.band_label = Some(label.to_owned());
        self.bands = bands;
        self
    }

    pub fn x_ticks(mut self, ticks: Vec<(f64, String)>) -> Self {
        self.x_ticks = ticks;
        self
    }

    pub fn y_from_zero(mut self) -> Self {
        self.y_from_zero = true;
        self
    }

    pub fn to_svg(&self) -> String {
        let (left, right, top, bottom) = (70.0, 20.0, 40.0, 60.0);
        let plot_w = self.width - left - right;
        let plot_h = self.height - top - bottom;
        let finite = self
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| x.is_finite() && y.is_finite());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in finite {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        for &(a, b) in &self.bands {
            x0 = x0.min(a);
            x1 = x1.max(b);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if self.y_from_zero {
            y0 = y0.min(0.0);
            y1 = y1.max(0.0);
        }
        if x1 - x0 < 1e-12 {
            x1 = x0 + 1.0;
        }
        let (y0, y1, y_step) = nice_range(y0, y1);
        let sx = |x: f64| left + (x - x0) / (x1 - x0) * plot_w;
        let sy = |y: f64| top + (1.0 - (y - y0) / (y1 - y0)) * plot_h;

        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
role=\"img\" aria-label=\"{t}\" font-size=\"12\" font-family=\"sans-serif\">\
<text x=\"{left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>",
            w = self.width,
            h = self.height,
            t = escape(&self.title)
        );
        for &(a, b) in &self.bands {
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"#f5c6a5\" opacity=\"0.45\"/>",
                sx(a),
                (sx(b) - sx(a)).max(1.0)
            );
        }
        // Horizontal grid and y labels.
        let mut y = y0;
        while y <= y1 + y_step * 1e-6 {
            let py = sy(y);
            let _ = write!(
                svg,
                "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#e3e6ee\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left + plot_w,
                left - 6.0,
                py + 4.0,
                format_number(y, y_step)
            );
            y += y_step;
        }
        // X ticks.
        let ticks: Vec<(f64, String)> = if self.x_ticks.is_empty() {
            let (a, b, step) = nice_range(x0, x1);
            let mut v = Vec::new();
            let mut x = a;
            while x <= b + step * 1e-6 {
                if x >= x0 - 1e-9 && x <= x1 + 1e-9 {
                    v.push((x, format_number(x, step)));
                }
                x += step;
            }
            v
        } else {
            self.x_ticks.clone()
        };
        for (x, label) in &ticks {
            let px = sx(*x);
            let _ = write!(
                svg,
                "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8a93a6\"/>\
<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                top + plot_h,
                top + plot_h + 5.0,
                top + plot_h + 18.0,
                escape(label)
            );
        }
        let _ = write!(
            svg,
            "<rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#8a93a6\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
<text transform=\"translate(16,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            left + plot_w / 2.0,
            self.height - 22.0,
            escape(&self.x_label),
            top + plot_h / 2.0,
            escape(&self.y_label)
        );
        for series in &self.series {
            if series.markers {
                for &(x, y) in series
                    .points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                {
                    let _ = write!(
                        svg,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>",
                        sx(x),
                        sy(y),
                        escape(&series.color)
                    );
                }
                continue;
            }
            let mut path = String::new();
            let mut pen_down = false;
            for &(x, y) in &series.points {
                if !(x.is_finite() && y.is_finite()) {
                    pen_down = false;
                    continue;
                }
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    sx(x),
                    sy(y)
                );
                pen_down = true;
            }
            let _ = write!(
                svg,
                "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{}/>",
                path.trim_end(),
                escape(&series.color),
                if series.dashed {
                    " stroke-dasharray=\"5,4\""
                } else {
                    ""
                }
            );
        }
        // Legend, top right.
        let mut lx = left + plot_w;
        let mut entries: Vec<(String, String)> = self
            .series
            .iter()
            .map(|s| (s.name.clone(), s.color.clone()))
            .collect();
        if let Some(label) = &self.band_label {
            entries.push((label.clone(), "#f5c6a5".to_owned()));
        }
        for (name, color) in entries.iter().rev() {
            let width = 22.0 + 6.5 * name.chars().count() as f64;
            lx -= width + 10.0;
            let _ = write!(
                svg,
                "<rect x=\"{lx:.1}\" y=\"28\" width=\"14\" height=\"8\" fill=\"{}\"/>\
<text x=\"{:.1}\" y=\"36\">{}</text>",
                escape(color),
                lx + 18.0,
                escape(name)
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Horizontal bars of signed values around zero (e.g. contributions in meals).
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub unit: String,
    pub bars: Vec<(String, f64)>,
}

impl BarChart {
    pub fn new(title: &str, unit: &str, bars: Vec<(String, f64)>) -> Self {
        Self {
            title: title.to_owned(),
            unit: unit.to_owned(),
            bars,
        }
    }

    pub fn to_svg(&self) -> String {
        let row_h = 22.0;
        let label_w = 320.0;
        let width = 960.0;
        let plot_w = width - label_w - 90.0;
        let height = 40.0 + row_h * self.bars.len() as f64 + 10.0;
        let max = self
            .bars
            .iter()
            .map(|(_, v)| v.abs())
            .fold(0.0_f64, f64::max)
            .max(1e-9);
        let has_negative = self.bars.iter().any(|(_, v)| *v < 0.0);
        let zero = if has_negative {
            label_w + plot_w / 2.0
        } else {
            label_w
        };
        let scale = if has_negative {
            plot_w / 2.0 / max
        } else {
            plot_w / max
        };
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
height=\"{height}\" role=\"img\" aria-label=\"{t}\" font-size=\"12\" font-family=\"sans-serif\">\
<text x=\"0\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{t}</text>",
            t = escape(&self.title)
        );
        for (i, (label, value)) in self.bars.iter().enumerate() {
            let y = 34.0 + row_h * i as f64;
            let w = value.abs() * scale;
            let x = if *value < 0.0 { zero - w } else { zero };
            let color = if *value < 0.0 { PALETTE[1] } else { PALETTE[0] };
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\">{:+.1} {}</text>",
                label_w - 8.0,
                y + 14.0,
                escape(label),
                y + 3.0,
                row_h - 6.0,
                (x + w).max(zero) + 6.0,
                y + 14.0,
                value,
                escape(&self.unit)
            );
        }
        let _ = write!(
            svg,
            "<line x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"30\" y2=\"{:.1}\" stroke=\"#1d2433\"/></svg>",
            height - 6.0
        );
        svg
    }
}

/// A range covering `[lo, hi]` with round bounds and about five steps.
fn nice_range(lo: f64, hi: f64) -> (f64, f64, f64) {
    let span = if hi - lo > 1e-12 {
        hi - lo
    } else {
        lo.abs().max(1.0)
    };
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let a = (lo / step).floor() * step;
    let mut b = (hi / step).ceil() * step;
    if b <= a {
        b = a + step;
    }
    (a, b, step)
}

fn format_number(value: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{value:.0}")
    } else {
        let decimals = (-step.log10().floor()) as usize;
        format!("{value:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_range_is_round_and_covers() {
        let (a, b, step) = nice_range(3.2, 97.0);
        assert!(a <= 3.2 && b >= 97.0);
        assert_eq!(step, 20.0);
        assert_eq!((a, b), (0.0, 100.0));
    }

    #[test]
    fn line_chart_draws_every_series_and_band() {
        let chart = LineChart::new("Flows", "time", "m³/h")
            .series(Series::line(
                "observed",
                PALETTE[0],
                vec![(0.0, 1.0), (1.0, 2.0), (2.0, f64::NAN), (3.0, 1.5)],
            ))
            .series(Series::line("expected", PALETTE[1], vec![(0.0, 1.1), (3.0, 1.4)]).dashed())
            .bands("leak", vec![(1.0, 2.0)]);
        let svg = chart.to_svg();
        assert_eq!(svg.matches("<path").count(), 2);
        // The NaN breaks the first line into two pieces: two "M" commands.
        let first = svg.split("<path d=\"").nth(1).unwrap();
        assert_eq!(first.split('"').next().unwrap().matches('M').count(), 2);
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(">leak</text>"));
    }

    #[test]
    fn bar_chart_signs_values() {
        let svg = BarChart::new(
            "Why",
            "meals",
            vec![("chips".into(), 38.0), ("strike".into(), -210.0)],
        )
        .to_svg();
        assert!(svg.contains("+38.0 meals"));
        assert!(svg.contains("-210.0 meals"));
    }
}
