// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {PlonkVerifier} from "../src/PlonkVerifier.sol";
import {Test} from "./utils/Test.sol";

/// External entry points to the library, so tests can call it with calldata proofs.
contract PlonkVerifierHarness {
    function verify(uint256[42] memory vk, uint256[] memory inputs, PlonkVerifier.Proof calldata proof)
        external
        view
        returns (bool)
    {
        return PlonkVerifier.verify(vk, inputs, proof);
    }

    function challenges(uint256[42] memory vk, uint256[] memory inputs, PlonkVerifier.Proof calldata proof)
        external
        pure
        returns (uint256[6] memory)
    {
        return PlonkVerifier.challenges(vk, inputs, proof);
    }
}

/// Differential tests against the Rust verifier (prover/plonk) through the diff-test CLI:
/// real light-client proofs verify in both, and every tampered field is rejected by both.
contract PlonkVerifierTest is Test {
    uint256 internal constant R = PlonkVerifier.R_MOD;
    uint256 internal constant P = PlonkVerifier.P_MOD;
    /// The light-client circuit at capacity 1 (domain 2^13): a real proof in about a second.
    string internal constant CAPACITY = "1";

    PlonkVerifierHarness internal harness;
    uint256[42] internal vk;
    uint256[] internal inputs;
    uint256[30] internal proof;
    uint256[6] internal rustChallenges;

    function setUp() public {
        harness = new PlonkVerifierHarness();
        load("7");
    }

    function load(string memory seed) internal {
        bytes memory out = diffTest(strings("plonk-bundle", CAPACITY, seed));
        bool rustValid;
        (vk, inputs, proof, rustChallenges, rustValid) =
            abi.decode(out, (uint256[42], uint256[], uint256[30], uint256[6], bool));
        assertTrue(rustValid, "the Rust verifier accepts its own proof");
    }

    /// The Solidity verdict on `p` with `ins`.
    function solidity(uint256[] memory ins, uint256[30] memory p) internal view returns (bool) {
        return harness.verify(vk, ins, asProof(p));
    }

    /// The Rust verdict, through the CLI.
    function rust(uint256[] memory ins, uint256[30] memory p) internal returns (bool) {
        string[] memory args = new string[](2);
        args[0] = "plonk-verify";
        args[1] = vm.toString(abi.encode(vk, ins, p));
        return abi.decode(diffTest(args), (bool));
    }

    function asProof(uint256[30] memory p) internal pure returns (PlonkVerifier.Proof memory) {
        return abi.decode(abi.encode(p), (PlonkVerifier.Proof));
    }

    function copyInputs() internal view returns (uint256[] memory ins) {
        ins = new uint256[](inputs.length);
        for (uint256 i = 0; i < ins.length; i++) {
            ins[i] = inputs[i];
        }
    }

    /// `(x, y) + G` with the ecAdd precompile: another valid point.
    function shifted(uint256 x, uint256 y) internal view returns (uint256, uint256) {
        (bool ok, bytes memory out) = address(6).staticcall(abi.encode(x, y, uint256(1), uint256(2)));
        assertTrue(ok, "ecAdd");
        return abi.decode(out, (uint256, uint256));
    }

    function test_validProofVerifiesInBothVerifiers() public {
        uint256[30] memory p = proof;
        assertTrue(solidity(inputs, p), "Solidity accepts the proof");
        assertTrue(rust(inputs, p), "Rust accepts the proof");
    }

    function test_anotherSeedVerifiesToo() public {
        load("8");
        assertTrue(solidity(inputs, proof), "Solidity accepts the proof");
    }

    function test_transcriptChallengesMatchRust() public view {
        uint256[6] memory ch = harness.challenges(vk, inputs, asProof(proof));
        for (uint256 i = 0; i < 6; i++) {
            assertEq(ch[i], rustChallenges[i], "challenge");
        }
    }

    /// The key's digest word is the Keccak hash of its encoding (prover/plonk README).
    function test_keyDigestIsTheHashOfTheKeyEncoding() public view {
        bytes memory enc = abi.encodePacked("doppio-plonk-v3", vk[0], vk[1], uint256(1), uint256(5));
        enc = abi.encodePacked(enc, uint256(25), uint256(125), uint256(625));
        for (uint256 i = PlonkVerifier.VK_SELECTORS; i < PlonkVerifier.VK_WORDS; i++) {
            enc = abi.encodePacked(enc, vk[i]);
        }
        assertEq(uint256(keccak256(enc)), vk[PlonkVerifier.VK_DIGEST], "VK_DIGEST");
    }

    function test_everyTamperedCommitmentIsRejectedByBoth() public {
        // Points at words 0..15 (wires, z, t_lo, t_hi) and 26..29 (W, W').
        for (uint256 k = 0; k < 10; k++) {
            uint256 ptr = k < 8 ? 2 * k : 26 + 2 * (k - 8);
            uint256[30] memory p = proof;
            (p[ptr], p[ptr + 1]) = shifted(p[ptr], p[ptr + 1]);
            assertTrue(!solidity(inputs, p), "Solidity rejects a tampered commitment");
            assertTrue(!rust(inputs, p), "Rust rejects a tampered commitment");
        }
    }

    function test_everyTamperedEvaluationIsRejectedByBoth() public {
        for (uint256 ptr = 16; ptr < 26; ptr++) {
            uint256[30] memory p = proof;
            p[ptr] = addmod(p[ptr], 1, R);
            assertTrue(!solidity(inputs, p), "Solidity rejects a tampered evaluation");
            assertTrue(!rust(inputs, p), "Rust rejects a tampered evaluation");
        }
    }

    function test_everyTamperedPublicInputIsRejectedByBoth() public {
        for (uint256 i = 0; i < inputs.length; i++) {
            uint256[] memory ins = copyInputs();
            ins[i] = addmod(ins[i], 1, R);
            assertTrue(!solidity(ins, proof), "Solidity rejects a tampered input");
            assertTrue(!rust(ins, proof), "Rust rejects a tampered input");
        }
    }

    /// The same values plus the modulus: the arithmetic mod r would not notice, the
    /// canonicity checks must.
    function test_nonCanonicalEncodingsAreRejectedByBoth() public {
        uint256[30] memory p = proof;
        p[16] += R;
        assertTrue(!solidity(inputs, p), "evaluation + r");
        assertTrue(!rust(inputs, p), "evaluation + r (Rust)");
        uint256[] memory ins = copyInputs();
        ins[0] += R;
        assertTrue(!solidity(ins, proof), "input + r");
        assertTrue(!rust(ins, proof), "input + r (Rust)");
        p = proof;
        p[0] += P;
        assertTrue(!solidity(inputs, p), "coordinate + p");
        assertTrue(!rust(inputs, p), "coordinate + p (Rust)");
        p = proof;
        (p[10], p[11]) = (1, 3);
        assertTrue(!solidity(inputs, p), "a point off the curve");
        assertTrue(!rust(inputs, p), "a point off the curve (Rust)");
        p = proof;
        (p[10], p[11]) = (0, 0);
        assertTrue(!solidity(inputs, p), "the identity as [z]");
        assertTrue(!rust(inputs, p), "the identity as [z] (Rust)");
    }

    function test_wrongInputCountReverts() public {
        uint256[] memory ins = new uint256[](6);
        vm.expectRevert(abi.encodeWithSelector(PlonkVerifier.WrongPublicInputCount.selector, 7, 6));
        harness.verify(vk, ins, asProof(proof));
    }

    /// Any word of the proof replaced by any value: both verifiers agree, and only the
    /// original value verifies.
    /// forge-config: default.fuzz.runs = 48
    function testFuzz_replacedProofWordVerdictsAgree(uint256 index, uint256 value) public {
        uint256[30] memory p = proof;
        index = index % 30;
        p[index] = value;
        bool sol = solidity(inputs, p);
        assertTrue(sol == rust(inputs, p), "the verifiers agree");
        assertTrue(sol == (value == proof[index]), "only the original verifies");
    }

    /// forge-config: default.fuzz.runs = 32
    function testFuzz_replacedInputVerdictsAgree(uint256 index, uint256 value) public {
        uint256[] memory ins = copyInputs();
        index = index % ins.length;
        ins[index] = value;
        bool sol = solidity(ins, proof);
        assertTrue(sol == rust(ins, proof), "the verifiers agree");
        assertTrue(sol == (value == inputs[index]), "only the original verifies");
    }
}
