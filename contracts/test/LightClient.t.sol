// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LightClient} from "../src/LightClient.sol";
import {LightClientStateUpdateVK} from "../src/LightClientStateUpdateVK.sol";
import {PlonkVerifier} from "../src/PlonkVerifier.sol";
import {Test} from "./utils/Test.sol";

/// The LightClient with another verifying key, so that tests prove many updates with the
/// capacity-1 circuit (a second each) instead of the committed key's.
contract LightClientHarness is LightClient {
    uint256[42] private key;

    constructor(
        LightClientState memory genesis,
        StakeTableState memory table,
        uint256 historyEntries,
        address prover,
        uint256[42] memory vk
    ) LightClient(genesis, table, historyEntries, prover) {
        key = vk;
    }

    function verifyingKey() internal view override returns (uint256[42] memory) {
        return key;
    }
}

/// Updates proved by the Rust prover (diff-test CLI), decoded for the contract.
abstract contract Updates is Test {
    LightClient.LightClientState internal genesis;
    LightClient.StakeTableState internal table;
    uint256[42] internal vk;
    LightClient.LightClientState[] internal states;
    uint256[30][] internal proofWords;

    /// `count` updates from the diff-test CLI, with the contract's key (`keys` =
    /// "contract") or the circuit at that capacity.
    function loadUpdates(string memory keys, string memory seed, uint256 count) internal {
        string[] memory args = new string[](4);
        (args[0], args[1], args[2], args[3]) = ("light-client-updates", keys, seed, vm.toString(count));
        (uint256[3] memory g, uint256[4] memory t, uint256[42] memory k, uint256[3][] memory s, uint256[30][] memory p)
        = abi.decode(diffTest(args), (uint256[3], uint256[4], uint256[42], uint256[3][], uint256[30][]));
        genesis = state(g);
        table = LightClient.StakeTableState(t[0], t[1], t[2], t[3]);
        vk = k;
        for (uint256 i = 0; i < s.length; i++) {
            states.push(state(s[i]));
            proofWords.push(p[i]);
        }
    }

    /// The `i`-th proof as the contract's struct.
    function proof(uint256 i) internal view returns (PlonkVerifier.Proof memory) {
        return abi.decode(abi.encode(proofWords[i]), (PlonkVerifier.Proof));
    }

    function state(uint256[3] memory w) internal pure returns (LightClient.LightClientState memory) {
        return LightClient.LightClientState(uint64(w[0]), uint64(w[1]), w[2]);
    }

    function assertState(LightClient.LightClientState memory a, LightClient.LightClientState memory b) internal pure {
        assertEq(a.viewNum, b.viewNum, "view");
        assertEq(a.blockHeight, b.blockHeight, "height");
        assertEq(a.blockCommRoot, b.blockCommRoot, "root");
    }
}

/// The deployed contract with the committed key and a real proof from the Rust prover.
contract LightClientRealProofTest is Updates {
    /// A regression bound on newFinalizedState with a real proof, as forge counts it in
    /// isolation (the transaction's 21,000 and calldata included; gas is deterministic):
    /// measured 346,494 with the quotient in two pieces, under the issue's target of
    /// 350,000 (contracts/README.md, "Gas").
    uint256 internal constant GAS_BOUND = 346_500;

    LightClient internal lc;

    event NewState(uint64 indexed viewNum, uint64 indexed blockHeight, uint256 blockCommRoot);

    function setUp() public {
        loadUpdates("contract", "11", 1);
        lc = new LightClient(genesis, table, 16, address(0));
    }

    function test_committedKeyIsTheRustKey() public view {
        uint256[42] memory committed = LightClientStateUpdateVK.verifyingKey();
        for (uint256 i = 0; i < PlonkVerifier.VK_WORDS; i++) {
            assertEq(committed[i], vk[i], "LightClientStateUpdateVK word");
        }
    }

    function test_realProofIsAcceptedAndStored() public {
        vm.roll(1234);
        vm.warp(1_700_000_000);
        vm.expectEmit(true, true, false, true);
        emit NewState(states[0].viewNum, states[0].blockHeight, states[0].blockCommRoot);
        lc.newFinalizedState(states[0], proof(0));
        uint256 gas = vm.lastCallGas().gasTotalUsed;
        assertTrue(gas <= GAS_BOUND, string.concat("gas ", vm.toString(gas), " over the bound"));
        assertState(lc.finalizedState(), states[0]);
        assertState(lc.genesisState(), genesis);
        LightClient.HistoryEntry memory e = lc.historyEntry(1);
        assertEq(e.l1BlockNumber, 1234, "L1 block");
        assertEq(e.l1BlockTimestamp, 1_700_000_000, "L1 timestamp");
        assertEq(e.blockHeight, states[0].blockHeight, "history height");
        assertEq(e.blockCommRoot, states[0].blockCommRoot, "history root");
        assertEq(lc.historyCount(), 2, "history count");
    }

    function test_tamperedStateIsRejected() public {
        LightClient.LightClientState memory s = states[0];
        s.blockCommRoot += 1;
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidProof.selector));
        lc.newFinalizedState(s, proof(0));
        s = states[0];
        s.viewNum += 1;
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidProof.selector));
        lc.newFinalizedState(s, proof(0));
    }

    function test_tamperedProofIsRejected() public {
        PlonkVerifier.Proof memory p = proof(0);
        p.zShiftEval = addmod(p.zShiftEval, 1, PlonkVerifier.R_MOD);
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidProof.selector));
        lc.newFinalizedState(states[0], p);
    }

    function test_otherStakeTableRejectsTheProof() public {
        LightClient.StakeTableState memory t = table;
        t.threshold += 1;
        LightClient other = new LightClient(genesis, t, 16, address(0));
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidProof.selector));
        other.newFinalizedState(states[0], proof(0));
    }
}

/// Sequences of updates, the history ring, the permissioned prover and the owner.
contract LightClientTest is Updates {
    LightClientHarness internal lc;
    address internal constant PROVER = address(0xBEEF);

    function setUp() public {
        loadUpdates("1", "5", 5);
        lc = new LightClientHarness(genesis, table, 3, address(0), vk);
    }

    function finalize(uint256 i) internal {
        vm.roll(100 + i);
        vm.warp(1_000_000 + 12 * i);
        lc.newFinalizedState(states[i], proof(i));
    }

    function test_successiveUpdatesFillAndWrapTheRing() public {
        for (uint256 i = 0; i < 5; i++) {
            finalize(i);
            assertState(lc.finalizedState(), states[i]);
            assertEq(lc.historyCount(), i + 2, "count");
        }
        // 6 states (genesis + 5) in a ring of 3: indices 3, 4, 5 remain.
        assertEq(lc.historyStart(), 3, "start");
        for (uint256 i = 3; i < 6; i++) {
            LightClient.HistoryEntry memory e = lc.historyEntry(i);
            assertEq(e.blockHeight, states[i - 1].blockHeight, "height");
            assertEq(e.viewNum, states[i - 1].viewNum, "view");
            assertEq(e.blockCommRoot, states[i - 1].blockCommRoot, "root");
            assertEq(e.l1BlockNumber, 100 + i - 1, "L1 block");
            assertEq(e.l1BlockTimestamp, 1_000_000 + 12 * (i - 1), "L1 timestamp");
        }
        vm.expectRevert(abi.encodeWithSelector(LightClient.HistoryIndexOutOfRange.selector, 2, 3, 6));
        lc.historyEntry(2);
        vm.expectRevert(abi.encodeWithSelector(LightClient.HistoryIndexOutOfRange.selector, 6, 3, 6));
        lc.historyEntry(6);
    }

    function test_historyForHeightFindsTheFirstStateCoveringIt() public {
        for (uint256 i = 0; i < 2; i++) {
            finalize(i);
        }
        // Heights: genesis 0, then 5, 10.
        assertEq(lc.historyForHeight(0).blockHeight, 0, "height 0");
        assertEq(lc.historyForHeight(1).blockHeight, 5, "height 1");
        assertEq(lc.historyForHeight(5).blockHeight, 5, "height 5");
        assertEq(lc.historyForHeight(6).blockHeight, 10, "height 6");
        vm.expectRevert(abi.encodeWithSelector(LightClient.NoHistory.selector, 11));
        lc.historyForHeight(11);
    }

    function test_replayedAndOlderStatesRevert() public {
        finalize(1);
        LightClient.LightClientState memory last = states[1];
        vm.expectRevert(
            abi.encodeWithSelector(LightClient.OutdatedState.selector, last.viewNum, last.blockHeight, last.viewNum, last.blockHeight)
        );
        lc.newFinalizedState(states[1], proof(1));
        LightClient.LightClientState memory older = states[0];
        vm.expectRevert(
            abi.encodeWithSelector(LightClient.OutdatedState.selector, older.viewNum, older.blockHeight, last.viewNum, last.blockHeight)
        );
        lc.newFinalizedState(states[0], proof(0));
    }

    /// Any state not strictly newer in both view and height reverts before the proof is
    /// looked at.
    function testFuzz_notStrictlyNewerStatesRevert(uint64 viewNum, uint64 height, uint256 root) public {
        finalize(1);
        LightClient.LightClientState memory last = states[1];
        if (viewNum > last.viewNum && height > last.blockHeight) viewNum = last.viewNum;
        vm.expectRevert(
            abi.encodeWithSelector(LightClient.OutdatedState.selector, viewNum, height, last.viewNum, last.blockHeight)
        );
        lc.newFinalizedState(LightClient.LightClientState(viewNum, height, root), proof(2));
    }

    function test_rootOutsideTheFieldReverts() public {
        LightClient.LightClientState memory s = states[0];
        s.blockCommRoot += PlonkVerifier.R_MOD;
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidFieldElement.selector, s.blockCommRoot));
        lc.newFinalizedState(s, proof(0));
    }

    function test_permissionedProver() public {
        lc.setPermissionedProver(PROVER);
        assertEq(uint160(lc.permissionedProver()), uint160(PROVER), "prover");
        vm.prank(address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(LightClient.ProverNotPermissioned.selector, address(0xCAFE)));
        lc.newFinalizedState(states[0], proof(0));
        vm.prank(PROVER);
        lc.newFinalizedState(states[0], proof(0));
        lc.disablePermissionedProverMode();
        vm.prank(address(0xCAFE));
        lc.newFinalizedState(states[1], proof(1));
        assertState(lc.finalizedState(), states[1]);
    }

    function test_proverSetAtDeployment() public {
        LightClientHarness p = new LightClientHarness(genesis, table, 3, PROVER, vk);
        vm.expectRevert(abi.encodeWithSelector(LightClient.ProverNotPermissioned.selector, address(this)));
        p.newFinalizedState(states[0], proof(0));
    }

    function test_onlyTheOwnerConfigures() public {
        vm.prank(address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(LightClient.NotOwner.selector, address(0xCAFE)));
        lc.setPermissionedProver(PROVER);
        vm.prank(address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(LightClient.NotOwner.selector, address(0xCAFE)));
        lc.disablePermissionedProverMode();
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidArgs.selector));
        lc.setPermissionedProver(address(0));
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidArgs.selector));
        lc.transferOwnership(address(0));
        lc.transferOwnership(PROVER);
        vm.expectRevert(abi.encodeWithSelector(LightClient.NotOwner.selector, address(this)));
        lc.setPermissionedProver(PROVER);
        assertEq(uint160(lc.owner()), uint160(PROVER), "owner");
    }

    function test_constructorRefusesBadArguments() public {
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidArgs.selector));
        new LightClient(genesis, table, 0, address(0));
        LightClient.StakeTableState memory t = table;
        t.threshold = PlonkVerifier.R_MOD;
        vm.expectRevert(abi.encodeWithSelector(LightClient.InvalidFieldElement.selector, PlonkVerifier.R_MOD));
        new LightClient(genesis, t, 4, address(0));
    }

    function test_gettersReturnTheGenesisAndStakeTable() public view {
        assertState(lc.genesisState(), genesis);
        assertState(lc.finalizedState(), genesis);
        LightClient.StakeTableState memory t = lc.stakeTableState();
        assertEq(t.blsKeyComm, table.blsKeyComm, "bls");
        assertEq(t.schnorrKeyComm, table.schnorrKeyComm, "schnorr");
        assertEq(t.amountComm, table.amountComm, "amount");
        assertEq(t.threshold, table.threshold, "threshold");
        assertEq(lc.historyCapacity(), 3, "capacity");
        assertEq(lc.historyCount(), 1, "count");
    }
}
