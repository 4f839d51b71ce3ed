//! Results shared by the figures of one dataset: a dataset is read once
//! and each distinct linkage or correlation is computed once, however many
//! figures use it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::cluster::Linkage;

/// A square correlation matrix (row-major) and its labels.
pub type Correlation = (Vec<f64>, Vec<String>);

/// Values computed once per key.
struct Memo<T>(Mutex<HashMap<String, Arc<T>>>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }
}

impl<T> Memo<T> {
    fn get_or<E>(&self, key: &str, f: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(v) = self.0.lock().ok().and_then(|m| m.get(key).cloned()) {
            return Ok(v);
        }
        let v = Arc::new(f()?);
        if let Ok(mut m) = self.0.lock() {
            m.insert(key.to_string(), v.clone());
        }
        Ok(v)
    }

    fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// Per-dataset memo of linkages and correlation matrices.
#[derive(Default)]
pub struct Cache {
    linkages: Memo<Linkage>,
    correlations: Memo<Correlation>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("linkages", &self.linkages.len())
            .field("correlations", &self.correlations.len())
            .finish()
    }
}

impl Cache {
    /// The linkage under `key`, computed by `f` on first use.
    pub fn linkage<E>(
        &self,
        key: &str,
        f: impl FnOnce() -> Result<Linkage, E>,
    ) -> Result<Arc<Linkage>, E> {
        self.linkages.get_or(key, f)
    }

    /// The correlation matrix (and labels) under `key`.
    pub fn correlation<E>(
        &self,
        key: &str,
        f: impl FnOnce() -> Result<Correlation, E>,
    ) -> Result<Arc<Correlation>, E> {
        self.correlations.get_or(key, f)
    }

    /// How many distinct results are held (tests check sharing).
    pub fn len(&self) -> usize {
        self.linkages.len() + self.correlations.len()
    }

    /// True when nothing is held yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
