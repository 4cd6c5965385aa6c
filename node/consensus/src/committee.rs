//! Who takes part: the stake table (every member votes and gets a VID share), the DA
//! committee (members marked DA, who receive payloads and sign DA certificates), and who
//! leads each view.

use std::sync::Arc;

use doppio_accel::Accel;
use doppio_keys::{
    BlsPublicKey, QcError, QuorumCertificate, StakeTable, StakeTableError, Threshold, VoteKind,
};

/// Why a committee could not be formed.
#[derive(Debug, thiserror::Error)]
pub enum CommitteeError {
    /// The DA flags do not cover the stake table.
    #[error("{flags} DA flags for a stake table of {members} members")]
    DaFlagsLength {
        /// Flags given.
        flags: usize,
        /// Stake-table entries.
        members: usize,
    },
    /// No member is marked DA.
    #[error("no stake-table member is marked DA")]
    NoDaMembers,
    /// The DA members' entries do not form a stake table (cannot happen for entries of a
    /// valid table, but the check is not skipped).
    #[error("DA committee: {0}")]
    DaTable(Box<StakeTableError>),
}

/// Which member set a certificate is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    /// A quorum certificate over a leaf (the whole stake table).
    Quorum,
    /// A timeout certificate over a view (the whole stake table).
    Timeout,
    /// A DA certificate over a payload commitment (the DA committee).
    Da,
}

impl CertificateKind {
    /// The vote kind such a certificate carries.
    pub fn vote_kind(self) -> VoteKind {
        match self {
            CertificateKind::Quorum => VoteKind::Quorum,
            CertificateKind::Timeout => VoteKind::Timeout,
            CertificateKind::Da => VoteKind::Da,
        }
    }
}

/// The members of consensus and the DA committee, with the leader schedule.
///
/// Leaders rotate round-robin through the stake table: view `v` is led by entry
/// `v mod n`. Every member leads equally often whatever its stake; stake counts in the
/// thresholds (more than 2/3 of the total for every certificate). Round-robin keeps the
/// schedule computable by anyone from the table alone, with no randomness beacon.
#[derive(Clone, Debug)]
pub struct Committee {
    table: Arc<StakeTable>,
    da_table: Arc<StakeTable>,
    /// Stake-table index of each DA-table entry.
    da_members: Vec<usize>,
    /// DA-table index of each stake-table entry, if it is a DA member.
    da_index: Vec<Option<usize>>,
}

impl Committee {
    /// The committee of `table`, with `da[i]` marking entry `i` as a DA member. The DA
    /// table keeps the members' stakes, so DA certificates are stake-weighted too.
    pub fn new(table: StakeTable, da: &[bool], accel: &Accel) -> Result<Self, CommitteeError> {
        if da.len() != table.len() {
            return Err(CommitteeError::DaFlagsLength { flags: da.len(), members: table.len() });
        }
        let da_members: Vec<usize> = (0..da.len()).filter(|&i| da[i]).collect();
        if da_members.is_empty() {
            return Err(CommitteeError::NoDaMembers);
        }
        let entries = da_members.iter().map(|&i| table.entries()[i].clone()).collect();
        let da_table =
            StakeTable::new(entries, accel).map_err(|e| CommitteeError::DaTable(Box::new(e)))?;
        let mut da_index = vec![None; table.len()];
        for (k, &i) in da_members.iter().enumerate() {
            da_index[i] = Some(k);
        }
        Ok(Committee { table: Arc::new(table), da_table: Arc::new(da_table), da_members, da_index })
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Always false: a stake table has at least one member.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The stake table (quorum and timeout certificates).
    pub fn stake_table(&self) -> &Arc<StakeTable> {
        &self.table
    }

    /// The DA committee's table (DA certificates), in stake-table order.
    pub fn da_table(&self) -> &Arc<StakeTable> {
        &self.da_table
    }

    /// Stake-table indices of the DA members, in order.
    pub fn da_members(&self) -> &[usize] {
        &self.da_members
    }

    /// Whether member `index` is in the DA committee.
    pub fn is_da(&self, index: usize) -> bool {
        self.da_index.get(index).is_some_and(Option::is_some)
    }

    /// The leader of `view`: entry `view mod n`.
    pub fn leader(&self, view: u64) -> usize {
        (view % self.len() as u64) as usize
    }

    /// Member `index`'s staking key, if it is a member.
    pub fn key(&self, index: usize) -> Option<&BlsPublicKey> {
        self.table.entries().get(index).map(|e| &e.staking_key)
    }

    /// Member `index`'s stake (0 for a non-member).
    pub fn stake(&self, index: usize) -> u128 {
        self.table.entries().get(index).map_or(0, |e| e.stake)
    }

    /// The table a certificate of `kind` is checked against.
    pub fn table_for(&self, kind: CertificateKind) -> &Arc<StakeTable> {
        match kind {
            CertificateKind::Quorum | CertificateKind::Timeout => &self.table,
            CertificateKind::Da => &self.da_table,
        }
    }

    /// Checks that `cert` is a certificate of `kind`: its vote kind, and more than 2/3 of
    /// the relevant stake signed (one pairing check, keys summed on `accel`).
    pub fn verify(
        &self,
        kind: CertificateKind,
        cert: &QuorumCertificate,
        accel: &Accel,
    ) -> Result<(), CertificateError> {
        if cert.data.kind != kind.vote_kind() {
            return Err(CertificateError::WrongKind { expected: kind, found: cert.data.kind });
        }
        cert.verify(self.table_for(kind), Threshold::SUPERMAJORITY, accel)
            .map_err(|e| CertificateError::Qc(Box::new(e)))
    }

    /// Whether `stake` is more than 1/3 of the total: at least one honest member.
    pub fn exceeds_one_third(&self, stake: u128) -> bool {
        Threshold::ONE_THIRD.passed(stake, self.table.total_stake())
    }
}

/// Why a certificate does not verify.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// A certificate of another vote kind.
    #[error("expected a {expected:?} certificate, found one over {found:?} votes")]
    WrongKind {
        /// What was expected.
        expected: CertificateKind,
        /// The vote kind it carries.
        found: VoteKind,
    },
    /// The signer bits, stake or aggregate signature are wrong.
    #[error(transparent)]
    Qc(Box<QcError>),
}
