-- Decided blocks, one row per height. The leaf (with its QC) is JSON; the payload and
-- VID data are their canonical bytes. The indexed columns are copies of values inside
-- the blobs, kept so that look-ups by hash, ranges and pruning need no decoding.
CREATE TABLE blocks (
    height           BIGINT PRIMARY KEY,
    leaf_hash        BYTEA    NOT NULL UNIQUE,
    block_hash       BYTEA    NOT NULL UNIQUE,
    payload_hash     BYTEA    NOT NULL,
    timestamp        BIGINT NOT NULL,
    num_transactions BIGINT NOT NULL,
    payload_size     BIGINT NOT NULL,
    leaf             BYTEA    NOT NULL,
    payload          BYTEA,
    ns_table         BYTEA,
    vid_common       BYTEA    NOT NULL,
    vid_share        BYTEA
);
-- Empty payloads share one commitment, so payload hashes are not unique.
CREATE INDEX blocks_payload_hash ON blocks (payload_hash, height);
CREATE INDEX blocks_timestamp ON blocks (timestamp);

CREATE TABLE transactions (
    hash      BYTEA    NOT NULL,
    height    BIGINT NOT NULL REFERENCES blocks (height) ON DELETE CASCADE,
    idx       BIGINT NOT NULL,
    namespace BIGINT NOT NULL,
    PRIMARY KEY (height, idx)
);
CREATE INDEX transactions_hash ON transactions (hash, height, idx);

-- The node-state blob of the highest stored height: one row, replaced with each block.
CREATE TABLE node_state (
    id     INT PRIMARY KEY CHECK (id = 0),
    height BIGINT NOT NULL,
    data   BYTEA    NOT NULL
);

-- The highest pruned height: one row, absent until the first prune.
CREATE TABLE pruned (
    id     INT PRIMARY KEY CHECK (id = 0),
    height BIGINT NOT NULL
);
