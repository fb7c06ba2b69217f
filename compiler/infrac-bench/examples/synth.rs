//! Writes a synthetic lab to stdout:
//! `cargo run -p infrac-bench --example synth -- HOSTS GUESTS_PER_HOST` (one network per
//! host), or `-- --standard GUESTS` (one host per 50 guests, one network per four hosts),
//! or `-- --misspelt GUESTS` (the standard lab with two misspelt attributes per guest),
//! or `-- --renamed GUESTS` (the standard lab with every host renamed, so no guest's host
//! is found), or `-- --misnamed GUESTS` (the standard lab with an `expect` line for every
//! fourth guest, naming it with a typo),
//! or `-- --rules N` / `-- --forwards N` / `-- --peers N` (the standard 1,000-guest lab
//! with N more firewall rules, port forwards or BGP peers),
//! or `-- --routed N` (N networks behind one NixOS router that serves them all),
//! or `-- --sites N` (N small sites, each with its own domain, network and router).

fn main() {
    let first = std::env::args().nth(1);
    if let Some(shape @ ("--routed" | "--sites")) = first.as_deref() {
        let n = std::env::args()
            .nth(2)
            .and_then(|g| g.parse().ok())
            .unwrap_or(1_000);
        if shape == "--routed" {
            print!("{}", infrac_bench::routed(n));
        } else {
            print!("{}", infrac_bench::sites(n));
        }
        return;
    }
    if let Some(shape @ ("--rules" | "--forwards" | "--peers")) = first.as_deref() {
        let n = std::env::args()
            .nth(2)
            .and_then(|g| g.parse().ok())
            .unwrap_or(1_000);
        let lab = infrac_bench::generate(infrac_bench::LabSize::standard(1_000));
        match shape {
            "--rules" => print!("{}", infrac_bench::with_rules(&lab, n)),
            "--peers" => print!("{}", infrac_bench::with_peers(&lab, n)),
            _ => print!("{}", infrac_bench::with_forwards(&lab, n)),
        }
        return;
    }
    if let Some(shape @ ("--standard" | "--misspelt" | "--renamed" | "--misnamed")) =
        first.as_deref()
    {
        let guests = std::env::args()
            .nth(2)
            .and_then(|g| g.parse().ok())
            .unwrap_or(10_000);
        let lab = infrac_bench::generate(infrac_bench::LabSize::standard(guests));
        match shape {
            "--misspelt" => print!("{}", infrac_bench::misspelt(&lab)),
            "--renamed" => print!("{}", infrac_bench::renamed_hosts(&lab)),
            "--misnamed" => print!("{}", infrac_bench::misnamed_endpoints(&lab, guests)),
            _ => print!("{lab}"),
        }
        return;
    }
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap_or(1));
    let hosts = args.next().unwrap_or(4);
    let guests_per_host = args.next().unwrap_or(25);
    print!(
        "{}",
        infrac_bench::generate(infrac_bench::LabSize::per_host(hosts, guests_per_host))
    );
}
