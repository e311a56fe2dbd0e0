//! Plain aligned tables for the list commands.

use chrono::NaiveDateTime;

/// Prints a header row and the rows, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A timestamp as `2026-11-21 09:30:00Z`, or `-` when absent.
pub fn time(at: Option<NaiveDateTime>) -> String {
    at.map_or_else(
        || "-".into(),
        |at| at.format("%Y-%m-%d %H:%M:%SZ").to_string(),
    )
}

/// A timestamp as RFC 3339 UTC for JSON output, or `null` when absent.
pub fn rfc3339(at: Option<NaiveDateTime>) -> Option<String> {
    at.map(|at| {
        at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    })
}
