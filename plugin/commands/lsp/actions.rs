//! Code actions: each finding's fix as a quick fix, "fix all safe problems in this file", and
//! "ignore RBxxx for this instruction" (which writes the ignore comment).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, TextEdit, WorkspaceEdit,
};
use rbuild_lints::diagnostic::{Edit, Safety};
use rbuild_lints::fix::{self, FixOptions};
use rbuild_lints::linter::{ignore_edit, instruction_at};
use rbuild_lints::rule::Checker;
use rbuild_lints::syntax::{self, Span};

use super::analysis::{to_lsp, Snapshot};
use super::position::Lines;

/// The kind of "fix all safe problems": editors run it on save when asked for
/// `source.fixAll`.
pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.rbuild")
}

/// The actions for the findings in the requested range, and the file-wide fix.
pub fn code_actions(
    snapshot: &Snapshot,
    params: &CodeActionParams,
    versioned_edits: bool,
) -> Vec<CodeActionOrCommand> {
    let linted = snapshot.linted();
    let text = linted.report.source.as_str();
    let lines = Lines::new(text, snapshot.encoding);
    let wanted = lines.span(params.range);
    let settings = &snapshot.settings;
    let edit = |edits: Vec<Edit>| workspace_edit(snapshot, &lines, edits, versioned_edits);
    let only = params.context.only.as_deref();
    let dockerfile = syntax::parse(text).ok();
    let mut actions = Vec::new();
    for diagnostic in linted
        .report
        .diagnostics
        .iter()
        .filter(|d| d.span.start <= wanted.end && wanted.start <= d.span.end)
    {
        let as_lsp = to_lsp(diagnostic, &snapshot.uri, &lines);
        if let Some(found) = diagnostic
            .fix
            .as_ref()
            .filter(|_| asked(only, &CodeActionKind::QUICKFIX))
        {
            // A fix that would break the file or add an error is not offered (as `--fix`
            // would not apply it).
            if let Ok(edits) = fix::checked_edits(
                text,
                &linted.report.diagnostics,
                diagnostic,
                &settings.options,
                &settings.rules,
            ) {
                let safe = found.safety == Safety::Safe;
                actions.push(CodeAction {
                    title: if safe {
                        format!("{} ({})", found.message, diagnostic.rule.code)
                    } else {
                        format!("{} ({}, unsafe fix)", found.message, diagnostic.rule.code)
                    },
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![as_lsp.clone()]),
                    edit: Some(edit(edits)),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                });
            }
        }
        let instruction = dockerfile
            .as_ref()
            .filter(|_| asked(only, &CodeActionKind::QUICKFIX))
            // The engine's own findings (syntax errors, ignore comments) cannot be ignored.
            .filter(|_| !matches!(diagnostic.rule.check, Checker::Engine))
            .and_then(|d| Some((d, instruction_at(d, diagnostic.span.start)?)));
        if let Some((dockerfile, instruction)) = instruction {
            // A ShellCheck finding (RB901, its message starting with its id) is ignored by its
            // own id: the instruction's other ShellCheck findings stay.
            let code = match diagnostic.rule.check {
                Checker::External => diagnostic
                    .message
                    .split_once(": ")
                    .map_or(diagnostic.rule.code, |(id, _)| id),
                _ => diagnostic.rule.code,
            };
            actions.push(CodeAction {
                title: format!("Ignore {code} for this instruction"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![as_lsp]),
                edit: Some(edit(vec![ignore_edit(dockerfile, instruction, code)])),
                ..CodeAction::default()
            });
        }
    }
    let any_safe_fix = linted
        .report
        .diagnostics
        .iter()
        .any(|d| d.fix.as_ref().is_some_and(|f| f.safety == Safety::Safe));
    if any_safe_fix && asked(only, &fix_all_kind()) {
        let fixed = fix::fix(
            text.as_bytes(),
            &settings.options,
            &settings.rules,
            FixOptions::default(),
        );
        if fixed.changed() {
            let count = fixed.applied.len();
            actions.push(CodeAction {
                title: format!(
                    "Fix all safe problems in this file ({count} fix{})",
                    if count == 1 { "" } else { "es" }
                ),
                kind: Some(fix_all_kind()),
                edit: Some(edit(vec![changed_part(text, &fixed.source)])),
                ..CodeAction::default()
            });
        }
    }
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// Whether the client asked for actions of `kind` (`only` lists kinds and their parents).
fn asked(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    only.is_none_or(|kinds| {
        kinds.iter().any(|wanted| {
            kind.as_str() == wanted.as_str()
                || kind
                    .as_str()
                    .strip_prefix(wanted.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

/// One edit replacing the part of `old` that differs from `new` (from the first to the last
/// changed character), so that the editor keeps its cursor and folds elsewhere.
fn changed_part(old: &str, new: &str) -> Edit {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let longest_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(longest_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Edit {
        span: Span::new(prefix, old.len() - suffix),
        replacement: new[prefix..new.len() - suffix].to_string(),
    }
}

/// Byte-range edits of the snapshot's text as a workspace edit: bound to the document's
/// version when the client takes versioned edits (so that it refuses them on a newer text).
pub fn workspace_edit(
    snapshot: &Snapshot,
    lines: &Lines<'_>,
    edits: Vec<Edit>,
    versioned: bool,
) -> WorkspaceEdit {
    let edits: Vec<TextEdit> = text_edits(lines, edits);
    if versioned {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: snapshot.uri.clone(),
                    version: Some(snapshot.version),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(snapshot.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    }
}

/// Byte-range edits as LSP text edits.
pub fn text_edits(lines: &Lines<'_>, edits: Vec<Edit>) -> Vec<TextEdit> {
    edits
        .into_iter()
        .map(|edit| TextEdit::new(lines.range(edit.span), edit.replacement))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_part_is_one_edit_on_character_boundaries() {
        let old = "FROM a\nRUN é\nCMD x\n";
        let new = "FROM a\nRUN è\nCMD [\"x\"]\n";
        let edit = changed_part(old, new);
        let applied = rbuild_lints::edits::apply(old, std::slice::from_ref(&edit)).unwrap();
        assert_eq!(applied, new);
        assert_eq!(&old[..edit.span.start], "FROM a\nRUN ");
    }
}
