//! Whole-scheme rows of the hardware profile (`vid.*`), each beside the straightforward
//! reference implementation of the same scheme on the same inputs.

use std::{hint::black_box, time::Duration};

use doppio_accel::{Accel, Op, ProfileRow};
use doppio_kzg::Srs;
use doppio_vid::{DisperseTimings, Vid, VidParams, reference};

use crate::sweep::{Extent, time_pair};

/// The parameters the VID rows use (the DA committee size the targets are set for).
pub const VID_PARAMS: (usize, usize) = (128, 32);

/// Payload sizes (bytes) of the VID rows.
pub fn vid_sizes(extent: Extent) -> Vec<usize> {
    match extent {
        Extent::Quick => vec![1 << 16],
        Extent::Standard => vec![1 << 20, 1 << 23],
    }
}

/// A deterministic payload of `len` bytes.
pub fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

/// A VID instance on `accel` over an insecure dev SRS (for measurement only).
pub fn vid(accel: &Accel, n: usize, k: usize) -> (Vid, Srs) {
    let srs = Srs::insecure_dev(k - 1, 1);
    let params = VidParams::new(n, k).expect("valid bench parameters");
    (Vid::new(params, &srs, accel.clone()).expect("SRS holds k powers"), srs)
}

/// `vid.disperse`, `vid.verify_share` and `vid.recover_payload` rows for a payload of
/// `len` bytes; `progress` receives a line per row with the dispersal's breakdown.
pub fn vid_rows(
    accel: &Accel,
    len: usize,
    budget: Duration,
    progress: &mut dyn FnMut(&str),
) -> Vec<ProfileRow> {
    let (n, k) = VID_PARAMS;
    let (vid, srs) = vid(accel, n, k);
    let params = vid.params();
    let data = payload(len);
    let backend = accel.backend_for(Op::MsmBatchPrepared, len);
    let row = |op: &str, (ms, baseline_ms): (f64, f64), baseline: &str| ProfileRow {
        op: op.into(),
        size: len,
        backend,
        ms,
        baseline: format!("{baseline} (n={n}, k={k})"),
        baseline_ms,
    };
    let mut best = DisperseTimings::default();
    let mut best_total = Duration::MAX;
    let t = time_pair(
        budget,
        || {
            let (d, t) = vid.disperse_timed(&data).expect("dispersal");
            let total = t.commit + t.evaluate + t.hash + t.open;
            if total < best_total {
                (best, best_total) = (t, total);
            }
            black_box(d);
        },
        || drop(black_box(reference::disperse(params, &srs, &data))),
    );
    progress(&format!(
        "vid.disperse {len} B: {:.1} ms (commit {:.1}, evaluate {:.1}, hash {:.1}, open {:.1}); reference {:.1} ms",
        t.0,
        ms(best.commit),
        ms(best.evaluate),
        ms(best.hash),
        ms(best.open),
        t.1
    ));
    let mut rows = vec![row(
        "vid.disperse",
        t,
        "reference: arkworks MSM per polynomial, Horner, one opening per node",
    )];

    let d = vid.disperse(&data).expect("dispersal");
    let share = &d.shares[n / 2];
    let t = time_pair(
        budget,
        || vid.verify_share(share, &d.common, &d.commitment).expect("valid share"),
        || reference::verify_share(params, &srs, share, &d.common, &d.commitment).expect("valid"),
    );
    progress(&format!("vid.verify_share {len} B: {:.2} ms; reference {:.2} ms", t.0, t.1));
    rows.push(row("vid.verify_share", t, "reference: the same checks with arkworks MSM"));

    let shares = &d.shares[n - k..];
    let t = time_pair(
        budget,
        || drop(black_box(vid.recover_payload(shares, &d.common).expect("recovery"))),
        || drop(black_box(reference::recover_payload(params, shares).expect("recovery"))),
    );
    progress(&format!("vid.recover_payload {len} B: {:.1} ms; reference {:.1} ms", t.0, t.1));
    rows.push(row("vid.recover_payload", t, "reference: Lagrange interpolation, unchecked"));
    rows
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
