//! Profile reading throughput: a large generated `perf script` file and a
//! large folded file, each read and joined to a source tree (the hotness
//! index), against `inferno-collapse-perf` collapsing the same `perf script`
//! input in the same run.
//!
//! `cargo bench --bench profile`. Sizes: `WATTSON_BENCH_PROFILE_MB` (default
//! 512 per file, so 1 GB in all); rounds: `WATTSON_BENCH_RUNS` (default 3,
//! medians reported). inferno comes from `cargo install inferno`; without it
//! only wattson's numbers are printed. The generated files are kept in
//! `target/bench-profiles/` between runs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use wattson::files;
use wattson::lang::Lang;
use wattson::profile::source::SourceFunctions;
use wattson::profile::{self, HotnessIndex, ProfileFormat};

/// A small deterministic generator (xorshift64*): no dependency, same files
/// on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Symbols as perf prints them: the tree's own functions (Rust, with their
/// hash), C++ library templates, libc and kernel symbols, unknown frames.
fn symbol_pool(tree: &SourceFunctions, rng: &mut Rng) -> Vec<(String, &'static str)> {
    let mut pool: Vec<(String, &'static str)> = tree
        .functions
        .iter()
        .map(|f| {
            (
                format!("{}::h{:016x}", f.display_name(), rng.next()),
                "/usr/local/bin/wattson",
            )
        })
        .collect();
    let library = [
        ("std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        ("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_append(char const*, unsigned long)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        ("core::ptr::drop_in_place<alloc::vec::Vec<u8>>", "/usr/local/bin/wattson"),
        ("<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop", "/usr/local/bin/wattson"),
        ("alloc::raw_vec::RawVecInner<A>::reserve::do_reserve_and_handle", "/usr/local/bin/wattson"),
        ("__memmove_avx_unaligned_erms", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("_int_malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("_int_free", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("__libc_start_call_main", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        ("asm_exc_page_fault", "[kernel.kallsyms]"),
        ("clear_page_erms", "[kernel.kallsyms]"),
        ("[unknown]", "[unknown]"),
    ];
    for _ in 0..(pool.len() / 4).max(8) {
        let (s, d) = library[rng.below(library.len())];
        pool.push((s.to_string(), d));
    }
    pool
}

/// Distinct stacks (leaf first): random walks over the pool, weighted so a
/// few stacks are common and most are rare, as in real profiles.
fn stack_pool(symbols: usize, rng: &mut Rng, count: usize) -> Vec<Vec<usize>> {
    (0..count)
        .map(|_| {
            let depth = 6 + rng.below(30);
            (0..depth).map(|_| rng.below(symbols)).collect()
        })
        .collect()
}

fn write_perf(
    path: &Path,
    bytes: u64,
    symbols: &[(String, &str)],
    stacks: &[Vec<usize>],
    rng: &mut Rng,
) {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).expect("create perf file"));
    let mut written = 0u64;
    let mut time = 1000.0f64;
    let mut line = String::new();
    while written < bytes {
        // Zipf-like: squaring a uniform index favours the first stacks.
        let r = rng.below(stacks.len());
        let stack = &stacks[r * r / stacks.len()];
        time += 0.000_25;
        line.clear();
        line.push_str(&format!(
            "bench-prog 4242/4243 [001] {time:.6}:     250000 cpu-clock:ppp: \n"
        ));
        for &s in stack {
            let (sym, dso) = &symbols[s];
            line.push_str(&format!(
                "\t    {:x} {sym}+0x{:x} ({dso})\n",
                0x55d4_c3a0_0000u64 + rng.below(1 << 20) as u64,
                rng.below(4096)
            ));
        }
        line.push('\n');
        out.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
    }
    out.flush().expect("flush");
}

fn write_folded(path: &Path, bytes: u64, symbols: &[(String, &str)], rng: &mut Rng) {
    let mut out =
        BufWriter::with_capacity(1 << 20, File::create(path).expect("create folded file"));
    let mut written = 0u64;
    let mut line = String::new();
    while written < bytes {
        line.clear();
        let depth = 6 + rng.below(30);
        for i in 0..depth {
            if i > 0 {
                line.push(';');
            }
            line.push_str(&symbols[rng.below(symbols.len())].0);
        }
        line.push_str(&format!(" {}\n", 1 + rng.below(500)));
        out.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
    }
    out.flush().expect("flush");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn tree_functions(root: &Path) -> SourceFunctions {
    let files = files::discover(root, &[Lang::Rust, Lang::Cpp]).expect("the source tree");
    SourceFunctions::collect(&files, files::DEFAULT_MAX_FILE_SIZE).0
}

/// Read the profile and build the index; return seconds and the mapped share.
fn wattson_round(path: &Path, format: ProfileFormat, root: &Path) -> (f64, f64) {
    let started = Instant::now();
    let profile = profile::read(path, Some(format)).expect("the generated profile reads");
    let index = HotnessIndex::build(&profile, tree_functions(root));
    (started.elapsed().as_secs_f64(), index.mapped_percent())
}

fn inferno_round(path: &Path) -> Option<f64> {
    let started = Instant::now();
    let status = Command::new("inferno-collapse-perf")
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| started.elapsed().as_secs_f64())
}

fn main() {
    let mb: u64 = std::env::var("WATTSON_BENCH_PROFILE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let runs: usize = std::env::var("WATTSON_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("src");
    let dir = manifest.join("target/bench-profiles");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let perf_path = dir.join(format!("bench-{mb}mb.perf"));
    let folded_path = dir.join(format!("bench-{mb}mb.folded"));

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tree = tree_functions(&root);
    let symbols = symbol_pool(&tree, &mut rng);
    if !perf_path.exists() || !folded_path.exists() {
        eprintln!(
            "generating {mb} MB of perf script and {mb} MB of folded stacks in {}",
            dir.display()
        );
        let stacks = stack_pool(symbols.len(), &mut rng, 50_000);
        write_perf(&perf_path, mb << 20, &symbols, &stacks, &mut rng);
        write_folded(&folded_path, mb << 20, &symbols, &mut rng);
    }
    let size_mb =
        |p: &Path| std::fs::metadata(p).expect("generated file").len() as f64 / (1 << 20) as f64;
    let (perf_mb, folded_mb) = (size_mb(&perf_path), size_mb(&folded_path));
    println!(
        "profile bench: {perf_mb:.0} MB perf script + {folded_mb:.0} MB folded, {} functions in the tree, {runs} rounds (medians)",
        tree.functions.len()
    );

    let mut ours_perf = Vec::new();
    let mut ours_folded = Vec::new();
    let mut inferno = Vec::new();
    let mut mapped = (0.0, 0.0);
    for _ in 0..runs {
        // Interleaved, so drift on a noisy machine hits all three alike.
        let (t, m) = wattson_round(&perf_path, ProfileFormat::Perf, &root);
        ours_perf.push(t);
        mapped.0 = m;
        if let Some(t) = inferno_round(&perf_path) {
            inferno.push(t);
        }
        let (t, m) = wattson_round(&folded_path, ProfileFormat::Folded, &root);
        ours_folded.push(t);
        mapped.1 = m;
    }
    let ours_perf = median(ours_perf);
    let ours_folded = median(ours_folded);
    println!(
        "wattson perf script -> index: {ours_perf:.2} s, {:.0} MB/s ({:.1}% mapped)",
        perf_mb / ours_perf,
        mapped.0
    );
    println!(
        "wattson folded      -> index: {ours_folded:.2} s, {:.0} MB/s ({:.1}% mapped)",
        folded_mb / ours_folded,
        mapped.1
    );
    if inferno.is_empty() {
        println!("inferno-collapse-perf not found (cargo install inferno): no comparison");
    } else {
        let theirs = median(inferno);
        println!(
            "inferno-collapse-perf (collapse only): {theirs:.2} s, {:.0} MB/s",
            perf_mb / theirs
        );
        println!(
            "ratio: wattson is {:.2}x inferno's speed on the same perf script input",
            theirs / ours_perf
        );
    }
}
