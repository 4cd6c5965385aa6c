//! The commands of the `diff-test` CLI, which forge tests call through `vm.ffi`: each
//! returns the ABI encoding of its answer, printed as `0x…` hex (forge decodes it).

use alloy::{
    primitives::{Bytes, U256},
    sol_types::SolValue,
};
use ark_bn254::Fr;
use doppio_accel::Accel;
use doppio_light_client::{
    circuit::public_inputs,
    dev::{DevStakeTable, dev_state},
};
use doppio_plonk::{SOLIDITY_PROOF_WORDS as PROOF_WORDS, challenges, verify};

use crate::{
    encode::{
        EncodeError, field, proof_from_words, proof_words, stake_table_words, state_words,
        vk_from_words, vk_words, word,
    },
    keys::{contract_keys, dev_keys},
};

/// What a command can fail with (the CLI prints it and exits non-zero).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Keys, proofs or fixtures could not be made.
    #[error(transparent)]
    LightClient(#[from] doppio_light_client::circuit::LightClientError),
    /// A value does not fit the contracts' types.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The accelerator could not start.
    #[error(transparent)]
    Accel(#[from] doppio_accel::AccelError),
    /// The command's input is not the expected ABI encoding.
    #[error("input is not the ABI encoding of {expected}: {reason}")]
    BadInput {
        /// The expected type.
        expected: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
}

/// Which keys a command proves with.
#[derive(Clone, Copy, Debug)]
pub enum Keys {
    /// The keys compiled into `LightClient.sol`.
    Contract,
    /// Development keys of the state-update circuit at this capacity (SRS seed = the
    /// command's seed).
    Dev(usize),
}

/// A real light-client proof: `(uint256[42] vk, uint256[] inputs, Proof proof,
/// uint256[6] challenges, bool rustValid)`, the challenges `β, γ, α, ζ, v, u` as the
/// Rust verifier replays them. A stake table of `capacity` entries, all signing.
pub fn plonk_bundle(capacity: usize, seed: u64) -> Result<Bytes, DiffError> {
    let accel = Accel::cpu()?;
    let (pk, vk) = dev_keys(capacity, seed, &accel)?;
    let table = DevStakeTable::new(capacity, capacity, seed)?;
    let state = dev_state(seed, 1);
    let proof = table.prove(&accel, &pk, &state, seed)?;
    let inputs = public_inputs(&state, &table.state());
    let ch = challenges(&vk, &inputs, &proof).map_err(EncodeError::from)?;
    let valid = verify(&vk, &inputs, &proof).is_ok();
    let out = (
        fixed::<{ doppio_plonk::SOLIDITY_KEY_WORDS }>(vk_words(&vk)?),
        inputs.iter().map(word).collect::<Vec<_>>(),
        fixed::<PROOF_WORDS>(proof_words(&proof)),
        ch.map(|c| word(&c)),
        valid,
    );
    Ok(out.abi_encode_params().into())
}

/// The Rust verifier's verdict on `(uint256[42] vk, uint256[] inputs, Proof proof)`:
/// `abi.encode(bool)`. Words that encode no key, proof or field element are rejected,
/// as the Solidity verifier rejects them.
pub fn plonk_verify(input: &[u8]) -> Result<Bytes, DiffError> {
    type Input = ([U256; doppio_plonk::SOLIDITY_KEY_WORDS], Vec<U256>, [U256; PROOF_WORDS]);
    let (vk, inputs, proof) =
        <Input>::abi_decode_params(input).map_err(|e| DiffError::BadInput {
            expected: "(uint256[42] vk, uint256[] inputs, PlonkVerifier.Proof proof)",
            reason: e.to_string(),
        })?;
    Ok(verdict(&vk, &inputs, &proof).abi_encode().into())
}

fn verdict(vk: &[U256], inputs: &[U256], proof: &[U256]) -> bool {
    let parsed = || -> Result<_, EncodeError> {
        let inputs: Vec<Fr> =
            inputs.iter().map(|x| field(*x, "public input")).collect::<Result<_, _>>()?;
        Ok((vk_from_words(vk)?, inputs, proof_from_words(proof)?))
    };
    match parsed() {
        Ok((vk, inputs, proof)) => verify(&vk, &inputs, &proof).is_ok(),
        Err(_) => false,
    }
}

/// `count` successive updates of a dev chain from `seed`: `(uint256[3] genesis,
/// uint256[4] stakeTable, uint256[42] vk, uint256[3][] states, uint256[30][] proofs)`,
/// states as `(view, height, root)`; genesis is state 0 of the chain.
pub fn light_client_updates(keys: Keys, seed: u64, count: u64) -> Result<Bytes, DiffError> {
    let accel = Accel::cpu()?;
    let (capacity, (pk, vk)) = match keys {
        Keys::Contract => (crate::keys::CONTRACT_CAPACITY, contract_keys(&accel)?),
        Keys::Dev(capacity) => (capacity, dev_keys(capacity, seed, &accel)?),
    };
    let table = DevStakeTable::new(capacity, capacity, seed)?;
    let as_words = |i: u64| -> Result<[U256; 3], EncodeError> {
        let (view, height, root) = state_words(&dev_state(seed, i))?;
        Ok([U256::from(view), U256::from(height), root])
    };
    let mut states = Vec::new();
    let mut proofs = Vec::new();
    for i in 1..=count {
        let proof = table.prove(&accel, &pk, &dev_state(seed, i), seed + i)?;
        states.push(as_words(i)?);
        proofs.push(fixed::<PROOF_WORDS>(proof_words(&proof)));
    }
    let vk = fixed::<{ doppio_plonk::SOLIDITY_KEY_WORDS }>(vk_words(&vk)?);
    let out = (as_words(0)?, stake_table_words(&table.state()), vk, states, proofs);
    Ok(out.abi_encode_params().into())
}

/// Words the verifier's layout fixes to `N` (a key: 42, a proof: 28).
fn fixed<const N: usize>(words: Vec<U256>) -> [U256; N] {
    let len = words.len();
    words.try_into().unwrap_or_else(|_| unreachable!("the layout has {N} words, not {len}"))
}
