//! Branch-free Montgomery arithmetic for the BN254 fields, on the same 4×64-bit limb
//! representation as arkworks, so values convert for free and results are identical.
//!
//! arkworks finishes every addition, subtraction and multiplication with a
//! data-dependent branch (`if x >= p { x -= p }`) that mispredicts about half the time on
//! random data; in butterflies and batch-affine additions that branch costs more than the
//! arithmetic. Here the final correction is a masked select. Multiplication is CIOS with
//! the "no-carry" shortcut, valid because both moduli leave the top limb's high bit clear.

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
use std::sync::atomic::{AtomicU8, Ordering};

use ark_ff::{BigInt, MontConfig};

/// A 254-bit prime field in Montgomery form with 4 limbs.
pub(crate) trait Modulus {
    /// The modulus, little-endian limbs.
    const P: [u64; 4];
    /// `-P⁻¹ mod 2^64`.
    const INV: u64;
}

/// BN254's scalar field.
pub(crate) struct FrMod;
impl Modulus for FrMod {
    const P: [u64; 4] = <FrConfig as MontConfig<4>>::MODULUS.0;
    const INV: u64 = <FrConfig as MontConfig<4>>::INV;
}

/// BN254's base field.
pub(crate) struct FqMod;
impl Modulus for FqMod {
    const P: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;
    const INV: u64 = <FqConfig as MontConfig<4>>::INV;
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: &mut u64) -> u64 {
    let t = a as u128 + b as u128 + *carry as u128;
    *carry = (t >> 64) as u64;
    t as u64
}

#[inline(always)]
fn sbb(a: u64, b: u64, borrow: &mut u64) -> u64 {
    let t = (a as u128).wrapping_sub(b as u128 + *borrow as u128);
    *borrow = (t >> 127) as u64;
    t as u64
}

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: &mut u64) -> u64 {
    let t = acc as u128 + (a as u128) * (b as u128) + *carry as u128;
    *carry = (t >> 64) as u64;
    t as u64
}

/// `x - P` if `x >= P`, else `x`, without branching; `x < 2P`.
#[inline(always)]
fn reduce_once<M: Modulus>(x: [u64; 4]) -> [u64; 4] {
    let mut borrow = 0;
    let d = [
        sbb(x[0], M::P[0], &mut borrow),
        sbb(x[1], M::P[1], &mut borrow),
        sbb(x[2], M::P[2], &mut borrow),
        sbb(x[3], M::P[3], &mut borrow),
    ];
    // borrow = 1 means x < P: keep x.
    let keep = borrow.wrapping_neg();
    [
        (x[0] & keep) | (d[0] & !keep),
        (x[1] & keep) | (d[1] & !keep),
        (x[2] & keep) | (d[2] & !keep),
        (x[3] & keep) | (d[3] & !keep),
    ]
}

/// `a + b mod P`.
#[inline(always)]
pub(crate) fn add<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut c = 0;
    // a + b < 2P < 2^255: no carry out of the top limb.
    let s = [
        adc(a[0], b[0], &mut c),
        adc(a[1], b[1], &mut c),
        adc(a[2], b[2], &mut c),
        adc(a[3], b[3], &mut c),
    ];
    reduce_once::<M>(s)
}

/// `a - b mod P`.
#[inline(always)]
pub(crate) fn sub<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut borrow = 0;
    let d = [
        sbb(a[0], b[0], &mut borrow),
        sbb(a[1], b[1], &mut borrow),
        sbb(a[2], b[2], &mut borrow),
        sbb(a[3], b[3], &mut borrow),
    ];
    let mask = borrow.wrapping_neg();
    let mut c = 0;
    [
        adc(d[0], M::P[0] & mask, &mut c),
        adc(d[1], M::P[1] & mask, &mut c),
        adc(d[2], M::P[2] & mask, &mut c),
        adc(d[3], M::P[3] & mask, &mut c),
    ]
}

/// `a · b · R⁻¹ mod P` (Montgomery product): the MULX/ADX path where the CPU has it,
/// otherwise the portable one. Both give identical results.
#[inline(always)]
pub(crate) fn mul<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    #[cfg(target_arch = "x86_64")]
    if has_adx() {
        return mul_adx::<M>(a, b);
    }
    mul_portable::<M>(a, b)
}

/// Environment variable that turns run-time detected CPU paths off: `1` (or `all`) for
/// the portable field arithmetic everywhere, or a comma-separated list of the paths to
/// turn off: `adx` (the MULX/ADX product), `ifma` (the AVX-512 IFMA lanes). `0` or empty
/// turns nothing off. `ifma` alone runs what a CPU without the lanes runs.
pub(crate) const ENV_PORTABLE: &str = "DOPPIO_ACCEL_PORTABLE";

/// The CPU paths [`ENV_PORTABLE`] turns off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Portable {
    /// No MULX/ADX product.
    pub(crate) adx: bool,
    /// No AVX-512 IFMA lanes.
    pub(crate) ifma: bool,
}

impl Portable {
    /// Parses a value of [`ENV_PORTABLE`].
    pub(crate) fn parse(value: &str) -> Result<Portable, String> {
        let value = value.trim().to_ascii_lowercase();
        match value.as_str() {
            "" | "0" => return Ok(Portable::default()),
            "1" | "all" => return Ok(Portable { adx: true, ifma: true }),
            _ => {}
        }
        let mut out = Portable::default();
        for path in value.split(',').map(str::trim) {
            match path {
                "adx" => out.adx = true,
                "ifma" => out.ifma = true,
                other => {
                    return Err(format!(
                        "unknown CPU path `{other}`: expected 1, all, 0, or a comma-separated \
                         list of adx and ifma"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// What the environment asks for: nothing off where [`ENV_PORTABLE`] is unset.
    pub(crate) fn from_env() -> Result<Portable, String> {
        match std::env::var(ENV_PORTABLE) {
            Ok(v) => Portable::parse(&v),
            Err(std::env::VarError::NotPresent) => Ok(Portable::default()),
            Err(std::env::VarError::NotUnicode(_)) => Err("not valid UTF-8".to_owned()),
        }
    }
}

/// A CPU-specific path chosen once at run time: on where `detect` finds the CPU
/// features and [`ENV_PORTABLE`] does not turn it off (an unparsable value turns nothing
/// off here; [`crate::Accel::new`] refuses it); tests and benches can force it off.
pub(crate) struct CpuPath {
    /// 0: not yet detected, 1: in use, 2: off.
    mode: AtomicU8,
    detect: fn() -> bool,
    /// Whether a [`Portable`] request turns this path off.
    off: fn(Portable) -> bool,
}

impl CpuPath {
    pub(crate) const fn new(detect: fn() -> bool, off: fn(Portable) -> bool) -> Self {
        CpuPath { mode: AtomicU8::new(0), detect, off }
    }

    /// Whether the path is in use (detected once, then cached).
    #[inline(always)]
    pub(crate) fn on(&self) -> bool {
        match self.mode.load(Ordering::Relaxed) {
            1 => true,
            2 => false,
            _ => self.init(),
        }
    }

    #[cold]
    fn init(&self) -> bool {
        let turned_off = Portable::from_env().is_ok_and(self.off);
        let on = (self.detect)() && !turned_off;
        self.mode.store(if on { 1 } else { 2 }, Ordering::Relaxed);
        on
    }

    /// Forces the path off (`true`) or returns to detection (`false`).
    pub(crate) fn force_off(&self, off: bool) {
        self.mode.store(if off { 2 } else { 0 }, Ordering::Relaxed);
    }
}

/// The MULX/ADX multiplication.
static ADX: CpuPath = CpuPath::new(
    || {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("adx")
            && std::arch::is_x86_feature_detected!("bmi2");
        #[cfg(not(target_arch = "x86_64"))]
        false
    },
    |p| p.adx,
);

/// Whether the MULX/ADX multiplication is in use (detected once, then cached).
#[inline(always)]
pub(crate) fn has_adx() -> bool {
    ADX.on()
}

/// Forces the portable path (`true`) or returns to detection (`false`); for tests and
/// benches that compare the two paths.
pub(crate) fn force_portable(portable: bool) {
    ADX.force_off(portable);
}

/// The portable Montgomery product (CIOS, no-carry), always built.
#[inline(always)]
pub(crate) fn mul_portable<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut r = [0u64; 4];
    for &bi in b {
        let mut c1 = 0;
        r[0] = mac(r[0], a[0], bi, &mut c1);
        let k = r[0].wrapping_mul(M::INV);
        let mut c2 = 0;
        mac(r[0], k, M::P[0], &mut c2);
        for j in 1..4 {
            r[j] = mac(r[j], a[j], bi, &mut c1);
            r[j - 1] = mac(r[j], k, M::P[j], &mut c2);
        }
        r[3] = c1 + c2;
    }
    reduce_once::<M>(r)
}

/// `a · b · R⁻¹ mod P` with MULX/ADCX/ADOX: two carry chains interleaved.
///
/// Callers must have checked [`has_adx`]: the instructions fault on CPUs without them.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mul_adx<M: Modulus>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let p = [M::P[0], M::P[1], M::P[2], M::P[3], M::INV];
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: reads 4 limbs from `a` and `b` and 5 words from `p`, all live and aligned;
    // writes only the registers declared below; `has_adx()` was checked by the caller
    // (`mul`), so MULX/ADCX/ADOX exist. CIOS "no-carry" rounds: valid because the top
    // limb of `P` is below 2^62, so the fifth word never overflows.
    unsafe {
        core::arch::asm!(
            "xor r8d, r8d",
            "xor r9d, r9d",
            "xor r10d, r10d",
            "xor r11d, r11d",
            "mov rdx, qword ptr [{b} + 0]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{a} + 0]",
            "adox r8, r13",
            "adcx r9, r14",
            "mulx r14, r13, qword ptr [{a} + 8]",
            "adox r9, r13",
            "adcx r10, r14",
            "mulx r14, r13, qword ptr [{a} + 16]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r12, r13, qword ptr [{a} + 24]",
            "adox r11, r13",
            "adcx r12, rax",
            "adox r12, rax",
            "mov rdx, r8",
            "imul rdx, qword ptr [{p} + 32]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{p} + 0]",
            "adox r8, r13",
            "adcx r9, r14",
            "mulx r14, r13, qword ptr [{p} + 8]",
            "adox r9, r13",
            "adcx r10, r14",
            "mulx r14, r13, qword ptr [{p} + 16]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r14, r13, qword ptr [{p} + 24]",
            "adox r11, r13",
            "adcx r12, r14",
            "adox r12, rax",
            "mov rdx, qword ptr [{b} + 8]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{a} + 0]",
            "adox r9, r13",
            "adcx r10, r14",
            "mulx r14, r13, qword ptr [{a} + 8]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r14, r13, qword ptr [{a} + 16]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r8, r13, qword ptr [{a} + 24]",
            "adox r12, r13",
            "adcx r8, rax",
            "adox r8, rax",
            "mov rdx, r9",
            "imul rdx, qword ptr [{p} + 32]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{p} + 0]",
            "adox r9, r13",
            "adcx r10, r14",
            "mulx r14, r13, qword ptr [{p} + 8]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r14, r13, qword ptr [{p} + 16]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r14, r13, qword ptr [{p} + 24]",
            "adox r12, r13",
            "adcx r8, r14",
            "adox r8, rax",
            "mov rdx, qword ptr [{b} + 16]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{a} + 0]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r14, r13, qword ptr [{a} + 8]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r14, r13, qword ptr [{a} + 16]",
            "adox r12, r13",
            "adcx r8, r14",
            "mulx r9, r13, qword ptr [{a} + 24]",
            "adox r8, r13",
            "adcx r9, rax",
            "adox r9, rax",
            "mov rdx, r10",
            "imul rdx, qword ptr [{p} + 32]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{p} + 0]",
            "adox r10, r13",
            "adcx r11, r14",
            "mulx r14, r13, qword ptr [{p} + 8]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r14, r13, qword ptr [{p} + 16]",
            "adox r12, r13",
            "adcx r8, r14",
            "mulx r14, r13, qword ptr [{p} + 24]",
            "adox r8, r13",
            "adcx r9, r14",
            "adox r9, rax",
            "mov rdx, qword ptr [{b} + 24]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{a} + 0]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r14, r13, qword ptr [{a} + 8]",
            "adox r12, r13",
            "adcx r8, r14",
            "mulx r14, r13, qword ptr [{a} + 16]",
            "adox r8, r13",
            "adcx r9, r14",
            "mulx r10, r13, qword ptr [{a} + 24]",
            "adox r9, r13",
            "adcx r10, rax",
            "adox r10, rax",
            "mov rdx, r11",
            "imul rdx, qword ptr [{p} + 32]",
            "xor eax, eax",
            "mulx r14, r13, qword ptr [{p} + 0]",
            "adox r11, r13",
            "adcx r12, r14",
            "mulx r14, r13, qword ptr [{p} + 8]",
            "adox r12, r13",
            "adcx r8, r14",
            "mulx r14, r13, qword ptr [{p} + 16]",
            "adox r8, r13",
            "adcx r9, r14",
            "mulx r14, r13, qword ptr [{p} + 24]",
            "adox r9, r13",
            "adcx r10, r14",
            "adox r10, rax",
            a = in(reg) a.as_ptr(),
            b = in(reg) b.as_ptr(),
            p = in(reg) p.as_ptr(),
            out("rax") _, out("rdx") _, out("r13") _, out("r14") _,
            out("r12") r0, out("r8") r1, out("r9") r2, out("r10") r3, out("r11") _,
            options(pure, readonly, nostack),
        );
    }
    reduce_once::<M>([r0, r1, r2, r3])
}

/// Limbs of an `Fr`.
#[inline(always)]
pub(crate) fn fr_limbs(x: &Fr) -> &[u64; 4] {
    &(x.0).0
}

/// An `Fr` from Montgomery limbs produced by this module (always reduced).
#[inline(always)]
pub(crate) fn fr(limbs: [u64; 4]) -> Fr {
    Fr::new_unchecked(BigInt(limbs))
}

/// Limbs of an `Fq`.
#[inline(always)]
pub(crate) fn fq_limbs(x: &Fq) -> &[u64; 4] {
    &(x.0).0
}

/// An `Fq` from Montgomery limbs produced by this module (always reduced).
#[inline(always)]
pub(crate) fn fq(limbs: [u64; 4]) -> Fq {
    Fq::new_unchecked(BigInt(limbs))
}

#[cfg(test)]
mod tests {
    use ark_ff::{Field, One, UniformRand, Zero};
    use rand::SeedableRng;

    use super::*;

    fn edge_fr() -> Vec<Fr> {
        vec![Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64), -Fr::from(2u64), Fr::from(u64::MAX)]
    }

    #[test]
    fn fr_ops_match_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut xs = edge_fr();
        xs.extend((0..200).map(|_| Fr::rand(&mut rng)));
        for a in &xs {
            for b in xs.iter().take(40) {
                let (la, lb) = (fr_limbs(a), fr_limbs(b));
                assert_eq!(fr(add::<FrMod>(la, lb)), *a + b);
                assert_eq!(fr(sub::<FrMod>(la, lb)), *a - b);
                assert_eq!(fr(mul::<FrMod>(la, lb)), *a * b);
            }
            assert_eq!(fr(mul::<FrMod>(fr_limbs(a), fr_limbs(a))), a.square());
        }
    }

    #[test]
    fn the_portable_switch_names_paths_and_refuses_unknown_ones() {
        let both = Portable { adx: true, ifma: true };
        for (value, expected) in [
            ("", Portable::default()),
            ("0", Portable::default()),
            ("1", both),
            (" ALL ", both),
            ("ifma", Portable { adx: false, ifma: true }),
            ("adx", Portable { adx: true, ifma: false }),
            ("ifma, adx", both),
        ] {
            assert_eq!(Portable::parse(value), Ok(expected), "{value:?}");
        }
        for bad in ["2", "yes", "ifma,avx2", "adx,"] {
            let e = Portable::parse(bad).unwrap_err();
            assert!(e.contains("unknown CPU path"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn adx_and_portable_products_agree() {
        if !has_adx() {
            eprintln!(
                "skipping: this CPU lacks ADX/BMI2 (or {ENV_PORTABLE} turns it off), portable path only"
            );
            return;
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut xs: Vec<[u64; 4]> = edge_fr().iter().map(|x| *fr_limbs(x)).collect();
        xs.extend((0..2000).map(|_| *fr_limbs(&Fr::rand(&mut rng))));
        for w in xs.windows(2) {
            assert_eq!(mul_adx::<FrMod>(&w[0], &w[1]), mul_portable::<FrMod>(&w[0], &w[1]));
            assert_eq!(mul_adx::<FqMod>(&w[0], &w[1]), mul_portable::<FqMod>(&w[0], &w[1]));
            // Unreduced-looking limbs still follow the same arithmetic in both paths.
            let a = [w[0][0], w[0][1], w[0][2], FrMod::P[3] - 1];
            assert_eq!(mul_adx::<FrMod>(&a, &w[1]), mul_portable::<FrMod>(&a, &w[1]));
        }
    }

    #[test]
    fn fq_ops_match_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let mut xs = vec![Fq::zero(), Fq::one(), -Fq::one(), -Fq::from(3u64)];
        xs.extend((0..200).map(|_| Fq::rand(&mut rng)));
        for a in &xs {
            for b in xs.iter().take(40) {
                let (la, lb) = (fq_limbs(a), fq_limbs(b));
                assert_eq!(fq(add::<FqMod>(la, lb)), *a + b);
                assert_eq!(fq(sub::<FqMod>(la, lb)), *a - b);
                assert_eq!(fq(mul::<FqMod>(la, lb)), *a * b);
            }
        }
    }
}
