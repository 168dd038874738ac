//! Turning an archive writer into the request body: the archive is produced on its own
//! thread into a bounded channel, so only a few chunks are ever held in memory, and the
//! optional progress line counts what the request has taken.

use std::io::{self, IsTerminal, Write};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

/// Size of the chunks handed to the request.
const CHUNK_SIZE: usize = 256 * 1024;
/// Chunks waiting in the channel; with [`CHUNK_SIZE`] this bounds the buffered data to 2 MB.
const CHANNEL_CHUNKS: usize = 8;
/// How often the progress line is redrawn.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

/// Whether the context upload shows a progress line on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProgress {
    /// Nothing is printed.
    Hidden,
    /// One updating line with the bytes sent and the rate, then a final summary line.
    Line,
}

impl UploadProgress {
    /// [`UploadProgress::Line`] when stderr is a terminal, [`UploadProgress::Hidden`] otherwise.
    pub fn for_stderr() -> UploadProgress {
        if io::stderr().is_terminal() {
            UploadProgress::Line
        } else {
            UploadProgress::Hidden
        }
    }
}

/// The item type bollard's `body_try_stream` takes.
pub type Chunk = Result<Bytes, io::Error>;

/// Runs `produce` on a new thread and streams what it writes.
pub(crate) fn stream<F>(produce: F, progress: UploadProgress) -> UploadStream
where
    F: FnOnce(&mut dyn Write) -> io::Result<()> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel::<Chunk>(CHANNEL_CHUNKS);
    let failure_sender = sender.clone();
    let spawned = std::thread::Builder::new()
        .name("build-context".into())
        .spawn(move || {
            let mut writer = ChannelWriter {
                buffer: Vec::with_capacity(CHUNK_SIZE),
                sender,
            };
            if let Err(err) = produce(&mut writer).and_then(|()| writer.flush()) {
                // When the request is gone the receiver is too, and nobody needs the error.
                let _ = writer.sender.blocking_send(Err(err));
            }
        });
    if let Err(err) = spawned {
        // The channel is still empty, so this cannot be full.
        let _ = failure_sender.try_send(Err(err));
    }
    drop(failure_sender);
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    UploadStream {
        chunks: Box::pin(chunks),
        meter: (progress == UploadProgress::Line).then(Meter::new),
    }
}

/// A `Write` that cuts what it gets into chunks and sends them, waiting while the channel is full.
struct ChannelWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Chunk>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_SIZE),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the build request was closed"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK_SIZE - self.buffer.len();
        let taken = data.len().min(room);
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() == CHUNK_SIZE {
            self.send_buffer()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

/// The request body: the archive's chunks, counted for the progress line when it is shown.
pub struct UploadStream {
    chunks: Pin<Box<dyn Stream<Item = Chunk> + Send>>,
    meter: Option<Meter>,
}

impl Stream for UploadStream {
    type Item = Chunk;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        let this = self.get_mut();
        let polled = this.chunks.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(meter) = &mut this.meter {
                    meter.add(chunk.len());
                }
            }
            Poll::Ready(None) => {
                if let Some(meter) = this.meter.take() {
                    meter.finish();
                }
            }
            _ => {}
        }
        polled
    }
}

/// The progress line's state.
struct Meter {
    started: Instant,
    last_drawn: Option<Instant>,
    sent: u64,
}

impl Meter {
    fn new() -> Meter {
        Meter {
            started: Instant::now(),
            last_drawn: None,
            sent: 0,
        }
    }

    fn add(&mut self, bytes: usize) {
        self.sent += bytes as u64;
        let now = Instant::now();
        if self
            .last_drawn
            .is_none_or(|drawn| now.duration_since(drawn) >= REDRAW_INTERVAL)
        {
            self.last_drawn = Some(now);
            let rate = self.sent as f64 / now.duration_since(self.started).as_secs_f64().max(1e-3);
            eprint!(
                "\r\x1b[2KSending build context: {} ({}/s)",
                human_size(self.sent as f64),
                human_size(rate)
            );
        }
    }

    fn finish(self) {
        eprintln!(
            "\r\x1b[2KSent build context: {} in {:.1}s",
            human_size(self.sent as f64),
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Decimal units, as docker prints sizes: `512 B`, `12.3 MB`.
fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn sizes_use_decimal_units() {
        assert_eq!(human_size(512.0), "512 B");
        assert_eq!(human_size(12_300_000.0), "12.3 MB");
        assert_eq!(human_size(2_048.0), "2.0 kB");
    }

    #[test]
    fn the_stream_carries_everything_written_then_ends() {
        let data: Vec<u8> = (0..3 * CHUNK_SIZE + 17).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let body = stream(move |out| out.write_all(&data), UploadProgress::Hidden);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let chunks: Vec<Chunk> = runtime.block_on(body.collect());
        let received: Vec<u8> = chunks
            .into_iter()
            .flat_map(|chunk| chunk.unwrap().to_vec())
            .collect();
        assert_eq!(received, expected);
    }

    #[test]
    fn a_producer_error_ends_the_stream_with_that_error() {
        let body = stream(
            |out| {
                out.write_all(b"partial")?;
                Err(io::Error::other("ctx/file: permission denied"))
            },
            UploadProgress::Hidden,
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let chunks: Vec<Chunk> = runtime.block_on(body.collect());
        let last = chunks.last().unwrap().as_ref().unwrap_err();
        assert_eq!(last.to_string(), "ctx/file: permission denied");
    }
}
