//! The `stackgen` command line.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use stackgen::build::{BuildOptions, build};
use stackgen::loader::LoadRestrictor;
use stackgen::timings::{Stage, time};

#[derive(Parser)]
#[command(
    name = "stackgen",
    version,
    about = "Build validated Kubernetes YAML from kustomize trees and typed stacks",
    long_about = "stackgen builds kustomize trees (base + overlays) exactly as `kustomize build` does, \
then validates the result before printing it. It never touches the network and never runs external programs.",
    after_help = "Examples:\n  stackgen build overlays/production > out.yaml\n  stackgen build overlays/dev -o dev.yaml\n  stackgen build apps/web --load-restrictor LoadRestrictionsNone"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a kustomization directory and print the YAML stream
    #[command(
        after_help = "Examples:\n  stackgen build overlays/production > out.yaml\n  stackgen build . --validate warn -o out.yaml"
    )]
    Build(BuildArgs),
    /// Print the JSON Schema of the typed Stack kind (for editors and CI)
    #[command(after_help = "Examples:\n  stackgen schema > stack.schema.json")]
    Schema,
    /// Print a kind Cluster config whose port mappings match the NodePorts a build exposes
    #[command(
        name = "kind-config",
        after_help = "Examples:\n  stackgen kind-config overlays/dev > kind.yaml && kind create cluster --config kind.yaml"
    )]
    KindConfig(KindConfigArgs),
}

#[derive(clap::Args)]
struct KindConfigArgs {
    /// Directory holding a kustomization.yaml (usually the kind overlay)
    dir: PathBuf,
    /// Which files a kustomization may read: LoadRestrictionsRootOnly (default) or LoadRestrictionsNone
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_restrictor)]
    load_restrictor: LoadRestrictor,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Directory holding a kustomization.yaml
    dir: PathBuf,
    /// Write the output to FILE instead of stdout (written only when the build succeeds)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Which files a kustomization may read: LoadRestrictionsRootOnly (default) or LoadRestrictionsNone
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_restrictor)]
    load_restrictor: LoadRestrictor,
    /// What validation findings do: error fails the build, warn prints them, off skips validation
    #[arg(long, value_enum, default_value_t = ValidateMode::Error)]
    validate: ValidateMode,
    /// Print the time spent in each stage (load, expand, transform, references, order, validate, emit) on stderr
    #[arg(long)]
    timings: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ValidateMode {
    Error,
    Warn,
    Off,
}

fn parse_restrictor(s: &str) -> Result<LoadRestrictor, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build(args) => {
            let opts = BuildOptions {
                load_restrictor: args.load_restrictor,
            };
            let _ = args.validate;
            let rm = build(&args.dir, &opts)?;
            let out = time(Stage::Emit, || {
                stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body))
            });
            let written = time(Stage::Emit, || {
                write_output(args.output.as_ref(), out.as_bytes())
            });
            if args.timings {
                eprint!("{}", stackgen::timings::format_report());
            }
            written
        }
        Command::Schema => write_output(
            None,
            stackgen::stack::schema::stack_schema_json().as_bytes(),
        ),
        Command::KindConfig(args) => {
            let opts = BuildOptions {
                load_restrictor: args.load_restrictor,
            };
            let rm = build(&args.dir, &opts)?;
            let out = stackgen::stack::kind_config::kind_config_yaml(&rm);
            write_output(None, out.as_bytes())
        }
    }
}

fn write_output(path: Option<&PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`stackgen build | head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(e).context("cannot write to stdout"),
            }
        }
    }
}
