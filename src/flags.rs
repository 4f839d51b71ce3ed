//! Figure flags, generated from the library's one option table
//! (`heatmill::options::OPTIONS`): each figure subcommand shows
//! the options that apply to it, with their accepted values and defaults;
//! the options of other kinds are accepted by the parser only to be
//! refused with the kinds they apply to. The flags become the same TOML
//! table a config's `[[figure]]` is, and go through the same validation.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};

use heatmill::figure::{FigureOptions, Kind};
use heatmill::options::{OptionSpec, ValueKind, OPTIONS};

/// The option keys that `linkage` and `corr` take besides their own
/// flags: the preparation steps.
const PREP_KEYS: &[&str] = &[
    "log1p",
    "log2p1",
    "top_variable",
    "z_score",
    "standard_scale",
];

fn id_no(key: &str) -> String {
    format!("no_{key}")
}

/// List options whose entries are labels: their flag also splits a
/// comma list (`--genes CD3E,MS4A1`).
const LABEL_LISTS: &[&str] = &["genes", "mark_rows"];

fn arg_for(s: &OptionSpec, visible: bool) -> Vec<Arg> {
    let mut help = s.help.to_string();
    if !s.seaborn.is_empty() {
        help.push_str(&format!(" (seaborn: {})", s.seaborn));
    }
    help.push_str(&format!(" [default: {}]", s.default.replace('`', "")));
    let long = s.flag()[2..].to_string();
    let arg = Arg::new(s.key)
        .long(long.clone())
        .help(help)
        .hide(!visible)
        .help_heading("Figure options");
    match s.value {
        ValueKind::Flag => vec![
            arg.num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .value_name("BOOL")
                .value_parser(clap::builder::BoolishValueParser::new())
                .action(ArgAction::Set),
            Arg::new(id_no(s.key))
                .long(format!("no-{long}"))
                .help(format!("same as --{long}=false"))
                .hide(!visible)
                .help_heading("Figure options")
                .action(ArgAction::SetTrue)
                .conflicts_with(s.key),
        ],
        ValueKind::FlagOrText => vec![
            arg.num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .value_name("BOOL|TEXT")
                .action(ArgAction::Set),
            Arg::new(id_no(s.key))
                .long(format!("no-{long}"))
                .help(format!("same as --{long}=false"))
                .hide(!visible)
                .help_heading("Figure options")
                .action(ArgAction::SetTrue)
                .conflicts_with(s.key),
        ],
        // Labels (genes, marked rows) also come as one comma list,
        // `--genes CD3E,MS4A1`; table specs only by repeating the flag.
        ValueKind::List if LABEL_LISTS.contains(&s.key) => vec![arg
            .value_name("LABEL[,LABEL…]|file:PATH")
            .value_delimiter(',')
            .action(ArgAction::Append)
            .allow_hyphen_values(true)],
        ValueKind::List => vec![arg
            .value_name("TABLE:COLUMN")
            .action(ArgAction::Append)
            .allow_hyphen_values(true)],
        _ => {
            let arg = arg.action(ArgAction::Set).allow_hyphen_values(true);
            let arg = if s.choices.is_empty() {
                arg.value_name(match s.value {
                    ValueKind::Number => "X",
                    ValueKind::Count => "N",
                    ValueKind::Pair => "W,H",
                    ValueKind::NumberOrPair => "R[,C]",
                    ValueKind::Bounds => "L,B,W,H",
                    ValueKind::Map => "NAME=COLOR,…",
                    _ => "VALUE",
                })
            } else {
                arg.value_name(s.key.to_uppercase())
                    .value_parser(PossibleValuesParser::new(s.choices.iter().copied()))
            };
            vec![arg]
        }
    }
}

/// Adds every figure flag to `cmd`: visible when it applies to `kind`,
/// hidden (to be refused by name) otherwise.
pub fn figure_args(cmd: Command, kind: Kind) -> Command {
    OPTIONS
        .iter()
        .flat_map(|s| arg_for(s, s.applies_to(kind)))
        .fold(cmd, Command::arg)
}

/// Adds the preparation flags of `linkage` and `corr`.
pub fn prep_args(cmd: Command) -> Command {
    OPTIONS
        .iter()
        .filter(|s| PREP_KEYS.contains(&s.key))
        .flat_map(|s| arg_for(s, true))
        .fold(cmd, |c, a| c.arg(a.help_heading("Preparation")))
}

/// The flags given on the command line as the config's TOML table.
pub fn table(
    m: &ArgMatches,
    keys: &mut dyn Iterator<Item = &'static OptionSpec>,
) -> Result<toml::Table, String> {
    let mut t = toml::Table::new();
    for s in keys {
        let given = |id: &str| {
            m.try_contains_id(id).unwrap_or(false)
                && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        };
        let values: Vec<String> = match s.value {
            ValueKind::Flag | ValueKind::FlagOrText => {
                if given(&id_no(s.key)) && m.get_flag(&id_no(s.key)) {
                    vec!["false".into()]
                } else if given(s.key) && s.value == ValueKind::FlagOrText {
                    vec![m
                        .get_one::<String>(s.key)
                        .cloned()
                        .unwrap_or_else(|| "true".into())]
                } else if given(s.key) {
                    vec![m
                        .get_one::<bool>(s.key)
                        .copied()
                        .unwrap_or(true)
                        .to_string()]
                } else {
                    vec![]
                }
            }
            _ if given(s.key) => m
                .get_many::<String>(s.key)
                .map(|v| v.cloned().collect())
                .unwrap_or_default(),
            _ => vec![],
        };
        if !values.is_empty() {
            t.insert(s.key.to_string(), s.toml_from_cli(&values)?);
        }
    }
    Ok(t)
}

/// The figure options of `kind` from the flags (refusing those of other
/// kinds by name, and bad values with the flag).
pub fn figure_options(m: &ArgMatches, kind: Kind) -> heatmill::Result<FigureOptions> {
    let t = table(m, &mut OPTIONS.iter()).map_err(heatmill::Error::Usage)?;
    Ok(FigureOptions::from_table(kind, &toml::Table::new(), &t)?)
}

/// The preparation steps of `linkage` and `corr` from their flags.
pub fn prep(m: &ArgMatches) -> heatmill::Result<heatmill::prep::Prep> {
    let t = table(
        m,
        &mut OPTIONS.iter().filter(|s| PREP_KEYS.contains(&s.key)),
    )
    .map_err(heatmill::Error::Usage)?;
    let o = FigureOptions::from_table(Kind::Heatmap, &toml::Table::new(), &t)?;
    Ok(heatmill::prep::Prep {
        z_score: o.z_score,
        standard_scale: o.standard_scale,
        ..o.read_prep()
    })
}

/// The command line with `--snake_case` flags written `--kebab-case`:
/// seaborn and config users write the key (`--z_score`, `--export_dir`),
/// and clap then suggests the right spelling for a real typo.
pub fn normalise(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut past_separator = false;
    args.map(|a| {
        if past_separator {
            return a;
        }
        match a.to_str() {
            Some("--") => {
                past_separator = true;
                a
            }
            Some(s) if s.starts_with("--") => {
                let (flag, value) = match s.split_once('=') {
                    Some((f, v)) => (f, Some(v)),
                    None => (s, None),
                };
                let flag = format!("--{}", flag[2..].replace('_', "-"));
                match value {
                    Some(v) => format!("{flag}={v}").into(),
                    None => flag.into(),
                }
            }
            _ => a,
        }
    })
    .collect()
}
