//! Linting an open document off the main loop, and its findings as LSP diagnostics.

use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};
use rbuild_lints::diagnostic::{Diagnostic, Severity};

use super::documents::Shared;
use super::position::{Encoding, Lines};
use super::settings::FileSettings;
use crate::commands::fix::FixMode;
use crate::commands::lint::{lint_bytes, LintedFile};
use crate::report::FileReport;

/// Sends a message to the editor (from any thread).
pub type Out = Arc<dyn Fn(Message) + Send + Sync>;

/// One version of a document, as a thread works on it.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub text: Arc<String>,
    pub version: i32,
    pub settings: Arc<FileSettings>,
    pub shared: Arc<Mutex<Shared>>,
    pub encoding: Encoding,
}

/// The findings of one version of a document.
pub struct Linted {
    pub version: i32,
    pub report: FileReport,
}

pub fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A thread that panicked cannot have left the version and results half-written.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Snapshot {
    /// Lints this version as `lint` does (ShellCheck included when the configuration asks).
    fn lint(&self) -> Linted {
        let settings = &self.settings;
        let LintedFile {
            mut report,
            dockerfile,
            ..
        } = lint_bytes(
            &settings.name,
            self.text.as_bytes(),
            &settings.options,
            &settings.rules,
            FixMode::Off,
            settings.shellcheck.is_some(),
        );
        if let (Some(shellcheck), Some(dockerfile)) = (&settings.shellcheck, &dockerfile) {
            // ShellCheck failing to run leaves our own findings: they are still right.
            if let Ok(found) = shellcheck.findings(&[(dockerfile, &settings.rules)]) {
                report.add(found.into_iter().flatten().collect());
            }
        }
        Linted {
            version: self.version,
            report,
        }
    }

    /// The findings of this version: those the last lint published, or a new lint.
    pub fn linted(&self) -> Arc<Linted> {
        if let Some(linted) = lock(&self.shared)
            .linted
            .clone()
            .filter(|l| l.version == self.version)
        {
            return linted;
        }
        Arc::new(self.lint())
    }

    fn is_latest(&self, shared: &Shared) -> bool {
        shared.latest == Some(self.version)
    }

    /// Lints on a worker thread and publishes the diagnostics, unless a newer version (or
    /// the document's closing) came first: then the work is skipped or its result dropped.
    pub fn lint_and_publish(self, out: Out) {
        rayon::spawn(move || {
            if !self.is_latest(&lock(&self.shared)) {
                return;
            }
            let linted = Arc::new(self.lint());
            let lines = Lines::new(&self.text, self.encoding);
            let diagnostics = linted
                .report
                .diagnostics
                .iter()
                .map(|d| to_lsp(d, &self.uri, &lines))
                .collect();
            // Checked and sent under the lock, so that an older result can never be sent after
            // a newer one.
            let mut shared = lock(&self.shared);
            if !self.is_latest(&shared) {
                return;
            }
            shared.linted = Some(linted);
            out(publish(self.uri.clone(), diagnostics, Some(self.version)));
        });
    }
}

/// The `textDocument/publishDiagnostics` notification.
pub fn publish(uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) -> Message {
    Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    ))
}

/// Where a rule's documentation is read (`docker rbuild rules CODE` prints the same).
fn docs_link() -> Option<Uri> {
    Uri::from_str(concat!(env!("CARGO_PKG_REPOSITORY"), "#rules")).ok()
}

/// One finding as an LSP diagnostic: the rule code with the link to the rules' docs, the
/// severity (style as a hint), the help after the message, and the labels as related places.
pub fn to_lsp(diagnostic: &Diagnostic, uri: &Uri, lines: &Lines<'_>) -> lsp_types::Diagnostic {
    let message = match &diagnostic.help {
        Some(help) => format!("{}\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    };
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(label.span)),
            message: label.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: lines.range(diagnostic.span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
            Severity::Style => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(diagnostic.rule.code.to_string())),
        code_description: docs_link().map(|href| CodeDescription { href }),
        source: Some("rbuild".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
