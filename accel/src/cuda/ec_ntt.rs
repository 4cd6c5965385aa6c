//! Host side of the EC-NTT kernel (`accel/cuda/ec_ntt.cu`): its twiddle table, and a check
//! of the kernel's code run on the CPU (the `.cu` file compiles the same butterflies for
//! the host) against the CPU backend, which needs no GPU.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, PrimeField};

use super::ffi::Limbs;
use crate::{NttDirection, parallel::Parallelism};

/// The kernel's twiddles for `n` points (a power of two ≥ 2): ω^k for k < n/2, ω the
/// primitive n-th root arkworks uses (ω^-1 for the inverse), as canonical integers; and
/// for the inverse the scale 1/n, canonical too.
pub(super) fn twiddles(
    n: usize,
    direction: NttDirection,
    parallelism: Parallelism,
) -> (Vec<Limbs>, Option<Limbs>) {
    let root = Fr::get_root_of_unity(n as u64).expect("n is a power of two ≤ 2^28");
    let (root, scale) = match direction {
        NttDirection::Forward => (root, None),
        NttDirection::Inverse => (
            root.inverse().expect("a root of unity is non-zero"),
            Some(Fr::from(n as u64).inverse().expect("n < r").into_bigint().0),
        ),
    };
    let mut out = vec![[0u64; 4]; n / 2];
    let chunk = parallelism.chunk_len(out.len(), 1024);
    let parallelism = if out.len() < 1 << 14 { Parallelism::Sequential } else { parallelism };
    parallelism.for_each_chunk(&mut out, chunk, |i, c| {
        let mut w = root.pow([(i * chunk) as u64]);
        for o in c {
            *o = w.into_bigint().0;
            w *= root;
        }
    });
    (out, scale)
}

#[cfg(test)]
mod tests {
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{UniformRand, Zero};
    use rand::SeedableRng;

    use super::*;
    use crate::cuda::{convert, ffi};

    /// The kernel's transform, run on the CPU by `doppio_bn254_ec_ntt_host`.
    fn host_kernel(points: &[G1Projective], direction: NttDirection) -> Vec<G1Projective> {
        let n = points.len();
        let mut limbs = vec![[0u64; 12]; n];
        convert::jacobian_batch_into(&mut limbs, points, Parallelism::Sequential);
        if n > 1 {
            let (tw, scale) = twiddles(n, direction, Parallelism::Sequential);
            let scale_ptr = scale.as_ref().map_or(std::ptr::null(), |s| s as *const Limbs);
            // SAFETY: `limbs` holds n Jacobian points (12 limbs each), `tw` n/2 twiddles,
            // `scale` one scalar or null, as ec_ntt.cu documents; the call is synchronous.
            let ok = unsafe {
                ffi::doppio_bn254_ec_ntt_host(
                    limbs.as_mut_ptr().cast(),
                    n.trailing_zeros(),
                    tw.as_ptr(),
                    scale_ptr,
                )
            };
            assert!(ok, "host allocation");
        }
        convert::projective_batch(&limbs, Parallelism::Sequential).expect("valid points out")
    }

    fn cpu(points: &[G1Projective], direction: NttDirection) -> Vec<G1Projective> {
        let mut want = points.to_vec();
        crate::cpu::ntt::ntt(&mut want, direction, None, Parallelism::Sequential);
        want
    }

    fn same(a: &[G1Projective], b: &[G1Projective]) -> bool {
        G1Projective::normalize_batch(a) == G1Projective::normalize_batch(b)
    }

    #[test]
    fn kernel_code_matches_the_cpu_backend_on_the_host() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let g = G1Projective::generator();
        for log in 0..=5u32 {
            let n = 1usize << log;
            let mut points: Vec<G1Projective> = (0..n).map(|_| g * Fr::rand(&mut rng)).collect();
            if n >= 4 {
                points[1] = G1Projective::zero();
                points[n - 1] = points[0]; // a repeated point
                points[2] = -points[0]; // and its negation
            }
            for direction in [NttDirection::Forward, NttDirection::Inverse] {
                let got = host_kernel(&points, direction);
                assert!(same(&got, &cpu(&points, direction)), "2^{log} {direction:?}");
            }
            let back =
                host_kernel(&host_kernel(&points, NttDirection::Forward), NttDirection::Inverse);
            assert!(same(&back, &points), "2^{log} round trip");
        }
    }

    #[test]
    fn kernel_code_handles_identities_and_constant_inputs_on_the_host() {
        let g = G1Projective::generator();
        let n = 8;
        let mut one_hot = vec![G1Projective::zero(); n];
        one_hot[3] = g;
        for points in [vec![G1Projective::zero(); n], vec![g; n], vec![-g; n], one_hot] {
            for direction in [NttDirection::Forward, NttDirection::Inverse] {
                assert!(same(&host_kernel(&points, direction), &cpu(&points, direction)));
            }
        }
    }

    #[test]
    fn twiddles_are_the_powers_of_arkworks_root() {
        let n = 1 << 15; // above the sequential threshold for the half table
        for (direction, par) in [
            (NttDirection::Forward, Parallelism::Rayon),
            (NttDirection::Inverse, Parallelism::Sequential),
        ] {
            let (tw, scale) = twiddles(n, direction, par);
            let mut w = Fr::get_root_of_unity(n as u64).unwrap();
            if direction == NttDirection::Inverse {
                w = w.inverse().unwrap();
                assert_eq!(scale, Some(Fr::from(n as u64).inverse().unwrap().into_bigint().0));
            } else {
                assert_eq!(scale, None);
            }
            assert_eq!(tw.len(), n / 2);
            for k in [0, 1, 2, 1000, n / 2 - 1] {
                assert_eq!(tw[k], w.pow([k as u64]).into_bigint().0, "{direction:?} k = {k}");
            }
        }
    }
}
