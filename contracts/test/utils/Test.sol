// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// The few forge cheatcodes these tests use, declared here because the npm forge-std is
/// too old (1.1.2) and forge-std's repository cannot be fetched offline.
interface Vm {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function ffi(string[] calldata command) external returns (bytes memory);
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function setEnv(string calldata name, string calldata value) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data) external;
    function prank(address sender) external;
    function deal(address account, uint256 balance) external;
    function roll(uint256 blockNumber) external;
    function warp(uint256 timestamp) external;
    function lastCallGas() external view returns (Gas memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
}

/// Assertions and the diff-test CLI, shared by the test contracts.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string what);
    error NotEqual(string what, uint256 left, uint256 right);

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what);
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert NotEqual(what, left, right);
    }

    /// `x` reduced into `[lo, hi]`.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    /// Runs the Rust diff-test CLI (DOPPIO_DIFF_TEST, default ../target/debug/diff-test;
    /// scripts/contracts.sh builds it) and returns its ABI-encoded answer.
    function diffTest(string[] memory args) internal returns (bytes memory) {
        string[] memory command = new string[](args.length + 1);
        command[0] = vm.envOr("DOPPIO_DIFF_TEST", string("../target/debug/diff-test"));
        for (uint256 i = 0; i < args.length; i++) {
            command[i + 1] = args[i];
        }
        return vm.ffi(command);
    }

    function strings(string memory a, string memory b, string memory c) internal pure returns (string[] memory s) {
        s = new string[](3);
        (s[0], s[1], s[2]) = (a, b, c);
    }
}
