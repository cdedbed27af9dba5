//! A compact line diff for golden-file failure messages.

/// The first differing line of `want` and `got`, with a few lines of context from each.
pub fn first_difference(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = first.saturating_sub(3);
    let mut out = format!("first difference at line {}\n", first + 1);
    for l in w.iter().skip(from).take(8) {
        out.push_str(&format!("    - {l}\n"));
    }
    for l in g.iter().skip(from).take(8) {
        out.push_str(&format!("    + {l}\n"));
    }
    out
}
