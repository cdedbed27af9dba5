//! Hash maps and sets keyed for speed. The standard library's default hasher (SipHash)
//! is built to resist crafted keys at the cost of speed, and showed up as several per
//! cent of a build in the profile (resource ids, names and label pairs are hashed at
//! every index). foldhash is the hasher the hashbrown crate uses by default: several
//! times faster on short keys, and still seeded at random per process, so keys chosen
//! by a hostile repository cannot be aimed at one bucket ahead of time.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
