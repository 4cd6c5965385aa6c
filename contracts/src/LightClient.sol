// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {PlonkVerifier} from "./PlonkVerifier.sol";
import {LightClientStateUpdateVK} from "./LightClientStateUpdateVK.sol";

/// @title The sequencer's light client on L1.
/// @notice Follows the finalized sequencer state (view, block height, block-commitment
/// root), each update proved by a state-update Plonk proof (prover/light-client) against
/// the genesis stake table, and keeps a bounded history of (L1 block, L1 timestamp,
/// height, root) that rollups query.
/// @dev Storage is laid out for the update's gas: one head word with the latest view,
/// height, history count and the permissioned flag (one SLOAD and one SSTORE per update),
/// and a ring of history entries of two words each (packed metadata, root), written as
/// whole words (no read-modify-write). The newest entry is the finalized state (stored
/// once; the head repeats only its view and height, in a word written anyway). The genesis
/// state and the stake table are immutable (in the code, not in storage). The constructor
/// writes a nonzero placeholder into every slot of the ring, so that each update
/// overwrites nonzero slots (2 × 5,000 gas) rather than filling empty ones (2 × 22,100):
/// every update costs the same, and the ring's storage is paid once at deployment (about
/// 44,000 gas per entry).
contract LightClient {
    /// The light-client state: the circuit's first three public inputs.
    struct LightClientState {
        uint64 viewNum;
        uint64 blockHeight;
        uint256 blockCommRoot;
    }

    /// Commitments to the stake table and the stake needed: the last four public inputs.
    struct StakeTableState {
        uint256 blsKeyComm;
        uint256 schnorrKeyComm;
        uint256 amountComm;
        uint256 threshold;
    }

    /// One finalized state as rollups see it (two storage slots in the ring).
    struct HistoryEntry {
        uint64 l1BlockNumber;
        uint64 l1BlockTimestamp;
        uint64 blockHeight;
        uint64 viewNum;
        uint256 blockCommRoot;
    }

    /// One ring entry in storage: `meta` packs (from the low bits) the L1 block number,
    /// the L1 timestamp, the height and the view, 64 bits each.
    struct Slot {
        uint256 meta;
        uint256 root;
    }

    /// A new state was finalized.
    event NewState(uint64 indexed viewNum, uint64 indexed blockHeight, uint256 blockCommRoot);
    /// Only `prover` may post updates from now on.
    event PermissionedProverRequired(address prover);
    /// Anyone may post updates from now on.
    event PermissionedProverNotRequired();
    /// The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// The update is not strictly newer than the finalized state in both view and height.
    error OutdatedState(uint64 viewNum, uint64 blockHeight, uint64 finalizedView, uint64 finalizedHeight);
    /// The proof does not verify for this state and the stake table.
    error InvalidProof();
    /// A permissioned prover is set and the sender is not it.
    error ProverNotPermissioned(address sender);
    /// A field element that is not below the BN254 scalar field order.
    error InvalidFieldElement(uint256 value);
    /// The caller is not the owner.
    error NotOwner(address sender);
    /// A history capacity of zero, or the zero address where an address is needed.
    error InvalidArgs();
    /// No history entry for that height: it was never finalized or left the ring.
    error NoHistory(uint64 blockHeight);
    /// The history index is not (or no longer) in the ring.
    error HistoryIndexOutOfRange(uint256 index, uint256 first, uint256 count);

    /// Entries the history ring keeps.
    uint256 public immutable historyCapacity;

    uint64 private immutable genesisView;
    uint64 private immutable genesisHeight;
    uint256 private immutable genesisRoot;
    uint256 private immutable stakeBlsKeyComm;
    uint256 private immutable stakeSchnorrKeyComm;
    uint256 private immutable stakeAmountComm;
    uint256 private immutable stakeThreshold;

    /// The head word: the latest view (bits 0..63), height (64..127), the number of
    /// entries written so far (128..191) and whether a permissioned prover is set (bit
    /// 192; the prover's address is read only then).
    uint256 private head;
    /// The owner may set or clear the permissioned prover.
    address public owner;
    /// Who may post updates; the zero address: anyone.
    address public permissionedProver;
    /// The ring: entry `i` (for the `i`-th finalized state, genesis is 0) at `i % capacity`.
    mapping(uint256 => Slot) private history;

    uint256 private constant PERMISSIONED = 1 << 192;

    /// Starts from `genesis`, verifying every update against `stakeTable`.
    /// @param historyEntries The ring's capacity (at least 1).
    /// @param prover A permissioned prover, or the zero address to let anyone post.
    constructor(
        LightClientState memory genesis,
        StakeTableState memory stakeTable,
        uint256 historyEntries,
        address prover
    ) {
        if (historyEntries == 0 || historyEntries > type(uint64).max) revert InvalidArgs();
        checkField(genesis.blockCommRoot);
        checkField(stakeTable.blsKeyComm);
        checkField(stakeTable.schnorrKeyComm);
        checkField(stakeTable.amountComm);
        checkField(stakeTable.threshold);
        historyCapacity = historyEntries;
        genesisView = genesis.viewNum;
        genesisHeight = genesis.blockHeight;
        genesisRoot = genesis.blockCommRoot;
        stakeBlsKeyComm = stakeTable.blsKeyComm;
        stakeSchnorrKeyComm = stakeTable.schnorrKeyComm;
        stakeAmountComm = stakeTable.amountComm;
        stakeThreshold = stakeTable.threshold;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        head = packHead(genesis.viewNum, genesis.blockHeight, 1, 0);
        // Placeholders (never readable: historyEntry checks the index).
        for (uint256 i = 1; i < historyEntries; i++) {
            history[i] = Slot(1, 1);
        }
        if (prover != address(0)) setProver(prover);
        history[0] = Slot(packMeta(genesis.viewNum, genesis.blockHeight), genesis.blockCommRoot);
        emit NewState(genesis.viewNum, genesis.blockHeight, genesis.blockCommRoot);
    }

    /// Finalizes `state` if it is strictly newer (view and height) than the finalized
    /// state and `proof` proves it was signed by enough stake of the stake table.
    function newFinalizedState(LightClientState calldata state, PlonkVerifier.Proof calldata proof) external {
        uint256 h = head;
        if (h & PERMISSIONED != 0 && msg.sender != permissionedProver) revert ProverNotPermissioned(msg.sender);
        (uint64 view_, uint64 height) = (state.viewNum, state.blockHeight);
        if (view_ <= uint64(h) || height <= uint64(h >> 64)) {
            revert OutdatedState(view_, height, uint64(h), uint64(h >> 64));
        }
        uint256 root = state.blockCommRoot;
        checkField(root);
        if (!PlonkVerifier.verify(verifyingKey(), publicInputs(state), proof)) {
            revert InvalidProof();
        }
        uint256 count = uint64(h >> 128);
        history[count % historyCapacity] = Slot(packMeta(view_, height), root);
        head = packHead(view_, height, count + 1, h & PERMISSIONED);
        emit NewState(view_, height, root);
    }

    /// A ring entry's metadata word for a state finalized in this block.
    function packMeta(uint64 view_, uint64 height) private view returns (uint256) {
        return uint256(uint64(block.number)) | uint256(uint64(block.timestamp)) << 64 | uint256(height) << 128
            | uint256(view_) << 192;
    }

    function packHead(uint64 view_, uint64 height, uint256 count, uint256 permissioned)
        private
        pure
        returns (uint256)
    {
        return uint256(view_) | uint256(height) << 64 | count << 128 | permissioned;
    }

    /// The ring entry of the `index`-th finalized state, unpacked.
    function entryAt(uint256 index) private view returns (HistoryEntry memory) {
        Slot storage e = history[index % historyCapacity];
        uint256 meta = e.meta;
        return HistoryEntry(
            uint64(meta), uint64(meta >> 64), uint64(meta >> 128), uint64(meta >> 192), e.root
        );
    }

    function headCount() private view returns (uint256) {
        return uint64(head >> 128);
    }

    /// The key updates are verified with: the generated LightClientStateUpdateVK (tests
    /// override it to prove with smaller circuits).
    function verifyingKey() internal view virtual returns (uint256[42] memory) {
        return LightClientStateUpdateVK.verifyingKey();
    }

    /// The circuit's public inputs for `state` and the stake table.
    function publicInputs(LightClientState calldata state) private view returns (uint256[] memory inputs) {
        inputs = new uint256[](7);
        inputs[0] = state.viewNum;
        inputs[1] = state.blockHeight;
        inputs[2] = state.blockCommRoot;
        inputs[3] = stakeBlsKeyComm;
        inputs[4] = stakeSchnorrKeyComm;
        inputs[5] = stakeAmountComm;
        inputs[6] = stakeThreshold;
    }

    /// The latest finalized state.
    function finalizedState() external view returns (LightClientState memory) {
        HistoryEntry memory e = entryAt(headCount() - 1);
        return LightClientState(e.viewNum, e.blockHeight, e.blockCommRoot);
    }

    /// The state the contract started from.
    function genesisState() external view returns (LightClientState memory) {
        return LightClientState(genesisView, genesisHeight, genesisRoot);
    }

    /// The stake table every update is verified against.
    function stakeTableState() external view returns (StakeTableState memory) {
        return StakeTableState(stakeBlsKeyComm, stakeSchnorrKeyComm, stakeAmountComm, stakeThreshold);
    }

    /// Number of states finalized so far, genesis included; entries with index in
    /// `[historyStart(), historyCount())` are still in the ring.
    function historyCount() public view returns (uint256) {
        return headCount();
    }

    /// The oldest index still in the ring.
    function historyStart() public view returns (uint256) {
        uint256 count = headCount();
        return count > historyCapacity ? count - historyCapacity : 0;
    }

    /// The `index`-th finalized state (genesis is 0) with the L1 block that recorded it.
    function historyEntry(uint256 index) public view returns (HistoryEntry memory) {
        uint256 count = headCount();
        uint256 first = count > historyCapacity ? count - historyCapacity : 0;
        if (index < first || index >= count) revert HistoryIndexOutOfRange(index, first, count);
        return entryAt(index);
    }

    /// The entry of the earliest finalized state whose height is at least `blockHeight`
    /// (its root commits to that block): a binary search over the ring, whose heights
    /// strictly increase. Reverts with NoHistory when no such entry is in the ring.
    function historyForHeight(uint64 blockHeight) external view returns (HistoryEntry memory) {
        uint256 lo = historyStart();
        uint256 count = headCount();
        uint256 hi = count;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (uint64(history[mid % historyCapacity].meta >> 128) < blockHeight) lo = mid + 1;
            else hi = mid;
        }
        if (lo == count) revert NoHistory(blockHeight);
        return historyEntry(lo);
    }

    /// Lets only `prover` post updates (owner only).
    function setPermissionedProver(address prover) external {
        onlyOwner();
        if (prover == address(0)) revert InvalidArgs();
        setProver(prover);
    }

    /// Lets anyone post updates (owner only).
    function disablePermissionedProverMode() external {
        onlyOwner();
        delete permissionedProver;
        head &= ~PERMISSIONED;
        emit PermissionedProverNotRequired();
    }

    /// Hands the contract to `newOwner` (owner only).
    function transferOwnership(address newOwner) external {
        onlyOwner();
        if (newOwner == address(0)) revert InvalidArgs();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setProver(address prover) private {
        permissionedProver = prover;
        head |= PERMISSIONED;
        emit PermissionedProverRequired(prover);
    }

    function onlyOwner() private view {
        if (msg.sender != owner) revert NotOwner(msg.sender);
    }

    function checkField(uint256 value) private pure {
        if (value >= PlonkVerifier.R_MOD) revert InvalidFieldElement(value);
    }
}
