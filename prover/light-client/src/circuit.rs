//! The state-update circuit and its proving API.
//!
//! Public inputs, in order: `view_number, block_height, block_comm_root` and
//! `bls_key_comm, schnorr_key_comm, amount_comm, threshold`. For a stake table padded to
//! the capacity the circuit proves: every signer bit is boolean; the commitments to the
//! BLS keys, Schnorr keys and amounts (each a [`sponge_commit`](crate::state::sponge_commit)
//! of the padded table) equal the public ones; the threshold is below `2^128`, every
//! amount below `5^56` (`2^128 ≤ 5^56 < 2^131`, a base-5 range check) and the signers'
//! stake is at least the threshold; every signer's Schnorr signature on the state
//! verifies (the state's message digest is computed once, every signature's challenge
//! hashes it).

use ark_bn254::Fr;
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_plonk::{
    Circuit, PlonkError, PointVariable, Proof, ProvingKey, Variable, VerifyingKey, preprocess,
    prove, verify,
};
use rand::RngCore;
use rayon::prelude::*;

use crate::{
    gadgets::{
        GadgetError, message_digest, padding_signature_witness, schnorr_verify_if,
        signature_witness, sponge_commit,
    },
    schnorr::SchnorrSignature,
    state::{AMOUNT_BITS, EntryFields, LightClientState, StakeTableEntry, stake_table_state},
};

/// Number of public inputs: three of the state, four of the stake table.
pub const NUM_PUBLIC_INPUTS: usize = 7;

/// Why a state update cannot be proved or verified.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LightClientError {
    /// More stake-table entries than the circuit has room for.
    #[error("{len} stake-table entries do not fit a circuit of capacity {capacity}")]
    CapacityExceeded {
        /// Entries given.
        len: usize,
        /// The circuit's capacity.
        capacity: usize,
    },
    /// A signer index past the end of the stake table.
    #[error("signer {index} is outside the stake table of {len} entries")]
    SignerOutsideTable {
        /// The index.
        index: usize,
        /// Entries in the table.
        len: usize,
    },
    /// A signer listed twice.
    #[error("signer {index} is listed twice")]
    DuplicateSigner {
        /// The index.
        index: usize,
    },
    /// A signature that does not verify on the state with the signer's key.
    #[error("the signature of signer {index} does not verify on this state")]
    BadSignature {
        /// The signer's index.
        index: usize,
    },
    /// The signers hold less stake than the threshold.
    #[error("the signers hold {signed} stake, {threshold} is needed")]
    NotEnoughStake {
        /// Their stake (saturating at `u128::MAX`).
        signed: u128,
        /// The threshold.
        threshold: u128,
    },
    /// A circuit gadget failed.
    #[error(transparent)]
    Gadget(#[from] GadgetError),
    /// Preprocessing, proving or verification failed.
    #[error(transparent)]
    Plonk(#[from] PlonkError),
}

/// Base-5 digits of an amount's range check: `2^128 ≤ 5^56 < 2^131`, so every `u128`
/// passes, and an amount that passes is below `2^131`.
const AMOUNT_DIGITS: usize = 56;

/// Bits bounding an amount that passes its range check (`5^56 < 2^131`).
const AMOUNT_BOUND_BITS: usize = 131;

/// Bits of the signers' stake minus the threshold: a sum of `capacity` amounts below
/// `2^131` is below `2^(131 + ⌈log₂(capacity + 1)⌉)`, far below the field's `2^253`, so
/// a stake under the threshold wraps to a value that fails the check.
fn stake_bits(capacity: usize) -> usize {
    AMOUNT_BOUND_BITS + (usize::BITS - capacity.leading_zeros()) as usize
}

/// The circuit for `entries` padded to `capacity`, with `signatures[i]` the signature of
/// entry `i` (`None`: not a signer). Its shape depends only on `capacity`.
pub fn state_update_circuit(
    capacity: usize,
    entries: &[StakeTableEntry],
    threshold: u128,
    state: &LightClientState,
    signatures: &[Option<SchnorrSignature>],
) -> Result<Circuit, LightClientError> {
    if entries.len() > capacity || signatures.len() > capacity {
        let len = entries.len().max(signatures.len());
        return Err(LightClientError::CapacityExceeded { len, capacity });
    }
    let table = stake_table_state(entries, capacity, threshold);
    let mut c = Circuit::new();
    let message: Vec<_> = state.to_fields().iter().map(|v| c.public_input(*v)).collect();
    let [bls_comm, schnorr_comm, amount_comm, threshold] =
        table.to_fields().map(|v| c.public_input(v));
    c.range_check(threshold, AMOUNT_BITS).map_err(GadgetError::from)?;
    let digest = message_digest(&mut c, &message)?;
    // Every entry's gadgets are built apart, on all cores, then appended in entry order:
    // the rows and variables are those of building them one after the other.
    let parts = (0..capacity)
        .into_par_iter()
        .map(|i| {
            let (mut f, imported) = c.fragment(&[digest]).map_err(GadgetError::from)?;
            let sig = signatures.get(i).and_then(|s| s.as_ref());
            let vars = entry_gadgets(&mut f, entries.get(i), sig, imported[0])?;
            Ok((f, vars))
        })
        .collect::<Result<Vec<_>, LightClientError>>()?;
    let (mut bls, mut schnorr, mut amounts) = (vec![], vec![], vec![]);
    let mut stake = c.zero();
    for (f, vars) in parts {
        let map = c.append(f).map_err(GadgetError::from)?;
        let [bls0, bls1, pk_x, pk_y, amount, bit] =
            [vars.bls[0], vars.bls[1], vars.pk.x, vars.pk.y, vars.amount, vars.bit]
                .map(|v| map.var(v));
        bls.extend([bls0, bls1]);
        schnorr.extend([pk_x, pk_y]);
        amounts.push(amount);
        // stake ← bit·amount + 1·stake
        let one = c.one();
        stake = c
            .mul_add([bit, amount, one, stake], [Fr::from(1u64), Fr::from(1u64)])
            .map_err(GadgetError::from)?;
    }
    // The three commitments' sponges are independent: built apart too, appended in order.
    let sponges = [bls, schnorr, amounts]
        .into_par_iter()
        .map(|elements| {
            let (mut f, imported) = c.fragment(&elements).map_err(GadgetError::from)?;
            let comm = sponge_commit(&mut f, &imported)?;
            Ok((f, comm))
        })
        .collect::<Result<Vec<_>, LightClientError>>()?;
    for ((f, comm), public) in sponges.into_iter().zip([bls_comm, schnorr_comm, amount_comm]) {
        let comm = c.append(f).map_err(GadgetError::from)?.var(comm);
        c.enforce_equal(comm, public).map_err(GadgetError::from)?;
    }
    let surplus = c.sub(stake, threshold).map_err(GadgetError::from)?;
    c.range_check(surplus, stake_bits(capacity)).map_err(GadgetError::from)?;
    Ok(c)
}

/// One entry's variables, made by [`entry_gadgets`].
struct EntryVariables {
    bls: [Variable; 2],
    pk: PointVariable,
    amount: Variable,
    bit: Variable,
}

/// One stake-table entry's part of the circuit (all but its row of the stake sum): its
/// BLS key halves and Schnorr key, its amount with the amount's range check, its signer
/// bit, and the check of its signature (or of the padding one) on `digest`.
fn entry_gadgets(
    c: &mut Circuit,
    entry: Option<&StakeTableEntry>,
    sig: Option<&SchnorrSignature>,
    digest: Variable,
) -> Result<EntryVariables, LightClientError> {
    let f = EntryFields::of(entry);
    let bls = f.bls.map(|v| c.witness(v));
    let pk = c.point_witness(f.schnorr[0], f.schnorr[1]);
    let amount = c.witness(f.amount);
    c.range_check_quinary(amount, AMOUNT_DIGITS).map_err(GadgetError::from)?;
    let bit = c.bool_witness(sig.is_some());
    let sig = match sig {
        Some(s) => signature_witness(c, s),
        None => padding_signature_witness(c),
    };
    schnorr_verify_if(c, bit, pk, digest, &sig)?;
    Ok(EntryVariables { bls, pk, amount, bit })
}

/// Proving and verifying keys for stake tables of up to `capacity` entries.
pub fn setup(
    srs: &Srs,
    capacity: usize,
    accel: &Accel,
) -> Result<(ProvingKey, VerifyingKey), LightClientError> {
    let state = LightClientState {
        view_number: Fr::from(0u64),
        block_height: Fr::from(0u64),
        block_comm_root: Fr::from(0u64),
    };
    let c = state_update_circuit(capacity, &[], 0, &state, &[])?;
    Ok(preprocess(srs, &c, accel)?)
}

/// A state update to prove: the stake table, its threshold, the new state and who
/// signed it (indices into the table, with their signatures on the state).
#[derive(Clone, Copy, Debug)]
pub struct StateUpdate<'a> {
    /// The stake table (at most the circuit's capacity entries).
    pub stake_table: &'a [StakeTableEntry],
    /// Stake the signers must reach.
    pub threshold: u128,
    /// The state signed.
    pub state: &'a LightClientState,
    /// `(index in the table, signature on the state)` per signer.
    pub signers: &'a [(usize, SchnorrSignature)],
}

/// Checks the update natively (capacity, signer indices, every signature, the stake),
/// returning a typed error before any proving, then proves it with `pk` (made by
/// [`setup`] for `capacity`).
pub fn prove_state_update<R: RngCore>(
    accel: &Accel,
    pk: &ProvingKey,
    capacity: usize,
    update: &StateUpdate<'_>,
    rng: &mut R,
) -> Result<Proof, LightClientError> {
    let StateUpdate { stake_table, threshold, state, signers } = *update;
    let signatures = check_update(capacity, stake_table, threshold, state, signers)?;
    let c = state_update_circuit(capacity, stake_table, threshold, state, &signatures)?;
    Ok(prove(accel, pk, &c, rng)?)
}

/// The native checks of [`prove_state_update`]; the signature of each entry.
fn check_update(
    capacity: usize,
    stake_table: &[StakeTableEntry],
    threshold: u128,
    state: &LightClientState,
    signers: &[(usize, SchnorrSignature)],
) -> Result<Vec<Option<SchnorrSignature>>, LightClientError> {
    let len = stake_table.len();
    if len > capacity {
        return Err(LightClientError::CapacityExceeded { len, capacity });
    }
    let mut signatures = vec![None; len];
    let mut signed = 0u128;
    for &(index, sig) in signers {
        let entry =
            stake_table.get(index).ok_or(LightClientError::SignerOutsideTable { index, len })?;
        if signatures[index].is_some() {
            return Err(LightClientError::DuplicateSigner { index });
        }
        entry
            .schnorr_key
            .verify(&state.to_fields(), &sig)
            .map_err(|_| LightClientError::BadSignature { index })?;
        signatures[index] = Some(sig);
        signed = signed.saturating_add(entry.amount);
    }
    if signed < threshold {
        return Err(LightClientError::NotEnoughStake { signed, threshold });
    }
    Ok(signatures)
}

/// The public inputs of a state update, in circuit order.
pub fn public_inputs(state: &LightClientState, table: &crate::state::StakeTableState) -> Vec<Fr> {
    state.to_fields().into_iter().chain(table.to_fields()).collect()
}

/// Verifies a state-update proof against the state and the stake-table state.
pub fn verify_state_update(
    vk: &VerifyingKey,
    state: &LightClientState,
    table: &crate::state::StakeTableState,
    proof: &Proof,
) -> Result<(), LightClientError> {
    Ok(verify(vk, &public_inputs(state, table), proof)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The amount bound's claims: `2^128 ≤ 5^56 < 2^131` (a value is below `5^56` when
    /// its base-5 digits from the 57th up are zero).
    #[test]
    fn the_amount_digits_bound_u128_and_fit_the_stake_bits() {
        let below = |limbs: [u64; 4]| {
            doppio_plonk::quinary_digits(&limbs, 64)[AMOUNT_DIGITS..].iter().all(|d| *d == 0)
        };
        assert!(below([u64::MAX, u64::MAX, 0, 0]), "u128::MAX < 5^56");
        assert!(
            !below([u64::MAX, u64::MAX, (1 << (AMOUNT_BOUND_BITS - 128)) - 1, 0]),
            "5^56 < 2^131"
        );
    }
}
