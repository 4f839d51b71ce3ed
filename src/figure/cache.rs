//! Results shared by the figures of one dataset: a dataset is read once
//! and each distinct linkage or correlation is computed once, however many
//! figures use it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::cluster::Linkage;

/// A square correlation matrix (row-major) and its labels.
pub type Correlation = (Vec<f64>, Vec<String>);

/// Per-dataset memo of linkages and correlation matrices.
#[derive(Default)]
pub struct Cache {
    linkages: Mutex<HashMap<String, Arc<Linkage>>>,
    correlations: Mutex<HashMap<String, Arc<Correlation>>>,
}

impl Cache {
    /// The linkage under `key`, computed by `f` on first use.
    pub fn linkage<E>(
        &self,
        key: &str,
        f: impl FnOnce() -> Result<Linkage, E>,
    ) -> Result<Arc<Linkage>, E> {
        if let Some(v) = self
            .linkages
            .lock()
            .map_err(|_| ())
            .ok()
            .and_then(|m| m.get(key).cloned())
        {
            return Ok(v);
        }
        let v = Arc::new(f()?);
        if let Ok(mut m) = self.linkages.lock() {
            m.insert(key.to_string(), v.clone());
        }
        Ok(v)
    }

    /// The correlation matrix (and labels) under `key`.
    pub fn correlation<E>(
        &self,
        key: &str,
        f: impl FnOnce() -> Result<Correlation, E>,
    ) -> Result<Arc<Correlation>, E> {
        if let Some(v) = self
            .correlations
            .lock()
            .map_err(|_| ())
            .ok()
            .and_then(|m| m.get(key).cloned())
        {
            return Ok(v);
        }
        let v = Arc::new(f()?);
        if let Ok(mut m) = self.correlations.lock() {
            m.insert(key.to_string(), v.clone());
        }
        Ok(v)
    }

    /// How many distinct results are held (tests check sharing).
    pub fn len(&self) -> usize {
        self.linkages.lock().map(|m| m.len()).unwrap_or(0)
            + self.correlations.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
