//! The verbs that need no peer: `amp` alone, `list`, `describe`,
//! `completions` and `man`.

mod common;

use std::path::PathBuf;

use common::{amp, fixture, root};
use serde_json::json;

/// Every verb, as `amp --help` lists them.
const VERBS: [&str; 8] = ["call", "serve", "proxy", "decode", "list", "describe", "completions", "man"];

fn sum() -> PathBuf {
    root().join("schema/examples/sum.toml")
}

fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn amp_alone_prints_its_help_and_exits_0() {
    let run = amp::<&str>(&[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout.starts_with("Call, serve, proxy, inspect and decode AMP"), "{run:?}");
    assert!(run.stdout.contains("Usage: amp <COMMAND>"), "{run:?}");
    for verb in VERBS {
        assert!(run.stdout.contains(&format!("\n  {verb} ")), "help lacks {verb}: {}", run.stdout);
    }
    // The same text as `amp -h` (clap's own rendering, on stdout too).
    assert_eq!(amp(&["-h"]).stdout, run.stdout);
}

#[test]
fn list_prints_one_signature_per_command_in_file_order() {
    amp(&["list", "--schema", arg(&sum())]).assert_prints(concat!(
        "Sum(a: Integer, b: Integer) -> (total: Integer)\n",
        "Divide(numerator: Integer, denominator: Integer) -> (result: Float)\n",
        "echo(text: Unicode, times?: Integer(u64)) -> (text: Unicode)\n",
        "Stats(samples: ListOf(Integer(big)), matrix: ListOf(ListOf(Float)), tags?: ListOf(Unicode)) -> ",
        "(rows: AmpList(label: Unicode, count: Integer, when?: DateTime), mean: Decimal)\n",
        "Log(line: Unicode, level?: Boolean) -> ()  [no answer]\n",
        "Upload(data: Compressed, path: Path) -> ()",
    ));
}

#[test]
fn list_json_is_one_describe_object_per_line() {
    let run = amp(&["list", "--schema", arg(&sum()), "--json"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let lines = run.json_lines();
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Sum", "Divide", "echo", "Stats", "Log", "Upload"]);
    for line in &lines {
        let name = line["name"].as_str().unwrap();
        let one = amp(&["describe", "--schema", arg(&sum()), name, "--json"]);
        assert_eq!(one.json_lines(), vec![line.clone()], "{name}");
    }
}

#[test]
fn describe_shows_fields_errors_and_the_generated_names() {
    let run = amp(&["describe", "--schema", arg(&sum()), "Stats"]);
    let expected = "\
Stats
  Python class     Stats(amp.Command)
  requires answer  yes
  Rust command     Stats
  handler          CalculatorHandler::stats (protocol Calculator)

arguments: StatsArguments
  WIRE NAME  TYPE                   OPTIONAL  RUST FIELD
  samples    ListOf(Integer(big))   no        samples
  matrix     ListOf(ListOf(Float))  no        matrix
  tags       ListOf(Unicode)        yes       tags

response: StatsResponse
  WIRE NAME  TYPE      OPTIONAL  RUST FIELD
  rows       AmpList   no        rows (elements: StatsResponseRows)
    label    Unicode   no        label
    count    Integer   no        count
    when     DateTime  yes       when
  mean       Decimal   no        mean

errors: StatsError
  CODE         EXCEPTION   FATAL                        RUST VARIANT
  BAD_SAMPLES  ValueError  no                           StatsError::ValueError
  DEAD         Disaster    yes (the connection closes)  StatsError::Disaster
";
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, expected, ""));

    // A wire name that differs from the table key; no answer; a custom type.
    let run = amp(&["describe", "--schema", arg(&sum()), "echo"]);
    assert!(run.stdout.starts_with("echo\n  Python class     Echo(amp.Command), commandName = b'echo'\n"), "{run:?}");
    assert!(run.stdout.contains("\n  times      Integer(u64)  yes       times\n"), "{run:?}");
    let run = amp(&["describe", "--schema", arg(&sum()), "Log"]);
    assert!(run.stdout.contains("requires answer  no (sent without _ask; requires_answer = false)"), "{run:?}");
    assert!(run.stdout.contains("handler          ConsoleHandler::log (protocol Console)"), "{run:?}");
    assert!(run.stdout.contains("response: LogResponse\n  (none)\n"), "{run:?}");
    let run = amp(&["describe", "--schema", arg(&sum()), "Upload"]);
    assert!(run.stdout.contains("custom type      Compressed = amp_evennia::Compressed"), "{run:?}");
}

#[test]
fn describe_json_mirrors_the_schema_with_rust_names() {
    let run = amp(&["describe", "--schema", arg(&fixture("cli.toml")), "all-types", "--json"]);
    let lines = run.json_lines();
    let [d] = &lines[..] else { panic!("{run:?}") };
    assert_eq!(d["name"], "all-types");
    assert_eq!(d["key"], "AllTypes");
    assert_eq!(d["python_class"], "AllTypes");
    assert_eq!(d["requires_answer"], true);
    assert_eq!(
        d["rust"],
        json!({ "command": "AllTypes", "arguments": "AllTypesArguments", "response": "AllTypesResponse",
                "error": "AllTypesError", "handlers": [] })
    );
    let args = d["arguments"].as_array().unwrap();
    let by_name = |n: &str| args.iter().find(|a| a["name"] == n).unwrap().clone();
    assert_eq!(by_name("my-arg"), json!({ "name": "my-arg", "type": "Unicode", "optional": true, "rust": "my_arg" }));
    assert_eq!(
        by_name("big"),
        json!({ "name": "big", "type": "Integer", "repr": "big", "optional": true, "rust": "big" })
    );
    assert_eq!(
        by_name("texts"),
        json!({ "name": "texts", "type": "ListOf", "of": { "type": "ListOf", "of": { "type": "Unicode" } },
                "optional": true, "rust": "texts" })
    );
    assert_eq!(
        by_name("rows"),
        json!({ "name": "rows", "type": "AmpList", "optional": true, "rust": "rows",
                "fields": [
                    { "name": "x", "type": "Integer", "repr": "i64", "optional": false, "rust": "x" },
                    { "name": "label", "type": "Unicode", "optional": true, "rust": "label" },
                ],
                "element": "AllTypesArgumentsRows" })
    );
    let d = &amp(&["describe", "--schema", arg(&fixture("cli.toml")), "Fail", "--json"]).json_lines()[0];
    assert_eq!(
        d["errors"],
        json!([{ "code": "DECLARED", "exception": "DeclaredError", "rust": "FailError::DeclaredError" }])
    );
    assert_eq!(
        d["fatal_errors"],
        json!([{ "code": "FATAL", "exception": "FatalError", "rust": "FailError::FatalError" }])
    );

    // Evennia's schema: the protocol handlers and the custom type.
    let evennia = root().join("schema/evennia.toml");
    let d = &amp(&["describe", "--schema", arg(&evennia), "MsgPortal2Server", "--json"]).json_lines()[0];
    assert_eq!(
        d["rust"]["handlers"],
        json!([{ "protocol": "Server", "trait": "ServerHandler", "method": "msg_portal2_server" }])
    );
    assert_eq!(d["types"], json!({ "Compressed": "amp_evennia::Compressed" }));
}

#[test]
fn describe_and_list_refuse_bad_input_with_64() {
    amp(&["describe", "--schema", arg(&sum()), "Nope"]).assert_fails(64, "unknown command `Nope`: ");
    amp(&["describe", "--schema", arg(&fixture("cli.toml")), "AllTypes"])
        .assert_fails(64, "(`AllTypes` is the table key of the command whose wire name is `all-types`)");
    amp(&["list", "--schema", "/nonexistent.toml"]).assert_fails(64, "cannot read the schema");
    amp(&["describe", "--schema", arg(&sum())]).assert_fails(64, "<COMMAND>");
    // A schema naming a codec this binary does not link can still be described.
    let dir = tempfile::tempdir().unwrap();
    let custom = dir.path().join("custom.toml");
    std::fs::write(
        &custom,
        "[commands.X]\narguments = [{ name = \"a\", type = \"Mine\" }]\n[types.Mine]\nrust = \"my::Codec\"\n",
    )
    .unwrap();
    amp(&["list", "--schema", arg(&custom)]).assert_prints("X(a: Mine) -> ()");
}

#[test]
fn completions_for_every_shell_mention_every_verb() {
    for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
        let run = amp(&["completions", shell]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{shell}: {run:?}");
        for verb in VERBS {
            assert!(run.stdout.contains(verb), "{shell} completions lack {verb}");
        }
        // Options of the verbs too, not only their names (fish spells them `-l name`).
        for option in ["schema", "no-answer", "listen", "max-box-bytes"] {
            assert!(run.stdout.contains(option), "{shell} completions lack {option}");
        }
    }
    // Each verb by the form the shell's script gives it.
    let bash = amp(&["completions", "bash"]).stdout;
    let zsh = amp(&["completions", "zsh"]).stdout;
    assert!(bash.contains("complete -F _amp"));
    for verb in VERBS {
        assert!(bash.contains(&format!("amp,{verb})")), "bash completions lack the case of {verb}");
        assert!(zsh.contains(&format!("'{verb}:")), "zsh completions lack {verb}");
    }
    amp(&["completions", "tcsh"]).assert_fails(64, "invalid value 'tcsh'");
}

#[test]
fn the_man_page_has_a_section_per_verb() {
    let run = amp(&["man"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let page = &run.stdout;
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"), "not roff: {}", &page[..page.len().min(200)]);
    assert!(page.contains(".TH amp 1"), "{page}");
    for verb in VERBS {
        let heading = format!(".SH \"AMP {}\"", verb.to_uppercase());
        assert!(page.contains(&heading), "the man page lacks {heading}");
        assert!(page.contains(&format!("\\fBamp {verb}\\fR")), "the man page lacks the synopsis of {verb}");
    }
    assert!(page.contains("Exit status: 0 done"), "the long description is missing");
}
