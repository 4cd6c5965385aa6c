//! The direct-message wire format, protocol `/doppio/direct/1`: one request per stream,
//! a 4-byte big-endian length followed by that many bytes, then the end of the stream;
//! the answer is one byte ([`Ack`]). A frame longer than this node's limit is refused
//! before its bytes are read, and a truncated frame or trailing bytes are malformed;
//! both are counted and the stream is reset.

use std::io;

use libp2p::{
    StreamProtocol,
    futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    request_response,
};

use crate::metrics::{DropReason, NetworkMetrics};

/// The protocol name (its version is the wire format's).
pub const DIRECT_PROTOCOL: StreamProtocol = StreamProtocol::new("/doppio/direct/1");

/// The receiver's answer to a direct message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// Queued for the consumer.
    Accepted,
    /// Dropped: the sender is not a member, or the consumer's queue is full.
    Refused,
}

impl Ack {
    fn to_byte(self) -> u8 {
        match self {
            Ack::Accepted => 0,
            Ack::Refused => 1,
        }
    }

    fn from_byte(b: u8) -> io::Result<Self> {
        match b {
            0 => Ok(Ack::Accepted),
            1 => Ok(Ack::Refused),
            other => Err(invalid(format!("unknown acknowledgement byte {other}"))),
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// The length-prefixed codec, bounded by `max` bytes per message.
#[derive(Clone, Debug)]
pub struct DirectCodec {
    max: usize,
    metrics: NetworkMetrics,
}

impl DirectCodec {
    /// A codec that refuses messages over `max` bytes and counts what it drops.
    pub fn new(max: usize, metrics: NetworkMetrics) -> Self {
        DirectCodec { max, metrics }
    }

    /// Reads one frame, counting an oversized or malformed one.
    async fn read_frame<T: AsyncRead + Unpin + Send>(&self, io: &mut T) -> io::Result<Vec<u8>> {
        let result = read_frame(io, self.max).await;
        if let Err(e) = &result {
            let reason = if e.kind() == io::ErrorKind::FileTooLarge {
                DropReason::Oversized
            } else {
                DropReason::Malformed
            };
            self.metrics.drop_message(reason);
        }
        result
    }
}

/// Reads `len ‖ bytes` followed by the end of the stream, refusing `len > max`.
pub async fn read_frame<T: AsyncRead + Unpin>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("message of {len} bytes exceeds the limit of {max}"),
        ));
    }
    let mut bytes = vec![0u8; len];
    io.read_exact(&mut bytes).await?;
    let mut extra = [0u8; 1];
    if io.read(&mut extra).await? != 0 {
        return Err(invalid("bytes after the message".to_owned()));
    }
    Ok(bytes)
}

/// Writes `len ‖ bytes`.
pub async fn write_frame<T: AsyncWrite + Unpin>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| invalid("message over 4 GiB".to_owned()))?;
    io.write_all(&len.to_be_bytes()).await?;
    io.write_all(bytes).await?;
    io.flush().await
}

impl request_response::Codec for DirectCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Ack;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.read_frame(io).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Ack>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut b = [0u8; 1];
        io.read_exact(&mut b).await?;
        Ack::from_byte(b[0])
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &req).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Ack,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&[res.to_byte()]).await?;
        io.flush().await
    }
}

#[cfg(test)]
mod tests {
    use libp2p::futures::{executor::block_on, io::Cursor};

    use super::*;

    fn frame(len: u32, body: &[u8]) -> Vec<u8> {
        let mut v = len.to_be_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn round_trip_and_bounds() {
        let mut out = Cursor::new(Vec::new());
        block_on(write_frame(&mut out, b"hello")).unwrap();
        let wire = out.into_inner();
        assert_eq!(wire, frame(5, b"hello"));
        assert_eq!(block_on(read_frame(&mut Cursor::new(&wire), 5)).unwrap(), b"hello");
        let err = block_on(read_frame(&mut Cursor::new(&wire), 4)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(block_on(read_frame(&mut Cursor::new(frame(0, b"")), 0)).unwrap(), b"");
    }

    #[test]
    fn malformed_frames_are_errors() {
        for wire in [vec![0, 0], frame(6, b"hello"), frame(4, b"hello"), frame(u32::MAX, b"")] {
            assert!(block_on(read_frame(&mut Cursor::new(&wire), 1 << 20)).is_err(), "{wire:?}");
        }
    }

    #[test]
    fn the_codec_counts_what_it_drops() {
        let metrics = NetworkMetrics::new();
        let codec = DirectCodec::new(4, metrics.clone());
        assert!(block_on(codec.read_frame(&mut Cursor::new(frame(5, b"hello")))).is_err());
        assert!(block_on(codec.read_frame(&mut Cursor::new(frame(3, b"hi")))).is_err());
        assert_eq!(metrics.dropped(DropReason::Oversized), 1);
        assert_eq!(metrics.dropped(DropReason::Malformed), 1);
        assert_eq!(block_on(codec.read_frame(&mut Cursor::new(frame(2, b"hi")))).unwrap(), b"hi");
        assert!(Ack::from_byte(7).is_err());
    }
}
