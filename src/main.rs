//! The `stackgen` command line.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use stackgen::build::{BuildOptions, build};
use stackgen::loader::LoadRestrictor;
use stackgen::validate;

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
    /// Validate kustomization directories, built YAML streams or raw manifests
    #[command(
        after_help = "Each PATH is a kustomization directory (built first), a YAML file (a built stream or raw\nmanifests) or a directory of manifests. Exits 1 when there are errors or warnings (see --fail-on).\n\nExamples:\n  stackgen validate overlays/production\n  stackgen validate out.yaml --format sarif > stackgen.sarif\n  stackgen validate k8s/ --env dev --kube-version 1.29"
    )]
    Validate(ValidateArgs),
    /// List every validation rule with its code, severities and an example
    Rules(RulesArgs),
}

#[derive(clap::Args)]
struct CommonValidation {
    /// Kubernetes version to validate against (default 1.33; env KUBE_VERSION)
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// Environment whose rule severities apply: default, production, staging, dev or one from
    /// stackgen.yaml (env STACKGEN_ENV)
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Validation settings file (default: stackgen.yaml beside the input or at the repository root)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Kustomization directories, YAML files or directories of manifests
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,
    /// Exit non-zero on: warning (errors or warnings, the default), error, or never
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Which files a kustomization may read
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_restrictor)]
    load_restrictor: LoadRestrictor,
    #[command(flatten)]
    common: CommonValidation,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// text or markdown (the latter is docs/rules.md)
    #[arg(long, default_value = "text")]
    format: String,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Warning,
    Error,
    Never,
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
    #[command(flatten)]
    common: CommonValidation,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ValidateMode {
    Error,
    Warn,
    Off,
}

/// Most warnings `build` prints (errors are always all printed).
const MAX_BUILD_WARNINGS: usize = 50;

fn parse_restrictor(s: &str) -> Result<LoadRestrictor, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Quiet>() => ExitCode::from(1),
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
            let rm = build(&args.dir, &opts)?;
            if args.validate != ValidateMode::Off {
                let vopts = validation_options(&args.common, &args.dir)?;
                let report = validate::validate(&rm, &vopts);
                let downgrade = args.validate == ValidateMode::Warn;
                let mut shown = report.clone();
                shown
                    .diagnostics
                    .retain(|d| d.severity >= validate::Severity::Warning);
                shown.skipped.clear();
                // Every error, but not thousands of warnings on a big tree.
                let mut warnings = 0usize;
                let total_warnings = shown.warnings();
                shown.diagnostics.retain(|d| {
                    d.severity == validate::Severity::Error || {
                        warnings += 1;
                        warnings <= MAX_BUILD_WARNINGS
                    }
                });
                if !shown.diagnostics.is_empty() {
                    eprint!("{}", validate::output::human(&shown, downgrade, false));
                }
                if total_warnings > MAX_BUILD_WARNINGS {
                    eprintln!(
                        "warning: {} more warning(s) not shown; `stackgen validate {}` lists them all",
                        total_warnings - MAX_BUILD_WARNINGS,
                        args.dir.display()
                    );
                }
                if !downgrade && report.errors() > 0 {
                    anyhow::bail!(
                        "validation failed with {} error(s); nothing was written (use --validate=warn to build anyway)",
                        report.errors()
                    );
                }
            }
            let out = stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body));
            write_output(args.output.as_ref(), out.as_bytes())
        }
        Command::Validate(args) => run_validate(args),
        Command::Rules(args) => {
            let md = match args.format.as_str() {
                "markdown" | "md" => true,
                "text" | "human" => false,
                other => anyhow::bail!("unknown format {other:?}: use text or markdown"),
            };
            write_output(None, validate::output::rules_doc(md).as_bytes())
        }
    }
}

/// Validation settings from flags, environment variables and stackgen.yaml, in that order.
fn validation_options(
    common: &CommonValidation,
    input: &std::path::Path,
) -> anyhow::Result<validate::Options> {
    let config = match &common.config {
        Some(p) => validate::Config::read(p)?,
        None => validate::Config::discover(input)?,
    };
    let env = common
        .env
        .clone()
        .or_else(|| std::env::var("STACKGEN_ENV").ok().filter(|s| !s.is_empty()));
    let policy = config.policy(env.as_deref())?;
    let kv = common
        .kube_version
        .clone()
        .or_else(|| std::env::var("KUBE_VERSION").ok().filter(|s| !s.is_empty()))
        .or_else(|| config.kube_version.clone());
    let kube_version = match kv {
        Some(v) => v.parse().map_err(|e: String| anyhow::anyhow!(e))?,
        None => validate::KubeVersion::default(),
    };
    Ok(validate::Options {
        kube_version,
        policy,
    })
}

fn run_validate(args: ValidateArgs) -> anyhow::Result<()> {
    let mut all = validate::Report::default();
    let mut failures = 0usize;
    for path in &args.paths {
        let vopts = validation_options(&args.common, path)?;
        let t0 = std::time::Instant::now();
        match load_for_validation(path, args.load_restrictor) {
            Ok(rm) => {
                let t1 = std::time::Instant::now();
                let r = validate::validate(&rm, &vopts);
                if std::env::var_os("STACKGEN_TIMING").is_some() {
                    eprintln!(
                        "timing: load {:?}, validate {:?} ({} objects)",
                        t1 - t0,
                        t1.elapsed(),
                        rm.len()
                    );
                }
                all.diagnostics.extend(r.diagnostics);
                for k in r.skipped {
                    match all
                        .skipped
                        .iter_mut()
                        .find(|x| x.api_version == k.api_version && x.kind == k.kind)
                    {
                        Some(x) => x.count += k.count,
                        None => all.skipped.push(k),
                    }
                }
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    let text = match args.format {
        OutFormat::Human => validate::output::human(&all, false, true),
        OutFormat::Json => validate::output::json(&all),
        OutFormat::Sarif => validate::output::sarif(&all),
    };
    write_output(None, text.as_bytes())?;
    let failed = failures > 0
        || match args.fail_on {
            FailOn::Warning => all.errors() + all.warnings() > 0,
            FailOn::Error => all.errors() > 0,
            FailOn::Never => false,
        };
    if failed {
        return Err(anyhow::anyhow!(Quiet));
    }
    Ok(())
}

/// An error already reported.
#[derive(Debug)]
struct Quiet;

impl std::fmt::Display for Quiet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("validation found problems")
    }
}

impl std::error::Error for Quiet {}

/// A kustomization directory is built; a file or a directory of manifests is read as is.
fn load_for_validation(
    path: &std::path::Path,
    restrictor: LoadRestrictor,
) -> anyhow::Result<stackgen::resmap::ResMap> {
    use stackgen::build::files::{display_path, resources_from_bytes};
    if path.is_dir() {
        let is_kust = stackgen::build::KUSTOMIZATION_FILE_NAMES
            .iter()
            .any(|n| path.join(n).is_file());
        if is_kust {
            let opts = BuildOptions {
                load_restrictor: restrictor,
            };
            return Ok(build(path, &opts)?);
        }
        let mut files = Vec::new();
        collect_manifests(path, &mut files, 0)?;
        files.sort();
        let mut rm = stackgen::resmap::ResMap::new();
        for f in files {
            let bytes =
                std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
            let shown = std::sync::Arc::new(display_path(&f));
            let more = resources_from_bytes(&bytes, shown)?;
            rm.as_mut_vec().extend(more.into_vec());
        }
        return Ok(rm);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(resources_from_bytes(
        &bytes,
        std::sync::Arc::new(path.to_path_buf()),
    )?)
}

fn collect_manifests(
    dir: &std::path::Path,
    out: &mut Vec<PathBuf>,
    depth: usize,
) -> anyhow::Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let rd = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect_manifests(&p, out, depth + 1)?;
        } else if ft.is_file()
            && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            && !stackgen::validate::config::CONFIG_FILE_NAMES.contains(&name.as_str())
        {
            out.push(p);
        }
    }
    Ok(())
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
