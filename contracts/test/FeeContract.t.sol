// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {FeeContract} from "../src/FeeContract.sol";
import {Test} from "./utils/Test.sol";

contract FeeContractTest is Test {
    FeeContract internal fees;
    address internal constant USER = address(0x1234);

    event Deposit(address indexed user, uint256 amount);

    function setUp() public {
        fees = new FeeContract();
        vm.deal(address(this), 1000 ether);
    }

    function test_depositEmitsAndKeepsTheEther() public {
        vm.expectEmit(true, false, false, true);
        emit Deposit(USER, 0.5 ether);
        fees.deposit{value: 0.5 ether}(USER);
        assertEq(address(fees).balance, 0.5 ether, "balance");
    }

    function test_boundsAreInclusive() public {
        fees.deposit{value: fees.MIN_DEPOSIT()}(USER);
        fees.deposit{value: fees.MAX_DEPOSIT()}(USER);
        assertEq(address(fees).balance, 1e15 + 1 ether, "balance");
    }

    function test_outOfBoundsDepositsRevert() public {
        uint256 min = fees.MIN_DEPOSIT();
        uint256 max = fees.MAX_DEPOSIT();
        vm.expectRevert(abi.encodeWithSelector(FeeContract.DepositTooSmall.selector, min - 1, min));
        fees.deposit{value: min - 1}(USER);
        vm.expectRevert(abi.encodeWithSelector(FeeContract.DepositTooLarge.selector, max + 1, max));
        fees.deposit{value: max + 1}(USER);
        vm.expectRevert(abi.encodeWithSelector(FeeContract.DepositTooSmall.selector, 0, min));
        fees.deposit(USER);
    }

    function test_zeroAddressReverts() public {
        vm.expectRevert(abi.encodeWithSelector(FeeContract.InvalidUserAddress.selector));
        fees.deposit{value: 0.1 ether}(address(0));
    }

    function test_plainTransfersRevert() public {
        (bool ok, bytes memory reason) = address(fees).call{value: 0.1 ether}("");
        assertTrue(!ok, "a plain transfer fails");
        assertEq(uint32(bytes4(reason)), uint32(FeeContract.FunctionDoesNotExist.selector), "reason");
        (ok, reason) = address(fees).call{value: 0.1 ether}(hex"12345678");
        assertTrue(!ok, "an unknown call fails");
        assertEq(address(fees).balance, 0, "nothing kept");
    }

    /// Deposits in bounds succeed and add up; out of bounds they revert and keep nothing.
    function testFuzz_depositAmounts(uint256 amount, address user) public {
        amount = amount % 3 ether;
        bool inBounds = amount >= fees.MIN_DEPOSIT() && amount <= fees.MAX_DEPOSIT();
        (bool ok,) = address(fees).call{value: amount}(abi.encodeCall(FeeContract.deposit, (user)));
        assertTrue(ok == (inBounds && user != address(0)), "accepted exactly in bounds");
        assertEq(address(fees).balance, ok ? amount : 0, "balance");
    }
}
