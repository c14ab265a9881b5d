//! Guest stdout and stderr: bounded in-memory tails, optionally forwarded to the host.
//!
//! Every module's stderr goes through a [`GuestOutput`] that keeps the last
//! [`STDERR_TAIL_BYTES`] bytes (so a trap can report the guest's panic message) and forwards
//! to the host's stderr when the module inherits stdio. An embedder can also capture stdout
//! and stderr into memory ([`crate::MModuleConfig::capture_output`]) and take them with
//! [`crate::Marine::take_module_output`].
//!
//! Writes are synchronous (the WASI preview1 `fd_write` path uses
//! [`StdoutStream::p2_stream`]), so the tail is complete when a call returns or traps.

use std::collections::VecDeque;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Bytes of each module's stderr kept for panic messages.
pub const STDERR_TAIL_BYTES: usize = 8 * 1024;

#[derive(Debug, Default)]
struct TailInner {
    buf: VecDeque<u8>,
    /// Bytes ever written (including those dropped from the front).
    total: u64,
}

/// A bounded buffer keeping the most recent `capacity` bytes written to it. Cheap to clone
/// (clones share the buffer).
#[derive(Clone, Debug)]
pub struct OutputTail {
    inner: Arc<Mutex<TailInner>>,
    capacity: usize,
}

impl OutputTail {
    /// A tail keeping at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        OutputTail {
            inner: Arc::new(Mutex::new(TailInner::default())),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, TailInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends bytes, dropping the oldest beyond the capacity.
    pub fn push(&self, bytes: &[u8]) {
        let mut inner = self.lock();
        inner.total = inner.total.saturating_add(bytes.len() as u64);
        let keep = &bytes[bytes.len().saturating_sub(self.capacity)..];
        let overflow = (inner.buf.len() + keep.len()).saturating_sub(self.capacity);
        let drop_front = overflow.min(inner.buf.len());
        inner.buf.drain(..drop_front);
        inner.buf.extend(keep);
    }

    /// Number of bytes ever written.
    pub fn total_written(&self) -> u64 {
        self.lock().total
    }

    /// The bytes written since the total was `mark` (as far as they are still kept).
    pub fn since(&self, mark: u64) -> Vec<u8> {
        let inner = self.lock();
        let new = inner.total.saturating_sub(mark).min(inner.buf.len() as u64) as usize;
        inner
            .buf
            .iter()
            .skip(inner.buf.len() - new)
            .copied()
            .collect()
    }

    /// Takes everything kept; returns the bytes and how many older bytes were dropped.
    pub fn take(&self) -> (Vec<u8>, u64) {
        let mut inner = self.lock();
        let kept: Vec<u8> = inner.buf.drain(..).collect();
        let dropped = inner.total.saturating_sub(kept.len() as u64);
        inner.total = 0;
        (kept, dropped)
    }
}

/// Where a guest output stream goes on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostStream {
    /// Nowhere (only the tails).
    None,
    /// The host's stdout.
    Stdout,
    /// The host's stderr.
    Stderr,
}

/// A guest stdout/stderr: writes go to every tail and, optionally, to the host stream.
#[derive(Clone, Debug)]
pub struct GuestOutput {
    tails: Vec<OutputTail>,
    host: HostStream,
}

impl GuestOutput {
    /// An output writing to `tails` and forwarding to `host`.
    pub fn new(tails: Vec<OutputTail>, host: HostStream) -> Self {
        GuestOutput { tails, host }
    }

    fn write_all(&self, bytes: &[u8]) -> std::io::Result<()> {
        for tail in &self.tails {
            tail.push(bytes);
        }
        match self.host {
            HostStream::None => Ok(()),
            HostStream::Stdout => std::io::stdout().write_all(bytes),
            HostStream::Stderr => std::io::stderr().write_all(bytes),
        }
    }

    fn flush_host(&self) -> std::io::Result<()> {
        match self.host {
            HostStream::None => Ok(()),
            HostStream::Stdout => std::io::stdout().flush(),
            HostStream::Stderr => std::io::stderr().flush(),
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

fn stream_error(e: std::io::Error) -> wasmtime_wasi::p2::StreamError {
    wasmtime_wasi::p2::StreamError::LastOperationFailed(e.into())
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.write_all(&bytes).map_err(stream_error)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.flush_host().map_err(stream_error)
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.write_all(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.flush_host())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The guest's panic message in a piece of its stderr: from the last `panicked at` to the
/// end, without the `note: run with RUST_BACKTRACE` hint. `None` when it did not panic.
pub fn panic_message(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let at = text.rfind("panicked at ")?;
    let mut msg = text[at..].to_string();
    if let Some(note) = msg.find("\nnote: run with `RUST_BACKTRACE") {
        msg.truncate(note);
    }
    Some(msg.trim_end().to_string())
}

/// Output captured from one module (see [`crate::Marine::take_module_output`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapturedOutput {
    /// What the module wrote to stdout (the most recent bytes, up to the capture capacity).
    pub stdout: Vec<u8>,
    /// What the module wrote to stderr (likewise).
    pub stderr: Vec<u8>,
    /// Older stdout bytes dropped because the capacity was exceeded.
    pub stdout_dropped: u64,
    /// Older stderr bytes dropped.
    pub stderr_dropped: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_most_recent_bytes() {
        let t = OutputTail::new(4);
        t.push(b"ab");
        let mark = t.total_written();
        t.push(b"cdef");
        assert_eq!(t.since(mark), b"cdef");
        assert_eq!(t.since(0), b"cdef");
        t.push(b"0123456789");
        assert_eq!(t.since(mark), b"6789");
        assert_eq!(t.take(), (b"6789".to_vec(), 12));
        assert_eq!(t.total_written(), 0);
    }

    #[test]
    fn panic_message_is_extracted() {
        let err = b"noise\nthread '<unnamed>' panicked at src/main.rs:18:5:\nguest panicked: boom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            panic_message(err).unwrap(),
            "panicked at src/main.rs:18:5:\nguest panicked: boom"
        );
        assert_eq!(panic_message(b"just output"), None);
    }
}
