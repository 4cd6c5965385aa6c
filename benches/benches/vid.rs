//! VID over the acceleration layer: dispersal, share verification, recovery and range
//! proofs for 1 MiB and 8 MiB payloads with (n, k) = (128, 32) and (1000, 334).
//!
//! The reference implementation (`doppio_vid::reference`) runs beside ours for
//! dispersal; the figures of jellyfish's `jf-vid` (ADVZ over BN254 on a 2-core machine of
//! this kind, n = 128, k = 32) are printed at the start for comparison.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::Accel;
use doppio_benches::schemes;
use doppio_vid::reference;

/// jf-vid figures (ms) for n = 128, k = 32: (payload MiB, disperse, verify one share, recover).
const JF_VID: [(usize, f64, f64, f64); 2] =
    [(1, 450.0, 80.0, 5_300.0), (8, 3_600.0, 650.0, 42_000.0)];

fn vid(c: &mut Criterion) {
    eprintln!("jf-vid reference figures (2-core machine, n=128, k=32; from issue 3):");
    for (mib, d, v, r) in JF_VID {
        eprintln!("  {mib} MiB: disperse {d} ms, verify_share {v} ms, recover {r} ms");
    }
    let accel = Accel::cpu().expect("cpu backend");
    let large = std::env::var(doppio_benches::ENV_LARGE).is_ok_and(|v| v == "1");
    for (n, k) in [(128, 32), (1000, 334)] {
        let (vid, srs) = schemes::vid(&accel, n, k);
        let params = vid.params();
        let mut g = c.benchmark_group(format!("vid n={n} k={k}"));
        g.sample_size(10);
        for mib in [1usize, 8] {
            let data = schemes::payload(mib << 20);
            g.bench_function(format!("disperse/{mib}MiB backend=cpu"), |x| {
                x.iter(|| vid.disperse(&data).expect("dispersal"))
            });
            if mib == 1 || large {
                g.bench_function(format!("disperse/{mib}MiB baseline=reference"), |x| {
                    x.iter(|| reference::disperse(params, &srs, &data))
                });
            }
            let d = vid.disperse(&data).expect("dispersal");
            let share = &d.shares[n / 2];
            g.bench_function(format!("verify_share/{mib}MiB backend=cpu"), |x| {
                x.iter(|| vid.verify_share(share, &d.common, &d.commitment).expect("valid"))
            });
            let shares = &d.shares[n - k..];
            g.bench_function(format!("recover_payload/{mib}MiB backend=cpu"), |x| {
                x.iter(|| vid.recover_payload(shares, &d.common).expect("recovery"))
            });
            // A 64 KiB namespace in the middle of the payload.
            let range = (mib << 19)..(mib << 19) + (64 << 10);
            g.bench_function(format!("range_prove/{mib}MiB 64KiB backend=cpu"), |x| {
                x.iter(|| vid.prove_range(&data, range.clone()).expect("in range"))
            });
            let proof = vid.prove_range(&data, range.clone()).expect("in range");
            g.bench_function(format!("range_verify/{mib}MiB 64KiB backend=cpu"), |x| {
                x.iter(|| {
                    vid.verify_range(&d.commitment, &d.common, &data[range.clone()], &proof)
                        .expect("valid")
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, vid);
criterion_main!(benches);
