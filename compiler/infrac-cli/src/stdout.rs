//! Writing to standard output. `print!` panics when the reader has gone
//! (`infrac check lab.infra --format json | head`), with a backtrace; these end the
//! program quietly instead, with status 2 (what could not be written), so a pipeline
//! under `set -o pipefail` still sees that the output was cut short.

use std::io::Write;

/// Writes `args` to standard output; when that fails, ends the program.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        // The reader closed the pipe: it has what it wanted, and nothing needs saying.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(2);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// `print!` that ends the program quietly when standard output is closed.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

/// `println!` that ends the program quietly when standard output is closed.
macro_rules! outln {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
