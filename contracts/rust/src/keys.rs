//! The verifying key compiled into `LightClient.sol`: the light-client circuit at
//! [`CONTRACT_CAPACITY`] over the insecure development SRS of [`CONTRACT_SRS_SEED`], made
//! deterministically so that tests and the dev network can prove for it.

use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_light_client::{
    circuit::{LightClientError, setup, state_update_circuit},
    state::LightClientState,
};
use doppio_plonk::{PlonkError, ProvingKey, VerifyingKey};

/// Stake-table entries the committed key's circuit has room for. Small, so that tests
/// and dev networks prove in seconds; a production deployment regenerates the key for
/// its capacity from a ceremony SRS (`gen-vk --capacity N --ptau FILE`).
pub const CONTRACT_CAPACITY: usize = 10;

/// Seed of the insecure development SRS of the committed key (anyone can forge proofs
/// for it: dev and test networks only).
pub const CONTRACT_SRS_SEED: u64 = 0x0d0b_b10d;

/// Name of the generated Solidity library (`contracts/src/LightClientStateUpdateVK.sol`).
pub const VK_LIBRARY: &str = "LightClientStateUpdateVK";

/// Proving and verifying keys of the state-update circuit at `capacity` over `srs` (which
/// must reach [`srs_degree`]).
pub fn light_client_keys(
    srs: &Srs,
    capacity: usize,
    accel: &Accel,
) -> Result<(ProvingKey, VerifyingKey), LightClientError> {
    setup(srs, capacity, accel)
}

/// The SRS degree the state-update circuit at `capacity` needs.
pub fn srs_degree(capacity: usize) -> Result<usize, LightClientError> {
    let zero = LightClientState {
        view_number: 0u64.into(),
        block_height: 0u64.into(),
        block_comm_root: 0u64.into(),
    };
    let n = state_update_circuit(capacity, &[], 0, &zero, &[])?.domain_size();
    Ok(doppio_plonk::srs_degree(n))
}

/// Keys at `capacity` over the development SRS of `seed` (insecure: tests and dev only).
pub fn dev_keys(
    capacity: usize,
    seed: u64,
    accel: &Accel,
) -> Result<(ProvingKey, VerifyingKey), LightClientError> {
    let srs = Srs::insecure_dev(srs_degree(capacity)?, seed);
    light_client_keys(&srs, capacity, accel)
}

/// The keys compiled into `LightClient.sol` ([`CONTRACT_CAPACITY`], [`CONTRACT_SRS_SEED`]).
pub fn contract_keys(accel: &Accel) -> Result<(ProvingKey, VerifyingKey), LightClientError> {
    dev_keys(CONTRACT_CAPACITY, CONTRACT_SRS_SEED, accel)
}

/// Where the key came from, for the generated file's header.
#[derive(Clone, Debug)]
pub enum KeyOrigin {
    /// The insecure development SRS of this seed.
    DevSrs(u64),
    /// A Powers-of-Tau file (its name).
    Ptau(String),
}

/// Source of `contracts/src/LightClientStateUpdateVK.sol` for `vk`: a header saying
/// what circuit and SRS it is for, then [`VerifyingKey::solidity_library`].
pub fn vk_library_source(
    vk: &VerifyingKey,
    capacity: usize,
    origin: &KeyOrigin,
) -> Result<String, PlonkError> {
    let library = vk.solidity_library(VK_LIBRARY)?;
    let srs = match origin {
        KeyOrigin::DevSrs(seed) => format!(
            "the INSECURE development SRS of seed {seed:#x}: anyone can forge proofs; dev and test networks only"
        ),
        KeyOrigin::Ptau(name) => format!("the Powers-of-Tau file {name}"),
    };
    let regenerate = match origin {
        KeyOrigin::DevSrs(_) => format!("gen-vk -- --capacity {capacity}"),
        KeyOrigin::Ptau(name) => format!("gen-vk -- --capacity {capacity} --ptau {name}"),
    };
    let header = format!(
        "// The light-client state-update circuit at stake-table capacity {capacity} over\n\
         // {srs}.\n\
         // Regenerate: cargo run -p doppio-contracts --bin {regenerate} (scripts/contracts.sh gen).\n"
    );
    // After the SPDX line, before the pragma.
    let (spdx, rest) = library.split_once('\n').unwrap_or(("", &library));
    Ok(format!("{spdx}\n{header}{rest}"))
}
