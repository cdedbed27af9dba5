//! What kustomize's YAML round trip of a generator config does to its strings.
//!
//! kustomize marshals each builtin generator's config to YAML and parses it back before
//! generating. Two visible effects on strings: characters the YAML reader refuses
//! (U+007F, C1 controls other than U+0085, U+FFFE, U+FFFF) make the build fail, and U+0085
//! (NEL), written raw into a double-quoted scalar, is read back as a line break and folded:
//! one break (with the spaces around it) becomes a space, n breaks become n-1 newlines.
use crate::error::{Error, Result};

/// Fails on characters kustomize cannot carry through a generator config.
pub fn check_chars(s: &str, what: &str) -> Result<()> {
    if let Some(c) = s.chars().find(|&c| {
        c == '\u{7f}'
            || (('\u{80}'..='\u{9f}').contains(&c) && c != '\u{85}')
            || c == '\u{fffe}'
            || c == '\u{ffff}'
    }) {
        return Err(Error::msg(format!(
            "{what} contains the control character U+{:04X}, which kustomize cannot carry in a generator config",
            c as u32
        ))
        .with_hint("put binary or control-character content in a file listed under `files:`"));
    }
    Ok(())
}

/// Applies the NEL folding described in the module docs.
pub fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\u{85}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of breaks, possibly separated by spaces; spaces around it are trimmed.
        while out.ends_with(' ') {
            out.pop();
        }
        let mut breaks = 0;
        loop {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if j < chars.len() && chars[j] == '\u{85}' {
                breaks += 1;
                i = j + 1;
            } else {
                i = j;
                break;
            }
        }
        if breaks == 1 {
            out.push(' ');
        } else {
            for _ in 1..breaks {
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nel_folding_matches_kustomize() {
        // Observed with kubectl 1.33 (kustomize v5.6.0).
        let cases = [
            ("a \u{85} b", "a b"),
            ("a\u{85}\u{85}b", "a\nb"),
            ("\u{85}x", " x"),
            ("x\u{85}", "x "),
            ("a\t\u{85}\tb", "a\t \tb"),
            ("a\n\u{85}b", "a\n b"),
            ("a\u{85}\u{85}\u{85}b", "a\n\nb"),
            ("plain", "plain"),
        ];
        for (input, want) in cases {
            assert_eq!(fold_nel(input), want, "{input:?}");
        }
    }

    #[test]
    fn refused_characters() {
        assert!(check_chars("a\u{7f}", "x").is_err());
        assert!(check_chars("a\u{80}", "x").is_err());
        assert!(check_chars("a\u{ffff}", "x").is_err());
        assert!(check_chars("a\u{85}\u{1}\t\u{fffd}", "x").is_ok());
    }
}
