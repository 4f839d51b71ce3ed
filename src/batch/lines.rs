//! Where each key of a config stands, so every config error names its
//! line: the keys of each `[[dataset]]` and `[[figure]]` (by index) and of
//! `[defaults]` and `[output]`, for TOML (from the parser's spans) and
//! JSON (from a small scan of the text serde_json has already accepted).

use std::collections::BTreeMap;

/// 1-based lines of a config's keys, and where each table starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lines {
    dataset: Vec<Table>,
    figure: Vec<Table>,
    defaults: Table,
    output: Table,
}

/// One table: the line it starts on (its `[[header]]` or `{`) and the
/// line of each key.
#[derive(Debug, Clone, Default, PartialEq)]
struct Table {
    start: Option<usize>,
    keys: BTreeMap<String, usize>,
}

impl Lines {
    /// The lines of `text`, a config that already parsed (`is_json`: JSON,
    /// else TOML). Empty where the text does not have the expected shape.
    pub fn parse(text: &str, is_json: bool) -> Lines {
        if is_json {
            json::lines(text).unwrap_or_default()
        } else {
            toml_lines(text)
        }
    }

    /// The line of `key` in the i-th `[[figure]]`.
    pub fn figure(&self, i: usize, key: &str) -> Option<usize> {
        self.figure.get(i)?.keys.get(key).copied()
    }

    /// The line where the i-th `[[figure]]` starts.
    pub fn figure_start(&self, i: usize) -> Option<usize> {
        self.figure.get(i)?.start
    }

    /// The line of `key` in the i-th `[[dataset]]`.
    pub fn dataset(&self, i: usize, key: &str) -> Option<usize> {
        self.dataset.get(i)?.keys.get(key).copied()
    }

    /// The line where the i-th `[[dataset]]` starts.
    pub fn dataset_start(&self, i: usize) -> Option<usize> {
        self.dataset.get(i)?.start
    }

    /// The line of `key` in `[defaults]`.
    pub fn defaults(&self, key: &str) -> Option<usize> {
        self.defaults.keys.get(key).copied()
    }

    /// The line of `key` in `[output]`.
    pub fn output(&self, key: &str) -> Option<usize> {
        self.output.keys.get(key).copied()
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// TOML: the parser's spans of each key's value; a table starts at its
/// `[[name]]` header (the last one above its first key).
fn toml_lines(text: &str) -> Lines {
    type Spanned = BTreeMap<String, toml::Spanned<toml::Value>>;
    #[derive(serde::Deserialize, Default)]
    struct Raw {
        #[serde(default)]
        dataset: Vec<Spanned>,
        #[serde(default)]
        figure: Vec<Spanned>,
        #[serde(default)]
        defaults: Spanned,
        #[serde(default)]
        output: Spanned,
    }
    let raw: Raw = toml::from_str(text).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let table = |t: &Spanned, header: Option<&str>| {
        let keys: BTreeMap<String, usize> = t
            .iter()
            .map(|(k, v)| (k.clone(), line_at(text, v.span().start)))
            .collect();
        let first = keys.values().min().copied();
        let start = match (first, header) {
            (Some(f), Some(h)) => (1..=f)
                .rev()
                .find(|&l| {
                    lines
                        .get(l - 1)
                        .is_some_and(|s| s.trim_start().starts_with(h))
                })
                .or(Some(f)),
            (f, _) => f,
        };
        Table { start, keys }
    };
    Lines {
        dataset: raw
            .dataset
            .iter()
            .map(|t| table(t, Some("[[dataset]]")))
            .collect(),
        figure: raw
            .figure
            .iter()
            .map(|t| table(t, Some("[[figure]]")))
            .collect(),
        defaults: table(&raw.defaults, None),
        output: table(&raw.output, None),
    }
}

mod json {
    //! A scan of valid JSON that notes the line of each key two levels
    //! down (`{"figure": [{"dpi": …}]}`); values are skipped, not built.

    use super::{Lines, Table};

    struct Scan<'a> {
        b: &'a [u8],
        i: usize,
        line: usize,
    }

    impl Scan<'_> {
        fn ws(&mut self) {
            while let Some(&c) = self.b.get(self.i) {
                match c {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return,
                }
                self.i += 1;
            }
        }

        fn eat(&mut self, c: u8) -> Option<()> {
            self.ws();
            (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
        }

        fn peek(&mut self) -> Option<u8> {
            self.ws();
            self.b.get(self.i).copied()
        }

        fn string(&mut self) -> Option<String> {
            self.eat(b'"')?;
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                match c {
                    b'\\' => self.i += 1,
                    b'"' => {
                        let raw = &self.b[start..self.i];
                        self.i += 1;
                        // Keys are plain names; an escaped one is kept raw.
                        return Some(String::from_utf8_lossy(raw).into_owned());
                    }
                    b'\n' => self.line += 1,
                    _ => {}
                }
                self.i += 1;
            }
            None
        }

        fn skip(&mut self) -> Option<()> {
            match self.peek()? {
                b'"' => self.string().map(|_| ()),
                b'{' => self.object(|s, _, _| s.skip()).map(|_| ()),
                b'[' => self.array(|s| s.skip()),
                _ => {
                    while let Some(&c) = self.b.get(self.i) {
                        if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                            break;
                        }
                        self.i += 1;
                    }
                    Some(())
                }
            }
        }

        /// An object, calling `value` for each key (with its line) to
        /// consume the value; returns the line of `{`.
        fn object(
            &mut self,
            mut value: impl FnMut(&mut Self, String, usize) -> Option<()>,
        ) -> Option<usize> {
            self.eat(b'{')?;
            let start = self.line;
            if self.eat(b'}').is_some() {
                return Some(start);
            }
            loop {
                self.ws();
                let line = self.line;
                let k = self.string()?;
                self.eat(b':')?;
                value(self, k, line)?;
                if self.eat(b',').is_none() {
                    self.eat(b'}')?;
                    return Some(start);
                }
            }
        }

        fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
            self.eat(b'[')?;
            if self.eat(b']').is_some() {
                return Some(());
            }
            loop {
                item(self)?;
                if self.eat(b',').is_none() {
                    return self.eat(b']');
                }
            }
        }

        /// An object's keys and lines (values skipped).
        fn table(&mut self) -> Option<Table> {
            let mut t = Table::default();
            t.start = Some(self.object(|s, k, line| {
                t.keys.insert(k, line);
                s.skip()
            })?);
            Some(t)
        }
    }

    /// The lines of a JSON config (`None` if it is not the expected shape).
    pub(super) fn lines(text: &str) -> Option<Lines> {
        let mut s = Scan {
            b: text.as_bytes(),
            i: 0,
            line: 1,
        };
        let mut out = Lines::default();
        s.object(|s, k, _| match k.as_str() {
            "dataset" | "figure" if s.peek() == Some(b'[') => {
                let mut tables = Vec::new();
                s.array(|s| {
                    if s.peek() == Some(b'{') {
                        tables.push(s.table()?);
                    } else {
                        tables.push(Table::default());
                        s.skip()?;
                    }
                    Some(())
                })?;
                if k == "dataset" {
                    out.dataset = tables;
                } else {
                    out.figure = tables;
                }
                Some(())
            }
            "defaults" | "output" if s.peek() == Some(b'{') => {
                let t = s.table()?;
                if k == "defaults" {
                    out.defaults = t;
                } else {
                    out.output = t;
                }
                Some(())
            }
            _ => s.skip(),
        })?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_give_the_same_lines() {
        let toml = "[output]\ndpi = 100\n\n[defaults]\ncmap = \"x\"\n\n[[dataset]]\nname = \"a\"\npath = \"a.csv\"\n\n# second\n[[dataset]]\n\nname = \"b\"\n\n[[figure]]\nname = \"hm\"\nkind = \"heatmap\"\nvmin = [1,\n 2]\n";
        let json = "{\"output\":\n{\"dpi\": 100},\n\n\"defaults\":\n{\"cmap\": \"x\"},\n\n\"dataset\": [{\n\"name\": \"a\",\n\"path\": \"a.csv\"}, {\"x\": [1, {\"y\": \"}\"}],\n\"z\": null,\n\n\n\n\"name\": \"b\"\n}],\n\"figure\": [{\"name\": \"hm\",\n\"kind\": \"heatmap\",\n\n\"vmin\": [1,\n 2]}]}\n";
        for (text, is_json) in [(toml, false), (json, true)] {
            let l = Lines::parse(text, is_json);
            assert_eq!(l.output("dpi"), Some(2), "{is_json}");
            assert_eq!(l.defaults("cmap"), Some(5));
            assert_eq!(l.dataset(0, "path"), Some(9));
            assert_eq!(l.dataset(1, "name"), Some(14));
            assert_eq!(l.figure(0, "vmin"), Some(19));
            assert_eq!(l.figure(0, "dpi"), None);
        }
        let t = Lines::parse(toml, false);
        assert_eq!(
            (t.dataset_start(0), t.dataset_start(1)),
            (Some(7), Some(12))
        );
        assert_eq!(t.figure_start(0), Some(16));
        let j = Lines::parse(json, true);
        assert_eq!((j.dataset_start(0), j.dataset_start(1)), (Some(7), Some(9)));
        // Not the expected shape: no lines, no panic.
        assert_eq!(Lines::parse("[1, 2]", true), Lines::default());
        assert_eq!(Lines::parse("dataset = 3", false), Lines::default());
    }
}
