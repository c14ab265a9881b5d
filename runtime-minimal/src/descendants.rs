//! Finding and killing what a mounted binary left behind (Linux, through `/proc`).
//!
//! A mounted binary runs in its own process group, which is killed when the run ends. A
//! process that leaves the group (`setsid`, `setpgid`) is found two more ways:
//!
//! - [`Family`]: the binary's descendants by parent pid, scanned while it runs (every poll
//!   of the wait loop) and once more at its end; each is remembered with its start time, so
//!   a pid reused later by an unrelated process is never killed. The binary itself is made a
//!   child subreaper (`PR_SET_CHILD_SUBREAPER`, [`become_subreaper`]), so a grandchild
//!   orphaned while the binary runs stays its descendant instead of moving to init.
//! - [`pipe_holders`]: processes still holding the write end of the binary's stdout or
//!   stderr pipe after it exited.
//!
//! What remains possible: a process created, detached with `setsid`, orphaned by the exit of
//! the binary and with its stdout and stderr closed or redirected, all within one poll
//! interval (at most 10 ms), is not found. Elsewhere than on Linux only the process group is
//! killed.

use std::collections::HashMap;

/// One process as `/proc/<pid>/stat` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stat {
    pid: u32,
    ppid: u32,
    /// Start time in clock ticks after boot: with the pid, identifies the process.
    start: u64,
}

/// Parses `/proc/<pid>/stat` (the command name may hold spaces and parentheses).
fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_once(' ')?.0.trim().parse().ok()?;
    // Fields after the name: state (3), ppid (4), …, starttime (22).
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        pid,
        ppid: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

fn read_stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The children of `pid` (of all its threads), from `/proc/<pid>/task/*/children`; `None`
/// when the process is gone or the kernel has no such lists.
fn children(pid: u32) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let list = std::fs::read_to_string(task.ok()?.path().join("children")).ok()?;
        out.extend(
            list.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    Some(out)
}

/// Every process visible in `/proc`.
fn all_processes() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        read_stat(pid)
    })
    .collect()
}

/// The descendants of a running binary seen so far.
#[derive(Debug, Default)]
pub(crate) struct Family {
    root: u32,
    /// Descendant pid → start time.
    seen: HashMap<u32, u64>,
}

impl Family {
    /// The family of the process `root` (not itself a member: it is reaped by its owner).
    pub(crate) fn new(root: u32) -> Self {
        Family {
            root,
            seen: HashMap::new(),
        }
    }

    /// Adds the root's current descendants, and the descendants of any member seen before
    /// that still runs. Reads only the family's `/proc/<pid>/task/*/children` lists where the
    /// kernel has them, else every process's `stat`.
    pub(crate) fn scan(&mut self) {
        let Some(root_children) = children(self.root) else {
            self.scan_all();
            return;
        };
        let mut queue: Vec<u32> = root_children;
        for (&pid, &start) in &self.seen {
            if read_stat(pid).is_some_and(|s| s.start == start) {
                queue.extend(children(pid).unwrap_or_default());
            }
        }
        while let Some(pid) = queue.pop() {
            if pid == self.root || self.seen.contains_key(&pid) {
                continue;
            }
            if let Some(stat) = read_stat(pid) {
                self.seen.insert(pid, stat.start);
                queue.extend(children(pid).unwrap_or_default());
            }
        }
    }

    /// [`Family::scan`] over every process in `/proc`.
    fn scan_all(&mut self) {
        let processes = all_processes();
        let alive =
            |pid: &u32, start: &u64| processes.iter().any(|p| p.pid == *pid && p.start == *start);
        let mut parents: Vec<u32> = std::iter::once(self.root)
            .chain(
                self.seen
                    .iter()
                    .filter(|(pid, start)| alive(pid, start))
                    .map(|(pid, _)| *pid),
            )
            .collect();
        while let Some(parent) = parents.pop() {
            for p in processes.iter().filter(|p| p.ppid == parent) {
                if p.pid != self.root && self.seen.insert(p.pid, p.start).is_none() {
                    parents.push(p.pid);
                }
            }
        }
    }

    /// Sends SIGKILL to every descendant seen that still runs (same pid and start time).
    /// Returns how many were signalled.
    pub(crate) fn kill_all(&self) -> usize {
        let mut killed = 0;
        for (&pid, &start) in &self.seen {
            if read_stat(pid).is_some_and(|s| s.start == start) && sigkill(pid) {
                killed += 1;
            }
        }
        killed
    }
}

fn sigkill(pid: u32) -> bool {
    match libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions; pid > 0 names one process.
        Ok(pid) if pid > 0 => unsafe { libc::kill(pid, libc::SIGKILL) == 0 },
        _ => false,
    }
}

/// The `/proc/self/fd` link text of our descriptor `fd` (e.g. `pipe:[1234]`).
pub(crate) fn fd_link(fd: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Processes other than this one with a descriptor whose link text is one of `links`
/// (the pipes of a binary's stdout and stderr).
pub(crate) fn pipe_holders(links: &[String]) -> Vec<u32> {
    if links.is_empty() {
        return Vec::new();
    }
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.filter_map(Result::ok).any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| links.iter().any(|l| target.as_os_str() == l.as_str()))
                })
            })
        })
        .collect()
}

/// Kills `pids` (SIGKILL); returns how many were signalled.
pub(crate) fn kill_pids(pids: &[u32]) -> usize {
    pids.iter().filter(|&&pid| sigkill(pid)).count()
}

/// Makes the calling process a child subreaper. Called in the forked child before `exec`:
/// one system call, async-signal-safe.
pub(crate) fn become_subreaper() -> std::io::Result<()> {
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) only sets a flag of the calling process.
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names() {
        let line = "42 (a) b (c)) S 7 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1 2";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                pid: 42,
                ppid: 7,
                start: 98765
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        let me = read_stat(std::process::id()).unwrap();
        assert_eq!(me.pid, std::process::id());
    }

    #[test]
    fn a_family_is_found_by_both_scans() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .spawn()
            .unwrap();
        let root = child.id();
        let mut fast = Family::new(root);
        let mut full = Family::new(root);
        let start = std::time::Instant::now();
        while fast.seen.len() < 2 && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(10));
            fast.scan();
        }
        full.scan_all();
        assert_eq!(fast.seen.len(), 2, "{fast:?}");
        assert_eq!(fast.seen, full.seen);
        assert_eq!(fast.kill_all(), 2);
        let _ = child.kill();
        let _ = child.wait();
    }
}
