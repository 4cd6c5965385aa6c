-- The consensus safety state (last voted views, locked and highest QC, undecided leaves
-- voted for), as the consensus crate encodes it. One row, replaced on every write; it is
-- written (and synced) before any vote it records leaves the node.
CREATE TABLE consensus_state (
    id   INTEGER PRIMARY KEY CHECK (id = 0),
    data BLOB    NOT NULL
);
