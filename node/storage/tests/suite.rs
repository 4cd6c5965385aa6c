//! The storage suite: every test body runs on SQLite (`sqlite::NAME`) and on Postgres
//! (`postgres::NAME`, skipped with a message unless `DOPPIO_TEST_POSTGRES_URI` is set).
#![allow(missing_docs)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{BASE_TIME, CHAIN_LEN, HOUR, chain, duplicate_tx, raw_sql, state, transactions};
use doppio_storage::{
    BlockData, BlockId, LeafId, PruningConfig, Storage, StorageConfig, StorageError, spawn_pruner,
};
use doppio_types::{HeaderCommitment, LeafCommitment, NamespaceId, Transaction, TxCommitment};
use doppio_vid::VidCommitment;

suite!(
    empty_store,
    round_trips_by_height_and_hash,
    ranges,
    missing_data_is_not_found,
    reappend_is_idempotent_and_conflicts_are_caught,
    heights_must_be_consecutive,
    transactions_counts_and_sizes,
    a_failed_append_leaves_nothing_behind,
    pruning_by_target_and_minimum_retention,
    pruner_task_prunes,
    reopen_keeps_everything,
    corrupt_rows_are_reported,
    blocks_without_payload_or_share,
    a_block_of_many_transactions,
    concurrent_writers,
    consensus_state_is_replaced_and_survives_reopen,
);

async fn open(cfg: &StorageConfig) -> Storage {
    Storage::open(cfg).await.unwrap()
}

/// Opens the store and appends blocks `0..n` of the test chain.
async fn filled(cfg: &StorageConfig, n: u64) -> Storage {
    let s = open(cfg).await;
    for b in &chain()[..n as usize] {
        s.append_decided(b, &state(b.leaf.height())).await.unwrap();
    }
    s
}

fn block(h: u64) -> &'static BlockData {
    &chain()[h as usize]
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(r: Result<T, StorageError>, needle: &str) {
    match r {
        Err(e @ StorageError::NotFound { .. }) => {
            assert!(e.to_string().contains(needle), "`{e}` does not mention `{needle}`")
        }
        other => panic!("expected NotFound mentioning `{needle}`, got {other:?}"),
    }
}

#[track_caller]
fn assert_pruned<T: std::fmt::Debug>(r: Result<T, StorageError>, height: u64, oldest: u64) {
    match r {
        Err(e @ StorageError::Pruned { .. }) => {
            assert!(
                matches!(e, StorageError::Pruned { height: h, oldest: o } if h == height && o == oldest),
                "{e:?}"
            );
            assert!(e.to_string().contains(&format!("oldest height kept is {oldest}")), "{e}");
        }
        other => panic!("expected Pruned({height}, oldest {oldest}), got {other:?}"),
    }
}

async fn empty_store(cfg: StorageConfig) {
    let s = open(&cfg).await;
    assert_eq!(
        s.backend(),
        match cfg {
            StorageConfig::Sqlite { .. } => "sqlite",
            StorageConfig::Postgres(_) => "postgres",
        }
    );
    assert_eq!(s.block_height().await.unwrap(), 0);
    assert_eq!(s.latest_state().await.unwrap(), None);
    assert_eq!(s.pruned_height().await.unwrap(), None);
    assert_not_found(s.leaf(LeafId::Height(0)).await, "leaf at height 0 (block height 0)");
    assert!(s.leaf_range(0, 0).await.unwrap().is_empty());
    assert_not_found(s.leaf_range(0, 1).await, "height 0");
    assert_eq!(s.count_transactions(0, 0).await.unwrap(), 0);
    assert_not_found(s.count_transactions(0, 1).await, "height 0");
    assert!(s.disk_usage().await.unwrap() > 0);
    // Nothing to prune, even with everything "old".
    let cfg = PruningConfig {
        target_retention: Duration::ZERO,
        minimum_retention: Duration::ZERO,
        ..Default::default()
    };
    let report = s.prune(&cfg, SystemTime::now()).await.unwrap();
    assert_eq!(report.blocks_pruned, 0);
}

async fn round_trips_by_height_and_hash(cfg: StorageConfig) {
    let s = open(&cfg).await;
    for b in chain() {
        let h = b.leaf.height();
        s.append_decided(b, &state(h)).await.unwrap();
        assert_eq!(s.block_height().await.unwrap(), h + 1);
        assert_eq!(s.latest_state().await.unwrap(), Some((h, state(h))));
    }
    for b in chain() {
        let h = b.leaf.height();
        let header = &b.leaf.leaf.block_header;
        assert_eq!(s.leaf(LeafId::Height(h)).await.unwrap(), b.leaf);
        assert_eq!(s.leaf(LeafId::Hash(b.leaf.hash())).await.unwrap(), b.leaf);
        let ids = [
            BlockId::Height(h),
            BlockId::Hash(b.leaf.block_hash()),
            BlockId::PayloadHash(header.payload_commitment),
        ];
        for id in ids {
            // Blocks 0 and 3 are both empty and share a payload commitment: by payload
            // hash, the lowest height answers.
            let want = match (id, h) {
                (BlockId::PayloadHash(_), 3) => block(0),
                _ => b,
            };
            assert_eq!(&s.header(id).await.unwrap(), &want.leaf.leaf.block_header, "{id:?}");
            assert_eq!(Some(s.payload(id).await.unwrap()), want.payload, "{id:?}");
            assert_eq!(s.vid_common(id).await.unwrap(), want.vid_common, "{id:?}");
            assert_eq!(Some(s.vid_share(id).await.unwrap()), want.vid_share, "{id:?}");
        }
    }
}

async fn ranges(cfg: StorageConfig) {
    let s = filled(&cfg, CHAIN_LEN).await;
    let leaves: Vec<_> = chain().iter().map(|b| b.leaf.clone()).collect();
    assert_eq!(s.leaf_range(0, CHAIN_LEN).await.unwrap(), leaves);
    assert_eq!(s.leaf_range(2, 5).await.unwrap(), leaves[2..5]);
    let headers: Vec<_> = leaves.iter().map(|l| l.leaf.block_header.clone()).collect();
    assert_eq!(s.header_range(1, 4).await.unwrap(), headers[1..4]);
    let payloads: Vec<_> = chain().iter().map(|b| b.payload.clone().unwrap()).collect();
    assert_eq!(s.payload_range(0, CHAIN_LEN).await.unwrap(), payloads);
    let commons: Vec<_> = chain().iter().map(|b| b.vid_common.clone()).collect();
    assert_eq!(s.vid_common_range(3, 6).await.unwrap(), commons[3..6]);
    // Empty and reversed ranges are empty, wherever they are.
    assert!(s.leaf_range(4, 4).await.unwrap().is_empty());
    assert!(s.leaf_range(6, 2).await.unwrap().is_empty());
    assert!(s.payload_range(100, 100).await.unwrap().is_empty());
    // Past the end: the first missing height is named.
    let end = format!("height {CHAIN_LEN} (block height {CHAIN_LEN})");
    assert_not_found(s.leaf_range(0, CHAIN_LEN + 1).await, &end);
    assert_not_found(s.header_range(5, CHAIN_LEN + 3).await, &end);
    assert_not_found(s.payload_range(CHAIN_LEN - 1, CHAIN_LEN + 1).await, &end);
    assert_not_found(s.vid_common_range(CHAIN_LEN + 5, CHAIN_LEN + 7).await, "height 13");
    assert_not_found(s.leaf_range(u64::MAX - 1, u64::MAX).await, "leaf at height");
}

async fn missing_data_is_not_found(cfg: StorageConfig) {
    let s = filled(&cfg, 3).await;
    assert_not_found(s.leaf(LeafId::Height(3)).await, "leaf at height 3 (block height 3)");
    assert_not_found(s.leaf(LeafId::Height(u64::MAX)).await, "leaf at height");
    let leaf = LeafCommitment([9; 32]);
    assert_not_found(s.leaf(LeafId::Hash(leaf)).await, &format!("leaf {leaf}"));
    let hash = HeaderCommitment([9; 32]);
    assert_not_found(s.header(BlockId::Hash(hash)).await, &format!("header of block {hash}"));
    let p = VidCommitment([9; 32]);
    assert_not_found(s.payload(BlockId::PayloadHash(p)).await, "payload of a block with payload");
    assert_not_found(s.vid_common(BlockId::Height(7)).await, "VID common at height 7");
    assert_not_found(s.vid_share(BlockId::Height(3)).await, "VID share at height 3");
    assert_not_found(s.transaction(1, 1).await, "transaction 1 of the block at height 1");
    assert_not_found(s.transaction(9, 0).await, "at height 9");
    let tx = TxCommitment([9; 32]);
    assert_not_found(s.transaction_by_hash(tx).await, &format!("transaction {tx}"));
}

async fn reappend_is_idempotent_and_conflicts_are_caught(cfg: StorageConfig) {
    let s = filled(&cfg, 3).await;
    // Replaying any stored block (as after a crash) changes nothing.
    for h in 0..3 {
        s.append_decided(block(h), &state(h)).await.unwrap();
    }
    s.append_decided(block(1), b"another state").await.unwrap();
    assert_eq!(s.block_height().await.unwrap(), 3);
    assert_eq!(s.latest_state().await.unwrap(), Some((2, state(2))));
    assert_eq!(s.count_transactions(0, 3).await.unwrap(), 1 + 3);

    // A different block at a stored height is refused, whatever differs.
    let mut other = block(1).clone();
    other.vid_share = None;
    assert!(matches!(
        s.append_decided(&other, b"").await,
        Err(StorageError::Conflict { height: 1 })
    ));
    let mut other = block(2).clone();
    other.payload = block(1).payload.clone();
    assert!(matches!(
        s.append_decided(&other, b"").await,
        Err(StorageError::Conflict { height: 2 })
    ));
    let mut other = block(2).clone();
    other.leaf.leaf.view_number += 1;
    let err = s.append_decided(&other, b"").await.unwrap_err();
    assert_eq!(err.to_string(), "a different block is already stored at height 2");
    assert_eq!(s.leaf(LeafId::Height(2)).await.unwrap(), block(2).leaf);
    assert_eq!(s.latest_state().await.unwrap(), Some((2, state(2))));
}

async fn heights_must_be_consecutive(cfg: StorageConfig) {
    let s = open(&cfg).await;
    // The first block may have any height.
    s.append_decided(block(2), &state(2)).await.unwrap();
    assert_eq!(s.block_height().await.unwrap(), 3);
    let err = s.append_decided(block(4), &state(4)).await.unwrap_err();
    assert!(matches!(err, StorageError::OutOfOrder { expected: 3, got: 4 }), "{err:?}");
    assert_eq!(err.to_string(), "blocks must be appended in order: expected height 3, got 4");
    let err = s.append_decided(block(1), &state(1)).await.unwrap_err();
    assert!(matches!(err, StorageError::OutOfOrder { expected: 3, got: 1 }), "{err:?}");
    s.append_decided(block(3), &state(3)).await.unwrap();
    assert_eq!(s.latest_state().await.unwrap(), Some((3, state(3))));
    // Heights below the first stored one were never stored.
    assert_not_found(s.leaf(LeafId::Height(1)).await, "leaf at height 1 (block height 4)");
    assert_not_found(s.leaf_range(1, 4).await, "height 1");
    assert_eq!(s.leaf_range(2, 4).await.unwrap().len(), 2);
}

async fn transactions_counts_and_sizes(cfg: StorageConfig) {
    let s = filled(&cfg, CHAIN_LEN).await;
    let mut total = 0;
    for b in chain() {
        let h = b.leaf.height();
        let txs = b.payload.as_ref().unwrap().transactions();
        for (i, tx) in txs.iter().enumerate() {
            let r = s.transaction(h, i as u64).await.unwrap();
            assert_eq!((r.height, r.index), (h, i as u64));
            assert_eq!(r.block_hash, b.leaf.block_hash());
            assert_eq!(r.hash, tx.commit());
            assert_eq!(&r.transaction, tx);
        }
        assert_not_found(s.transaction(h, txs.len() as u64).await, "transaction");
        assert_eq!(s.count_transactions(h, h + 1).await.unwrap(), txs.len() as u64);
        total += txs.len() as u64;
    }
    assert_eq!(total, (0..CHAIN_LEN).map(|h| transactions(h).len() as u64).sum::<u64>());
    assert_eq!(s.count_transactions(0, CHAIN_LEN).await.unwrap(), total);
    assert_eq!(s.count_transactions(3, 3).await.unwrap(), 0);
    assert_eq!(s.count_transactions(3, 4).await.unwrap(), 0, "block 3 is empty");
    assert_not_found(s.count_transactions(0, CHAIN_LEN + 1).await, "transaction count");

    let size = |r: std::ops::Range<u64>| -> u64 {
        r.map(|h| block(h).payload.as_ref().unwrap().bytes().len() as u64).sum()
    };
    assert_eq!(s.payload_size(0, CHAIN_LEN).await.unwrap(), size(0..CHAIN_LEN));
    assert_eq!(s.payload_size(2, 5).await.unwrap(), size(2..5));
    assert_eq!(s.payload_size(0, 1).await.unwrap(), 0, "block 0 is empty");
    assert_not_found(s.payload_size(CHAIN_LEN, CHAIN_LEN + 1).await, "payload size");

    // A transaction in two blocks is found at its first occurrence.
    let dup = duplicate_tx();
    let r = s.transaction_by_hash(dup.commit()).await.unwrap();
    assert_eq!((r.height, r.transaction), (2, dup));
    // Positions are in payload order (namespace by namespace), not submission order.
    let some = &transactions(6)[4];
    let index = block(6).payload.as_ref().unwrap().transactions().iter().position(|t| t == some);
    assert_eq!(index, Some(2));
    let r = s.transaction_by_hash(some.commit()).await.unwrap();
    assert_eq!((r.height, r.index, &r.transaction), (6, 2, some));
}

/// A trigger makes the last statement of the append (the state upsert) fail: the block,
/// its transactions and the state must all be absent afterwards.
async fn a_failed_append_leaves_nothing_behind(cfg: StorageConfig) {
    let s = filled(&cfg, 2).await;
    let plant = match cfg {
        StorageConfig::Sqlite { .. } => {
            "CREATE TRIGGER boom BEFORE UPDATE ON node_state BEGIN SELECT RAISE(ABORT, 'boom'); END"
        }
        StorageConfig::Postgres(_) => {
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ \
             LANGUAGE plpgsql; \
             CREATE TRIGGER boom BEFORE UPDATE ON node_state FOR EACH ROW EXECUTE FUNCTION boom()"
        }
    };
    raw_sql(&cfg, plant).await;
    let err = s.append_decided(block(2), &state(2)).await.unwrap_err();
    assert!(matches!(err, StorageError::Database(_)), "{err:?}");
    assert!(err.to_string().contains("boom"), "{err}");
    assert_eq!(s.block_height().await.unwrap(), 2);
    assert_eq!(s.latest_state().await.unwrap(), Some((1, state(1))));
    assert_not_found(s.leaf(LeafId::Height(2)).await, "leaf at height 2");
    assert_not_found(s.transaction(2, 0).await, "at height 2");
    let tx = transactions(2)[0].commit();
    assert_not_found(s.transaction_by_hash(tx).await, "transaction");

    let unplant = match cfg {
        StorageConfig::Sqlite { .. } => "DROP TRIGGER boom",
        StorageConfig::Postgres(_) => "DROP TRIGGER boom ON node_state",
    };
    raw_sql(&cfg, unplant).await;
    s.append_decided(block(2), &state(2)).await.unwrap();
    assert_eq!(s.latest_state().await.unwrap(), Some((2, state(2))));
    assert_eq!(s.transaction(2, 0).await.unwrap().hash, tx);
}

async fn pruning_by_target_and_minimum_retention(cfg: StorageConfig) {
    let s = filled(&cfg, CHAIN_LEN).await;
    let last = CHAIN_LEN - 1;
    // "Now" is half an hour after the last block; block h is (last - h) hours + 30 min old.
    let now = UNIX_EPOCH + Duration::from_secs(BASE_TIME + last * HOUR + HOUR / 2);
    let cfg_prune = PruningConfig {
        pruning_threshold: None,
        minimum_retention: Duration::from_secs(2 * HOUR),
        target_retention: Duration::from_secs(4 * HOUR),
        batch_size: 2,
        max_usage: 8000,
        interval: Duration::from_secs(1),
    };
    // Older than 4 h: blocks with last - h + 0.5 > 4, i.e. h <= last - 4.
    let target_cut = last - 4;
    let r = s.prune(&cfg_prune, now).await.unwrap();
    assert_eq!(r.blocks_pruned, target_cut + 1);
    assert_eq!(r.batches, (target_cut + 2) / 2);
    assert_eq!(r.pruned_height, Some(target_cut));
    assert_eq!(s.pruned_height().await.unwrap(), Some(target_cut));
    let oldest = target_cut + 1;
    assert_pruned(s.leaf(LeafId::Height(0)).await, 0, oldest);
    assert_pruned(s.header(BlockId::Height(target_cut)).await, target_cut, oldest);
    assert_pruned(s.payload(BlockId::Height(1)).await, 1, oldest);
    assert_pruned(s.vid_share(BlockId::Height(1)).await, 1, oldest);
    assert_pruned(s.leaf_range(0, CHAIN_LEN).await, 0, oldest);
    assert_pruned(s.count_transactions(1, 3).await, 1, oldest);
    assert_pruned(s.transaction(2, 0).await, 2, oldest);
    assert_pruned(s.append_decided(block(1), &state(1)).await, 1, oldest);
    assert_not_found(s.leaf(LeafId::Hash(block(0).leaf.hash())).await, "leaf LEAF~");
    assert_eq!(s.leaf_range(oldest, CHAIN_LEN).await.unwrap().len() as u64, CHAIN_LEN - oldest);
    assert_eq!(s.transaction_by_hash(duplicate_tx().commit()).await.unwrap().height, 5);
    assert_eq!(s.block_height().await.unwrap(), CHAIN_LEN);
    assert_eq!(s.latest_state().await.unwrap(), Some((last, state(last))));

    // Again at the same time: nothing more to do.
    let r = s.prune(&cfg_prune, now).await.unwrap();
    assert_eq!((r.blocks_pruned, r.batches), (0, 0));

    // Above the usage threshold, down to the minimum retention (2 h: h <= last - 2),
    // since usage never drops below 0% of a 1-byte threshold.
    let by_space = PruningConfig { pruning_threshold: Some(1), max_usage: 0, ..cfg_prune };
    let r = s.prune(&by_space, now).await.unwrap();
    assert_eq!(r.pruned_height, Some(last - 2));
    assert_eq!(r.blocks_pruned, (last - 2) - target_cut);
    assert!(r.usage_before > 1);
    assert_pruned(s.leaf(LeafId::Height(last - 2)).await, last - 2, last - 1);
    assert_eq!(s.leaf(LeafId::Height(last - 1)).await.unwrap(), block(last - 1).leaf);

    // A threshold the store is under changes nothing.
    let roomy = PruningConfig {
        pruning_threshold: Some(u64::MAX),
        minimum_retention: Duration::ZERO,
        ..cfg_prune
    };
    assert_eq!(s.prune(&roomy, now).await.unwrap().blocks_pruned, 0);

    // Everything old: the latest block and the state stay.
    let all = PruningConfig {
        minimum_retention: Duration::ZERO,
        target_retention: Duration::ZERO,
        ..cfg_prune
    };
    let later = now + Duration::from_secs(1000 * HOUR);
    let r = s.prune(&all, later).await.unwrap();
    assert_eq!(r.pruned_height, Some(last - 1));
    assert_eq!(s.leaf(LeafId::Height(last)).await.unwrap(), block(last).leaf);
    assert_eq!(s.leaf_range(last, CHAIN_LEN).await.unwrap().len(), 1);
    assert_eq!(s.latest_state().await.unwrap(), Some((last, state(last))));
    assert_eq!(s.block_height().await.unwrap(), CHAIN_LEN);
    // The chain goes on.
    let mut next = block(last).clone();
    next.leaf.leaf.block_header.height = CHAIN_LEN;
    // (Same QC is not over this leaf, but storage does not verify certificates.)
    s.append_decided(&next, b"next").await.unwrap();
    assert_eq!(s.latest_state().await.unwrap(), Some((CHAIN_LEN, b"next".to_vec())));

    let bad = PruningConfig { batch_size: 0, ..cfg_prune };
    assert!(matches!(s.prune(&bad, now).await, Err(StorageError::Config(_))));
}

async fn pruner_task_prunes(cfg: StorageConfig) {
    let s = filled(&cfg, 4).await;
    // Header times are in 2023: with a 1 h target retention everything but the latest goes.
    let pcfg = PruningConfig {
        minimum_retention: Duration::from_secs(HOUR),
        target_retention: Duration::from_secs(HOUR),
        interval: Duration::from_millis(20),
        ..Default::default()
    };
    let task = spawn_pruner(s.clone(), pcfg);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while s.pruned_height().await.unwrap() != Some(2) {
        assert!(tokio::time::Instant::now() < deadline, "the pruner did not prune");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    assert_eq!(s.leaf(LeafId::Height(3)).await.unwrap(), block(3).leaf);
}

async fn reopen_keeps_everything(cfg: StorageConfig) {
    let s = filled(&cfg, 4).await;
    let usage = s.disk_usage().await.unwrap();
    drop(s);
    let s = open(&cfg).await;
    assert_eq!(s.block_height().await.unwrap(), 4);
    assert_eq!(s.latest_state().await.unwrap(), Some((3, state(3))));
    for h in 0..4 {
        assert_eq!(s.leaf(LeafId::Height(h)).await.unwrap(), block(h).leaf);
        assert_eq!(Some(s.payload(BlockId::Height(h)).await.unwrap()), block(h).payload);
    }
    assert!(s.disk_usage().await.unwrap() >= usage / 2);
    // Two handles on one store (the API and the node) see each other's writes.
    let other = open(&cfg).await;
    other.append_decided(block(4), &state(4)).await.unwrap();
    assert_eq!(s.block_height().await.unwrap(), 5);
    let clone = s.clone();
    assert_eq!(clone.leaf(LeafId::Height(4)).await.unwrap(), block(4).leaf);
    // Postgres: the same store through host/port/database/user/password options.
    if let Some(fields) = common::by_fields(&cfg) {
        let s = open(&fields).await;
        assert_eq!(s.latest_state().await.unwrap(), Some((4, state(4))));
    }
}

async fn corrupt_rows_are_reported(cfg: StorageConfig) {
    let s = filled(&cfg, 3).await;
    let garbage = match cfg {
        StorageConfig::Sqlite { .. } => "X'00ff'",
        StorageConfig::Postgres(_) => "'\\x00ff'::bytea",
    };
    let sql = format!(
        "UPDATE blocks SET leaf = {garbage}, vid_common = {garbage}, ns_table = {garbage} \
         WHERE height = 1"
    );
    raw_sql(&cfg, &sql).await;
    let corrupt = |r: Result<_, StorageError>, what: &str| match r {
        Err(e @ StorageError::Corrupt { .. }) => {
            assert!(e.to_string().starts_with(&format!("corrupt {what}")), "{e}")
        }
        other => panic!("expected Corrupt {what}, got {:?}", other.map(|_: ()| ())),
    };
    corrupt(s.leaf(LeafId::Height(1)).await.map(drop), "leaf at height 1");
    corrupt(
        s.header(BlockId::Hash(block(1).leaf.block_hash())).await.map(drop),
        "leaf at height 1",
    );
    corrupt(s.leaf_range(0, 3).await.map(drop), "leaf at height 1");
    corrupt(s.vid_common(BlockId::Height(1)).await.map(drop), "VID common at height 1");
    corrupt(s.payload(BlockId::Height(1)).await.map(drop), "payload at height 1");
    corrupt(s.transaction(1, 0).await.map(drop), "payload at height 1");
    // The rest is still readable.
    assert_eq!(s.leaf(LeafId::Height(2)).await.unwrap(), block(2).leaf);

    // A value of the wrong type (SQLite stores anything anywhere).
    if let StorageConfig::Sqlite { .. } = cfg {
        raw_sql(&cfg, "UPDATE node_state SET height = 'two'").await;
        corrupt(s.latest_state().await.map(drop), "node state");
    }
    raw_sql(&cfg, "UPDATE node_state SET height = -5").await;
    corrupt(s.latest_state().await.map(drop), "node state");
}

async fn blocks_without_payload_or_share(cfg: StorageConfig) {
    let s = open(&cfg).await;
    let mut b = block(0).clone();
    b.payload = None;
    b.vid_share = None;
    s.append_decided(&b, &state(0)).await.unwrap();
    s.append_decided(&b, &state(0)).await.unwrap();
    assert_eq!(s.leaf(LeafId::Height(0)).await.unwrap(), b.leaf);
    assert_eq!(s.vid_common(BlockId::Height(0)).await.unwrap(), b.vid_common);
    assert_not_found(
        s.payload(BlockId::Height(0)).await,
        "payload at height 0 (not stored by this node)",
    );
    assert_not_found(
        s.vid_share(BlockId::Height(0)).await,
        "VID share at height 0 (not stored by this node)",
    );
    assert_not_found(s.payload_range(0, 1).await, "not stored");
    assert_eq!(s.count_transactions(0, 1).await.unwrap(), 0);
    assert_eq!(s.payload_size(0, 1).await.unwrap(), 0);
    assert!(matches!(
        s.append_decided(block(0), &state(0)).await,
        Err(StorageError::Conflict { height: 0 })
    ));
}

/// More transactions than one insert statement takes: full chunks and a remainder.
async fn a_block_of_many_transactions(cfg: StorageConfig) {
    let s = open(&cfg).await;
    let txs: Vec<Transaction> = (0..150u32)
        .map(|i| Transaction::new(NamespaceId(i % 3), i.to_le_bytes().to_vec()))
        .collect();
    let b = common::make_block(0, &txs, None);
    s.append_decided(&b, b"s").await.unwrap();
    s.append_decided(&b, b"s").await.unwrap();
    assert_eq!(s.count_transactions(0, 1).await.unwrap(), 150);
    let in_payload = b.payload.as_ref().unwrap().transactions();
    for (i, tx) in in_payload.iter().enumerate() {
        let r = s.transaction(0, i as u64).await.unwrap();
        assert_eq!((&r.transaction, r.index), (tx, i as u64));
        assert_eq!(s.transaction_by_hash(tx.commit()).await.unwrap().index, i as u64);
    }
    assert_not_found(s.transaction(0, 150).await, "transaction 150");
}

/// Two handles (say, a restarted node and its API) append the same blocks at once while
/// a pruner (which finds nothing old enough) takes the write lock too: every append
/// succeeds, and each block is stored once.
async fn concurrent_writers(cfg: StorageConfig) {
    let a = open(&cfg).await;
    let b = open(&cfg).await;
    let century = Duration::from_secs(100 * 365 * 24 * HOUR);
    let pcfg = PruningConfig {
        pruning_threshold: None,
        minimum_retention: century,
        target_retention: century,
        interval: Duration::from_millis(5),
        ..Default::default()
    };
    let pruner = spawn_pruner(a.clone(), pcfg);
    let write = |s: Storage| async move {
        for blk in chain() {
            s.append_decided(blk, &state(blk.leaf.height())).await.unwrap();
        }
    };
    let writers: Vec<_> =
        [&a, &b, &a, &b].into_iter().map(|s| tokio::spawn(write(s.clone()))).collect();
    for w in writers {
        w.await.unwrap();
    }
    pruner.abort();
    assert_eq!(a.pruned_height().await.unwrap(), None);
    assert_eq!(a.block_height().await.unwrap(), CHAIN_LEN);
    assert_eq!(b.latest_state().await.unwrap(), Some((CHAIN_LEN - 1, state(CHAIN_LEN - 1))));
    let total: u64 = (0..CHAIN_LEN).map(|h| transactions(h).len() as u64).sum();
    assert_eq!(b.count_transactions(0, CHAIN_LEN).await.unwrap(), total);
}

async fn consensus_state_is_replaced_and_survives_reopen(cfg: StorageConfig) {
    let s = open(&cfg).await;
    assert_eq!(s.consensus_state().await.unwrap(), None);
    s.save_consensus_state(b"first").await.unwrap();
    assert_eq!(s.consensus_state().await.unwrap().as_deref(), Some(&b"first"[..]));
    let big = vec![7u8; 1 << 20];
    s.save_consensus_state(&big).await.unwrap();
    assert_eq!(s.consensus_state().await.unwrap(), Some(big.clone()));
    // Independent of the blocks: appending a block leaves it alone, and it survives reopen.
    s.append_decided(block(0), &state(0)).await.unwrap();
    drop(s);
    let s = open(&cfg).await;
    assert_eq!(s.consensus_state().await.unwrap(), Some(big));
    assert_eq!(s.block_height().await.unwrap(), 1);
}
