//! Smoke run of the `hwprofile` binary: `--quick --json` must emit one well-formed row per
//! operation and size, covering every accelerated operation, each with its baseline.

use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn quick_json_profile_covers_every_operation() {
    let out = Command::new(env!("CARGO_BIN_EXE_hwprofile"))
        .args(["--quick", "--json", "--budget-ms", "20"])
        .output()
        .expect("run hwprofile");
    assert!(out.status.success(), "hwprofile failed: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).expect("hwprofile --json prints a JSON array");
    assert!(!rows.is_empty(), "no profile rows");
    for row in &rows {
        for key in ["op", "size", "backend", "ms", "baseline", "baseline_ms"] {
            assert!(row.get(key).is_some(), "row without {key}: {row}");
        }
        for key in ["ms", "baseline_ms"] {
            let v = row[key].as_f64().unwrap_or(0.0);
            assert!(v > 0.0, "row with non-positive {key}: {row}");
        }
    }
    let ops: BTreeSet<&str> = rows.iter().filter_map(|r| r["op"].as_str()).collect();
    for want in [
        "msm",
        "msm_batch_prepared",
        "qc.verify",
        "vid.disperse",
        "vid.recover_payload",
        "plonk.prove",
        "plonk.prove.cached",
        "plonk.prove.light_client",
        "plonk.prove.light_client.cached",
    ] {
        assert!(ops.contains(want), "profile has no {want} row: {ops:?}");
    }
}

/// `DOPPIO_ACCEL_PORTABLE` turns the named CPU paths off, says so in the machine line,
/// and a value naming no path stops the run with an error naming the variable.
#[test]
fn the_portable_switch_is_reported_and_checked() {
    let run = |value: &str| {
        Command::new(env!("CARGO_BIN_EXE_hwprofile"))
            .args(["--quick", "--ops", "ntt", "--logs", "10", "--budget-ms", "5"])
            .env("DOPPIO_ACCEL_PORTABLE", value)
            .output()
            .expect("run hwprofile")
    };
    let out = run("ifma");
    assert!(out.status.success(), "hwprofile failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("AVX-512 IFMA lanes: off"), "{stdout}");
    let out = run("1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("field multiply: portable"), "{stdout}");
    let out = run("ifma,avx");
    assert!(!out.status.success(), "an unknown CPU path was accepted");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DOPPIO_ACCEL_PORTABLE") && stderr.contains("`avx`"), "{stderr}");
}
