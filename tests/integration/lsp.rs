//! `docker rbuild lsp`: the language server, driven over its standard input and output as an
//! editor drives it (JSON-RPC messages framed by `Content-Length` headers).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::Sandbox;

/// Longest wait for one message: a debug build on a busy machine, never a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// An editor's side of the connection.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Value>,
    /// Messages received while waiting for another one.
    pending: Vec<Value>,
    next_id: i64,
    /// What the server answered to `initialize`.
    initialized: Value,
}

/// What the tests' editor says it can do: UTF-16 positions (the protocol's default), watching
/// files on request, versioned workspace edits.
fn editor_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {
            "didChangeWatchedFiles": {"dynamicRegistration": true},
            "workspaceEdit": {"documentChanges": true}
        },
        "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}
    })
}

impl Client {
    /// Starts the server (`command` runs `lsp`), and initializes it.
    fn start(mut command: Command, capabilities: Value, root: &std::path::Path) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the language server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
            initialized: Value::Null,
        };
        client.initialized = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "work"}],
                "capabilities": capabilities
            }),
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        let stdin = self.stdin.as_mut().expect("stdin still open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(&body).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (an error answer fails the test).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait_for(|m| m["id"] == id && m.get("method").is_none());
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The first message (received earlier, or now) that `wanted` accepts; the server's own
    /// requests are answered as an editor does (`null`) and kept.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        loop {
            let message = self
                .incoming
                .recv_timeout(TIMEOUT)
                .expect("the language server answers in time");
            if message.get("method").is_some() && message.get("id").is_some() {
                let answer = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
                self.send(&answer);
            }
            if wanted(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The diagnostics published for `version` of the document.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
        );
        self.diagnostics(uri, 1)
    }

    /// The code actions for a range of the document (of the kinds in `only`, when given).
    fn code_actions(&mut self, uri: &str, range: (Value, Value), only: Option<&str>) -> Vec<Value> {
        let mut context = json!({"diagnostics": []});
        if let Some(kind) = only {
            context["only"] = json!([kind]);
        }
        let actions = self.request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": {"start": range.0, "end": range.1},
                "context": context
            }),
        );
        actions.as_array().unwrap().clone()
    }

    /// Replaces the whole text: the document's `version`.
    fn replace_text(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The edits that format the document (`textDocument/formatting`).
    fn format(&mut self, uri: &str) -> Value {
        self.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
        )
    }

    /// `shutdown`, then `exit`: the server's exit code.
    fn stop(mut self) -> i32 {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> i32 {
        drop(self.stdin.take());
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed");
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "the language server does not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &std::path::Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// The byte offset of an LSP position counted in UTF-16 units, as an editor computes it.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (at, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + at;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies LSP text edits (all relative to `text`) as an editor does.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            (
                offset(text, &edit["range"]["start"]),
                offset(text, &edit["range"]["end"]),
                edit["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|(start, end, _)| (*start, *end));
    let mut out = text.to_string();
    for (start, end, new) in spans.into_iter().rev() {
        out.replace_range(start..end, new);
    }
    out
}

/// The edits of a code action's workspace edit for `uri` (versioned or not).
fn action_edits(action: &Value, uri: &str) -> Vec<Value> {
    let edit = &action["edit"];
    if let Some(changes) = edit["documentChanges"].as_array() {
        let change = changes
            .iter()
            .find(|c| c["textDocument"]["uri"] == uri)
            .expect("an edit of the document");
        return change["edits"].as_array().unwrap().clone();
    }
    edit["changes"][uri].as_array().unwrap().clone()
}

/// What `docker rbuild fmt -` makes of `text`.
fn fmt(sandbox: &Sandbox, text: &str) -> String {
    let out = crate::harness::run_with_stdin(sandbox.rbuild().args(["fmt", "-"]), text.as_bytes());
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
}

/// The action titled `title`.
fn action(actions: &[Value], title: &str) -> Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no action {title:?} in {actions:?}"))
        .clone()
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn position(line: u64, character: u64) -> Value {
    json!({"line": line, "character": character})
}

/// A sandbox whose Dockerfile is `text`, and a server with it open: the sandbox, the file's
/// URI, the client and the first diagnostics.
fn session(text: &str) -> (Sandbox, String, Client, Vec<Value>) {
    let sandbox = Sandbox::new();
    let uri = uri(&sandbox.write("Dockerfile", text));
    let mut client = start(&sandbox);
    let diagnostics = client.open(&uri, text);
    (sandbox, uri, client, diagnostics)
}

fn start(sandbox: &Sandbox) -> Client {
    let mut command = sandbox.rbuild();
    command.arg("lsp");
    Client::start(command, editor_capabilities(), &sandbox.work())
}

/// Line 2 has a non-ASCII character (1 UTF-16 unit, 2 bytes) before what later changes.
const DOCKERFILE: &str = "FROM alpine:3.19 AS build\nRUN echo \"é\" > /a\nfrom alpine:3.19 AS build\nMAINTAINER someone\nWORKDIR app\nCMD echo hi\n";

#[test]
fn lsp_publishes_diagnostics_with_code_link_severity_and_related_places() {
    let (_sandbox, uri, mut client, diagnostics) = session(DOCKERFILE);
    let capabilities = &client.initialized["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(
        capabilities["textDocumentSync"]["change"], 2,
        "incremental sync"
    );
    assert_eq!(client.initialized["serverInfo"]["name"], "docker-rbuild");

    assert_eq!(
        codes(&diagnostics),
        ["RB701", "RB702", "RB501", "RB506", "RB507", "RB201"]
    );
    let duplicate = &diagnostics[2];
    assert_eq!(duplicate["severity"], 2, "warning: {duplicate}");
    assert_eq!(duplicate["source"], "rbuild");
    assert!(duplicate["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(
        duplicate["range"],
        json!({"start": position(2, 20), "end": position(2, 25)})
    );
    assert!(duplicate["message"]
        .as_str()
        .unwrap()
        .contains("stage name `build` is already used"));
    let related = &duplicate["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(
        related["location"]["range"],
        json!({"start": position(0, 20), "end": position(0, 25)})
    );
    assert_eq!(related["message"], "first used here");
    // The dynamic registration of the watched configuration files came with the start.
    let registration = client.wait_for(|m| m["method"] == "client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    let patterns: Vec<&str> = watchers
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(patterns.contains(&"**/.rbuild.toml") && patterns.contains(&"**/.dockerignore"));
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_code_actions_fix_one_problem_all_safe_ones_or_ignore_one() {
    let (_sandbox, uri, mut client, _) = session(DOCKERFILE);

    // The quick fix of RB201 on line 6 (unsafe: offered, not preferred).
    let actions = client.code_actions(&uri, (position(5, 6), position(5, 6)), None);
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    let fix = actions
        .iter()
        .find(|a| {
            a["kind"] == "quickfix"
                && a["diagnostics"][0]["code"] == "RB201"
                && a["title"] != "Ignore RB201 for this instruction"
        })
        .unwrap_or_else(|| panic!("no RB201 fix in {titles:?}"));
    assert_eq!(fix["isPreferred"], false, "an unsafe fix: {fix}");
    let fixed = apply(DOCKERFILE, &action_edits(fix, &uri));
    assert!(fixed.ends_with("CMD [\"echo\", \"hi\"]\n"), "{fixed}");
    assert_eq!(fixed.lines().count(), DOCKERFILE.lines().count());
    // Fix all safe problems: the casing fixes, not the unsafe ones.
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.rbuild")
        .unwrap_or_else(|| panic!("no fix-all action in {titles:?}"));
    let all_fixed = apply(DOCKERFILE, &action_edits(fix_all, &uri));
    assert_eq!(
        all_fixed,
        DOCKERFILE.replace("from alpine", "FROM alpine"),
        "{fix_all}"
    );
    // Ignore RB507 for its instruction: the comment is written, and the next lint is quiet.
    let actions = client.code_actions(&uri, (position(4, 9), position(4, 10)), Some("quickfix"));
    assert!(
        actions.iter().all(|a| a["kind"] == "quickfix"),
        "{actions:?}"
    );
    let ignore = action(&actions, "Ignore RB507 for this instruction");
    let ignored = apply(DOCKERFILE, &action_edits(&ignore, &uri));
    assert!(
        ignored.contains("MAINTAINER someone\n# rbuild ignore=RB507\nWORKDIR app\n"),
        "{ignored}"
    );
    client.replace_text(&uri, 2, &ignored);
    let diagnostics = client.diagnostics(&uri, 2);
    assert!(
        !codes(&diagnostics).contains(&"RB507".to_string()),
        "{diagnostics:?}"
    );
    assert!(codes(&diagnostics).contains(&"RB506".to_string()));
    // A second ignore for the same instruction joins the comment's list.
    let actions = client.code_actions(&uri, (position(3, 0), position(3, 0)), None);
    let ignore = action(&actions, "Ignore RB506 for this instruction");
    let twice = apply(&ignored, &action_edits(&ignore, &uri));
    assert!(
        twice.contains("MAINTAINER someone\n# rbuild ignore=RB507\n")
            && twice.contains("\n# rbuild ignore=RB506\nMAINTAINER"),
        "{twice}"
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_ignore_action_extends_an_existing_comment() {
    let text =
        "FROM alpine:3.19\n# rbuild ignore=RB506 -- kept for old tools\nmaintainer someone\n";
    let (_sandbox, uri, mut client, diagnostics) = session(text);
    assert_eq!(codes(&diagnostics), ["RB701"]);
    let actions = client.code_actions(&uri, (position(2, 0), position(2, 3)), None);
    let ignore = action(&actions, "Ignore RB701 for this instruction");
    let ignored = apply(text, &action_edits(&ignore, &uri));
    assert_eq!(
        ignored,
        "FROM alpine:3.19\n# rbuild ignore=RB506,RB701 -- kept for old tools\nmaintainer someone\n"
    );
    client.replace_text(&uri, 2, &ignored);
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_hover_shows_rule_docs_and_instruction_reminders() {
    let text = "# rbuild ignore=RB201\n# hadolint ignore=DL3025\nFROM alpine:3.19\nWORKDIR app\n";
    let (_sandbox, uri, mut client, diagnostics) = session(text);
    assert_eq!(codes(&diagnostics), ["RB507"]);
    let hover = |client: &mut Client, line, character| {
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position(line, character)}),
        )
    };
    // On the finding: RB507's docs, as `rules RB507` prints them.
    let on_finding = hover(&mut client, 3, 9);
    assert_eq!(on_finding["contents"]["kind"], "markdown");
    let docs = on_finding["contents"]["value"].as_str().unwrap();
    assert!(docs.starts_with("RB507 workdir-relative-path:"), "{docs}");
    assert!(
        docs.contains("## What it does") && docs.contains("## Use instead"),
        "{docs}"
    );
    assert_eq!(
        on_finding["range"],
        json!({"start": position(3, 8), "end": position(3, 11)})
    );
    // On a code of an ignore comment, ours or hadolint's.
    let on_code = hover(&mut client, 0, 18);
    let docs = on_code["contents"]["value"].as_str().unwrap();
    assert!(docs.starts_with("RB201 shell-form-command:"), "{docs}");
    assert_eq!(
        on_code["range"],
        json!({"start": position(0, 16), "end": position(0, 21)})
    );
    let on_hadolint_id = hover(&mut client, 1, 20);
    let docs = on_hadolint_id["contents"]["value"].as_str().unwrap();
    assert!(docs.contains("DL3025"), "{docs}");
    // On a keyword: what the instruction does.
    let on_keyword = hover(&mut client, 2, 2);
    let text = on_keyword["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**FROM**: starts a build stage"), "{text}");
    // Elsewhere: nothing.
    assert_eq!(hover(&mut client, 2, 8), Value::Null);
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_formats_the_document_or_a_range() {
    let text = "from alpine:3.19\nrun   echo a &&\\\n  echo b\n\n\n\nCMD  [\"sh\",\"-c\", \"x\"]\n";
    let (sandbox, uri, mut client, _) = session(text);

    let edits = client.format(&uri);
    let formatted = apply(text, edits.as_array().unwrap());
    assert_eq!(formatted, fmt(&sandbox, text), "the same layout as `fmt`");
    // Only the CMD line: the rest stays as it is.
    let edits = client.request(
        "textDocument/rangeFormatting",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": position(6, 0), "end": position(6, 3)},
            "options": {"tabSize": 4, "insertSpaces": true}
        }),
    );
    let ranged = apply(text, edits.as_array().unwrap());
    assert_eq!(
        ranged,
        "from alpine:3.19\nrun   echo a &&\\\n  echo b\n\n\n\nCMD [\"sh\", \"-c\", \"x\"]\n"
    );
    // A file that does not parse gets no edits.
    client.replace_text(&uri, 2, "FROM alpine\nFRM x\n");
    assert_eq!(codes(&client.diagnostics(&uri, 2)), ["RB001"]);
    let edits = client.format(&uri);
    assert_eq!(edits, Value::Null);
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_diagnostics_follow_incremental_and_full_changes() {
    let (sandbox, uri, mut client, _) = session(DOCKERFILE);

    // Incremental, in UTF-16 columns after the `é`: `/a` becomes `/b`, then line 3's `from`
    // becomes `FROM` and line 6's CMD gets the exec form (two changes in one message).
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {"range": {"start": position(1, 16), "end": position(1, 17)}, "text": "b"},
                {"range": {"start": position(2, 0), "end": position(2, 4)}, "text": "FROM"},
                {"range": {"start": position(5, 4), "end": position(5, 11)}, "text": "[\"echo\", \"hi\"]"}
            ]
        }),
    );
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(codes(&diagnostics), ["RB501", "RB506", "RB507"]);
    // The server's text is the edited one: formatting it gives what `fmt` makes of that.
    let edits = client.format(&uri);
    let edited = "FROM alpine:3.19 AS build\nRUN echo \"é\" > /b\nFROM alpine:3.19 AS build\nMAINTAINER someone\nWORKDIR app\nCMD [\"echo\", \"hi\"]\n";
    assert_eq!(
        apply(edited, edits.as_array().unwrap()),
        fmt(&sandbox, edited)
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(1, 16)}),
    );
    assert_eq!(hover, Value::Null, "nothing to say about `/b` in {edited}");
    // Full text.
    client.replace_text(&uri, 3, "FROM alpine:3.19\nUSER 1000\n");
    assert_eq!(client.diagnostics(&uri, 3), Vec::<Value>::new());
    // Closing clears the document's diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let cleared = client.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && m["params"].get("version").is_none()
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_lints_dockerfiles_by_language_id_or_file_name() {
    let sandbox = Sandbox::new();
    let mut client = start(&sandbox);
    let text = "FROM alpine:3.19\nCMD echo hi\n";
    let open = |client: &mut Client, name: &str, language: &str| {
        let uri = uri(&sandbox.write(name, text));
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
        uri
    };
    let notes = open(&mut client, "notes.txt", "plaintext");
    let by_name = open(&mut client, "Dockerfile.dev", "plaintext");
    let by_language = open(&mut client, "build.txt", "dockerfile");
    assert_eq!(codes(&client.diagnostics(&by_name, 1)), ["RB201"]);
    assert_eq!(codes(&client.diagnostics(&by_language, 1)), ["RB201"]);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": notes}, "position": position(1, 0)}),
    );
    assert_eq!(hover, Value::Null, "not a Dockerfile: not linted");
    assert!(
        !client
            .pending
            .iter()
            .any(|m| m["params"]["uri"] == notes.as_str()),
        "{:?}",
        client.pending
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_drops_stale_results_and_publishes_versions_in_order() {
    let (_sandbox, uri, mut client, _) = session(DOCKERFILE);
    // Changes faster than linting: every version alternates between two texts.
    let quiet = "FROM alpine:3.19\nUSER 1000\n";
    for version in 2..=41 {
        let text = if version % 2 == 0 { DOCKERFILE } else { quiet };
        client.replace_text(&uri, version, text);
    }
    assert_eq!(client.diagnostics(&uri, 41), Vec::<Value>::new());
    let versions: Vec<i64> = client
        .pending
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.windows(2).all(|pair| pair[0] < pair[1]),
        "an older result came after a newer one: {versions:?}"
    );
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_reloads_the_configuration_and_reads_the_context_dockerignore() {
    let sandbox = Sandbox::new();
    // A directory name that needs percent-encoding in the URI.
    let text = "FROM alpine:3.19\nCOPY secret.env /app/\nCMD echo hi\n";
    let path = sandbox.write("my app/Dockerfile", text);
    sandbox.write("my app/.dockerignore", "*.env\n");
    let uri = uri(&path);
    assert!(uri.contains("my%20app"));
    let mut client = start(&sandbox);
    assert_eq!(codes(&client.open(&uri, text)), ["RB512", "RB201"]);
    let changed = |client: &mut Client, name: &str| {
        let file = uri.replace("Dockerfile", name);
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": file, "type": 1}]}),
        );
    };
    // The configuration switches RB201 off: the open document is linted again.
    sandbox.write(".rbuild.toml", "ignore = [\"shell-form-command\"]\n");
    changed(&mut client, "../.rbuild.toml");
    assert_eq!(codes(&client.diagnostics(&uri, 1)), ["RB512"]);
    // The context's .dockerignore no longer excludes the file.
    sandbox.write("my app/.dockerignore", "*.log\n");
    changed(&mut client, ".dockerignore");
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    // A broken configuration is shown to the user once, and the defaults are used.
    sandbox.write(".rbuild.toml", "ignore = [\"no-such-rule\"]\n");
    changed(&mut client, "../.rbuild.toml");
    let shown = client.wait_for(|m| m["method"] == "window/showMessage");
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(
        message.contains(".rbuild.toml:1:") && message.contains("no-such-rule"),
        "{message}"
    );
    assert_eq!(codes(&client.diagnostics(&uri, 1)), ["RB201"]);
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_runs_shellcheck_when_configured_and_ignores_its_findings_by_id() {
    crate::harness::engine(); // installs shellcheck where it is missing
    let sandbox = Sandbox::new();
    sandbox.write(".rbuild.toml", "shellcheck = true\n");
    let text = "FROM alpine:3.19\nRUN for f in $(ls /); do echo \"$f\"; done\n";
    let uri = uri(&sandbox.write("Dockerfile", text));
    let mut client = start(&sandbox);
    let diagnostics = client.open(&uri, text);
    assert_eq!(codes(&diagnostics), ["RB901"]);
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("SC2045: "));
    let actions = client.code_actions(&uri, (position(1, 13), position(1, 13)), None);
    let ignore = action(&actions, "Ignore SC2045 for this instruction");
    let ignored = apply(text, &action_edits(&ignore, &uri));
    assert!(
        ignored.contains("\n# rbuild ignore=SC2045\nRUN for"),
        "{ignored}"
    );
    client.replace_text(&uri, 2, &ignored);
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_negotiates_utf8_positions_when_the_editor_offers_them() {
    let sandbox = Sandbox::new();
    let text = "FROM alpine:3.19\nRUN echo \"é\" && sudo ls\n";
    let path = sandbox.write("Dockerfile", text);
    let uri = uri(&path);
    let mut capabilities = editor_capabilities();
    capabilities["general"]["positionEncodings"] = json!(["utf-8", "utf-16"]);
    let mut command = sandbox.rbuild();
    command.args(["lsp", "--stdio"]);
    let mut client = Client::start(command, capabilities, &sandbox.work());
    assert_eq!(
        client.initialized["capabilities"]["positionEncoding"],
        "utf-8"
    );
    let diagnostics = client.open(&uri, text);
    let sudo = diagnostics
        .iter()
        .find(|d| d["code"] == "RB415")
        .expect("sudo-in-run");
    // `sudo` starts at byte 17 of the line (`é` is 2 bytes), character 16.
    assert_eq!(sudo["range"]["start"], position(1, 17), "{sudo}");
    assert_eq!(client.stop(), 0);
}

#[test]
fn lsp_with_an_unusable_config_flag_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let out = crate::harness::run(sandbox.rbuild().args(["lsp", "--config", "missing.toml"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "nothing on the protocol's channel: {out:?}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(out.stderr.contains("missing.toml"), "{out:?}");
}

#[test]
fn lsp_exit_without_shutdown_is_exit_code_1() {
    let sandbox = Sandbox::new();
    let mut client = start(&sandbox);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 1);
}

#[test]
fn lsp_runs_through_the_docker_cli_plugin() {
    let sandbox = Sandbox::new();
    sandbox.install_plugin();
    let path = sandbox.write("Dockerfile", "FROM alpine:3.19\nCMD echo hi\n");
    let uri = uri(&path);
    let mut command = sandbox.docker();
    command.args(["rbuild", "lsp"]);
    let mut client = Client::start(command, editor_capabilities(), &sandbox.work());
    assert_eq!(client.initialized["serverInfo"]["name"], "docker-rbuild");
    assert_eq!(
        codes(&client.open(&uri, "FROM alpine:3.19\nCMD echo hi\n")),
        ["RB201"]
    );
    assert_eq!(client.stop(), 0);
}
