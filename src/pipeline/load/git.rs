//! `diff --git REF`: the repository as it was at REF, read through `git archive` (git itself,
//! not a reimplementation) and unpacked into a private temporary directory.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// A temporary directory removed on drop.
pub struct TempTree {
    pub path: PathBuf,
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").chars().take(200).collect::<String>();
        return Err(format!("git {} failed: {first}", args.first().unwrap_or(&"")));
    }
    Ok(out.stdout)
}

/// The git top-level containing `path`.
pub fn toplevel(path: &Path) -> Result<PathBuf, String> {
    let dir = if path.is_dir() { path.to_path_buf() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let out = git(&dir, &["rev-parse", "--show-toplevel"])?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out).trim()))
}

/// Unpack the tree of `rev` in the repository at `top` into a fresh temporary directory.
pub fn checkout(top: &Path, rev: &str) -> Result<TempTree, String> {
    if rev.starts_with('-') {
        return Err(format!("invalid git revision {rev:?}"));
    }
    let tar = git(top, &["archive", "--format=tar", rev])?;
    let base = std::env::temp_dir();
    let mut n = 0u32;
    let path = loop {
        let candidate = base.join(format!("bcp-render-{}-{}-{n}", std::process::id(), nanos()));
        match std::fs::create_dir(&candidate) {
            Ok(()) => break candidate,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(format!("cannot create a temporary directory: {e}")),
        }
    };
    let tree = TempTree { path };
    untar(&tar, &tree.path)?;
    Ok(tree)
}

fn nanos() -> u128 {
    // Only to make the directory name unique; never reaches output.
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn octal(field: &[u8]) -> Result<usize, String> {
    let s: String = field.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect();
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    usize::from_str_radix(s, 8).map_err(|_| "malformed tar header from git archive".to_string())
}

fn cstr(field: &[u8]) -> String {
    String::from_utf8_lossy(&field[..field.iter().position(|&b| b == 0).unwrap_or(field.len())]).into_owned()
}

/// A relative path with only normal components, or an error.
fn safe_relative(name: &str) -> Result<PathBuf, String> {
    let p = Path::new(name);
    if p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        Ok(p.to_path_buf())
    } else {
        Err(format!("refusing archive entry {name:?} outside the tree"))
    }
}

/// Minimal ustar/pax reader for `git archive` output: files, directories, symlinks.
fn untar(data: &[u8], dest: &Path) -> Result<(), String> {
    let mut pos = 0;
    let mut long_name: Option<String> = None;
    while pos + 512 <= data.len() {
        let h = &data[pos..pos + 512];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let size = octal(&h[124..136])?;
        let kind = h[156];
        let body_start = pos + 512;
        let body_end =
            body_start.checked_add(size).filter(|&e| e <= data.len()).ok_or("truncated tar from git archive")?;
        let body = &data[body_start..body_end];
        let prefix = cstr(&h[345..500]);
        let mut name = cstr(&h[0..100]);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        if let Some(n) = long_name.take() {
            name = n;
        }
        match kind {
            b'x' => {
                // pax extended header: "LEN path=VALUE\n" records.
                for rec in String::from_utf8_lossy(body).split('\n') {
                    if let Some((_, kv)) = rec.split_once(' ')
                        && let Some(v) = kv.strip_prefix("path=")
                    {
                        long_name = Some(v.to_string());
                    }
                }
            }
            b'g' => {}
            b'0' | 0 => {
                let p = dest.join(safe_relative(&name)?);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&p, body).map_err(|e| e.to_string())?;
            }
            b'5' => {
                std::fs::create_dir_all(dest.join(safe_relative(&name)?)).map_err(|e| e.to_string())?;
            }
            b'2' => {
                // Symlinks are recreated as they are; the loader's confinement decides later
                // whether they may be followed.
                let p = dest.join(safe_relative(&name)?);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                #[cfg(unix)]
                std::os::unix::fs::symlink(cstr(&h[157..257]), &p).map_err(|e| e.to_string())?;
            }
            _ => {}
        }
        pos = body_start + size.div_ceil(512) * 512;
    }
    Ok(())
}
