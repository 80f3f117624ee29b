use std::process::ExitCode;

fn main() -> ExitCode {
    fenv::run(std::env::args_os())
}
