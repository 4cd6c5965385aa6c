//! Seeded simulations of whole networks through rounds of asynchrony (delays past the
//! view timeout, drops, reordering, partitions, crashes and restarts) and synchrony,
//! with one Byzantine member (equivocating proposals, corrupted shares, invalid headers,
//! forged, duplicate and foreign votes, forged timeouts, garbage and replays, wrong
//! fetch answers).
//!
//! Checked: safety (no two leaves decided at one height by honest members, each
//! member's decisions one chain, no honest member signing two things of a kind in one
//! view across restarts) and liveness (after each asynchronous period, every honest
//! member decides again within [`RECOVERY_VIEWS`] views of the network turning
//! synchronous). Each run prints its figures.
//!
//! Test names start with `sim_` so a profile can select or skip them.

use crate::sim::{Sim, SimConfig};

/// Views after the network turns synchronous within which every honest member must
/// decide again: views to resynchronise (a timeout certificate), the Byzantine leader's
/// view, two consecutive honest views for the two-chain rule, catch-up of restarted
/// members, with margin.
const RECOVERY_VIEWS: u64 = 20;

fn check(sim: &Sim) {
    let s = &sim.stats;
    let honest = sim.honest();
    let decided: Vec<usize> = honest.iter().map(|&i| sim.decided(i).len()).collect();
    eprintln!(
        "seed {} ({} members): {} views, {} heights decided (per honest member {:?}), \
         {} blocks built, {} timeouts sent, {} crashes, {} restarts, {} fetches, \
         {} delivered, {} dropped, recovery views {:?}\nrejected: {:?}",
        sim.cfg.seed,
        sim.cfg.stakes.len(),
        sim.max_view(),
        sim.checker.heights(),
        decided,
        s.blocks_built,
        s.timeouts_sent,
        s.crashes,
        s.restarts,
        s.fetches,
        s.delivered,
        s.dropped,
        s.recovery_views,
        s.rejected,
    );
    assert!(s.conflicts.is_empty(), "safety violated: {:?}", s.conflicts);
    if std::env::var("SIM_DUMP").is_ok() {
        eprintln!("{}", sim.dump());
    }
    assert!(s.double_signs.is_empty(), "an honest member signed twice: {:?}", s.double_signs);
    assert!(s.broken_chains.is_empty(), "{:?}", s.broken_chains);
    for (round, r) in s.recovery_views.iter().enumerate() {
        let views = r.unwrap_or_else(|| {
            panic!("round {round}: no decision after synchrony\n{}", sim.dump())
        });
        assert!(views <= RECOVERY_VIEWS, "round {round}: {views} views to recover");
    }
    // The faults were really exercised, and refused.
    for variant in [
        "Equivocation",
        "InvalidHeader",
        "BadVidShare",
        "WrongSender",
        "Decode",
        "Vote:NotMember",
        "Vote:DuplicateVote",
    ] {
        assert!(s.rejected(variant) > 0, "no {variant} seen: {:?}", s.rejected);
    }
    let forged = s.rejected("Vote:InvalidVote");
    assert!(forged > 0, "no forged vote refused: {:?}", s.rejected);
    assert!(s.crashes > 0 && s.restarts > 0);
    // Every honest member's chain is the same chain.
    let longest = honest.iter().map(|&i| sim.decided(i)).max_by_key(|d| d.len()).unwrap();
    for &i in &honest {
        let mine = sim.decided(i);
        assert!(
            mine.len() * 10 >= longest.len() * 8,
            "member {i} lags: {} of {}",
            mine.len(),
            longest.len()
        );
        for (a, b) in mine.iter().zip(longest) {
            assert_eq!(a.hash(), b.hash());
        }
    }
}

/// Runs `cfg` and checks it, and that it covered at least [`MIN_VIEWS`] views.
fn run(cfg: SimConfig) {
    let mut sim = Sim::new(cfg);
    sim.run();
    check(&sim);
    assert!(sim.max_view() >= MIN_VIEWS, "{} views", sim.max_view());
}

/// Views each of the long simulations covers at least.
const MIN_VIEWS: u64 = 400;

#[test]
fn sim_four_members_seed_1() {
    run(SimConfig::four(1, 6));
}

#[test]
fn sim_four_members_seed_2() {
    run(SimConfig::four(2, 6));
}

#[test]
fn sim_five_weighted_members_seed_3() {
    run(SimConfig::five_weighted(3, 6));
}

#[test]
fn sim_five_weighted_members_seed_4() {
    run(SimConfig::five_weighted(4, 6));
}

#[test]
fn sim_runs_are_a_function_of_the_seed() {
    let digest = |seed| {
        let mut sim =
            Sim::new(SimConfig { chaos_ms: 1_000, calm_ms: 1_500, ..SimConfig::four(seed, 1) });
        sim.run();
        let chain: Vec<_> = sim.decided(0).iter().map(|d| d.hash()).collect();
        (chain, sim.max_view(), sim.stats.delivered, sim.stats.dropped)
    };
    let a = digest(11);
    assert!(a.0.len() > 5, "it decided something");
    assert_eq!(a, digest(11));
    assert_ne!(a, digest(12));
}

#[test]
fn sim_the_checker_catches_a_conflicting_decision_injected_into_a_run() {
    let mut sim = Sim::new(SimConfig { chaos_ms: 200, calm_ms: 2_000, ..SimConfig::four(5, 1) });
    sim.run();
    let decided = sim.decided(0);
    assert!(decided.len() > 3);
    let height = decided[2].height();
    let other = decided[3].hash();
    let conflict = sim.checker.record(1, height, other).unwrap_err();
    assert_eq!(conflict.height, height);
}
