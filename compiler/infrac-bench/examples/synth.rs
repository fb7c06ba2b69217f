//! Writes a synthetic lab to stdout: `cargo run -p infrac-bench --example synth -- HOSTS GUESTS_PER_HOST`.

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap_or(1));
    let hosts = args.next().unwrap_or(4);
    let guests_per_host = args.next().unwrap_or(25);
    print!(
        "{}",
        infrac_bench::generate(infrac_bench::LabSize {
            hosts,
            guests_per_host
        })
    );
}
