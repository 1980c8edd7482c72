use std::time::{Duration, Instant};
fn best<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX; let mut out = None;
    for _ in 0..n { let t = Instant::now(); let v = f(); best = best.min(t.elapsed()); out = Some(v); }
    (best, out.unwrap())
}
#[test]
fn perf() {
    let b = std::fs::read("/tmp/big.pickle").unwrap();
    let (d, v) = best(15, || amp_evennia::pickle::decode(&b).unwrap());
    let (e, out) = best(15, || amp_evennia::pickle::encode(&v).unwrap());
    eprintln!("{} bytes: decode {:?} ({:.0} MB/s), encode {:?} -> {} bytes", b.len(), d, b.len() as f64 / d.as_secs_f64() / 1e6, e, out.len());
}
