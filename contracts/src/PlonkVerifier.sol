// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Verifier of doppio-plonk proofs (prover/plonk) on the EVM.
/// @notice Replays the Keccak-256 transcript of prover/plonk/README.md ("Transcript, byte
/// for byte"), builds the linearisation commitment with the ecMul/ecAdd precompiles and
/// checks both KZG openings with one two-pair pairing. The arithmetic mirrors
/// prover/plonk/src/verifier.rs line by line; the differential tests
/// (test/PlonkVerifier.t.sol) compare the two on real and tampered proofs.
/// @dev Gas: 25 ecMul (the constant selector's scalar is 1: an addition), 25 ecAdd, one
/// pairing of two pairs, one modexp inversion, six Keccak hashes, and straight-line code
/// around them (every precompile call is a warm STATICCALL of 100 gas on top of its price).
library PlonkVerifier {
    /// A G1 point, `(0, 0)` for the identity (the precompiles' encoding).
    struct G1Point {
        uint256 x;
        uint256 y;
    }

    /// A proof: 10 G1 points and 10 field elements, in the order the transcript reads them
    /// (prover/plonk `Proof`; the quotient is committed to in two pieces, `t = t_lo + Xˢ·t_hi`
    /// with `s = 5n/2 + 4`).
    struct Proof {
        G1Point[5] wires;
        G1Point z;
        G1Point quotientLow;
        G1Point quotientHigh;
        uint256[5] wireEvals;
        uint256[4] sigmaEvals;
        uint256 zShiftEval;
        G1Point opening;
        G1Point shiftOpening;
    }

    /// Words of a verifying key (`uint256[VK_WORDS]`), as the generated key libraries
    /// and the diff-test CLI lay it out: `n`, the public input count, `ω`, the
    /// transcript's initial state, 9 selector and 5 permutation commitments (x, y),
    /// `[1]₁`, then `[1]₂` and `[τ]₂` in the precompile order (x.c1, x.c0, y.c1, y.c0).
    uint256 internal constant VK_WORDS = 42;
    uint256 internal constant VK_DOMAIN_SIZE = 0;
    uint256 internal constant VK_NUM_INPUTS = 1;
    uint256 internal constant VK_OMEGA = 2;
    uint256 internal constant VK_DIGEST = 3;
    uint256 internal constant VK_SELECTORS = 4;
    uint256 internal constant VK_SIGMAS = 22;
    uint256 internal constant VK_G = 32;
    uint256 internal constant VK_H = 34;
    uint256 internal constant VK_TAU_H = 38;

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
            // Scratch memory above the free memory pointer `m` (nothing here outlives this
            // block): the accumulator at m (x, y), the precompiles' operand at m + 0x40
            // (x, y, scalar), the left side and the pairing input from m + 0xc0, the
            // modexp input at m + 0xc0 before that, the Lagrange scratch (two words per
            // input) from m + 0x240.
            {
                let m := mload(0x40)
                let count := mload(publicInputs)
                let inputs := add(publicInputs, 0x20)
                // Calldata offsets of the proof's fields (the struct is static: its words lie
                // in order at `proof`): wires 0x000, z 0x140, t_lo 0x180, t_hi 0x1c0, w̄
                // 0x200, σ̄ 0x2a0, z̄ω 0x320, W 0x340, W' 0x380.
                let ok := canonical(inputs, count, proof)
                // Valid encodings first: then no precompile call can fail (a failing call
                // burns all the gas it is given).
                if ok {
                    let zeta := mload(add(ch, 0x60))
                    let zh, l0, pi, zetaS := evaluations(m, vk, inputs, count, zeta)
                    ok := iszero(iszero(zh))
                    ok := and(ok, selectorTerms(m, vk, proof))
                    let sigmaProduct := 0
                    {
                        let success := 0
                        success, sigmaProduct := permutationTerms(m, vk, proof, ch, l0)
                        ok := and(ok, success)
                    }
                    // t_lo with −Z_H(ζ), t_hi with −Z_H(ζ)·ζˢ.
                    ok := and(ok, proofTerm(m, proof, 0x180, sub(R_MOD, zh)))
                    ok := and(ok, proofTerm(m, proof, 0x1c0, mulmod(sub(R_MOD, zh), zetaS, R_MOD)))
                    ok := and(ok, openingTerms(m, vk, proof, ch, openingStart(proof, ch, l0, pi, sigmaProduct)))
                    valid := and(ok, pairingCheck(m, vk, proof, ch))
                }
            }

            // Public inputs and the ten evaluations below r; the ten points with
            // coordinates below p, on the curve y² = x³ + 3 or the identity (0, 0).
            function canonical(ins, n, pf) -> ok {
                let r := R_MOD
                ok := 1
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    ok := and(ok, lt(mload(add(ins, shl(5, i))), r))
                }
                ok := and(ok, lt(calldataload(add(pf, 0x200)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x220)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x240)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x260)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x280)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x2a0)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x2c0)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x2e0)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x300)), r))
                ok := and(ok, lt(calldataload(add(pf, 0x320)), r))
                ok := and(ok, onCurve(pf, 0x000))
                ok := and(ok, onCurve(pf, 0x040))
                ok := and(ok, onCurve(pf, 0x080))
                ok := and(ok, onCurve(pf, 0x0c0))
                ok := and(ok, onCurve(pf, 0x100))
                ok := and(ok, onCurve(pf, 0x140))
                ok := and(ok, onCurve(pf, 0x180))
                ok := and(ok, onCurve(pf, 0x1c0))
                ok := and(ok, onCurve(pf, 0x340))
                ok := and(ok, onCurve(pf, 0x380))
            }

            function onCurve(pf, off) -> ok {
                let q := P_MOD
                let x := calldataload(add(pf, off))
                let y := calldataload(add(pf, add(off, 0x20)))
                let rhs := addmod(mulmod(mulmod(x, x, q), x, q), 3, q)
                ok := and(and(lt(x, q), lt(y, q)), or(eq(mulmod(y, y, q), rhs), iszero(or(x, y))))
            }

            // ζⁿ, Z_H(ζ), ζˢ for the quotient's cut s = 5n/2 + 4 (n ≥ 8), the Lagrange
            // bases Lᵢ(ζ) = ωⁱ·Z_H(ζ)/(n·(ζ − ωⁱ)) with one inversion, L₀(ζ) and
            // PI(ζ) = Σ xᵢ·Lᵢ(ζ).
            function evaluations(m, key, ins, count, zeta) -> zh, l0, pi, zetaS {
                let r := R_MOD
                let n := mload(key)
                let half := zeta
                for { let i := n } gt(i, 2) { i := shr(1, i) } { half := mulmod(half, half, r) }
                let zetaN := mulmod(half, half, r)
                zh := addmod(zetaN, sub(r, 1), r)
                // ζˢ = (ζ^(n/2))⁵·ζ⁴.
                let zeta2 := mulmod(zeta, zeta, r)
                zetaS := mulmod(mulmod(mulmod(zetaN, zetaN, r), half, r), mulmod(zeta2, zeta2, r), r)
                let lag := add(m, 0x240)
                let terms := count
                if iszero(terms) { terms := 1 }
                let omega := mload(add(key, 0x40))
                // dᵢ = n·(ζ − ωⁱ) at lag + 64i, prefix products at lag + 64i + 32.
                let w := 1
                let prefix := 1
                for { let i := 0 } lt(i, terms) { i := add(i, 1) } {
                    let slot := add(lag, shl(6, i))
                    let d := mulmod(n, addmod(zeta, sub(r, w), r), r)
                    prefix := mulmod(prefix, d, r)
                    mstore(slot, d)
                    mstore(add(slot, 0x20), prefix)
                    w := mulmod(w, omega, r)
                }
                let inv := invert(add(m, 0xc0), prefix)
                // 1/dᵢ = inv·prefixᵢ₋₁, then inv ← inv·dᵢ; 1/dᵢ replaces dᵢ.
                for { let i := terms } gt(i, 1) { } {
                    i := sub(i, 1)
                    let slot := add(lag, shl(6, i))
                    let d := mload(slot)
                    mstore(slot, mulmod(inv, mload(sub(slot, 0x20)), r))
                    inv := mulmod(inv, d, r)
                }
                mstore(lag, inv)
                w := zh
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let li := mulmod(mload(add(lag, shl(6, i))), w, r)
                    pi := addmod(pi, mulmod(mload(add(ins, shl(5, i))), li, r), r)
                    w := mulmod(w, omega, r)
                }
                l0 := mulmod(mload(lag), zh, r)
            }

            // x^(r−2) with the modexp precompile (a zero x gives 0; then Z_H(ζ) = 0
            // fails the check). The call cannot fail on this input.
            function invert(scratch, x) -> y {
                mstore(scratch, 0x20)
                mstore(add(scratch, 0x20), 0x20)
                mstore(add(scratch, 0x40), 0x20)
                mstore(add(scratch, 0x60), x)
                mstore(add(scratch, 0x80), sub(R_MOD, 2))
                mstore(add(scratch, 0xa0), R_MOD)
                pop(staticcall(gas(), 0x05, scratch, 0xc0, scratch, 0x20))
                y := mload(scratch)
            }

            // acc += s·(x, y).
            function term(m, x, y, s) -> ok {
                let p := add(m, 0x40)
                mstore(p, x)
                mstore(add(m, 0x60), y)
                mstore(add(m, 0x80), s)
                ok := staticcall(gas(), 0x07, p, 0x60, p, 0x40)
                ok := and(ok, staticcall(gas(), 0x06, m, 0x80, m, 0x40))
            }

            // acc += s·(the key's point at word `index`).
            function keyTerm(m, key, index, s) -> ok {
                let ptr := add(key, shl(5, index))
                ok := term(m, mload(ptr), mload(add(ptr, 0x20)), s)
            }

            // acc += s·(the proof's point at calldata offset `off`).
            function proofTerm(m, pf, off, s) -> ok {
                ok := term(m, calldataload(add(pf, off)), calldataload(add(pf, add(off, 0x20))), s)
            }

            function fifth(x) -> y {
                y := mulmod(x, x, R_MOD)
                y := mulmod(mulmod(y, y, R_MOD), x, R_MOD)
            }

            // The selectors' multipliers: w̄₀..₃, w̄₀w̄₁, w̄₂w̄₃, w̄₀⁵, 1 (q_c: one addition),
            // w̄₀w̄₁w̄₂w̄₃w̄₄. The first product starts the accumulator.
            function selectorTerms(m, key, pf) -> ok {
                let r := R_MOD
                let w0 := calldataload(add(pf, 0x200))
                let w1 := calldataload(add(pf, 0x220))
                let w2 := calldataload(add(pf, 0x240))
                let w3 := calldataload(add(pf, 0x260))
                let w4 := calldataload(add(pf, 0x280))
                mstore(add(m, 0x40), mload(add(key, 0x80)))
                mstore(add(m, 0x60), mload(add(key, 0xa0)))
                mstore(add(m, 0x80), w0)
                ok := staticcall(gas(), 0x07, add(m, 0x40), 0x60, m, 0x40)
                ok := and(ok, keyTerm(m, key, 6, w1))
                ok := and(ok, keyTerm(m, key, 8, w2))
                ok := and(ok, keyTerm(m, key, 10, w3))
                let w01 := mulmod(w0, w1, r)
                let w23 := mulmod(w2, w3, r)
                ok := and(ok, keyTerm(m, key, 12, w01))
                ok := and(ok, keyTerm(m, key, 14, w23))
                ok := and(ok, keyTerm(m, key, 16, fifth(w0)))
                ok := and(ok, keyTerm(m, key, 20, mulmod(mulmod(w01, w23, r), w4, r)))
                // q_c: multiplier 1.
                mstore(add(m, 0x40), mload(add(key, 0x240)))
                mstore(add(m, 0x60), mload(add(key, 0x260)))
                ok := and(ok, staticcall(gas(), 0x06, m, 0x80, m, 0x40))
            }

            // z with α·Πⱼ(w̄ⱼ + βkⱼζ + γ) + α²L₀(ζ) + u (kⱼ = 5ʲ), σ₄ with
            // −αβz̄ω·Π_{j<4}(w̄ⱼ + βσ̄ⱼ + γ); returns that product.
            function permutationTerms(m, key, pf, c, l0) -> ok, sigmaProduct {
                let r := R_MOD
                let beta := mload(c)
                let gamma := mload(add(c, 0x20))
                let alpha := mload(add(c, 0x40))
                let bz := mulmod(beta, mload(add(c, 0x60)), r)
                let w := addmod(calldataload(add(pf, 0x200)), gamma, r)
                let idProduct := addmod(w, bz, r)
                sigmaProduct := addmod(w, mulmod(beta, calldataload(add(pf, 0x2a0)), r), r)
                bz := mulmod(bz, 5, r)
                w := addmod(calldataload(add(pf, 0x220)), gamma, r)
                idProduct := mulmod(idProduct, addmod(w, bz, r), r)
                sigmaProduct := mulmod(sigmaProduct, addmod(w, mulmod(beta, calldataload(add(pf, 0x2c0)), r), r), r)
                bz := mulmod(bz, 5, r)
                w := addmod(calldataload(add(pf, 0x240)), gamma, r)
                idProduct := mulmod(idProduct, addmod(w, bz, r), r)
                sigmaProduct := mulmod(sigmaProduct, addmod(w, mulmod(beta, calldataload(add(pf, 0x2e0)), r), r), r)
                bz := mulmod(bz, 5, r)
                w := addmod(calldataload(add(pf, 0x260)), gamma, r)
                idProduct := mulmod(idProduct, addmod(w, bz, r), r)
                sigmaProduct := mulmod(sigmaProduct, addmod(w, mulmod(beta, calldataload(add(pf, 0x300)), r), r), r)
                bz := mulmod(bz, 5, r)
                w := addmod(calldataload(add(pf, 0x280)), gamma, r)
                idProduct := mulmod(idProduct, addmod(w, bz, r), r)
                let z := addmod(mulmod(alpha, idProduct, r), mulmod(mulmod(alpha, alpha, r), l0, r), r)
                ok := proofTerm(m, pf, 0x140, addmod(z, mload(add(c, 0xa0)), r))
                let s4 := mulmod(mulmod(mulmod(alpha, beta, r), calldataload(add(pf, 0x320)), r), sigmaProduct, r)
                ok := and(ok, keyTerm(m, key, 30, sub(r, s4)))
            }

            // −c₀ with c₀ = PI(ζ) − w̄₄ − α²L₀(ζ) − αz̄ω·Π_{j<4}(w̄ⱼ + βσ̄ⱼ + γ)·(w̄₄ + γ)
            // (every gate subtracts its output w₄: no selector of its own).
            function openingStart(pf, c, l0, pi, sigmaProduct) -> value {
                let r := R_MOD
                let alpha := mload(add(c, 0x40))
                let w4 := calldataload(add(pf, 0x280))
                let c0 := addmod(pi, sub(r, addmod(w4, mulmod(mulmod(alpha, alpha, r), l0, r), r)), r)
                let w4g := addmod(w4, mload(add(c, 0x20)), r)
                let perm := mulmod(mulmod(mulmod(alpha, calldataload(add(pf, 0x320)), r), sigmaProduct, r), w4g, r)
                value := addmod(sub(r, c0), perm, r)
            }

            // The batched openings: wires and σ₀..₃ with v¹..v⁹, then −E·[1]₁ with
            // E = −c₀ + Σ vᵏ·p̄ₖ + u·z̄ω (`value` starts at −c₀).
            function openingTerms(m, key, pf, c, value) -> ok {
                let r := R_MOD
                let v := mload(add(c, 0x80))
                let power := v
                ok := 1
                for { let k := 0 } lt(k, 0x140) { k := add(k, 0x40) } {
                    value := addmod(value, mulmod(power, calldataload(add(pf, add(0x200, shr(1, k)))), r), r)
                    ok := and(ok, proofTerm(m, pf, k, power))
                    power := mulmod(power, v, r)
                }
                for { let k := 0 } lt(k, 4) { k := add(k, 1) } {
                    value := addmod(value, mulmod(power, calldataload(add(pf, add(0x2a0, shl(5, k)))), r), r)
                    ok := and(ok, keyTerm(m, key, add(22, shl(1, k)), power))
                    power := mulmod(power, v, r)
                }
                value := addmod(value, mulmod(mload(add(c, 0xa0)), calldataload(add(pf, 0x320)), r), r)
                ok := and(ok, keyTerm(m, key, 32, sub(r, value)))
            }

            // u·W' once: the right side's ζω·(u·W') and ζ·W, the left side W + u·W'
            // (at m + 0xc0); then e(W + u·W', [τ]₂)·e(−F', [1]₂) = 1.
            function pairingCheck(m, key, pf, c) -> ok {
                let lhs := add(m, 0xc0)
                let zeta := mload(add(c, 0x60))
                mstore(lhs, calldataload(add(pf, 0x380)))
                mstore(add(lhs, 0x20), calldataload(add(pf, 0x3a0)))
                mstore(add(lhs, 0x40), mload(add(c, 0xa0)))
                ok := staticcall(gas(), 0x07, lhs, 0x60, lhs, 0x40)
                ok := and(ok, term(m, mload(lhs), mload(add(lhs, 0x20)), mulmod(zeta, mload(add(key, 0x40)), R_MOD)))
                ok := and(ok, proofTerm(m, pf, 0x340, zeta))
                mstore(add(lhs, 0x40), calldataload(add(pf, 0x340)))
                mstore(add(lhs, 0x60), calldataload(add(pf, 0x360)))
                ok := and(ok, staticcall(gas(), 0x06, lhs, 0x80, lhs, 0x40))
                // Pairing input: lhs, [τ]₂, −acc, [1]₂.
                mcopy(add(lhs, 0x40), add(key, 0x4c0), 0x80)
                mstore(add(lhs, 0xc0), mload(m))
                let ay := mload(add(m, 0x20))
                if ay { ay := sub(P_MOD, ay) }
                mstore(add(lhs, 0xe0), ay)
                mcopy(add(lhs, 0x100), add(key, 0x440), 0x80)
                ok := and(ok, staticcall(gas(), 0x08, lhs, 0x180, lhs, 0x20))
                ok := and(ok, mload(lhs))
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
                // α = H(‖ [z]), ζ = H(‖ [t_lo] ‖ [t_hi]), v = H(‖ evaluations),
                // u = H(‖ W ‖ W').
                state := challenge(m, 0x40, t, state, pf, 0x140, 0x40)
                state := challenge(m, 0x60, t, state, pf, 0x180, 0x80)
                state := challenge(m, 0x80, t, state, pf, 0x200, 0x140)
                state := challenge(m, 0xa0, t, state, pf, 0x340, 0x80)
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
