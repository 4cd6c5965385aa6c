use std::io::Write;

use clap::Parser;
use doppio_accel::{
    Accel, AccelConfig, AccelError, BackendChoice, BackendKind, CrossoverTable, Op, ProfileRow,
};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    accel: AccelConfig,
}

#[test]
fn flags_parse_and_default() {
    let cli = Cli::try_parse_from(["x"]).unwrap();
    assert_eq!(cli.accel.backend, BackendChoice::Auto);
    assert_eq!(cli.accel.threads, 0);
    let cli = Cli::try_parse_from(["x", "--accel-backend", "cpu", "--accel-threads", "3"]).unwrap();
    assert_eq!(cli.accel, AccelConfig { backend: BackendChoice::Cpu, threads: 3, profile: None });
    assert!(Cli::try_parse_from(["x", "--accel-backend", "gpu"]).is_err());
    assert_eq!("CUDA".parse::<BackendChoice>(), Ok(BackendChoice::Cuda));
    assert!("tpu".parse::<BackendChoice>().unwrap_err().contains("tpu"));
}

#[test]
fn cuda_is_a_typed_error_and_auto_falls_back() {
    let auto = Accel::new(&AccelConfig::default()).unwrap();
    assert_eq!(auto.backend_for(Op::Msm, 1 << 20), BackendKind::Cpu, "no table: cpu");
    let cuda = Accel::new(&AccelConfig { backend: BackendChoice::Cuda, ..AccelConfig::default() });
    match cuda {
        // A build with the `cuda` feature on a GPU host: nothing to check here.
        Ok(_) => eprintln!("a CUDA device is present: the no-device checks do not apply"),
        Err(err) => {
            assert!(matches!(
                err,
                AccelError::BackendUnavailable { backend: BackendKind::Cuda, .. }
            ));
            assert_eq!(auto.available(), vec![BackendKind::Cpu]);
        }
    }
}

#[test]
fn one_thread_runs_and_counts_metrics() {
    let a = Accel::new(&AccelConfig::cpu(1)).unwrap();
    let b = crate::random_points(50, 1);
    let s = crate::random_scalars(50, 2);
    let _ = a.msm(&b, &s).unwrap();
    let _ = a.msm(&b[..10], &s[..10]).unwrap();
    let m = a.metrics().snapshot();
    let msm = m.iter().find(|m| m.op == Op::Msm).expect("msm counted");
    assert_eq!((msm.backend, msm.calls, msm.elements), (BackendKind::Cpu, 2, 60));
}

fn row(op: &str, size: usize, backend: BackendKind, ms: f64) -> ProfileRow {
    ProfileRow { op: op.into(), size, backend, ms, baseline: "arkworks".into(), baseline_ms: 1.0 }
}

#[test]
fn crossover_table_picks_the_fastest_available_backend_at_the_nearest_size() {
    let rows = [
        row("msm", 1 << 10, BackendKind::Cpu, 1.0),
        row("msm", 1 << 10, BackendKind::Cuda, 3.0),
        row("msm", 1 << 20, BackendKind::Cpu, 900.0),
        row("msm", 1 << 20, BackendKind::Cuda, 40.0),
        // A whole-scheme row is a measurement, not a crossover point: skipped.
        row("vid.disperse", 1 << 20, BackendKind::Cuda, 0.0),
    ];
    let t = CrossoverTable::from_rows(&rows).unwrap();
    let both = [BackendKind::Cpu, BackendKind::Cuda];
    assert_eq!(t.choose(Op::Msm, 1 << 11, &both), Some(BackendKind::Cpu));
    assert_eq!(t.choose(Op::Msm, 1 << 18, &both), Some(BackendKind::Cuda));
    assert_eq!(t.choose(Op::Msm, 1 << 18, &[BackendKind::Cpu]), Some(BackendKind::Cpu));
    assert_eq!(t.choose(Op::Ntt, 1 << 18, &both), None);
    // Below the smallest profiled size the CPU keeps small inputs, whatever won there.
    let fast = [
        row("ec_ntt", 1 << 6, BackendKind::Cpu, 9.0),
        row("ec_ntt", 1 << 6, BackendKind::Cuda, 1.0),
        row("ec_ntt", 1 << 10, BackendKind::Cpu, 90.0),
        row("ec_ntt", 1 << 10, BackendKind::Cuda, 2.0),
    ];
    let t = CrossoverTable::from_rows(&fast).unwrap();
    assert_eq!(t.choose(Op::EcNtt, 1 << 2, &both), Some(BackendKind::Cpu));
    assert_eq!(t.choose(Op::EcNtt, 1 << 6, &both), Some(BackendKind::Cuda));
    assert_eq!(t.choose(Op::EcNtt, 1 << 12, &both), Some(BackendKind::Cuda));
    // Device rows without a CPU time at that size are no crossover: the CPU stays.
    let device_only = [row("ntt", 1 << 20, BackendKind::Cuda, 1.0)];
    let t = CrossoverTable::from_rows(&device_only).unwrap();
    assert_eq!(t.choose(Op::Ntt, 1 << 20, &both), Some(BackendKind::Cpu));
    assert_eq!(t.choose(Op::Ntt, 1 << 20, &[BackendKind::Cuda]), Some(BackendKind::Cuda));
    let err = CrossoverTable::from_rows(&[row("fft", 4, BackendKind::Cpu, 1.0)]).unwrap_err();
    assert!(err.contains("fft"), "{err}");
}

#[test]
fn crossover_table_skips_end_to_end_rows() {
    let rows =
        [row("qc.verify", 1000, BackendKind::Cpu, 1.0), row("msm", 16, BackendKind::Cpu, 1.0)];
    let t = CrossoverTable::from_rows(&rows).unwrap();
    assert_eq!(t.choose(Op::Msm, 16, &[BackendKind::Cpu]), Some(BackendKind::Cpu));
    assert!(CrossoverTable::from_rows(&[row("qcverify", 4, BackendKind::Cpu, 1.0)]).is_err());
}

#[test]
fn broken_profile_files_are_typed_errors() {
    let dir = std::env::temp_dir().join(format!("doppio-accel-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("profile.json");
    std::fs::File::create(&path).unwrap().write_all(b"{\"op\": 1}").unwrap();
    let cfg = AccelConfig { profile: Some(path.clone()), ..AccelConfig::default() };
    match Accel::new(&cfg) {
        Err(AccelError::CrossoverTable { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains("not a profile array"), "{reason}");
        }
        other => panic!("expected a crossover-table error, got {other:?}"),
    }
    let missing = AccelConfig { profile: Some(dir.join("missing.json")), ..AccelConfig::default() };
    assert!(matches!(Accel::new(&missing), Err(AccelError::CrossoverTable { .. })));
    let rows = serde_json::to_string(&[row("ntt", 1024, BackendKind::Cpu, 0.5)]).unwrap();
    std::fs::write(&path, rows).unwrap();
    let a = Accel::new(&cfg).unwrap();
    assert_eq!(a.backend_for(Op::Ntt, 1024), BackendKind::Cpu);
    std::fs::remove_dir_all(&dir).unwrap();
}
