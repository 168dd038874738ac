//! `docker rbuild lsp`: a Language Server over standard input and output, giving an editor the
//! linter's findings, its fixes and ignore comments as code actions, the rules' docs on hover,
//! and the formatter.
//!
//! The protocol is `lsp-server` (rust-analyzer's synchronous transport: a reader and a writer
//! thread with channels) with `lsp-types`. The main loop only keeps the documents in step with
//! the editor; linting and every request run on worker threads, and a result is dropped when
//! a newer version of its document arrived meanwhile.

mod actions;
mod analysis;
mod documents;
mod formatting;
mod hover;
mod position;
mod settings;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use clap::Args;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    LogMessage, Notification as _, ShowMessage,
};
use lsp_types::request::{
    CodeActionRequest, Formatting, HoverRequest, RangeFormatting, RegisterCapability, Request as _,
};
use lsp_types::{
    CodeActionOptions, CodeActionProviderCapability, DidChangeWatchedFilesRegistrationOptions,
    FileSystemWatcher, GlobPattern, HoverProviderCapability, InitializeParams, MessageType, OneOf,
    Registration, RegistrationParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, Uri,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use self::analysis::{lock, publish, Out, Snapshot};
use self::documents::{file_path, is_dockerfile, Document, Shared};
use self::position::{Encoding, Lines};
use self::settings::{watched_names, Settings};
use crate::error::EXIT_FAILURE;

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Speak the protocol over standard input and output: the only transport, accepted
    /// because editors' LSP clients often pass it
    #[arg(long)]
    pub stdio: bool,

    /// Use this configuration file (`.rbuild.toml`, or a `.hadolint.yaml`) for every document
    /// instead of looking for one next to each Dockerfile and in its parent directories
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Runs the server until the editor says `exit`: 0 after a `shutdown`, 1 without one (as the
/// protocol asks), or when the editor goes away.
pub fn run(args: LspArgs) -> anyhow::Result<ExitCode> {
    // The only transport; the flag is there for the editors that pass it.
    let _ = args.stdio;
    // A `--config` that cannot be used is a usage error before any protocol is spoken.
    let mut settings = Settings::new(args.config)?;
    let (connection, io_threads) = Connection::stdio();
    let (id, params) = connection
        .initialize_start()
        .context("language server: no initialize request")?;
    let params: InitializeParams =
        serde_json::from_value(params).context("language server: bad initialize request")?;
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref()),
    );
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "docker-rbuild".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection
        .initialize_finish(id, serde_json::to_value(result)?)
        .context("language server: no initialized notification")?;
    settings.set_root(workspace_root(&params));
    let sender = connection.sender.clone();
    let out: Out = Arc::new(move |message| {
        // The writer is gone only when the editor is: nothing is left to tell.
        let _ = sender.send(message);
    });
    let mut server = Server {
        out,
        encoding,
        documents: HashMap::new(),
        settings,
        shown: HashSet::new(),
        versioned_edits: params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false),
    };
    let watches = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    if watches {
        server.watch_files();
    }
    let clean = server.main_loop(&connection)?;
    drop(server);
    drop(connection);
    io_threads
        .join()
        .context("language server: standard input or output failed")?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                lsp_types::CodeActionKind::QUICKFIX,
                actions::fix_all_kind(),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// The first workspace folder (else the root URI, else the current directory): where the
/// configuration of a document that is not a file is looked up.
#[allow(deprecated)] // `root_uri`: older clients send only that.
fn workspace_root(params: &InitializeParams) -> PathBuf {
    params
        .workspace_folders
        .iter()
        .flatten()
        .map(|folder| &folder.uri)
        .chain(params.root_uri.as_ref())
        .find_map(file_path)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"))
}

struct Server {
    out: Out,
    encoding: Encoding,
    documents: HashMap<Uri, Document>,
    settings: Settings,
    /// Configuration problems already shown (each once, until the configuration changes).
    shown: HashSet<String>,
    /// The client takes workspace edits bound to a document version.
    versioned_edits: bool,
}

impl Server {
    /// Handles messages until `exit`; true when a `shutdown` came first.
    fn main_loop(&mut self, connection: &Connection) -> anyhow::Result<bool> {
        for message in &connection.receiver {
            match message {
                Message::Request(request) => {
                    if connection
                        .handle_shutdown(&request)
                        .context("language server: shutdown")?
                    {
                        return Ok(true);
                    }
                    self.on_request(request);
                }
                Message::Notification(notification) if notification.method == "exit" => {
                    return Ok(false);
                }
                Message::Notification(notification) => self.on_notification(notification),
                // The answer to the file watch registration: nothing to do either way.
                Message::Response(_) => {}
            }
        }
        Ok(false)
    }

    fn on_notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) =
                    parse::<lsp_types::DidOpenTextDocumentParams>(notification.params)
                {
                    self.open(params.text_document);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) =
                    parse::<lsp_types::DidChangeTextDocumentParams>(notification.params)
                {
                    self.change(params);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) =
                    parse::<lsp_types::DidCloseTextDocumentParams>(notification.params)
                {
                    self.close(&params.text_document.uri);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(params) =
                    parse::<lsp_types::DidChangeWatchedFilesParams>(notification.params)
                {
                    self.files_changed(params);
                }
            }
            // Anything else (saves, settings, cancellations) changes nothing here.
            _ => {}
        }
    }

    fn open(&mut self, item: lsp_types::TextDocumentItem) {
        let path = file_path(&item.uri);
        if !is_dockerfile(&item.language_id, path.as_deref()) {
            return;
        }
        let shared = Arc::new(Mutex::new(Shared {
            latest: Some(item.version),
            linted: None,
        }));
        let settings = self.file_settings(path.as_deref(), &item.uri);
        let document = Document {
            uri: item.uri.clone(),
            path,
            text: Arc::new(item.text),
            version: item.version,
            settings,
            shared,
        };
        self.lint(&document);
        self.documents.insert(item.uri, document);
    }

    fn change(&mut self, params: lsp_types::DidChangeTextDocumentParams) {
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(&params.text_document.uri) else {
            return;
        };
        document.apply(params.content_changes, encoding);
        document.version = params.text_document.version;
        lock(&document.shared).latest = Some(document.version);
        let document = &self.documents[&params.text_document.uri];
        self.lint(document);
    }

    fn close(&mut self, uri: &Uri) {
        if let Some(document) = self.documents.remove(uri) {
            lock(&document.shared).latest = None;
            (self.out)(publish(uri.clone(), Vec::new(), None));
        }
    }

    /// A configuration file or a `.dockerignore` changed: read the configuration again and
    /// lint every open document again.
    fn files_changed(&mut self, params: lsp_types::DidChangeWatchedFilesParams) {
        let names: Vec<String> = params
            .changes
            .iter()
            .filter_map(|change| file_path(&change.uri))
            .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
            .collect();
        if !names.iter().any(|name| watched_names().any(|w| w == name)) {
            return;
        }
        self.shown.clear();
        if let Err(error) = self.settings.reload() {
            self.show_problem(format!("{error:#}"));
        }
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            let path = self.documents[&uri].path.clone();
            let settings = self.file_settings(path.as_deref(), &uri);
            let document = self.documents.get_mut(&uri).expect("listed above");
            document.settings = settings;
            let document = &self.documents[&uri];
            self.lint(document);
        }
    }

    fn file_settings(
        &mut self,
        path: Option<&std::path::Path>,
        uri: &Uri,
    ) -> Arc<settings::FileSettings> {
        let (settings, problem) = self.settings.for_file(path, uri.as_str());
        if let Some(problem) = problem {
            self.show_problem(problem);
        }
        Arc::new(settings)
    }

    /// Tells the user once about a configuration that cannot be used.
    fn show_problem(&mut self, message: String) {
        if self.shown.insert(message.clone()) {
            (self.out)(notification::<ShowMessage>(lsp_types::ShowMessageParams {
                typ: MessageType::ERROR,
                message: format!("docker-rbuild: {message} (not applied until it is fixed)"),
            }));
        }
    }

    fn snapshot(&self, document: &Document) -> Snapshot {
        Snapshot {
            uri: document.uri.clone(),
            text: document.text.clone(),
            version: document.version,
            settings: document.settings.clone(),
            shared: document.shared.clone(),
            encoding: self.encoding,
        }
    }

    fn lint(&self, document: &Document) {
        self.snapshot(document).lint_and_publish(self.out.clone());
    }

    /// Asks the editor to report changes of the configuration files and `.dockerignore`s.
    fn watch_files(&self) {
        let watchers = watched_names()
            .map(|name| FileSystemWatcher {
                glob_pattern: GlobPattern::String(format!("**/{name}")),
                kind: None,
            })
            .collect();
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "rbuild-watched-files".to_string(),
                method: DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                    watchers,
                })
                .ok(),
            }],
        };
        (self.out)(Message::Request(Request::new(
            RequestId::from("rbuild-watch".to_string()),
            RegisterCapability::METHOD.to_string(),
            params,
        )));
    }

    /// Answers a request on a worker thread, from a snapshot of its document.
    fn on_request(&self, request: Request) {
        let Request { id, method, params } = request;
        let versioned = self.versioned_edits;
        match method.as_str() {
            CodeActionRequest::METHOD => self.answer(
                id,
                params,
                |p: &lsp_types::CodeActionParams| &p.text_document.uri,
                move |snapshot, params, _| {
                    Some(actions::code_actions(snapshot, &params, versioned))
                },
            ),
            HoverRequest::METHOD => self.answer(
                id,
                params,
                |p: &lsp_types::HoverParams| &p.text_document_position_params.text_document.uri,
                |snapshot, params, _| {
                    let linted = snapshot.linted();
                    let lines = Lines::new(&linted.report.source, snapshot.encoding);
                    let offset = lines.offset(params.text_document_position_params.position);
                    hover::hover(&linted.report, &lines, offset)
                },
            ),
            Formatting::METHOD => self.answer(
                id,
                params,
                |p: &lsp_types::DocumentFormattingParams| &p.text_document.uri,
                |snapshot, _, out| format(snapshot, None, out),
            ),
            RangeFormatting::METHOD => self.answer(
                id,
                params,
                |p: &lsp_types::DocumentRangeFormattingParams| &p.text_document.uri,
                |snapshot, params, out| format(snapshot, Some(params.range), out),
            ),
            _ => (self.out)(Message::Response(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unknown method {method}"),
            ))),
        }
    }

    /// Parses a request's parameters, takes a snapshot of the document they name (`uri`), and
    /// answers with what `work` makes of them on a worker thread; a document the server does
    /// not lint gets `null`.
    fn answer<P, R>(
        &self,
        id: RequestId,
        params: serde_json::Value,
        uri: impl FnOnce(&P) -> &Uri,
        work: impl FnOnce(&Snapshot, P, &Out) -> Option<R> + Send + 'static,
    ) where
        P: DeserializeOwned + Send + 'static,
        R: Serialize,
    {
        let out = self.out.clone();
        let params: P = match parse(params) {
            Ok(params) => params,
            Err(error) => {
                out(Message::Response(Response::new_err(
                    id,
                    ErrorCode::InvalidParams as i32,
                    error,
                )));
                return;
            }
        };
        let Some(snapshot) = self.documents.get(uri(&params)).map(|d| self.snapshot(d)) else {
            out(Message::Response(Response::new_ok(
                id,
                serde_json::Value::Null,
            )));
            return;
        };
        rayon::spawn(move || {
            let result = work(&snapshot, params, &out);
            out(Message::Response(Response::new_ok(id, result)));
        });
    }
}

/// The formatting edits of a snapshot (in `range`); none, and the reason in the editor's log,
/// when it does not parse.
fn format(
    snapshot: &Snapshot,
    range: Option<lsp_types::Range>,
    out: &Out,
) -> Option<Vec<lsp_types::TextEdit>> {
    let lines = Lines::new(&snapshot.text, snapshot.encoding);
    let range = range.map(|range| lines.span(range));
    match formatting::format_edits(&snapshot.text, &lines, &snapshot.settings.format, range) {
        Ok(edits) => Some(edits),
        Err(reason) => {
            out(notification::<LogMessage>(lsp_types::LogMessageParams {
                typ: MessageType::INFO,
                message: format!("docker-rbuild: {reason}"),
            }));
            None
        }
    }
}

fn parse<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid parameters: {e}"))
}

fn notification<N: lsp_types::notification::Notification>(params: N::Params) -> Message {
    Message::Notification(Notification::new(N::METHOD.to_string(), params))
}
