-- Decided blocks, one row per height. The leaf (with its QC) is JSON; the payload and
-- VID data are their canonical bytes. The indexed columns are copies of values inside
-- the blobs, kept so that look-ups by hash, ranges and pruning need no decoding.
CREATE TABLE blocks (
    height           INTEGER PRIMARY KEY,
    leaf_hash        BLOB    NOT NULL UNIQUE,
    block_hash       BLOB    NOT NULL UNIQUE,
    payload_hash     BLOB    NOT NULL,
    timestamp        INTEGER NOT NULL,
    num_transactions INTEGER NOT NULL,
    payload_size     INTEGER NOT NULL,
    leaf             BLOB    NOT NULL,
    payload          BLOB,
    ns_table         BLOB,
    vid_common       BLOB    NOT NULL,
    vid_share        BLOB
);
-- Empty payloads share one commitment, so payload hashes are not unique.
CREATE INDEX blocks_payload_hash ON blocks (payload_hash, height);
CREATE INDEX blocks_timestamp ON blocks (timestamp);

CREATE TABLE transactions (
    hash      BLOB    NOT NULL,
    height    INTEGER NOT NULL REFERENCES blocks (height) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    namespace INTEGER NOT NULL,
    PRIMARY KEY (height, idx)
);
CREATE INDEX transactions_hash ON transactions (hash, height, idx);

-- The node-state blob of the highest stored height: one row, replaced with each block.
CREATE TABLE node_state (
    id     INTEGER PRIMARY KEY CHECK (id = 0),
    height INTEGER NOT NULL,
    data   BLOB    NOT NULL
);

-- The highest pruned height: one row, absent until the first prune.
CREATE TABLE pruned (
    id     INTEGER PRIMARY KEY CHECK (id = 0),
    height INTEGER NOT NULL
);
