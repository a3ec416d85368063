//! CSV output shared by the reports and exports.

/// One quoted CSV cell: always quoted, embedded quotes doubled, and a
/// leading `=`, `+`, `-` or `@` prefixed with `'` so a spreadsheet does not
/// evaluate it (CSV injection).
pub(crate) fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}
