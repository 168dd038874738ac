//! Git contexts: `URL#ref:subdir`, fetched shallowly with the `git` program into a temporary
//! directory (with submodules, recursively), as the docker CLI does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;

use crate::error::input_error;

/// Where to fetch from and what to check out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GitRemote {
    pub(crate) url: String,
    /// Branch, tag or commit; `None` means the remote's default branch.
    pub(crate) reference: Option<String>,
    /// The context directory inside the repository.
    pub(crate) subdir: Option<String>,
}

/// A checked-out repository; the directory is removed when this is dropped.
#[derive(Debug)]
pub(crate) struct Checkout {
    _root: tempfile::TempDir,
    /// The context directory (the repository root or the requested subdirectory).
    pub(crate) context: PathBuf,
}

/// Splits `URL#ref:subdir`; URLs without a scheme (`github.com/...`) get `https://`.
pub(crate) fn parse_remote(location: &str) -> anyhow::Result<GitRemote> {
    let has_scheme = ["http://", "https://", "git://", "git@"]
        .iter()
        .any(|prefix| location.starts_with(prefix));
    let location = if has_scheme {
        location.to_string()
    } else {
        format!("https://{location}")
    };
    let (url, fragment) = match location.split_once('#') {
        Some((url, fragment)) => (url.to_string(), fragment),
        None => (location.clone(), ""),
    };
    let (reference, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    if reference.starts_with('-') {
        return Err(input_error(format!("invalid git reference: {reference}")));
    }
    Ok(GitRemote {
        url,
        reference: non_empty(reference),
        subdir: non_empty(subdir),
    })
}

/// Fetches `remote` and returns the checked-out context directory.
pub(crate) fn clone(remote: &GitRemote) -> anyhow::Result<Checkout> {
    let git =
        which::which("git").context("a git URL needs the `git` program, and it is not on PATH")?;
    let root = tempfile::Builder::new()
        .prefix("rbuild-git-")
        .tempdir()
        .context("cannot create a directory for the git checkout")?;
    let run = |args: &[&str]| run_git(&git, root.path(), args);
    run(&["init", "--quiet"])?;
    run(&["remote", "add", "origin", &remote.url])?;
    let reference = remote.reference.as_deref().unwrap_or("HEAD");
    // A shallow fetch is what docker does; dumb HTTP servers refuse it, so retry in full, and
    // an abbreviated commit id is no ref name at all: then fetch everything and check it out.
    let shallow = [
        "fetch", "--quiet", "--depth", "1", "origin", "--", reference,
    ];
    run(&shallow)
        .or_else(|_| run(&["fetch", "--quiet", "origin", "--", reference]))
        .or_else(|err| match remote.reference {
            Some(_) => run(&["fetch", "--quiet", "--tags", "origin"]),
            None => Err(err),
        })
        .with_context(|| format!("cannot fetch {reference} from {}", remote.url))?;
    // Checking out by name leaves a branch checked out; a commit id falls back to FETCH_HEAD.
    if remote.reference.is_none() || run(&["checkout", "--quiet", reference]).is_err() {
        run(&["checkout", "--quiet", "FETCH_HEAD"])
            .with_context(|| format!("cannot check out {reference}"))?;
    }
    run(&[
        "submodule",
        "update",
        "--quiet",
        "--init",
        "--recursive",
        "--depth=1",
    ])
    .context("cannot fetch the submodules")?;
    let context = match &remote.subdir {
        None => root.path().to_path_buf(),
        Some(subdir) => checkout_subdir(root.path(), subdir)?,
    };
    Ok(Checkout {
        _root: root,
        context,
    })
}

/// The subdirectory, which must exist and (symlinks resolved) stay inside the repository.
fn checkout_subdir(root: &Path, subdir: &str) -> anyhow::Result<PathBuf> {
    let root = root.canonicalize()?;
    let resolved = root
        .join(subdir)
        .canonicalize()
        .map_err(|err| input_error(format!("git context directory {subdir:?}: {err}")))?;
    if !resolved.starts_with(&root) {
        return Err(input_error(format!(
            "git context directory {subdir:?} is outside the repository"
        )));
    }
    if !resolved.is_dir() {
        return Err(input_error(format!(
            "git context directory {subdir:?} is not a directory"
        )));
    }
    Ok(resolved)
}

fn run_git(git: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new(git)
        .args(args)
        .current_dir(dir)
        // Never wait for a password prompt: a build is not interactive.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", git.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    anyhow::bail!(
        "git {} failed ({}): {}",
        args.first().copied().unwrap_or_default(),
        output.status,
        message.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_split_reference_and_subdir() {
        assert_eq!(
            parse_remote("https://example.com/repo.git#v1.2:docker/app").unwrap(),
            GitRemote {
                url: "https://example.com/repo.git".into(),
                reference: Some("v1.2".into()),
                subdir: Some("docker/app".into()),
            }
        );
        assert_eq!(
            parse_remote("github.com/owner/repo").unwrap(),
            GitRemote {
                url: "https://github.com/owner/repo".into(),
                reference: None,
                subdir: None,
            }
        );
        let ssh = parse_remote("git@github.com:owner/repo.git#:sub").unwrap();
        assert_eq!(ssh.url, "git@github.com:owner/repo.git");
        assert_eq!(ssh.reference, None);
        assert_eq!(ssh.subdir.as_deref(), Some("sub"));
        assert!(parse_remote("https://x/r.git#--upload-pack=evil").is_err());
    }

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn clones_a_branch_and_a_subdirectory_with_the_real_git() {
        let upstream = tempfile::tempdir().unwrap();
        let repo = upstream.path();
        git(repo, &["init", "--quiet", "--initial-branch=main"]);
        std::fs::create_dir(repo.join("app")).unwrap();
        std::fs::write(repo.join("app/Dockerfile"), "FROM scratch\n").unwrap();
        git(repo, &["add", "."]);
        git(repo, &["commit", "--quiet", "-m", "first"]);
        git(repo, &["checkout", "--quiet", "-b", "feature"]);
        std::fs::write(repo.join("app/feature.txt"), "yes\n").unwrap();
        git(repo, &["add", "."]);
        git(repo, &["commit", "--quiet", "-m", "second"]);
        git(repo, &["checkout", "--quiet", "main"]);
        let url = format!("file://{}", repo.display());

        let remote = GitRemote {
            url: url.clone(),
            reference: Some("feature".into()),
            subdir: Some("app".into()),
        };
        let checkout = clone(&remote).unwrap();
        assert!(checkout.context.join("Dockerfile").is_file());
        assert!(checkout.context.join("feature.txt").is_file());

        let default_branch = clone(&GitRemote {
            url: url.clone(),
            reference: None,
            subdir: None,
        })
        .unwrap();
        assert!(!default_branch.context.join("app/feature.txt").exists());

        let head = Command::new("git")
            .args(["rev-parse", "--short", "main"])
            .current_dir(repo)
            .output()
            .unwrap();
        let short = String::from_utf8(head.stdout).unwrap().trim().to_string();
        let by_commit = clone(&GitRemote {
            url: url.clone(),
            reference: Some(short),
            subdir: Some("app".into()),
        })
        .unwrap();
        assert!(by_commit.context.join("Dockerfile").is_file());
        assert!(!by_commit.context.join("feature.txt").exists());

        let escaping = GitRemote {
            url,
            reference: None,
            subdir: Some("../..".into()),
        };
        let err = clone(&escaping).unwrap_err();
        assert!(
            format!("{err:#}").contains("outside the repository"),
            "{err:#}"
        );
    }
}
