// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {FeeContract} from "../src/FeeContract.sol";
import {LightClient} from "../src/LightClient.sol";

/// The cheatcodes this script uses (forge-std is not available offline; see
/// test/utils/Test.sol).
interface ScriptVm {
    function envUint(string calldata name) external view returns (uint256);
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
    function envOr(string calldata name, address defaultValue) external view returns (address);
    function startBroadcast() external;
    function stopBroadcast() external;
}

/// Deploys FeeContract and LightClient and prints their addresses (contracts/README.md,
/// "Deploying"). The light client's genesis, stake table, history ring and permissioned
/// prover come from the environment:
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `DOPPIO_GENESIS_VIEW`, `DOPPIO_GENESIS_HEIGHT` | the genesis state's view and height (`uint64`) | 0 |
/// | `DOPPIO_GENESIS_ROOT` | its block-commitment root (below the BN254 scalar order) | 0 |
/// | `DOPPIO_STAKE_BLS_KEY_COMM`, `DOPPIO_STAKE_SCHNORR_KEY_COMM`, `DOPPIO_STAKE_AMOUNT_COMM`, `DOPPIO_STAKE_THRESHOLD` | the stake-table state every update is verified against | required |
/// | `DOPPIO_HISTORY_ENTRIES` | the history ring's capacity | 16 |
/// | `DOPPIO_PERMISSIONED_PROVER` | the only address allowed to post updates | none (anyone) |
///
/// `forge script script/Deploy.s.sol --rpc-url URL --private-key KEY --broadcast`: the
/// sender deploys both contracts and owns the light client.
contract Deploy {
    ScriptVm internal constant vm = ScriptVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// forge prints `log(string,address)` calls to this address (console.log).
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    /// A value that does not fit the field it is meant for.
    error ValueTooLarge(string name, uint256 value);

    function run() external returns (FeeContract fees, LightClient lightClient) {
        LightClient.LightClientState memory genesis = LightClient.LightClientState(
            small("DOPPIO_GENESIS_VIEW"), small("DOPPIO_GENESIS_HEIGHT"), vm.envOr("DOPPIO_GENESIS_ROOT", uint256(0))
        );
        LightClient.StakeTableState memory stakeTable = LightClient.StakeTableState(
            vm.envUint("DOPPIO_STAKE_BLS_KEY_COMM"),
            vm.envUint("DOPPIO_STAKE_SCHNORR_KEY_COMM"),
            vm.envUint("DOPPIO_STAKE_AMOUNT_COMM"),
            vm.envUint("DOPPIO_STAKE_THRESHOLD")
        );
        uint256 entries = vm.envOr("DOPPIO_HISTORY_ENTRIES", uint256(16));
        address prover = vm.envOr("DOPPIO_PERMISSIONED_PROVER", address(0));

        vm.startBroadcast();
        fees = new FeeContract();
        lightClient = new LightClient(genesis, stakeTable, entries, prover);
        vm.stopBroadcast();

        log("FeeContract", address(fees));
        log("LightClient", address(lightClient));
    }

    /// An optional `uint64` variable (default 0).
    function small(string memory name) internal view returns (uint64) {
        uint256 value = vm.envOr(name, uint256(0));
        if (value > type(uint64).max) revert ValueTooLarge(name, value);
        return uint64(value);
    }

    function log(string memory name, address deployed) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,address)", name, deployed));
        ok;
    }
}
