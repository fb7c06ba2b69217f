//! The checker thread: checks the open labs off the thread that answers requests, keeps
//! each lab's diagnostics per file, and publishes their merge.
//!
//! The request thread posts a snapshot of the open documents after every change; the
//! checker takes only the newest (a newer snapshot supersedes a queued one), checks the
//! labs whose inputs changed, stops between labs when a newer snapshot arrives, and
//! publishes only while its snapshot is still the newest, so stale results never reach
//! the editor.
//!
//! Which open documents are labs: every open document that no other open lab imports.
//! A file open on its own and imported by an open lab is checked as part of that lab
//! (checked alone, it would miss the declarations of the lab around it and report false
//! errors); its own syntax errors are still shown, from parsing it. A file imported by
//! several open labs shows the union of their diagnostics, without duplicates.

use crate::convert;
use crate::index::Checked;
use crate::outbox::Outbox;
use infrac_driver::{check_with, read_source};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, PublishDiagnosticsParams};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

/// One open document as the editor last sent it.
#[derive(Clone, Debug)]
pub(crate) struct Doc {
    pub text: Arc<str>,
    pub version: i32,
    /// Changes whenever the text does (unique across documents), so a lab can tell
    /// whether what it read is still current.
    pub serial: u64,
}

/// The open documents at one moment.
pub(crate) struct Snapshot {
    pub generation: u64,
    pub docs: BTreeMap<PathBuf, Doc>,
    /// Bumped when files on disk changed, which every lab may have read.
    pub disk_epoch: u64,
}

/// What the request thread and the checker share.
#[derive(Default)]
pub(crate) struct Shared {
    posted: Mutex<Posted>,
    wake: Condvar,
    /// The newest generation posted, readable without the lock.
    latest: AtomicU64,
    /// The last analysis of each open lab, by root, for requests (hover, definition).
    analyses: Mutex<BTreeMap<PathBuf, Arc<Checked>>>,
}

#[derive(Default)]
struct Posted {
    snapshot: Option<Snapshot>,
    stop: bool,
}

impl Shared {
    /// Replaces any snapshot not yet taken by the checker.
    pub(crate) fn post(&self, snapshot: Snapshot) {
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        self.latest.store(snapshot.generation, Ordering::SeqCst);
        posted.snapshot = Some(snapshot);
        self.wake.notify_all();
    }

    pub(crate) fn stop(&self) {
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        posted.stop = true;
        self.wake.notify_all();
    }

    fn take(&self) -> Option<Snapshot> {
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if posted.stop {
                return None;
            }
            if let Some(snapshot) = posted.snapshot.take() {
                return Some(snapshot);
            }
            posted = self.wake.wait(posted).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn superseded(&self, generation: u64) -> bool {
        self.latest.load(Ordering::SeqCst) != generation
    }

    /// The last analysis that covers `path`: the lab rooted there, else one importing it.
    pub(crate) fn analysis_for(&self, path: &Path) -> Option<Arc<Checked>> {
        let analyses = self.analyses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(analysis) = analyses.get(path) {
            return Some(Arc::clone(analysis));
        }
        let name = path.to_string_lossy();
        analyses
            .values()
            .find(|a| a.sources.find(&name).is_some())
            .cloned()
    }

    /// Every lab's last analysis, with its root.
    pub(crate) fn labs(&self) -> Vec<(PathBuf, Arc<Checked>)> {
        let analyses = self.analyses.lock().unwrap_or_else(|e| e.into_inner());
        analyses
            .iter()
            .map(|(root, a)| (root.clone(), Arc::clone(a)))
            .collect()
    }

    /// Keeps the labs' analyses for requests; returns the ones they replace, for the
    /// caller to drop once it has published (freeing a large lab's analysis takes a few
    /// milliseconds the editor should not wait for).
    fn keep_analyses(&self, labs: &BTreeMap<PathBuf, Lab>) -> BTreeMap<PathBuf, Arc<Checked>> {
        let mut analyses = self.analyses.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(
            &mut *analyses,
            labs.iter()
                .map(|(root, lab)| (root.clone(), Arc::clone(&lab.analysis)))
                .collect(),
        )
    }
}

/// How long the editor must be quiet before the checker builds the name index of a new
/// analysis. Built at once, it would share the machine with the check of the next
/// keystroke while someone types (at ten keys a second, one every 100 ms); a request
/// that comes before it builds the index itself.
const INDEX_AFTER_QUIET: std::time::Duration = std::time::Duration::from_millis(150);

/// Runs the checker until [`Shared::stop`].
pub(crate) fn run(shared: &Arc<Shared>, outbox: &Outbox) {
    let mut checker = Checker::default();
    while let Some(snapshot) = shared.take() {
        let generation = snapshot.generation;
        let result = checker.pass(&snapshot, || shared.superseded(generation));
        // Dropped at the end of this round, after publishing.
        let _replaced = shared.keep_analyses(&checker.labs);
        let Some(result) = result else {
            continue;
        };
        // Publish under the lock the request thread posts under, so no snapshot can be
        // posted between the last look at the generation and the sending.
        let posted = shared.posted.lock().unwrap_or_else(|e| e.into_inner());
        if posted.stop || shared.superseded(generation) {
            continue;
        }
        for params in result.publish {
            if !outbox.notify(PublishDiagnostics::METHOD, &params) {
                return;
            }
        }
        checker.published = result.published;
        drop(posted);
        // With the diagnostics out, build the name index of each new analysis before the
        // first hover or completion asks for it, once typing pauses, on a thread of its
        // own so no check waits for it (a request that comes first waits for the same
        // build instead of starting another).
        // The thread holds the analyses weakly: by the time it wakes, the next keystroke
        // may have replaced them, and the last holder of a large analysis frees it, in
        // memory the checker's thread allocated and would get back only later.
        let fresh: Vec<Weak<Checked>> = checker
            .labs
            .values()
            .filter(|lab| !lab.analysis.has_index())
            .map(|lab| Arc::downgrade(&lab.analysis))
            .collect();
        if !fresh.is_empty() {
            let shared = Arc::clone(shared);
            let _ = std::thread::Builder::new()
                .name("infrac-lsp-index".into())
                .spawn(move || {
                    std::thread::sleep(INDEX_AFTER_QUIET);
                    if shared.superseded(generation) {
                        return;
                    }
                    for analysis in fresh.iter().filter_map(Weak::upgrade) {
                        analysis.index();
                    }
                });
        }
    }
}

/// One lab's last check.
struct Lab {
    /// Every path the check read or asked about, with the serial of the open document
    /// it came from (`None`: from disk or missing).
    reads: BTreeMap<PathBuf, Option<u64>>,
    disk_epoch: u64,
    /// The lab's own files (root and imports, no stdlib).
    files: BTreeSet<PathBuf>,
    diagnostics: BTreeMap<PathBuf, Vec<Diagnostic>>,
    analysis: Arc<Checked>,
}

impl Lab {
    fn fresh(&self, snapshot: &Snapshot) -> bool {
        self.disk_epoch == snapshot.disk_epoch
            && self
                .reads
                .iter()
                .all(|(path, serial)| snapshot.docs.get(path).map(|d| d.serial) == *serial)
    }
}

/// What a pass wants published, and the state the editor is in once it is.
struct PassResult {
    publish: Vec<PublishDiagnosticsParams>,
    published: BTreeMap<PathBuf, (Option<i32>, Vec<Diagnostic>)>,
}

#[derive(Default)]
struct Checker {
    labs: BTreeMap<PathBuf, Lab>,
    /// The syntax diagnostics of open documents, by serial.
    parses: BTreeMap<PathBuf, (u64, Vec<Diagnostic>)>,
    /// What the editor shows per file: the document version and the diagnostics.
    published: BTreeMap<PathBuf, (Option<i32>, Vec<Diagnostic>)>,
}

impl Checker {
    /// Brings every lab up to `snapshot`; `None` when a newer snapshot superseded it.
    fn pass(&mut self, snapshot: &Snapshot, superseded: impl Fn() -> bool) -> Option<PassResult> {
        self.labs.retain(|root, _| snapshot.docs.contains_key(root));
        self.parses
            .retain(|path, _| snapshot.docs.contains_key(path));
        loop {
            let roots = self.roots(snapshot);
            // Check first the stale labs known to import other open documents: once they
            // are fresh, those documents are no longer checked on their own.
            let mut stale: Vec<&PathBuf> = roots
                .iter()
                .filter(|root| !self.labs.get(*root).is_some_and(|l| l.fresh(snapshot)))
                .collect();
            stale.sort_by_key(|root| {
                std::cmp::Reverse(self.labs.get(*root).map_or(0, |lab| {
                    snapshot
                        .docs
                        .keys()
                        .filter(|d| d != root && lab.files.contains(*d))
                        .count()
                }))
            });
            let Some(root) = stale.first().map(|r| (*r).clone()) else {
                break;
            };
            if superseded() {
                return None;
            }
            let previous = self.labs.get(&root).map(|lab| Arc::clone(&lab.analysis));
            let lab = check(&root, snapshot, previous.as_deref());
            self.labs.insert(root, lab);
        }
        let roots = self.roots(snapshot);
        let mut merged: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        for root in &roots {
            if let Some(lab) = self.labs.get(root) {
                for (file, diagnostics) in &lab.diagnostics {
                    merged
                        .entry(file.clone())
                        .or_default()
                        .extend(diagnostics.iter().cloned());
                }
            }
        }
        for (path, doc) in &snapshot.docs {
            // Every open document is published once per version, clean or not.
            merged.entry(path.clone()).or_default();
            if roots.contains(path) {
                continue;
            }
            let parsed = match self.parses.get(path) {
                Some((serial, diagnostics)) if *serial == doc.serial => diagnostics.clone(),
                _ => {
                    let diagnostics = syntax_diagnostics(path, &doc.text);
                    self.parses
                        .insert(path.clone(), (doc.serial, diagnostics.clone()));
                    diagnostics
                }
            };
            merged.entry(path.clone()).or_default().extend(parsed);
        }
        let mut published = BTreeMap::new();
        let mut publish = Vec::new();
        for (path, mut diagnostics) in merged {
            dedup_sorted(&mut diagnostics);
            let version = snapshot.docs.get(&path).map(|d| d.version);
            let unchanged = self
                .published
                .get(&path)
                .is_some_and(|(v, d)| *v == version && *d == diagnostics);
            let is_open = version.is_some();
            if !unchanged
                && (is_open || !diagnostics.is_empty() || self.published.contains_key(&path))
            {
                publish.extend(params(&path, version, diagnostics.clone()));
            }
            if is_open || !diagnostics.is_empty() {
                published.insert(path, (version, diagnostics));
            }
        }
        for (path, (_, diagnostics)) in &self.published {
            if !published.contains_key(path) && !diagnostics.is_empty() {
                publish.extend(params(path, None, Vec::new()));
            }
        }
        Some(PassResult { publish, published })
    }

    /// The open documents that no other open lab imports (two labs importing each other
    /// are both roots). Only fresh labs count: a stale one may have dropped the import.
    fn roots(&self, snapshot: &Snapshot) -> BTreeSet<PathBuf> {
        let imports = |lab: &Path, file: &Path| {
            self.labs
                .get(lab)
                .is_some_and(|l| l.fresh(snapshot) && l.files.contains(file))
        };
        snapshot
            .docs
            .keys()
            .filter(|doc| {
                !snapshot
                    .docs
                    .keys()
                    .any(|other| other != *doc && imports(other, doc) && !imports(doc, other))
            })
            .cloned()
            .collect()
    }
}

/// Sorts by position and drops repeats (two labs reporting the same problem in a shared
/// file).
fn dedup_sorted(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    diagnostics.retain(|d| seen.insert(serde_json::to_string(d).unwrap_or_default()));
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.range.start.line,
                d.range.start.character,
                d.range.end.line,
                d.range.end.character,
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| format!("{:?}", a.code).cmp(&format!("{:?}", b.code)))
            .then_with(|| a.message.cmp(&b.message))
    });
}

fn params(
    path: &Path,
    version: Option<i32>,
    diagnostics: Vec<Diagnostic>,
) -> Option<PublishDiagnosticsParams> {
    Some(PublishDiagnosticsParams {
        uri: crate::path_to_uri(path)?,
        diagnostics,
        version,
    })
}

/// The syntax diagnostics of one document parsed alone.
fn syntax_diagnostics(path: &Path, text: &str) -> Vec<Diagnostic> {
    let mut map = infrac_diagnostics::SourceMap::new();
    let file = map.add(path.to_string_lossy().into_owned(), text.to_string());
    let parsed = infrac_syntax::parse(text, file);
    parsed
        .diagnostics
        .iter()
        .map(|d| convert::diagnostic(&map, d))
        .collect()
}

/// Open documents first, then the disk; remembers what it was asked for.
struct Overlay<'a> {
    docs: &'a BTreeMap<PathBuf, Doc>,
    reads: Mutex<BTreeMap<PathBuf, Option<u64>>>,
}

impl Overlay<'_> {
    fn note(&self, path: &Path) {
        let serial = self.docs.get(path).map(|d| d.serial);
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(path.to_path_buf(), serial);
        }
    }
}

impl infrac_driver::Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> std::result::Result<String, infrac_driver::LoadError> {
        self.note(path);
        match self.docs.get(path) {
            Some(doc) => Ok(doc.text.to_string()),
            None => read_source(path),
        }
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        self.note(path);
        std::fs::canonicalize(path)
            .ok()
            .or_else(|| self.docs.contains_key(path).then(|| path.to_path_buf()))
    }
}

/// Checks the lab rooted at the open document `root`.
fn check(root: &Path, snapshot: &Snapshot, previous: Option<&Checked>) -> Lab {
    let overlay = Overlay {
        docs: &snapshot.docs,
        reads: Mutex::new(BTreeMap::new()),
    };
    overlay.note(root);
    // Each tree is made from the previous analysis's, with only what the edit touched
    // parsed again, and its declaration checks are replayed where the edit cannot have
    // changed them: a keystroke in a large lab costs about what it changed.
    let beside = infrac_driver::Beside {
        files: overlay,
        previous: previous.map(|c| &c.analysis),
    };
    let text = snapshot
        .docs
        .get(root)
        .map(|d| d.text.to_string())
        .unwrap_or_default();
    let name = root.to_string_lossy().into_owned();
    let analysis = check_with(&name, &text, &beside);
    let mut diagnostics: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    let mut files = BTreeSet::new();
    for (_, file) in analysis.sources.iter() {
        if !file.name.starts_with('<') {
            files.insert(PathBuf::from(&file.name));
        }
    }
    for diagnostic in &analysis.diagnostics {
        let Some(file) = analysis.sources.get(diagnostic.primary.span.file) else {
            continue;
        };
        if file.name.starts_with('<') {
            continue;
        }
        diagnostics
            .entry(PathBuf::from(&file.name))
            .or_default()
            .push(convert::diagnostic(&analysis.sources, diagnostic));
    }
    Lab {
        reads: beside
            .files
            .reads
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()),
        disk_epoch: snapshot.disk_epoch,
        files,
        diagnostics,
        analysis: Arc::new(Checked::new(analysis)),
    }
}
