//! The Rust side of the Evennia Compressed benchmark (`benches/run-compressed.sh`).
//!
//! ```text
//! compressed_bench payload BYTES FILE
//!     Writes an Evennia-shaped pickle of about BYTES bytes to FILE:
//!     (1, {'text': [[<prose>], {'options': {}}], 'sessiondata': {1: {...}, ...}})
//!     half prose, half session dicts (many small values). Prints its size.
//! compressed_bench server MODE
//!     Listens on 127.0.0.1 (a free port), prints the port, answers
//!     MsgPortal2Server until stdin closes: decompresses the slices (MODE
//!     `compressed`), and unpickles the payload too as Evennia's Server does
//!     (MODE `pickled`), then answers {}.
//! compressed_bench client PORT FILE SECONDS MODE
//!     Calls MsgPortal2Server with the pickle in FILE as packed_data, one call
//!     at a time: each call compresses it (level 9, in slices, on the
//!     blocking pool and every core; MODE `pickled` pickles the decoded value
//!     again first, as a sender does), then waits for the answer. After one
//!     warm-up call, counts calls for SECONDS (at least 3) and prints
//!     {"calls": N, "seconds": S, "payload_bytes": B, "wire_bytes": W, "slices": K}.
//! compressed_bench local FILE
//!     The same work without a network: pickle + compress, decompress +
//!     unpickle, each timed (median of 5), and the serial compression for
//!     comparison. Prints JSON.
//! ```
//!
//! Arguments mirror `benches/twisted_compressed.py`, so any client runs
//! against any server.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use amp_evennia::codec::compressed::CompressedCodec;
use amp_evennia::codec::pickle;
use amp_evennia::commands::packed_data::{offload, PackedDataCodec};
use amp_evennia::commands::slices::{
    MsgPortal2ServerSlices, MsgPortal2ServerSlicesArguments, MsgPortal2ServerSlicesError,
    MsgPortal2ServerSlicesResponse,
};
use amp_evennia::Envelope;
use amp_runtime::{amp_protocol, ConnectionConfig, Context, Server};
use tokio::io::AsyncReadExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

amp_protocol! {
    /// What the benchmark server answers.
    Bench: MsgPortal2ServerSlices as msg_portal2_server
}

/// What each side does besides compressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The payload's bytes as they are: the Compressed argument alone.
    Compressed,
    /// Pickled by the sender and unpickled by the receiver, as Evennia does.
    Pickled,
}

impl std::str::FromStr for Mode {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "compressed" => Ok(Mode::Compressed),
            "pickled" => Ok(Mode::Pickled),
            _ => Err(()),
        }
    }
}

struct Handler {
    codec: PackedDataCodec,
    mode: Mode,
}

impl BenchHandler for Handler {
    async fn msg_portal2_server(
        &self,
        _cx: &Context,
        args: MsgPortal2ServerSlicesArguments,
    ) -> Result<MsgPortal2ServerSlicesResponse, MsgPortal2ServerSlicesError> {
        // As Evennia's Server: decompress, unpickle (MODE pickled), answer {}.
        let outcome = match self.mode {
            Mode::Compressed => self.codec.decompress(args.packed_data).await.map(drop),
            Mode::Pickled => self.codec.decode(args.packed_data, Envelope::from_pickle).await.map(drop),
        };
        outcome
            .map(|()| MsgPortal2ServerSlicesResponse {})
            .map_err(|e| MsgPortal2ServerSlicesError::Exception(e.to_string()))
    }
}

async fn serve(mode: Mode) -> Result<(), Error> {
    let handler = Handler { codec: PackedDataCodec::default(), mode };
    let server = Server::bind_local(0, BenchDispatcher::new(handler), ConnectionConfig::default()).await?;
    let port = server.tcp_addr().ok_or("no TCP address")?.port();
    println!("{port}");
    // Serve until stdin closes (the runner's way to stop us).
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    server.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

async fn client(port: u16, file: &str, seconds: f64, mode: Mode) -> Result<(), Error> {
    let bytes = std::fs::read(file)?;
    let raw = bytes::Bytes::from(bytes.clone());
    let value = Envelope::from_pickle(&bytes)?;
    let codec = PackedDataCodec::default();
    let conn =
        amp_runtime::client::connect_tcp(("127.0.0.1", port), amp_runtime::NoResponder, ConnectionConfig::default())
            .await?;
    // Shared, not cloned per call: a deep copy of the value would cost more
    // than pickling it.
    let value = std::sync::Arc::new(value.into_value());
    let call = || {
        let (conn, raw, value) = (conn.clone(), raw.clone(), value.clone());
        async move {
            // (Pickle and) compress, off the executor and on every core, then call.
            let t = Instant::now();
            let slices = match mode {
                Mode::Compressed => codec.compress(raw).await?,
                Mode::Pickled => {
                    let codec = codec.compression;
                    offload(true, move || -> Result<_, Error> {
                        Ok(codec.compress_slices_parallel(&pickle::encode(&value)?)?)
                    })
                    .await?
                }
            };
            let encoded = t.elapsed().as_secs_f64();
            let (wire, count) = (slices.compressed_len(), slices.len());
            conn.call::<MsgPortal2ServerSlices>(MsgPortal2ServerSlicesArguments { packed_data: slices }).await?;
            Ok::<_, Error>((wire, count, encoded, t.elapsed().as_secs_f64() - encoded))
        }
    };
    call().await?; // warm-up
    let start = Instant::now();
    let mut calls = 0u64;
    let mut last = (0, 0);
    let (mut encode, mut rest) = (Vec::new(), Vec::new());
    while calls < 3 || start.elapsed().as_secs_f64() < seconds {
        let (wire, count, encoded, answered) = call().await?;
        last = (wire, count);
        encode.push(encoded);
        rest.push(answered);
        calls += 1;
    }
    let took = start.elapsed().as_secs_f64();
    let payload_bytes = bytes.len();
    // encode_ms: (pickling and) compressing, median per call; answer_ms: from
    // then until the answer (send, the server's work, the answer).
    println!(
        "{}",
        serde_json::json!({"calls": calls, "seconds": took, "payload_bytes": payload_bytes, "wire_bytes": last.0,
            "slices": last.1, "encode_ms": median(encode) * 1e3, "answer_ms": median(rest) * 1e3})
    );
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn local(file: &str) -> Result<(), Error> {
    let bytes = std::fs::read(file)?;
    let value = Envelope::from_pickle(&bytes)?.into_value();
    let codec = CompressedCodec::DEFAULT;
    let slices = codec.compress_slices_parallel(&bytes)?;
    let report = serde_json::json!({
        "payload_bytes": bytes.len(),
        "pickle_encode": time(|| pickle::encode(&value).map(|v| v.len())),
        "pickle_decode": time(|| pickle::decode(&bytes).is_ok()),
        "compress_parallel": time(|| codec.compress_slices_parallel(&bytes).map(|s| s.len())),
        "compress_serial": time(|| codec.compress_slices(&bytes).map(|s| s.len())),
        "decompress": time(|| codec.decompress(&slices).map(|b| b.len())),
        "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    println!("{report}");
    Ok(())
}

fn usage() -> ExitCode {
    eprintln!("usage: compressed_bench payload BYTES FILE | server MODE | client PORT FILE SECONDS MODE | local FILE  (MODE: compressed|pickled)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let outcome = match args.as_slice() {
        ["payload", size, file] => {
            let Ok(size) = size.parse() else { return usage() };
            amp_benches::evennia_payload(size).map_err(Error::from).and_then(|p| {
                let bytes = p.to_pickle()?;
                std::fs::write(file, &bytes)?;
                println!("{}", bytes.len());
                Ok(())
            })
        }
        ["server", mode] => {
            let Ok(mode) = mode.parse() else { return usage() };
            runtime.block_on(serve(mode))
        }
        ["client", port, file, seconds, mode] => {
            let (Ok(port), Ok(seconds), Ok(mode)) = (port.parse(), seconds.parse(), mode.parse()) else {
                return usage();
            };
            runtime.block_on(client(port, file, seconds, mode))
        }
        ["local", file] => local(file),
        _ => return usage(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compressed_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
