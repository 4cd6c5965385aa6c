//! Block payloads and namespace tables, in the Espresso Sequencer's layout.
//!
//! - **Namespace table**: a little-endian `u32` count, then one (`u32` namespace id,
//!   `u32` end offset) pair per namespace; namespace `i` occupies payload bytes
//!   `[end(i−1), end(i))` (the first starts at 0).
//! - **Namespace bytes**: a little-endian `u32` transaction count, one `u32` end offset
//!   per transaction (relative to the start of the transaction bytes), then the
//!   transaction bytes.
//!
//! Parsing is strict and total: any byte string gives either a payload whose every
//! namespace and transaction is well formed, or a [`PayloadError`] saying what is wrong
//! and where — never a panic (tested on random bytes). Namespaces must cover the payload
//! exactly, in order, each once.

use std::ops::Range;

use crate::transaction::{NamespaceId, Transaction};

/// What is wrong with a payload or namespace table.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    /// The table's length does not match its count.
    #[error(
        "namespace table of {len} bytes does not match its entry count ({count:?}; 4 + 8 bytes per entry)"
    )]
    TableLength {
        /// Table bytes.
        len: usize,
        /// Announced entries (absent if the table is shorter than its count field).
        count: Option<u32>,
    },
    /// Namespace `index` ends before it starts or past the payload.
    #[error(
        "namespace table entry {index} (namespace {namespace}): end offset {end} is not in {start}..={payload_len}"
    )]
    BadNamespaceOffset {
        /// Entry index.
        index: usize,
        /// Its namespace.
        namespace: NamespaceId,
        /// Where it starts.
        start: usize,
        /// Its end offset.
        end: usize,
        /// The payload's length.
        payload_len: usize,
    },
    /// The namespaces do not cover the whole payload.
    #[error("the namespaces cover {covered} of the payload's {payload_len} bytes")]
    Uncovered {
        /// Bytes covered.
        covered: usize,
        /// Payload length.
        payload_len: usize,
    },
    /// A namespace appears twice in the table.
    #[error("namespace {0} appears more than once in the namespace table")]
    DuplicateNamespace(NamespaceId),
    /// A namespace's bytes are malformed.
    #[error("namespace {namespace}: {reason}")]
    BadNamespace {
        /// The namespace.
        namespace: NamespaceId,
        /// What is wrong.
        reason: String,
    },
    /// The payload would not fit the layout's 32-bit offsets.
    #[error("payload too large for 32-bit offsets: {0} bytes")]
    TooLarge(usize),
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// A validated namespace table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NsTable {
    bytes: Vec<u8>,
    entries: Vec<(NamespaceId, Range<usize>)>,
}

impl NsTable {
    /// Parses and checks `bytes` as the table of a payload of `payload_len` bytes.
    pub fn parse(bytes: Vec<u8>, payload_len: usize) -> Result<Self, PayloadError> {
        let count = u32_at(&bytes, 0);
        let expected = count.map(|c| 4 + 8 * c as u64);
        if expected != Some(bytes.len() as u64) {
            return Err(PayloadError::TableLength { len: bytes.len(), count });
        }
        let mut entries: Vec<(NamespaceId, Range<usize>)> = Vec::new();
        let mut start = 0usize;
        for index in 0..count.unwrap_or(0) as usize {
            let namespace = NamespaceId(u32_at(&bytes, 4 + 8 * index).unwrap_or(0));
            let end = u32_at(&bytes, 8 + 8 * index).unwrap_or(0) as usize;
            if end <= start || end > payload_len {
                return Err(PayloadError::BadNamespaceOffset {
                    index,
                    namespace,
                    start,
                    end,
                    payload_len,
                });
            }
            if entries.iter().any(|(n, _)| *n == namespace) {
                return Err(PayloadError::DuplicateNamespace(namespace));
            }
            entries.push((namespace, start..end));
            start = end;
        }
        if start != payload_len {
            return Err(PayloadError::Uncovered { covered: start, payload_len });
        }
        Ok(NsTable { bytes, entries })
    }

    /// The table's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `(namespace, payload byte range)` in table order.
    pub fn entries(&self) -> &[(NamespaceId, Range<usize>)] {
        &self.entries
    }

    /// The byte range of `namespace`, if the payload has it.
    pub fn find(&self, namespace: NamespaceId) -> Option<Range<usize>> {
        self.entries.iter().find(|(n, _)| *n == namespace).map(|(_, r)| r.clone())
    }
}

/// Splits one namespace's bytes into its transactions' payloads.
pub fn parse_namespace(namespace: NamespaceId, bytes: &[u8]) -> Result<Vec<Vec<u8>>, PayloadError> {
    let bad = |reason: String| PayloadError::BadNamespace { namespace, reason };
    let count = u32_at(bytes, 0)
        .ok_or_else(|| bad(format!("{} bytes, too short for a transaction count", bytes.len())))?;
    let header = 4 + 4 * count as u64;
    if header > bytes.len() as u64 {
        return Err(bad(format!(
            "{count} transactions announced, {} bytes cannot hold their offsets",
            bytes.len()
        )));
    }
    let body = &bytes[header as usize..];
    let mut out = Vec::with_capacity(count as usize);
    let mut start = 0usize;
    for i in 0..count as usize {
        let end = u32_at(bytes, 4 + 4 * i).unwrap_or(0) as usize;
        if end < start || end > body.len() {
            return Err(bad(format!(
                "transaction {i} ends at {end}, outside {start}..={}",
                body.len()
            )));
        }
        out.push(body[start..end].to_vec());
        start = end;
    }
    if start != body.len() {
        return Err(bad(format!(
            "{} trailing bytes after the last transaction",
            body.len() - start
        )));
    }
    Ok(out)
}

/// Encodes transactions of one namespace.
fn encode_namespace(txs: &[&[u8]]) -> Result<Vec<u8>, PayloadError> {
    let body: usize = txs.iter().map(|t| t.len()).sum();
    let total = 4 + 4 * txs.len() + body;
    let too_large = |_| PayloadError::TooLarge(total);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&u32::try_from(txs.len()).map_err(too_large)?.to_le_bytes());
    let mut end = 0usize;
    for t in txs {
        end += t.len();
        out.extend_from_slice(&u32::try_from(end).map_err(too_large)?.to_le_bytes());
    }
    for t in txs {
        out.extend_from_slice(t);
    }
    Ok(out)
}

/// A block payload with its namespace table, both validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    bytes: Vec<u8>,
    ns_table: NsTable,
}

impl Payload {
    /// Groups `txs` by namespace (namespaces in order of first appearance, transactions
    /// in their order) and lays them out.
    pub fn from_transactions<'a>(
        txs: impl IntoIterator<Item = &'a Transaction>,
    ) -> Result<Self, PayloadError> {
        let mut groups: Vec<(NamespaceId, Vec<&[u8]>)> = Vec::new();
        for tx in txs {
            match groups.iter_mut().find(|(n, _)| *n == tx.namespace) {
                Some((_, g)) => g.push(&tx.payload),
                None => groups.push((tx.namespace, vec![&tx.payload])),
            }
        }
        let mut bytes = Vec::new();
        let mut table = Vec::with_capacity(4 + 8 * groups.len());
        table.extend_from_slice(&(groups.len() as u32).to_le_bytes());
        for (namespace, txs) in &groups {
            bytes.extend_from_slice(&encode_namespace(txs)?);
            let end =
                u32::try_from(bytes.len()).map_err(|_| PayloadError::TooLarge(bytes.len()))?;
            table.extend_from_slice(&namespace.0.to_le_bytes());
            table.extend_from_slice(&end.to_le_bytes());
        }
        Self::from_parts(bytes, table)
    }

    /// Checks a payload and its table as received (every namespace is parsed).
    pub fn from_parts(bytes: Vec<u8>, ns_table: Vec<u8>) -> Result<Self, PayloadError> {
        let ns_table = NsTable::parse(ns_table, bytes.len())?;
        for (namespace, range) in ns_table.entries() {
            parse_namespace(*namespace, &bytes[range.clone()])?;
        }
        Ok(Payload { bytes, ns_table })
    }

    /// The payload bytes (what VID disperses).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The namespace table.
    pub fn ns_table(&self) -> &NsTable {
        &self.ns_table
    }

    /// Every transaction, namespace by namespace.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.ns_table
            .entries()
            .iter()
            .flat_map(|(ns, _)| self.namespace_transactions(*ns))
            .collect()
    }

    /// The transactions of `namespace` (none if the payload lacks it).
    pub fn namespace_transactions(&self, namespace: NamespaceId) -> Vec<Transaction> {
        let Some(range) = self.ns_table.find(namespace) else { return Vec::new() };
        parse_namespace(namespace, &self.bytes[range])
            .expect("namespaces are checked when the payload is built")
            .into_iter()
            .map(|payload| Transaction { namespace, payload })
            .collect()
    }
}
