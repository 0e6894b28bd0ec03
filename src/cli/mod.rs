//! The command line: subcommands from clap derive, and the one table of options, which
//! also gives Argo CD its parameters (`plugin.yaml`) and the README its option list.
//!
//! * [`table`]: one row per option: name, help, default, values, how it sets [`Options`];
//! * [`resolve`]: flag, Argo CD parameter, environment, default → typed options;
//! * [`plugin`]: `plugin.yaml` and the README table, from the rows.
//!
//! [`Options`]: crate::core::options::Options

pub mod plugin;
pub mod resolve;
pub mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand};

use crate::cli::table::{OPTIONS, OptKind};

#[derive(Debug, Parser)]
#[command(name = "bcp-render", version, about = "Render kgateway BackendConfigPolicies into Envoy clusters, offline")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Print the input manifests, annotated, plus ConfigMaps of Envoy clusters (or clusters only).
    Render {
        /// Directories, files, or - for a YAML/JSON stream on stdin.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        options: TableOptions,
    },
    /// Validate without output; exit 1 on any error.
    Check {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        options: TableOptions,
    },
    /// Explain why each cluster field has its value and why policies attach (or not).
    Explain {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Only this cluster.
        #[arg(long, value_name = "NAME", conflicts_with = "policy")]
        cluster: Option<String>,
        /// Only clusters this policy (NS/NAME) attaches to, or why it attaches to nothing.
        #[arg(long, value_name = "NS/NAME")]
        policy: Option<String>,
        #[command(flatten)]
        options: TableOptions,
    },
    /// Compare the Envoy clusters of BASE and HEAD; exit 0 same, 1 different, 2 error.
    Diff {
        /// BASE then HEAD, or only HEAD with --git.
        #[arg(required = true, num_args = 1..=2)]
        paths: Vec<PathBuf>,
        /// Read BASE from this git revision of the repository holding HEAD (via git archive).
        #[arg(long, value_name = "REF")]
        git: Option<String>,
        #[command(flatten)]
        options: TableOptions,
    },
}

/// Values given as flags, keyed by option name. Built from [`OPTIONS`].
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    pub flags: BTreeMap<&'static str, String>,
}

impl FromArgMatches for TableOptions {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = BTreeMap::new();
        for spec in OPTIONS {
            match spec.kind {
                OptKind::Switch => {
                    if let Some(v) = m.get_one::<String>(spec.name) {
                        flags.insert(spec.name, v.clone());
                    }
                }
                OptKind::Value => {
                    if let Some(v) = m.get_one::<String>(spec.name) {
                        flags.insert(spec.name, v.clone());
                    }
                }
            }
        }
        Ok(TableOptions { flags })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for TableOptions {
    fn augment_args(mut cmd: Command) -> Command {
        for spec in OPTIONS {
            let mut help = spec.help.to_string();
            if let Some(d) = spec.default {
                help.push_str(&format!(" [default: {d}]"));
            }
            let mut arg = Arg::new(spec.name).long(spec.name).help(help);
            arg = match spec.kind {
                // `--flag` is true; `--flag=false` turns off one that defaults to true.
                OptKind::Switch => arg
                    .action(ArgAction::Set)
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true")
                    .value_parser(["true", "false"])
                    .value_name("BOOL"),
                OptKind::Value => arg.action(ArgAction::Set).value_name("VALUE"),
            };
            let values = spec.allowed();
            if !values.is_empty() {
                arg = arg.value_parser(values).ignore_case(spec.ignore_case);
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_table_option_is_a_long_flag() {
        let cmd = Cli::command();
        let render = cmd.find_subcommand("render").unwrap();
        for spec in OPTIONS {
            assert!(render.get_arguments().any(|a| a.get_long() == Some(spec.name)), "--{} missing", spec.name);
        }
        cmd.debug_assert();
    }

    #[test]
    fn flags_parse_into_the_table_map() {
        let cli = Cli::try_parse_from(["bcp-render", "render", "--kgateway-version", "main", "--allow-invalid", "x"])
            .unwrap();
        let Commands::Render { paths, options } = cli.command else { panic!() };
        assert_eq!(paths, vec![PathBuf::from("x")]);
        assert_eq!(options.flags.get("kgateway-version").map(String::as_str), Some("main"));
        assert_eq!(options.flags.get("allow-invalid").map(String::as_str), Some("true"));
    }
}
