//! Tests of doppio-keys: BLS vectors and encodings, proofs of possession and rogue keys,
//! certificates and the vote accumulator, keygen and key files.

mod bls;
mod files;
mod qc;
