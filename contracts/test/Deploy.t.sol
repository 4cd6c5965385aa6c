// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Deploy} from "../script/Deploy.s.sol";
import {FeeContract} from "../src/FeeContract.sol";
import {LightClient} from "../src/LightClient.sol";
import {Test} from "./utils/Test.sol";

/// The deploy script's `run()`, with its configuration in the environment as an operator
/// would set it. One test: the environment is the process's, shared by parallel tests.
contract DeployTest is Test {
    function setStakeTable() internal {
        vm.setEnv("DOPPIO_STAKE_BLS_KEY_COMM", "11");
        vm.setEnv("DOPPIO_STAKE_SCHNORR_KEY_COMM", "12");
        vm.setEnv("DOPPIO_STAKE_AMOUNT_COMM", "13");
        vm.setEnv("DOPPIO_STAKE_THRESHOLD", "14");
    }

    function test_deploysBothContractsFromTheEnvironment() public {
        setStakeTable();
        vm.setEnv("DOPPIO_GENESIS_VIEW", "7");
        vm.setEnv("DOPPIO_GENESIS_HEIGHT", "3");
        vm.setEnv("DOPPIO_GENESIS_ROOT", "99");
        vm.setEnv("DOPPIO_HISTORY_ENTRIES", "4");
        vm.setEnv("DOPPIO_PERMISSIONED_PROVER", "0x00000000000000000000000000000000000000aa");
        (FeeContract fees, LightClient lc) = new Deploy().run();

        assertTrue(address(fees).code.length > 0, "FeeContract deployed");
        assertEq(fees.MIN_DEPOSIT(), 0.001 ether, "FeeContract is the real one");
        LightClient.LightClientState memory g = lc.genesisState();
        assertEq(g.viewNum, 7, "genesis view");
        assertEq(g.blockHeight, 3, "genesis height");
        assertEq(g.blockCommRoot, 99, "genesis root");
        LightClient.LightClientState memory f = lc.finalizedState();
        assertEq(f.blockCommRoot, 99, "finalized at genesis");
        LightClient.StakeTableState memory t = lc.stakeTableState();
        assertEq(t.blsKeyComm, 11, "bls");
        assertEq(t.schnorrKeyComm, 12, "schnorr");
        assertEq(t.amountComm, 13, "amount");
        assertEq(t.threshold, 14, "threshold");
        assertEq(lc.historyCapacity(), 4, "ring");
        assertEq(uint160(lc.permissionedProver()), 0xaa, "prover");
        assertTrue(lc.owner() != address(0), "an owner");

        // A view that does not fit uint64 is refused, naming the variable.
        vm.setEnv("DOPPIO_GENESIS_VIEW", "18446744073709551616");
        Deploy d = new Deploy();
        vm.expectRevert(
            abi.encodeWithSelector(Deploy.ValueTooLarge.selector, "DOPPIO_GENESIS_VIEW", uint256(1) << 64)
        );
        d.run();
    }
}
