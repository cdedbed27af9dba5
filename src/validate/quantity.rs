//! Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`), as `resource.ParseQuantity` reads them.

/// Whether `s` is a valid quantity.
pub fn is_quantity(s: &str) -> bool {
    parse(s).is_some()
}

/// The value of a quantity, as f64 (good enough to compare requests and limits).
pub fn parse(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut i = 0;
    if b[0] == b'+' || b[0] == b'-' {
        i += 1;
    }
    let num_start = i;
    let mut digits = 0;
    let mut dot = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let num: f64 = s[num_start..i].parse().ok()?;
    let num = if b[0] == b'-' { -num } else { num };
    let suffix = &s[i..];
    let mult = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let exp: i32 = rest.parse().ok()?;
            10f64.powi(exp)
        }
    };
    Some(num * mult)
}

/// The value of a JSON quantity (string or number).
pub fn value(v: &crate::value::Value) -> Option<f64> {
    match v {
        crate::value::Value::String(s) => parse(s),
        crate::value::Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in [
            "1", "100m", "1.5Gi", "2e3", "0.5", "+1", "-1", "1E-3", "512Mi", "1k",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "", "1 Gi", "1GB", "abc", "1.2.3", "Mi", "1e", "1mi", "1.5Gib",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
        assert_eq!(parse("500m"), Some(0.5));
        assert_eq!(parse("1Ki"), Some(1024.0));
    }
}
