//! Running the Node.js parts of the suite (openid-client, the browser driver): finding `node`,
//! installing a folder's locked npm packages once, and running a script with a time limit.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".."))
}

/// Whether an environment variable is set to something other than empty, `0` or `false`.
pub fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|s| !s.trim().is_empty() && s.trim() != "0" && s != "false")
}

/// `Ok(true)` when `program --version` runs. When it does not: an error if any of `required_by`
/// is set (CI), else a skip notice and `Ok(false)`.
pub fn available(program: &str, required_by: &[&str], what: &str) -> Result<bool> {
    let found = std::process::Command::new(program).arg("--version").stdin(Stdio::null()).output();
    match found {
        Ok(out) if out.status.success() => Ok(true),
        other => {
            let why = match other {
                Ok(out) => format!("`{program} --version` exited with {}", out.status),
                Err(e) => format!("cannot run `{program}`: {e}"),
            };
            if required_by.iter().any(|v| flag(v)) {
                bail!("{what} is required ({} set) but {why}", required_by.join(" or "));
            }
            eprintln!("skipping {what} tests: {why} (set {} to make this a failure)", required_by.join(" or "));
            Ok(false)
        }
    }
}

/// `npm ci` in `dir` unless `marker` (a path under `node_modules`) is already there; serialised
/// across test processes by a file lock.
pub fn npm_ci(dir: &Path, marker: &str) -> Result<()> {
    let installed = || dir.join("node_modules").join(marker).exists();
    if installed() {
        return Ok(());
    }
    let lock_path = std::env::temp_dir().join("ent-e2e-npm-ci.lock");
    let lock = std::fs::File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock().with_context(|| format!("locking {}", lock_path.display()))?;
    if installed() {
        return Ok(());
    }
    eprintln!("npm ci --prefix {}", dir.display());
    let out = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .context("running npm ci (is npm installed?)")?;
    ensure!(
        out.status.success() && installed(),
        "npm ci failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// What a script printed.
pub struct ScriptOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl ScriptOutput {
    /// The last non-empty line of stdout.
    pub fn last_line(&self) -> Option<&str> {
        self.stdout.lines().rev().find(|l| !l.trim().is_empty())
    }
}

/// Runs `node script` from the workspace root with the given environment (variables in
/// `clear` are removed first, so nothing from the caller's environment changes the run).
pub async fn run_script(
    script: &Path,
    clear: &[&str],
    vars: &[(&str, String)],
    limit: Duration,
) -> Result<ScriptOutput> {
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(script)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for var in clear {
        cmd.env_remove(var);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let child = cmd.spawn().with_context(|| format!("spawning node {}", script.display()))?;
    let out = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .with_context(|| format!("{} did not finish within {limit:?}", script.display()))?
        .context("waiting for the script")?;
    Ok(ScriptOutput {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
