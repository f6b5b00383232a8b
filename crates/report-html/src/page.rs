//! A report page: title, sections of headings, paragraphs, tables and charts.

use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;\
margin:2rem auto;padding:0 1rem;color:#1d2433;line-height:1.45}h1{font-size:1.6rem}h2{font-size:1.25rem;\
margin-top:2.2rem;border-bottom:1px solid #d6dae3;padding-bottom:.3rem}table{border-collapse:collapse;\
margin:.8rem 0;font-size:.92rem}th,td{border:1px solid #d6dae3;padding:.3rem .6rem;text-align:right}\
th{background:#f1f3f8}td:first-child,th:first-child{text-align:left}.note{color:#4a5468;font-size:.9rem}\
svg{max-width:100%;height:auto;background:#fff}.kpi{display:inline-block;margin:.4rem 1.2rem .4rem 0;\
padding:.6rem .9rem;border:1px solid #d6dae3;border-radius:6px}.kpi b{display:block;font-size:1.3rem}";

/// An HTML page under construction.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    body: String,
}

impl Page {
    pub fn new(title: &str) -> Self {
        let mut body = String::new();
        let _ = write!(body, "<h1>{}</h1>", escape(title));
        Self {
            title: title.to_owned(),
            body,
        }
    }

    pub fn heading(&mut self, text: &str) -> &mut Self {
        let _ = write!(self.body, "<h2>{}</h2>", escape(text));
        self
    }

    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        let _ = write!(self.body, "<p>{}</p>", escape(text));
        self
    }

    pub fn note(&mut self, text: &str) -> &mut Self {
        let _ = write!(self.body, "<p class=\"note\">{}</p>", escape(text));
        self
    }

    /// Headline numbers: `(label, value)` pairs shown as boxes.
    pub fn key_figures(&mut self, figures: &[(String, String)]) -> &mut Self {
        self.body.push_str("<div>");
        for (label, value) in figures {
            let _ = write!(
                self.body,
                "<span class=\"kpi\">{}<b>{}</b></span>",
                escape(label),
                escape(value)
            );
        }
        self.body.push_str("</div>");
        self
    }

    pub fn table(&mut self, table: &Table) -> &mut Self {
        self.body.push_str(&table.to_html());
        self
    }

    /// Inserts already-built markup (a chart's SVG).
    pub fn raw(&mut self, html: &str) -> &mut Self {
        self.body.push_str(html);
        self
    }

    pub fn to_html(&self) -> String {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<style>{STYLE}</style></head><body>{}</body></html>\n",
            escape(&self.title),
            self.body
        )
    }
}

/// A table of text cells with a header row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    caption: Option<String>,
}

impl Table {
    pub fn new<S: AsRef<str>>(header: &[S]) -> Self {
        Self {
            header: header.iter().map(|s| s.as_ref().to_owned()).collect(),
            ..Self::default()
        }
    }

    pub fn caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_owned());
        self
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> &mut Self {
        self.rows
            .push(cells.iter().map(|s| s.as_ref().to_owned()).collect());
        self
    }

    pub fn to_html(&self) -> String {
        let mut html = String::from("<table>");
        if let Some(caption) = &self.caption {
            let _ = write!(html, "<caption>{}</caption>", escape(caption));
        }
        html.push_str("<thead><tr>");
        for h in &self.header {
            let _ = write!(html, "<th scope=\"col\">{}</th>", escape(h));
        }
        html.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            html.push_str("<tr>");
            for cell in row {
                let _ = write!(html, "<td>{}</td>", escape(cell));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table>");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn page_is_self_contained_and_escaped() {
        let mut page = Page::new("Backtest <2017>");
        let mut table = Table::new(&["canteen", "meals"]);
        table.row(&["EMILE PEHANT ", "120"]);
        page.heading("Results").table(&table);
        let html = page.to_html();
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<h1>Backtest &lt;2017&gt;</h1>"));
        assert!(html.contains("<td>EMILE PEHANT </td>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("http"), "no external resource");
    }
}
