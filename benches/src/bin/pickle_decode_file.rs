//! Decodes a pickle file a given number of times with amp-evennia's decoder:
//! a fixed amount of work for `valgrind --tool=callgrind`, whose instruction
//! counts stay the same on a busy machine (wall-clock timings do not).
//!
//! ```text
//! pickle_decode_file FILE N
//! ```
//!
//! The cost of one decode is the difference between the counts of two runs,
//! `N` and `0`, divided by `N` (reading the file and starting the process
//! cost the same in both):
//!
//! ```text
//! cargo build --profile bench -p amp-benches --bin pickle_decode_file
//! target/release/compressed_bench payload 1000000 /tmp/evennia-1mb.pickle
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/bench/pickle_decode_file /tmp/evennia-1mb.pickle 5
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/bench/pickle_decode_file /tmp/evennia-1mb.pickle 0
//! ```

use std::hint::black_box;
use std::process::ExitCode;

use amp_evennia::codec::pickle;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, n] = args.as_slice() else {
        eprintln!("usage: pickle_decode_file FILE N");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("N must be a count, not {n:?}");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("cannot read {file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for _ in 0..n {
        if let Err(e) = black_box(pickle::decode(black_box(&bytes))) {
            eprintln!("{file}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
