// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Deposits that fund fee accounts on the sequencer.
/// @notice `deposit(user)` credits `msg.value` to `user`'s fee account; the sequencer's
/// L1 client follows the `Deposit` events of finalized L1 blocks. The ether stays in this
/// contract.
contract FeeContract {
    /// The smallest deposit (0.001 ether): smaller ones cost the L1 client more to follow
    /// than they fund.
    uint256 public constant MIN_DEPOSIT = 1e15;
    /// The largest deposit (1 ether), bounding what a mistaken deposit locks up.
    uint256 public constant MAX_DEPOSIT = 1 ether;

    /// `amount` wei were credited to `user`'s fee account.
    event Deposit(address indexed user, uint256 amount);

    /// The deposit is below MIN_DEPOSIT.
    error DepositTooSmall(uint256 amount, uint256 minimum);
    /// The deposit is above MAX_DEPOSIT.
    error DepositTooLarge(uint256 amount, uint256 maximum);
    /// Deposits for the zero address would be lost.
    error InvalidUserAddress();
    /// Plain transfers name no account: use deposit(user).
    error FunctionDoesNotExist();

    /// Credits `msg.value` to `user`'s fee account.
    function deposit(address user) external payable {
        if (user == address(0)) revert InvalidUserAddress();
        if (msg.value < MIN_DEPOSIT) revert DepositTooSmall(msg.value, MIN_DEPOSIT);
        if (msg.value > MAX_DEPOSIT) revert DepositTooLarge(msg.value, MAX_DEPOSIT);
        emit Deposit(user, msg.value);
    }

    receive() external payable {
        revert FunctionDoesNotExist();
    }

    fallback() external payable {
        revert FunctionDoesNotExist();
    }
}
