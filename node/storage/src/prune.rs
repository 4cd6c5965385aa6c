//! Pruning for DA nodes, with the semantics of the Espresso query service: blocks whose
//! header is older than the target retention go; if the database is above the usage
//! threshold, blocks older than the minimum retention go too, until usage is below
//! `max_usage` of the threshold. Deletion proceeds from the lowest height in batches, one
//! database transaction each, and never touches the latest block or the node state.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::PruningConfig;
use crate::db::Arg;
use crate::error::StorageError;
use crate::storage::{Storage, col};

/// What one [`Storage::prune`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Blocks deleted.
    pub blocks_pruned: u64,
    /// Database transactions used (batches).
    pub batches: u64,
    /// The highest pruned height afterwards, if anything was ever pruned.
    pub pruned_height: Option<u64>,
    /// [`Storage::disk_usage`] before, in bytes.
    pub usage_before: u64,
    /// [`Storage::disk_usage`] after, in bytes.
    pub usage_after: u64,
}

impl Storage {
    /// Prunes as `cfg` says, taking `now` as the current time (header timestamps are in
    /// seconds since the Unix epoch).
    pub async fn prune(
        &self,
        cfg: &PruningConfig,
        now: SystemTime,
    ) -> Result<PruneReport, StorageError> {
        cfg.validate()?;
        let usage_before = self.disk_usage().await?;
        let mut report = PruneReport { usage_before, ..Default::default() };
        let target = self.cutoff(now, cfg.target_retention).await?;
        while let Some(hi) = self.next_batch(cfg.batch_size, target).await? {
            self.delete_through(hi, &mut report).await?;
        }
        if let Some(threshold) = cfg.pruning_threshold {
            let mut usage = self.disk_usage().await?;
            if usage > threshold {
                let goal = u128::from(threshold) * u128::from(cfg.max_usage) / 10_000;
                let minimum = self.cutoff(now, cfg.minimum_retention).await?;
                while u128::from(usage) > goal {
                    let Some(hi) = self.next_batch(cfg.batch_size, minimum).await? else { break };
                    self.delete_through(hi, &mut report).await?;
                    usage = self.disk_usage().await?;
                }
            }
        }
        report.usage_after = self.disk_usage().await?;
        report.pruned_height = self.pruned_height().await?;
        Ok(report)
    }

    /// The highest height that may go for a retention of `retention` at `now`: the last
    /// block with a header older than `now - retention`, but never the latest block.
    async fn cutoff(
        &self,
        now: SystemTime,
        retention: Duration,
    ) -> Result<Option<u64>, StorageError> {
        let Some((_, max)) = self.bounds().await? else { return Ok(None) };
        let Some(before) = now.checked_sub(retention) else { return Ok(None) };
        let secs = before.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        let sql = "SELECT MAX(height) FROM blocks WHERE timestamp < $1";
        let row = self.pool().fetch_optional(sql, &[Arg::Int(secs)]).await?;
        let h: Option<i64> = match row {
            Some(row) => col(&row, 0, &|| "block timestamps".into())?,
            None => None,
        };
        let h = h.and_then(|h| u64::try_from(h).ok());
        Ok(h.map(|h| h.min(max.saturating_sub(1))).filter(|&h| h < max))
    }

    /// The top of the next batch to delete: up to `batch_size` heights from the lowest
    /// stored one, not past `cutoff`.
    async fn next_batch(
        &self,
        batch_size: u64,
        cutoff: Option<u64>,
    ) -> Result<Option<u64>, StorageError> {
        let (Some(cutoff), Some((min, _))) = (cutoff, self.bounds().await?) else {
            return Ok(None);
        };
        if min > cutoff {
            return Ok(None);
        }
        Ok(Some(cutoff.min(min.saturating_add(batch_size - 1))))
    }

    /// Deletes every block at or below `hi` and records `hi` as pruned, atomically.
    async fn delete_through(&self, hi: u64, report: &mut PruneReport) -> Result<(), StorageError> {
        let h = crate::storage::db_height(hi).unwrap_or(i64::MAX);
        let mut tx = self.pool().begin().await?;
        tx.execute("DELETE FROM transactions WHERE height <= $1", &[Arg::Int(h)]).await?;
        let deleted = tx.execute("DELETE FROM blocks WHERE height <= $1", &[Arg::Int(h)]).await?;
        tx.execute(
            "INSERT INTO pruned (id, height) VALUES (0, $1) \
             ON CONFLICT (id) DO UPDATE SET height = excluded.height",
            &[Arg::Int(h)],
        )
        .await?;
        tx.commit().await?;
        report.blocks_pruned += deleted;
        report.batches += 1;
        tracing::debug!(through = hi, deleted, "pruned a batch");
        Ok(())
    }
}

/// Runs [`Storage::prune`] every `cfg.interval` until the task is aborted, logging what
/// it pruned and any error (which does not stop it).
pub fn spawn_pruner(storage: Storage, cfg: PruningConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(cfg.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match storage.prune(&cfg, SystemTime::now()).await {
                Ok(r) if r.blocks_pruned > 0 => tracing::info!(
                    blocks = r.blocks_pruned,
                    pruned_height = r.pruned_height,
                    usage_before = r.usage_before,
                    usage_after = r.usage_after,
                    backend = storage.backend(),
                    "pruned old blocks"
                ),
                Ok(_) => tracing::debug!(backend = storage.backend(), "nothing to prune"),
                Err(e) => tracing::error!(backend = storage.backend(), "pruning failed: {e}"),
            }
        }
    })
}
