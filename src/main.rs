//! The `stackgen` command line.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use stackgen::argocd::PluginEnv;
use stackgen::argocd::apps::AppsOptions;
use stackgen::argocd::plugin::PluginOptions;
use stackgen::build::{BuildOptions, build};
use stackgen::graph::GraphFormat;
use stackgen::loader::LoadRestrictor;
use stackgen::output::Format;
use stackgen::resmap::ResMap;
use stackgen::template::TemplateVars;
use stackgen::timings::{Stage, time};
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
        after_help = "Examples:\n  stackgen build overlays/production > out.yaml\n  stackgen build . --validate warn -o out.yaml\n  stackgen build overlays/production --order dependency --sync-waves\n  stackgen build overlays/dev --var BRANCH=feat-x --output-dir rendered/dev"
    )]
    Build(BuildArgs),
    /// Argo CD: the config management plugin, plugin mode, Applications
    #[command(subcommand)]
    Argocd(ArgocdCommand),
    /// Compare builds with committed goldens (exit 1 on drift, with a per-object diff)
    #[command(
        after_help = "Examples:\n  stackgen diff overlays/production golden/production.yaml\n  stackgen diff --golden golden/ overlays/"
    )]
    Diff(DiffArgs),
    /// Check or refresh the goldens of every overlay (golden/<overlay>.yaml)
    #[command(
        after_help = "Examples:\n  stackgen golden --update --golden golden/ overlays/\n  stackgen golden --golden golden/ overlays/   # check only"
    )]
    Golden(GoldenArgs),
    /// Print the dependency graph of a build (Mermaid or DOT)
    #[command(
        after_help = "Examples:\n  stackgen graph overlays/production\n  stackgen graph overlays/production --format dot | dot -Tsvg > graph.svg"
    )]
    Graph(GraphArgs),
    /// Print the JSON Schema of the typed Stack kind (for editors and CI)
    #[command(after_help = "Examples:\n  stackgen schema > stack.schema.json")]
    Schema,
    /// Print a kind Cluster config whose port mappings match the NodePorts a build exposes
    #[command(
        name = "kind-config",
        after_help = "Examples:\n  stackgen kind-config overlays/dev > kind.yaml && kind create cluster --config kind.yaml"
    )]
    KindConfig(KindConfigArgs),
    /// Validate kustomization directories, built YAML streams or raw manifests
    #[command(
        after_help = "Each PATH is a kustomization directory (built first), a YAML file (a built stream or raw\nmanifests) or a directory of manifests. Exits 1 when there are errors or warnings (see --fail-on).\n\nExamples:\n  stackgen validate overlays/production\n  stackgen validate out.yaml --format sarif > stackgen.sarif\n  stackgen validate k8s/ --env dev --kube-version 1.29"
    )]
    Validate(ValidateArgs),
    /// List every validation rule with its code, severities and an example
    Rules(RulesArgs),
    /// Turn another tool's description of an application into a starting Stack
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A Docker Compose file: the Stack on stdout, what could not be mapped on stderr
    #[command(
        after_help = "Reads only FILE: it never builds, fetches or runs anything, nor reads the env files, secret\nfiles or build contexts it names. Credentials in the environment become Secret references\n(their values are not copied). See docs/import-compose.md.\n\nExamples:\n  stackgen import compose docker-compose.yml > base/stack.yaml\n  stackgen import compose compose.yaml --name shop"
    )]
    Compose {
        /// The Compose file
        file: PathBuf,
        /// Name of the stack (default: the file's `name`, else its directory's name)
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum ArgocdCommand {
    /// Print the sidecar plugin's plugin.yaml (ConfigManagementPlugin)
    Plugin(PluginArgs),
    /// Plugin `init`: check the application directory (run by Argo CD)
    Init {
        /// Application directory (Argo CD runs the plugin in it)
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Plugin `generate`: build the application directory with Argo CD's environment (run by Argo CD)
    Generate(GenerateArgs),
    /// Print an Argo CD Application per overlay (or one ApplicationSet)
    Apps(AppsArgs),
}

#[derive(clap::Args, Clone)]
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

#[derive(clap::Args, Clone)]
struct BuildFlags {
    /// Which files a kustomization may read: LoadRestrictionsRootOnly (default) or LoadRestrictionsNone
    #[arg(long, value_name = "RESTRICTOR", default_value = "LoadRestrictionsRootOnly", value_parser = parse_restrictor)]
    load_restrictor: LoadRestrictor,
    /// What validation findings do: error fails the build, warn prints them, off skips validation
    #[arg(long, value_enum, default_value_t = ValidateMode::Error)]
    validate: ValidateMode,
    #[command(flatten)]
    validation: CommonValidation,
    /// Template variable for {{ vars.NAME }} in Stack and kustomization files (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// YAML mapping of template variables (read before --var)
    #[arg(long, value_name = "FILE")]
    vars_file: Vec<PathBuf>,
    /// Object order: kustomize's (default) or dependency (namespaces, CRDs, RBAC, config, storage, data layer first)
    #[arg(long, value_enum, default_value_t = OrderMode::Kustomize)]
    order: OrderMode,
    /// Annotate objects with argocd.argoproj.io/sync-wave from the dependency order; turn stackgen.dev/hook into Argo CD hooks
    #[arg(long)]
    sync_waves: bool,
}

#[derive(clap::Args, Clone)]
struct OutputFlags {
    /// Write the output to FILE instead of stdout (written only when the build succeeds)
    #[arg(short, long, value_name = "FILE", conflicts_with = "output_dir")]
    output: Option<PathBuf>,
    /// Write one file per object: DIR/<namespace>/<kind>-<name>.yaml (cluster-scoped under _cluster/)
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// With --output-dir: delete files the build no longer produces (otherwise they are reported)
    #[arg(long, requires = "output_dir")]
    prune: bool,
    /// Output format: yaml (kustomize's stream) or json (a v1 List; one object per file with --output-dir)
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    format: FormatArg,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Directory holding a kustomization.yaml
    dir: PathBuf,
    #[command(flatten)]
    flags: BuildFlags,
    #[command(flatten)]
    out: OutputFlags,
    /// Print the time spent in each stage (load, expand, transform, references, order, validate, emit) on stderr
    #[arg(long)]
    timings: bool,
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Application directory
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    flags: BuildFlags,
    #[command(flatten)]
    out: OutputFlags,
    /// Accept an empty result (Argo CD would prune everything the application owns)
    #[arg(long)]
    allow_empty: bool,
}

#[derive(clap::Args)]
struct PluginArgs {
    /// Print the ConfigMap and argocd-repo-server patch that install the plugin sidecar instead
    #[arg(long)]
    sidecar_patch: bool,
    /// The stackgen executable inside the sidecar image
    #[arg(long, default_value = "stackgen")]
    binary: String,
    /// Sidecar image (with --sidecar-patch)
    #[arg(long)]
    image: Option<String>,
    /// Argo CD's namespace (with --sidecar-patch)
    #[arg(long, default_value = "argocd")]
    namespace: String,
}

#[derive(clap::Args)]
struct AppsArgs {
    /// Directory of overlays, relative to the repository root (one Application per subdirectory)
    overlays: PathBuf,
    /// The Git repository Argo CD reads
    #[arg(long)]
    repo_url: String,
    #[arg(long, default_value = "HEAD")]
    revision: String,
    #[arg(long, default_value = "default")]
    project: String,
    /// Namespace of the Application objects
    #[arg(long, default_value = "argocd")]
    namespace: String,
    #[arg(long, default_value = "https://kubernetes.default.svc")]
    dest_server: String,
    /// Prefix of the Application names
    #[arg(long, default_value = "")]
    name_prefix: String,
    /// Plugin env entry for every Application (seen by templates as vars.NAME; repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_var)]
    env: Vec<(String, String)>,
    /// Enable automated sync with prune and self-heal
    #[arg(long)]
    auto_sync: bool,
    /// One ApplicationSet (git directory generator) instead of one Application per overlay
    #[arg(long)]
    applicationset: bool,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// A kustomization directory, or with --golden the directory of overlays
    dir: PathBuf,
    /// Golden file (YAML stream) or directory written by --output-dir
    #[arg(required_unless_present = "golden")]
    golden_file: Option<PathBuf>,
    /// Check every overlay under DIR against GOLDEN/<overlay>.yaml (or GOLDEN/<overlay>/)
    #[arg(long, value_name = "GOLDEN", conflicts_with = "golden_file")]
    golden: Option<PathBuf>,
    #[command(flatten)]
    flags: BuildFlags,
    /// Format of golden directories
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    format: FormatArg,
}

#[derive(clap::Args)]
struct GoldenArgs {
    /// Directory of overlays
    overlays: PathBuf,
    /// Directory of goldens
    #[arg(long, value_name = "GOLDEN", default_value = "golden")]
    golden: PathBuf,
    /// Rewrite the goldens from the current build instead of checking them
    #[arg(long)]
    update: bool,
    #[command(flatten)]
    flags: BuildFlags,
}

#[derive(clap::Args)]
struct KindConfigArgs {
    /// Directory holding a kustomization.yaml (usually the kind overlay)
    dir: PathBuf,
    #[command(flatten)]
    flags: BuildFlags,
}

#[derive(clap::Args)]
struct GraphArgs {
    /// Directory holding a kustomization.yaml
    dir: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Mermaid)]
    format: GraphFormatArg,
    #[command(flatten)]
    flags: BuildFlags,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ValidateMode {
    Error,
    Warn,
    Off,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OrderMode {
    Kustomize,
    Dependency,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FormatArg {
    Yaml,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum GraphFormatArg {
    Mermaid,
    Dot,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Json => Format::Json,
        }
    }
}

fn parse_restrictor(s: &str) -> Result<LoadRestrictor, String> {
    s.parse()
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    TemplateVars::parse_assignment(s)
}

fn main() -> ExitCode {
    // Linux runs them from `.init_array`, before the runtime's first allocation.
    #[cfg(not(target_os = "linux"))]
    process_settings();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Builds `dir` through the whole pipeline: templating, kustomize's build, the opt-in
/// order, sync waves, the plugin-mode checks. Notes for stderr are returned.
fn build_pipeline(
    dir: &Path,
    flags: &BuildFlags,
    plugin: Option<&PluginEnv>,
) -> anyhow::Result<(ResMap, Vec<String>)> {
    let mut vars = TemplateVars::default();
    for f in &flags.vars_file {
        vars.read_vars_file(f)?;
    }
    vars.vars.extend(flags.vars.iter().cloned());
    if let Some(p) = plugin {
        vars.vars.extend(p.vars.clone());
        vars.app = p.app.clone();
    }
    let opts = BuildOptions {
        load_restrictor: flags.load_restrictor,
        template_vars: Arc::new(vars),
    };
    let mut rm = build(dir, &opts)?;
    let mut notes = Vec::new();
    time(Stage::Order, || -> stackgen::Result<()> {
        if flags.order == OrderMode::Dependency {
            stackgen::order::order_by_dependency(&mut rm)?;
        }
        if flags.sync_waves {
            notes.extend(stackgen::order::apply_sync_waves(&mut rm)?);
        }
        Ok(())
    })?;
    // Validation of the final objects (schema, references, policy); in plugin mode it
    // targets Argo CD's `KUBE_VERSION` unless --kube-version says otherwise.
    if flags.validate != ValidateMode::Off {
        let mut common = flags.validation.clone();
        if common.kube_version.is_none() {
            common.kube_version = plugin.and_then(|p| p.kube_version.clone());
        }
        let vopts = validation_options(&common, dir)?;
        let report = time(Stage::Validate, || validate::validate(&rm, &vopts));
        report_build_findings(&report, flags.validate == ValidateMode::Warn, dir)?;
    }
    if let Some(api) = plugin.and_then(|p| p.api_versions.as_ref()) {
        api.check(&rm)?;
    }
    Ok((rm, notes))
}

fn emit(rm: &ResMap, out: &OutputFlags) -> anyhow::Result<()> {
    let format = Format::from(out.format);
    if let Some(dir) = &out.output_dir {
        let report = stackgen::output::write_dir(rm, dir, format, out.prune)?;
        eprintln!(
            "{}: {} file(s) written, {} unchanged{}",
            dir.display(),
            report.written.len(),
            report.unchanged.len(),
            if report.removed.is_empty() {
                String::new()
            } else {
                format!(", {} stale removed", report.removed.len())
            }
        );
        for s in &report.stale {
            eprintln!(
                "stale: {} (not produced by this build; remove it or use --prune)",
                dir.join(s).display()
            );
        }
        return Ok(());
    }
    if format == Format::Yaml {
        // Streamed: a large build is never held as one string.
        return write_with(out.output.as_ref(), |w| stackgen::output::write_yaml(rm, w));
    }
    let text = stackgen::output::render(rm, format)?;
    write_output(out.output.as_ref(), text.as_bytes())
}

/// [`write_output`] for a writer callback that writes large pieces (so the writer is not
/// buffered). Rendering cannot fail, so only an I/O error can stop the stream part way.
fn write_with(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            let mut file = std::fs::File::create(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f(&mut file)
                .and_then(|_| file.flush())
                .with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            // Stdout's own line buffer passes pieces that end in a line break straight
            // through.
            let mut w = std::io::stdout().lock();
            match f(&mut w).and_then(|_| w.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(e).context("cannot write to stdout"),
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build(args) => {
            let (rm, notes) = build_pipeline(&args.dir, &args.flags, None)?;
            for n in notes {
                eprintln!("{n}");
            }
            time(Stage::Emit, || emit(&rm, &args.out))?;
            if args.timings {
                eprint!("{}", stackgen::timings::format_report());
            }
            // The process ends here: freeing tens of thousands of objects one by one would
            // cost a tenth of a large build for nothing.
            std::mem::forget(rm);
        }
        Command::Argocd(ArgocdCommand::Plugin(a)) => {
            let mut o = PluginOptions {
                binary: a.binary,
                namespace: a.namespace,
                ..PluginOptions::default()
            };
            if let Some(i) = a.image {
                o.image = i;
            }
            let text = if a.sidecar_patch {
                stackgen::argocd::plugin::sidecar_patch(&o)
            } else {
                stackgen::argocd::plugin::plugin_yaml(&o)
            };
            write_output(None, text.as_bytes())?;
        }
        Command::Argocd(ArgocdCommand::Init { dir }) => {
            let found = stackgen::build::KUSTOMIZATION_FILE_NAMES
                .iter()
                .any(|n| dir.join(n).is_file());
            if !found {
                anyhow::bail!(
                    "{}: no kustomization file here: the stackgen plugin builds a kustomization directory",
                    dir.display()
                );
            }
            // Reject a malformed environment early, before generate.
            PluginEnv::from_process()?;
        }
        Command::Argocd(ArgocdCommand::Generate(mut args)) => {
            let env = PluginEnv::from_process()?;
            if let Some(o) = env.str_option("ORDER") {
                args.flags.order = OrderMode::from_str(o, true).map_err(|_| {
                    anyhow::anyhow!(
                        "parameter order (PARAM_ORDER) must be kustomize or dependency, not {o:?}"
                    )
                })?;
            }
            if let Some(v) = env.str_option("VALIDATE") {
                args.flags.validate = ValidateMode::from_str(v, true).map_err(|_| {
                    anyhow::anyhow!(
                        "parameter validate (PARAM_VALIDATE) must be error, warn or off, not {v:?}"
                    )
                })?;
            }
            if let Some(b) = env.bool_option("SYNC_WAVES")? {
                args.flags.sync_waves = b;
            }
            let allow_empty = env.bool_option("ALLOW_EMPTY")?.unwrap_or(args.allow_empty);
            let (rm, notes) = build_pipeline(&args.dir, &args.flags, Some(&env))?;
            if rm.is_empty() && !allow_empty {
                anyhow::bail!(
                    "{}: the build is empty; Argo CD would delete everything this application owns (pass --allow-empty or set parameter allow-empty=true if that is intended)",
                    args.dir.display()
                );
            }
            for n in notes {
                eprintln!("{n}");
            }
            emit(&rm, &args.out)?;
        }
        Command::Argocd(ArgocdCommand::Apps(a)) => {
            let o = AppsOptions {
                overlays: a.overlays,
                repo_url: a.repo_url,
                revision: a.revision,
                project: a.project,
                argocd_namespace: a.namespace,
                dest_server: a.dest_server,
                name_prefix: a.name_prefix,
                env: a.env,
                auto_sync: a.auto_sync,
                application_set: a.applicationset,
            };
            let (docs, warnings) = stackgen::argocd::apps::generate(&o)?;
            for w in warnings {
                eprintln!("{w}");
            }
            let text = stackgen::yaml::emit_stream(docs.iter());
            write_output(None, text.as_bytes())?;
        }
        Command::Validate(args) => return run_validate(args),
        Command::Import(ImportCommand::Compose { file, name }) => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let shown = file.display().to_string();
            let imported = stackgen::import::compose::import(&bytes, &shown, name.as_deref())?;
            eprint!("{}", stackgen::import::report(&shown, &imported.findings));
            write_output(
                None,
                stackgen::import::compose::render(&imported, &shown).as_bytes(),
            )?;
        }
        Command::Rules(args) => {
            let md = match args.format.as_str() {
                "markdown" | "md" => true,
                "text" | "human" => false,
                other => anyhow::bail!("unknown format {other:?}: use text or markdown"),
            };
            write_output(None, validate::output::rules_doc(md).as_bytes())?;
        }
        Command::Diff(a) => {
            let drift = match (&a.golden, &a.golden_file) {
                (Some(golden), _) => diff_overlays(&a.dir, golden, &a.flags, a.format.into())?,
                (None, Some(g)) => diff_one(&a.dir, g, &a.flags, a.format.into())?,
                (None, None) => anyhow::bail!("give a golden file or --golden DIR"),
            };
            if drift {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Golden(a) => {
            if !a.update {
                if diff_overlays(&a.overlays, &a.golden, &a.flags, Format::Yaml)? {
                    return Ok(ExitCode::from(1));
                }
                return Ok(ExitCode::SUCCESS);
            }
            let overlays = stackgen::argocd::apps::find_overlays(&a.overlays)?;
            // Build everything first: goldens are written only when every overlay builds.
            let mut outputs = Vec::new();
            for ov in &overlays {
                let (rm, _) = build_pipeline(&a.overlays.join(&ov.name), &a.flags, None)?;
                outputs.push((
                    ov.name.clone(),
                    stackgen::output::render(&rm, Format::Yaml)?,
                ));
            }
            std::fs::create_dir_all(&a.golden)
                .with_context(|| format!("cannot create {}", a.golden.display()))?;
            for (name, text) in outputs {
                let p = a.golden.join(format!("{name}.yaml"));
                let same = std::fs::read(&p).is_ok_and(|old| old == text.as_bytes());
                if !same {
                    std::fs::write(&p, text.as_bytes())
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    eprintln!("updated {}", p.display());
                } else {
                    eprintln!("unchanged {}", p.display());
                }
            }
        }
        Command::Schema => {
            write_output(
                None,
                stackgen::stack::schema::stack_schema_json().as_bytes(),
            )?;
        }
        Command::KindConfig(a) => {
            let (rm, _) = build_pipeline(&a.dir, &a.flags, None)?;
            let out = stackgen::stack::kind_config::kind_config_yaml(&rm);
            write_output(None, out.as_bytes())?;
        }
        Command::Graph(a) => {
            let (rm, _) = build_pipeline(&a.dir, &a.flags, None)?;
            let f = match a.format {
                GraphFormatArg::Mermaid => GraphFormat::Mermaid,
                GraphFormatArg::Dot => GraphFormat::Dot,
            };
            write_output(None, stackgen::graph::render(&rm, f).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Compares one build with its golden; prints the drift. Returns whether there is drift.
fn diff_one(dir: &Path, golden: &Path, flags: &BuildFlags, format: Format) -> anyhow::Result<bool> {
    let (rm, _) = build_pipeline(dir, flags, None)?;
    let drift = if golden.is_dir() {
        stackgen::diff::diff_dir(&rm, golden, format)?
    } else {
        let text = stackgen::output::render(&rm, Format::Yaml)?;
        match std::fs::read(golden) {
            Ok(g) => stackgen::diff::diff_streams(
                &text,
                &String::from_utf8_lossy(&g),
                &golden.display().to_string(),
            ),
            Err(_) => Some(format!(
                "{} is missing: create it with `stackgen golden --update`\n",
                golden.display()
            )),
        }
    };
    match drift {
        None => {
            eprintln!("ok: {} matches {}", dir.display(), golden.display());
            Ok(false)
        }
        Some(d) => {
            say(&format!(
                "drift: {} differs from {}\n",
                dir.display(),
                golden.display()
            ));
            say(&d);
            Ok(true)
        }
    }
}

/// Checks every overlay under `overlays` against `golden`. Build failures count as drift
/// and are reported, so one broken overlay does not hide the others.
fn diff_overlays(
    overlays: &Path,
    golden: &Path,
    flags: &BuildFlags,
    format: Format,
) -> anyhow::Result<bool> {
    let list = stackgen::argocd::apps::find_overlays(overlays)?;
    let mut drift = false;
    for ov in list {
        let dir = overlays.join(&ov.name);
        let g = stackgen::diff::golden_path(golden, &ov.name);
        match diff_one(&dir, &g, flags, format) {
            Ok(d) => drift |= d,
            Err(e) => {
                say(&format!("error: {}: {e:#}\n", dir.display()));
                drift = true;
            }
        }
    }
    if drift {
        say(&format!(
            "golden check failed: review the diff, then run `stackgen golden --update --golden {} {}` if the change is intended\n",
            golden.display(),
            overlays.display()
        ));
    }
    Ok(drift)
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

fn run_validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
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
                all.excepted.extend(r.excepted);
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
    all.locate();
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
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

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
                ..BuildOptions::default()
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

/// Prints a build's findings on stderr (every error, at most `MAX_BUILD_WARNINGS`
/// warnings) and fails on errors unless `downgrade` (`--validate=warn`).
fn report_build_findings(
    report: &validate::Report,
    downgrade: bool,
    dir: &Path,
) -> anyhow::Result<()> {
    // Only what is shown is copied: a large build has hundreds of findings, and the
    // copies are made on the main thread.
    let total_warnings = report.warnings();
    let mut warnings = 0usize;
    let mut shown = validate::Report {
        diagnostics: report
            .diagnostics
            .iter()
            .filter(|d| match d.severity {
                validate::Severity::Error => true,
                validate::Severity::Warning => {
                    warnings += 1;
                    warnings <= MAX_BUILD_WARNINGS
                }
                _ => false,
            })
            .cloned()
            .collect(),
        excepted: report.excepted.clone(),
        skipped: Vec::new(),
    };
    if !shown.diagnostics.is_empty() || !shown.excepted.is_empty() {
        shown.locate();
        eprint!("{}", validate::output::human(&shown, downgrade, false));
    }
    if total_warnings > MAX_BUILD_WARNINGS {
        eprintln!(
            "warning: {} more warning(s) not shown; `stackgen validate {}` lists them all",
            total_warnings - MAX_BUILD_WARNINGS,
            dir.display()
        );
    }
    if !downgrade && report.errors() > 0 {
        anyhow::bail!(
            "validation failed with {} error(s); nothing was written (use --validate=warn to build anyway)",
            report.errors()
        );
    }
    Ok(())
}

/// Most warnings `build` prints (errors are always all printed).
const MAX_BUILD_WARNINGS: usize = 50;

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

/// Prints a report line on stdout; a closed pipe (`stackgen diff ... | head`) is not an error.
fn say(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
}

// mimalloc instead of glibc malloc: the build allocates and frees millions of small
// strings and maps; measured on the 3,000-service bench tree (see docs/performance.md).
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc called through its plain entry points. The `mimalloc` crate's allocator calls
/// `mi_malloc_aligned` for every allocation, which tests the alignment of the block it
/// found at run time: some 46 instructions per allocation where `mi_malloc_small` takes
/// about half (a 100-service build allocates some 330,000 times). Plain `mi_malloc` is
/// used only where its alignment is guaranteed: a layout whose alignment is at most 16
/// and at most its size (a Rust size is a multiple of its alignment). mimalloc's size
/// classes are exact multiples of 8 bytes up to 64 bytes and multiples of 16 above, and
/// its pages start aligned, so every block of such a size is aligned enough. Anything
/// else takes the aligned entry points.
struct Mimalloc;

/// mimalloc's `MI_MAX_ALIGN_SIZE`.
const MI_MAX_ALIGN: usize = 16;
/// mimalloc's `MI_SMALL_SIZE_MAX`: the largest size `mi_malloc_small` serves.
const MI_SMALL_SIZE_MAX: usize = 128 * std::mem::size_of::<usize>();

#[inline]
fn plain(layout: std::alloc::Layout) -> bool {
    layout.align() <= MI_MAX_ALIGN && layout.align() <= layout.size()
}

/// A block from mimalloc, checked (in debug builds, so on every allocation the tests make)
/// to be aligned as `layout` asks.
#[inline]
fn checked(p: *mut std::ffi::c_void, layout: std::alloc::Layout) -> *mut u8 {
    debug_assert!(p.is_null() || (p as usize).is_multiple_of(layout.align()));
    p.cast()
}

// SAFETY: every pointer handed out comes from mimalloc and is freed or resized only by
// mimalloc; the alignment argument is above.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: plain C allocation calls; `layout.size()` is non-zero (GlobalAlloc's contract).
        let p = unsafe {
            if !plain(layout) {
                mi::mi_malloc_aligned(layout.size(), layout.align())
            } else if layout.size() <= MI_SMALL_SIZE_MAX {
                mi::mi_malloc_small(layout.size())
            } else {
                mi::mi_malloc(layout.size())
            }
        };
        checked(p, layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as in `alloc`.
        let p = unsafe {
            if plain(layout) {
                mi::mi_zalloc(layout.size())
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align())
            }
        };
        checked(p, layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        let grown = std::alloc::Layout::from_size_align(new_size, layout.align());
        // SAFETY: `ptr` came from this allocator with `layout`; `new_size` is non-zero.
        let p = unsafe {
            match grown {
                Ok(g) if plain(layout) && plain(g) => mi::mi_realloc(ptr.cast(), new_size),
                _ => mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()),
            }
        };
        checked(p, layout)
    }
}

/// mimalloc's `purge_delay` option (its index in `mi_option_t`, which the -sys crate
/// does not name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The process settings, made before `main`: the Rust runtime allocates before `main`
/// runs (thread info, arguments), and that first allocation makes mimalloc reserve and
/// touch its arena. Set from `main`, the huge-page setting came too late for those first
/// pages: two 2 MiB huge pages were faulted in and zeroed on every run (about 2 ms and
/// 2 MiB of peak memory at 100 services; see docs/performance.md).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static PROCESS_SETTINGS: extern "C" fn() = process_settings;

extern "C" fn process_settings() {
    small_pages_only();
    keep_freed_memory();
}

/// Tells mimalloc never to hand freed pages back to the kernel while we run. By default it
/// purges memory that has stayed free for a second; a large build frees and reallocates in
/// waves (parse, patch, render), so the same pages were purged and faulted in again, each
/// fault zeroing a fresh page. On the 3,000-service bench tree (with huge pages, before
/// [`small_pages_only`]) that took page faults from about 6,700 to 500 per run, for a few
/// MB more peak memory. Builds that finish in under a second never purged anyway. A
/// short-lived command gives everything back when it exits.
fn keep_freed_memory() {
    // SAFETY: called before `main` (from `.init_array`), before any other thread exists
    // (mimalloc's options are not thread-safe); it only stores a number mimalloc reads
    // when it purges.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// Turns transparent huge pages off for this process. mimalloc asks for them on its whole
/// arena, so every first touch of a 2 MiB region faults in and zeroes all of it. Where
/// other processes have just freed memory (the bench runs kustomize before every stackgen
/// run; an Argo CD repo server runs tools back to back), getting and zeroing those huge
/// pages was most of the run: after a 100-service kustomize build, a 300-service stackgen
/// build took 401 ms with 235 ms in the kernel, and 247 ms with 69 ms in the kernel with
/// small pages (medians of 4). On an idle machine huge pages save some page faults
/// instead (about 10% at 300 services), which matters less than the worst case.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::{c_int, c_ulong};
        const PR_SET_THP_DISABLE: c_int = 41;
        unsafe extern "C" {
            fn prctl(option: c_int, ...) -> c_int;
        }
        // SAFETY: PR_SET_THP_DISABLE takes four unsigned long arguments and only sets a
        // flag on this process; a kernel without it returns an error, which changes
        // nothing.
        let _ = unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as c_ulong,
                0 as c_ulong,
                0 as c_ulong,
                0 as c_ulong,
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn small_pages_only_turns_huge_pages_off() {
        small_pages_only();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        // kernels since 5.0 report the flag
        if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
            assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
        }
    }

    #[test]
    fn process_settings_ran_before_main() {
        // The test harness is this binary too, so `.init_array` ran before the runtime's
        // first allocation: no huge page anywhere in the process, purging off.
        #[cfg(target_os = "linux")]
        {
            // SAFETY: reads a mimalloc option.
            let purge = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(purge, -1);
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
                assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
            }
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
            for line in smaps.lines().filter(|l| l.starts_with("AnonHugePages:")) {
                assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
            }
        }
    }

    #[test]
    fn the_global_allocator_honours_every_alignment() {
        // Sizes across mimalloc's exact (up to 64 bytes) and spaced size classes, the
        // small/large boundary, and alignments below, at and above 16.
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            let mut held = Vec::new();
            for size in (1..=2100).filter(|s| s % align == 0 || *s < align) {
                let Ok(layout) = std::alloc::Layout::from_size_align(size, align) else {
                    continue;
                };
                // several of each, so that blocks after the first of a page are checked too
                for _ in 0..3 {
                    // SAFETY: non-zero size; freed below with the same layout
                    let p = unsafe { std::alloc::alloc(layout) };
                    assert!(!p.is_null());
                    assert!(
                        (p as usize).is_multiple_of(align),
                        "size {size} align {align}"
                    );
                    // SAFETY: `p` holds `layout.size()` bytes
                    let grown = unsafe { std::alloc::realloc(p, layout, size * 3) };
                    assert!(!grown.is_null());
                    assert!(
                        (grown as usize).is_multiple_of(align),
                        "realloc {size} align {align}"
                    );
                    held.push((
                        grown,
                        std::alloc::Layout::from_size_align(size * 3, align).unwrap(),
                    ));
                }
            }
            for (p, layout) in held {
                // SAFETY: allocated above with this layout
                unsafe { std::alloc::dealloc(p, layout) };
            }
        }
    }

    #[test]
    fn keep_freed_memory_sets_mimallocs_purge_delay() {
        // The index sits just before an option the -sys crate names (mimalloc v3 keeps
        // its options' numbers stable, retiring old ones as `deprecated_*`).
        assert_eq!(
            MI_OPTION_PURGE_DELAY,
            libmimalloc_sys::mi_option_use_numa_nodes - 1
        );
        keep_freed_memory();
        // SAFETY: reads a mimalloc option.
        let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
