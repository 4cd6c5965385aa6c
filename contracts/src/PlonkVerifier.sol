// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Verifier of doppio-plonk proofs (prover/plonk) on the EVM.
/// @notice Replays the Keccak-256 transcript of prover/plonk/README.md ("Transcript, byte
/// for byte"), builds the linearisation commitment with the ecMul/ecAdd precompiles and
/// checks both KZG openings with one two-pair pairing. The arithmetic mirrors
/// prover/plonk/src/verifier.rs line by line; the differential tests
/// (test/PlonkVerifier.t.sol) compare the two on real and tampered proofs.
/// @dev Gas: 31 ecMul + 1 for the left side of the pairing (the constant selector's
/// scalar is 1 and identity commitments of unused selectors are skipped), about 30
/// ecAdd, one pairing of two pairs, one modexp inversion, six Keccak hashes.
library PlonkVerifier {
    /// A G1 point, `(0, 0)` for the identity (the precompiles' encoding).
    struct G1Point {
        uint256 x;
        uint256 y;
    }

    /// A proof: 13 G1 points and 10 field elements, in the order the transcript reads
    /// them (prover/plonk `Proof`).
    struct Proof {
        G1Point[5] wires;
        G1Point z;
        G1Point[5] quotient;
        uint256[5] wireEvals;
        uint256[4] sigmaEvals;
        uint256 zShiftEval;
        G1Point opening;
        G1Point shiftOpening;
    }

    /// Words of a verifying key (`uint256[VK_WORDS]`), as the generated key libraries
    /// and the diff-test CLI lay it out: `n`, the public input count, `ω`, the
    /// transcript's initial state, 13 selector and 5 permutation commitments (x, y),
    /// `[1]₁`, then `[1]₂` and `[τ]₂` in the precompile order (x.c1, x.c0, y.c1, y.c0).
    uint256 internal constant VK_WORDS = 50;
    uint256 internal constant VK_DOMAIN_SIZE = 0;
    uint256 internal constant VK_NUM_INPUTS = 1;
    uint256 internal constant VK_OMEGA = 2;
    uint256 internal constant VK_DIGEST = 3;
    uint256 internal constant VK_SELECTORS = 4;
    uint256 internal constant VK_SIGMAS = 30;
    uint256 internal constant VK_G = 40;
    uint256 internal constant VK_H = 42;
    uint256 internal constant VK_TAU_H = 46;

    /// BN254 scalar field order `r`.
    uint256 internal constant R_MOD =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// BN254 base field order `p`.
    uint256 internal constant P_MOD =
        0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;

    /// The key expects another number of public inputs.
    error WrongPublicInputCount(uint256 expected, uint256 given);

    /// Checks `proof` for `publicInputs` against the key `vk`.
    /// @return valid True exactly when the proof verifies. Public inputs or evaluations
    /// that are not below `r`, points off the curve and a failing pairing return false.
    function verify(uint256[VK_WORDS] memory vk, uint256[] memory publicInputs, Proof calldata proof)
        internal
        view
        returns (bool valid)
    {
        uint256[6] memory ch = challenges(vk, publicInputs, proof);
        assembly ("memory-safe") {
            // Scratch memory above the free memory pointer (nothing here outlives this
            // block). Offsets from `m`: challenges β γ α ζ v u at 0x00..0xa0, then ζⁿ,
            // Z_H(ζ), L₀(ζ), PI(ζ), Π_{j<4}(w̄ⱼ + βσ̄ⱼ + γ) at 0xc0..0x140; the MSM
            // accumulator with the precompiles' input [acc.x, acc.y, p.x, p.y, s] at
            // 0x180; a region for modexp, the left side and the pairing at 0x220; the
            // Lagrange scratch (two words per input) at 0x3e0.
            {
                let m := mload(0x40)
                let count := mload(publicInputs)
                // Valid encodings first: then no precompile call can fail (a failing
                // call would burn all the gas it is given).
                if canonical(add(publicInputs, 0x20), count, proof) {
                    mcopy(m, ch, 0xc0)
                    let ok := evaluations(m, vk, add(publicInputs, 0x20), count)
                    ok := and(ok, selectorTerms(m, vk, proof))
                    ok := and(ok, permutationAndQuotientTerms(m, vk, proof))
                    ok := and(ok, openingTerms(m, vk, proof))
                    valid := and(ok, pairingCheck(m, vk, proof))
                }
            }

            // Public inputs and the ten evaluations (calldata 0x2c0..0x400) below r; the
            // 13 points (0x000..0x2c0 and 0x400..0x480) with coordinates below p, on the
            // curve y² = x³ + 3 or the identity (0, 0).
            function canonical(inputs, count, pf) -> ok {
                ok := 1
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    ok := and(ok, lt(mload(add(inputs, mul(i, 0x20))), R_MOD))
                }
                for { let i := 0x2c0 } lt(i, 0x400) { i := add(i, 0x20) } {
                    ok := and(ok, lt(calldataload(add(pf, i)), R_MOD))
                }
                for { let i := 0 } lt(i, 0x480) { i := add(i, 0x40) } {
                    if eq(i, 0x2c0) { i := 0x400 }
                    ok := and(ok, onCurve(calldataload(add(pf, i)), calldataload(add(pf, add(i, 0x20)))))
                }
            }

            function onCurve(x, y) -> ok {
                let q := P_MOD
                let rhs := addmod(mulmod(mulmod(x, x, q), x, q), 3, q)
                ok := and(and(lt(x, q), lt(y, q)), or(eq(mulmod(y, y, q), rhs), iszero(or(x, y))))
            }

            // ζⁿ, Z_H(ζ) (zero fails: the quotient is undefined on the domain), the
            // Lagrange bases Lᵢ(ζ) = ωⁱ·Z_H(ζ)/(n·(ζ − ωⁱ)) with one inversion, L₀(ζ), PI(ζ).
            function evaluations(m, key, inputs, count) -> ok {
                let r := R_MOD
                let n := mload(key)
                let zeta := mload(add(m, 0x60))
                let zetaN := zeta
                for { let i := 1 } lt(i, n) { i := add(i, i) } { zetaN := mulmod(zetaN, zetaN, r) }
                let zh := addmod(zetaN, sub(r, 1), r)
                mstore(add(m, 0xc0), zetaN)
                mstore(add(m, 0xe0), zh)
                ok := iszero(iszero(zh))
                let lag := add(m, 0x3e0)
                let terms := count
                if iszero(terms) { terms := 1 }
                let omega := mload(add(key, 0x40))
                // dᵢ = n·(ζ − ωⁱ) at lag + 64i, prefix products at lag + 64i + 32.
                let w := 1
                let prefix := 1
                for { let i := 0 } lt(i, terms) { i := add(i, 1) } {
                    let d := mulmod(n, addmod(zeta, sub(r, w), r), r)
                    prefix := mulmod(prefix, d, r)
                    mstore(add(lag, mul(i, 0x40)), d)
                    mstore(add(lag, add(mul(i, 0x40), 0x20)), prefix)
                    w := mulmod(w, omega, r)
                }
                let inv := 0
                ok, inv := invert(add(m, 0x220), prefix)
                // 1/dᵢ = inv·prefixᵢ₋₁, then inv ← inv·dᵢ; Lᵢ = ωⁱ·Z_H(ζ)/dᵢ replaces dᵢ.
                for { let i := terms } gt(i, 0) { } {
                    i := sub(i, 1)
                    let slot := add(lag, mul(i, 0x40))
                    let before := 1
                    if i { before := mload(sub(slot, 0x20)) }
                    let invD := mulmod(inv, before, r)
                    inv := mulmod(inv, mload(slot), r)
                    mstore(slot, invD)
                }
                w := zh
                let pi := 0
                for { let i := 0 } lt(i, terms) { i := add(i, 1) } {
                    let slot := add(lag, mul(i, 0x40))
                    let li := mulmod(mload(slot), w, r)
                    if lt(i, count) { pi := addmod(pi, mulmod(mload(add(inputs, mul(i, 0x20))), li, r), r) }
                    if iszero(i) { mstore(add(m, 0x100), li) }
                    w := mulmod(w, omega, r)
                }
                mstore(add(m, 0x120), pi)
            }

            // x^(r−2) with the modexp precompile; a zero x gives 0 (then Z_H(ζ) = 0
            // already failed the check).
            function invert(scratch, x) -> ok, y {
                mstore(scratch, 0x20)
                mstore(add(scratch, 0x20), 0x20)
                mstore(add(scratch, 0x40), 0x20)
                mstore(add(scratch, 0x60), x)
                mstore(add(scratch, 0x80), sub(R_MOD, 2))
                mstore(add(scratch, 0xa0), R_MOD)
                ok := staticcall(gas(), 0x05, scratch, 0xc0, scratch, 0x20)
                y := mload(scratch)
            }

            // acc += s·(x, y); identity points and zero scalars cost nothing.
            function mulAcc(m, px, py, s) -> ok {
                ok := 1
                if or(iszero(s), iszero(or(px, py))) { leave }
                let acc := add(m, 0x180)
                mstore(add(acc, 0x40), px)
                mstore(add(acc, 0x60), py)
                mstore(add(acc, 0x80), s)
                ok := staticcall(gas(), 0x07, add(acc, 0x40), 0x60, add(acc, 0x40), 0x40)
                ok := and(ok, staticcall(gas(), 0x06, acc, 0x80, acc, 0x40))
            }

            // acc += the key's point at word `index`, times s.
            function keyTerm(m, key, index, s) -> ok {
                let ptr := add(key, mul(index, 0x20))
                ok := mulAcc(m, mload(ptr), mload(add(ptr, 0x20)), s)
            }

            // acc += the proof's point at calldata offset `ptr`, times s.
            function proofTerm(m, pf, ptr, s) -> ok {
                ok := mulAcc(m, calldataload(add(pf, ptr)), calldataload(add(pf, add(ptr, 0x20))), s)
            }

            function fifth(x) -> y {
                y := mulmod(x, x, R_MOD)
                y := mulmod(mulmod(y, y, R_MOD), x, R_MOD)
            }

            // The selectors' multipliers: w̄₀..₃, w̄₀w̄₁, w̄₂w̄₃, w̄₀⁵..w̄₃⁵, −w̄₄, 1 (q_c: one
            // addition), w̄₀w̄₁w̄₂w̄₃w̄₄. Starts the accumulator.
            function selectorTerms(m, key, pf) -> ok {
                let r := R_MOD
                mstore(add(m, 0x180), 0)
                mstore(add(m, 0x1a0), 0)
                let w0 := calldataload(add(pf, 0x2c0))
                let w1 := calldataload(add(pf, 0x2e0))
                let w2 := calldataload(add(pf, 0x300))
                let w3 := calldataload(add(pf, 0x320))
                ok := keyTerm(m, key, 4, w0)
                ok := and(ok, keyTerm(m, key, 6, w1))
                ok := and(ok, keyTerm(m, key, 8, w2))
                ok := and(ok, keyTerm(m, key, 10, w3))
                let w01 := mulmod(w0, w1, r)
                let w23 := mulmod(w2, w3, r)
                ok := and(ok, keyTerm(m, key, 12, w01))
                ok := and(ok, keyTerm(m, key, 14, w23))
                ok := and(ok, keyTerm(m, key, 16, fifth(w0)))
                ok := and(ok, keyTerm(m, key, 18, fifth(w1)))
                ok := and(ok, keyTerm(m, key, 20, fifth(w2)))
                ok := and(ok, keyTerm(m, key, 22, fifth(w3)))
                let w4 := calldataload(add(pf, 0x340))
                ok := and(ok, keyTerm(m, key, 24, sub(r, w4)))
                // q_c: multiplier 1.
                let acc := add(m, 0x180)
                mstore(add(acc, 0x40), mload(add(key, mul(26, 0x20))))
                mstore(add(acc, 0x60), mload(add(key, mul(27, 0x20))))
                ok := and(ok, staticcall(gas(), 0x06, acc, 0x80, acc, 0x40))
                ok := and(ok, keyTerm(m, key, 28, mulmod(mulmod(w01, w23, r), w4, r)))
            }

            // z with α·Πⱼ(w̄ⱼ + βkⱼζ + γ) + α²L₀(ζ) + u (kⱼ = 5ʲ), σ₄ with
            // −αβz̄ω·Π_{j<4}(w̄ⱼ + βσ̄ⱼ + γ), t'ⱼ with −Z_H(ζ)·ζ^(j(n+2)).
            function permutationAndQuotientTerms(m, key, pf) -> ok {
                let r := R_MOD
                let beta := mload(m)
                let gamma := mload(add(m, 0x20))
                let alpha := mload(add(m, 0x40))
                let zeta := mload(add(m, 0x60))
                let sigmaProduct := 1
                let idProduct := 1
                let bz := mulmod(beta, zeta, r)
                for { let j := 0 } lt(j, 5) { j := add(j, 1) } {
                    let wj := addmod(calldataload(add(pf, add(0x2c0, mul(j, 0x20)))), gamma, r)
                    idProduct := mulmod(idProduct, addmod(wj, bz, r), r)
                    bz := mulmod(bz, 5, r)
                    if lt(j, 4) {
                        let s := calldataload(add(pf, add(0x360, mul(j, 0x20))))
                        sigmaProduct := mulmod(sigmaProduct, addmod(wj, mulmod(beta, s, r), r), r)
                    }
                }
                mstore(add(m, 0x140), sigmaProduct)
                let z := addmod(mulmod(alpha, idProduct, r), mulmod(mulmod(alpha, alpha, r), mload(add(m, 0x100)), r), r)
                ok := proofTerm(m, pf, 0x140, addmod(z, mload(add(m, 0xa0)), r))
                let zShift := calldataload(add(pf, 0x3e0))
                let s4 := mulmod(mulmod(mulmod(alpha, beta, r), zShift, r), sigmaProduct, r)
                ok := and(ok, keyTerm(m, key, 38, sub(r, s4)))
                let zetaN := mload(add(m, 0xc0))
                let stride := mulmod(mulmod(zetaN, zeta, r), zeta, r)
                let factor := sub(r, mload(add(m, 0xe0)))
                for { let j := 0 } lt(j, 5) { j := add(j, 1) } {
                    ok := and(ok, proofTerm(m, pf, add(0x180, mul(j, 0x40)), factor))
                    factor := mulmod(factor, stride, r)
                }
            }

            // The batched openings: wires and σ₀..₃ with v¹..v⁹, then −E·[1]₁ with
            // E = −c₀ + Σ vᵏ·p̄ₖ + u·z̄ω and c₀ = PI(ζ) − α²L₀(ζ) − αz̄ω·Π_{j<4}(…)·(w̄₄ + γ).
            function openingTerms(m, key, pf) -> ok {
                let r := R_MOD
                let alpha := mload(add(m, 0x40))
                let zShift := calldataload(add(pf, 0x3e0))
                let c0 := addmod(mload(add(m, 0x120)), sub(r, mulmod(mulmod(alpha, alpha, r), mload(add(m, 0x100)), r)), r)
                let w4g := addmod(calldataload(add(pf, 0x340)), mload(add(m, 0x20)), r)
                let perm := mulmod(mulmod(mulmod(alpha, zShift, r), mload(add(m, 0x140)), r), w4g, r)
                let value := addmod(sub(r, c0), perm, r)
                let v := mload(add(m, 0x80))
                let power := 1
                ok := 1
                for { let k := 0 } lt(k, 9) { k := add(k, 1) } {
                    power := mulmod(power, v, r)
                    value := addmod(value, mulmod(power, calldataload(add(pf, add(0x2c0, mul(k, 0x20)))), r), r)
                    switch lt(k, 5)
                    case 1 { ok := and(ok, proofTerm(m, pf, mul(k, 0x40), power)) }
                    default { ok := and(ok, keyTerm(m, key, add(30, mul(sub(k, 5), 2)), power)) }
                }
                value := addmod(value, mulmod(mload(add(m, 0xa0)), zShift, r), r)
                ok := and(ok, keyTerm(m, key, 40, sub(r, value)))
            }

            // u·W' once: the left side W + u·W' (at m + 0x220) and the right side's
            // ζ·W + ζω·(u·W'); then e(W + u·W', [τ]₂)·e(−F', [1]₂) = 1.
            function pairingCheck(m, key, pf) -> ok {
                let r := R_MOD
                let zeta := mload(add(m, 0x60))
                let lhs := add(m, 0x220)
                mstore(lhs, calldataload(add(pf, 0x440)))
                mstore(add(lhs, 0x20), calldataload(add(pf, 0x460)))
                mstore(add(lhs, 0x40), mload(add(m, 0xa0)))
                ok := staticcall(gas(), 0x07, lhs, 0x60, lhs, 0x40)
                ok := and(ok, mulAcc(m, mload(lhs), mload(add(lhs, 0x20)), mulmod(zeta, mload(add(key, 0x40)), r)))
                ok := and(ok, proofTerm(m, pf, 0x400, zeta))
                mstore(add(lhs, 0x40), calldataload(add(pf, 0x400)))
                mstore(add(lhs, 0x60), calldataload(add(pf, 0x420)))
                ok := and(ok, staticcall(gas(), 0x06, lhs, 0x80, lhs, 0x40))
                // Pairing input after lhs: lhs, [τ]₂, −acc, [1]₂.
                let p := add(lhs, 0x40)
                mcopy(p, lhs, 0x40)
                mcopy(add(p, 0x40), add(key, mul(46, 0x20)), 0x80)
                let acc := add(m, 0x180)
                mstore(add(p, 0xc0), mload(acc))
                let ay := mload(add(acc, 0x20))
                if ay { ay := sub(P_MOD, ay) }
                mstore(add(p, 0xe0), ay)
                mcopy(add(p, 0x100), add(key, mul(42, 0x20)), 0x80)
                ok := and(ok, staticcall(gas(), 0x08, p, 0x180, p, 0x20))
                ok := and(ok, mload(p))
            }
        }
    }

    /// The transcript's challenges `β, γ, α, ζ, v, u` for `proof` (prover/plonk/README.md,
    /// "Transcript, byte for byte"); reverts with WrongPublicInputCount when the key
    /// expects another number of inputs.
    function challenges(uint256[VK_WORDS] memory vk, uint256[] memory publicInputs, Proof calldata proof)
        internal
        pure
        returns (uint256[6] memory ch)
    {
        if (publicInputs.length != vk[VK_NUM_INPUTS]) {
            revert WrongPublicInputCount(vk[VK_NUM_INPUTS], publicInputs.length);
        }
        assembly ("memory-safe") {
            transcript(ch, mload(0x40), vk, add(publicInputs, 0x20), mload(publicInputs), proof)

            // The challenges (prover/plonk/README.md, "Transcript, byte for byte"). The
            // pf's fields lie in calldata in the order the transcript reads them.
            function transcript(m, t, key, inputs, count, pf) {
                // β = H(VK_DIGEST ‖ inputs ‖ [w₀..₄]), γ = H(β's state).
                mstore(t, mload(add(key, 0x60)))
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    mstore(add(t, mul(add(i, 1), 0x20)), mload(add(inputs, mul(i, 0x20))))
                }
                let len := mul(add(count, 1), 0x20)
                calldatacopy(add(t, len), pf, 0x140)
                let state := keccak256(t, add(len, 0x140))
                mstore(m, mod(state, R_MOD))
                mstore(t, state)
                state := keccak256(t, 0x20)
                mstore(add(m, 0x20), mod(state, R_MOD))
                // α = H(‖ [z]), ζ = H(‖ [t'₀..₄]), v = H(‖ evaluations), u = H(‖ W ‖ W').
                state := challenge(m, 0x40, t, state, pf, 0x140, 0x40)
                state := challenge(m, 0x60, t, state, pf, 0x180, 0x140)
                state := challenge(m, 0x80, t, state, pf, 0x2c0, 0x140)
                state := challenge(m, 0xa0, t, state, pf, 0x400, 0x80)
            }

            function challenge(m, slot, t, state, pf, from, len) -> next {
                mstore(t, state)
                calldatacopy(add(t, 0x20), add(pf, from), len)
                next := keccak256(t, add(len, 0x20))
                mstore(add(m, slot), mod(next, R_MOD))
            }

        }
    }
}
