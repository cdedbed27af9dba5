//! Comparing short strings (mapping keys, schema property names, API kinds) without a call
//! to libc's `memcmp`.
//!
//! The build compares keys some half a million times at 100 services: looking a key up in a
//! mapping, finding a property in the validation schema or the merge schema, finding a kind.
//! These keys are short (`name`, `containers`, `securityContext`), and for such lengths the
//! call into `memcmp` (through the PLT, with its own dispatch on length) costs more than the
//! comparison: profiles showed `memcmp` at about a tenth of the build's CPU samples. Here
//! slices of up to [`INLINE_MAX`] bytes are compared with a few word loads inline; longer
//! ones still go to `memcmp`, which is faster for them.
use std::cmp::Ordering;

/// Longest slices compared inline; longer ones use the standard comparison.
pub const INLINE_MAX: usize = 32;

#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn half(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

/// `a == b`.
#[inline]
pub fn eq(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

/// `a == b` for byte slices.
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => {
            // first, middle and last byte cover every length up to three
            a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]
        }
        4..=8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        9..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=INLINE_MAX => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 16) == word(b, n - 16)
                && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

/// `a.cmp(b)`: byte-wise lexicographic order, as `str`'s `Ord`.
#[inline]
pub fn cmp(a: &str, b: &str) -> Ordering {
    bytes_cmp(a.as_bytes(), b.as_bytes())
}

/// `a.cmp(b)` for byte slices.
#[inline]
pub fn bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    if n > INLINE_MAX {
        return a.cmp(b);
    }
    // whole words first: big-endian words order as their bytes do
    let mut i = 0;
    while i + 8 <= n {
        let (x, y) = (word(a, i).swap_bytes(), word(b, i).swap_bytes());
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair drawn from strings that share prefixes and suffixes at every length up
    /// to past [`INLINE_MAX`], differing at each position, with high bytes: the inline
    /// comparisons must agree with the standard ones on all of them.
    #[test]
    fn agrees_with_the_standard_comparisons() {
        let mut words: Vec<Vec<u8>> = Vec::new();
        for n in 0..=INLINE_MAX + 9 {
            let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            words.push(base.clone());
            for at in 0..n {
                for c in [b'0', b'z', 0x80, 0xff, 0x00] {
                    let mut w = base.clone();
                    w[at] = c;
                    words.push(w);
                }
            }
        }
        for a in &words {
            for b in &words {
                assert_eq!(bytes_eq(a, b), a == b, "{a:?} == {b:?}");
                assert_eq!(bytes_cmp(a, b), a.cmp(b), "{a:?} cmp {b:?}");
            }
        }
        assert!(eq("containers", "containers"));
        assert!(!eq("containers", "container"));
        assert_eq!(cmp("image", "imagePullPolicy"), Ordering::Less);
        assert_eq!(cmp("ports", "name"), Ordering::Greater);
    }
}
