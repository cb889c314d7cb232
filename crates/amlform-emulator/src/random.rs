//! A small seedable generator (SplitMix64) for fault rolls and generated ids.
//!
//! Seedable so a failing fault-injection test can be replayed; not for anything secret.

#[derive(Debug, Clone)]
pub struct Random {
    state: u64,
}

impl Random {
    pub fn new(seed: u64) -> Self {
        Random { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with the given probability (0.0 never, 1.0 always).
    pub fn chance(&mut self, probability: f64) -> bool {
        probability > 0.0 && (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= probability
    }

    /// A random (version 4 shaped) UUID, as ARM uses for request and operation ids.
    pub fn uuid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0x0fff,
            ((low >> 48) & 0x3fff) | 0x8000,
            low & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_respects_the_extremes_and_the_rate() {
        let mut random = Random::new(7);
        assert!((0..1000).all(|_| !random.chance(0.0)));
        assert!((0..1000).all(|_| random.chance(1.0)));
        let hits = (0..10_000).filter(|_| random.chance(0.1)).count();
        assert!((800..1200).contains(&hits), "{hits} hits for 10%");
    }

    #[test]
    fn uuids_have_the_canonical_shape_and_differ() {
        let mut random = Random::new(1);
        let (a, b) = (random.uuid(), random.uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_eq!(a.matches('-').count(), 4);
    }
}
