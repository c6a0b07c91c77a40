//! The `wattson` binary: parse the command line, run it
//! ([`wattson::app::cli`]), and map an error to exit status 2 with its
//! reason on stderr.

use std::process::ExitCode;

use clap::Parser;

use wattson::app::cli::{self, Cli};

/// mimalloc for Rust's allocations and tree-sitter's: parsing a large tree
/// is allocation-heavy, and glibc's malloc cost about 7% of a C++ scan.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wattson::lang::use_fast_allocator();
    let args = Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("wattson: error: {err}");
            ExitCode::from(2)
        }
    }
}
