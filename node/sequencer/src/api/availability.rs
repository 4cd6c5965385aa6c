//! `/v0/availability/`: decided leaves, headers, blocks, payloads, VID common data and
//! transactions by height, hash and range; namespaces with their proofs; websocket streams.

use axum::{
    Json, Router,
    extract::{
        Path, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    response::Response,
    routing::get,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use doppio_storage::{BlockId, LeafId, TransactionRecord};
use doppio_types::{
    Header, HeaderCommitment, LeafQueryData, NamespaceId, NamespaceProof, Payload, Transaction,
    TxCommitment,
};
use doppio_vid::{VidCommitment, VidCommon};
use serde::Serialize;

use super::{
    ApiState,
    error::{ApiError, height, parse, range},
};

/// Most items a range request returns (`until - from`).
pub const MAX_RANGE: u64 = 100;

/// A block payload in JSON: its namespace table and bytes, base64.
#[derive(Serialize)]
pub struct PayloadJson {
    /// The namespace table, base64.
    pub ns_table: String,
    /// The payload bytes, base64.
    pub payload: String,
}

impl From<&Payload> for PayloadJson {
    fn from(p: &Payload) -> Self {
        PayloadJson {
            ns_table: STANDARD.encode(p.ns_table().bytes()),
            payload: STANDARD.encode(p.bytes()),
        }
    }
}

/// A block: header, payload and summary.
#[derive(Serialize)]
pub struct BlockQueryData {
    /// Height.
    pub height: u64,
    /// Block hash (header commitment).
    pub hash: HeaderCommitment,
    /// Payload bytes.
    pub size: u64,
    /// Transactions.
    pub num_transactions: u64,
    /// The header.
    pub header: Header,
    /// The payload.
    pub payload: PayloadJson,
}

/// A payload with where it belongs.
#[derive(Serialize)]
pub struct PayloadQueryData {
    /// Height.
    pub height: u64,
    /// Block hash.
    pub block_hash: HeaderCommitment,
    /// Payload commitment (VID).
    pub hash: VidCommitment,
    /// Payload bytes.
    pub size: u64,
    /// The payload.
    pub data: PayloadJson,
}

/// VID common data with where it belongs.
#[derive(Serialize)]
pub struct VidCommonQueryData {
    /// Height.
    pub height: u64,
    /// Block hash.
    pub block_hash: HeaderCommitment,
    /// Payload commitment.
    pub payload_hash: VidCommitment,
    /// The common data.
    pub common: VidCommon,
}

/// A transaction with where it is.
#[derive(Serialize)]
pub struct TransactionQueryData {
    /// Height of its block.
    pub height: u64,
    /// Position in the block.
    pub index: u64,
    /// Block hash.
    pub block_hash: HeaderCommitment,
    /// Its commitment.
    pub hash: TxCommitment,
    /// The transaction.
    pub transaction: Transaction,
}

impl From<TransactionRecord> for TransactionQueryData {
    fn from(r: TransactionRecord) -> Self {
        TransactionQueryData {
            height: r.height,
            index: r.index,
            block_hash: r.block_hash,
            hash: r.hash,
            transaction: r.transaction,
        }
    }
}

/// A namespace's transactions in a block, with the proof that they are exactly the
/// namespace's bytes under the header's payload commitment (`null` when the block has no
/// such namespace: its namespace table in the header shows that).
#[derive(Serialize)]
pub struct NamespaceQueryData {
    /// The transactions.
    pub transactions: Vec<Transaction>,
    /// The proof.
    pub proof: Option<NamespaceProof>,
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The availability routes.
pub(crate) fn router() -> Router<ApiState> {
    Router::new()
        .route("/leaf/{height}", get(leaf))
        .route("/leaf/hash/{hash}", get(leaf_by_hash))
        .route("/leaf/{from}/{until}", get(leaf_range))
        .route("/header/{height}", get(header))
        .route("/header/hash/{hash}", get(header_by_hash))
        .route("/header/payload-hash/{hash}", get(header_by_payload))
        .route("/header/{from}/{until}", get(header_range))
        .route("/block/{height}", get(block))
        .route("/block/hash/{hash}", get(block_by_hash))
        .route("/block/payload-hash/{hash}", get(block_by_payload))
        .route("/block/{from}/{until}", get(block_range))
        .route("/block/{height}/namespace/{namespace}", get(namespace))
        .route("/payload/{height}", get(payload))
        .route("/payload/hash/{hash}", get(payload_by_hash))
        .route("/payload/block-hash/{hash}", get(payload_by_block))
        .route("/payload/{from}/{until}", get(payload_range))
        .route("/vid/common/{height}", get(vid_common))
        .route("/vid/common/hash/{hash}", get(vid_common_by_block))
        .route("/vid/common/payload-hash/{hash}", get(vid_common_by_payload))
        .route("/transaction/{height}/{index}", get(transaction))
        .route("/transaction/hash/{hash}", get(transaction_by_hash))
        .route("/stream/leaves/{height}", get(stream_leaves))
        .route("/stream/headers/{height}", get(stream_headers))
        .route("/stream/blocks/{height}", get(stream_blocks))
}

/// Checks a range request, at most [`MAX_RANGE`] long, and returns `(from, until)`.
fn bounded_range(from: &str, until: &str) -> Result<(u64, u64), ApiError> {
    let (from, until) = range(from, until)?;
    if until - from > MAX_RANGE {
        return Err(ApiError::bad_request(format!(
            "range {from}..{until} holds {} items; at most {MAX_RANGE} per request",
            until - from
        )));
    }
    Ok((from, until))
}

fn block_hash(s: &str) -> Result<BlockId, ApiError> {
    Ok(BlockId::Hash(parse(s, "block hash (BLOCK~…)")?))
}

fn payload_hash(s: &str) -> Result<BlockId, ApiError> {
    Ok(BlockId::PayloadHash(parse(s, "payload commitment (0x + 64 hex digits)")?))
}

async fn leaf(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<LeafQueryData> {
    Ok(Json(s.storage.leaf(LeafId::Height(height(&h)?)).await?))
}

async fn leaf_by_hash(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<LeafQueryData> {
    let hash = parse(&h, "leaf hash (LEAF~…)")?;
    Ok(Json(s.storage.leaf(LeafId::Hash(hash)).await?))
}

async fn leaf_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> ApiResult<Vec<LeafQueryData>> {
    let (from, until) = bounded_range(&from, &until)?;
    Ok(Json(s.storage.leaf_range(from, until).await?))
}

async fn header(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<Header> {
    Ok(Json(s.storage.header(BlockId::Height(height(&h)?)).await?))
}

async fn header_by_hash(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<Header> {
    Ok(Json(s.storage.header(block_hash(&h)?).await?))
}

async fn header_by_payload(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<Header> {
    Ok(Json(s.storage.header(payload_hash(&h)?).await?))
}

async fn header_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> ApiResult<Vec<Header>> {
    let (from, until) = bounded_range(&from, &until)?;
    Ok(Json(s.storage.header_range(from, until).await?))
}

fn block_data(header: Header, payload: &Payload) -> BlockQueryData {
    BlockQueryData {
        height: header.height,
        hash: header.commit(),
        size: payload.bytes().len() as u64,
        num_transactions: payload.transactions().len() as u64,
        payload: payload.into(),
        header,
    }
}

async fn block_at(s: &ApiState, id: BlockId) -> Result<BlockQueryData, ApiError> {
    let header = s.storage.header(id).await?;
    let payload = s.storage.payload(BlockId::Height(header.height)).await?;
    Ok(block_data(header, &payload))
}

async fn block(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<BlockQueryData> {
    Ok(Json(block_at(&s, BlockId::Height(height(&h)?)).await?))
}

async fn block_by_hash(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<BlockQueryData> {
    Ok(Json(block_at(&s, block_hash(&h)?).await?))
}

async fn block_by_payload(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<BlockQueryData> {
    Ok(Json(block_at(&s, payload_hash(&h)?).await?))
}

async fn block_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> ApiResult<Vec<BlockQueryData>> {
    let (from, until) = bounded_range(&from, &until)?;
    let headers = s.storage.header_range(from, until).await?;
    let payloads = s.storage.payload_range(from, until).await?;
    Ok(Json(headers.into_iter().zip(&payloads).map(|(h, p)| block_data(h, p)).collect()))
}

fn payload_data(header: &Header, payload: &Payload) -> PayloadQueryData {
    PayloadQueryData {
        height: header.height,
        block_hash: header.commit(),
        hash: header.payload_commitment,
        size: payload.bytes().len() as u64,
        data: payload.into(),
    }
}

async fn payload_at(s: &ApiState, id: BlockId) -> Result<PayloadQueryData, ApiError> {
    let header = s.storage.header(id).await?;
    let payload = s.storage.payload(BlockId::Height(header.height)).await?;
    Ok(payload_data(&header, &payload))
}

async fn payload(State(s): State<ApiState>, Path(h): Path<String>) -> ApiResult<PayloadQueryData> {
    Ok(Json(payload_at(&s, BlockId::Height(height(&h)?)).await?))
}

async fn payload_by_hash(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<PayloadQueryData> {
    Ok(Json(payload_at(&s, payload_hash(&h)?).await?))
}

async fn payload_by_block(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<PayloadQueryData> {
    Ok(Json(payload_at(&s, block_hash(&h)?).await?))
}

async fn payload_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> ApiResult<Vec<PayloadQueryData>> {
    let (from, until) = bounded_range(&from, &until)?;
    let headers = s.storage.header_range(from, until).await?;
    let payloads = s.storage.payload_range(from, until).await?;
    Ok(Json(headers.iter().zip(&payloads).map(|(h, p)| payload_data(h, p)).collect()))
}

async fn vid_common_at(s: &ApiState, id: BlockId) -> Result<VidCommonQueryData, ApiError> {
    let header = s.storage.header(id).await?;
    let common = s.storage.vid_common(BlockId::Height(header.height)).await?;
    Ok(VidCommonQueryData {
        height: header.height,
        block_hash: header.commit(),
        payload_hash: header.payload_commitment,
        common,
    })
}

async fn vid_common(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<VidCommonQueryData> {
    Ok(Json(vid_common_at(&s, BlockId::Height(height(&h)?)).await?))
}

async fn vid_common_by_block(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<VidCommonQueryData> {
    Ok(Json(vid_common_at(&s, block_hash(&h)?).await?))
}

async fn vid_common_by_payload(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<VidCommonQueryData> {
    Ok(Json(vid_common_at(&s, payload_hash(&h)?).await?))
}

async fn transaction(
    State(s): State<ApiState>,
    Path((h, i)): Path<(String, String)>,
) -> ApiResult<TransactionQueryData> {
    let index = i.parse().map_err(|_| ApiError::bad_request(format!("`{i}` is not an index")))?;
    Ok(Json(s.storage.transaction(height(&h)?, index).await?.into()))
}

async fn transaction_by_hash(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> ApiResult<TransactionQueryData> {
    let hash = parse(&h, "transaction hash (TX~…)")?;
    Ok(Json(s.storage.transaction_by_hash(hash).await?.into()))
}

async fn namespace(
    State(s): State<ApiState>,
    Path((h, ns)): Path<(String, String)>,
) -> ApiResult<NamespaceQueryData> {
    let ns = NamespaceId(
        ns.parse().map_err(|_| ApiError::bad_request(format!("`{ns}` is not a namespace id")))?,
    );
    let payload = s.storage.payload(BlockId::Height(height(&h)?)).await?;
    if payload.ns_table().find(ns).is_none() {
        return Ok(Json(NamespaceQueryData { transactions: Vec::new(), proof: None }));
    }
    let vid = s.node.vid_handle();
    let proof = tokio::task::spawn_blocking(move || NamespaceProof::new(&vid, &payload, ns))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("namespace proof: {e}")))?;
    let transactions = doppio_types::payload::parse_namespace(ns, &proof.ns_bytes)
        .map_err(|e| ApiError::internal(format!("stored payload: {e}")))?
        .into_iter()
        .map(|bytes| Transaction::new(ns, bytes))
        .collect();
    Ok(Json(NamespaceQueryData { transactions, proof: Some(proof) }))
}

/// What a stream sends per height.
#[derive(Clone, Copy)]
enum StreamKind {
    Leaves,
    Headers,
    Blocks,
}

async fn stream_item(s: &ApiState, kind: StreamKind, h: u64) -> Result<String, ApiError> {
    let json = match kind {
        StreamKind::Leaves => serde_json::to_string(&s.storage.leaf(LeafId::Height(h)).await?),
        StreamKind::Headers => serde_json::to_string(&s.storage.header(BlockId::Height(h)).await?),
        StreamKind::Blocks => serde_json::to_string(&block_at(s, BlockId::Height(h)).await?),
    };
    json.map_err(|e| ApiError::internal(e.to_string()))
}

fn stream(
    s: ApiState,
    ws: WebSocketUpgrade,
    from: &str,
    kind: StreamKind,
) -> Result<Response, ApiError> {
    let from = height(from)?;
    Ok(ws.on_upgrade(move |socket| run_stream(s, socket, from, kind)))
}

/// Sends every item from `next` on as blocks are decided, until the client goes away.
async fn run_stream(s: ApiState, mut socket: WebSocket, mut next: u64, kind: StreamKind) {
    let mut heights = s.node.subscribe();
    loop {
        while next < heights.borrow_and_update().0 {
            let text = match stream_item(&s, kind, next).await {
                Ok(text) => text,
                Err(e) => {
                    let body =
                        serde_json::json!({"status": e.status.as_u16(), "message": e.message});
                    let _ = socket.send(Message::Text(body.to_string().into())).await;
                    return;
                }
            };
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
            next += 1;
        }
        tokio::select! {
            changed = heights.changed() => if changed.is_err() { return },
            msg = socket.recv() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn stream_leaves(
    State(s): State<ApiState>,
    ws: WebSocketUpgrade,
    Path(h): Path<String>,
) -> Result<Response, ApiError> {
    stream(s, ws, &h, StreamKind::Leaves)
}

async fn stream_headers(
    State(s): State<ApiState>,
    ws: WebSocketUpgrade,
    Path(h): Path<String>,
) -> Result<Response, ApiError> {
    stream(s, ws, &h, StreamKind::Headers)
}

async fn stream_blocks(
    State(s): State<ApiState>,
    ws: WebSocketUpgrade,
    Path(h): Path<String>,
) -> Result<Response, ApiError> {
    stream(s, ws, &h, StreamKind::Blocks)
}
