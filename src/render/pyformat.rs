//! Python's format-specification mini-language for the numbers a figure
//! writes (seaborn's `fmt` for `annot`): `[[fill]align][sign][z][#][0]
//! [width][grouping][.precision][type]` with the float types
//! `e E f F g G n %` and `d` (and none), as `format(value, spec)` gives
//! them for a Python `float` (`d` for whole numbers, as for seaborn's
//! integer data). A spec that does not parse is refused, as Python raises.

/// A parsed format spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alternate: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

/// Parses `spec` (a leading `:` is allowed, as in `"{:.2f}"`).
///
/// Errors: the reason, for what Python's `format` would reject.
pub fn parse(spec: &str) -> Result<Spec, String> {
    let s: Vec<char> = spec.strip_prefix(':').unwrap_or(spec).chars().collect();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    let (mut fill, mut align) = (' ', None);
    if s.len() >= 2 && is_align(s[1]) {
        fill = s[0];
        align = Some(s[1]);
        i = 2;
    } else if !s.is_empty() && is_align(s[0]) {
        align = Some(s[0]);
        i = 1;
    }
    let mut sign = '-';
    if i < s.len() && matches!(s[i], '+' | '-' | ' ') {
        sign = s[i];
        i += 1;
    }
    if i < s.len() && s[i] == 'z' {
        i += 1;
    }
    let mut alternate = false;
    if i < s.len() && s[i] == '#' {
        alternate = true;
        i += 1;
    }
    if i < s.len() && s[i] == '0' {
        if align.is_none() {
            fill = '0';
            align = Some('=');
        }
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < s.len() && s[*i].is_ascii_digit() {
            *i += 1;
        }
        (*i > start).then(|| s[start..*i].iter().collect::<String>().parse().ok())?
    };
    let width = digits(&mut i).unwrap_or(0);
    let mut grouping = None;
    if i < s.len() && matches!(s[i], ',' | '_') {
        grouping = Some(s[i]);
        i += 1;
    }
    let mut precision = None;
    if i < s.len() && s[i] == '.' {
        i += 1;
        precision = Some(digits(&mut i).ok_or("'.' must be followed by a precision")?);
    }
    let mut kind = None;
    if i < s.len() {
        let c = s[i];
        if !"eEfFgGn%d".contains(c) {
            return Err(format!(
                "unknown format code '{c}' for a number (use e, E, f, F, g, G, n, % or d)"
            ));
        }
        kind = Some(c);
        i += 1;
    }
    if i != s.len() {
        return Err(format!("invalid format specifier '{spec}'"));
    }
    if kind == Some('d') && precision.is_some() {
        return Err("precision is not allowed with the integer format code 'd'".into());
    }
    if kind == Some('n') && grouping.is_some() {
        return Err("cannot combine ',' or '_' with 'n'".into());
    }
    Ok(Spec {
        fill,
        align,
        sign,
        alternate,
        width,
        grouping,
        precision,
        kind,
    })
}

/// `format(v, spec)` as Python writes it. A spec that does not parse
/// gives `v` in Python's `repr` (validation refuses it earlier).
pub fn format(v: f64, spec: &str) -> String {
    match parse(spec) {
        Ok(s) => s.apply(v),
        Err(_) => repr(v),
    }
}

impl Spec {
    /// The presentation type (`f`, `d`, `g`, …), `None` when absent.
    pub fn kind(&self) -> Option<char> {
        self.kind
    }

    /// Formats `v`.
    pub fn apply(&self, v: f64) -> String {
        let neg = v.is_sign_negative() && !(v == 0.0 && self.kind.is_none()) && !v.is_nan();
        let a = v.abs();
        let body = if a.is_nan() {
            if self.kind.is_some_and(|k| k.is_ascii_uppercase()) {
                "NAN"
            } else {
                "nan"
            }
            .to_string()
        } else if a.is_infinite() {
            if self.kind.is_some_and(|k| k.is_ascii_uppercase()) {
                "INF"
            } else {
                "inf"
            }
            .to_string()
        } else {
            let p = self.precision;
            let raw = match self.kind {
                Some('f') | Some('F') => format!("{a:.*}", p.unwrap_or(6)),
                Some('e') | Some('E') => exp(a, p.unwrap_or(6), self.kind == Some('E')),
                Some('%') => format!("{:.*}%", p.unwrap_or(6), a * 100.0),
                Some('d') => format!("{}", a.round()),
                Some('g') | Some('G') | Some('n') => general(
                    a,
                    p.unwrap_or(6).max(1),
                    self.alternate,
                    self.kind == Some('G'),
                ),
                _ => match p {
                    // No type: 'g' with at least one digit after the point.
                    Some(p) => {
                        let g = general(a, p.max(1), self.alternate, false);
                        if g.contains(['.', 'e']) {
                            g
                        } else {
                            format!("{g}.0")
                        }
                    }
                    None => repr(a),
                },
            };
            let raw = if self.alternate
                && !raw.contains('.')
                && !raw.contains('e')
                && self.kind != Some('d')
            {
                match raw.strip_suffix('%') {
                    Some(r) => format!("{r}.%"),
                    None => format!("{raw}."),
                }
            } else {
                raw
            };
            match self.grouping {
                Some(g) => group(&raw, g),
                None => raw,
            }
        };
        let sign = match (neg, self.sign) {
            (true, _) => "-",
            (false, '+') => "+",
            (false, ' ') => " ",
            _ => "",
        };
        self.pad(sign, &body)
    }

    fn pad(&self, sign: &str, body: &str) -> String {
        let len = sign.chars().count() + body.chars().count();
        if len >= self.width {
            return format!("{sign}{body}");
        }
        let n = self.width - len;
        let fill = |k: usize| std::iter::repeat_n(self.fill, k).collect::<String>();
        match self.align.unwrap_or('>') {
            '<' => format!("{sign}{body}{}", fill(n)),
            '^' => format!("{}{sign}{body}{}", fill(n / 2), fill(n - n / 2)),
            '=' => format!("{sign}{}{body}", fill(n)),
            _ => format!("{}{sign}{body}", fill(n)),
        }
    }
}

/// Python's `repr` of a float: the shortest digits that round-trip, with
/// a `.0` on whole numbers and exponents from 1e16 and below 1e-4.
pub fn repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{v:e}"); // shortest round-trip digits
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

fn exp(a: f64, p: usize, upper: bool) -> String {
    let s = format!("{a:.p$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let out = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Python's `g`: `p` significant digits, scientific when the exponent is
/// below -4 or at least `p`; trailing zeros removed unless `alternate`.
fn general(a: f64, p: usize, alternate: bool, upper: bool) -> String {
    if a == 0.0 {
        return if alternate {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".into()
        };
    }
    let e_str = exp(a, p - 1, false);
    let e: i32 = e_str
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let strip = |s: &str| {
        if alternate || !s.contains('.') {
            s.to_string()
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    let out = if e < -4 || e >= p as i32 {
        let (m, rest) = e_str.split_once('e').unwrap_or((&e_str, "+00"));
        format!("{}e{rest}", strip(m))
    } else {
        let decimals = (p as i32 - 1 - e).max(0) as usize;
        strip(&format!("{a:.decimals$}"))
    };
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

/// Thousands separators in the integer part of a formatted number.
fn group(s: &str, sep: char) -> String {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (int, rest) = s.split_at(end);
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_format_of_floats() {
        // Each right-hand side is Python 3.11's format(v, spec).
        let cases: &[(f64, &str, &str)] = &[
            (1234567.25, ",.0f", "1,234,567"),
            (1234567.25, "_.2f", "1_234_567.25"),
            (0.12345, ".2g", "0.12"),
            (1234.5, ".2g", "1.2e+03"),
            (2.0, ".2g", "2"),
            (0.00001234, ".2g", "1.2e-05"),
            (3.24159, ".3f", "3.242"),
            (-3.24159, "+.1f", "-3.2"),
            (3.24159, "+.1f", "+3.2"),
            (3.24159, " .1f", " 3.2"),
            (0.256, ".1%", "25.6%"),
            (42.0, "d", "42"),
            (12345.678, ".2e", "1.23e+04"),
            (12345.678, ".2E", "1.23E+04"),
            (3.5, "08.2f", "00003.50"),
            (-3.5, "08.2f", "-0003.50"),
            (3.5, "*^9.1f", "***3.5***"),
            (3.5, "<6.1f", "3.5   "),
            (3.5, ">6.1f", "   3.5"),
            (2.0, "#.3g", "2.00"),
            (2.0, "", "2.0"),
            (0.1, "", "0.1"),
            (1e20, "", "1e+20"),
            (2.0, ".3", "2.0"),
            (1234.5, ".3", "1.23e+03"),
            (1234567.0, ",", "1,234,567.0"),
            (0.5, "G", "0.5"),
            (1e-7, "G", "1E-07"),
            (f64::NAN, ".2f", "nan"),
            (f64::INFINITY, ".2F", "INF"),
            (1234567.891, ",.2f", "1,234,567.89"),
            (1234.5, "n", "1234.5"),
        ];
        for &(v, spec, want) in cases {
            assert_eq!(format(v, spec), want, "format({v}, {spec:?})");
        }
    }

    #[test]
    fn specs_python_refuses_are_refused() {
        for bad in ["zz", ".2q", "10.", ",n", ".2d", "3.2.1", "<<<"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for good in ["", ".2g", ",.0f", "+08.3e", "*^10", "_d", "#.3g", ":.1%"] {
            assert!(parse(good).is_ok(), "{good}");
        }
    }
}
