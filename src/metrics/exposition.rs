//! The two exposition formats. `prometheus-client` writes OpenMetrics 1.0,
//! which Prometheus asks for first; anything else that asks (`curl`,
//! `promtool check metrics`, agents that only know the classic format) gets
//! the classic Prometheus text format 0.0.4, rewritten from it: in that format
//! a counter family is named like its samples (`…_total`), an info metric is a
//! gauge named `…_info`, and there are no `# UNIT` or `# EOF` lines.

/// Which format to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    /// The Prometheus text format 0.0.4.
    Text,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it, else the classic text.
    pub fn negotiate(accept: Option<&str>) -> Self {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Self::OpenMetrics,
            _ => Self::Text,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Self::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Rewrites an OpenMetrics exposition into the classic text format.
pub fn to_classic(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    // HELP precedes TYPE, and the family's classic name depends on its type.
    let mut help: Option<(&str, &str)> = None;
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = rest.split_once(' ').or(Some((rest, "")));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let (name, kind) = match kind {
                "counter" => (format!("{name}_total"), "counter"),
                "info" => (format!("{name}_info"), "gauge"),
                other => (name.to_owned(), other),
            };
            if let Some((_, text)) = help.take() {
                out.push_str(&format!("# HELP {name} {text}\n"));
            }
            out.push_str(&format!("# TYPE {name} {kind}\n"));
            continue;
        }
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                          version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
        assert_eq!(Format::negotiate(None), Format::Text);
    }

    #[test]
    fn families_are_renamed_for_the_classic_format() {
        let openmetrics = "# HELP roster_http_requests Requests.\n\
                           # TYPE roster_http_requests counter\n\
                           roster_http_requests_total{route=\"/x\"} 2\n\
                           # HELP roster_latency_seconds Latency.\n\
                           # TYPE roster_latency_seconds histogram\n\
                           # UNIT roster_latency_seconds seconds\n\
                           roster_latency_seconds_count 1\n\
                           # HELP roster_build Version.\n\
                           # TYPE roster_build info\n\
                           roster_build_info{version=\"1\"} 1\n\
                           # EOF\n";
        assert_eq!(
            to_classic(openmetrics),
            "# HELP roster_http_requests_total Requests.\n\
             # TYPE roster_http_requests_total counter\n\
             roster_http_requests_total{route=\"/x\"} 2\n\
             # HELP roster_latency_seconds Latency.\n\
             # TYPE roster_latency_seconds histogram\n\
             roster_latency_seconds_count 1\n\
             # HELP roster_build_info Version.\n\
             # TYPE roster_build_info gauge\n\
             roster_build_info{version=\"1\"} 1\n"
        );
    }
}
